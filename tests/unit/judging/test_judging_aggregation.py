import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.judging import (
    AggregationError,
    aggregate,
    disagreement,
    needs_consensus,
    normalise_by_judge,
    round_score,
)
from shared.judging.aggregation import as_decimal

scores_st = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.integers(0, 10000).map(lambda n: n / 100),
    min_size=1,
    max_size=9,
)


# -- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (2.675, 2, 2.68),  # a float that naive round() sends to 2.67
        (85.125, 2, 85.13),
        (85.124999, 2, 85.12),
        (-1.005, 2, -1.01),
        (Decimal("7.5"), 0, 8.0),
        (90, 2, 90.0),
        (1 / 3, 1, 0.3),
    ],
)
def test_round_score_rounds_half_up(value, places, expected):
    assert round_score(value, places) == expected


def test_as_decimal_is_exact_and_strict():
    assert as_decimal(0.1) == Decimal("0.1")
    assert as_decimal(3) == Decimal(3)
    with pytest.raises(TypeError):
        as_decimal(True)
    with pytest.raises(TypeError):
        as_decimal("1")
    with pytest.raises(ValueError, match="finite"):
        as_decimal(float("inf"))


# -- aggregate ------------------------------------------------------------------------


def test_trimmed_mean_drops_one_highest_and_one_lowest():
    assert aggregate({"a": 70, "b": 80, "c": 85.5, "d": 90}) == 82.75
    # Only one copy of a repeated extreme goes.
    assert aggregate({"a": 90, "b": 90, "c": 70, "d": 70}) == 80


def test_trimmed_mean_excludes_recused_judges_first():
    scores = {"a": 10, "b": 80, "c": 85, "d": 90, "e": 95}
    # Without a: 80, 85, 90, 95 -> trim to 85, 90.
    assert aggregate(scores, recused={"a", "zzz"}) == 87.5


@pytest.mark.parametrize(("scores", "expected"), [({"a": 80, "b": 91}, 85.5), ({"a": 77.7}, 77.7)])
def test_trimmed_mean_falls_back_to_mean_below_three_scores(scores, expected):
    assert aggregate(scores) == expected


def test_mean_and_median():
    scores = {"a": 70, "b": 80, "c": 85.5, "d": 92}
    assert aggregate(scores, method="mean") == 81.88  # 81.875 rounds half up
    assert aggregate(scores, method="median") == 82.75
    assert aggregate({"a": 3, "b": 1, "c": 2}, method="median") == 2


def test_full_precision_on_request():
    assert aggregate({"a": 80, "b": 81, "c": 81.5, "d": 82, "e": 90}, places=None) == pytest.approx(81.5)
    assert aggregate({"a": 1, "b": 2, "c": 2}, method="mean", places=None) == pytest.approx(5 / 3)


def test_aggregate_errors():
    with pytest.raises(AggregationError, match="unknown aggregation method 'mode'"):
        aggregate({"a": 1}, method="mode")
    with pytest.raises(AggregationError, match="no scores to aggregate"):
        aggregate({"a": 1}, recused={"a"})
    with pytest.raises(AggregationError, match="judge 'b'"):
        aggregate({"a": 1, "b": float("nan")})
    with pytest.raises(TypeError, match="mapping"):
        aggregate([80, 90])


@given(scores_st, st.sampled_from(["trimmed_mean", "mean", "median"]))
def test_aggregate_lies_within_the_scores(scores, method):
    value = aggregate(scores, method=method, places=None)
    assert min(scores.values()) - 1e-9 <= value <= max(scores.values()) + 1e-9


@given(scores_st)
def test_aggregate_ignores_judge_order(scores):
    reversed_scores = dict(reversed(list(scores.items())))
    assert aggregate(scores) == aggregate(reversed_scores)


# -- normalisation ----------------------------------------------------------------------


def test_normalisation_removes_a_lenient_judges_offset():
    matrix = {"e1": {"lenient": 80, "strict": 60}, "e2": {"lenient": 90, "strict": 70}}
    result = normalise_by_judge(matrix, 100)
    # Pooled mean 75, pooled sd sqrt(125); each judge's z-scores are -1 and +1.
    spread = math.sqrt(125)
    assert result["e1"] == pytest.approx({"lenient": 75 - spread, "strict": 75 - spread})
    assert result["e2"] == pytest.approx({"lenient": 75 + spread, "strict": 75 + spread})


