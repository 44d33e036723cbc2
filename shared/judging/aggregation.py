"""Combining judges' scores for one entry, and spotting disagreement.

Arithmetic is done on exact decimals (floats enter through their shortest
repr, so 85.1 stays 85.1); only the values handed back are rounded.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext

METHODS = ("trimmed_mean", "mean", "median")

# Enough digits that intermediate means and square roots never lose anything
# visible at two decimals.
_PRECISION = 40


class AggregationError(ValueError):
    """Scores cannot be combined (none left, bad value, unknown method)."""


def as_decimal(value) -> Decimal:
    """Exact ``Decimal`` for a finite int, float or Decimal (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not exact.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return exact


def round_score(value, places: int = 2) -> float:
    """Round half up (85.125 -> 85.13), as people expect on a results sheet."""
    quantum = Decimal(1).scaleb(-places)
    return float(as_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))


def _finish(value: Decimal, places: int | None) -> float:
    return float(value) if places is None else round_score(value, places)


def _counted(scores: Mapping[Hashable, object], recused: Collection) -> list[Decimal]:
    if not isinstance(scores, Mapping):
        raise TypeError("scores must be a mapping of judge id to score")
    counted = []
    for judge, value in scores.items():
        if judge in recused:
            continue
        try:
            counted.append(as_decimal(value))
        except (TypeError, ValueError) as exc:
            raise AggregationError(f"judge {judge!r}: {exc}") from None
    return counted


def _mean(values: list[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return sum(values, Decimal(0)) / len(values)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return _mean(ordered[middle - 1 : middle + 1])


def _pstdev(values: list[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        centre = _mean(values)
        variance = sum(((v - centre) ** 2 for v in values), Decimal(0)) / len(values)
        return variance.sqrt()


def aggregate(
    scores: Mapping[Hashable, float],
    method: str = "trimmed_mean",
    recused: Collection = frozenset(),
    places: int | None = 2,
) -> float:
    """One score for an entry from its judges' scores.

    Recused judges are dropped first. ``trimmed_mean`` then drops one highest
    and one lowest score; with fewer than three scores left there is nothing
    sensible to trim, so it falls back to the plain mean. The result is
    rounded half up to ``places`` decimals (``None`` keeps full precision).
    """
    if method not in METHODS:
        raise AggregationError(f"unknown aggregation method {method!r}; use one of {METHODS}")
    values = _counted(scores, recused)
    if not values:
        raise AggregationError("no scores to aggregate after excluding recused judges")
    if method == "median":
        return _finish(_median(values), places)
    if method == "trimmed_mean" and len(values) >= 3:
        values = sorted(values)[1:-1]
    return _finish(_mean(values), places)


def normalise_by_judge(
    matrix: Mapping[Hashable, Mapping[Hashable, float]], sheet_total: float
) -> dict[Hashable, dict[Hashable, float]]:
    """Remove each judge's leniency or severity by per-judge z-scores.

    Each score becomes ``pooled_mean + z * pooled_std``, where ``z`` is the
    score's z-score among that judge's own scores and the pooled figures are
    taken over every raw score in the matrix (population standard deviations
    throughout). This keeps results on the sheet's familiar scale; values are
    clipped to ``[0, sheet_total]``.

    A judge with a single score has no spread to measure, so that score is
    kept as is. A judge who gave every entry the same score has z = 0 and
    maps to the pooled mean. Values are returned at full precision, since they
    feed :func:`aggregate`, which rounds.
    """
    total = as_decimal(sheet_total)
    if total <= 0:
        raise AggregationError("sheet_total must be positive")
    by_judge: dict[Hashable, dict[Hashable, Decimal]] = {}
    for entry, row in matrix.items():
        for judge, value in _checked_row(entry, row, total).items():
            by_judge.setdefault(judge, {})[entry] = value
    everything = [v for scores in by_judge.values() for v in scores.values()]
    if not everything:
        return {entry: {} for entry in matrix}
    pooled_mean, pooled_std = _mean(everything), _pstdev(everything)

    result: dict[Hashable, dict[Hashable, float]] = {entry: {} for entry in matrix}
    for judge, scores in by_judge.items():
        own = list(scores.values())
        if len(own) < 2:
            for entry, value in scores.items():
                result[entry][judge] = float(value)
            continue
        own_mean, own_std = _mean(own), _pstdev(own)
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            for entry, value in scores.items():
                z = (value - own_mean) / own_std if own_std else Decimal(0)
                rescaled = min(max(pooled_mean + z * pooled_std, Decimal(0)), total)
                result[entry][judge] = float(rescaled)
    # Keep the caller's judge order within each entry.
    return {entry: {j: result[entry][j] for j in matrix[entry]} for entry in matrix}


def _checked_row(entry, row, total: Decimal) -> dict[Hashable, Decimal]:
    if not isinstance(row, Mapping):
        raise TypeError(f"entry {entry!r}: expected a mapping of judge id to score")
    checked = {}
    for judge, value in row.items():
        try:
            exact = as_decimal(value)
        except (TypeError, ValueError) as exc:
            raise AggregationError(f"entry {entry!r}, judge {judge!r}: {exc}") from None
        if not 0 <= exact <= total:
            raise AggregationError(
                f"entry {entry!r}, judge {judge!r}: score {value} is outside 0..{plain_number(total)}"
            )
        checked[judge] = exact
    return checked


def plain_number(value: Decimal) -> str:
    """Plain text for a decimal without exponent noise (100, not 1E+2)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def disagreement(
    scores: Mapping[Hashable, float], recused: Collection = frozenset(), places: int | None = 2
) -> tuple[float, float]:
    """``(max - min, population standard deviation)`` of the counted scores.

    Population rather than sample deviation, so a single score gives 0
    instead of being undefined.
    """
    values = _counted(scores, recused)
    if not values:
        raise AggregationError("no scores to compare after excluding recused judges")
    return _finish(max(values) - min(values), places), _finish(_pstdev(values), places)


def needs_consensus(
    scores: Mapping[Hashable, float],
    max_range: float | None = None,
    max_stdev: float | None = None,
    recused: Collection = frozenset(),
) -> bool:
    """True when the judges' spread is strictly above either threshold.

    Compared at full precision. Giving neither threshold is a configuration
    mistake and raises rather than silently never flagging.
    """
    if max_range is None and max_stdev is None:
        raise AggregationError("needs_consensus needs max_range and/or max_stdev")
    values = _counted(scores, recused)
    if len(values) < 2:
        return False
    if max_range is not None and max(values) - min(values) > as_decimal(max_range):
        return True
    return max_stdev is not None and _pstdev(values) > as_decimal(max_stdev)
