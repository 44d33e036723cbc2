"""Assigning judges to entries with a min-cost flow.

Network: source -> entry (capacity k) -> judge (capacity 1, only when not
conflicted) -> sink (capacity = load cap). The costs rank what we want, in
strict priority:

1. expertise: an entry-judge arc costs ``MISMATCH`` unless the entry's
   industry section is in the judge's expertise;
2. even load within the cap: a judge's l-th assignment costs l - 1, so
   piling work on one judge is always dearer than spreading it.

``MISMATCH`` exceeds the largest possible total of the load costs, so one
more expertise match always wins over evenness. Inputs are sorted before the
graph is built, so the same input (in any order) gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping

import networkx as nx

from .conflicts import field_of, id_sort_key, is_conflicted

_SOURCE = ("source",)
_SINK = ("sink",)
# How many offending entries an error message names before "and N more".
_NAMED_IN_ERRORS = 10


class AssignmentError(ValueError):
    """No assignment satisfies the constraints, or an override is refused."""


def industry_section(industry_code) -> str | None:
    """GB/T 4754 section letter (A-T) from a code such as ``C``, ``C13`` or ``c1310``."""
    if industry_code is None:
        return None
    first = str(industry_code).strip()[:1].upper()
    return first if "A" <= first <= "T" else None


def _ids(records: Iterable, kind: str) -> tuple[list, dict]:
    by_id = {}
    for record in records:
        record_id = field_of(record, "id")
        if record_id is None:
            raise AssignmentError(f"every {kind} needs an id")
        if record_id in by_id:
            raise AssignmentError(f"duplicate {kind} id {record_id!r}")
        by_id[record_id] = record
    return sorted(by_id, key=id_sort_key), by_id


def _named(ids: list) -> str:
    shown = ", ".join(repr(i) for i in ids[:_NAMED_IN_ERRORS])
    more = len(ids) - _NAMED_IN_ERRORS
    return f"{shown} and {more} more" if more > 0 else shown


def _check_count(value, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AssignmentError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def _fills_all(eligible: Mapping, judge_ids: list, k: int, cap: int) -> bool:
    """Whether a flow with this per-judge cap fills every entry's k slots."""
    graph = nx.DiGraph()
    for entry_id, judges in eligible.items():
        graph.add_edge(_SOURCE, ("e", entry_id), capacity=k)
        for judge_id in judges:
            graph.add_edge(("e", entry_id), ("j", judge_id), capacity=1)
    for judge_id in judge_ids:
        graph.add_edge(("j", judge_id), _SINK, capacity=cap)
    return nx.maximum_flow_value(graph, _SOURCE, _SINK) == k * len(eligible)


def _infeasible_message(eligible: Mapping, judge_ids: list, k: int, cap: int) -> str:
    # With a cap of len(entries) every judge is effectively unbounded, and each
    # entry has k eligible judges (checked earlier), so that cap always works;
    # feasibility only grows with the cap, so bisect for the smallest one.
    low, high = cap + 1, len(eligible)
    while low < high:
        middle = (low + high) // 2
        if _fills_all(eligible, judge_ids, k, middle):
            high = middle
        else:
            low = middle + 1
    return (
        f"conflicts leave no way to give every entry {k} judges with at most {cap} "
        f"entries per judge; the smallest load_cap that works is {low}"
    )


