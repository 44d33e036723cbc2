"""qc's pure rules: steps, members, deadlines, shortlist, final round."""
from datetime import UTC, datetime, timedelta

import pytest

from services.qc import domain
from shared.errors import RuleViolation, ValidationFailed


def steps(group_type, names=None):
    return [{"step": name, "content": "..."} for name in (names or domain.STEPS[group_type])]


@pytest.mark.parametrize("group_type", domain.GROUP_TYPES)
def test_complete_steps_in_order_pass(group_type):
    domain.check_steps(group_type, steps(group_type))


def test_types_share_the_later_problem_solving_steps():
    assert domain.STEPS[domain.PROBLEM_SELF_SET][3:] == domain.STEPS[domain.PROBLEM_ASSIGNED][3:]
    assert domain.STEPS[domain.PROBLEM_ASSIGNED][:3] == ["选择课题", "设定目标", "目标可行性论证"]
    assert domain.STEPS[domain.INNOVATIVE][-2:] == ["标准化", "总结和下一步打算"]


def test_each_missing_step_is_its_own_field():
    names = [n for n in domain.STEPS[domain.INNOVATIVE] if n not in ("标准化", "效果检查")]
    with pytest.raises(ValidationFailed) as raised:
        domain.check_steps(domain.INNOVATIVE, steps(domain.INNOVATIVE, names))
    assert set(raised.value.fields) == {"steps.标准化", "steps.效果检查"}


def test_order_repeats_and_foreign_steps_are_refused():
    order = list(domain.STEPS[domain.PROBLEM_SELF_SET])
    order[0], order[-1] = order[-1], order[0]
    with pytest.raises(ValidationFailed) as raised:
        domain.check_steps(domain.PROBLEM_SELF_SET, steps(domain.PROBLEM_SELF_SET, order))
    assert list(raised.value.fields) == ["steps"]
    repeated = domain.STEPS[domain.PROBLEM_SELF_SET] + ["原因分析"]
    with pytest.raises(ValidationFailed) as raised:
        domain.check_steps(domain.PROBLEM_SELF_SET, steps(domain.PROBLEM_SELF_SET, repeated))
    assert "原因分析" in raised.value.fields["steps"][0]


@pytest.mark.parametrize("roles, problems", [
    (["leader", "member"], 0), (["member"], 1), (["leader", "leader"], 1),
    (["leader", "counsellor", "counsellor"], 1), (["counsellor", "counsellor"], 2),
])
def test_members_need_one_leader_and_at_most_one_counsellor(roles, problems):
    members = [{"name": str(n), "role": role} for n, role in enumerate(roles)]
    if problems == 0:
        domain.check_members(members)
        return
    with pytest.raises(ValidationFailed) as raised:
        domain.check_members(members)
    assert len(raised.value.fields["members"]) == problems


def test_lock_is_deadline_plus_grace():
    deadline = datetime(2026, 9, 1, 12, tzinfo=UTC)
    conference = {"submission_deadline": deadline, "grace_minutes": 15}
    assert not domain.is_locked(conference, deadline + timedelta(minutes=14, seconds=59))
    assert domain.is_locked(conference, deadline + timedelta(minutes=15))
    with pytest.raises(RuleViolation):
        domain.check_open_for_submissions(conference, deadline + timedelta(hours=1))
    submitted = {"status": "submitted"}
    assert domain.result_status(submitted, conference, deadline) == "submitted"
    assert domain.result_status(submitted, conference, deadline + timedelta(hours=1)) == "locked"
    assert domain.result_status({"status": "draft"}, conference, deadline + timedelta(hours=1)) == "draft"


def test_registration_number_format():
    assert domain.registration_number(2026, "630100", 7) == "QC-2026-630100-0007"


def test_shortlist_by_rank_keeps_ties_and_by_threshold():
    board = [{"result_id": "a", "score": 90, "rank": 1}, {"result_id": "b", "score": 85, "rank": 2},
             {"result_id": "c", "score": 85, "rank": 2}, {"result_id": "d", "score": 70, "rank": 4},
             {"result_id": "e", "score": None, "rank": None}]
    assert domain.shortlist(board, top_n=2) == ["a", "b", "c"]
    assert domain.shortlist(board, threshold=80) == ["a", "b", "c"]
    assert domain.shortlist(board, threshold=95) == []


def test_grades_come_from_the_presentation_round_when_there_is_one():
    review = {"kind": domain.DOCUMENT_REVIEW}
    presentation = {"kind": domain.PRESENTATION}
    assert domain.final_round([review]) is review
    assert domain.final_round([review, presentation]) is presentation
    assert domain.final_round([]) is None


def test_sheets_by_type_and_round():
    assert domain.sheet_for(domain.DOCUMENT_REVIEW, domain.PROBLEM_ASSIGNED).code == "qc-problem-solving"
    assert domain.sheet_for(domain.DOCUMENT_REVIEW, domain.INNOVATIVE).code == "qc-innovative"
    assert domain.sheet_for(domain.PRESENTATION, domain.INNOVATIVE).code == "qc-presentation"


def test_a_judge_reads_files_only_through_an_unconflicted_assignment():
    from shared.auth import Identity

    judge = Identity(user_id="u", role="judge", judge_id="j1")
    assigned = {"entries": {"r1": {}}, "panels": {"r1": ["j1"]}, "conflicts": []}
    other = {"entries": {"r1": {}}, "panels": {"r1": ["j2"]}, "conflicts": []}
    conflicted = {"entries": {"r1": {}}, "panels": {"r1": []},
                  "conflicts": [{"result_id": "r1", "judge_id": "j1", "reason": "same_employer"}]}
    assert domain.judge_may_read_result(judge, [assigned], "r1")
    assert not domain.judge_may_read_result(judge, [other], "r1")
    assert not domain.judge_may_read_result(judge, [conflicted, assigned], "r1")
    assert not domain.judge_may_read_result(judge, [], "r1")
