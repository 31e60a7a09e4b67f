"""Metric rollups: a long history downsampled from a few thousand rows, not every point.

Every history has one row of shift :data:`WHOLE` (bucket 0) with its count, sum, min,
max, first and last step and latest time: its length and extent in one read. Once it
holds more than :data:`LONG` points it also has, at each shift of :data:`SHIFTS`, one row
per bucket of the steps ``s`` with ``s >> shift == bucket``, filled from its points when
it grows long and kept up on every write after. (Short histories, most of them, cost one
row per write; a short one is downsampled from its points, which is as fast.)

A request for ``buckets`` equal ranges of steps is answered at the coarsest shift whose
range width is a whole number of rollup buckets close to the width asked for: each range
combines consecutive rows (min of mins, max of maxes, sum over count), so min/max stay
exact and no spike disappears. Where ``min_step``/``max_step`` cut a rollup bucket, that
bucket is read from its points.

Ranges are numbered by ``(step >> shift) - (low >> shift)``, which cannot overflow a
BIGINT whatever the steps (negative, or near either limit), and is the same number for a
point and for the rollup row that holds it.

Sums are kept within the float range (±1.8e308): summed past it they would become
infinite, and two opposite infinities a NaN, which SQLite cannot store, so a write would
fail. Only the mean of values that large is then approximate.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.store.tables import METRICS, ROLLUPS

COLUMNS = [column.name for column in ROLLUPS.columns]
# The shift of a history's whole row (its only bucket is 0).
WHOLE = 64
# A history gets rollups by SHIFTS once it holds more points than this; up to it, a
# GROUP BY over its points takes a few milliseconds.
LONG = 1024
# 4, 16, 64, ... 2**20 steps per rollup bucket. A factor of 4 between shifts keeps a read
# within 8 rows per range asked for; each shift costs a long history a row per key on
# every write. (Migration 0004 fills the same; change both together, with a migration.)
SHIFTS = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
# A plan may make ranges up to this much wider than the narrowest equal width, so a
# request gets at least two thirds of the ranges it asked for.
WIDER = 1.5


# --- writes ------------------------------------------------------------------------------

LARGEST = sys.float_info.max
# SQL sums are of values times this power of two (exact): no sum of fewer than 2**32
# values then overflows, which PostgreSQL refuses with an error.
SCALE = 2.0**-32


def _bounded(total: float) -> float:
    return min(max(total, -LARGEST), LARGEST)


def _extremes(dialect_name: str) -> tuple[Any, Any]:
    """SQLite's min and max of several values, which PostgreSQL calls least and greatest."""
    if dialect_name == "postgresql":
        return sa.func.least, sa.func.greatest
    return sa.func.min, sa.func.max


def _sum_sql(dialect_name: str, column: Any) -> Any:
    """The sum of ``column`` within the float range, in SQL, overflowing nowhere."""
    smaller, larger = _extremes(dialect_name)
    scaled = sa.func.sum(column * SCALE)
    return smaller(larger(scaled, -LARGEST * SCALE), LARGEST * SCALE) / SCALE


def _added_sql(a: Any, b: Any) -> Any:
    """``a + b`` within the float range, in SQL, without overflowing on the way."""
    return sa.case(
        (sa.and_(a > 0, b > LARGEST - a), LARGEST),
        (sa.and_(a < 0, b < -LARGEST - a), -LARGEST),
        else_=a + b,
    )


# An accumulator: [n, sum, min, max, first_step, last_step, max_timestamp].
_Acc = list[Any]
_Point = tuple[str, float, int, int]


def _by_key(points: Iterable[_Point], keys: Collection[str] | None = None) -> dict[str, list]:
    """The batch's points of ``keys`` (None: all) by key, in key order."""
    if not isinstance(points, Sequence):
        points = list(points)
    found = {point[0] for point in points}
    if len(found) == 1:  # a long history is most often one key's
        (key,) = found
        return {key: list(points)} if keys is None or key in keys else {}
    groups: dict[str, list[_Point]] = {}
    for point in points:
        if keys is None or point[0] in keys:
            groups.setdefault(point[0], []).append(point)
    return dict(sorted(groups.items()))


