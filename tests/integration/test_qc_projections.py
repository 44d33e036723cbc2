"""accounts → RabbitMQ → qc: the enterprise and judge projections that judging relies on."""
import pytest
from nameko.testing.services import entrypoint_hook

from services.accounts.service import AccountsService
from services.qc.service import QcService
from shared.auth import Identity, TokenSigner
from tests.factories import enterprise_body
from tests.helpers import wait_until


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, service_config("accounts"))
    container.start()
    return container


@pytest.fixture
def qc(container_factory, service_config):
    container = container_factory(QcService, service_config("qc"))
    container.start()
    return container


def call(container, method, *args, token=None):
    with entrypoint_hook(container, method, context_data={"auth_token": token} if token else {}) as hook:
        return hook(*args)


def test_registrations_in_accounts_become_qc_projections_used_for_conflicts(
    accounts, qc, mongo_client, service_config, auth_secret
):
    organiser = TokenSigner(auth_secret).issue(Identity(user_id="org", role="organiser"))
    body = enterprise_body(division_code="632800", industry_code="B", group_company="青海盐湖工业集团")
    enterprise = call(accounts, "register_enterprise", body)["enterprise"]
    judge = call(accounts, "register_judge", {
        "email": "judge@example.cn", "name": "钱专家", "password": "judge-pass-123", "expertise": ["B"],
        "employer_enterprise_id": enterprise["id"], "employer_name": body["name"],
        "group_company": "青海盐湖工业集团"}, token=organiser)

    db = mongo_client[service_config("qc")["MONGO_DATABASE"]]
    projected = wait_until(lambda: db.enterprises.find_one({"_id": enterprise["id"]}), message="enterprise")
    assert projected == {"_id": enterprise["id"], "name": body["name"], "division_code": "632800",
                         "industry_code": "B", "group_company": "青海盐湖工业集团"}
    projected_judge = wait_until(lambda: db.judges.find_one({"_id": judge["id"]}), message="judge")
    assert projected_judge["employer_enterprise_id"] == enterprise["id"]
    assert projected_judge["expertise"] == ["B"] and projected_judge["user_id"] == judge["user_id"]

    # The projection is what lets the enterprise form a group (its division goes into the number).
    token = call(accounts, "login", {"username": body["contact_email"], "password": body["password"]})["token"]
    group = call(qc, "create_group", {"name": "盐湖攻关小组", "topic": "提高钾肥回收率", "type": "innovative",
                                      "members": [{"name": "甲", "role": "leader"}]}, token=token)
    assert group["reg_no"].endswith("-632800-0001")
