"""Metric rollups: long histories downsampled from rollups kept on write give the answer a
GROUP BY over every point gives, on SQLite and PostgreSQL, whatever the steps."""

from __future__ import annotations

import math
import random

import pytest
import sqlalchemy as sa

from mlops_jlab.rules import BIGINT_MAX, BIGINT_MIN
from mlops_jlab.store import Store, bulk, migrate, reads, rollup_arrays, rollups, writes
from mlops_jlab.store.tables import Metric

RUN = "a" * 32
OTHER = "b" * 32


@pytest.fixture
def store(location):
    store = Store(location)
    with store.write() as conn:
        experiment = writes.ensure_experiment(conn, "rollups")
        for run_id in (RUN, OTHER):
            writes.insert_run(
                conn,
                {
                    "id": run_id,
                    "experiment_id": experiment,
                    "name": run_id[:4],
                    "kind": "script",
                    "status": "running",
                    "start_time": 1,
                },
            )
    yield store
    store.dispose()


def log(store, points, run_id=RUN, batch=50_000):
    """Write ``(key, value, step, timestamp)`` points the way the tracking API does."""
    for start in range(0, len(points), batch):
        with store.write() as conn:
            writes.insert_metrics(conn, run_id, points[start : start + batch])


def noisy(key, steps, seed=1):
    """Points with random values and a few spikes, timestamps in no particular order."""
    rng = random.Random(seed)
    points = [(key, rng.gauss(0, 1), step, rng.randrange(10**12)) for step in steps]
    for index in rng.sample(range(len(points)), min(5, len(points))):
        key, _value, step, time = points[index]
        points[index] = (key, rng.choice([-1e6, 1e6]), step, time)
    return points


def expected(points, chosen, low, high):
    """The buckets of ``chosen`` computed here, point by point, from the points logged."""
    ranges = {}
    for _key, value, step, time in points:
        if low <= step <= high:
            number = ((step >> chosen.shift) - chosen.base) // chosen.per
            ranges.setdefault(number, []).append((step, value, time))
    return [
        {
            "step": min(step for step, _, _ in group),
            "value": math.fsum(value for _, value, _ in group) / len(group),
            "min": min(value for _, value, _ in group),
            "max": max(value for _, value, _ in group),
            "count": len(group),
            "time": max(time for _, _, time in group),
        }
        for _, group in sorted(ranges.items())
    ]


def assert_same(got, want):
    assert len(got) == len(want)
    for have, should in zip(got, want, strict=True):
        assert {k: have[k] for k in ("step", "min", "max", "count", "time")} == {
            k: should[k] for k in ("step", "min", "max", "count", "time")
        }
        assert math.isclose(have["value"], should["value"], rel_tol=1e-9, abs_tol=1e-9)


def check(store, points, buckets, min_step=None, max_step=None, key=None, run_id=RUN):
    """Downsample through the store and compare with the raw GROUP BY and with the points
    themselves; returns the plan used."""
    key = key or points[0][0]
    steps = [
        step
        for k, _, step, _ in points
        if k == key
        and (min_step is None or step >= min_step)
        and (max_step is None or step <= max_step)
    ]
    low, high = min(steps), max(steps)
    chosen = rollups.plan(low, high, buckets)
    with store.read() as conn:
        got = reads.metric_history_buckets(conn, run_id, key, buckets, min_step, max_step)
        raw = rollups.from_points(conn, run_id, key, chosen, low, high)
    mine = [point for point in points if point[0] == key]
    assert_same(got, raw)
    assert_same(got, expected(mine, chosen, low, high))
    assert 0 < len(got) <= buckets
    assert sum(bucket["count"] for bucket in got) == len(steps)
    return chosen


