"""gateway: HTTP ↔ RPC. No data and no business rules.

Each route module under ``routes/`` belongs to one backend service: it parses
the request, and ``shared.http`` forwards the caller's token and correlation
id in the context data. Authorisation happens in the services.
"""
from services.gateway.routes.accounts import AccountsRoutes
from services.gateway.routes.notifications import NotificationsRoutes
from services.gateway.routes.platform import PlatformRoutes
from shared.logging import CorrelationTracker


class GatewayService(PlatformRoutes, AccountsRoutes, NotificationsRoutes):
    name = "gateway"

    correlation = CorrelationTracker()
