from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.judging import (
    Graded,
    GradingError,
    GradingRule,
    Ranked,
    apply_rule,
    grade_by_percentile,
    grade_by_quota,
    grade_by_thresholds,
    quota_count,
    rank,
    rule_from_dict,
    rule_to_dict,
    score_percentile,
)

TEN = {"A": 95, "B": 90, "C": 88, "D": 85, "E": 85, "F": 80, "G": 78, "H": 75, "I": 70, "J": 60}
QC_QUOTAS = [("一等奖", 0.10), ("二等奖", 0.30), ("三等奖", None)]

results_st = st.dictionaries(
    st.text("abcdefghij", min_size=1, max_size=2),
    st.integers(0, 20).map(lambda n: 80 + n / 2),  # few distinct values, so plenty of ties
    max_size=25,
)


def grades(graded):
    return {g.entry_id: g.grade for g in graded}


# -- rank -----------------------------------------------------------------------------


def test_standard_competition_ranking():
    assert rank({"d": 70, "c": 85, "a": 90, "b": 85}) == [
        Ranked(1, "a", 90),
        Ranked(2, "b", 85),
        Ranked(2, "c", 85),
        Ranked(4, "d", 70),
    ]


def test_ints_and_floats_of_equal_value_tie():
    ranked = rank({"x": 90, "y": 90.0, "z": Decimal("90.00")})
    assert [r.rank for r in ranked] == [1, 1, 1]


def test_rank_edge_cases():
    assert rank({}) == []
    with pytest.raises(GradingError, match="entry 'b'"):
        rank({"a": 1, "b": float("nan")})


@given(results_st, st.randoms(use_true_random=False))
def test_ranking_is_stable_under_permutation(results, shuffler):
    items = list(results.items())
    shuffler.shuffle(items)
    assert rank(dict(items)) == rank(results)


@given(results_st)
def test_ranking_invariants(results):
    ranked = rank(results)
    assert sorted(r.entry_id for r in ranked) == sorted(results)
    for position, (previous, this) in enumerate(pairwise(ranked), start=1):
        assert this.score <= previous.score
        if this.score == previous.score:
            assert this.rank == previous.rank and this.entry_id > previous.entry_id
        else:
            assert this.rank == position + 1


# -- thresholds --------------------------------------------------------------------------


def test_grade_by_thresholds():
    ranked = rank({"a": 92, "b": 90, "c": 89.99, "d": 70, "e": 69.5})
    graded = grade_by_thresholds(ranked, [("一等奖", 90), ("二等奖", 80), ("三等奖", 70)])
    assert graded[0] == Graded(1, "a", 92, "一等奖")
    assert grades(graded) == {"a": "一等奖", "b": "一等奖", "c": "二等奖", "d": "三等奖", "e": None}
    with_encouragement = grade_by_thresholds(ranked, [("一等奖", 90)], encouragement="鼓励奖")
    assert grades(with_encouragement)["e"] == "鼓励奖"


@pytest.mark.parametrize(
    ("levels", "encouragement", "message"),
    [
        ([], None, "at least one grade"),
        ({"一等奖": 90}, None, "list of"),
        ([("一等奖", 80), ("二等奖", 90)], None, "strictly decrease"),
        ([("一等奖", 90), ("二等奖", 90)], None, "strictly decrease"),
        ([("一等奖", 90), ("一等奖", 80)], None, "unique"),
        ([("", 90)], None, "non-empty strings"),
        ([("一等奖",)], None, r"\(grade, value\) pair"),
        ([("一等奖", "90")], None, "finite number"),
        ([("一等奖", 90)], "一等奖", "repeats a grade"),
        ([("一等奖", 90)], "", "encouragement must be"),
    ],
)
def test_threshold_errors(levels, encouragement, message):
    with pytest.raises(GradingError, match=message):
        grade_by_thresholds([], levels, encouragement)


# -- percentile ---------------------------------------------------------------------------


def test_score_percentile_interpolates_like_percentile_inc():
    assert score_percentile([10, 20, 30, 40], 50) == 25
    assert score_percentile([40, 10, 30, 20], 90) == Decimal("37")
    assert score_percentile([10, 20, 30, 40], 100) == 40
    assert score_percentile([10, 20, 30, 40], 0) == 10
    assert score_percentile([7], 75) == 7
    with pytest.raises(GradingError):
        score_percentile([], 50)


