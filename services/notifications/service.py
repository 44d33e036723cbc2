"""notifications: renders facts from other services into messages people read."""
import logging
import os
from datetime import UTC, datetime

from services.notifications import domain
from services.notifications.repository import NotificationsRepository
from services.notifications.schemas import InboxQuerySchema, MessageSchema
from shared import deadletters
from shared.auth import CallerIdentity
from shared.logging import CorrelationTracker
from shared.messaging import envelope_of, event_handler
from shared.mongo import MongoStore
from shared.rpc import rpc
from shared.validation import load

SERVICE_NAME = "notifications"
log = logging.getLogger(__name__)
TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")

templates = domain.make_environment(TEMPLATE_DIR)


def _now():
    return datetime.now(UTC)


class NotificationsService(deadletters.DeadLetterAdmin):
    name = SERVICE_NAME

    store = MongoStore(NotificationsRepository)
    caller = CallerIdentity()
    correlation = CorrelationTracker()

    @rpc
    def health(self):
        self.store.ping()
        return {"service": self.name, "store": "ok"}

    @event_handler("accounts", "enterprise_registered")
    def welcome_enterprise(self, body):
        envelope = envelope_of(body)
        payload = envelope["payload"]
        titles, bodies = {}, {}
        for locale in domain.LOCALES:
            titles[locale], bodies[locale] = domain.render_inbox_message(
                templates, envelope["event_type"], payload, locale
            )
        message = domain.new_message(
            payload["user_id"], "welcome", titles, bodies, envelope["event_id"], _now()
        )
        stored = self.store.handle_once(
            envelope, "welcome_enterprise", lambda session: self.store.add_message(session, message)
        )
        log.info("welcome for enterprise %s %s", payload["enterprise_id"],
                 "stored" if stored else "already stored (duplicate event)")

    @rpc
    def list_inbox(self, query=None):
        identity = self.caller.require()
        params = load(InboxQuerySchema(), query)
        items, total = self.store.inbox(
            identity.user_id, params["unread_only"], params["page"], params["page_size"]
        )
        localised = [domain.localise(item, params["locale"]) for item in items]
        return {
            "items": MessageSchema(many=True).dump(localised),
            "total": total,
            "unread": self.store.unread_count(identity.user_id),
            "page": params["page"],
            "page_size": params["page_size"],
        }

    @rpc
    def mark_read(self, message_id):
        identity = self.caller.require()
        domain.check_owner(self.store.message_by_id(message_id), identity)
        self.store.mark_read(message_id, _now())
        return {"id": message_id, "read": True}
