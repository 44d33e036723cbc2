"""Failing event handlers: retried with backoff, then dead-lettered, never dropped."""
import pytest
from kombu import Connection, Queue
from marshmallow import Schema, fields

from shared.events import EventType, make_event
from shared.messaging import dead_letter_queue_name, event_handler
from tests.helpers import publish_raw, wait_until

PING = EventType("ping_sent", 1, type("PingPayload", (Schema,), {"n": fields.Integer(required=True)})())
calls = []


class FlakyService:
    name = "flaky"

    @event_handler("pinger", "ping_sent")
    def on_ping(self, body):
        calls.append(body["payload"]["n"])
        failures_wanted = body["payload"]["n"]
        if calls.count(body["payload"]["n"]) <= failures_wanted:
            raise RuntimeError(f"transient failure {calls.count(body['payload']['n'])}")


@pytest.fixture(autouse=True)
def reset_calls():
    calls.clear()


@pytest.fixture
def flaky(container_factory, rabbit_config):
    config = dict(rabbit_config, EVENT_RETRY_DELAYS="0.1,0.2")
    container = container_factory(FlakyService, config)
    container.start()
    return container


def dead_letters(amqp_uri):
    with Connection(amqp_uri) as conn:
        queue = Queue(dead_letter_queue_name("flaky"), no_declare=True)(conn.default_channel)
        messages = []
        while (message := queue.get(no_ack=True, accept=["json"])) is not None:
            messages.append(message)
        return messages


def test_a_transient_failure_is_retried_until_it_succeeds(flaky, rabbit_config):
    publish_raw(rabbit_config["AMQP_URI"], "pinger.events", "ping_sent", make_event(PING, "pinger", {"n": 2}))
    wait_until(lambda: calls.count(2) == 3, message="two retries")
    assert dead_letters(rabbit_config["AMQP_URI"]) == []


def test_a_persistent_failure_lands_in_the_dead_letter_queue(flaky, rabbit_config):
    envelope = make_event(PING, "pinger", {"n": 99})
    publish_raw(rabbit_config["AMQP_URI"], "pinger.events", "ping_sent", envelope)
    wait_until(lambda: calls.count(99) == 3, message="first try plus two retries")
    (message,) = wait_until(lambda: dead_letters(rabbit_config["AMQP_URI"]), message="dead letter")
    assert message.payload["event_id"] == envelope["event_id"]
    assert message.headers["x-attempt"] == 3
    assert message.headers["x-handler"] == "flaky.on_ping"
    assert "transient failure 3" in message.headers["x-error"]
