"""accounts → RabbitMQ → notifications: the first slice, on the real broker and store."""
import pytest
from nameko.testing.services import entrypoint_hook

from services.accounts.service import AccountsService
from services.notifications.service import NotificationsService
from tests.factories import enterprise_body
from tests.helpers import publish_raw, wait_until


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, service_config("accounts"))
    container.start()
    return container


@pytest.fixture
def notifications_db(mongo_client, service_config):
    return mongo_client[service_config("notifications")["MONGO_DATABASE"]]


def start_notifications(container_factory, service_config):
    container = container_factory(NotificationsService, service_config("notifications"))
    container.start()
    return container


def register(accounts, body):
    with entrypoint_hook(accounts, "register_enterprise") as hook:
        return hook(body)


def login(accounts, body):
    with entrypoint_hook(accounts, "login") as hook:
        return hook({"username": body["contact_email"], "password": body["password"]})["token"]


def test_registration_puts_a_chinese_welcome_in_the_inbox(accounts, container_factory, service_config):
    notifications = start_notifications(container_factory, service_config)
    body = enterprise_body(name="青海盐湖测试股份有限公司")
    register(accounts, body)
    token = login(accounts, body)

    def inbox():
        with entrypoint_hook(notifications, "list_inbox", context_data={"auth_token": token}) as hook:
            return hook({})

    page = wait_until(lambda: inbox()["total"] == 1 and inbox(), message="welcome message")
    (message,) = page["items"]
    assert message["title"] == "欢迎加入青海省质量工作平台"
    assert "青海盐湖测试股份有限公司" in message["body"] and body["uscc"] in message["body"]
    assert page["unread"] == 1


def test_events_published_before_the_consumer_starts_are_not_lost(
    accounts, container_factory, service_config, notifications_db
):
    # The handler's queue is durable: declare it by starting once, then stop.
    first = start_notifications(container_factory, service_config)
    first.stop()
    register(accounts, enterprise_body())
    start_notifications(container_factory, service_config)
    wait_until(lambda: notifications_db.messages.count_documents({}) == 1, message="late delivery")


def test_a_redelivered_event_makes_one_message(accounts, container_factory, service_config, notifications_db,
                                               rabbit_config, mongo_client):
    start_notifications(container_factory, service_config)
    register(accounts, enterprise_body())
    wait_until(lambda: notifications_db.messages.count_documents({}) == 1, message="first delivery")

    accounts_db = mongo_client[service_config("accounts")["MONGO_DATABASE"]]
    envelope = accounts_db.outbox.find_one()["envelope"]
    for _ in range(3):
        publish_raw(rabbit_config["AMQP_URI"], "accounts.events", "enterprise_registered", envelope)
    wait_until(lambda: notifications_db.processed_events.count_documents({}) == 1)
    # Give the duplicates time to be consumed; they must change nothing.
    import time

    time.sleep(1.0)
    assert notifications_db.messages.count_documents({}) == 1


def test_two_instances_share_the_work_and_handle_each_event_once(
    accounts, container_factory, service_config, notifications_db
):
    start_notifications(container_factory, service_config)
    start_notifications(container_factory, service_config)
    for _ in range(20):
        register(accounts, enterprise_body())
    wait_until(lambda: notifications_db.messages.count_documents({}) == 20, timeout=30, message="20 messages")
    event_ids = notifications_db.messages.distinct("source_event_id")
    assert len(event_ids) == 20
    assert notifications_db.processed_events.count_documents({}) == 20
