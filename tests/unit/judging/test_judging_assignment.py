import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.judging import (
    AssignmentError,
    Entry,
    Judge,
    apply_override,
    assign,
    detect_conflicts,
    industry_section,
    judge_loads,
)

ASSIGNMENT_SETTINGS = settings(max_examples=60, deadline=None)


def make_entries(count, industries="C"):
    return [
        Entry(f"e{n:02d}", enterprise_id=f"ent{n}", industry_code=industries[n % len(industries)])
        for n in range(count)
    ]


def make_judges(count, expertise=()):
    return [Judge(f"j{n:02d}", employer_id=f"emp{n}", expertise=expertise) for n in range(count)]


# -- basics -------------------------------------------------------------------------


def test_each_entry_gets_k_distinct_unconflicted_judges_within_even_cap():
    entries, judges = make_entries(7), make_judges(5)
    conflicts = {("e00", "j00"), ("e01", "j00"), ("e01", "j01"), ("e06", "j04")}
    result = assign(entries, judges, 3, conflicts)
    assert list(result) == [e.id for e in entries]
    for entry_id, panel in result.items():
        assert len(panel) == 3 == len(set(panel))
        assert panel == sorted(panel)
        assert not any((entry_id, j) in conflicts for j in panel)
    assert max(judge_loads(result).values()) <= math.ceil(21 / 5)


def test_load_is_spread_as_evenly_as_possible():
    # 10 places over 4 judges: 3,3,2,2 rather than 3,3,3,1.
    result = assign(make_entries(5), make_judges(4), 2, conflicts={})
    assert sorted(judge_loads(result).values()) == [2, 2, 3, 3]


def test_expertise_match_is_preferred():
    entries = make_entries(4, industries="CD")
    judges = [
        Judge("chem1", expertise={"C"}),
        Judge("chem2", expertise={"C"}),
        Judge("power1", expertise={"D"}),
        Judge("power2", expertise={"D"}),
    ]
    result = assign(entries, judges, 2, conflicts={})
    assert result == {
        "e00": ["chem1", "chem2"],
        "e01": ["power1", "power2"],
        "e02": ["chem1", "chem2"],
        "e03": ["power1", "power2"],
    }


def test_expertise_never_overrides_the_load_cap():
    entries = make_entries(4, industries="C")
    judges = [Judge("expert", expertise={"C"}), Judge("b"), Judge("c"), Judge("d")]
    result = assign(entries, judges, 1, conflicts={})
    assert judge_loads(result)["expert"] == 1


def test_expertise_argument_overrides_judge_records():
    entries = make_entries(2, industries="CD")
    judges = [{"id": "x"}, {"id": "y", "expertise": {"C"}}]
    result = assign(entries, judges, 1, conflicts={}, expertise={"x": ["c"], "y": ["d"]})
    assert result == {"e00": ["x"], "e01": ["y"]}


def test_larger_load_cap_lets_experts_take_more():
    entries = make_entries(4, industries="C")
    judges = [Judge("a"), Judge("b"), Judge("expert", expertise={"C"})]
    result = assign(entries, judges, 1, conflicts={}, load_cap=4)
    assert judge_loads(result) == {"expert": 4}


def test_same_input_in_any_order_gives_same_assignment():
    entries = make_entries(9, industries="CDE")
    judges = [Judge(f"j{n}", employer_id=f"ent{n}", expertise={"CDE"[n % 3]}) for n in range(6)]
    conflicts = detect_conflicts(entries, judges)
    expected = assign(entries, judges, 3, conflicts)
    shuffler = random.Random(7)
    for _ in range(5):
        shuffler.shuffle(entries)
        shuffler.shuffle(judges)
        assert assign(entries, judges, 3, conflicts) == expected


def test_zero_judges_per_entry_and_no_entries():
    assert assign(make_entries(2), make_judges(1), 0, {}) == {"e00": [], "e01": []}
    assert assign([], make_judges(1), 2, {}) == {}


def test_industry_section():
    assert industry_section("C1310") == "C"
    assert industry_section(" d ") == "D"
    assert industry_section("1310") is None
    assert industry_section("Z") is None
    assert industry_section("") is None
    assert industry_section(None) is None


