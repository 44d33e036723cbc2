"""Transactional outbox and its relay.

A service writes its state change and the event's outbox record in one
transaction (``Repository.stage_event``). The relay then claims records one at
a time with an atomic ``find_one_and_update`` and a lease, publishes each with
publisher confirms, and marks it published. Several instances of a service can
relay at once: a record is claimed by one of them, and a lease that runs out
(the claimer died mid-publish) makes it claimable again. That can publish an
event twice, never zero times; consumers are idempotent.
"""
import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from nameko.amqp.publish import Publisher
from nameko.constants import DEFAULT_SERIALIZER
from nameko.events import get_event_exchange
from pymongo import ASCENDING, IndexModel, ReturnDocument

from shared.logging import CORRELATION_KEY

log = logging.getLogger(__name__)

OUTBOX_COLLECTION = "outbox"
OUTBOX_INDEXES = [
    IndexModel([("status", ASCENDING), ("available_at", ASCENDING)]),
    IndexModel([("status", ASCENDING), ("lease_until", ASCENDING)]),
]
PENDING, PUBLISHING, PUBLISHED = "pending", "publishing", "published"


def _now():
    return datetime.now(UTC)


def outbox_record(envelope):
    now = _now()
    return {
        "_id": envelope["event_id"],
        "event_type": envelope["event_type"],
        "envelope": envelope,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "available_at": now,
    }


def requeue_published(collection, event_types, since=None):
    """Make published records of these types pending again, so the relay
    publishes them once more. This is how a service that joined later (or
    lost its queue) catches up on past facts: consumers are idempotent, so
    those that had them already change nothing. Returns how many."""
    selector = {"status": PUBLISHED, "event_type": {"$in": list(event_types)}}
    if since is not None:
        selector["created_at"] = {"$gte": since}
    result = collection.update_many(
        selector, {"$set": {"status": PENDING, "available_at": _now()}, "$unset": {"claimed_by": ""}}
    )
    return result.modified_count


def retry_delay(attempts, base=0.5, cap=60.0):
    """Exponential backoff for a record whose publish failed."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


class OutboxRelay:
    def __init__(self, collection, amqp_uri, service_name, config, publisher=None):
        self.collection = collection
        self.service_name = service_name
        self.exchange = get_event_exchange(service_name, config)
        self.publisher = publisher or Publisher(
            amqp_uri,
            use_confirms=True,
            serializer=config.get("serializer", DEFAULT_SERIALIZER),
            declare=[self.exchange],
        )
        self.instance_id = uuid.uuid4().hex
        self.poll_interval = float(config.get("OUTBOX_POLL_INTERVAL", 1.0))
        self.lease_seconds = float(config.get("OUTBOX_LEASE_SECONDS", 30.0))
        self.batch_size = int(config.get("OUTBOX_BATCH_SIZE", 500))
        self._wake = threading.Event()
        self._running = False

    # -- loop ----------------------------------------------------------------

    def wake(self):
        self._wake.set()

    def stop(self):
        self._running = False
        self._wake.set()

    def run(self):
        self._running = True
        while self._running:
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if not self._running:
                break
            try:
                self.flush()
            except Exception:  # keep relaying after a store or broker outage
                log.exception("outbox relay pass failed")
                time.sleep(self.poll_interval)

    # -- one pass ------------------------------------------------------------

    def claim(self):
        now = _now()
        return self.collection.find_one_and_update(
            {
                "$or": [
                    {"status": PENDING, "available_at": {"$lte": now}},
                    {"status": PUBLISHING, "lease_until": {"$lt": now}},
                ]
            },
            {
                "$set": {
                    "status": PUBLISHING,
                    "claimed_by": self.instance_id,
                    "lease_until": now + timedelta(seconds=self.lease_seconds),
                },
                "$inc": {"attempts": 1},
            },
            sort=[("available_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    def publish(self, envelope):
        self.publisher.publish(
            envelope,
            exchange=self.exchange,
            routing_key=envelope["event_type"],
            # nameko handlers read context data from these headers, so the
            # correlation id follows the event into every consumer.
            extra_headers={f"nameko.{CORRELATION_KEY}": envelope["correlation_id"]},
        )

    def flush(self):
        """Publish what is due; return how many records were published."""
        published = 0
        for _ in range(self.batch_size):
            record = self.claim()
            if record is None:
                break
            try:
                self.publish(record["envelope"])
            except Exception:
                log.exception("publishing outbox record %s failed", record["_id"])
                self.collection.update_one(
                    {"_id": record["_id"], "claimed_by": self.instance_id},
                    {
                        "$set": {
                            "status": PENDING,
                            "available_at": _now() + timedelta(seconds=retry_delay(record["attempts"])),
                        },
                        "$unset": {"claimed_by": "", "lease_until": ""},
                    },
                )
                break
            self.collection.update_one(
                {"_id": record["_id"], "claimed_by": self.instance_id},
                {"$set": {"status": PUBLISHED, "published_at": _now()}, "$unset": {"lease_until": ""}},
            )
            published += 1
        return published

    def pending_count(self):
        return self.collection.count_documents({"status": {"$ne": PUBLISHED}})