def test_a_long_history_is_downsampled_from_rollups_as_from_its_points(store):
    # Given a history of 200,000 points with spikes, logged in batches
    points = noisy("loss", range(200_000))
    log(store, points)
    # When it is downsampled to the API's default and to a comparison's size
    for buckets in (2000, 500):
        chosen = check(store, points, buckets)
        # Then the answer came from the rollups, and equals the GROUP BY over every point
        # (checked in check), with every spike kept, in at least 2/3 of the buckets asked
        assert chosen.shift > 0
        assert chosen.width <= rollups.WIDER * (200_000 // buckets + 1)
    with store.read() as conn:
        got = reads.metric_history_buckets(conn, RUN, "loss", 2000)
    assert max(bucket["max"] for bucket in got) == 1e6
    assert min(bucket["min"] for bucket in got) == -1e6
    assert len(got) >= 2000 * 2 / 3


@pytest.mark.parametrize(
    ("min_step", "max_step", "buckets"),
    [
        (12_345, 23_456, 500),
        (1_001, None, 300),
        (None, 29_998, 300),
        (1_000, 1_500, 10),
        (-50, 29_000, 100),
        (5, 5, 10),
    ],
)
def test_a_range_of_steps_cutting_rollup_buckets_reads_their_ends_from_points(
    store, min_step, max_step, buckets
):
    # Given a history of 30,000 points
    points = noisy("acc", range(30_000))
    log(store, points)
    # When a range whose ends fall inside rollup buckets is downsampled
    chosen = check(store, points, buckets, min_step, max_step)
    # Then only points in the range count, as the raw GROUP BY counts them
    if min_step != max_step:
        assert chosen.shift > 0


def test_negative_steps_logged_out_of_order(store):
    # Given a history from step -30,000 to 29,999 logged in seven batches out of order
    points = noisy("loss", range(-30_000, 30_000), seed=2)
    random.Random(3).shuffle(points)
    log(store, points, batch=9_000)
    # When it is downsampled whole and over ranges that start or end below zero
    for min_step, max_step in ((None, None), (-12_345, -99), (-25_001, 777), (-1, None)):
        chosen = check(store, points, 700, min_step, max_step)
        # Then the buckets are those of the points themselves
        assert chosen.shift > 0


@pytest.mark.parametrize(
    "steps",
    [
        range(2**62 - 10_000, 2**62 + 10_000),
        range(BIGINT_MAX - 19_999, BIGINT_MAX + 1),
        range(BIGINT_MIN, BIGINT_MIN + 20_000),
    ],
    ids=["around-2**62", "up-to-bigint-max", "from-bigint-min"],
)
def test_steps_near_the_bigint_limits(store, steps):
    # Given 20,000 points at steps near a limit of a BIGINT
    points = noisy("loss", steps, seed=4)
    log(store, points, batch=6_000)
    # When they are downsampled, whole and over a range cut inside rollup buckets
    middle = steps[len(steps) // 2]
    for min_step, max_step in ((None, None), (steps[7], middle + 1_000), (middle, None)):
        chosen = check(store, points, 400, min_step, max_step)
        # Then nothing overflows and the rollups give the points' answer
        assert chosen.shift > 0


def test_steps_spread_over_the_whole_bigint_range(store):
    # Given points at both limits, at zero, and at 5,000 steps anywhere in between
    rng = random.Random(5)
    steps = {BIGINT_MIN, BIGINT_MIN + 1, -1, 0, 1, BIGINT_MAX - 1, BIGINT_MAX}
    steps |= {rng.randint(BIGINT_MIN, BIGINT_MAX) for _ in range(5_000)}
    points = noisy("wide", sorted(steps), seed=6)
    log(store, points)
    # When they are downsampled over the whole range and over ranges cut anywhere
    for min_step, max_step in (
        (None, None),
        (-(2**62), 2**62 + 123),
        (BIGINT_MIN + 1, 0),
        (1, BIGINT_MAX - 1),
    ):
        check(store, points, 1000, min_step, max_step)


def test_batches_out_of_order_and_steps_logged_twice(store):
    # Given every step of 0..19,999 logged twice with different values, some twice in one
    # batch, the batches in random order, and another run's points in between
    first = noisy("loss", range(20_000), seed=7)
    second = noisy("loss", range(20_000), seed=8)
    points = first + second + [("loss", 42.0, 10_000, 5), ("loss", -42.0, 10_000, 6)]
    random.Random(9).shuffle(points)
    for start in range(0, len(points), 3_001):
        log(store, points[start : start + 3_001])
        log(store, noisy("loss", range(start, start + 10), seed=start), run_id=OTHER)
    # When it is downsampled, whole and over a range
    for min_step, max_step, buckets in ((None, None, 2000), (9_990, 10_010, 10), (7, 19_000, 500)):
        check(store, points, buckets, min_step, max_step)
    # Then every point counts, those logged at the same step included
    with store.read() as conn:
        counts = reads.metric_point_counts(conn, [RUN, OTHER])
    assert counts == {
        (RUN, "loss"): 40_002,
        (OTHER, "loss"): len(range(0, len(points), 3_001)) * 10,
    }


@pytest.mark.parametrize(
    "steps",
    [
        range(-5_000, 5_000),
        range(BIGINT_MAX - 4_999, BIGINT_MAX + 1),
        range(BIGINT_MIN, -(10**18), 10**15),
    ],
    ids=["around-zero", "up-to-bigint-max", "spread-from-bigint-min"],
)
def test_a_batch_of_many_points_makes_the_rows_one_point_at_a_time_makes(steps):
    # Given a batch of thousands of points of two histories, steps in no order, a few
    # logged twice, values with spikes, and a short history beside them
    points = noisy("loss", steps, seed=21) + noisy("acc", steps, seed=22)[:3_000]
    points += points[:50] + noisy("lr", range(5), seed=23)
    random.Random(24).shuffle(points)
    keys = {"loss", "acc", "lr"}
    # When its rollup rows are folded with arrays, as a long batch is written (its columns
    # by shift, key and bucket, turned into rows as the driver gets them), and one at a time
    histories = rollup_arrays.histories(points)
    fast = [
        row
        for key in sorted(histories)
        for row in rollup_arrays.whole_rows(RUN, rollups.WHOLE, key, histories[key])
    ]
    levels = {key: rollup_arrays.levels(rollups.SHIFTS, histories[key]) for key in histories}
    blocks = [
        (RUN, shift, key, *levels[key][shift]) for shift in rollups.SHIFTS for key in sorted(levels)
    ]
    fast += [dict(zip(rollups.COLUMNS, row, strict=True)) for row in bulk.rows_of(blocks)]
    slow = rollups.whole_rows(RUN, points) + rollups.level_rows(RUN, points, keys)
    # Then they are the same rows in the same order (writers lock rows in that order)
    slot = ("shift", "key", "bucket")
    assert [tuple(row[c] for c in slot) for row in fast] == [
        tuple(row[c] for c in slot) for row in slow
    ]
    for mine, theirs in zip(fast, slow, strict=True):
        assert {k: v for k, v in mine.items() if k != "sum_value"} == {
            k: v for k, v in theirs.items() if k != "sum_value"
        }
        assert math.isclose(mine["sum_value"], theirs["sum_value"], rel_tol=1e-9, abs_tol=1e-9)
        assert type(mine["bucket"]) is int and type(mine["sum_value"]) is float


def test_a_store_upgraded_from_0003_has_rollups_of_its_points(location):
    # Given a store at revision 0003 holding two runs' points (negative, repeated, far apart)
    engine = sa.create_engine(location.db_url)
    migrate.upgrade(engine, engine.dialect.name, "0003")
    points = {
        RUN: noisy("loss", [*range(-3_000, 9_000), 5, 5, 2**62, BIGINT_MAX], seed=10)
        + noisy("acc", range(0, 50_000, 7), seed=11),
        OTHER: noisy("loss", [BIGINT_MIN, 0, 1], seed=12),
    }
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO experiments (name, created_at) VALUES ('old', 1)"))
        for run_id, logged in points.items():
            conn.execute(
                sa.text(
                    "INSERT INTO runs (id, experiment_id, name, kind, status, start_time) "
                    "VALUES (:id, 1, 'old', 'script', 'finished', 5)"
                ),
                {"id": run_id},
            )
            conn.execute(
                sa.insert(Metric.__table__),
                [
                    {"run_id": run_id, "key": k, "value": v, "step": s, "timestamp": t}
                    for k, v, s, t in logged
                ],
            )
    engine.dispose()
    # When the current package opens it
    store = Store(location)
    try:
        # Then its rollups are those the points would have made had they been logged now
        assert_rollups_of(store, points)
        # And its long histories are downsampled from them
        assert check(store, points[RUN], 300, key="loss").shift > 0
        assert check(store, points[RUN], 300, key="acc").shift > 0
        check(store, points[RUN], 50, -100, 8_000, key="loss")
    finally:
        store.dispose()


def assert_rollups_of(store, points):
    """The store's rollups are those of ``points`` (run id -> points) logged at once:
    a whole row per history, and rows at every shift for the long ones."""
    want = {}
    for run_id, logged in points.items():
        counts = {}
        for key, *_ in logged:
            counts[key] = counts.get(key, 0) + 1
        long = {key for key, count in counts.items() if count > rollups.LONG}
        for row in rollups.whole_rows(run_id, logged) + rollups.level_rows(run_id, logged, long):
            want[(row["run_id"], row["shift"], row["key"], row["bucket"])] = row
    with store.read() as conn:
        rows = conn.execute(sa.select(rollups.ROLLUPS)).mappings().all()
    have = {(row["run_id"], row["shift"], row["key"], row["bucket"]): row for row in rows}
    assert have.keys() == want.keys()
    for slot, row in have.items():
        for column in ("n", "min_value", "max_value", "first_step", "last_step", "max_timestamp"):
            assert row[column] == want[slot][column], (slot, column)
        assert math.isclose(row["sum_value"], want[slot]["sum_value"], rel_tol=1e-9)


@pytest.mark.parametrize("sizes", [[1_000, 24, 1, 500, 3_000], [1, 1_024, 1, 1], [2_000, 7]])
def test_a_history_growing_long_gets_rollups_of_all_its_points(store, sizes):
    # Given histories logged in batches of these sizes, in random order of steps, one of
    # them growing past the length from which rollups are kept, and a short one beside
    rng = random.Random(len(sizes))
    steps = list(range(-500, sum(sizes) - 500))
    rng.shuffle(steps)
    points = noisy("loss", steps, seed=13)
    short = noisy("lr", range(9), seed=14)
    start = 0
    for size in sizes:
        log(store, points[start : start + size] + short[:1])
        start += size
    # Then the rollups are those of every point, whichever batch made the history long
    assert_rollups_of(store, {RUN: points + short[:1] * len(sizes)})
    # And its history is downsampled as its points are
    check(store, points, 100)
    check(store, points, 50, -7, 333)


def test_deleting_a_run_leaves_none_of_its_rollups(store):
    # Given two runs with long histories
    log(store, noisy("loss", range(5_000)))
    log(store, noisy("loss", range(5_000)), run_id=OTHER)
    # When one run is deleted from the database (the store has no hard delete of its own:
    # a deleted run is kept, marked; this is what removing it for good does)
    with store.write() as conn:
        conn.execute(sa.text("DELETE FROM runs WHERE id = :id"), {"id": RUN})
    # Then its rollups went with it, and the other run's are whole
    with store.read() as conn:
        left = conn.execute(
            sa.select(rollups.ROLLUPS.c.run_id, sa.func.count()).group_by(rollups.ROLLUPS.c.run_id)
        ).all()
        assert reads.metric_point_counts(conn, [RUN, OTHER]) == {(OTHER, "loss"): 5_000}
    assert [run_id for run_id, _ in left] == [OTHER]


@pytest.mark.parametrize("seed", range(4))
def test_plans_stay_within_the_buckets_asked_for_whatever_the_steps(seed):
    # Given ranges of steps anywhere in a BIGINT, short or long, and sizes of answer
    rng = random.Random(seed)
    for _ in range(2_000):
        ends = sorted(
            rng.choice(
                [
                    lambda: rng.randint(BIGINT_MIN, BIGINT_MAX),
                    lambda: rng.randint(-(10**6), 10**6),
                    lambda: rng.choice([BIGINT_MIN, BIGINT_MAX, 0, 2**62]),
                ]
            )()
            for _ in range(2)
        )
        low, high = ends
        buckets = rng.choice([1, 10, 500, 2000, 20_000])
        # When a plan is made
        chosen = rollups.plan(low, high, buckets)
        # Then the steps fall into at most that many equal ranges, no wider than allowed,
        # numbered without leaving a BIGINT
        last = ((high >> chosen.shift) - chosen.base) // chosen.per
        assert 0 <= last < buckets
        assert chosen.width <= max(rollups.WIDER * ((high - low) // buckets + 1), 1)
        assert BIGINT_MIN <= (high >> chosen.shift) - chosen.base <= BIGINT_MAX
        assert chosen.shift in (0, *rollups.SHIFTS)


def test_values_at_the_float_limits_are_written_and_answered_finite(store):
    # Given a long history of values near the largest floats, of both signs, logged in
    # batches whose sums overflow one way and then the other
    big = 1.7e308
    points = [("huge", big if step < 1500 else -big, step, step) for step in range(3000)]
    # When it is written (every batch must be: nothing logged may be refused)
    log(store, points, batch=500)
    # Then the downsampled history is finite, with exact envelopes
    with store.read() as conn:
        buckets = reads.metric_history_buckets(conn, RUN, "huge", 100)
    assert sum(bucket["count"] for bucket in buckets) == 3000
    assert all(math.isfinite(bucket["value"]) for bucket in buckets)
    assert min(bucket["min"] for bucket in buckets) == -big
    assert max(bucket["max"] for bucket in buckets) == big


def test_a_history_longer_than_one_statement_takes_is_written_whole(store, monkeypatch):
    # Given a SQLite that takes few variables a statement (as old builds do)
    from mlops_jlab.store import bulk

    monkeypatch.setattr(bulk, "_SQLITE_VARIABLES", 999)
    # When a history of 12,345 points is written in one batch
    points = noisy("loss", range(12_345), seed=31)
    log(store, points, batch=20_000)
    # Then every point is there, and the rollups are those of every point
    with store.read() as conn:
        assert reads.metric_point_counts(conn, [RUN]) == {(RUN, "loss"): 12_345}
    assert_rollups_of(store, {RUN: points})


def test_a_long_batch_writes_what_short_batches_write(store):
    # Given points of a long history and short ones beside it, steps in no order, some
    # logged twice with the same timestamp (the later one is the latest), a key not ASCII
    points = noisy("loss", range(-2_000, 4_000), seed=41) + noisy("accuracy", range(3), seed=42)
    points += noisy("précision", range(50), seed=43)
    random.Random(44).shuffle(points)
    points[10:10] = [("loss", 1.5, 3_999, 10**12), ("accuracy", 0.25, 2, 10**12)]
    points += [("loss", 2.5, 3_999, 10**12), ("accuracy", 0.5, 1, 10**12)]
    # When one run writes them in one batch (as columns), the other in short batches
    log(store, points, batch=len(points))
    log(store, points, run_id=OTHER, batch=rollup_arrays.MANY - 1)
    # Then both runs hold the same points, latest values and rollups
    with store.read() as conn:
        for table in ("metrics", "latest_metrics", "metric_rollups"):
            held = {
                run_id: sorted(
                    tuple(row[c] for c in row if c not in ("id", "run_id", "sum_value"))
                    for row in conn.execute(
                        sa.text(f"SELECT * FROM {table} WHERE run_id = :id"), {"id": run_id}
                    ).mappings()
                )
                for run_id in (RUN, OTHER)
            }
            assert held[RUN] == held[OTHER], table
        latest = conn.execute(
            sa.text("SELECT key, value FROM latest_metrics WHERE run_id = :id ORDER BY key"),
            {"id": RUN},
        ).all()
    assert dict(latest)["loss"] == 2.5 and dict(latest)["accuracy"] == 0.25
    assert_rollups_of(store, {RUN: points, OTHER: points})
