import pytest

from shared.judging import (
    SAME_DIVISION,
    SAME_EMPLOYER,
    SAME_GROUP_COMPANY,
    ConflictRules,
    DeclaredConflict,
    Entry,
    Judge,
    detect_conflicts,
    is_conflicted,
)

ENTRIES = [
    Entry("e1", enterprise_id="ent-a", division_code="630100", group_company="青海盐湖集团"),
    Entry("e2", enterprise_id="ent-b", division_code="632800", group_company=""),
    Entry("e3", enterprise_id="ent-c", division_code="630200"),
]
JUDGES = [
    Judge("j1", employer_id="ent-a", division_code="630200"),
    Judge("j2", employer_id="uni-x", division_code="630100", group_company=" 青海盐湖集团 "),
    Judge("j3", employer_id=None, division_code="632800", group_company=""),
]


def test_automatic_conflicts_by_default_rules():
    assert detect_conflicts(ENTRIES, JUDGES) == {
        ("e1", "j1"): SAME_EMPLOYER,
        ("e1", "j2"): SAME_GROUP_COMPANY,
    }


def test_blank_group_companies_and_missing_employers_never_match():
    entries = [Entry("e", enterprise_id=None, group_company="  ")]
    judges = [Judge("j", employer_id=None, group_company="")]
    assert detect_conflicts(entries, judges) == {}


def test_same_division_rule_when_enabled():
    conflicts = detect_conflicts(ENTRIES, JUDGES, ConflictRules(same_division=True))
    assert conflicts == {
        ("e1", "j1"): SAME_EMPLOYER,
        ("e1", "j2"): f"{SAME_GROUP_COMPANY}; {SAME_DIVISION}",
        ("e2", "j3"): SAME_DIVISION,
        ("e3", "j1"): SAME_DIVISION,
    }


def test_rules_can_switch_off_automatic_checks():
    rules = ConflictRules(same_employer=False, same_group_company=False)
    assert detect_conflicts(ENTRIES, JUDGES, rules) == {}


def test_declared_conflicts_merge_with_automatic_ones():
    declared = [
        DeclaredConflict("e1", "j1", "曾担任该企业顾问"),
        {"entry_id": "e3", "judge_id": "j3", "reason": "亲属在该企业任职"},
        ("e2", "j2", "参与过该课题指导"),
    ]
    conflicts = detect_conflicts(ENTRIES, JUDGES, declared=declared)
    assert conflicts == {
        ("e1", "j1"): f"{SAME_EMPLOYER}; declared: 曾担任该企业顾问",
        ("e1", "j2"): SAME_GROUP_COMPANY,
        ("e2", "j2"): "declared: 参与过该课题指导",
        ("e3", "j3"): "declared: 亲属在该企业任职",
    }


def test_declared_conflicts_as_mapping_and_repeats_recorded_once():
    declared = {("e3", "j2"): " 师生关系 "}
    conflicts = detect_conflicts(ENTRIES, JUDGES, declared=declared)
    assert conflicts[("e3", "j2")] == "declared: 师生关系"
    twice = detect_conflicts([], [], declared=[("e", "j", "x"), ("e", "j", "x")])
    assert twice == {("e", "j"): "declared: x"}


@pytest.mark.parametrize(
    "declaration",
    [("e1", "j1", ""), ("e1", "j1", None), (None, "j1", "reason"), {"entry_id": "e1", "reason": "r"}],
)
def test_declared_conflict_needs_ids_and_a_reason(declaration):
    with pytest.raises(ValueError, match="needs entry_id, judge_id and a reason"):
        detect_conflicts(ENTRIES, JUDGES, declared=[declaration])


def test_dict_records_are_accepted():
    entries = [{"id": 2, "enterprise_id": "ent"}, {"id": 1, "enterprise_id": "other"}]
    judges = [{"id": "j", "employer_id": "ent"}]
    assert detect_conflicts(entries, judges) == {(2, "j"): SAME_EMPLOYER}


def test_output_order_is_independent_of_input_order():
    forward = detect_conflicts(ENTRIES, JUDGES, ConflictRules(same_division=True))
    backward = detect_conflicts(ENTRIES[::-1], JUDGES[::-1], ConflictRules(same_division=True))
    assert list(forward.items()) == list(backward.items())


def test_is_conflicted_with_maps_and_sets():
    conflicts = detect_conflicts(ENTRIES, JUDGES)
    assert is_conflicted(conflicts, "e1", "j1")
    assert not is_conflicted(conflicts, "e2", "j1")
    assert is_conflicted({("e", "j")}, "e", "j")


def test_judge_expertise_becomes_frozen():
    judge = Judge("j", expertise=["C", "D"])
    assert judge.expertise == frozenset({"C", "D"})
    assert Judge("k", expertise=None).expertise == frozenset()
