"""Ranking entries and turning ranks into grades (一等奖 / 二等奖 / 三等奖 ...).

Three grading methods, all taking the output of :func:`rank`:

* thresholds: a grade for every score at or above its minimum;
* percentile: the same, but each minimum is a percentile of this field's
  scores (linear interpolation, as Excel's PERCENTILE.INC / numpy default);
* quota: a share of the field per grade.

Entries that earn no grade get ``encouragement`` (e.g. 鼓励奖) if given,
else ``None``. Ties always share a grade: at a boundary they get the better one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .aggregation import as_decimal
from .conflicts import id_sort_key

GRADING_METHODS = ("thresholds", "percentile", "quota")


class GradingError(ValueError):
    """A grading rule or its parameters are malformed."""


class Ranked(NamedTuple):
    rank: int
    entry_id: Hashable
    score: float


class Graded(NamedTuple):
    rank: int
    entry_id: Hashable
    score: float
    grade: str | None


def rank(results: Mapping[Hashable, float]) -> list[Ranked]:
    """Standard competition ranking (1, 2, 2, 4), best score first.

    Scores are compared exactly as given, so pass the published (rounded)
    scores if equal-looking scores should tie. Tied entries are listed by
    entry id, which makes the output independent of the input order.
    """
    keyed = []
    for entry_id, score in results.items():
        try:
            keyed.append((as_decimal(score), entry_id, score))
        except (TypeError, ValueError) as exc:
            raise GradingError(f"entry {entry_id!r}: {exc}") from None
    keyed.sort(key=lambda item: (-item[0], id_sort_key(item[1])))
    ranked: list[Ranked] = []
    for position, (exact, entry_id, score) in enumerate(keyed):
        tied = ranked and exact == keyed[position - 1][0]
        ranked.append(Ranked(ranked[-1].rank if tied else position + 1, entry_id, score))
    return ranked


# -- validation of grade levels ------------------------------------------------


def _levels(levels, what: str) -> tuple[tuple[str, object], ...]:
    if not isinstance(levels, (list, tuple)):
        raise GradingError(f"{what} must be a list of (grade, value) pairs")
    pairs = []
    for level in levels:
        if not isinstance(level, (list, tuple)) or len(level) != 2:
            raise GradingError(f"{what}: each level must be a (grade, value) pair, got {level!r}")
        grade, value = level
        if not isinstance(grade, str) or not grade.strip():
            raise GradingError(f"{what}: grade names must be non-empty strings, got {grade!r}")
        pairs.append((grade, value))
    if not pairs:
        raise GradingError(f"{what} needs at least one grade")
    names = [grade for grade, _ in pairs]
    if len(set(names)) != len(names):
        raise GradingError(f"{what}: grade names must be unique")
    return tuple(pairs)


def _check_encouragement(encouragement, grades) -> None:
    if encouragement is None:
        return
    if not isinstance(encouragement, str) or not encouragement.strip():
        raise GradingError(f"encouragement must be a non-empty string, got {encouragement!r}")
    if encouragement in grades:
        raise GradingError(f"encouragement {encouragement!r} repeats a grade name")


def _number(value, what: str) -> Decimal:
    try:
        return as_decimal(value)
    except (TypeError, ValueError):
        raise GradingError(f"{what} must be a finite number, got {value!r}") from None


def _descending_cutoffs(levels, what: str, low=None, high=None) -> list[tuple[str, Decimal]]:
    cutoffs = []
    for grade, value in _levels(levels, what):
        exact = _number(value, f"{what}: value for {grade}")
        if (low is not None and exact < low) or (high is not None and exact > high):
            raise GradingError(f"{what}: value for {grade} must be within {low}..{high}, got {value!r}")
        if cutoffs and exact >= cutoffs[-1][1]:
            raise GradingError(f"{what}: values must strictly decrease from the best grade down")
        cutoffs.append((grade, exact))
    return cutoffs


def _quota_levels(levels, what: str) -> list[tuple[str, Decimal | None]]:
    pairs = _levels(levels, what)
    checked: list[tuple[str, Decimal | None]] = []
    for position, (grade, share) in enumerate(pairs):
        if share is None:
            if position != len(pairs) - 1:
                raise GradingError(f"{what}: only the last grade may take the rest (None)")
            checked.append((grade, None))
            continue
        exact = _number(share, f"{what}: share for {grade}")
        if not 0 <= exact <= 1:
            raise GradingError(f"{what}: share for {grade} must be a fraction in 0..1, got {share!r}")
        checked.append((grade, exact))
    if sum((share for _, share in checked if share is not None), Decimal(0)) > 1:
        raise GradingError(f"{what}: shares add up to more than 1")
    return checked


# -- grading -------------------------------------------------------------------


def _by_cutoffs(ranked, cutoffs, encouragement) -> list[Graded]:
    graded = []
    for item in ranked:
        score = as_decimal(item[2])
        grade = next((name for name, minimum in cutoffs if score >= minimum), encouragement)
        graded.append(Graded(item[0], item[1], item[2], grade))
    return graded


def grade_by_thresholds(
    ranked: Sequence[Ranked], thresholds, encouragement: str | None = None
) -> list[Graded]:
    """``thresholds`` like ``[("一等奖", 90), ("二等奖", 80), ("三等奖", 70)]``: the
    first grade whose minimum the score reaches (>=)."""
    cutoffs = _descending_cutoffs(thresholds, "thresholds")
    _check_encouragement(encouragement, [g for g, _ in cutoffs])
    return _by_cutoffs(ranked, cutoffs, encouragement)


def score_percentile(scores: Sequence, percent) -> Decimal:
    """The ``percent``-th percentile of ``scores``, interpolating linearly
    between the closest ranks (PERCENTILE.INC)."""
    ordered = sorted(as_decimal(s) for s in scores)
    if not ordered:
        raise GradingError("no scores to take a percentile of")
    position = (len(ordered) - 1) * as_decimal(percent) / 100
    below = math.floor(position)
    if below >= len(ordered) - 1:
        return ordered[-1]
    fraction = position - below
    return ordered[below] + fraction * (ordered[below + 1] - ordered[below])


def grade_by_percentile(
    ranked: Sequence[Ranked], percentiles, encouragement: str | None = None
) -> list[Graded]:
    """``percentiles`` like ``[("一等奖", 90), ("二等奖", 60), ("三等奖", 30)]``: a score
    at or above this field's 90th percentile earns 一等奖, and so on."""
    levels = _descending_cutoffs(percentiles, "percentiles", low=0, high=100)
    _check_encouragement(encouragement, [g for g, _ in levels])
    if not ranked:
        return []
    scores = [item[2] for item in ranked]
    cutoffs = [(grade, score_percentile(scores, pct)) for grade, pct in levels]
    return _by_cutoffs(ranked, cutoffs, encouragement)


