"""The portal's journeys in headless Chromium (Debian's), driven by Playwright."""
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import enterprise_body

pytestmark = pytest.mark.e2e


def wrong_check_char(code):
    """The same code with a wrong 18th character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % len(alphabet)]


def test_an_enterprise_registers_and_reads_its_welcome(page, stack):
    body = enterprise_body()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.click("#register-link")
    expect(page.locator("h1")).to_have_text("企业注册")

    # Live check in the browser: a wrong check character is named before submitting.
    page.fill("#name", body["name"])
    page.fill("#uscc", wrong_check_char(body["uscc"]).lower())
    live = page.locator("#uscc-live")
    expect(live).to_have_class(re.compile(r"\berror\b"))
    expect(live).to_contain_text(f"校验码应为 {body['uscc'][17]}")
    page.fill("#uscc", body["uscc"][:10])
    expect(live).to_contain_text("已输入 10 位")

    # Submitted anyway (with a bad email too): the service's field errors sit next to each field.
    page.fill("#uscc", wrong_check_char(body["uscc"]))
    page.select_option("#division_code", "630100")
    page.select_option("#industry_code", "C")
    page.select_option("#size", "medium")
    page.fill("#contact_email", "not-an-email")
    page.fill("#password", body["password"])
    page.click("#register-submit")
    expect(page.locator("#uscc-error")).to_contain_text("校验")  # the service's own words, Chinese half
    expect(page.locator("#uscc-error")).not_to_contain_text(" / ")
    expect(page.locator("#contact_email-error")).to_have_text("不是有效的邮箱地址。")
    expect(page.locator("#name")).to_have_value(body["name"])  # what was typed is kept

    page.fill("#uscc", body["uscc"])
    expect(live).to_have_class(re.compile(r"\bok\b"))
    page.fill("#contact_email", body["contact_email"])
    page.fill("#password", body["password"])
    page.click("#register-submit")

    expect(page).to_have_url(re.compile(r"/enterprise$"))
    expect(page.locator("h1")).to_have_text(body["name"])
    expect(page.locator("#profile-uscc")).to_have_text(body["uscc"])

    # The welcome comes over the broker (accounts → notifications); reload until it is there.
    welcome = page.locator(".message", has_text="欢迎加入青海省质量工作平台")
    for _ in range(40):
        if welcome.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(welcome).to_have_class(re.compile(r"\bunread\b"))
    # Notices other tests broadcast to this division may arrive at any moment, so the
    # welcome's own state is checked rather than the unread total.
    expect(page.locator("#unread-count")).to_have_text(re.compile(r"^\d+ 条未读$"))

    page.click("a[href='/inbox'] >> nth=0")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    message = page.locator(".message", has_text="欢迎加入青海省质量工作平台")
    message.locator("button.mark-read").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(message).not_to_have_class(re.compile(r"\bunread\b"))
    screenshot(page, "enterprise-registers-and-reads-welcome")


def test_an_organiser_filters_the_enterprise_directory(page, stack, organiser_account):
    tag = uuid.uuid4().hex[:6].upper()  # a name fragment no other test uses
    haixi = [enterprise_body(name=f"海西{tag}盐化有限公司{n}", division_code="632800") for n in range(3)]
    xining = enterprise_body(name=f"西宁{tag}机械有限公司", division_code="630100")
    for body in [*haixi, xining]:
        assert requests.post(f"{stack.api}/enterprises", json=body).status_code == 201

    email, password = organiser_account
    page.goto("/organiser/enterprises")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", email)
    page.fill("#password", password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/organiser/enterprises$"))  # back where they were going

    page.fill("#q", tag)
    page.click("#filter-submit")
    expect(page.locator("#enterprise-table tbody tr")).to_have_count(4)

    page.select_option("#division_code", "632800")
    page.select_option("#sort", "-created_at")
    page.click("#filter-submit")
    rows = page.locator("#enterprise-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#result-count")).to_have_text("共 3 家企业")
    expect(rows.first).to_contain_text(haixi[-1]["name"])  # newest first
    expect(rows.first).to_contain_text("海西蒙古族藏族自治州")
    assert "632800" in page.url and "-created_at" in page.url  # filters live in the URL

    page.goto(f"/organiser/enterprises?q={tag}&page_size=2")
    expect(page.locator("#pager")).to_contain_text("第 1 页，共 2 页")
    page.click("#pager a[rel=next]")
    expect(rows).to_have_count(2)
    expect(page.locator("#pager")).to_contain_text("第 2 页，共 2 页")
    screenshot(page, "organiser-filters-directory")


def test_an_organiser_registers_a_judge(page, stack, organiser_account):
    email, password = organiser_account
    page.goto("/login")
    page.fill("#username", email)
    page.fill("#password", password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/organiser$"))
    page.click("text=评审专家")
    page.click("#new-judge")
    judge_email = f"judge-{uuid.uuid4().hex[:8]}@example.cn"
    page.fill("#name", "王评审")
    page.fill("#email", judge_email)
    page.fill("#password", "short")
    page.click("#judge-submit")
    expect(page.locator("#password-error")).to_be_visible()

    page.fill("#password", "judge-pass-123")
    page.fill("#employer_name", "青海省标准化研究院")
    page.check("input[name=expertise][value=C]")
    page.check("input[name=expertise][value=D]")
    page.click("#judge-submit")
    expect(page.locator("#judge-added")).to_be_visible()
    row = page.locator("#judge-table tr.highlight")
    expect(row).to_contain_text(judge_email)
    expect(row).to_contain_text("C, D")

    # The judge can sign in and lands on their home page.
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("#username", judge_email)
    page.fill("#password", "judge-pass-123")
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/judge$"))
    expect(page.locator("h1")).to_have_text("王评审")
    expect(page.locator(".sidenav")).to_contain_text("即将开放")
    screenshot(page, "judge-home-after-registration")


def test_the_language_switch_translates_labels(page, stack):
    page.goto("/register")
    expect(page.locator("label[for=uscc]")).to_contain_text("统一社会信用代码")
    page.click("#lang-en")
    expect(page.locator("label[for=uscc]")).to_contain_text("Unified social credit code")
    expect(page.locator("h1")).to_have_text("Register your enterprise")
    page.fill("#uscc", "91630100MA1234567")
    expect(page.locator("#uscc-live")).to_contain_text("(17 entered)")
    page.goto("/login")  # the choice is remembered
    expect(page.locator("h1")).to_have_text("Sign in")
    screenshot(page, "language-switch-english")


def test_the_vendored_chart_library_loads_from_the_gateway(page, stack):
    # For the statistics and leaderboard pages to come: served locally and allowed by the CSP.
    page.goto("/login")
    page.add_script_tag(url="/static/vendor/chart.js-4.6.1/chart.umd.min.js")
    assert page.evaluate("typeof Chart === 'function' && Chart.version") == "4.6.1"