def assign(
    entries: Iterable,
    judges: Iterable,
    k: int,
    conflicts: Collection,
    load_cap: int | None = None,
    expertise: Mapping[Hashable, Iterable[str]] | None = None,
) -> dict[Hashable, list]:
    """Give every entry exactly ``k`` distinct, non-conflicted judges.

    ``load_cap`` bounds the entries per judge; by default it is
    ``ceil(k * len(entries) / len(judges))``, the most even split possible.
    ``expertise`` optionally maps judge id to GB/T 4754 section letters and
    overrides the judges' own ``expertise`` field. Entries and judges may be
    dataclasses or dicts. Returns ``{entry_id: [judge_id, ...]}`` with both
    levels sorted by id. Raises :class:`AssignmentError` when infeasible.
    """
    k = _check_count(k, "k", 0)
    entry_ids, entries_by_id = _ids(entries, "entry")
    judge_ids, judges_by_id = _ids(judges, "judge")
    if not entry_ids:
        return {}
    if k == 0:
        return {entry_id: [] for entry_id in entry_ids}
    if k > len(judge_ids):
        raise AssignmentError(f"k={k} judges per entry, but only {len(judge_ids)} judges are available")

    eligible = {
        entry_id: [j for j in judge_ids if not is_conflicted(conflicts, entry_id, j)]
        for entry_id in entry_ids
    }
    short = [entry_id for entry_id in entry_ids if len(eligible[entry_id]) < k]
    if short:
        raise AssignmentError(
            f"fewer than {k} non-conflicted judges for entries {_named(short)}; add judges or lower k"
        )

    slots = k * len(entry_ids)
    if load_cap is None:
        cap = math.ceil(slots / len(judge_ids))
    else:
        cap = _check_count(load_cap, "load_cap", 1)
    # One judge can sit on each entry's panel at most once.
    cap = min(cap, len(entry_ids))
    if cap * len(judge_ids) < slots:
        raise AssignmentError(
            f"load_cap={cap} is too low: {len(judge_ids)} judges x {cap} = "
            f"{cap * len(judge_ids)} places for {slots} assignments"
        )

    def skills_of(judge_id) -> frozenset[str]:
        if expertise is not None and judge_id in expertise:
            sections = expertise[judge_id]
        else:
            sections = field_of(judges_by_id[judge_id], "expertise") or ()
        return frozenset(section.upper() for section in sections)

    skills = {judge_id: skills_of(judge_id) for judge_id in judge_ids}
    mismatch = len(judge_ids) * cap * cap + 1

    graph = nx.MultiDiGraph()
    graph.add_node(_SOURCE, demand=-slots)
    graph.add_node(_SINK, demand=slots)
    for entry_id in entry_ids:
        section = industry_section(field_of(entries_by_id[entry_id], "industry_code"))
        graph.add_edge(_SOURCE, ("e", entry_id), capacity=k, weight=0)
        for judge_id in eligible[entry_id]:
            cost = 0 if section is not None and section in skills[judge_id] else mismatch
            graph.add_edge(("e", entry_id), ("j", judge_id), capacity=1, weight=cost)
    for judge_id in judge_ids:
        for load in range(cap):
            graph.add_edge(("j", judge_id), _SINK, capacity=1, weight=load)

    try:
        _, flow = nx.network_simplex(graph)
    except nx.NetworkXUnfeasible:
        raise AssignmentError(_infeasible_message(eligible, judge_ids, k, cap)) from None

    result = {}
    for entry_id in entry_ids:
        arcs = flow[("e", entry_id)]
        result[entry_id] = [j for j in eligible[entry_id] if arcs.get(("j", j), {}).get(0, 0) > 0]
    return result


def judge_loads(assignment: Mapping[Hashable, Iterable]) -> dict[Hashable, int]:
    """Number of entries per judge, sorted by judge id."""
    loads: dict[Hashable, int] = {}
    for judges in assignment.values():
        for judge_id in judges:
            loads[judge_id] = loads.get(judge_id, 0) + 1
    return {judge_id: loads[judge_id] for judge_id in sorted(loads, key=id_sort_key)}


def apply_override(
    assignment: Mapping[Hashable, Iterable],
    entry_id: Hashable,
    add: Iterable = (),
    remove: Iterable = (),
    *,
    conflicts: Collection,
) -> dict[Hashable, list]:
    """An organiser's manual change to one entry's panel; returns a new assignment.

    Refuses (``AssignmentError``) a conflicted judge, adding someone already on
    the panel, removing someone who is not, or naming a judge in both lists,
    because a silently ignored override is worse than a clear refusal. The
    panel size may end up different from ``k``: that is the organiser's call.
    """
    if entry_id not in assignment:
        raise AssignmentError(f"entry {entry_id!r} is not in the assignment")
    add, remove = list(add), list(remove)
    panel = list(assignment[entry_id])
    for label, ids in (("add", add), ("remove", remove)):
        if len(set(ids)) != len(ids):
            raise AssignmentError(f"{label} lists a judge twice")
    both = [j for j in add if j in remove]
    if both:
        raise AssignmentError(f"judges {_named(both)} are both added and removed")
    absent = [j for j in remove if j not in panel]
    if absent:
        raise AssignmentError(f"judges {_named(absent)} are not on entry {entry_id!r}'s panel")
    present = [j for j in add if j in panel]
    if present:
        raise AssignmentError(f"judges {_named(present)} are already on entry {entry_id!r}'s panel")
    for judge_id in add:
        if is_conflicted(conflicts, entry_id, judge_id):
            reason = conflicts[(entry_id, judge_id)] if isinstance(conflicts, Mapping) else "conflict"
            raise AssignmentError(
                f"judge {judge_id!r} has a conflict with entry {entry_id!r} ({reason}) and cannot be added"
            )
    changed = {e: list(judges) for e, judges in assignment.items()}
    kept = [j for j in panel if j not in remove]
    changed[entry_id] = sorted(kept + add, key=id_sort_key)
    return changed
