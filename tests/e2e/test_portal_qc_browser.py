"""QC journeys in headless Chromium: an enterprise submits a result through the step form;
a judge declares a conflict on one entry and scores another (the total adds up as they type)."""
import re

import pytest
import requests
from playwright.sync_api import expect

from services.qc import domain
from tests.e2e.conftest import screenshot
from tests.e2e.portal_qc_support import enterprise_with_result, open_conference, open_review, registered_judge
from tests.factories import enterprise_body
from tests.qcsupport import complete_steps, scores_totalling

pytestmark = pytest.mark.e2e


def test_an_enterprise_registers_and_submits_a_qc_result(page, stack):
    conference = open_conference(stack)
    body = enterprise_body()
    page.goto("/register")
    page.fill("#name", body["name"])
    page.fill("#uscc", body["uscc"])
    page.select_option("#division_code", body["division_code"])
    page.select_option("#industry_code", body["industry_code"])
    page.select_option("#size", body["size"])
    page.fill("#contact_email", body["contact_email"])
    page.fill("#password", body["password"])
    page.click("#register-submit")
    expect(page).to_have_url(re.compile(r"/enterprise$"))

    # A QC group, with its members; the first try may meet the projection still on its way (422).
    page.click("nav.sidenav >> text=QC 小组")
    page.click("#new-group")
    page.fill("#name", "精益创新小组")
    page.fill("#topic", "降低单位产品能耗")
    page.select_option("#type", domain.INNOVATIVE)
    rows = page.locator(".member-row")
    rows.nth(0).locator("input[name=member_name]").fill("张组长")
    rows.nth(1).locator("input[name=member_name]").fill("李组员")
    rows.nth(1).locator("select[name=member_role]").select_option("member")
    for _ in range(40):
        page.click("#group-submit")
        if "/enterprise/qc/groups?saved=" in page.url:
            break
        expect(page.locator("#form-error")).to_be_visible()
        page.wait_for_timeout(250)
    expect(page.locator("#group-table tr.highlight")).to_contain_text("精益创新小组")
    expect(page.locator("#group-table tr.highlight")).to_contain_text("创新型")

    page.click("nav.sidenav a[href='/enterprise/qc/results']")
    page.select_option("#conference_id", conference["id"])
    page.fill("#title", "降低单位产品能耗的创新实践")
    page.click("#result-create")
    expect(page).to_have_url(re.compile(r"/enterprise/qc/results/\w+$"))

    # One section per required step of the innovative type, in the standard's order.
    steps = domain.STEPS[domain.INNOVATIVE]
    sections = page.locator(".step-section label")
    expect(sections).to_have_count(len(steps))
    expect(sections.first).to_contain_text(f"1. {steps[0]}")
    expect(sections.last).to_contain_text(f"{len(steps)}. {steps[-1]}")
    for index, step in enumerate(complete_steps(domain.INNOVATIVE)[:-1]):
        page.fill(f"#step_{index}", step["content"])
    metric = page.locator(".metric-row").first
    metric.locator("input[name=metric_name]").fill("单位产品能耗")
    metric.locator("input[name=metric_unit]").fill("kWh")
    metric.locator("input[name=metric_before]").fill("12.5")
    metric.locator("input[name=metric_after]").fill("9.8")
    page.fill("#economic_benefit", "35.6")

    # Submitting with the last step empty: the service's error sits next to that step.
    last = len(steps) - 1
    page.click("#result-submit")
    expect(page.locator(f"#step_{last}-error")).to_contain_text(f"缺少步骤「{steps[-1]}」")
    expect(page.locator(f"#step-{last}-section")).to_have_class(re.compile(r"\bhas-error\b"))
    expect(page.locator("#step_0")).to_have_value(f"{steps[0]}的记录")  # what was typed is kept
    expect(page.locator(".metric-row").first.locator("input[name=metric_after]")).to_have_value("9.8")

    page.fill(f"#step_{last}", "下一步打算：推广到其他产线")
    page.click("#result-submit")
    expect(page.locator("#result-notice")).to_have_text("成果已提交。")
    expect(page.locator("#result-status")).to_have_text("已提交")
    expect(page.locator("#economic_benefit")).to_have_value("35.6")
    expect(page.locator("#result-withdraw")).to_be_visible()

    page.click("nav.sidenav a[href='/enterprise/qc/results']")
    row = page.locator("#result-table tbody tr", has_text="降低单位产品能耗的创新实践")
    expect(row.locator(".status")).to_have_text("已提交")
    screenshot(page, "enterprise-submits-qc-result")


