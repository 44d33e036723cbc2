"""qc on a real store and broker: projections, groups, conferences, results and their rules."""
import base64
from datetime import UTC, datetime, timedelta

import pytest

from services.qc import domain
from services.qc.service import QcService
from shared.errors import NotFound, PermissionDenied, RuleViolation, ValidationFailed
from tests.qcsupport import QcClient, complete_steps


@pytest.fixture
def qc(container_factory, service_config, auth_secret):
    container = container_factory(QcService, service_config("qc"))
    container.start()
    return QcClient(container, auth_secret)


@pytest.fixture
def qc_db(mongo_client, service_config):
    return mongo_client[service_config("qc")["MONGO_DATABASE"]]


@pytest.fixture
def organiser(qc):
    return qc.token("organiser")


def test_projections_are_idempotent(qc, qc_db):
    from services.accounts.events import ENTERPRISE_REGISTERED
    from shared.events import make_event

    event = make_event(ENTERPRISE_REGISTERED, "accounts", {
        "enterprise_id": "e1", "user_id": "u1", "name": "青海一号有限公司", "uscc": "91630100MA7XQ0NN3J",
        "division_code": "632800", "industry_code": "B", "size": None, "group_company": "青海盐湖集团",
        "contact_email": "a@b.cn"})
    for _ in range(3):
        qc.call("on_enterprise_registered", event)
    assert list(qc_db.enterprises.find()) == [{"_id": "e1", "name": "青海一号有限公司", "division_code": "632800",
                                               "industry_code": "B", "group_company": "青海盐湖集团"}]
    assert qc_db.processed_events.count_documents({}) == 1
    judge_id, _ = qc.judge(name="赵专家", expertise=["B", "C"], employer="e1")
    judge = qc_db.judges.find_one({"_id": judge_id})
    assert judge["name"] == "赵专家" and judge["employer_enterprise_id"] == "e1" and judge["expertise"] == ["B", "C"]


def test_groups_get_sequential_registration_numbers_per_division(qc):
    _, first = qc.enterprise(division_code="632800")
    _, second = qc.enterprise(division_code="632800")
    a = qc.group(first)
    b = qc.group(second)
    year = datetime.now(UTC).year
    assert a["reg_no"] == f"QC-{year}-632800-0001"
    assert b["reg_no"] == f"QC-{year}-632800-0002"
    assert a["enterprise_name"].startswith("青海测试企业")


def test_a_group_needs_exactly_one_leader(qc):
    _, token = qc.enterprise()
    body = {"name": "无组长小组", "topic": "课题", "type": domain.INNOVATIVE,
            "members": [{"name": "甲", "role": "member"}, {"name": "乙", "role": "counsellor"},
                        {"name": "丙", "role": "counsellor"}]}
    with pytest.raises(ValidationFailed) as raised:
        qc.call("create_group", body, token=token)
    assert len(raised.value.fields["members"]) == 2
    body["type"] = "quality_circle"
    with pytest.raises(ValidationFailed) as raised:
        qc.call("create_group", body, token=token)
    assert "type" in raised.value.fields


def test_enterprises_see_only_their_own_groups_and_results(qc, organiser):
    _, mine = qc.enterprise()
    _, theirs = qc.enterprise()
    conference = qc.conference(organiser)
    group = qc.group(mine)
    result = qc.submitted_result(mine, conference["id"])
    for method, args in (("get_group", (group["id"],)), ("get_result", (result["id"],)),
                         ("update_group", (group["id"], {"topic": "抢占"})), ("withdraw_result", (result["id"],))):
        with pytest.raises(NotFound):
            qc.call(method, *args, token=theirs)
    assert qc.call("list_groups", {}, token=theirs)["total"] == 0
    assert qc.call("list_results", {"enterprise_id": "ignored"}, token=mine)["total"] == 1
    assert qc.call("list_results", {}, token=theirs)["total"] == 0
    # organisers see all, filtered and paged
    qc.group(theirs, domain.INNOVATIVE)
    page = qc.call("list_groups", {"type": domain.INNOVATIVE, "page_size": 1}, token=organiser)
    assert page["total"] == 1 and page["items"][0]["type"] == domain.INNOVATIVE
    assert qc.call("list_groups", {}, token=organiser)["total"] == 3
    other_year = qc.conference(organiser, year=2025)
    assert [c["id"] for c in qc.call("list_conferences", {"year": 2025}, token=mine)["items"]] == [other_year["id"]]
    second = qc.submitted_result(mine, conference["id"])
    newest_first = qc.call("list_results", {"conference_id": conference["id"], "sort": "-submitted_at"},
                           token=organiser)["items"]
    assert [r["id"] for r in newest_first] == [second["id"], result["id"]]
    with pytest.raises(PermissionDenied):
        qc.call("create_conference", {}, token=mine)


