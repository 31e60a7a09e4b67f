"""Runs side by side: how many may be compared, how each is labelled, which values differ
and how their code differs. The notebook's comparison and the panel's (through the REST
API) both follow these rules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import COMPARE_MAX_RUNS, COMPARE_MIN_RUNS

# difflib can be quadratic on very different texts; past this the code is not diffed.
MAX_DIFF_CHARS = 1_000_000
_MISSING = object()


def check_count(count: int) -> None:
    """Refuse a comparison of too few or too many runs."""
    if not COMPARE_MIN_RUNS <= count <= COMPARE_MAX_RUNS:
        raise InvalidInputError(
            f"compare takes {COMPARE_MIN_RUNS} to {COMPARE_MAX_RUNS} runs, got {count}; pick "
            "them from mlops_jlab.runs(), e.g. runs(order_by='metrics.acc DESC').head(10)"
        )


def labels(runs: Iterable[tuple[str, str]]) -> list[str]:
    """``name (id start)`` per ``(name, id)``; whole ids when two runs would share a label."""
    named = list(runs)
    short = [f"{name} ({run_id[:8]})" for name, run_id in named]
    if len(set(short)) < len(short):
        return [f"{name} ({run_id})" for name, run_id in named]
    return short


def side_by_side(
    values: Sequence[Mapping[str, Any]], ordered: bool = True
) -> list[tuple[str, list[Any], bool]]:
    """One row per key (sorted, or in order of first appearance unless ``ordered``): the value
    of each run (None where missing) and whether they differ."""
    keys = list(dict.fromkeys(key for run in values for key in run))
    if ordered:
        keys.sort()
    return [
        (
            key,
            [run.get(key) for run in values],
            len({run.get(key, _MISSING) for run in values}) > 1,
        )
        for key in keys
    ]


def code_diff(first: str | None, other: str | None, first_label: str, label: str) -> str | None:
    """Unified diff of two runs' code; "" when the same, None when too long to diff."""
    if first == other:
        return ""
    if len(first or "") + len(other or "") > MAX_DIFF_CHARS:
        return None
    lines = difflib.unified_diff(
        (first or "").splitlines(),
        (other or "").splitlines(),
        fromfile=first_label,
        tofile=label,
        lineterm="",
    )
    return "\n".join(lines)
