"""campaigns: Quality Month campaigns, activities and registrations, notices, statistics.

Entrypoints stay thin: validate with a schema, apply the domain's rules,
persist through the repository. Enterprise facts (division, industry) come
from accounts at registration time; read receipts come from notifications.
"""
import base64
import binascii
import logging
from datetime import UTC, datetime

from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy

from services.campaigns import domain
from services.campaigns.events import ACTIVITY_REGISTRATION_CONFIRMED, CAMPAIGN_EVENTS, NOTICE_PUBLISHED
from services.campaigns.export import statistics_workbook
from services.campaigns.repository import CampaignsRepository
from services.campaigns.schemas import (
    ActivityQuerySchema,
    ActivitySchema,
    AttachmentUploadSchema,
    CampaignQuerySchema,
    CampaignSchema,
    CheckInSchema,
    CreateActivitySchema,
    CreateCampaignSchema,
    CreateNoticeSchema,
    ListQuerySchema,
    NoticeQuerySchema,
    NoticeSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    TransitionSchema,
    UpdateCampaignSchema,
)
from shared.audience import matches
from shared.auth import CallerIdentity
from shared.errors import DomainError, NotFound, ValidationFailed
from shared.events import make_event
from shared.logging import CorrelationTracker
from shared.mongo import MongoStore
from shared.rpc import rpc
from shared.validation import load, page_of

SERVICE_NAME = "campaigns"
log = logging.getLogger(__name__)
PUBLIC_STATES = (domain.PUBLISHED, domain.RUNNING, domain.CLOSED)


def _now():
    return datetime.now(UTC)


