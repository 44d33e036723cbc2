"""API set-up for the QC portal tests: the steps a test does not drive through the pages."""
import uuid
from datetime import UTC, datetime, timedelta

import requests

from services.qc import domain
from shared.auth import Identity, TokenSigner
from tests.factories import enterprise_body
from tests.helpers import wait_until
from tests.qcsupport import complete_steps


def organiser_headers(stack):
    token = TokenSigner(stack.env["AUTH_SECRET"]).issue(Identity(user_id="portal-qc-organiser", role="organiser"))
    return {"Authorization": f"Bearer {token}"}


def open_conference(stack, **settings):
    body = {"name": f"QC发布会{uuid.uuid4().hex[:4]}", "year": 2026,
            "submission_deadline": (datetime.now(UTC) + timedelta(days=1)).isoformat(), **settings}
    created = requests.post(f"{stack.api}/qc/conferences", headers=organiser_headers(stack), json=body)
    assert created.status_code == 201, created.text
    return created.json()


def enterprise_with_result(stack, conference_id, title):
    """A registered enterprise with a submitted result: (result id, the registration body)."""
    body = enterprise_body()
    assert requests.post(f"{stack.api}/enterprises", json=body).status_code == 201
    token = requests.post(f"{stack.api}/auth/login", json={"username": body["contact_email"],
                                                          "password": body["password"]}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    group = wait_until(lambda: (r := requests.post(f"{stack.api}/qc/groups", headers=headers, json={
        "name": f"{title}小组", "topic": title, "type": domain.INNOVATIVE,
        "members": [{"name": "组长", "role": "leader"}]})).status_code == 201 and r.json(),
        message="group registered once the enterprise is projected")
    draft = requests.post(f"{stack.api}/qc/results", headers=headers, json={
        "conference_id": conference_id, "group_id": group["id"], "title": title,
        "steps": complete_steps(domain.INNOVATIVE)})
    assert draft.status_code == 201, draft.text
    assert requests.post(f"{stack.api}/qc/results/{draft.json()['id']}/submit", headers=headers).ok
    return draft.json()["id"], body


def registered_judge(stack, name="赵评审"):
    """A judge registered through the API: (judge id, email, password, API headers)."""
    email, password = f"qc-judge-{uuid.uuid4().hex[:8]}@example.cn", "judge-pass-123"
    judge = requests.post(f"{stack.api}/judges", headers=organiser_headers(stack), json={
        "email": email, "name": name, "password": password, "expertise": ["C"]})
    assert judge.status_code == 201, judge.text
    token = requests.post(f"{stack.api}/auth/login", json={"username": email, "password": password}).json()["token"]
    return judge.json()["id"], email, password, {"Authorization": f"Bearer {token}"}


def open_review(stack, conference_id, judge_ids):
    organiser = organiser_headers(stack)
    assert requests.post(f"{stack.api}/qc/conferences/{conference_id}/close-submissions", headers=organiser).ok
    return wait_until(lambda: (r := requests.post(
        f"{stack.api}/qc/conferences/{conference_id}/rounds", headers=organiser,
        json={"judge_ids": judge_ids})).status_code == 201 and r.json(),
        message="round opened once the judges are projected")