def whole_rows(run_id: str, points: Iterable[_Point]) -> list[dict[str, Any]]:
    """The whole-history rows a batch of points ``(key, value, step, timestamp)`` adds
    to, one per key, by key (writers lock rows in the same order)."""
    rows = []
    for mine in _by_key(points).values():
        rows += _rows(run_id, WHOLE, _fold(mine, lambda step: 0))
    return rows


def level_rows(
    run_id: str, points: Iterable[_Point], keys: Collection[str]
) -> list[dict[str, Any]]:
    """The rows at every shift of :data:`SHIFTS` that the batch's points of ``keys`` add
    to, by shift, key and bucket. A batch of many points is folded with NumPy instead
    (:mod:`mlops_jlab.store.rollup_arrays`, :func:`mlops_jlab.store.writes.insert_metrics`)."""
    by_shift: dict[int, list[dict[str, Any]]] = {shift: [] for shift in SHIFTS}
    first = SHIFTS[0]
    for mine in _by_key(points, keys).values():
        level = _fold(mine, lambda step: step >> first)
        by_shift[first] += _rows(run_id, first, level)
        for finer, shift in itertools.pairwise(SHIFTS):
            level = _coarser(level, shift - finer)
            by_shift[shift] += _rows(run_id, shift, level)
    return [row for shift in SHIFTS for row in by_shift[shift]]


def _fold(points: Iterable[_Point], bucket_of: Any) -> dict[tuple[str, int], _Acc]:
    level: dict[tuple[str, int], _Acc] = {}
    for key, value, step, timestamp in points:
        slot = (key, bucket_of(step))
        acc = level.get(slot)
        if acc is None:
            level[slot] = [1, value, value, value, step, step, timestamp]
            continue
        acc[0] += 1
        acc[1] = _bounded(acc[1] + value)
        if value < acc[2]:
            acc[2] = value
        if value > acc[3]:
            acc[3] = value
        if step < acc[4]:
            acc[4] = step
        elif step > acc[5]:
            acc[5] = step
        if timestamp > acc[6]:
            acc[6] = timestamp
    return level


def _coarser(level: dict[tuple[str, int], _Acc], by: int) -> dict[tuple[str, int], _Acc]:
    """Rows of a shift ``by`` more, combined from the rows of the finer shift."""
    coarse: dict[tuple[str, int], _Acc] = {}
    for (key, bucket), acc in level.items():
        slot = (key, bucket >> by)
        into = coarse.get(slot)
        if into is None:
            coarse[slot] = list(acc)
            continue
        into[0] += acc[0]
        into[1] = _bounded(into[1] + acc[1])
        into[2] = min(into[2], acc[2])
        into[3] = max(into[3], acc[3])
        into[4] = min(into[4], acc[4])
        into[5] = max(into[5], acc[5])
        into[6] = max(into[6], acc[6])
    return coarse


def _rows(run_id: str, shift: int, level: dict[tuple[str, int], _Acc]) -> list[dict[str, Any]]:
    return [
        dict(zip(COLUMNS, (run_id, shift, key, bucket, *acc), strict=True))
        for (key, bucket), acc in sorted(level.items())
    ]


def upsert(dialect_name: str, insert: Any) -> Any:
    """``insert`` (the dialect's INSERT into the rollups) adding to the rows it meets."""
    smaller, larger = _extremes(dialect_name)
    new, old = insert.excluded, ROLLUPS.c
    return insert.on_conflict_do_update(
        index_elements=["run_id", "shift", "key", "bucket"],
        set_={
            "n": old.n + new.n,
            "sum_value": _added_sql(old.sum_value, new.sum_value),
            "min_value": smaller(old.min_value, new.min_value),
            "max_value": larger(old.max_value, new.max_value),
            "first_step": smaller(old.first_step, new.first_step),
            "last_step": larger(old.last_step, new.last_step),
            "max_timestamp": larger(old.max_timestamp, new.max_timestamp),
        },
    )


