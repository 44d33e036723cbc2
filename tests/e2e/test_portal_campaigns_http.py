"""Campaign, activity, notice and statistics pages at the HTTP level: role checks, the
service's refusals shown on the page, the composer's JSON helper, the XLSX export."""
import io
import re
import uuid

import pytest
import requests
from openpyxl import load_workbook

from tests.campaigns_support import activity_body, campaign_body
from tests.e2e.test_portal_http import client_ip, csrf_from, registered, sign_in

pytestmark = pytest.mark.e2e

ORGANISER_PAGES = ("/organiser/campaigns", "/organiser/activities", "/organiser/notices",
                   "/organiser/notices/new", "/organiser/statistics",
                   "/organiser/notices/audience-count?everyone=1")


def session_for(stack, username, password):
    session = requests.Session()
    session.headers["X-Forwarded-For"] = client_ip()
    assert sign_in(session, stack, username, password).status_code == 303
    return session


@pytest.fixture
def organiser(stack, organiser_account):
    session = session_for(stack, *organiser_account)
    yield session
    session.close()


@pytest.fixture
def enterprise(stack):
    body = registered(stack)
    session = session_for(stack, body["contact_email"], body["password"])
    yield session
    session.close()


def test_each_new_page_checks_the_role(stack, organiser, enterprise):
    anonymous = requests.Session()
    for path in ORGANISER_PAGES:
        assert enterprise.get(stack.url + path, allow_redirects=False).status_code == 403, path
        assert organiser.get(stack.url + path, allow_redirects=False).status_code == 200, path
        signed_out = anonymous.get(stack.url + path, allow_redirects=False)
        assert signed_out.status_code == 303 and "/login?next=" in signed_out.headers["Location"], path
    progress = f"{stack.url}/organiser/notices/{uuid.uuid4().hex}/progress"  # the poller's JSON
    assert enterprise.get(progress, allow_redirects=False).status_code == 403
    assert anonymous.get(progress, allow_redirects=False).status_code == 303
    assert organiser.get(f"{stack.url}/enterprise/activities", allow_redirects=False).status_code == 403
    assert enterprise.get(f"{stack.url}/enterprise/activities").status_code == 200
    # A POST from the wrong role is refused before the service is asked.
    token = csrf_from(enterprise.get(f"{stack.url}/enterprise/activities"))
    refused = enterprise.post(f"{stack.url}/organiser/campaigns", data={"csrf_token": token, "year": "2030"})
    assert refused.status_code == 403


def test_the_audience_count_helper_answers_json_with_the_session(stack, organiser):
    api_token = organiser.cookies.get("qh_session")  # the same token, used as a bearer here
    expected = requests.post(f"{stack.api}/notices/audience-count", json={"division_codes": ["632500"]},
                             headers={"Authorization": f"Bearer {api_token}"}).json()["enterprises"]
    answer = organiser.get(f"{stack.url}/organiser/notices/audience-count?division_codes=632500")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"enterprises": expected}
    registered_there = registered_in(stack, "632500")
    assert registered_there
    again = organiser.get(f"{stack.url}/organiser/notices/audience-count?division_codes=632500").json()
    assert again == {"enterprises": expected + 1}

    empty = organiser.get(f"{stack.url}/organiser/notices/audience-count")  # nothing chosen: the service says so
    assert empty.status_code == 400 and empty.json()["enterprises"] is None
    assert "受众不能为空" in empty.json()["message"]
    english = organiser.get(f"{stack.url}/organiser/notices/audience-count?lang=en")
    assert english.json()["message"].startswith("choose everyone")
    bad = organiser.get(f"{stack.url}/organiser/notices/audience-count?division_codes=110000&lang=zh-CN")
    assert bad.status_code == 400 and "不是青海省的行政区划代码" in bad.json()["message"]


def registered_in(stack, division):
    from tests.factories import enterprise_body

    body = enterprise_body(division_code=division)
    return requests.post(f"{stack.api}/enterprises", json=body).status_code == 201


