"""Quality Month over HTTP against the running stack: campaign, activities,
registrations at capacity, notices, statistics, directory import."""
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from services.accounts.cli import create_organiser
from services.accounts.repository import AccountsRepository
from shared.config import load_config, service_config_path
from shared.mongo import make_client
from tests.campaigns_support import activity_body, campaign_body
from tests.factories import enterprise_body, uscc

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def organiser(stack):
    import requests

    config = load_config(service_config_path("accounts"), env=stack.env)
    client = make_client(config["MONGO_URI"])
    email = "campaigns-e2e@qh.gov.cn"
    try:
        repository = AccountsRepository(client, client[config["MONGO_DATABASE"]])
        if not repository.user_by_username(email):
            create_organiser(repository, email, "省质监局", "organiser-pass-1")
    finally:
        client.close()
    answer = requests.post(f"{stack.api}/auth/login", json={"username": email, "password": "organiser-pass-1"})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def new_enterprise(http, stack, **overrides):
    body = enterprise_body(**overrides)
    created = http.post(f"{stack.api}/enterprises", json=body)
    assert created.status_code == 201, created.text
    token = http.post(f"{stack.api}/auth/login", json={"username": body["contact_email"],
                                                       "password": body["password"]}).json()["token"]
    return created.json()["enterprise"], {"Authorization": f"Bearer {token}"}


def test_quality_month_main_flow(http, stack, organiser):
    api = stack.api
    response = http.post(f"{api}/campaigns", json=campaign_body(year=2031), headers=organiser)
    assert response.status_code == 201, response.text
    campaign = response.json()
    assert http.post(f"{api}/campaigns/{campaign['id']}/transitions", json={"action": "start"},
                     headers=organiser).status_code == 422
    for action in ("publish", "start"):
        assert http.post(f"{api}/campaigns/{campaign['id']}/transitions", json={"action": action},
                         headers=organiser).status_code == 200

    activity = http.post(f"{api}/campaigns/{campaign['id']}/activities", json=activity_body(capacity=2),
                         headers=organiser).json()
    late = http.post(f"{api}/campaigns/{campaign['id']}/activities",
                     json=activity_body(deadline_in=timedelta(seconds=-5), kind="training"), headers=organiser).json()
    people = [new_enterprise(http, stack) for _ in range(6)]

    # Six enterprises register at the same moment for two seats.
    def register(headers):
        import requests
        return requests.post(f"{api}/activities/{activity['id']}/registrations", headers=headers)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(register, [headers for _, headers in people]))
    assert all(answer.status_code == 201 for answer in answers), [a.text for a in answers]
    statuses = [answer.json()["status"] for answer in answers]
    assert statuses.count("confirmed") == 2 and statuses.count("waitlisted") == 4

    refused = http.post(f"{api}/activities/{late['id']}/registrations", headers=people[0][1])
    assert refused.status_code == 422 and "截止" in refused.json()["message"]

    confirmed = [(answer.json(), person) for answer, person in zip(answers, people, strict=True)
                 if answer.json()["status"] == "confirmed"]
    waiting = sorted((answer.json() for answer in answers if answer.json()["status"] == "waitlisted"),
                     key=lambda r: r["position"])
    (first, (_, first_headers)), (second, (second_enterprise, _)) = confirmed
    cancelled = http.post(f"{api}/registrations/{first['id']}/cancel", headers=first_headers)
    assert cancelled.status_code == 200 and cancelled.json()["promoted_registration_id"] == waiting[0]["id"]
    checked = http.post(f"{api}/activities/{activity['id']}/check-ins",
                        json={"enterprise_id": second_enterprise["id"]}, headers=organiser)
    assert checked.status_code == 200 and checked.json()["attended"] is True

    # A required-read notice to Xining only, with an attachment.
    outsider, outsider_headers = new_enterprise(http, stack, division_code="632800")
    notice = http.post(f"{api}/notices", headers=organiser, json={
        "year": 2031, "doc_number": "青质监函〔2031〕1号", "title": "质量月活动安排",
        "body": "请**按时**参加。<script>alert(1)</script>", "audience": {"division_codes": ["630100"]},
        "required_read": True, "campaign_id": campaign["id"]}).json()
    assert "<script" not in notice["body_html"]["zh-CN"]
    duplicate = http.post(f"{api}/notices", headers=organiser, json={
        "year": 2031, "doc_number": "青质监函〔2031〕1号", "title": "x", "body": "x", "audience": {"everyone": True}})
    assert duplicate.status_code == 409
    upload = http.post(f"{api}/notices/{notice['id']}/attachments?filename=日程.pdf", data=b"%PDF-1.4 demo",
                       headers={**organiser, "Content-Type": "application/pdf"})
    assert upload.status_code == 201, upload.text
    bad_type = http.post(f"{api}/notices/{notice['id']}/attachments?filename=x.html", data=b"<html>",
                         headers={**organiser, "Content-Type": "text/html"})
    assert bad_type.status_code == 400
    count = http.get(f"{api}/notices/{notice['id']}/audience-count", headers=organiser).json()
    assert count["enterprises"] >= 6
    assert http.post(f"{api}/notices/{notice['id']}/publish", headers=organiser).status_code == 200
    assert http.get(f"{api}/notices/{notice['id']}", headers=people[0][1]).status_code == 200
    assert http.get(f"{api}/notices/{notice['id']}", headers=outsider_headers).status_code == 404
    download = http.get(f"{api}/notices/{notice['id']}/attachments/{upload.json()['id']}", headers=people[0][1])
    assert download.content == b"%PDF-1.4 demo" and download.headers["Content-Type"] == "application/pdf"

    stats = http.get(f"{api}/campaigns/{campaign['id']}/statistics", headers=organiser).json()
    assert stats["totals"]["confirmed"] == 2 and stats["totals"]["waitlisted"] == 3
    assert stats["totals"]["cancelled"] == 1 and stats["totals"]["attended"] == 1
    export = http.get(f"{api}/campaigns/{campaign['id']}/statistics.xlsx", headers=organiser)
    assert export.status_code == 200 and "spreadsheetml" in export.headers["Content-Type"]
    assert load_workbook(io.BytesIO(export.content))["概况"]["A1"].value == "项目"
    assert http.get(f"{api}/campaigns/{campaign['id']}/statistics", headers=people[0][1]).status_code == 403


def test_directory_import_over_http(http, stack, organiser):
    good = [enterprise_body() for _ in range(3)]
    lines = ["企业名称,统一社会信用代码,行政区划代码,行业门类,联系邮箱"]
    lines += [f"{b['name']},{b['uscc']},{b['division_code']},C,{b['contact_email']}" for b in good]
    lines.append(f"坏行,{uscc()[:17]}0,999999,C,bad-row@example.cn")
    files = {"file": ("名录.csv", "\n".join(lines).encode(), "text/csv")}
    report = http.post(f"{stack.api}/enterprises/import", files=files, headers=organiser)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["imported"] == 3 and body["failed"] == 1
    assert body["errors"][0]["row"] == 5 and "division_code" in body["errors"][0]["errors"]
    again = http.post(f"{stack.api}/enterprises/import?filename=x.csv", data="\n".join(lines[:2]).encode(),
                      headers={**organiser, "Content-Type": "text/csv"}).json()
    assert again["imported"] == 0 and "uscc" in again["errors"][0]["errors"]