class CampaignsService:
    name = SERVICE_NAME

    store = MongoStore(CampaignsRepository)
    caller = CallerIdentity()
    correlation = CorrelationTracker()
    config = Config()
    accounts = RpcProxy("accounts")
    notifications = RpcProxy("notifications")

    @rpc
    def health(self):
        self.store.ping()
        return {"service": self.name, "store": "ok"}

    # -- campaigns -------------------------------------------------------------

    def _campaign(self, campaign_id, identity):
        campaign = self.store.campaign_by_id(campaign_id)
        # Drafts exist only for organisers.
        if campaign is None or (identity.role != "organiser" and campaign["status"] == domain.DRAFT):
            raise NotFound("活动月不存在 / campaign not found")
        return campaign

    @rpc
    def create_campaign(self, payload):
        identity = self.caller.require("organiser")
        data = load(CreateCampaignSchema(), payload)
        domain.check_dates(data)
        campaign = domain.new_campaign(data, identity.user_id, _now())
        self.store.add_campaign(campaign)
        return CampaignSchema().dump(campaign)

    @rpc
    def update_campaign(self, campaign_id, payload):
        identity = self.caller.require("organiser")
        campaign = self._campaign(campaign_id, identity)
        domain.check_writable(campaign)
        data = load(UpdateCampaignSchema(partial=True), payload)
        domain.check_dates({**campaign, **data})
        updated = self.store.update_campaign(campaign_id, campaign["status"], {**data, "updated_at": _now()})
        return CampaignSchema().dump(updated)

    @rpc
    def transition_campaign(self, campaign_id, payload):
        identity = self.caller.require("organiser")
        action = load(TransitionSchema(), payload)["action"]
        campaign = self._campaign(campaign_id, identity)
        now = _now()
        target, event_name = domain.transition(campaign, action, now)
        event = make_event(CAMPAIGN_EVENTS[event_name], self.name, {
            "campaign_id": campaign["_id"], "year": campaign["year"], "name": campaign["name"],
            "theme": campaign["theme"], "status": target, "previous_status": campaign["status"],
            "starts_on": campaign["starts_on"], "ends_on": campaign["ends_on"],
        })
        entry = {"from": campaign["status"], "to": target, "at": now, "by": identity.user_id}
        updated = self.store.transition_campaign(campaign_id, campaign["status"], target, entry, event)
        log.info("campaign %s %s → %s", campaign_id, campaign["status"], target)
        return CampaignSchema().dump(updated)

    @rpc
    def get_campaign(self, campaign_id):
        identity = self.caller.require()
        return CampaignSchema().dump(self._campaign(campaign_id, identity))

    @rpc
    def list_campaigns(self, query=None):
        identity = self.caller.require()
        params = load(CampaignQuerySchema(), query)
        visible = None if identity.role == "organiser" else PUBLIC_STATES
        items, total = self.store.find_campaigns(visible_states=visible, **params)
        return page_of(CampaignSchema(many=True).dump(items), total, params["page"], params["page_size"])

    # -- activities --------------------------------------------------------------

    def _activity(self, activity_id, identity):
        activity = self.store.activity_by_id(activity_id)
        if activity is None:
            raise NotFound("活动不存在 / activity not found")
        try:
            campaign = self._campaign(activity["campaign_id"], identity)
        except NotFound:
            raise NotFound("活动不存在 / activity not found")
        return activity, campaign

    @rpc
    def create_activity(self, campaign_id, payload):
        identity = self.caller.require("organiser")
        campaign = self._campaign(campaign_id, identity)
        domain.check_writable(campaign)
        data = load(CreateActivitySchema(), payload)
        domain.check_activity_times(data)
        activity = domain.new_activity(campaign, data, _now())
        self.store.add_activity(activity)
        return ActivitySchema().dump(activity)

    @rpc
    def get_activity(self, activity_id):
        identity = self.caller.require()
        activity, _ = self._activity(activity_id, identity)
        return ActivitySchema().dump(activity)

    @rpc
    def list_activities(self, query=None):
        identity = self.caller.require()
        params = load(ActivityQuerySchema(), query)
        campaign_id = params.pop("campaign_id")
        campaign_ids = None
        if identity.role != "organiser":
            campaign_ids = self.store.campaign_ids(PUBLIC_STATES)
        if campaign_id:
            campaign_ids = [campaign_id] if campaign_ids is None or campaign_id in campaign_ids else []
        items, total = self.store.find_activities(campaign_ids=campaign_ids, **params)
        return page_of(ActivitySchema(many=True).dump(items), total, params["page"], params["page_size"])

    # -- registrations -------------------------------------------------------------

    def _confirmed_event(self, activity):
        def build(registration, promoted):
            return make_event(ACTIVITY_REGISTRATION_CONFIRMED, self.name, {
                "registration_id": registration["_id"], "activity_id": activity["_id"],
                "campaign_id": activity["campaign_id"], "enterprise_id": registration["enterprise_id"],
                "activity_title": activity["title"], "venue": activity["venue"],
                "starts_at": activity["starts_at"].isoformat(), "promoted_from_waitlist": promoted,
            })

        return build

    @rpc
    def register_for_activity(self, activity_id):
        """An enterprise takes a seat, or a place on the wait-list when full."""
        identity = self.caller.require("enterprise")
        activity, campaign = self._activity(activity_id, identity)
        now = _now()
        domain.check_registration_open(campaign, activity, now)
        enterprise = self.accounts.get_enterprise(identity.enterprise_id)
        registration = domain.new_registration(activity, enterprise, now)
        stored = self.store.register(activity_id, registration, self._confirmed_event(activity))
        log.info("enterprise %s %s for activity %s", identity.enterprise_id, stored["status"], activity_id)
        return RegistrationSchema().dump(stored)

    @rpc
    def cancel_registration(self, registration_id):
        identity = self.caller.require("enterprise", "organiser")
        registration = self.store.registration_by_id(registration_id)
        domain.check_own_registration(identity, registration)
        activity, campaign = self._activity(registration["activity_id"], identity)
        domain.check_writable(campaign)
        now = _now()
        domain.check_cancellable(activity, now)
        before, promoted = self.store.cancel(registration_id, now, self._confirmed_event(activity))
        result = RegistrationSchema().dump({**before, "status": domain.CANCELLED, "position": None})
        result["promoted_registration_id"] = promoted["_id"] if promoted else None
        return result

    @rpc
    def list_registrations(self, activity_id, query=None):
        identity = self.caller.require("organiser")
        self._activity(activity_id, identity)
        params = load(RegistrationQuerySchema(), query)
        selector = {"activity_id": activity_id}
        if params["status"]:
            selector["status"] = params["status"]
        items, total = self.store.find_registrations(selector, params["page"], params["page_size"])
        return page_of(RegistrationSchema(many=True).dump(items), total, params["page"], params["page_size"])

    @rpc
    def my_registrations(self, query=None):
        identity = self.caller.require("enterprise")
        params = load(ListQuerySchema(), query)
        items, total = self.store.find_registrations({"enterprise_id": identity.enterprise_id},
                                                     params["page"], params["page_size"])
        return page_of(RegistrationSchema(many=True).dump(items), total, params["page"], params["page_size"])

    @rpc
    def check_in(self, activity_id, payload):
        identity = self.caller.require("organiser")
        _, campaign = self._activity(activity_id, identity)
        domain.check_writable(campaign)
        data = load(CheckInSchema(), payload)
        registration = self.store.registration_of(activity_id, data["enterprise_id"])
        domain.check_can_check_in(registration)
        updated = self.store.check_in(registration["_id"], _now())
        domain.check_can_check_in(updated)  # cancelled in between
        return RegistrationSchema().dump(updated)

    # -- notices ---------------------------------------------------------------------

    def _notice(self, notice_id):
        notice = self.store.notice_by_id(notice_id)
        if notice is None:
            raise NotFound("通知不存在 / notice not found")
        return notice

    def _check_campaign_link(self, campaign_id, identity):
        if campaign_id:
            domain.check_writable(self._campaign(campaign_id, identity))

    @rpc
    def create_notice(self, payload):
        identity = self.caller.require("organiser")
        data = load(CreateNoticeSchema(), payload)
        self._check_campaign_link(data.get("campaign_id"), identity)
        notice = domain.new_notice(data, identity.user_id, _now())
        self.store.add_notice(notice)
        return NoticeSchema().dump(notice)

    @rpc
    def update_notice(self, notice_id, payload):
        identity = self.caller.require("organiser")
        notice = self._notice(notice_id)
        domain.check_notice_draft(notice)
        current = {"year": notice["year"], "doc_number": notice["doc_number"], "title": notice["title"]["zh-CN"],
                   "body": notice["body_markdown"]["zh-CN"], "audience": notice["audience"],
                   "required_read": notice["required_read"], "campaign_id": notice["campaign_id"],
                   "translations": {locale: {"title": notice["title"][locale], "body": notice["body_markdown"][locale]}
                                    for locale in notice["title"] if locale != "zh-CN"}}
        data = load(CreateNoticeSchema(), {**current, **(payload or {})})
        self._check_campaign_link(data.get("campaign_id"), identity)
        fresh = domain.new_notice(data, identity.user_id, _now())
        changes = {key: fresh[key] for key in ("year", "doc_number", "campaign_id", "title", "body_markdown",
                                                "body_html", "audience", "required_read")}
        changes["updated_at"] = fresh["updated_at"]
        updated = self.store.update_draft_notice(notice_id, changes)
        if updated is None:
            domain.check_notice_draft(self._notice(notice_id))
        return NoticeSchema().dump(updated)

    @rpc
    def publish_notice(self, notice_id):
        identity = self.caller.require("organiser")
        notice = self._notice(notice_id)
        domain.check_notice_draft(notice)
        self._check_campaign_link(notice.get("campaign_id"), identity)
        now = _now()
        event = make_event(NOTICE_PUBLISHED, self.name, {
            "notice_id": notice["_id"], "year": notice["year"], "doc_number": notice["doc_number"],
            "title": notice["title"], "body_html": notice["body_html"], "audience": notice["audience"],
            "required_read": notice["required_read"], "published_at": now.isoformat(),
            "campaign_id": notice.get("campaign_id"),
        })
        published = self.store.publish_notice(notice_id, now, event)
        log.info("notice %s (%s) published", notice_id, notice["doc_number"])
        return NoticeSchema().dump(published)

    def _visible_notice(self, notice_id):
        identity = self.caller.require()
        notice = self._notice(notice_id)
        recipient = None
        if identity.role == "enterprise" and notice["status"] == domain.NOTICE_PUBLISHED:
            enterprise = self.accounts.get_enterprise(identity.enterprise_id)
            recipient = {"role": "enterprise", "enterprise_id": enterprise["id"], **{
                key: enterprise.get(key) for key in ("division_code", "industry_code", "size")}}
        elif identity.role != "organiser" and notice["status"] == domain.NOTICE_PUBLISHED:
            recipient = {"role": identity.role}
        if not domain.notice_visible_to(identity, notice, recipient, matches):
            raise NotFound("通知不存在 / notice not found")
        return notice

    @rpc
    def get_notice(self, notice_id):
        return NoticeSchema().dump(self._visible_notice(notice_id))

    @rpc
    def list_notices(self, query=None):
        self.caller.require("organiser")
        params = load(NoticeQuerySchema(), query)
        items, total = self.store.find_notices(**params)
        return page_of(NoticeSchema(many=True).dump(items), total, params["page"], params["page_size"])

    @rpc
    def notice_audience_count(self, notice_id):
        """The composer's preview: how many enterprises this notice would reach."""
        self.caller.require("organiser")
        notice = self._notice(notice_id)
        return {"notice_id": notice_id, **self.accounts.count_audience(notice["audience"])}

    @rpc
    def add_attachment(self, notice_id, payload):
        self.caller.require("organiser")
        data = load(AttachmentUploadSchema(), payload)
        try:
            content = base64.b64decode(data["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("附件内容不是 base64 / content is not base64", {"content_base64": ["invalid"]})
        notice = self._notice(notice_id)
        domain.check_notice_draft(notice)
        max_count = int(self.config.get("NOTICE_ATTACHMENT_MAX_COUNT", 10))
        domain.check_attachment(data["content_type"], len(content),
                                int(self.config.get("NOTICE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)),
                                len(notice["attachments"]), max_count)
        return self.store.add_attachment(notice_id, data["filename"], data["content_type"], content, max_count)

    @rpc
    def get_attachment(self, notice_id, attachment_id):
        notice = self._visible_notice(notice_id)
        meta = next((item for item in notice["attachments"] if item["id"] == attachment_id), None)
        content = self.store.read_attachment(attachment_id) if meta else None
        if content is None:
            raise NotFound("附件不存在 / attachment not found")
        return {**meta, "content_base64": base64.b64encode(content).decode("ascii")}

    # -- statistics --------------------------------------------------------------------

    def _read_stats(self, notice_id):
        """Read receipts from notifications; None when it cannot answer, so the
        rest of the statistics still come back."""
        try:
            return self.notifications.notice_read_stats(notice_id)
        except DomainError:
            raise
        except Exception as error:  # MethodNotFound, UnknownService, RemoteError
            log.warning("read stats for notice %s unavailable: %r", notice_id, error)
            return None

    def _statistics(self, campaign_id):
        identity = self.caller.require("organiser")
        campaign = self._campaign(campaign_id, identity)
        notices = [{"notice_id": notice["_id"], "doc_number": notice["doc_number"],
                    "title": notice["title"]["zh-CN"], "required_read": notice["required_read"],
                    "read_stats": self._read_stats(notice["_id"])}
                   for notice in self.store.published_notices_of(campaign_id)]
        return domain.campaign_statistics(campaign, self.store.activities_of(campaign_id),
                                          self.store.registrations_of_campaign(campaign_id), notices)

    @rpc
    def campaign_statistics(self, campaign_id):
        return self._statistics(campaign_id)

    @rpc
    def campaign_statistics_xlsx(self, campaign_id):
        stats = self._statistics(campaign_id)
        content = statistics_workbook(stats)
        return {"filename": f"campaign-{stats['campaign']['year']}-statistics.xlsx",
                "content_base64": base64.b64encode(content).decode("ascii")}
