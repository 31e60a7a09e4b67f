"""Metric histories for charts: short ones whole, long ones downsampled by the database.

A history longer than the points asked for is cut into equal ranges of steps, and each
range comes back as one point with the mean and the min/max envelope, so a spike never
disappears and a chart never loads a million points. The store answers from rollups kept
on write (a few thousand rows for a million points). A run that has ended cannot log
more, so its downsampled histories are also kept in a small cache: looking again is free.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from mlops_jlab.store import reads

RUNNING = "running"


@dataclass(frozen=True)
class History:
    """Points of one history: ``(step, value, time)`` tuples when whole, dicts with the
    bucket's step, value (mean), min, max, count and time when downsampled."""

    count: int
    downsampled: bool
    points: list[Any]

    def as_json(self) -> list[dict[str, Any]]:
        if self.downsampled:
            return self.points
        return [{"step": step, "value": value, "time": time} for step, value, time in self.points]


class HistoryCache:
    """Downsampled histories of ended runs, least recently used first out."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], History] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> History | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], history: History) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = history
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def downsampled(
    conn: Connection,
    cache: HistoryCache,
    run_id: str,
    status: str,
    key: str,
    max_points: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> History:
    """A history known to hold more than ``max_points`` points, cut into buckets."""
    cache_key = (run_id, key, max_points, min_step, max_step)
    if status != RUNNING:
        found = cache.get(cache_key)
        if found is not None:
            return found
    buckets = reads.metric_history_buckets(conn, run_id, key, max_points, min_step, max_step)
    history = History(sum(bucket["count"] for bucket in buckets), True, buckets)
    if status != RUNNING:
        cache.put(cache_key, history)
    return history


def history(
    conn: Connection,
    cache: HistoryCache,
    run_id: str,
    status: str,
    key: str,
    max_points: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> History:
    """One history: whole when it has at most ``max_points`` points, else downsampled.

    Whether a point lies beyond the first ``max_points`` tells which, without counting a
    long history or reading points that a downsampled answer does not show.
    """
    if reads.metric_points_beyond(conn, run_id, key, max_points, min_step, max_step):
        return downsampled(conn, cache, run_id, status, key, max_points, min_step, max_step)
    points = reads.metric_points(conn, run_id, key, max_points, min_step, max_step)
    return History(len(points), False, points)


def histories(
    conn: Connection,
    cache: HistoryCache,
    statuses: dict[str, str],
    keys: Sequence[str] | None,
    max_points: int,
) -> dict[tuple[str, str], History]:
    """The histories of several runs (only ``keys`` unless None): the short ones in one
    query, each long one downsampled."""
    counts = reads.metric_point_counts(conn, list(statuses), keys)
    short = [pair for pair, count in counts.items() if count <= max_points]
    found = {
        pair: History(len(points), False, points)
        for pair, points in reads.metric_histories(conn, short).items()
    }
    for (run_id, key), count in counts.items():
        if count > max_points:
            found[(run_id, key)] = downsampled(
                conn, cache, run_id, statuses[run_id], key, max_points
            )
    return found