def fill(conn: Connection, run_id: str, keys: Collection[str]) -> None:
    """Make the rows at every shift of histories ``keys`` of the run that have just grown
    long: the finest from their points, each coarser from the one before it."""
    first = SHIFTS[0]
    bucket = _shifted(METRICS.c.step, first)
    dialect_name = conn.dialect.name
    conn.execute(
        ROLLUPS.insert().from_select(
            COLUMNS,
            sa.select(
                METRICS.c.run_id,
                sa.literal(first, sa.Integer),
                METRICS.c.key,
                bucket,
                sa.func.count(),
                _sum_sql(dialect_name, METRICS.c.value),
                sa.func.min(METRICS.c.value),
                sa.func.max(METRICS.c.value),
                sa.func.min(METRICS.c.step),
                sa.func.max(METRICS.c.step),
                sa.func.max(METRICS.c.timestamp),
            )
            .where(METRICS.c.run_id == run_id, METRICS.c.key.in_(sorted(keys)))
            .group_by(METRICS.c.run_id, METRICS.c.key, bucket),
        )
    )
    for finer, shift in itertools.pairwise(SHIFTS):
        bucket = _shifted(ROLLUPS.c.bucket, shift - finer)
        conn.execute(
            ROLLUPS.insert().from_select(
                COLUMNS,
                sa.select(
                    ROLLUPS.c.run_id,
                    sa.literal(shift, sa.Integer),
                    ROLLUPS.c.key,
                    bucket,
                    sa.func.sum(ROLLUPS.c.n),
                    _sum_sql(dialect_name, ROLLUPS.c.sum_value),
                    sa.func.min(ROLLUPS.c.min_value),
                    sa.func.max(ROLLUPS.c.max_value),
                    sa.func.min(ROLLUPS.c.first_step),
                    sa.func.max(ROLLUPS.c.last_step),
                    sa.func.max(ROLLUPS.c.max_timestamp),
                )
                .where(
                    ROLLUPS.c.run_id == run_id,
                    ROLLUPS.c.shift == finer,
                    ROLLUPS.c.key.in_(sorted(keys)),
                )
                .group_by(ROLLUPS.c.run_id, ROLLUPS.c.key, bucket),
            )
        )


def whole(conn: Connection, run_id: str, key: str) -> Any:
    """The whole-history row of one history (None if it has no points)."""
    return (
        conn.execute(
            sa.select(ROLLUPS).where(
                ROLLUPS.c.run_id == run_id, ROLLUPS.c.shift == WHOLE, ROLLUPS.c.key == key
            )
        )
        .mappings()
        .first()
    )


# --- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketPlan:
    """How a history's steps ``low..high`` are cut into equal ranges: range number
    ``((step >> shift) - base) // per`` with ``base = low >> shift``; shift 0 reads the
    points only, a shift of :data:`SHIFTS` combines ``per`` rollup rows per range."""

    shift: int
    per: int
    base: int

    @property
    def width(self) -> int:
        """Steps per range."""
        return self.per << self.shift


def plan(low: int, high: int, buckets: int) -> BucketPlan:
    """The coarsest plan cutting ``low..high`` into at most ``buckets`` ranges no wider
    than :data:`WIDER` times the narrowest equal width."""
    narrowest = (high - low) // buckets + 1
    chosen = BucketPlan(0, narrowest, low)
    for shift in SHIFTS:
        base = low >> shift
        per = ((high >> shift) - base) // buckets + 1
        if (per << shift) <= WIDER * narrowest:
            chosen = BucketPlan(shift, per, base)
    return chosen