def test_campaign_transitions_show_the_services_refusal(stack, organiser):
    token = csrf_from(organiser.get(f"{stack.url}/organiser/campaigns"))
    body = campaign_body(year=2041)
    form = {**body, "participating_departments": "\n".join(body["participating_departments"]), "csrf_token": token}
    created = organiser.post(f"{stack.url}/organiser/campaigns", data=form, allow_redirects=False)
    assert created.status_code == 303
    path = created.headers["Location"]

    # Starting a draft is not allowed: 422, the service's words on the page, the status unchanged.
    refused = organiser.post(stack.url + path + "/transition", data={"csrf_token": token, "action": "start"})
    assert refused.status_code == 422
    assert 'id="action-error"' in refused.text and "不能执行该操作" in refused.text
    assert re.search(r'id="campaign-status">草稿<', refused.text)

    published = organiser.post(stack.url + path + "/transition", data={"csrf_token": token, "action": "publish"})
    assert published.status_code == 200 and re.search(r'id="campaign-status">已发布<', published.text)
    english = organiser.get(stack.url + path + "?lang=en")
    assert re.search(r'id="campaign-status">Published<', english.text) and "New activity" in english.text
    organiser.get(stack.url + path + "?lang=zh-CN")

    # Field errors from the service sit next to the fields of the new-activity form.
    bad = organiser.post(stack.url + path + "/activities", data={"csrf_token": token, "title": "论坛",
                                                                 "kind": "forum", "capacity": "0"})
    assert bad.status_code == 400 and 'id="venue-error"' in bad.text and 'id="capacity-error"' in bad.text

    # Missing required campaign fields come back next to their inputs.
    missing = organiser.post(f"{stack.url}/organiser/campaigns", data={"csrf_token": token, "year": "2041"})
    assert missing.status_code == 400 and 'id="name-error"' in missing.text


def test_check_in_and_the_statistics_export(stack, organiser, enterprise):
    bearer = {"Authorization": f"Bearer {organiser.cookies.get('qh_session')}"}
    campaign = requests.post(f"{stack.api}/campaigns", json=campaign_body(year=2042), headers=bearer).json()
    requests.post(f"{stack.api}/campaigns/{campaign['id']}/transitions", json={"action": "publish"}, headers=bearer)
    activity = requests.post(f"{stack.api}/campaigns/{campaign['id']}/activities",
                             json=activity_body(capacity=3), headers=bearer).json()

    token = csrf_from(enterprise.get(f"{stack.url}/enterprise/activities"))
    done = enterprise.post(f"{stack.url}/enterprise/activities/{activity['id']}/register",
                           data={"csrf_token": token})
    assert done.status_code == 200 and 'id="done"' in done.text and "已确认" in done.text
    again = enterprise.post(f"{stack.url}/enterprise/activities/{activity['id']}/register",
                            data={"csrf_token": token})
    assert again.status_code == 409 and 'id="action-error"' in again.text

    page = organiser.get(f"{stack.url}/organiser/activities/{activity['id']}")
    enterprise_id = re.search(r'id="registration-([0-9a-f]+)"', page.text).group(1)
    token = csrf_from(page)
    checked = organiser.post(f"{stack.url}/organiser/activities/{activity['id']}/check-in",
                             data={"csrf_token": token, "enterprise_id": enterprise_id})
    assert checked.status_code == 200 and 'id="checked-in"' in checked.text and "已签到" in checked.text
    unknown = organiser.post(f"{stack.url}/organiser/activities/{activity['id']}/check-in",
                             data={"csrf_token": token, "enterprise_id": uuid.uuid4().hex})
    assert unknown.status_code == 404 and "未报名" in unknown.text

    stats = organiser.get(f"{stack.url}/organiser/statistics?campaign_id={campaign['id']}")
    assert stats.status_code == 200 and 'id="division-chart"' in stats.text
    assert re.search(r'id="total-confirmed">1<', stats.text)
    export = organiser.get(f"{stack.url}/organiser/campaigns/{campaign['id']}/statistics.xlsx")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("application/vnd.openxml")
    assert "attachment" in export.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames
    assert enterprise.get(f"{stack.url}/organiser/campaigns/{campaign['id']}/statistics.xlsx",
                          allow_redirects=False).status_code == 403
