"""accounts on a real store and broker: registration, login, rules."""
import pytest
from nameko.testing.services import entrypoint_hook

from services.accounts.service import AccountsService
from shared.auth import TokenSigner
from shared.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from tests.factories import enterprise_body


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, service_config("accounts"))
    container.start()
    return container


def call(container, method, *args, token=None):
    context = {"auth_token": token} if token else {}
    with entrypoint_hook(container, method, context_data=context) as hook:
        return hook(*args)


def login(container, username, password="correct-horse-9"):
    return call(container, "login", {"username": username, "password": password})["token"]


def test_register_enterprise_stores_enterprise_user_and_event(accounts, mongo_client, service_config):
    body = enterprise_body()
    result = call(accounts, "register_enterprise", body)

    assert result["enterprise"]["uscc"] == body["uscc"]
    assert "password" not in result["enterprise"] and "password_hash" not in result["user"]
    db = mongo_client[service_config("accounts")["MONGO_DATABASE"]]
    assert db.enterprises.count_documents({}) == 1
    user = db.users.find_one()
    assert user["password_hash"].startswith("$argon2")
    assert user["enterprise_id"] == result["enterprise"]["id"]
    (record,) = list(db.outbox.find())
    assert record["event_type"] == "enterprise_registered"
    assert record["envelope"]["payload"]["enterprise_id"] == result["enterprise"]["id"]


def test_invalid_fields_are_named_and_nothing_is_written(accounts, mongo_client, service_config):
    body = enterprise_body(uscc="91350100M000100Y44", division_code="110000", industry_code="Z",
                           contact_email="not-an-email", password="short")
    with pytest.raises(ValidationFailed) as raised:
        call(accounts, "register_enterprise", body)
    assert set(raised.value.fields) == {"uscc", "division_code", "industry_code", "contact_email", "password"}
    db = mongo_client[service_config("accounts")["MONGO_DATABASE"]]
    assert db.enterprises.count_documents({}) == 0
    assert db.outbox.count_documents({}) == 0


def test_duplicate_uscc_is_a_conflict_and_writes_nothing_more(accounts, mongo_client, service_config):
    body = enterprise_body()
    call(accounts, "register_enterprise", body)
    again = enterprise_body(uscc=body["uscc"])
    with pytest.raises(Conflict) as raised:
        call(accounts, "register_enterprise", again)
    assert "uscc" in raised.value.fields
    db = mongo_client[service_config("accounts")["MONGO_DATABASE"]]
    assert db.enterprises.count_documents({}) == 1
    assert db.users.count_documents({}) == 1
    assert db.outbox.count_documents({}) == 1


def test_duplicate_email_rolls_back_the_enterprise_too(accounts, mongo_client, service_config):
    body = enterprise_body()
    call(accounts, "register_enterprise", body)
    with pytest.raises(Conflict) as raised:
        call(accounts, "register_enterprise", enterprise_body(contact_email=body["contact_email"]))
    assert "contact_email" in raised.value.fields
    db = mongo_client[service_config("accounts")["MONGO_DATABASE"]]
    assert db.enterprises.count_documents({}) == 1


def test_login_issues_a_token_the_services_accept(accounts, service_config):
    body = enterprise_body()
    registered = call(accounts, "register_enterprise", body)
    token = login(accounts, body["contact_email"].upper(), body["password"])
    identity = TokenSigner(service_config("accounts")["AUTH_SECRET"]).verify(token)
    assert identity.role == "enterprise"
    assert identity.enterprise_id == registered["enterprise"]["id"]
    me = call(accounts, "get_me", token=token)
    assert me["enterprise"]["uscc"] == body["uscc"]


@pytest.mark.parametrize("username,password", [("nobody@example.cn", "whatever-123"), (None, "wrong-password")])
def test_wrong_credentials_are_refused(accounts, username, password):
    body = enterprise_body()
    call(accounts, "register_enterprise", body)
    with pytest.raises(NotAuthenticated):
        login(accounts, username or body["contact_email"], password)


def test_forged_token_is_refused(accounts):
    forged = TokenSigner("another-secret").issue(
        __import__("shared.auth", fromlist=["Identity"]).Identity(user_id="x", role="organiser")
    )
    with pytest.raises(NotAuthenticated):
        call(accounts, "list_enterprises", {}, token=forged)


def test_an_enterprise_sees_only_itself(accounts):
    first, second = enterprise_body(), enterprise_body()
    first_id = call(accounts, "register_enterprise", first)["enterprise"]["id"]
    second_id = call(accounts, "register_enterprise", second)["enterprise"]["id"]
    token = login(accounts, first["contact_email"])
    assert call(accounts, "get_enterprise", first_id, token=token)["id"] == first_id
    with pytest.raises(NotFound):
        call(accounts, "get_enterprise", second_id, token=token)
    with pytest.raises(PermissionDenied):
        call(accounts, "list_enterprises", {}, token=token)


def test_anonymous_callers_are_refused(accounts):
    with pytest.raises(NotAuthenticated):
        call(accounts, "get_me")


@pytest.fixture
def organiser_token(accounts, mongo_uri, service_config):
    from services.accounts.cli import create_organiser
    from services.accounts.repository import AccountsRepository
    from shared.mongo import make_client

    client = make_client(mongo_uri)
    repository = AccountsRepository(client, client[service_config("accounts")["MONGO_DATABASE"]])
    create_organiser(repository, "organiser@qh.gov.cn", "省质监局", "organiser-pass-1")
    client.close()
    return login(accounts, "organiser@qh.gov.cn", "organiser-pass-1")


def test_organisers_list_enterprises_with_filters_and_pages(accounts, organiser_token):
    for division in ("630100", "630100", "632800"):
        call(accounts, "register_enterprise", enterprise_body(division_code=division))
    page = call(accounts, "list_enterprises", {"division_code": "630100", "page_size": 1}, token=organiser_token)
    assert page["total"] == 2 and len(page["items"]) == 1
    everything = call(accounts, "list_enterprises", {}, token=organiser_token)
    assert everything["total"] == 3
    with pytest.raises(ValidationFailed) as raised:
        call(accounts, "list_enterprises", {"page_size": 1000}, token=organiser_token)
    assert "page_size" in raised.value.fields


def test_organisers_register_judges(accounts, organiser_token, mongo_client, service_config):
    judge = call(accounts, "register_judge", {
        "email": "judge1@example.cn", "name": "李评委", "password": "judge-pass-1",
        "employer_name": "西宁特钢", "expertise": ["C", "D"], "division_code": "630100",
    }, token=organiser_token)
    assert judge["expertise"] == ["C", "D"]
    token = login(accounts, "judge1@example.cn", "judge-pass-1")
    assert call(accounts, "get_me", token=token)["judge"]["id"] == judge["id"]
    db = mongo_client[service_config("accounts")["MONGO_DATABASE"]]
    assert db.outbox.find_one({"event_type": "judge_registered"})
    with pytest.raises(PermissionDenied):
        call(accounts, "register_judge", {"email": "j2@example.cn", "name": "x", "password": "judge-pass-2"},
             token=token)
