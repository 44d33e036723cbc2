"""The QC pages at the HTTP level: role checks, and the organiser's conference run through the pages."""
import io
import re

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.portal_qc_support import (
    enterprise_with_result,
    open_conference,
    organiser_headers,
    registered_judge,
)
from tests.e2e.test_portal_http import client_ip, csrf_from, sign_in
from tests.helpers import wait_until
from tests.qcsupport import scores_totalling

pytestmark = pytest.mark.e2e


@pytest.fixture
def session():
    with requests.Session() as client:
        client.headers["X-Forwarded-For"] = client_ip()
        yield client


def test_qc_pages_check_roles(session, stack):
    conference = open_conference(stack)
    mine, body = enterprise_with_result(stack, conference["id"], "角色检查成果")
    theirs, _ = enterprise_with_result(stack, conference["id"], "他人成果")

    for path in ("/enterprise/qc/groups", "/judge/assignments", "/organiser/qc"):
        response = session.get(f"{stack.url}{path}", allow_redirects=False)
        assert response.status_code == 303 and "/login?next=" in response.headers["Location"]

    assert sign_in(session, stack, body["contact_email"], body["password"]).status_code == 303
    assert session.get(f"{stack.url}/enterprise/qc/results/{mine}").status_code == 200
    other = session.get(f"{stack.url}/enterprise/qc/results/{theirs}")
    assert other.status_code == 404 and other.headers["Content-Type"].startswith("text/html")  # the service's answer
    for path in ("/judge/assignments", "/judge/score-sheets", f"/organiser/qc/{conference['id']}",
                 f"/organiser/qc/{conference['id']}/grades.xlsx"):
        assert session.get(f"{stack.url}{path}").status_code == 403, path
    # A well-formed organiser form from an enterprise session: refused, and nothing changes.
    token = csrf_from(session.get(f"{stack.url}/enterprise/qc/groups"))
    refused = session.post(f"{stack.url}/organiser/qc/{conference['id']}/close-submissions",
                           data={"csrf_token": token})
    assert refused.status_code == 403
    api = requests.get(f"{stack.api}/qc/conferences/{conference['id']}", headers=organiser_headers(stack)).json()
    assert api["submissions_locked"] is False

    _, email, password, _ = registered_judge(stack)
    session.cookies.clear()
    assert sign_in(session, stack, email, password).status_code == 303
    assert session.get(f"{stack.url}/judge/assignments").status_code == 200
    for path in ("/enterprise/qc/groups", "/enterprise/qc/results", "/organiser/qc"):
        assert session.get(f"{stack.url}{path}").status_code == 403, path


def test_the_organiser_runs_a_conference_through_the_pages(session, stack, organiser_account):
    assert sign_in(session, stack, *organiser_account).status_code == 303
    form = session.get(f"{stack.url}/organiser/qc")
    assert form.status_code == 200 and 'name="disagreement_threshold"' in form.text
    token = csrf_from(form)
    bad = session.post(f"{stack.url}/organiser/qc", data={"csrf_token": token, "name": "x", "year": "1990"})
    assert bad.status_code == 400 and 'id="year-error"' in bad.text and 'id="submission_deadline-error"' in bad.text
    created = session.post(f"{stack.url}/organiser/qc", allow_redirects=False, data={
        "csrf_token": token, "name": "页面创建的发布会", "year": "2026", "submission_deadline": "2099-06-30T17:00",
        "grace_minutes": "0", "judges_per_entry": "1", "aggregation": "mean", "disagreement_threshold": "10"})
    assert created.status_code == 303, created.text[:2000]
    conference_id = created.headers["Location"].rsplit("/", 1)[1]
    api = requests.get(f"{stack.api}/qc/conferences/{conference_id}", headers=organiser_headers(stack)).json()
    assert api["locks_at"].startswith("2099-06-30T09:00")  # Beijing time in the form
    assert (api["judges_per_entry"], api["aggregation"]) == (1, "mean")

    results = [enterprise_with_result(stack, conference_id, f"页面成果{n}")[0] for n in range(2)]
    judge_id, _, _, judge = registered_judge(stack, name="孙评审")
    page = session.get(f"{stack.url}/organiser/qc/{conference_id}")
    assert "页面成果0" in page.text and 'id="close-submissions"' in page.text
    locked = session.post(f"{stack.url}/organiser/qc/{conference_id}/close-submissions",
                          data={"csrf_token": token}, allow_redirects=False)
    assert locked.status_code == 303

    opened = wait_until(lambda: (r := session.post(f"{stack.url}/organiser/qc/{conference_id}/review",
                                                   data={"csrf_token": token, "judge_ids": judge_id},
                                                   allow_redirects=False))
                        .status_code == 303 and r, message="review opened once the judge is projected")
    round_path = opened.headers["Location"]
    round_id = round_path.rsplit("/", 1)[1]

    for index, result_id in enumerate(results):
        scored = requests.put(f"{stack.api}/qc/rounds/{round_id}/entries/{result_id}/score", headers=judge,
                              json={"items": scores_totalling("qc-innovative", 90 - 10 * index)})
        assert scored.status_code == 200, scored.text
    board = session.get(f"{stack.url}{round_path}")
    assert board.status_code == 200
    assert re.search(r'data-chart="{&#34;labels&#34;: \[.*\], &#34;scores&#34;: \[90(\.0)?, 80(\.0)?\]}"', board.text)
    assert "孙评审" in board.text and 'src="/static/qc-chart.js"' in board.text
    assert session.post(f"{stack.url}{round_path}/close", data={"csrf_token": token}).status_code == 200

    grades = session.get(f"{stack.url}/organiser/qc/{conference_id}/grades")
    assert grades.status_code == 200 and "一等奖" in grades.text and 'id="publish-grades"' in grades.text
    published = session.post(f"{stack.url}/organiser/qc/{conference_id}/grades/publish", data={"csrf_token": token})
    assert published.status_code == 200 and 'id="grades-published"' in published.text
    again = session.post(f"{stack.url}/organiser/qc/{conference_id}/grades/publish", data={"csrf_token": token})
    assert again.status_code == 422 and 'id="form-error"' in again.text

    export = session.get(f"{stack.url}/organiser/qc/{conference_id}/grades.xlsx")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["页面成果0", "页面成果1"]
