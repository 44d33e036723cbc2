"""The QC pages' templates render with the qc service's response shapes, in both locales."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.portal import i18n, qc
from services.gateway.portal.entrypoint import PortalState, render
from services.gateway.portal.forms import Form
from services.qc import domain
from shared.auth import Identity
from shared.errors import ValidationFailed
from shared.judging import get_builtin_sheet, sheet_to_dict

CONFERENCE = {"id": "c1", "name": "发布会", "year": 2026, "locks_at": "2026-12-01T10:00:00+00:00",
              "submissions_locked": False, "judges_per_entry": 3, "aggregation": "trimmed_mean", "normalise": False,
              "disagreement_threshold": 15.0, "status": "open", "grading_rule": domain.DEFAULT_GRADING_RULE}
GROUP = {"id": "g1", "reg_no": "QC-2026-630100-001", "name": "小组", "topic": "课题", "type": domain.INNOVATIVE,
         "members": [{"name": "张", "role": "leader", "title": None}]}
RESULT = {"id": "r1", "conference_id": "c1", "title": "成果<b>", "group_name": "小组", "group_reg_no": "QC-1",
          "enterprise_name": "企业", "type": domain.INNOVATIVE, "status": "locked", "award": {},
          "steps": [{"step": "选择课题", "content": "x"}], "metrics": [], "economic_benefit": None, "summary": None}
ROUND = {"id": "rd1", "conference_id": "c1", "kind": "document_review", "status": "open",
         "panels": {"r1": ["j1"]}, "conflicts": []}
BOARD_ROW = {"result_id": "r1", "title": "成果", "group_name": "小组", "enterprise_name": "企业", "score": 80.5,
             "rank": 1, "range": 20.0, "flagged": True, "scored": 2, "assigned": 3}


def request_for(role, locale):
    request = Request(EnvironBuilder(path="/x").get_environ())
    request.portal = PortalState(locale=locale, identity=Identity("u", role, name="名"), token=None,
                                 session_key="k", csrf_token="t")
    return request


def pages():
    try:  # the service's own field errors for an empty result
        domain.check_steps(domain.INNOVATIVE, [])
    except ValidationFailed as failed:
        error = failed
    error.fields["item_topic_selection"] = ["too high"]
    sheet = sheet_to_dict(get_builtin_sheet("qc-innovative"))
    labels = qc.qc_labels()
    return [
        ("enterprise", "portal/qc/groups.html", dict(groups={"items": [GROUP]}, labels=labels, saved="g1")),
        ("enterprise", "portal/qc/group_form.html", dict(group=GROUP, form=Form(GROUP), labels=labels,
                                                         types=domain.GROUP_TYPES, roles=domain.ROLES, blank_rows=2)),
        ("enterprise", "portal/qc/group_form.html", dict(group=None, form=Form({}), labels=labels,
                                                         types=domain.GROUP_TYPES, roles=domain.ROLES, blank_rows=2)),
        ("enterprise", "portal/qc/results.html", dict(results={"items": [RESULT]}, groups=[GROUP],
                                                      conferences=[CONFERENCE], conference_names={"c1": "发布会"},
                                                      form=Form(), labels=labels)),
        ("enterprise", "portal/qc/result_form.html", dict(
            result=RESULT, steps=domain.STEPS[domain.INNOVATIVE], conference=CONFERENCE,
            form=Form({"metrics": [{"name": "能耗", "unit": None, "before": 1, "after": 0.5}]}, error),
            labels=labels, blank_rows=2, notice="submitted")),
        ("judge", "portal/qc/assignments.html", dict(rounds=[{
            "round_id": "rd1", "kind": "document_review", "assigned": 2, "scored": 1, "entries": [
                {"result_id": "r1", "title": "成果", "group_name": "小组", "type": domain.INNOVATIVE,
                 "scored": True}]}],
            pending_only=False, labels=labels, conflict="r1")),
        ("judge", "portal/qc/entry.html", dict(
            entry={"round_id": "rd1", "round_kind": "document_review", "round_status": "open", "result": RESULT,
                   "sheet": sheet, "my_score": None},
            others=[{"judge_name": "赵", "total": 80, "comment": None}], form=Form({}, error),
            conflict_form=Form(), labels=labels, steps_of_type=[], saved="1")),
        ("organiser", "portal/qc/conferences.html", dict(conferences={"items": [CONFERENCE]}, form=Form(),
                                                         labels=labels, default_rule=domain.DEFAULT_GRADING_RULE)),
        ("organiser", "portal/qc/conference.html", dict(conference=CONFERENCE, results={"items": [RESULT], "total": 1},
                                                        rounds=[ROUND], labels=labels, form=Form(), done="locked",
                                                        judges=[{"id": "j1", "name": "赵"}])),
        ("organiser", "portal/qc/round.html", dict(
            round=ROUND, conference=CONFERENCE, progress={"scored": 1, "assigned": 3, "judges": [
                {"judge_id": "j1", "name": "赵", "scored": 1, "assigned": 1}]},
            board=[BOARD_ROW], disagreements={"threshold": 15.0, "items": [BOARD_ROW]},
            chart={"labels": ['小组"<'], "scores": [80.5]}, judge_names={"j1": "赵", "j2": "钱"}, form=Form(),
            labels=labels, done="panel")),
        ("organiser", "portal/qc/grades.html", dict(conference=CONFERENCE, preview={
            "status": "preview", "items": [{**BOARD_ROW, "grade": "一等奖"}], "unscored": ["r2"]},
            form=Form(), labels=labels, done=None)),
    ]


@pytest.mark.parametrize("locale", list(i18n.LOCALES))
def test_every_qc_page_renders(locale):
    for role, template, context in pages():
        html = render(request_for(role, locale), template, **context).get_data(as_text=True)
        assert "成果&lt;b&gt;" in html or "成果<b>" not in html, template


def test_the_step_form_puts_the_services_step_error_beside_its_step():
    _, template, context = pages()[4]
    html = render(request_for("enterprise", "en"), template, **context).get_data(as_text=True)
    last = len(domain.STEPS[domain.INNOVATIVE]) - 1
    assert f'id="step_{last}-error">missing step: 总结和下一步打算</p>' in html
    assert 'id="step_0-error">missing step: 选择课题</p>' in html
    assert html.count('class="step-section') == len(domain.STEPS[domain.INNOVATIVE])


def test_the_leaderboard_data_is_an_attribute_not_an_inline_script():
    _, template, context = pages()[9]
    html = render(request_for("organiser", "zh-CN"), template, **context).get_data(as_text=True)
    assert 'data-chart="{&#34;labels&#34;: [&#34;\\u5c0f\\u7ec4\\&#34;\\u003c&#34;]' in html
    assert "<script>" not in html
