"""Campaign journeys in headless Chromium: an organiser's notice reaches the targeted
enterprise's inbox (and only theirs); an enterprise registers for an activity."""
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.campaigns_support import activity_body, campaign_body
from tests.e2e.conftest import screenshot
from tests.factories import enterprise_body

pytestmark = pytest.mark.e2e


def new_enterprise(stack, **overrides):
    body = enterprise_body(**overrides)
    created = requests.post(f"{stack.api}/enterprises", json=body)
    assert created.status_code == 201, created.text
    return body, created.json()["enterprise"]


def api_token(stack, username, password):
    answer = requests.post(f"{stack.api}/auth/login", json={"username": username, "password": password},
                           headers={"X-Forwarded-For": f"10.9.{uuid.uuid4().int % 250}.1"})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def sign_in(page, username, password):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")


def other_tab(browser, stack):
    context = browser.new_context(base_url=stack.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    return context


def audience_count(stack, bearer, audience):
    return requests.post(f"{stack.api}/notices/audience-count", json=audience, headers=bearer).json()["enterprises"]


def test_an_enterprise_registers_for_an_activity_and_the_organiser_sees_it(page, browser, stack, organiser_account):
    bearer = api_token(stack, *organiser_account)
    campaign = requests.post(f"{stack.api}/campaigns", json=campaign_body(year=2043), headers=bearer).json()
    requests.post(f"{stack.api}/campaigns/{campaign['id']}/transitions", json={"action": "publish"}, headers=bearer)
    title = f"工厂开放日{uuid.uuid4().hex[:6]}"
    activity = requests.post(f"{stack.api}/campaigns/{campaign['id']}/activities", headers=bearer,
                             json=activity_body(capacity=1, title=title, kind="open_factory_day",
                                                division_code="632200")).json()
    # Someone else has taken the only seat already.
    first_body, _ = new_enterprise(stack)
    first = api_token(stack, first_body["contact_email"], first_body["password"])
    assert requests.post(f"{stack.api}/activities/{activity['id']}/registrations", headers=first).status_code == 201

    body, _ = new_enterprise(stack, division_code="632200")
    sign_in(page, body["contact_email"], body["password"])
    page.click("nav.sidenav >> text=活动")
    expect(page).to_have_url(re.compile(r"/enterprise/activities$"))
    row = page.locator(f"#activity-{activity['id']}")
    expect(row).to_contain_text(title)
    expect(row).to_contain_text("1 / 1")
    row.locator("button.register").click()
    expect(page.locator("#done")).to_have_text("报名成功。")
    mine = page.locator(f"#my-registrations #registration-{activity['id']}")
    expect(mine).to_contain_text("候补")
    expect(mine).to_contain_text("候补第 1 位")
    expect(row).to_contain_text("候补")  # no second register button

    # The first enterprise cancels: the wait-listed one is promoted.
    mine_first = requests.get(f"{stack.api}/me/registrations", headers=first).json()["items"][0]
    assert requests.post(f"{stack.api}/registrations/{mine_first['id']}/cancel", headers=first).status_code == 200
    page.reload()
    expect(mine).to_contain_text("已确认")
    # Filtered to another division the activity leaves the list, but not "my registrations".
    page.select_option("#division_code", "630100")
    page.click("#filter-submit")
    expect(row).to_have_count(0)
    expect(mine).to_contain_text(title)
    screenshot(page, "enterprise-registers-for-activity")

    # The organiser sees the registration and checks the enterprise in, then the statistics chart.
    context = other_tab(browser, stack)
    try:
        organiser = context.new_page()
        sign_in(organiser, *organiser_account)
        organiser.goto(f"/organiser/activities/{activity['id']}")
        registration = organiser.locator("#registration-table tbody tr", has_text=body["name"])
        registration.locator("button.check-in").click()
        expect(organiser.locator("#checked-in")).to_be_visible()
        expect(organiser.locator("#registration-table tbody tr", has_text=body["name"])).to_contain_text("已签到")
        organiser.goto(f"/organiser/statistics?campaign_id={campaign['id']}")
        expect(organiser.locator("#division-chart")).to_have_attribute("data-rendered", "1")
        expect(organiser.locator("#division-table")).to_contain_text("海北藏族自治州")
        screenshot(organiser, "organiser-statistics-by-division")
    finally:
        context.close()


def test_an_organisers_notice_reaches_only_the_targeted_inbox(page, browser, stack, organiser_account):
    # Guoluo (632600) manufacturers are the audience; a Guoluo power company is not.
    inside_body, _ = new_enterprise(stack, division_code="632600", industry_code="C")
    outside_body, _ = new_enterprise(stack, division_code="632600", industry_code="D")
    bearer = api_token(stack, *organiser_account)
    in_division = audience_count(stack, bearer, {"division_codes": ["632600"]})
    in_both = audience_count(stack, bearer, {"division_codes": ["632600"], "industry_codes": ["C"]})
    assert in_division > in_both >= 1

    sign_in(page, *organiser_account)
    page.click("nav.sidenav >> text=通知公告")
    page.click("#new-notice")
    count = page.locator("#audience-count")
    expect(count).to_contain_text("受众不能为空")  # nothing chosen yet: the service's words
    page.check("input[name=division_codes][value='632600']")
    expect(count).to_have_text(f"该通知将送达 {in_division} 家企业。")
    page.check("input[name=industry_codes][value='C']")
    expect(count).to_have_text(f"该通知将送达 {in_both} 家企业。")

    doc = f"青质监函〔2044〕{uuid.uuid4().int % 10000}号"
    title = f"关于开展果洛州质量月活动的通知{uuid.uuid4().hex[:4]}"
    page.fill("#year", "2044")
    page.fill("#doc_number", doc)
    page.fill("#title", title)
    page.fill("#body", "各有关企业：\n\n请于**9月30日前**报送材料。")
    page.fill("#en_title", "Notice on Quality Month in Guoluo")
    page.fill("#en_body", "Please report by **30 September**.")
    page.check("#required_read")
    page.click("#notice-submit")
    expect(page).to_have_url(re.compile(r"/organiser/notices/[0-9a-f]+$"))
    expect(page.locator("#notice-status")).to_have_text("草稿")
    expect(page.locator("#notice-reach")).to_have_text(f"{in_both} 家企业")
    expect(page.locator(".notice-body strong")).to_have_text("9月30日前")  # Markdown rendered
    page.click("#notice-publish")
    expect(page.locator("#notice-status")).to_have_text("已发布")
    inbox_row = page.locator("#progress-table tr[data-channel=inbox]")
    expect(inbox_row.locator("td[data-key=total]")).to_have_text(str(in_both))
    expect(page.locator("#broadcast")).to_have_attribute("data-running", "0")
    expect(inbox_row.locator("td[data-key=read]")).to_have_text("0")
    expect(page.locator("#unread-table")).to_contain_text(inside_body["contact_email"])  # who has not read it

    # The targeted enterprise: the notice is in its inbox, first, as required reading.
    context = other_tab(browser, stack)
    try:
        ent = context.new_page()
        sign_in(ent, inside_body["contact_email"], inside_body["password"])
        ent.goto("/inbox")
        notice = ent.locator(".message", has_text=title)
        for _ in range(40):
            if notice.count():
                break
            ent.wait_for_timeout(250)
            ent.reload()
        expect(ent.locator(".message").first).to_contain_text(title)
        expect(notice.locator(".badge.required")).to_have_text("必读")
        expect(notice).to_contain_text(doc)
        notice.locator("button.mark-read").click()
        expect(ent.locator(".message", has_text=title)).not_to_have_class(re.compile(r"\bunread\b"))
        screenshot(ent, "enterprise-inbox-required-notice")
    finally:
        context.close()

    # The enterprise outside the audience does not get it.
    context = other_tab(browser, stack)
    try:
        ent = context.new_page()
        sign_in(ent, outside_body["contact_email"], outside_body["password"])
        ent.goto("/inbox")
        expect(ent.locator("h1")).to_have_text("站内消息")
        expect(ent.locator(".message", has_text=title)).to_have_count(0)
    finally:
        context.close()

    # The organiser's page, never reloaded, shows the read: it polls its progress JSON.
    expect(inbox_row.locator("td[data-key=read]")).to_have_text("1")
    assert int(page.locator("#broadcast").get_attribute("data-polled")) >= 1
    page.reload()
    expect(page.locator("#unread-table")).not_to_contain_text(inside_body["contact_email"])
    screenshot(page, "organiser-notice-broadcast-progress")