def test_grade_by_percentile():
    ranked = rank({f"e{s:03d}": s for s in range(0, 101, 10)})
    graded = grade_by_percentile(ranked, [("一等奖", 90), ("二等奖", 60), ("三等奖", 30)], "鼓励奖")
    by_grade = {}
    for g in graded:
        by_grade.setdefault(g.grade, []).append(g.score)
    assert by_grade == {
        "一等奖": [100, 90],
        "二等奖": [80, 70, 60],
        "三等奖": [50, 40, 30],
        "鼓励奖": [20, 10, 0],
    }
    assert grade_by_percentile([], [("一等奖", 90)]) == []


def test_percentile_ties_share_a_grade():
    ranked = rank({"a": 90, "b": 90, "c": 80, "d": 70})
    graded = grade_by_percentile(ranked, [("一等奖", 90)])
    assert grades(graded) == {"a": "一等奖", "b": "一等奖", "c": None, "d": None}


@pytest.mark.parametrize("levels", [[("一等奖", 101)], [("一等奖", -1)], [("一等奖", 50), ("二等奖", 60)]])
def test_percentile_errors(levels):
    with pytest.raises(GradingError):
        grade_by_percentile([], levels)


# -- quota ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "entries", "expected"),
    [
        (0.1, 10, 1),
        (0.3, 10, 3),
        (0.1, 15, 2),  # 1.5 rounds half up
        (0.3, 15, 5),  # 4.5 rounds half up
        (0.1, 3, 1),  # 0.3 would round to 0, but a non-zero share awards at least one
        (0.25, 2, 1),
        (0, 10, 0),
        (0.5, 0, 0),
    ],
)
def test_quota_count_rounds_half_up_with_a_floor_of_one(share, entries, expected):
    assert quota_count(share, entries) == expected


def test_quota_hand_computed_ten_entries():
    # 10% of 10 -> 1 first prize; 30% -> 3 second prizes, so places 2-4.
    # D and E tie for 4th: E also gets 二等奖 (4 > 3, allowed only for ties).
    graded = grade_by_quota(rank(TEN), QC_QUOTAS)
    assert [(g.rank, g.entry_id, g.grade) for g in graded] == [
        (1, "A", "一等奖"),
        (2, "B", "二等奖"),
        (3, "C", "二等奖"),
        (4, "D", "二等奖"),
        (4, "E", "二等奖"),
        (6, "F", "三等奖"),
        (7, "G", "三等奖"),
        (8, "H", "三等奖"),
        (9, "I", "三等奖"),
        (10, "J", "三等奖"),
    ]


def test_quota_tie_at_the_top_uses_places_of_the_next_grade():
    results = dict(TEN, B=95)  # A and B tie for first
    graded = grades(grade_by_quota(rank(results), QC_QUOTAS))
    assert [e for e, g in graded.items() if g == "一等奖"] == ["A", "B"]
    # Quotas are cumulative: first and second prizes together still cover 4 places.
    assert [e for e, g in graded.items() if g == "二等奖"] == ["C", "D", "E"]


def test_quota_ties_can_use_up_a_whole_grade():
    ranked = rank({"a": 9, "b": 9, "c": 9, "d": 5})
    graded = grades(grade_by_quota(ranked, [("一", 0.25), ("二", 0.25), ("三", None)]))
    assert graded == {"a": "一", "b": "一", "c": "一", "d": "三"}


def test_quota_without_rest_grade_uses_encouragement():
    quotas = [("一等奖", 0.1), ("二等奖", 0.2), ("三等奖", 0.3)]
    graded = grades(grade_by_quota(rank(dict(TEN, E=84)), quotas, encouragement="鼓励奖"))
    assert list(graded.values()) == ["一等奖"] + ["二等奖"] * 2 + ["三等奖"] * 3 + ["鼓励奖"] * 4
    assert list(grades(grade_by_quota(rank(dict(TEN, E=84)), quotas)).values())[-1] is None


def test_quota_shares_larger_than_the_field():
    graded = grades(grade_by_quota(rank({"a": 3, "b": 2}), [("一", 0.1), ("二", 0.1), ("三", 0.1)]))
    assert graded == {"a": "一", "b": "二"}
    assert grade_by_quota([], QC_QUOTAS) == []


