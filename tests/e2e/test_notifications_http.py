"""Notification routes over HTTP: preferences, organiser templates and dead letters."""
import pytest

from shared.auth import Identity, TokenSigner
from tests.factories import enterprise_body

pytestmark = pytest.mark.e2e


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_preferences_over_http(http, stack):
    body = enterprise_body()
    assert http.post(f"{stack.api}/enterprises", json=body).status_code == 201
    token = http.post(f"{stack.api}/auth/login",
                      json={"username": body["contact_email"], "password": body["password"]}).json()["token"]
    url = f"{stack.api}/me/notification-preferences"
    assert http.get(url, headers=bearer(token)).json()["settings"]["notice"]["email"] is False
    saved = http.put(url, headers=bearer(token), json={"settings": {"notice": {"email": True}}})
    assert saved.status_code == 200 and saved.json()["settings"]["notice"]["email"] is True
    bad = http.put(url, headers=bearer(token), json={"phone": "x"})
    assert bad.status_code == 400 and "phone" in bad.json()["fields"]
    # Organiser pages are refused to an enterprise.
    assert http.get(f"{stack.api}/notifications/dead-letters", headers=bearer(token)).status_code == 403


def test_organiser_template_override_and_dead_letters_over_http(http, stack):
    organiser = TokenSigner(stack.env["AUTH_SECRET"]).issue(Identity(user_id="org-e2e", role="organiser"))
    url = f"{stack.api}/notifications/templates/qc_grades_published/sms/zh-CN"
    refused = http.put(url, headers=bearer(organiser), json={"source": "【青海质量】\n{{ nope }}"})
    assert refused.status_code == 400 and "line 2" in refused.json()["fields"]["source"][0]
    saved = http.put(url, headers=bearer(organiser), json={"source": "【青海质量】{{ group_name }} {{ grade }}"})
    assert saved.status_code == 200 and saved.json()["overridden"] is True
    assert http.delete(url, headers=bearer(organiser)).status_code == 200
    letters = http.get(f"{stack.api}/notifications/dead-letters", headers=bearer(organiser))
    assert letters.status_code == 200 and letters.json()["total"] == 0
    missing = http.get(f"{stack.api}/notifications/notices/nope/progress", headers=bearer(organiser))
    assert missing.status_code == 404
