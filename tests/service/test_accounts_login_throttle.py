"""accounts: login throttling (per account and per client address) and password change."""
from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook

from services.accounts.service import AccountsService
from shared.errors import NotAuthenticated, TooManyAttempts, ValidationFailed
from tests.factories import enterprise_body

PASSWORD = "correct-horse-9"


@pytest.fixture
def accounts(container_factory, service_config):
    container = container_factory(AccountsService, service_config("accounts"))
    container.start()
    return container


@pytest.fixture
def db(mongo_client, service_config):
    return mongo_client[service_config("accounts")["MONGO_DATABASE"]]


def call(container, method, *args, token=None):
    context = {"auth_token": token} if token else {}
    with entrypoint_hook(container, method, context_data=context) as hook:
        return hook(*args)


def login(container, username, password=PASSWORD, address="198.51.100.7"):
    return call(container, "login", {"username": username, "password": password, "client_address": address})


def registered(container):
    body = enterprise_body()
    call(container, "register_enterprise", body)
    return body["contact_email"]


def fail(container, username, times, address="198.51.100.7"):
    for _ in range(times):
        with pytest.raises(NotAuthenticated):
            login(container, username, "wrong-password", address)


def test_five_failures_lock_the_account_even_for_the_right_password(accounts):
    email = registered(accounts)
    fail(accounts, email, 5)
    with pytest.raises(TooManyAttempts) as raised:
        login(accounts, email, address="203.0.113.9")  # another address: the account is locked
    assert "15" in raised.value.message and raised.value.http_status == 429


def test_four_failures_then_success_clears_the_account_count(accounts):
    email = registered(accounts)
    fail(accounts, email, 4)
    assert login(accounts, email)["token"]
    fail(accounts, email, 4, address="192.0.2.1")
    assert login(accounts, email, address="192.0.2.2")["token"]


def test_five_failures_from_one_address_lock_that_address_for_every_account(accounts):
    victim = registered(accounts)
    for n in range(5):  # different (even unknown) accounts, one address
        fail(accounts, f"guess{n}@example.cn", 1, address="203.0.113.50")
    with pytest.raises(TooManyAttempts):
        login(accounts, victim, address="203.0.113.50")
    assert login(accounts, victim, address="203.0.113.51")["token"]


def test_failures_older_than_the_window_do_not_count(accounts, db):
    email = registered(accounts)
    fail(accounts, email, 5)
    db.login_failures.update_many({}, {"$set": {"at": datetime.now(UTC) - timedelta(minutes=16)}})
    assert login(accounts, email)["token"]


def test_failures_are_stored_with_an_expiry_index(accounts, db):
    email = registered(accounts)
    fail(accounts, email, 1)
    (row,) = list(db.login_failures.find())
    assert row["username"] == email and row["client_address"] == "198.51.100.7"
    ttl = [ix for ix in db.login_failures.list_indexes() if "expireAfterSeconds" in ix]
    assert ttl and ttl[0]["key"] == {"at": 1}


def test_change_password_needs_the_current_one(accounts):
    email = registered(accounts)
    token = login(accounts, email)["token"]
    with pytest.raises(ValidationFailed) as raised:
        call(accounts, "change_password", {"current_password": "nope-nope", "new_password": "brand-new-pass-1"},
             token=token)
    assert set(raised.value.fields) == {"current_password"}
    with pytest.raises(ValidationFailed) as raised:
        call(accounts, "change_password", {"current_password": PASSWORD, "new_password": "short"}, token=token)
    assert set(raised.value.fields) == {"new_password"}
    assert login(accounts, email)["token"]  # unchanged so far

    assert call(accounts, "change_password", {"current_password": PASSWORD, "new_password": "brand-new-pass-1"},
                token=token) == {"changed": True}
    with pytest.raises(NotAuthenticated):
        login(accounts, email)
    assert login(accounts, email, "brand-new-pass-1")["token"]


def test_change_password_needs_a_signed_in_caller(accounts):
    with pytest.raises(NotAuthenticated):
        call(accounts, "change_password", {"current_password": PASSWORD, "new_password": "brand-new-pass-1"})
