"""Event handlers that never drop a message.

nameko's ``EventHandler`` acks a message whether or not the handler raised, so
one transient failure loses the event. ``event_handler`` here retries a failed
message through per-delay retry queues (a TTL queue that dead-letters back to
the handler's own queue), and after the last retry moves it to the service's
durable dead-letter queue with the error attached. If even that publish fails
the message is requeued, never acked.
"""
import logging
import traceback

from kombu import Queue
from nameko.amqp.publish import Publisher
from nameko.events import SERVICE_POOL, EventHandler

from shared.events import validate_envelope
from shared.logging import CORRELATION_KEY

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1.0, 5.0, 30.0)
ATTEMPT_HEADER = "x-attempt"


def dead_letter_queue_name(service_name):
    return f"{service_name}.dead-letters"


def parse_delays(value):
    if value is None:
        return DEFAULT_RETRY_DELAYS
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    return tuple(float(part) for part in value)


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        kwargs.setdefault("handler_type", SERVICE_POOL)
        super().__init__(source_service, event_type, reliable_delivery=True, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.delays = parse_delays(config.get("EVENT_RETRY_DELAYS"))
        self.retry_queues = [
            Queue(
                f"{self.queue.name}.retry.{int(delay * 1000)}ms",
                durable=True,
                queue_arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue.name,
                },
            )
            for delay in self.delays
        ]
        self.dead_letter_queue = Queue(
            dead_letter_queue_name(self.container.service_name), durable=True
        )
        self.publisher = Publisher(
            config["AMQP_URI"],
            use_confirms=True,
            declare=self.retry_queues + [self.dead_letter_queue],
        )

    def handle_message(self, body, message):
        # Put the event's correlation id into the worker's context so logs and
        # any events this handler causes carry it on.
        if isinstance(body, dict) and body.get("correlation_id"):
            message.headers.setdefault(f"nameko.{CORRELATION_KEY}", body["correlation_id"])
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempt = int(message.headers.get(ATTEMPT_HEADER, 0)) + 1
        headers = dict(message.headers)
        headers[ATTEMPT_HEADER] = attempt
        try:
            if attempt <= len(self.delays):
                target = self.retry_queues[attempt - 1].name
                log.warning("handler %s failed (attempt %d), retrying", self.method_name, attempt)
            else:
                target = self.dead_letter_queue.name
                headers["x-original-queue"] = self.queue.name
                headers["x-handler"] = f"{self.container.service_name}.{self.method_name}"
                headers["x-error"] = "".join(traceback.format_exception_only(*exc_info[:2])).strip()[:2000]
                log.error("handler %s failed %d times, dead-lettered", self.method_name, attempt)
            self.publisher.publish(
                message.payload, exchange="", routing_key=target, extra_headers=headers
            )
        except Exception:
            log.exception("could not schedule a retry; requeueing the message")
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


event_handler = ReliableEventHandler.decorator


def envelope_of(body):
    """Validate an incoming envelope before a handler trusts it."""
    return validate_envelope(body)
