"""The QC conference over HTTP through the gateway: enterprises submit, judges score, grades are published."""
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from services.qc import domain
from shared.auth import Identity, TokenSigner
from tests.factories import enterprise_body
from tests.helpers import QueueTap, wait_until
from tests.qcsupport import complete_steps, scores_totalling

pytestmark = pytest.mark.e2e


def test_qc_conference_main_flow(http, stack):
    api = stack.api
    organiser = {"Authorization": "Bearer " + TokenSigner(stack.env["AUTH_SECRET"]).issue(
        Identity(user_id="e2e-organiser", role="organiser"))}

    enterprises = []
    for _ in range(3):
        body = enterprise_body(division_code="632500", industry_code="C")
        created = http.post(f"{api}/enterprises", json=body)
        assert created.status_code == 201, created.text
        token = http.post(f"{api}/auth/login", json={"username": body["contact_email"],
                                                      "password": body["password"]}).json()["token"]
        enterprises.append((created.json()["enterprise"]["id"], {"Authorization": f"Bearer {token}"}))
    judges = []
    for n in range(4):
        email = f"qc-judge-{n}-{datetime.now(UTC).timestamp()}@example.cn"
        employer = enterprises[0][0] if n == 0 else None
        created = http.post(f"{api}/judges", headers=organiser, json={
            "email": email, "name": f"评审专家{n}", "password": "judge-pass-123", "expertise": ["C"],
            "employer_enterprise_id": employer})
        assert created.status_code == 201, created.text
        token = http.post(f"{api}/auth/login", json={"username": email, "password": "judge-pass-123"}).json()["token"]
        judges.append((created.json()["id"], {"Authorization": f"Bearer {token}"}))

    conference = http.post(f"{api}/qc/conferences", headers=organiser, json={
        "name": "E2E成果发布会", "year": 2026, "judges_per_entry": 3,
        "submission_deadline": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    assert conference.status_code == 201, conference.text
    conference_id = conference.json()["id"]

    group_body = {"name": "精益小组", "topic": "降低能耗", "type": domain.INNOVATIVE,
                  "members": [{"name": "组长", "role": "leader"}]}
    results = []
    for _, headers in enterprises:
        # The enterprise projection arrives over the broker; until then the service says 422.
        group = wait_until(lambda h=headers: (r := http.post(f"{api}/qc/groups", headers=h, json=group_body))
                           .status_code == 201 and r.json(), message="group registered")
        draft = http.post(f"{api}/qc/results", headers=headers, json={
            "conference_id": conference_id, "group_id": group["id"], "title": "降低单位产品能耗",
            "steps": complete_steps(domain.INNOVATIVE)[:-1]})
        assert draft.status_code == 201, draft.text
        refused = http.post(f"{api}/qc/results/{draft.json()['id']}/submit", headers=headers)
        assert refused.status_code == 400 and "steps.总结和下一步打算" in refused.json()["fields"]
        http.patch(f"{api}/qc/results/{draft.json()['id']}", headers=headers,
                   json={"steps": complete_steps(domain.INNOVATIVE)})
        if not results:  # one attachment through the multipart route is enough
            pdf = b"%PDF-1.4\n% QC report\n"
            uploaded = http.post(f"{api}/qc/results/{draft.json()['id']}/attachments", headers=headers,
                                 files={"file": ("成果报告.pdf", pdf, "application/pdf")})
            assert uploaded.status_code == 201, uploaded.text
            download = http.get(f"{api}/qc/results/{draft.json()['id']}/attachments/{uploaded.json()['id']}",
                                headers=headers)
            assert download.content == pdf and download.headers["Content-Type"] == "application/pdf"
            refused = http.post(f"{api}/qc/results/{draft.json()['id']}/attachments", headers=headers,
                                files={"file": ("run.sh", b"#!/bin/sh", "text/x-shellscript")})
            assert refused.status_code == 400 and "content_type" in refused.json()["fields"]
        submitted = http.post(f"{api}/qc/results/{draft.json()['id']}/submit", headers=headers)
        assert submitted.status_code == 200, submitted.text
        results.append(submitted.json())
    other = http.get(f"{api}/qc/results/{results[0]['id']}", headers=enterprises[1][1])
    assert other.status_code == 404

    wait_until(lambda: http.get(f"{api}/judges", headers=organiser).status_code == 200)
    assert http.post(f"{api}/qc/conferences/{conference_id}/close-submissions", headers=organiser).ok
    review = wait_until(lambda: (r := http.post(f"{api}/qc/conferences/{conference_id}/rounds", headers=organiser,
                                                json={"judge_ids": [j for j, _ in judges]})).status_code == 201
                        and r.json(), message="round opened once judges are projected")
    assert judges[0][0] not in review["panels"][results[0]["id"]]
    conflicted = http.get(f"{api}/qc/rounds/{review['id']}/entries/{results[0]['id']}", headers=judges[0][1])
    assert conflicted.status_code == 403

    tokens = dict(judges)
    for result in results:
        for judge_id in review["panels"][result["id"]]:
            scored = http.put(f"{api}/qc/rounds/{review['id']}/entries/{result['id']}/score",
                              headers=tokens[judge_id],
                              json={"items": scores_totalling("qc-innovative", 90 - 5 * results.index(result))})
            assert scored.status_code == 200, scored.text
    mine = http.get(f"{api}/qc/me/assignments", headers=judges[1][1]).json()["rounds"][0]
    assert mine["scored"] == mine["assigned"] > 0
    assert http.post(f"{api}/qc/rounds/{review['id']}/close", headers=organiser).ok
    late = http.put(f"{api}/qc/rounds/{review['id']}/entries/{results[0]['id']}/score",
                    headers=tokens[review["panels"][results[0]["id"]][0]],
                    json={"items": scores_totalling("qc-innovative", 99)})
    assert late.status_code == 422

    preview = http.get(f"{api}/qc/conferences/{conference_id}/grades", headers=organiser).json()
    assert [item["grade"] for item in preview["items"]] == ["一等奖", "二等奖", "三等奖"]
    tap = QueueTap(stack.env["AMQP_URI"], "qc", "qc_grades_published", f"e2e-tap-qc-grades-{conference_id}")
    published = http.post(f"{api}/qc/conferences/{conference_id}/grades/publish", headers=organiser)
    assert published.status_code == 200, published.text
    # What notifications consumes arrives on the broker with exactly these fields.
    (envelope, _), = wait_until(tap.drain, message="qc_grades_published on the broker")
    assert envelope["event_type"] == "qc_grades_published" and envelope["version"] == 1
    payload = envelope["payload"]
    assert (payload["conference_id"], payload["conference_name"], payload["year"]) == (
        conference_id, "E2E成果发布会", 2026)
    assert [set(item) for item in payload["results"]] == [
        {"result_id", "enterprise_id", "group_name", "title", "score", "rank", "grade"}] * 3
    assert payload["results"][0]["enterprise_id"] == results[0]["enterprise_id"]
    assert http.post(f"{api}/qc/conferences/{conference_id}/grades/publish", headers=organiser).status_code == 422
    export = http.get(f"{api}/qc/conferences/{conference_id}/grades.xlsx", headers=organiser)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("小组名称", "企业", "课题", "类型", "得分", "排名", "等级") and len(rows) == 4
