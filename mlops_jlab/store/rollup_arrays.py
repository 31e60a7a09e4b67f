"""The rollup rows a long run of one history's points adds to, folded with NumPy.

A cell may log a hundred thousand points of one metric; folding them one at a time in
Python took longer than writing them. Here each shift is a handful of array operations
over the points sorted by bucket (``reduceat`` over the runs of equal buckets), and each
coarser shift is folded from the finer one's rows, as :mod:`mlops_jlab.store.rollups` does.

Sums are summed, then brought within the float range: a sum of finite values that
overflows stays infinite (it cannot come back to a NaN), so it is clipped at the largest
float, where the Python fold clips at every step; only the mean of values that large
differs, and it is approximate either way.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

LARGEST = sys.float_info.max
# A history with this many points in one batch is folded here; fewer cost less in Python.
MANY = 2048

# One level of rows of one history: bucket, n, sum, min, max, first step, last step and
# latest timestamp, one array each, by bucket.
_Level = tuple[np.ndarray, ...]


def _segments(buckets: np.ndarray) -> np.ndarray:
    """Where each run of equal (sorted) buckets starts."""
    change = np.empty(len(buckets), dtype=bool)
    change[0] = True
    np.not_equal(buckets[1:], buckets[:-1], out=change[1:])
    return np.flatnonzero(change)


def _reduce(buckets: np.ndarray, columns: Sequence[np.ndarray], counts: np.ndarray) -> _Level:
    """Fold rows (sorted by bucket) with equal buckets: counts and sums add up, minima and
    maxima stay, first steps take the least, last steps and timestamps the greatest."""
    starts = _segments(buckets)
    total, low, high, first, last, latest = columns
    with np.errstate(over="ignore", invalid="ignore"):
        sums = np.clip(np.add.reduceat(total, starts), -LARGEST, LARGEST)
    return (
        buckets[starts],
        np.add.reduceat(counts, starts),
        sums,
        np.minimum.reduceat(low, starts),
        np.maximum.reduceat(high, starts),
        np.minimum.reduceat(first, starts),
        np.maximum.reduceat(last, starts),
        np.maximum.reduceat(latest, starts),
    )


def _first_level(points: Sequence[tuple[str, float, int, int]], shift: int | None) -> _Level:
    """One history's points folded by ``step >> shift`` (None: all in bucket 0)."""
    _keys, value_list, step_list, stamp_list = zip(*points, strict=True)
    values = np.array(value_list, dtype=np.float64)
    steps = np.array(step_list, dtype=np.int64)
    stamps = np.array(stamp_list, dtype=np.int64)
    if shift is None:
        buckets = np.zeros(len(points), dtype=np.int64)
    else:
        buckets = steps >> shift
        if len(buckets) > 1 and (buckets[1:] < buckets[:-1]).any():
            order = np.argsort(buckets, kind="stable")
            buckets, values, steps, stamps = (a[order] for a in (buckets, values, steps, stamps))
    ones = np.ones(len(points), dtype=np.int64)
    return _reduce(buckets, (values, values, values, steps, steps, stamps), ones)


def _rows(run_id: str, shift: int, key: str, level: _Level) -> list[dict[str, Any]]:
    bucket, n, total, low, high, first, last, latest = (column.tolist() for column in level)
    return [
        {
            "run_id": run_id,
            "shift": shift,
            "key": key,
            "bucket": row[0],
            "n": row[1],
            "sum_value": row[2],
            "min_value": row[3],
            "max_value": row[4],
            "first_step": row[5],
            "last_step": row[6],
            "max_timestamp": row[7],
        }
        for row in zip(bucket, n, total, low, high, first, last, latest, strict=True)
    ]


def whole_rows(
    run_id: str, whole_shift: int, key: str, points: Sequence[tuple[str, float, int, int]]
) -> list[dict[str, Any]]:
    """The whole-history row of one history's points (all of one key)."""
    return _rows(run_id, whole_shift, key, _first_level(points, None))


def level_rows(
    run_id: str, shifts: Sequence[int], key: str, points: Sequence[tuple[str, float, int, int]]
) -> dict[int, list[dict[str, Any]]]:
    """The rows at each of ``shifts`` (ascending) of one history's points, by shift."""
    level = _first_level(points, shifts[0])
    rows = {shifts[0]: _rows(run_id, shifts[0], key, level)}
    for finer, shift in itertools.pairwise(shifts):
        bucket, n, total, low, high, first, last, latest = level
        level = _reduce(bucket >> (shift - finer), (total, low, high, first, last, latest), n)
        rows[shift] = _rows(run_id, shift, key, level)
    return rows