def test_conference_defaults_and_grading_rule_validation(qc, organiser):
    conference = qc.conference(organiser)
    assert conference["aggregation"] == "trimmed_mean"
    assert conference["grading_rule"]["levels"] == [["一等奖", 0.1], ["二等奖", 0.3], ["三等奖", None]]
    assert conference["submissions_locked"] is False
    with pytest.raises(ValidationFailed) as raised:
        qc.conference(organiser, grading_rule={"method": "quota", "levels": [["一等奖", 0.8], ["二等奖", 0.5]]})
    assert "grading_rule" in raised.value.fields


def test_submission_names_the_missing_step(qc, organiser):
    _, token = qc.enterprise()
    conference = qc.conference(organiser)
    group = qc.group(token, domain.PROBLEM_ASSIGNED)
    steps = [step for step in complete_steps(domain.PROBLEM_ASSIGNED) if step["step"] != "目标可行性论证"]
    result = qc.call("create_result", {"conference_id": conference["id"], "group_id": group["id"],
                                       "title": "缩短交付周期", "steps": steps}, token=token)
    assert result["status"] == "draft"
    with pytest.raises(ValidationFailed) as raised:
        qc.call("submit_result", result["id"], token=token)
    assert list(raised.value.fields) == ["steps.目标可行性论证"]
    assert "目标可行性论证" in raised.value.fields["steps.目标可行性论证"][0]

    swapped = complete_steps(domain.PROBLEM_ASSIGNED)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    qc.call("update_result", result["id"], {"steps": swapped}, token=token)
    with pytest.raises(ValidationFailed) as raised:
        qc.call("submit_result", result["id"], token=token)
    assert "order" in raised.value.fields["steps"][0]

    # a self-set type's step is not one of an assigned-target group's steps
    extra = complete_steps(domain.PROBLEM_ASSIGNED) + [{"step": "现状调查", "content": "x"}]
    qc.call("update_result", result["id"], {"steps": extra}, token=token)
    with pytest.raises(ValidationFailed) as raised:
        qc.call("submit_result", result["id"], token=token)
    assert "现状调查" in raised.value.fields["steps"][0]

    qc.call("update_result", result["id"], {"steps": complete_steps(domain.PROBLEM_ASSIGNED)}, token=token)
    assert qc.call("submit_result", result["id"], token=token)["status"] == "submitted"


def test_submit_publishes_an_event_and_withdraw_returns_the_result(qc, organiser, qc_db):
    _, token = qc.enterprise()
    conference = qc.conference(organiser)
    result = qc.submitted_result(token, conference["id"], domain.INNOVATIVE)
    (record,) = list(qc_db.outbox.find({"event_type": "qc_result_submitted"}))
    assert record["envelope"]["payload"]["result_id"] == result["id"]
    with pytest.raises(RuleViolation):
        qc.call("update_result", result["id"], {"title": "改标题"}, token=token)
    assert qc.call("withdraw_result", result["id"], token=token)["status"] == "withdrawn"
    assert qc.call("update_result", result["id"], {"title": "改标题"}, token=token)["title"] == "改标题"
    assert qc.call("submit_result", result["id"], token=token)["status"] == "submitted"


