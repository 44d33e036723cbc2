"""notifications: renders facts from other services into messages people read.

Entrypoints only; rules live in domain.py, Mongo in repository.py, sending in
dispatch.py and channels.py.
"""
import logging
import os
from datetime import UTC, datetime

from services.notifications import domain
from services.notifications.dispatch import INITIAL, Dispatcher, entry_for, new_chunk
from services.notifications.repository import DONE, NotificationsRepository
from services.notifications.schemas import (
    BroadcastProgressSchema,
    DeadLetterQuerySchema,
    DeadLetterSchema,
    DeliveryLogQuerySchema,
    DeliverySchema,
    InboxQuerySchema,
    MessageSchema,
    NoticePublishedPayload,
    PreferencesSchema,
    QcGradesPublishedPayload,
    ResendSchema,
    TemplateKeySchema,
    TemplateOverrideSchema,
    TemplateSchema,
    UnreadQuerySchema,
    UnreadRecipientSchema,
)
from shared import failed_events
from shared.auth import CallerIdentity
from shared.errors import NotFound
from shared.logging import CorrelationTracker
from shared.messaging import envelope_of, event_handler
from shared.mongo import MongoStore
from shared.rpc import rpc
from shared.validation import load, page_of

SERVICE_NAME = "notifications"
log = logging.getLogger(__name__)
TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")

templates = domain.Templates(TEMPLATE_DIR)
PAYLOAD_SCHEMAS = {"notice_published": NoticePublishedPayload(), "qc_grades_published": QcGradesPublishedPayload()}


def _now():
    return datetime.now(UTC)


def _rate(read, total):
    return round(read / total, 4) if total else 0.0