def test_a_judge_declares_a_conflict_and_scores_another_entry(page, stack):
    conference = open_conference(stack, judges_per_entry=1)
    conflicted, _ = enterprise_with_result(stack, conference["id"], "回避成果")
    scored, _ = enterprise_with_result(stack, conference["id"], "评分成果")
    judge_id, email, password, _ = registered_judge(stack)
    review = open_review(stack, conference["id"], [judge_id])

    page.goto("/login")
    page.fill("#username", email)
    page.fill("#password", password)
    page.click("#login-submit")
    page.click("nav.sidenav >> text=我的评审任务")
    expect(page.locator(f"#round-{review['id']} .progress-line")).to_have_text("已评 0 / 共 2")

    page.click("text=回避成果")
    expect(page.locator("#others-hidden")).to_be_visible()  # nothing of others' before mine
    page.fill("#reason", "该企业是我的前雇主")
    page.click("#conflict-submit")
    expect(page.locator("#conflict-declared")).to_be_visible()
    expect(page.locator(".entry", has_text="回避成果")).to_have_count(0)
    expect(page.locator(f"#round-{review['id']} .progress-line")).to_have_text("已评 0 / 共 1")
    # The service refuses the entry now; the page says so.
    denied = page.goto(f"/judge/rounds/{review['id']}/entries/{conflicted}")
    assert denied.status == 403

    page.goto("/judge/score-sheets")
    page.click("text=评分成果")
    total = page.locator("#score-total")
    expect(total).to_have_text("0")
    page.fill("#item_topic_selection", "18")
    expect(total).to_have_text("18")
    page.fill("#item_best_solution", "25.5")
    expect(total).to_have_text("43.5")
    expect(page.locator("#item_best_solution")).to_have_attribute("max", "30")
    # Over an item's maximum: the service refuses it and the page shows it beside the item.
    page.fill("#item_countermeasures", "21")
    page.fill("#item_effect", "12")
    page.fill("#item_report", "4")
    page.fill("#item_features", "8")
    expect(total).to_have_text("88.5")
    page.click("#score-submit")
    expect(page.locator("#item_countermeasures-error")).to_contain_text("20")
    expect(page.locator("#item_topic_selection")).to_have_value("18")
    page.fill("#item_countermeasures", "17")
    expect(total).to_have_text("84.5")
    page.fill("#comment", "方案比选充分")
    page.click("#score-submit")
    expect(page.locator("#score-saved")).to_be_visible()
    others = page.locator("#others-table")
    expect(others).to_contain_text("赵评审")
    expect(others).to_contain_text("84.5")
    expect(page.locator("#conflict-form")).to_have_count(0)

    page.click("nav.sidenav >> text=我的评审任务")
    expect(page.locator(f"#round-{review['id']} .progress-line")).to_have_text("已评 1 / 共 1")
    assert scored in page.content()
    screenshot(page, "judge-declares-conflict-and-scores")


def test_an_organiser_sees_the_leaderboard_chart(page, stack, organiser_account):
    conference = open_conference(stack, judges_per_entry=1)
    result_id, _ = enterprise_with_result(stack, conference["id"], "图表成果")
    judge_id, _, _, judge = registered_judge(stack)
    review = open_review(stack, conference["id"], [judge_id])
    assert requests.put(f"{stack.api}/qc/rounds/{review['id']}/entries/{result_id}/score", headers=judge,
                        json={"items": scores_totalling("qc-innovative", 77)}).ok

    page.goto("/login")
    page.fill("#username", organiser_account[0])
    page.fill("#password", organiser_account[1])
    page.click("#login-submit")
    page.click("nav.sidenav a[href='/organiser/qc']")
    page.click(f"text={conference['name']}")
    page.click(f"#round-list a[href='/organiser/qc/rounds/{review['id']}']")
    expect(page.locator("#leaderboard tbody tr").first).to_contain_text("77")
    # Chart.js (vendored) drew the bar chart from the data attribute under the portal's CSP.
    page.wait_for_function("() => Chart.getChart(document.getElementById('leaderboard-chart')) !== undefined")
    values = page.evaluate("() => Chart.getChart(document.getElementById('leaderboard-chart')).data.datasets[0].data")
    assert values == [77]
    screenshot(page, "organiser-qc-leaderboard")