def test_results_lock_at_the_deadline_plus_grace(qc, organiser):
    _, token = qc.enterprise()
    past = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    within_grace = qc.conference(organiser, submission_deadline=past, grace_minutes=30)
    result = qc.submitted_result(token, within_grace["id"])  # 10 min late, inside a 30 min grace
    assert result["status"] == "submitted"

    closed = qc.conference(organiser, submission_deadline=past, grace_minutes=5)
    with pytest.raises(RuleViolation):
        qc.submitted_result(token, closed["id"])

    locked = qc.call("close_submissions", within_grace["id"], token=organiser)
    assert locked["submissions_locked"] is True
    assert qc.call("get_result", result["id"], token=token)["status"] == "locked"
    with pytest.raises(RuleViolation):
        qc.call("withdraw_result", result["id"], token=token)


def test_attachments_have_an_allow_list_a_size_limit_and_owners(container_factory, service_config, auth_secret):
    container = container_factory(QcService, service_config("qc", QC_ATTACHMENT_MAX_BYTES=1000))
    container.start()
    qc = QcClient(container, auth_secret)
    organiser = qc.token("organiser")
    _, token = qc.enterprise()
    _, other = qc.enterprise()
    conference = qc.conference(organiser)
    group = qc.group(token)
    result = qc.call("create_result", {"conference_id": conference["id"], "group_id": group["id"],
                                       "title": "成果"}, token=token)

    def upload(content, content_type="application/pdf", filename="报告.pdf", who=token):
        return qc.call("add_attachment", result["id"], {
            "filename": filename, "content_type": content_type,
            "content": base64.b64encode(content).decode()}, token=who)

    pdf = b"%PDF-1.7\n" + b"x" * 100
    attachment = upload(pdf)
    assert attachment["size"] == len(pdf)
    with pytest.raises(ValidationFailed) as raised:
        upload(b"MZ\x90\x00" + b"x" * 10, "application/x-msdownload", "virus.exe")
    assert "content_type" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        upload(b"MZ\x90\x00", "application/pdf")  # claims PDF, is not
    assert "file" in raised.value.fields
    with pytest.raises(ValidationFailed) as raised:
        upload(b"%PDF-" + b"x" * 1000)
    assert "file" in raised.value.fields
    with pytest.raises(NotFound):
        upload(pdf, who=other)

    fetched = qc.call("get_attachment", result["id"], attachment["id"], token=token)
    assert base64.b64decode(fetched["content"]) == pdf and fetched["filename"] == "报告.pdf"
    assert qc.call("get_attachment", result["id"], attachment["id"], token=organiser)["size"] == len(pdf)
    with pytest.raises(NotFound):
        qc.call("get_attachment", result["id"], attachment["id"], token=other)
    _, judge = qc.judge()
    with pytest.raises(PermissionDenied):
        qc.call("get_attachment", result["id"], attachment["id"], token=judge)
    assert [a["id"] for a in qc.call("get_result", result["id"], token=token)["attachments"]] == [attachment["id"]]

    qc.call("update_result", result["id"], {"steps": complete_steps(domain.PROBLEM_SELF_SET)}, token=token)
    qc.call("submit_result", result["id"], token=token)
    with pytest.raises(RuleViolation):
        upload(pdf)


def test_a_group_has_one_result_per_conference(qc, organiser, qc_db):
    from shared.errors import Conflict

    _, token = qc.enterprise()
    conference = qc.conference(organiser)
    first = qc.submitted_result(token, conference["id"])
    again = {"conference_id": conference["id"], "group_id": first["group_id"], "title": "第二份成果",
             "steps": complete_steps(domain.PROBLEM_SELF_SET)}
    with pytest.raises(Conflict) as raised:
        qc.call("create_result", again, token=token)
    assert "group_id" in raised.value.fields
    assert qc_db.results.count_documents({"group_id": first["group_id"]}) == 1
    # The same group may still enter another conference.
    other = qc.conference(organiser)
    assert qc.call("create_result", {**again, "conference_id": other["id"]}, token=token)["status"] == "draft"