def test_judge_loads_sorted_by_judge():
    assert list(judge_loads({"e1": ["b", "a"], "e2": ["a"]}).items()) == [("a", 2), ("b", 1)]


# -- infeasible input ----------------------------------------------------------------


def test_more_judges_per_entry_than_judges():
    with pytest.raises(AssignmentError, match="k=3 judges per entry, but only 2 judges"):
        assign(make_entries(1), make_judges(2), 3, {})


def test_entry_without_enough_unconflicted_judges_is_named():
    conflicts = {("e01", "j00"), ("e01", "j01")}
    with pytest.raises(AssignmentError, match="fewer than 2 non-conflicted judges for entries 'e01'"):
        assign(make_entries(3), make_judges(3), 2, conflicts)


def test_long_lists_of_short_entries_are_abbreviated():
    conflicts = {(f"e{n:02d}", "j00") for n in range(12)}
    with pytest.raises(AssignmentError, match="and 2 more"):
        assign(make_entries(12), make_judges(1), 1, conflicts)


def test_explicit_load_cap_too_low():
    with pytest.raises(AssignmentError, match="load_cap=2 is too low: 3 judges x 2 = 6 places for 8"):
        assign(make_entries(4), make_judges(3), 2, {}, load_cap=2)


def test_conflicts_that_break_the_even_cap_suggest_a_cap():
    # Only j00 may judge e00..e02, so it needs 3 entries; the even cap is 2.
    conflicts = {(f"e{n:02d}", j) for n in range(3) for j in ("j01", "j02")}
    with pytest.raises(AssignmentError, match="smallest load_cap that works is 3"):
        assign(make_entries(4), make_judges(3), 1, conflicts)
    result = assign(make_entries(4), make_judges(3), 1, conflicts, load_cap=3)
    assert [result[f"e{n:02d}"] for n in range(3)] == [["j00"]] * 3


@pytest.mark.parametrize(("k", "load_cap"), [(-1, None), (True, None), (1.5, None), (1, 0)])
def test_bad_counts(k, load_cap):
    with pytest.raises(AssignmentError, match="must be an integer"):
        assign(make_entries(2), make_judges(2), k, {}, load_cap=load_cap)


def test_duplicate_or_missing_ids():
    with pytest.raises(AssignmentError, match="duplicate entry id 'e00'"):
        assign(make_entries(1) * 2, make_judges(2), 1, {})
    with pytest.raises(AssignmentError, match="duplicate judge id"):
        assign(make_entries(1), make_judges(1) * 2, 1, {})
    with pytest.raises(AssignmentError, match="every judge needs an id"):
        assign(make_entries(1), [{"employer_id": "x"}], 1, {})


# -- overrides -------------------------------------------------------------------------


BASE = {"e1": ["j1", "j2"], "e2": ["j2", "j3"]}


def test_override_adds_and_removes_without_touching_the_original():
    result = apply_override(BASE, "e1", add=["j4"], remove=["j1"], conflicts={})
    assert result == {"e1": ["j2", "j4"], "e2": ["j2", "j3"]}
    assert BASE == {"e1": ["j1", "j2"], "e2": ["j2", "j3"]}
    result["e2"].append("x")
    assert BASE["e2"] == ["j2", "j3"]


def test_override_refuses_a_conflicted_judge_with_the_reason():
    conflicts = {("e1", "j4"): "same_employer"}
    with pytest.raises(AssignmentError, match=r"judge 'j4' has a conflict with entry 'e1' \(same_employer\)"):
        apply_override(BASE, "e1", add=["j4"], conflicts=conflicts)
    with pytest.raises(AssignmentError, match=r"\(conflict\)"):
        apply_override(BASE, "e1", add=["j4"], conflicts={("e1", "j4")})


@pytest.mark.parametrize(
    ("entry_id", "add", "remove", "message"),
    [
        ("e9", [], [], "entry 'e9' is not in the assignment"),
        ("e1", ["j2"], [], "already on entry 'e1'"),
        ("e1", [], ["j3"], "not on entry 'e1'"),
        ("e1", ["j3"], ["j3"], "both added and removed"),
        ("e1", ["j5", "j5"], [], "add lists a judge twice"),
    ],
)
def test_override_refuses_mistakes(entry_id, add, remove, message):
    with pytest.raises(AssignmentError, match=message):
        apply_override(BASE, entry_id, add=add, remove=remove, conflicts={})


