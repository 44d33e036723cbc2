"""Measure, compare with a baseline from the same run, print and record.

Each figure becomes one JSON line in ``bench/results/latest.jsonl`` (started
afresh by every ``make bench``) so runs can be compared.
"""
import json
import os
import statistics
import time
from datetime import UTC, datetime

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
LATEST = os.path.join(RESULTS_DIR, "latest.jsonl")


def start_results():
    os.makedirs(RESULTS_DIR, exist_ok=True)
    open(LATEST, "w").close()


def timed(fn, repetitions=3):
    """Median wall time of ``fn()`` over ``repetitions`` runs, in seconds."""
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def record(name, value, unit, baseline, baseline_value, goal, repetitions, ratio=None):
    if ratio is None:
        ratio = (baseline_value / value) if value else None
    entry = {
        "name": name, "value": round(value, 6), "unit": unit, "baseline": baseline,
        "baseline_value": round(baseline_value, 6) if baseline_value is not None else None,
        "ratio": round(ratio, 4) if ratio is not None else None, "goal": goal,
        "repetitions": repetitions, "at": datetime.now(UTC).isoformat(),
    }
    with open(LATEST, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(f"{name:40s} {value:12.4f} {unit:6s} baseline {baseline}={entry['baseline_value']} "
          f"ratio={entry['ratio']} goal: {goal}")
    return entry
