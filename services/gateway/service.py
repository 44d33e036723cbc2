"""gateway: HTTP ↔ RPC. No data and no business rules.

Each route module under ``routes/`` belongs to one backend service: it parses
the request, and ``shared.http`` forwards the caller's token and correlation
id in the context data. Authorisation happens in the services.

The route classes are reached through their modules, not imported by name:
``nameko run`` treats every class in this module that has entrypoints as a
service, and the mixins alone are not services.
"""
from nameko.dependency_providers import Config

from services.gateway.portal import assets, auth, enterprise, inbox, judge, notices, organiser
from services.gateway.portal import campaigns as campaign_pages
from services.gateway.portal import qc as qc_pages
from services.gateway.routes import accounts, campaigns, notifications, platform, qc
from shared.logging import CorrelationTracker


class GatewayService(
    platform.PlatformRoutes, accounts.AccountsRoutes, notifications.NotificationsRoutes,
    qc.QcRoutes, campaigns.CampaignsRoutes,
    # The portal's pages (services/gateway/portal), on the same HTTP server.
    assets.AssetPages, auth.AuthPages, enterprise.EnterprisePages, inbox.InboxPages,
    judge.JudgePages, organiser.OrganiserPages, campaign_pages.CampaignPages, notices.NoticePages,
    qc_pages.QcEnterprisePages, qc_pages.QcJudgePages, qc_pages.QcOrganiserPages,
):
    name = "gateway"

    correlation = CorrelationTracker()
    config = Config()
