"""The transactional outbox, failed on each side, and shared by two relays."""
import eventlet
import pytest
from marshmallow import Schema, fields
from nameko.amqp.publish import Publisher

from shared.events import EventType, make_event
from shared.mongo import Repository, make_client
from shared.outbox import PENDING, PUBLISHED, OutboxRelay
from tests.helpers import QueueTap

THING_ADDED = EventType("thing_added", 1, type("ThingPayload", (Schema,), {"n": fields.Integer(required=True)})())


class ThingsRepository(Repository):
    def add_thing(self, n, fail_after_write=False):
        def work(session):
            self.db.things.insert_one({"n": n}, session=session)
            self.stage_event(session, make_event(THING_ADDED, "things", {"n": n}))
            if fail_after_write:
                raise RuntimeError("crash before commit")

        self.in_transaction(work)


@pytest.fixture
def repo(mongo_uri, db_prefix):
    client = make_client(mongo_uri)
    repository = ThingsRepository(client, client[f"{db_prefix}things"])
    repository.ensure_indexes()
    yield repository
    client.close()


@pytest.fixture
def tap(rabbit_config, db_prefix):
    return QueueTap(rabbit_config["AMQP_URI"], "things", "thing_added", f"tap-{db_prefix}")


def relay_for(repo, rabbit_config, **kwargs):
    config = {"OUTBOX_LEASE_SECONDS": kwargs.pop("lease", 30)}
    return OutboxRelay(repo.db.outbox, rabbit_config["AMQP_URI"], "things", config, **kwargs)


def test_a_write_that_did_not_commit_publishes_nothing(repo, rabbit_config, tap):
    with pytest.raises(RuntimeError):
        repo.add_thing(1, fail_after_write=True)
    assert repo.db.things.count_documents({}) == 0
    assert repo.db.outbox.count_documents({}) == 0
    assert relay_for(repo, rabbit_config).flush() == 0
    assert tap.drain() == []


def test_a_committed_write_survives_a_broker_outage(repo, rabbit_config, tap):
    repo.add_thing(7)
    # A broker nobody listens on: the publish fails, the record stays.
    unreachable = Publisher("amqp://guest:guest@127.0.0.1:1/", use_confirms=True, retry=False)
    assert relay_for(repo, rabbit_config, publisher=unreachable).flush() == 0
    record = repo.db.outbox.find_one()
    assert record["status"] == PENDING and record["attempts"] == 1
    assert tap.drain() == []

    repo.db.outbox.update_one({}, {"$set": {"available_at": record["created_at"]}})  # skip the backoff
    assert relay_for(repo, rabbit_config).flush() == 1
    (body, headers), = tap.drain()
    assert body["payload"] == {"n": 7} and body["event_type"] == "thing_added"
    assert headers["nameko.correlation_id"] == body["correlation_id"]
    assert repo.db.outbox.find_one()["status"] == PUBLISHED


def test_a_relay_that_died_mid_publish_is_taken_over_after_its_lease(repo, rabbit_config, tap):
    repo.add_thing(3)
    dead = relay_for(repo, rabbit_config, lease=0.3)
    assert dead.claim() is not None  # claimed, then the process "died"
    survivor = relay_for(repo, rabbit_config)
    assert survivor.flush() == 0  # the lease still holds
    eventlet.sleep(0.4)
    assert survivor.flush() == 1
    assert len(tap.drain()) == 1


def test_two_relays_never_publish_the_same_record(repo, rabbit_config, tap):
    for n in range(60):
        repo.add_thing(n)
    relays = [relay_for(repo, rabbit_config), relay_for(repo, rabbit_config)]
    pool = eventlet.GreenPool()
    counts = list(pool.imap(lambda relay: relay.flush(), relays))
    assert sum(counts) == 60
    bodies = [body for body, _ in tap.drain()]
    assert sorted(body["payload"]["n"] for body in bodies) == list(range(60))
    assert repo.db.outbox.count_documents({"status": PUBLISHED}) == 60


def test_published_events_can_be_replayed_for_a_late_consumer(repo, rabbit_config, tap):
    from shared.outbox import requeue_published

    repo.add_thing(1)
    repo.add_thing(2)
    relay = relay_for(repo, rabbit_config)
    assert relay.flush() == 2
    first = [body["event_id"] for body, _ in tap.drain()]

    assert requeue_published(repo.db.outbox, ["thing_added"]) == 2
    assert requeue_published(repo.db.outbox, ["other_event"]) == 0
    assert relay.flush() == 2
    again = [body["event_id"] for body, _ in tap.drain()]
    assert sorted(again) == sorted(first)  # the same facts, same ids: consumers deduplicate