@pytest.mark.parametrize(
    ("quotas", "encouragement", "message"),
    [
        ([("一", None), ("二", 0.1)], None, "only the last grade"),
        ([("一", 1.5)], None, "fraction in 0..1"),
        ([("一", -0.1)], None, "fraction in 0..1"),
        ([("一", 0.6), ("二", 0.5)], None, "more than 1"),
        (QC_QUOTAS, "鼓励奖", "takes the rest"),
        ([("一", "10%")], None, "finite number"),
    ],
)
def test_quota_errors(quotas, encouragement, message):
    with pytest.raises(GradingError, match=message):
        grade_by_quota([], quotas, encouragement)


quota_levels_st = st.lists(st.integers(0, 33).map(lambda n: n / 100), min_size=1, max_size=3).map(
    lambda shares: [(f"g{n}", share) for n, share in enumerate(shares)]
)


@given(results_st, quota_levels_st, st.booleans())
def test_quota_grades_exceed_quota_only_for_boundary_ties(results, levels, with_rest):
    if with_rest:
        levels = [*levels, ("rest", None)]
    ranked = rank(results)
    graded = grade_by_quota(ranked, levels)
    size = len(ranked)
    order = [grade for grade, _ in levels] + [None]
    indices = [order.index(g.grade) for g in graded]
    assert indices == sorted(indices), "grades follow the ranking"
    for previous, this in pairwise(graded):
        if this.rank == previous.rank:
            assert this.grade == previous.grade, "ties share a grade"
    boundary = 0
    for position, (grade, share) in enumerate(levels):
        given_so_far = sum(1 for i in indices if i <= position)
        if share is None:
            assert given_so_far == size
            continue
        boundary = min(size, boundary + quota_count(share, size))
        assert given_so_far >= boundary
        if given_so_far > boundary:
            # Everyone past the boundary is tied with the last place inside it.
            assert boundary > 0 and ranked[given_so_far - 1].rank == ranked[boundary - 1].rank
        own = sum(1 for g in graded if g.grade == grade)
        if own > quota_count(share, size):
            last = max(i for i, g in enumerate(graded) if g.grade == grade)
            assert ranked[last].rank == ranked[boundary - 1].rank


# -- grading rules as data ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {
            "method": "quota",
            "levels": [["一等奖", 0.1], ["二等奖", 0.3], ["三等奖", None]],
            "encouragement": None,
        },
        {"method": "thresholds", "levels": [["一等奖", 90], ["二等奖", 80]], "encouragement": "鼓励奖"},
        {"method": "percentile", "levels": [["一等奖", 90], ["二等奖", 50]], "encouragement": None},
    ],
)
def test_rule_round_trip_and_apply(data):
    rule = rule_from_dict(data)
    assert rule_to_dict(rule) == data
    assert rule_from_dict(rule_to_dict(rule)) == rule
    assert isinstance(rule.levels, tuple) and hash(rule)
    direct = {"quota": grade_by_quota, "thresholds": grade_by_thresholds, "percentile": grade_by_percentile}
    ranked = rank(TEN)
    assert apply_rule(rule, ranked) == direct[data["method"]](ranked, data["levels"], data["encouragement"])


def test_rule_encouragement_defaults_to_none():
    assert rule_from_dict({"method": "thresholds", "levels": [["一等奖", 90]]}).encouragement is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "lottery", "levels": [["一等奖", 1]]}, "unknown grading method 'lottery'"),
        ({"method": "quota", "levels": [["一等奖", 2]]}, "fraction in 0..1"),
        ({"method": "thresholds", "levels": [["一等奖", 70], ["二等奖", 80]]}, "strictly decrease"),
        ({"method": "quota"}, "missing levels"),
        ({"method": "quota", "levels": [], "extra": 1}, "unknown keys extra"),
        (["quota"], "must be an object"),
    ],
)
def test_rule_errors_are_caught_when_the_rule_is_built(data, message):
    with pytest.raises(GradingError, match=message):
        rule_from_dict(data)


def test_rule_built_directly_is_validated():
    with pytest.raises(GradingError, match="repeats a grade"):
        GradingRule("thresholds", [("一等奖", 90)], encouragement="一等奖")