def test_normalisation_clips_to_the_sheet_range():
    matrix = {f"e{n}": {"a": 100 if n == 0 else 0, "b": 90} for n in range(10)}
    result = normalise_by_judge(matrix, 100)
    # Pooled mean 50, pooled sd sqrt(2050) = 45.28. a's top score is 3 of its
    # own sds above its mean, and 50 + 3 * 45.28 would exceed 100.
    assert result["e0"]["a"] == 100
    assert result["e1"]["a"] == pytest.approx(50 - math.sqrt(2050) / 3)
    # b scored everyone alike: z = 0, so the pooled mean.
    assert result["e5"]["b"] == pytest.approx(50)


def test_normalisation_keeps_a_single_score_and_the_shape():
    matrix = {"e1": {"b": 70, "a": 50}, "e2": {"a": 60}, "e3": {}}
    result = normalise_by_judge(matrix, 100)
    assert result["e1"]["b"] == 70
    assert list(result) == ["e1", "e2", "e3"]
    assert list(result["e1"]) == ["b", "a"]
    assert result["e3"] == {}
    assert normalise_by_judge({}, 100) == {}
    assert normalise_by_judge({"e": {}}, 100) == {"e": {}}


@pytest.mark.parametrize(
    ("matrix", "total", "message"),
    [
        ({"e": {"a": 101}}, 100, "outside 0..100"),
        ({"e": {"a": -1}}, 100, "outside 0..100"),
        ({"e": {"a": "x"}}, 100, "entry 'e', judge 'a'"),
        ({"e": {"a": 1}}, 0, "sheet_total must be positive"),
    ],
)
def test_normalisation_errors(matrix, total, message):
    with pytest.raises(AggregationError, match=message):
        normalise_by_judge(matrix, total)


def test_normalisation_rows_must_be_mappings():
    with pytest.raises(TypeError, match="entry 'e'"):
        normalise_by_judge({"e": [1, 2]}, 100)


@given(
    st.dictionaries(
        st.sampled_from(["e1", "e2", "e3", "e4"]),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 100), max_size=3),
        max_size=4,
    )
)
def test_normalised_scores_stay_on_the_sheet(matrix):
    result = normalise_by_judge(matrix, 100)
    assert {e: set(row) for e, row in result.items()} == {e: set(row) for e, row in matrix.items()}
    assert all(0 <= v <= 100 for row in result.values() for v in row.values())


# -- disagreement ----------------------------------------------------------------------------


def test_disagreement_range_and_population_stdev():
    assert disagreement({"a": 80, "b": 90, "c": 85.5}) == (10.0, 4.09)
    assert disagreement({"a": 80, "b": 90, "c": 10}, recused={"c"}) == (10.0, 5.0)
    assert disagreement({"a": 80}) == (0.0, 0.0)
    value_range, stdev = disagreement({"a": 1, "b": 2, "c": 2}, places=None)
    assert value_range == 1 and stdev == pytest.approx(math.sqrt(2 / 9))


def test_disagreement_needs_scores():
    with pytest.raises(AggregationError, match="no scores to compare"):
        disagreement({})


def test_needs_consensus_strictly_above_threshold():
    scores = {"a": 80, "b": 90, "c": 85}
    assert not needs_consensus(scores, max_range=10)
    assert needs_consensus(scores, max_range=9.99)
    assert needs_consensus(scores, max_stdev=4)  # stdev is 4.08
    assert not needs_consensus(scores, max_range=10, max_stdev=5)
    assert not needs_consensus(scores, max_range=1, recused={"a", "b"})
    # Exact arithmetic: 90.1 - 80.1 is exactly 10, not 9.999999999999986.
    assert not needs_consensus({"a": 90.1, "b": 80.1}, max_range=10)


def test_needs_consensus_needs_a_threshold():
    with pytest.raises(AggregationError, match="max_range and/or max_stdev"):
        needs_consensus({"a": 1, "b": 2})
