"""Dead letters: archived by the service, listed to organisers, redelivered."""
import pytest
from marshmallow import Schema, fields
from nameko.testing.services import entrypoint_hook

from shared import failed_events
from shared.auth import CallerIdentity, Identity, TokenSigner
from shared.errors import PermissionDenied, RuleViolation
from shared.events import EventType, make_event
from shared.messaging import event_handler
from shared.mongo import MongoStore, Repository
from tests.helpers import publish_raw, wait_until

ORDER = EventType("order_placed", 1, type("OrderPayload", (Schema,), {"n": fields.Integer(required=True)})())
state = {"healthy": False, "handled": []}


class LedgerService(failed_events.FailedEventsAdmin):
    name = "ledger"
    store = MongoStore(Repository)
    caller = CallerIdentity()

    @event_handler("shop", "order_placed")
    def on_order(self, body):
        if not state["healthy"]:
            raise RuntimeError("ledger is broken")
        state["handled"].append(body["event_id"])


@pytest.fixture
def ledger(container_factory, rabbit_config, mongo_uri, db_prefix, auth_secret):
    state.update(healthy=False, handled=[])
    config = dict(rabbit_config, MONGO_URI=mongo_uri, MONGO_DATABASE=f"{db_prefix}ledger",
                  AUTH_SECRET=auth_secret, EVENT_RETRY_DELAYS="0.1")
    container = container_factory(LedgerService, config)
    container.start()
    return container


def call(container, method, *args, role="organiser", secret=None):
    token = TokenSigner(secret).issue(Identity(user_id="u1", role=role))
    with entrypoint_hook(container, method, context_data={"auth_token": token}) as hook:
        return hook(*args)


def test_a_failed_event_is_listed_then_redelivered_once(ledger, rabbit_config, auth_secret):
    envelope = make_event(ORDER, "shop", {"n": 1})
    publish_raw(rabbit_config["AMQP_URI"], "shop.events", "order_placed", envelope)

    page = wait_until(lambda: (p := call(ledger, "list_failed_events", {}, secret=auth_secret))["total"] and p,
                      message="archived dead letter")
    (letter,) = page["items"]
    assert letter["event_id"] == envelope["event_id"] and letter["handler"] == "ledger.on_order"
    assert "ledger is broken" in letter["error"] and letter["attempts"] == 2

    with pytest.raises(PermissionDenied):
        call(ledger, "list_failed_events", {}, role="enterprise", secret=auth_secret)

    state["healthy"] = True
    call(ledger, "redeliver_failed_event", letter["id"], secret=auth_secret)
    wait_until(lambda: state["handled"] == [envelope["event_id"]], message="redelivered event handled")
    assert call(ledger, "list_failed_events", {}, secret=auth_secret)["total"] == 0
    assert call(ledger, "list_failed_events", {"status": "redelivered"}, secret=auth_secret)["total"] == 1
    with pytest.raises(RuleViolation):
        call(ledger, "redeliver_failed_event", letter["id"], secret=auth_secret)
