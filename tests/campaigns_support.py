"""Shared set-up for the campaigns service tests: real accounts + campaigns containers."""
from datetime import UTC, datetime, timedelta

from nameko.testing.services import entrypoint_hook

from services.accounts.cli import create_organiser
from services.accounts.repository import AccountsRepository
from shared.mongo import make_client
from tests.factories import enterprise_body

ORGANISER = ("organiser@qh.gov.cn", "省质监局", "organiser-pass-1")


def call(container, method, *args, token=None):
    context = {"auth_token": token} if token else {}
    with entrypoint_hook(container, method, context_data=context) as hook:
        return hook(*args)


def organiser_token(accounts, mongo_uri, accounts_config):
    client = make_client(mongo_uri)
    try:
        create_organiser(AccountsRepository(client, client[accounts_config["MONGO_DATABASE"]]), *ORGANISER)
    finally:
        client.close()
    return call(accounts, "login", {"username": ORGANISER[0], "password": ORGANISER[2]})["token"]


def enterprise(accounts, **overrides):
    """Register an enterprise and return (enterprise dict, token)."""
    body = enterprise_body(**overrides)
    registered = call(accounts, "register_enterprise", body)
    token = call(accounts, "login", {"username": body["contact_email"], "password": body["password"]})["token"]
    return registered["enterprise"], token


def campaign_body(year=2014, **overrides):
    body = {"year": year, "name": f"{year}年全省质量月", "theme": "追求卓越品质 建设质量强省",
            "starts_on": f"{year}-09-01", "ends_on": f"{year}-09-30", "lead_department": "省质监局",
            "participating_departments": ["省经济和信息化委", "省商务厅"]}
    body.update(overrides)
    return body


def activity_body(capacity=5, deadline_in=timedelta(days=5), **overrides):
    now = datetime.now(UTC)
    body = {"title": "质量提升论坛", "kind": "forum", "organising_department": "西宁市质监局",
            "division_code": "630100", "venue": "西宁市会展中心", "capacity": capacity,
            "starts_at": (now + timedelta(days=10)).isoformat(),
            "ends_at": (now + timedelta(days=10, hours=3)).isoformat(),
            "registration_deadline": (now + deadline_in).isoformat()}
    body.update(overrides)
    return body