class NotificationsService(failed_events.FailedEventsAdmin):
    name = SERVICE_NAME

    store = MongoStore(NotificationsRepository)
    dispatcher = Dispatcher(templates)
    caller = CallerIdentity()
    correlation = CorrelationTracker()

    @rpc
    def health(self):
        self.store.ping()
        return {"service": self.name, "store": "ok"}

    # -- consumed events ------------------------------------------------------

    def _inbox_texts(self, event_type, context, overrides):
        titles, bodies = {}, {}
        for locale in domain.LOCALES:
            text = templates.render(event_type, "inbox", locale, domain.render_context(event_type, context, locale),
                                    overrides)
            titles[locale], bodies[locale] = domain.split_inbox(text)
        return titles, bodies

    def _direct_chunks(self, event_id, event_type, deliveries):
        """Send-queue chunks for direct messages: ``deliveries`` = (recipient, message_id)."""
        category = domain.EVENT_CATEGORY[event_type]
        prefs = self.store.preferences_of(recipient["_id"] for recipient, _ in deliveries)
        chunks = []
        for channel in ("email", "sms"):
            if not self.dispatcher.enabled(channel):
                continue
            entries = []
            for recipient, message_id in deliveries:
                stored = prefs.get(recipient["_id"])
                address = recipient.get("email") if channel == "email" else (stored or {}).get("phone")
                if address and domain.wants(stored, category, channel):
                    locale = domain.effective_preferences(stored)["locale"] if stored else \
                        (recipient.get("locale") or domain.DEFAULT_LOCALE)
                    entries.append(entry_for(recipient, address, locale, message_id))
            for n, start in enumerate(range(0, len(entries), self.dispatcher.batch_size)):
                chunks.append(new_chunk(f"{event_id}:{channel}:{n}", event_id, event_type, channel, category,
                                        False, entries[start:start + self.dispatcher.batch_size], kind=INITIAL))
        return chunks

    def _queue(self, session, chunks):
        for chunk in chunks:
            self.store.insert_chunk(chunk, session=session)

    @event_handler("accounts", "enterprise_registered")
    def welcome_enterprise(self, body):
        envelope = envelope_of(body)
        payload = envelope["payload"]
        recipient = domain.recipient_from_event("enterprise_registered", payload)
        titles, bodies = self._inbox_texts("enterprise_registered", payload, self.store.template_overrides())
        message = domain.new_message(payload["user_id"], "account", titles, bodies, envelope["event_id"], _now(),
                                     event_type="enterprise_registered", context=payload)
        chunks = self._direct_chunks(envelope["event_id"], "enterprise_registered", [(recipient, message["_id"])])

        def work(session):
            self.store.upsert_recipient(session, recipient)
            self.store.add_message(session, message)
            self._queue(session, chunks)

        stored = self.store.handle_once(envelope, "welcome_enterprise", work)
        if stored and chunks:
            self.dispatcher.wake()
        log.info("welcome for enterprise %s %s", payload["enterprise_id"],
                 "stored" if stored else "already stored (duplicate event)")

    @event_handler("accounts", "judge_registered")
    def project_judge(self, body):
        envelope = envelope_of(body)
        recipient = domain.recipient_from_event("judge_registered", envelope["payload"])
        self.store.handle_once(envelope, "project_judge", lambda s: self.store.upsert_recipient(s, recipient))

    @event_handler("campaigns", "notice_published")
    def on_notice_published(self, body):
        envelope = envelope_of(body)
        payload = PAYLOAD_SCHEMAS["notice_published"].load(envelope["payload"])
        notice = {**payload, "_id": payload["notice_id"], "created_at": payload["published_at"],
                  "source_event_id": envelope["event_id"]}
        channels = [channel for channel in ("email", "sms") if self.dispatcher.enabled(channel)]

        def work(session):
            # Stored once, whatever the audience size; email/SMS expand later.
            self.store.save_notice(session, notice)
            for channel in channels:
                fanout_id = f"{notice['_id']}:{channel}"
                if self.store.db.fanouts.find_one({"_id": fanout_id}, session=session):
                    continue  # a republished notice is not sent twice
                self.store.add_fanout(session, {
                    "_id": fanout_id, "source_id": notice["_id"], "event_type": "notice_published",
                    "channel": channel, "category": "notice", "critical": notice["required_read"],
                    "status": "queued", "seq": 0, "last_user": None, "total": 0, "created_at": _now()})

        if self.store.handle_once(envelope, "on_notice_published", work):
            self.dispatcher.wake()

    @event_handler("qc", "qc_grades_published")
    def on_qc_grades_published(self, body):
        envelope = envelope_of(body)
        payload = PAYLOAD_SCHEMAS["qc_grades_published"].load(envelope["payload"])
        overrides = self.store.template_overrides()
        users = {}
        for user in self.store.enterprise_users({r["enterprise_id"] for r in payload["results"]}):
            users.setdefault(user["enterprise_id"], []).append(user)
        conference = {key: payload[key] for key in ("conference_id", "conference_name", "year")}
        messages, deliveries = [], []
        for result in payload["results"]:
            context = {**conference, **result}
            titles, bodies = self._inbox_texts("qc_grades_published", context, overrides)
            # Addressed to the enterprise: every user of it sees its own result.
            message = domain.new_message(None, "qc", titles, bodies, envelope["event_id"], _now(),
                                         event_type="qc_grades_published", context=context,
                                         enterprise_id=result["enterprise_id"])
            messages.append(message)
            deliveries.extend((user, message["_id"]) for user in users.get(result["enterprise_id"], []))
        chunks = self._direct_chunks(envelope["event_id"], "qc_grades_published", deliveries)

        def work(session):
            self.store.add_messages(session, messages)
            self._queue(session, chunks)

        if self.store.handle_once(envelope, "on_qc_grades_published", work) and chunks:
            self.dispatcher.wake()

    # -- inbox ----------------------------------------------------------------

    def _recipient(self, identity):
        return self.store.recipient(identity.user_id) or {
            "_id": identity.user_id, "role": identity.role, "enterprise_id": identity.enterprise_id}

    def _visible_notices(self, recipient):
        return [notice for notice in self.store.notice_headers()
                if domain.in_audience(notice["audience"], recipient)]

    @rpc
    def list_inbox(self, query=None):
        """Notices whose audience includes the caller (fan-out on read) plus direct messages."""
        identity = self.caller.require()
        params = load(InboxQuerySchema(), query)
        page, size, locale = params["page"], params["page_size"], params["locale"]
        recipient = self._recipient(identity)
        notices = self._visible_notices(recipient)
        reads = self.store.reads_of_user(identity.user_id, [n["_id"] for n in notices])
        notice_items = [{"_id": n["_id"], "kind": "notice", "required_read": n["required_read"],
                         "created_at": n["created_at"], "read_at": reads.get(n["_id"])} for n in notices]
        unread_notices = sum(1 for item in notice_items if item["read_at"] is None)
        if params["unread_only"]:
            notice_items = [item for item in notice_items if item["read_at"] is None]
        direct, direct_total = self.store.direct_messages(
            identity.user_id, identity.enterprise_id, params["unread_only"], page * size)
        for message in direct:
            message["kind"] = "message"
        merged = sorted(notice_items + direct, key=domain.inbox_order)[(page - 1) * size:page * size]
        full = self.store.notices_by_ids([item["_id"] for item in merged if item["kind"] == "notice"])
        items = []
        for item in merged:
            if item["kind"] == "notice":
                notice = full[item["_id"]]
                shown = domain.notice_locale(notice, locale)
                text = templates.render("notice_published", "inbox", shown,
                                        domain.render_context("notice_published", notice, shown))
                title, body = domain.split_inbox(text)
                items.append({**item, "category": "notice", "title": title, "body": body})
            else:
                items.append(domain.localise(item, locale if locale in domain.LOCALES else domain.DEFAULT_LOCALE))
        return {
            **page_of(MessageSchema(many=True).dump(items), len(notice_items) + direct_total, page, size),
            "unread": unread_notices + self.store.unread_direct_count(identity.user_id, identity.enterprise_id),
        }

    @rpc
    def mark_read(self, message_id):
        identity = self.caller.require()
        message = self.store.message_by_id(message_id)
        if message is not None:
            domain.check_owner(message, identity)
            self.store.mark_read(message_id, _now())
            return {"id": message_id, "read": True}
        recipient = self._recipient(identity)
        notice = self.store.notice(message_id, {"audience": 1})
        if notice is None or not domain.in_audience(notice["audience"], recipient):
            raise NotFound("消息不存在 / message not found")
        self.store.record_read(message_id, recipient, _now())
        return {"id": message_id, "read": True}

    # -- preferences ------------------------------------------------------------

    @rpc
    def get_preferences(self):
        identity = self.caller.require()
        return domain.effective_preferences(self.store.preferences(identity.user_id))

    @rpc
    def update_preferences(self, body):
        identity = self.caller.require()
        data = load(PreferencesSchema(), body)
        changes = {f"settings.{category}.{channel}": value
                   for category, channels in (data.get("settings") or {}).items()
                   for channel, value in channels.items()}
        for key in ("phone", "locale"):
            if key in data:
                changes[key] = data[key]
        if changes:
            self.store.save_preferences(identity.user_id, changes)
        if data.get("locale"):
            self.store.set_recipient_locale(identity.user_id, data["locale"])
        return domain.effective_preferences(self.store.preferences(identity.user_id))

    # -- templates (organisers) -------------------------------------------------

    @rpc
    def list_templates(self):
        self.caller.require("organiser")
        overrides = self.store.template_overrides()
        items = []
        for name in sorted(os.listdir(TEMPLATE_DIR)):
            if not name.endswith(".j2"):
                continue
            key = name.removesuffix(".j2")
            event_type, part, locale = domain.parse_template_key(key)
            with open(os.path.join(TEMPLATE_DIR, name), encoding="utf-8") as handle:
                source = overrides.get(key, handle.read())
            items.append({"key": key, "event_type": event_type, "part": part, "locale": locale,
                          "overridden": key in overrides, "source": source})
        return TemplateSchema(many=True).dump(items)

    @rpc
    def set_template_override(self, body):
        """Save an override only if it renders against the sample payload (400 names the line)."""
        identity = self.caller.require("organiser")
        data = load(TemplateOverrideSchema(), body)
        templates.check_override(data["event_type"], data["part"], data["locale"], data["source"])
        key = domain.template_key(data["event_type"], data["part"], data["locale"])
        self.store.save_template_override(key, data["source"], identity.user_id)
        return {"key": key, **data, "overridden": True}

    @rpc
    def delete_template_override(self, event_type, part, locale):
        self.caller.require("organiser")
        data = load(TemplateKeySchema(), {"event_type": event_type, "part": part, "locale": locale})
        key = domain.template_key(data["event_type"], data["part"], data["locale"])
        if not self.store.delete_template_override(key):
            raise NotFound("没有该模板的覆盖 / no override for this template")
        return {"key": key, "overridden": False}

    # -- broadcasts (organisers; also called by campaigns) ----------------------

    def _notice_or_404(self, notice_id):
        notice = self.store.notice(notice_id)
        if notice is None:
            raise NotFound("通知不存在 / notice not found")
        return notice

    def _members(self, audience, extra=None):
        """Recipients in the audience (Mongo filter, confirmed by the rule itself)."""
        query = domain.recipients_filter(audience)
        if extra:
            query = {"$and": [query, extra]}
        for recipient in self.store.recipients_matching(query):
            if domain.in_audience(audience, recipient):
                yield recipient

    def _audience_counts(self, audience):
        if domain.needs_confirmation(audience):
            counts = {}
            for recipient in self._members(audience, None):
                counts[recipient.get("division_code")] = counts.get(recipient.get("division_code"), 0) + 1
            return counts
        return self.store.recipients_by_division(domain.recipients_filter(audience))

    @rpc
    def notice_read_stats(self, notice_id):
        self.caller.require("organiser")
        notice = self._notice_or_404(notice_id)
        audience = self._audience_counts(notice["audience"])
        reads = {}
        for read in self.store.reads_of_notice(notice_id):
            reads[read.get("division_code")] = reads.get(read.get("division_code"), 0) + 1
        total, read_total = sum(audience.values()), sum(reads.values())
        divisions = sorted(set(audience) | set(reads), key=lambda code: code or "")
        return {
            "notice_id": notice_id, "audience_total": total, "read_total": read_total,
            "read_rate": _rate(read_total, total),
            "by_division": [{"division_code": code, "audience": audience.get(code, 0), "read": reads.get(code, 0),
                             "read_rate": _rate(reads.get(code, 0), audience.get(code, 0))}
                            for code in divisions],
        }

    @rpc
    def list_unread_recipients(self, notice_id, query=None):
        self.caller.require("organiser")
        params = load(UnreadQuerySchema(), query)
        notice = self._notice_or_404(notice_id)
        read_ids = [read["user_id"] for read in self.store.reads_of_notice(notice_id)]
        extra = {"_id": {"$nin": read_ids}}
        if params.get("division_code"):
            extra["division_scope"] = params["division_code"]
        page, size = params["page"], params["page_size"]
        if domain.needs_confirmation(notice["audience"]):
            members = list(self._members(notice["audience"], extra))
            rows, total = members[(page - 1) * size:page * size], len(members)
        else:  # the filter alone is exact: let the store count and page
            query = {"$and": [domain.recipients_filter(notice["audience"]), extra]}
            rows, total = self.store.recipients_page(query, page, size)
        items = [{"user_id": r["_id"], "enterprise_id": r.get("enterprise_id"), "name": r.get("name"),
                  "division_code": r.get("division_code"), "email": r.get("email")} for r in rows]
        return page_of(UnreadRecipientSchema(many=True).dump(items), total, page, size)

    @rpc
    def broadcast_progress(self, notice_id):
        self.caller.require("organiser")
        notice = self._notice_or_404(notice_id)
        audience_total = sum(self._audience_counts(notice["audience"]).values())
        read = self.store.read_count(notice_id)
        channels = {"inbox": {"total": audience_total, "sent": audience_total, "failed": 0, "read": read,
                              "queued": 0}}
        fanouts = {f["channel"]: f for f in self.store.fanouts_of(notice_id)}
        for channel in ("email", "sms"):
            chunks = self.store.chunks_of(notice_id, channel, with_entries=False)
            if channel not in fanouts and not chunks:
                continue
            total = sum(c["n"] for c in chunks if c["kind"] == INITIAL)
            sent = sum(c["sent_count"] for c in chunks if c["status"] == DONE)
            failed = self.store.dead_count(notice_id, channel)
            channels[channel] = {"total": total, "sent": sent, "failed": failed, "read": read,
                                 "queued": max(0, total - sent - failed)}
        expanding = any(f["status"] != DONE for f in fanouts.values())
        return BroadcastProgressSchema().dump({"notice_id": notice_id, "expanding": expanding,
                                               "channels": channels})

    @rpc
    def delivery_log(self, notice_id, query=None):
        """Each recipient's latest status per channel: queued, sent, failed (+reason), read."""
        self.caller.require("organiser")
        params = load(DeliveryLogQuerySchema(), query)
        self._notice_or_404(notice_id)
        reads = {read["user_id"]: read["read_at"] for read in self.store.reads_of_notice(notice_id)}
        dead = {(d["channel"], d["user_id"]) for d in self.store.dead_letter_docs({"source_id": notice_id})}
        latest = {}
        for chunk in self.store.chunks_of(notice_id, params.get("channel")):
            failed = {f["u"]: f["reason"] for f in chunk.get("failed") or ()}
            for entry in chunk["entries"]:
                status, reason = "queued", None
                if chunk["status"] == DONE:
                    status, reason = ("failed", failed[entry["u"]]) if entry["u"] in failed else ("sent", None)
                key = (chunk["channel"], entry["u"])
                read_at = reads.get(entry["u"])
                latest[key] = {
                    "user_id": entry["u"], "enterprise_id": entry.get("e"), "channel": chunk["channel"],
                    "address": entry["a"], "reason": reason, "attempts": chunk["attempt"] + 1,
                    "status": "read" if status == "sent" and read_at else status,
                    "dead": key in dead, "sent_at": chunk.get("finished_at") if status == "sent" else None,
                    "read_at": read_at,
                }
        rows = sorted(latest.values(), key=lambda row: (row["channel"], row["user_id"]))
        if params.get("status"):
            rows = [row for row in rows if row["status"] == params["status"]]
        if params.get("user_id"):
            rows = [row for row in rows if row["user_id"] == params["user_id"]]
        page, size = params["page"], params["page_size"]
        return page_of(DeliverySchema(many=True).dump(rows[(page - 1) * size:page * size]), len(rows), page, size)

    # -- dead letters (organisers) ---------------------------------------------

    @rpc
    def list_dead_letters(self, query=None):
        self.caller.require("organiser")
        params = load(DeadLetterQuerySchema(), query)
        filters = {}
        if params.get("notice_id"):
            filters["source_id"] = params["notice_id"]
        if params.get("channel"):
            filters["channel"] = params["channel"]
        items, total = self.store.dead_letters(filters, params["page"], params["page_size"])
        return page_of(DeadLetterSchema(many=True).dump(items), total, params["page"], params["page_size"])

    @rpc
    def resend_dead_letters(self, body):
        self.caller.require("organiser")
        data = load(ResendSchema(), body)
        query = {"_id": {"$in": data["ids"]}} if data["ids"] else {"source_id": data["notice_id"]}
        letters = self.store.dead_letter_docs(query)
        if not letters:
            raise NotFound("没有可重发的失败投递 / no dead letters to re-send")
        return {"resent": self.dispatcher.resend(letters)}

