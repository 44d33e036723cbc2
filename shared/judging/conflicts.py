"""Conflicts of interest (回避) between entries and judges.

A conflict map is a ``dict[(entry_id, judge_id), reason]``. Reasons found
automatically are stable codes (``same_employer``, ``same_group_company``,
``same_division``) so callers can translate them; declared conflicts read
``declared: <the judge's reason>``. Several reasons for one pair are joined
with ``"; "``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

SAME_EMPLOYER = "same_employer"
SAME_GROUP_COMPANY = "same_group_company"
SAME_DIVISION = "same_division"
DECLARED = "declared"


@dataclass(frozen=True)
class Entry:
    """What judging needs to know about an entry (a QC result, an award application)."""

    id: Hashable
    enterprise_id: Hashable
    division_code: str | None = None
    industry_code: str | None = None
    group_company: str | None = None


@dataclass(frozen=True)
class Judge:
    """What judging needs to know about a judge; ``expertise`` holds GB/T 4754 section letters."""

    id: Hashable
    employer_id: Hashable | None = None
    division_code: str | None = None
    expertise: frozenset[str] = frozenset()
    group_company: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "expertise", frozenset(self.expertise or ()))


@dataclass(frozen=True)
class ConflictRules:
    """Which automatic conflicts apply. Same-division is off by default: in a
    small province most judges share a prefecture with many entrants."""

    same_employer: bool = True
    same_group_company: bool = True
    same_division: bool = False


@dataclass(frozen=True)
class DeclaredConflict:
    """A judge's own declaration that they should not judge an entry."""

    entry_id: Hashable
    judge_id: Hashable
    reason: str


def field_of(record, name: str, default=None):
    """Read ``name`` from a dataclass/object or a dict, so callers may pass either."""
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def id_sort_key(value) -> tuple[str, object]:
    """Sort key for ids that tolerates a mix of types (ints before strs)."""
    return (type(value).__name__, value)


def _present(value) -> str | None:
    """A non-empty, stripped string or None; blank group names must not match each other."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _declared_items(declared) -> Iterable[tuple[Hashable, Hashable, str]]:
    if isinstance(declared, Mapping):
        for pair, reason in declared.items():
            entry_id, judge_id = pair
            yield entry_id, judge_id, reason
        return
    for item in declared:
        if isinstance(item, tuple) and len(item) == 3:
            yield item
        else:
            yield field_of(item, "entry_id"), field_of(item, "judge_id"), field_of(item, "reason")


def _automatic_reasons(entry, judge, rules: ConflictRules) -> list[str]:
    reasons = []
    employer = field_of(judge, "employer_id")
    if rules.same_employer and employer is not None and employer == field_of(entry, "enterprise_id"):
        reasons.append(SAME_EMPLOYER)
    group = _present(field_of(judge, "group_company"))
    if rules.same_group_company and group and group == _present(field_of(entry, "group_company")):
        reasons.append(SAME_GROUP_COMPANY)
    division = _present(field_of(judge, "division_code"))
    if rules.same_division and division and division == _present(field_of(entry, "division_code")):
        reasons.append(SAME_DIVISION)
    return reasons


def detect_conflicts(
    entries: Iterable,
    judges: Iterable,
    rules: ConflictRules = ConflictRules(),
    declared: Mapping | Iterable = (),
) -> dict[tuple[Hashable, Hashable], str]:
    """Every conflicted (entry, judge) pair with its reason.

    ``declared`` is a mapping ``{(entry_id, judge_id): reason}`` or an
    iterable of :class:`DeclaredConflict`, dicts or ``(entry_id, judge_id,
    reason)`` triples. A declaration needs a non-empty reason, because the
    reason is what gets recorded.
    """
    found: dict[tuple[Hashable, Hashable], list[str]] = {}
    judges = list(judges)
    for entry in entries:
        for judge in judges:
            reasons = _automatic_reasons(entry, judge, rules)
            if reasons:
                found.setdefault((field_of(entry, "id"), field_of(judge, "id")), []).extend(reasons)
    for entry_id, judge_id, reason in _declared_items(declared):
        text = _present(reason)
        if entry_id is None or judge_id is None or text is None:
            raise ValueError(
                f"a declared conflict needs entry_id, judge_id and a reason; got "
                f"({entry_id!r}, {judge_id!r}, {reason!r})"
            )
        reasons = found.setdefault((entry_id, judge_id), [])
        label = f"{DECLARED}: {text}"
        if label not in reasons:
            reasons.append(label)
    ordered = sorted(found, key=lambda pair: (id_sort_key(pair[0]), id_sort_key(pair[1])))
    return {pair: "; ".join(found[pair]) for pair in ordered}


def is_conflicted(conflicts, entry_id: Hashable, judge_id: Hashable) -> bool:
    """Whether the pair is in a conflict map (or any set of pairs)."""
    return (entry_id, judge_id) in conflicts