def quota_count(share, entries: int) -> int:
    """How many entries a share of the field allows: ``share x entries`` rounded
    half up, but at least one when the share and the field are non-empty."""
    exact = as_decimal(share) * entries
    count = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(count, 1) if exact > 0 else 0


def grade_by_quota(ranked: Sequence[Ranked], quotas, encouragement: str | None = None) -> list[Graded]:
    """``quotas`` like ``[("一等奖", 0.10), ("二等奖", 0.30), ("三等奖", None)]``.

    Each share becomes a count with :func:`quota_count`; ``None`` (last only)
    takes everyone left. Quotas are cumulative: the first two grades above
    cover the best 1 + 3 places of 10. Entries tied with the last place inside
    a boundary get the better grade, which may exceed that grade's quota and
    then uses up places of the next grade, so ties never inflate the total
    number of higher awards beyond the tied group itself.
    """
    levels = _quota_levels(quotas, "quotas")
    grades = [grade for grade, _ in levels]
    _check_encouragement(encouragement, grades)
    if encouragement is not None and levels[-1][1] is None:
        raise GradingError(f"encouragement {encouragement!r} has no one left: {levels[-1][0]} takes the rest")
    size = len(ranked)
    assigned: list[str | None] = []
    boundary = 0
    for grade, share in levels:
        boundary = size if share is None else min(size, boundary + quota_count(share, size))
        end = boundary
        if end <= len(assigned):
            continue  # ties for a better grade already took these places
        # Everyone tied with the last place inside the boundary comes along.
        while end < size and ranked[end][0] == ranked[end - 1][0]:
            end += 1
        assigned.extend([grade] * (end - len(assigned)))
    assigned.extend([encouragement] * (size - len(assigned)))
    return [Graded(item[0], item[1], item[2], grade) for item, grade in zip(ranked, assigned, strict=True)]


# -- grading rules as data -----------------------------------------------------


@dataclass(frozen=True)
class GradingRule:
    """A stored grading rule: ``method`` is one of :data:`GRADING_METHODS` and
    ``levels`` the (grade, value) pairs that method takes."""

    method: str
    levels: tuple[tuple[str, object], ...]
    encouragement: str | None = None

    def __post_init__(self):
        if self.method not in GRADING_METHODS:
            raise GradingError(f"unknown grading method {self.method!r}; use one of {GRADING_METHODS}")
        levels = tuple((grade, value) for grade, value in _levels(self.levels, "levels"))
        object.__setattr__(self, "levels", levels)
        # Grade an empty field once, purely to run the method's own checks now
        # rather than when results are published.
        apply_rule(self, [])


def rule_from_dict(data: Mapping) -> GradingRule:
    """``{"method": "quota", "levels": [["一等奖", 0.1], ...], "encouragement": null}``."""
    if not isinstance(data, Mapping):
        raise GradingError("a grading rule must be an object")
    unknown = sorted(str(key) for key in data if key not in {"method", "levels", "encouragement"})
    if unknown:
        raise GradingError(f"grading rule: unknown keys {', '.join(unknown)}")
    missing = [key for key in ("method", "levels") if key not in data]
    if missing:
        raise GradingError(f"grading rule: missing {', '.join(missing)}")
    return GradingRule(data["method"], data["levels"], data.get("encouragement"))


def rule_to_dict(rule: GradingRule) -> dict:
    """Plain data for storage; ``rule_from_dict`` reverses it."""
    return {
        "method": rule.method,
        "levels": [[grade, value] for grade, value in rule.levels],
        "encouragement": rule.encouragement,
    }


def apply_rule(rule: GradingRule, ranked: Sequence[Ranked]) -> list[Graded]:
    """Grade ``ranked`` with a stored rule."""
    grader = {
        "thresholds": grade_by_thresholds,
        "percentile": grade_by_percentile,
        "quota": grade_by_quota,
    }[rule.method]
    return grader(ranked, rule.levels, rule.encouragement)
