"""Failed events (dead letters of event handlers) that organisers can see and send again.

``ReliableEventHandler`` moves an event that failed every retry to the
service's durable ``<service>.dead-letters`` queue. A service that mixes in
``FailedEventsAdmin`` also consumes that queue into its own ``failed_events``
collection, and offers organiser-only RPCs to list them and to redeliver one
to the handler queue it came from (its attempt count starts again).

Mix it in through this module (``failed_events.FailedEventsAdmin``), not by
importing the class name: ``nameko run`` takes every class in a service module
that has entrypoints for a service.
"""
import logging
import uuid
from datetime import UTC, datetime
from functools import partial

from kombu import Queue
from marshmallow import Schema, fields, validate
from nameko.amqp.publish import Publisher
from nameko.dependency_providers import Config
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from shared.errors import NotFound, RuleViolation
from shared.messaging import ATTEMPT_HEADER, dead_letter_queue_name
from shared.rpc import rpc
from shared.validation import PageQuerySchema, load, page_of

log = logging.getLogger(__name__)

PENDING, REDELIVERED = "pending", "redelivered"


class FailedEventQuerySchema(PageQuerySchema):
    status = fields.String(load_default=PENDING, validate=validate.OneOf([PENDING, REDELIVERED, "all"]))


class FailedEventSchema(Schema):
    id = fields.String(attribute="_id")
    service = fields.String()
    handler = fields.String()
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    error = fields.String()
    attempts = fields.Integer()
    status = fields.String()
    dead_at = fields.DateTime()
    redelivered_at = fields.DateTime(allow_none=True)
    body = fields.Raw()


class DeadLetterQueueConsumer(Consumer):
    """Consumes this service's dead-letter queue; the worker gets (body, headers)."""

    def __init__(self, **kwargs):
        super().__init__(queue=None, requeue_on_error=True, **kwargs)

    def setup(self):
        self.queue = Queue(dead_letter_queue_name(self.container.service_name), durable=True)
        super().setup()

    def handle_message(self, body, message):
        # As nameko's Consumer, but the worker also gets the headers: they say
        # which handler failed and why.
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(
                self, (body, dict(message.headers)), {},
                context_data=self.unpack_message_headers(message), handle_result=handle_result,
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)


def failed_event_document(service_name, body, headers, now):
    envelope = body if isinstance(body, dict) else {}
    return {
        "_id": uuid.uuid4().hex,
        "service": service_name,
        "handler": headers.get("x-handler", ""),
        "queue": headers.get("x-original-queue", ""),
        "event_id": envelope.get("event_id"),
        "event_type": envelope.get("event_type"),
        "error": headers.get("x-error", ""),
        "attempts": int(headers.get(ATTEMPT_HEADER, 0)),
        "headers": {k: v for k, v in headers.items() if isinstance(v, (str, int, float, bool))},
        "body": body,
        "status": PENDING,
        "dead_at": now,
        "redelivered_at": None,
    }


class FailedEventsAdmin:
    """Mixin for a service with ``store`` (MongoStore) and ``caller`` (CallerIdentity)."""

    failed_events_config = Config()

    @DeadLetterQueueConsumer.decorator
    def archive_failed_event(self, body, headers):
        document = failed_event_document(self.name, body, headers, datetime.now(UTC))
        self.store.archive_failed_event(document)
        log.error("failed event archived: %s for %s (%s)", document["event_type"], document["handler"],
                  document["error"][:200])

    @rpc
    def list_failed_events(self, query=None):
        self.caller.require("organiser")
        params = load(FailedEventQuerySchema(), query)
        status = None if params["status"] == "all" else params["status"]
        items, total = self.store.find_failed_events(status, params["page"], params["page_size"])
        return page_of(FailedEventSchema(many=True).dump(items), total, params["page"], params["page_size"])

    @rpc
    def redeliver_failed_event(self, failed_event_id):
        self.caller.require("organiser")
        document = self.store.failed_event(failed_event_id)
        if document is None:
            raise NotFound("失败事件不存在 / failed event not found")
        if document["status"] != PENDING or not document["queue"]:
            raise RuleViolation("该事件已重新投递 / this failed event was already redelivered")
        # Drop our x- headers so the handler starts counting attempts afresh.
        headers = {k: v for k, v in document["headers"].items() if not k.startswith("x-")}
        Publisher(self.failed_events_config["AMQP_URI"], use_confirms=True).publish(
            document["body"], exchange="", routing_key=document["queue"], extra_headers=headers,
        )
        self.store.mark_failed_event(failed_event_id, REDELIVERED, datetime.now(UTC))
        return {"id": failed_event_id, "status": REDELIVERED}
