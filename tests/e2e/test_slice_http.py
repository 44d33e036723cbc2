"""The first slice over HTTP against a running stack, as a new user would try it."""
import time

import pytest

from tests.factories import enterprise_body
from tests.helpers import wait_until

pytestmark = pytest.mark.e2e


def register(http, stack, body):
    return http.post(f"{stack.api}/enterprises", json=body)


def login(http, stack, username, password):
    return http.post(f"{stack.api}/auth/login", json={"username": username, "password": password})


def test_health_reports_every_service(http, stack):
    response = http.get(f"{stack.api}/health")
    assert response.status_code == 200
    services = response.json()["services"]
    assert {"accounts", "notifications"} <= set(services)
    assert all(state["status"] == "ok" for state in services.values())


def test_openapi_describes_every_route(http, stack):
    from deploy.devstack import SERVICES  # noqa: F401  (the stack runs them all)
    from services.gateway.openapi import http_routes, openapi_path
    from services.gateway.service import GatewayService

    spec = http.get(f"{stack.api}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for method, url, _ in http_routes(GatewayService):
        assert method.lower() in spec["paths"][openapi_path(url)], (method, url)
    register_op = spec["paths"]["/api/v1/enterprises"]["post"]
    assert {"201", "400", "409"} <= set(register_op["responses"])


def test_register_login_and_see_the_welcome(http, stack):
    body = enterprise_body()
    created = register(http, stack, body)
    assert created.status_code == 201, created.text
    assert created.json()["enterprise"]["uscc"] == body["uscc"]
    assert "X-Request-ID" in created.headers

    token = login(http, stack, body["contact_email"], body["password"]).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Notices that other tests broadcast to this division may sit in the inbox too.
    def welcome(locale="zh-CN"):
        page = http.get(f"{stack.api}/me/inbox", headers={**headers, "Accept-Language": locale}).json()
        found = [item for item in page["items"] if item["category"] == "account"]
        return found and (found[0], page["unread"])

    message, _ = wait_until(welcome, timeout=10, message="welcome in the inbox")
    assert message["title"] == "欢迎加入青海省质量工作平台"
    assert welcome("en")[0]["title"] == "Welcome to the Qinghai Quality Platform"

    assert http.post(f"{stack.api}/me/inbox/{message['id']}/read", headers=headers).status_code == 200
    # Other tests' notices to this division may arrive meanwhile: check the welcome itself.
    unread = http.get(f"{stack.api}/me/inbox?unread_only=true&page_size=100", headers=headers).json()
    assert message["id"] not in [item["id"] for item in unread["items"]]
    assert welcome()[0]["read_at"] is not None


def test_invalid_registration_names_each_field_and_writes_nothing(http, stack):
    body = enterprise_body(uscc="91350100M000100Y44", division_code="110101", industry_code="Z",
                           contact_email="nope", password="short")
    body.pop("name")
    response = register(http, stack, body)
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "validation_error"
    assert set(error["fields"]) == {"name", "uscc", "division_code", "industry_code", "contact_email", "password"}
    # Nothing was written: the same USCC (fixed) and email register fine afterwards.
    fixed = enterprise_body(contact_email="nope@example.cn")
    assert register(http, stack, fixed).status_code == 201


def test_duplicate_uscc_is_409_and_the_first_account_is_intact(http, stack):
    body = enterprise_body()
    assert register(http, stack, body).status_code == 201
    again = register(http, stack, enterprise_body(uscc=body["uscc"]))
    assert again.status_code == 409
    assert again.json()["error"] == "conflict" and "uscc" in again.json()["fields"]
    assert login(http, stack, body["contact_email"], body["password"]).status_code == 200


@pytest.mark.parametrize("raw,content_type", [("{not json", "application/json"), ("[1, 2]", "application/json"),
                                              ("", "application/json")])
def test_malformed_bodies_are_400(http, stack, raw, content_type):
    response = http.post(f"{stack.api}/enterprises", data=raw, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


def test_wrong_password_is_401_and_inbox_needs_a_token(http, stack):
    body = enterprise_body()
    register(http, stack, body)
    assert login(http, stack, body["contact_email"], "wrong-password").status_code == 401
    assert http.get(f"{stack.api}/me/inbox").status_code == 401
    bad = http.get(f"{stack.api}/me/inbox", headers={"Authorization": "Bearer forged.token.value"})
    assert bad.status_code == 401 and bad.json()["error"] == "not_authenticated"


def test_an_enterprise_cannot_read_another_enterprise(http, stack):
    first, second = enterprise_body(), enterprise_body()
    register(http, stack, first)
    other_id = register(http, stack, second).json()["enterprise"]["id"]
    token = login(http, stack, first["contact_email"], first["password"]).json()["token"]
    response = http.get(f"{stack.api}/enterprises/{other_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    listing = http.get(f"{stack.api}/enterprises", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 403 and listing.json()["error"] == "forbidden"


def test_unknown_route_is_a_json_404(http, stack):
    response = http.get(f"{stack.api}/no-such-thing")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_correlation_id_travels_from_request_to_the_handler_logs(http, stack):
    body = enterprise_body()
    request_id = f"e2e-{time.time_ns()}"
    response = http.post(f"{stack.api}/enterprises", json=body, headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id

    def seen_in_notifications():
        with open(f"{stack.log_dir}/notifications.log", errors="replace") as handle:
            return request_id in handle.read()

    # notifications logs its handler's work at INFO with the event's correlation id.
    wait_until(seen_in_notifications, timeout=10, message="correlation id in notifications' log")
    with open(f"{stack.log_dir}/accounts.log", errors="replace") as handle:
        assert request_id in handle.read()


def test_health_is_503_when_a_service_does_not_answer(request, vhost_pipeline, mongo_uri, auth_secret, http):
    """A gateway whose backends are not running reports them unavailable."""
    from urllib.parse import urlparse

    from deploy import devstack
    from tests.e2e.conftest import start_stack

    with vhost_pipeline.get() as vhost:
        base = urlparse(request.config.getoption("RABBIT_AMQP_URI"))
        lonely = start_stack(f"{base.scheme}://{base.netloc}/{vhost}", mongo_uri, auth_secret, ["gateway"])
        try:
            def answered():
                try:  # a Response is falsy for 5xx, so wrap it
                    return [http.get(f"{lonely.api}/health", timeout=10)]
                except Exception:
                    return None

            (response,) = wait_until(answered, timeout=30, message="gateway up")
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "unavailable"
            assert body["services"]["accounts"]["status"] == "unavailable"
        finally:
            devstack.stop_processes(lonely.processes)


def test_failed_events_are_for_organisers_only(http, stack):
    body = enterprise_body()
    register(http, stack, body)
    token = login(http, stack, body["contact_email"], body["password"]).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert http.get(f"{stack.api}/admin/failed-events", headers=headers).status_code == 403
    missing = http.post(f"{stack.api}/admin/failed-events/nosuch/abc/redeliver", headers=headers)
    assert missing.status_code == 404