def test_override_requires_conflicts():
    with pytest.raises(TypeError):
        apply_override(BASE, "e1", add=["j4"])


# -- properties ---------------------------------------------------------------------------


@st.composite
def instances(draw, max_entries=8, max_judges=7, max_k=3):
    entry_count = draw(st.integers(1, max_entries))
    judge_count = draw(st.integers(1, max_judges))
    k = draw(st.integers(1, min(max_k, judge_count)))
    entries = [
        Entry(f"e{n}", enterprise_id=f"ent{n}", industry_code=draw(st.sampled_from("CDE")))
        for n in range(entry_count)
    ]
    judges = [
        Judge(f"j{n}", expertise=draw(st.sets(st.sampled_from("CDE"), max_size=2)))
        for n in range(judge_count)
    ]
    pairs = [(e.id, j.id) for e in entries for j in judges]
    conflicts = draw(st.sets(st.sampled_from(pairs), max_size=len(pairs) // 3))
    load_cap = draw(st.none() | st.integers(1, entry_count))
    return entries, judges, k, conflicts, load_cap


@ASSIGNMENT_SETTINGS
@given(instances())
def test_assignment_properties(instance):
    entries, judges, k, conflicts, load_cap = instance
    try:
        result = assign(entries, judges, k, conflicts, load_cap=load_cap)
    except AssignmentError:
        return
    cap = load_cap or math.ceil(k * len(entries) / len(judges))
    assert set(result) == {e.id for e in entries}
    for entry_id, panel in result.items():
        assert len(panel) == k == len(set(panel))
        assert not any((entry_id, j) in conflicts for j in panel)
    assert all(load <= cap for load in judge_loads(result).values())


def brute_force_best(entries, judges, k, conflicts, cap):
    """Lowest (expertise mismatches, load unevenness) over every assignment, or None."""
    section = {e.id: industry_section(e.industry_code) for e in entries}
    skills = {j.id: j.expertise for j in judges}
    options = [
        list(itertools.combinations([j.id for j in judges if (e.id, j.id) not in conflicts], k))
        for e in entries
    ]
    best = None
    for panels in itertools.product(*options):
        loads = {}
        for panel in panels:
            for j in panel:
                loads[j] = loads.get(j, 0) + 1
        if any(load > cap for load in loads.values()):
            continue
        score = score_of(dict(zip([e.id for e in entries], panels, strict=True)), section, skills)
        best = score if best is None or score < best else best
    return best


def score_of(assignment, section, skills):
    mismatches = sum(section[e] not in skills[j] for e, panel in assignment.items() for j in panel)
    unevenness = sum(load * (load - 1) // 2 for load in judge_loads(assignment).values())
    return mismatches, unevenness


@ASSIGNMENT_SETTINGS
@given(instances(max_entries=3, max_judges=4, max_k=2))
def test_assignment_is_optimal_and_feasibility_is_exact(instance):
    entries, judges, k, conflicts, load_cap = instance
    cap = min(load_cap or math.ceil(k * len(entries) / len(judges)), len(entries))
    best = brute_force_best(entries, judges, k, conflicts, cap)
    try:
        result = assign(entries, judges, k, conflicts, load_cap=load_cap)
    except AssignmentError:
        assert best is None
        return
    section = {e.id: industry_section(e.industry_code) for e in entries}
    skills = {j.id: j.expertise for j in judges}
    assert score_of(result, section, skills) == best


@ASSIGNMENT_SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_assignment_ignores_input_order(instance, shuffler):
    entries, judges, k, conflicts, load_cap = instance
    try:
        expected = assign(entries, judges, k, conflicts, load_cap=load_cap)
    except AssignmentError:
        return
    shuffler.shuffle(entries)
    shuffler.shuffle(judges)
    assert assign(entries, judges, k, conflicts, load_cap=load_cap) == expected
