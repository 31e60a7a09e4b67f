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
import operator
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


class History:
    """One history's points of a batch as columns (values, steps, timestamps).

    Made without a Python object per point: a batch of a hundred thousand points made as
    many tuples, in the writer's thread, and every few hundred of them a collection of the
    garbage collector, which walks the whole kernel's objects (they took longer than the
    folding itself)."""

    __slots__ = ("stamps", "steps", "values")

    def __init__(self, values: np.ndarray, steps: np.ndarray, stamps: np.ndarray):
        self.values = values
        self.steps = steps
        self.stamps = stamps

    @classmethod
    def of(cls, points: Sequence[tuple[str, float, int, int]]) -> History:
        """The columns of points ``(key, value, step, timestamp)``, all of one key."""
        count = len(points)
        return cls(
            np.fromiter(map(_VALUE, points), np.float64, count),
            np.fromiter(map(_STEP, points), np.int64, count),
            np.fromiter(map(_STAMP, points), np.int64, count),
        )

    def __len__(self) -> int:
        return len(self.steps)

    def latest(self) -> int:
        """Where the latest point is: the highest step, then the newest, then the last."""
        at = np.flatnonzero(self.steps == self.steps.max())
        stamps = self.stamps[at]
        return int(at[np.flatnonzero(stamps == stamps.max())[-1]])


_VALUE, _STEP, _STAMP = (operator.itemgetter(index) for index in (1, 2, 3))


def histories(points: Sequence[tuple[str, float, int, int]]) -> dict[str, History]:
    """A batch's points ``(key, value, step, timestamp)`` as columns by key, in key order."""
    keys = {point[0] for point in points}
    if len(keys) == 1:  # a long history is most often one key's
        return {keys.pop(): History.of(points)}
    groups: dict[str, list[tuple[str, float, int, int]]] = {key: [] for key in sorted(keys)}
    for point in points:
        groups[point[0]].append(point)
    return {key: History.of(mine) for key, mine in groups.items()}


def _first_level(history: History, shift: int | None) -> _Level:
    """One history's points folded by ``step >> shift`` (None: all in bucket 0)."""
    values, steps, stamps = history.values, history.steps, history.stamps
    if shift is None:
        buckets = np.zeros(len(steps), dtype=np.int64)
    else:
        buckets = steps >> shift
        if len(buckets) > 1 and (buckets[1:] < buckets[:-1]).any():
            order = np.argsort(buckets, kind="stable")
            buckets, values, steps, stamps = (a[order] for a in (buckets, values, steps, stamps))
    ones = np.ones(len(steps), dtype=np.int64)
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


def whole_rows(run_id: str, whole_shift: int, key: str, history: History) -> list[dict[str, Any]]:
    """The whole-history row of one history's points."""
    return _rows(run_id, whole_shift, key, _first_level(history, None))


def levels(shifts: Sequence[int], history: History) -> dict[int, _Level]:
    """The rows at each of ``shifts`` (ascending) of one history's points, as columns
    (bucket, n, sum, min, max, first step, last step, latest timestamp), by shift."""
    level = _first_level(history, shifts[0])
    found = {shifts[0]: level}
    for finer, shift in itertools.pairwise(shifts):
        bucket, n, total, low, high, first, last, latest = level
        level = _reduce(bucket >> (shift - finer), (total, low, high, first, last, latest), n)
        found[shift] = level
    return found