def history_buckets(
    conn: Connection,
    run_id: str,
    key: str,
    chosen: BucketPlan,
    low: int,
    high: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> list[dict[str, Any]]:
    """The history's points at steps ``low..high`` (the first and last it has within
    ``min_step..max_step``) aggregated by the ranges of ``chosen``: per range its first
    step, the mean, lowest and highest value, the number of points and the latest time.
    The history must be long (have rollups) and ``chosen`` use them (a shift over 0)."""
    shift = chosen.shift
    ranges: dict[int, _Acc] = {}
    first, last = low >> shift, high >> shift
    # A rollup bucket at an end holds steps outside min_step..max_step when the range
    # cuts it: those two buckets are read from their points.
    if min_step is not None and (first << shift) < min_step:
        _add(
            ranges,
            _point_groups(conn, run_id, key, chosen, low, min(high, ((first + 1) << shift) - 1)),
        )
        first += 1
    if max_step is not None and ((last + 1) << shift) - 1 > max_step and last >= first:
        _add(ranges, _point_groups(conn, run_id, key, chosen, max(low, last << shift), high))
        last -= 1
    if first <= last:
        _add(ranges, _rollup_groups(conn, run_id, key, chosen, first, last))
    return _answer(ranges)


def from_points(
    conn: Connection, run_id: str, key: str, chosen: BucketPlan, low: int, high: int
) -> list[dict[str, Any]]:
    """The same answer as :func:`history_buckets`, from a GROUP BY over every point at
    steps ``low..high`` (for short ranges, and to check the rollups against)."""
    ranges: dict[int, _Acc] = {}
    _add(ranges, _point_groups(conn, run_id, key, chosen, low, high))
    return _answer(ranges)


def _shifted(column: Any, shift: int) -> Any:
    if not shift:
        return column
    return column.op(">>", return_type=sa.BigInteger)(sa.literal_column(str(int(shift))))


def _point_groups(
    conn: Connection, run_id: str, key: str, chosen: BucketPlan, low: int, high: int
) -> Iterable[Sequence[Any]]:
    number = ((_shifted(METRICS.c.step, chosen.shift) - chosen.base) // chosen.per).label("range")
    return conn.execute(
        sa.select(
            number,
            sa.func.min(METRICS.c.step),
            sa.func.sum(METRICS.c.value * SCALE),
            sa.func.min(METRICS.c.value),
            sa.func.max(METRICS.c.value),
            sa.func.count(),
            sa.func.max(METRICS.c.timestamp),
        )
        .where(METRICS.c.run_id == run_id, METRICS.c.key == key)
        .where(METRICS.c.step >= low, METRICS.c.step <= high)
        .group_by(number)
    )


def _rollup_groups(
    conn: Connection, run_id: str, key: str, chosen: BucketPlan, first: int, last: int
) -> Iterable[Sequence[Any]]:
    number = ((ROLLUPS.c.bucket - chosen.base) // chosen.per).label("range")
    return conn.execute(
        sa.select(
            number,
            sa.func.min(ROLLUPS.c.first_step),
            sa.func.sum(ROLLUPS.c.sum_value * SCALE),
            sa.func.min(ROLLUPS.c.min_value),
            sa.func.max(ROLLUPS.c.max_value),
            # A sum of BIGINTs is a NUMERIC on PostgreSQL: Decimals are slow to make.
            sa.cast(sa.func.sum(ROLLUPS.c.n), sa.BigInteger),
            sa.func.max(ROLLUPS.c.max_timestamp),
        )
        .where(ROLLUPS.c.run_id == run_id, ROLLUPS.c.key == key, ROLLUPS.c.shift == chosen.shift)
        .where(ROLLUPS.c.bucket >= first, ROLLUPS.c.bucket <= last)
        .group_by(number)
    )


def _add(ranges: dict[int, _Acc], groups: Iterable[Sequence[Any]]) -> None:
    """Fold rows ``(range, first step, sum times SCALE, min, max, count, latest time)`` into
    ranges."""
    for number, step, scaled, low, high, count, latest in groups:
        total = _bounded(scaled / SCALE)
        acc = ranges.get(number)
        if acc is None:
            ranges[number] = [step, total, low, high, int(count), latest]
            continue
        acc[0] = min(acc[0], step)
        acc[1] = _bounded(acc[1] + total)
        acc[2] = min(acc[2], low)
        acc[3] = max(acc[3], high)
        acc[4] += int(count)
        acc[5] = max(acc[5], latest)


def _answer(ranges: dict[int, _Acc]) -> list[dict[str, Any]]:
    return [
        {
            "step": step,
            "value": total / count,
            "min": low,
            "max": high,
            "count": count,
            "time": latest,
        }
        for step, total, low, high, count, latest in (ranges[n] for n in sorted(ranges))
    ]
