"""Fixtures for the notifications service: a real SMTP server, an SMS receiver, tokens."""
import pytest
from nameko.testing.services import entrypoint_hook

from services.notifications.service import NotificationsService
from shared.auth import Identity, TokenSigner
from tests.notifications_support import SmsReceiver, SmtpSink


@pytest.fixture
def smtp_sink(tmp_path):
    sink = SmtpSink(tmp_path / "mail")
    yield sink
    sink.stop()


@pytest.fixture
def sms_receiver():
    receiver = SmsReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def notifications_config(service_config, smtp_sink, sms_receiver):
    def build(**overrides):
        settings = {
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_sink.port, "SMTP_FROM": "noreply@qhzl.example.cn",
            "SMS_GATEWAY_URL": sms_receiver.url, "SMS_RATE_LIMIT": 0, "DISPATCH_POLL_INTERVAL": 0.1,
            "SEND_RETRY_BASE_SECONDS": 0.1, "SEND_BATCH_SIZE": 50,
        }
        settings.update(overrides)
        return service_config("notifications", **settings)

    return build


@pytest.fixture
def start_notifications(container_factory, notifications_config):
    def start(**overrides):
        container = container_factory(NotificationsService, notifications_config(**overrides))
        container.start()
        return container

    return start


@pytest.fixture
def notifications_db(mongo_client, service_config):
    return mongo_client[service_config("notifications")["MONGO_DATABASE"]]


@pytest.fixture
def tokens(auth_secret):
    signer = TokenSigner(auth_secret)

    def issue(user_id, role="enterprise", enterprise_id=None):
        return signer.issue(Identity(user_id=user_id, role=role, name=user_id, enterprise_id=enterprise_id))

    return issue


@pytest.fixture
def call(tokens):
    """call(container, method, *args, user=recipient dict or 'organiser')."""

    def invoke(container, method, *args, user="organiser"):
        if user == "organiser":
            token = tokens("org-1", "organiser")
        else:
            token = tokens(user["_id"], user["role"], user.get("enterprise_id"))
        with entrypoint_hook(container, method, context_data={"auth_token": token}) as hook:
            return hook(*args)

    return invoke

