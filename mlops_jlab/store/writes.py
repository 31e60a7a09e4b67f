"""Writes of the tracking API, as SQLAlchemy Core statements on a caller's transaction.

Each function does one thing in as few statements as possible: the tracking path runs
these for every run and must stay in the low milliseconds, so its statements are built
once per dialect (building a Core statement costs more than SQLite takes to run it).
"""

from __future__ import annotations

import functools
import math
import operator
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from mlops_jlab.errors import InvalidInputError, NotFoundError, RunStateError
from mlops_jlab.rules import NUMBER_PATTERN
from mlops_jlab.store import bulk, reads, rollup_arrays, rollups
from mlops_jlab.store.tables import (
    ARTIFACTS,
    DATASETS,
    ENVIRONMENTS,
    EVENTS,
    EXPERIMENTS,
    LATEST,
    PARAMS,
    ROLLUPS,
    RUN_ARTIFACTS,
    RUNS,
    TAGS,
    VERSIONS,
    Job,
)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _insert(conn: Connection, table: sa.Table):
    """An INSERT that supports ON CONFLICT on both backends."""
    return _dialect_insert(conn.dialect.name, table)


def _dialect_insert(dialect_name: str, table: sa.Table):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table)


# A run marked crashed while its process was alive after all (suspended longer than the
# grace period, say) is running again at its next heartbeat, and can still end.
_LIVE = sa.or_(RUNS.c.status == "running", RUNS.c.status == "crashed")  # no IN: see _execute
_TOUCH = (
    RUNS.update()
    .where(RUNS.c.id == sa.bindparam("run_id"), _LIVE)
    .values(heartbeat=sa.bindparam("now"), status="running", end_time=None, error=None)
)
_FINISH = (
    RUNS.update()
    .where(RUNS.c.id == sa.bindparam("run_id"), _LIVE)
    .values(
        status=sa.bindparam("status"),
        end_time=sa.bindparam("now"),
        heartbeat=sa.bindparam("now"),
        error=sa.bindparam("error"),
    )
)


@functools.cache
def _upserts(dialect_name: str) -> dict[str, Any]:
    """The hot path's INSERT ... ON CONFLICT statements for one dialect."""
    params = _dialect_insert(dialect_name, PARAMS).on_conflict_do_nothing(
        index_elements=["run_id", "key"]
    )
    latest = _dialect_insert(dialect_name, LATEST)
    newer = sa.or_(
        latest.excluded.step > LATEST.c.step,
        sa.and_(
            latest.excluded.step == LATEST.c.step, latest.excluded.timestamp >= LATEST.c.timestamp
        ),
    )
    latest = latest.on_conflict_do_update(
        index_elements=["run_id", "key"],
        set_={
            "value": latest.excluded.value,
            "step": latest.excluded.step,
            "timestamp": latest.excluded.timestamp,
        },
        where=newer,
    )
    tags = _dialect_insert(dialect_name, TAGS)
    tags = tags.on_conflict_do_update(
        index_elements=["run_id", "key"], set_={"value": tags.excluded.value}
    )
    rollup = rollups.upsert(dialect_name, _dialect_insert(dialect_name, ROLLUPS))
    return {"params": params, "latest": latest, "tags": tags, "rollups": rollup}


# Built once: the driver's SQL is made once per statement object.
_INSERT_RUN = RUNS.insert()
_METRIC_COLUMNS = ("run_id", "key", "value", "step", "timestamp")
_METRIC_TYPES = ("varchar", "varchar", "float8", "int8", "int8")
_INSERT_LINEAGE = EVENTS.insert()


@functools.lru_cache(maxsize=64)
def _driver_sql(
    dialect: Any, statement: Any, keys: tuple[str, ...]
) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """``statement`` as the driver's SQL, and what makes a row's parameters of it, in
    their order, with the values the statement holds itself (such as ``status =
    'running'``) where the row has none."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ())
    own = {key: value for key, value in compiled.params.items() if key not in keys}
    if own or not order:
        return str(compiled), lambda row: tuple(row[k] if k in row else own[k] for k in order)
    if len(order) == 1:
        return str(compiled), lambda row: (row[order[0]],)
    # itemgetter makes the tuples in C: long histories write tens of thousands of rows
    return str(compiled), operator.itemgetter(*order)


def _execute(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> int:
    """Run a statement of the tracking path; returns the rows it changed.

    On SQLite it goes straight to the driver's cursor, in the connection's transaction:
    SQLAlchemy's per-statement machinery costs several times what SQLite takes to run
    these statements, and a tracked cell makes a few of them every time it runs.
    """
    if conn.dialect.name != "sqlite" or not conn.dialect.positional:
        return conn.execute(statement, rows).rowcount
    sql, parameters = _driver_sql(conn.dialect, statement, tuple(rows[0]))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, list(map(parameters, rows)))
        return cursor.rowcount
    finally:
        cursor.close()


def _execute_blocks(
    conn: Connection, statement: Any, columns: Sequence[str], blocks: list[bulk.Block]
) -> None:
    """:func:`_execute` of the rows of blocks of columns (:func:`bulk.insert_blocks`),
    without a dict per row."""
    if conn.dialect.name != "sqlite" or not conn.dialect.positional:
        rows = [dict(zip(columns, row, strict=True)) for row in bulk.rows_of(blocks)]
        conn.execute(statement, rows)
        return
    compiled = statement.compile(dialect=conn.dialect, column_keys=list(columns))
    where = {name: index for index, name in enumerate(columns)}
    own = compiled.params
    ordered = [
        [block[where[name]] if name in where else own[name] for name in compiled.positiontup]
        for block in blocks
    ]
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(str(compiled), bulk.rows_of(ordered))
    finally:
        cursor.close()


def ensure_experiment(conn: Connection, name: str) -> int:
    """The id of experiment ``name``, created if it does not exist yet."""
    table = EXPERIMENTS
    conn.execute(
        _insert(conn, table)
        .values(name=name, created_at=now_ms())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return conn.execute(sa.select(table.c.id).where(table.c.name == name)).scalar_one()


def ensure_environment(conn: Connection, environment: dict[str, Any]) -> None:
    conn.execute(
        _insert(conn, ENVIRONMENTS)
        .values(**environment, created_at=now_ms())
        .on_conflict_do_nothing(index_elements=["hash"])
    )


def insert_run(conn: Connection, values: dict[str, Any]) -> None:
    _execute(conn, _INSERT_RUN, [values])


def touch_running(conn: Connection, run_id: str) -> None:
    """Refresh the run's heartbeat, and refuse if it is unknown or has ended.

    One statement does both: the UPDATE only matches a running run (or one taken for
    crashed, which the heartbeat proves wrong).
    """
    if conn.execute(_TOUCH, {"run_id": run_id, "now": now_ms()}).rowcount != 1:
        _refuse(conn, run_id)


def _refuse(conn: Connection, run_id: str) -> None:
    """Say why a run that must be running is not."""
    status = conn.execute(sa.select(RUNS.c.status).where(RUNS.c.id == run_id)).scalar()
    if status is None:
        raise NotFoundError(f"no run with id '{run_id}' in this store")
    raise RunStateError(f"run {run_id} has ended ({status}); start a new run to log more to it")


_NUMBER_RE = re.compile(NUMBER_PATTERN)


def as_number(value: str) -> float | None:
    """The param's value as a number, when it is written as one (and finite)."""
    if not _NUMBER_RE.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def check_parents(conn: Connection, parent_id: str | None, job_id: str | None) -> None:
    """Refuse a parent run or a job that the store does not hold."""
    if parent_id is not None and not reads.run_exists(conn, parent_id):
        raise NotFoundError(f"no parent run with id '{parent_id}' in this store")
    jobs = Job.__table__
    if (
        job_id is not None
        and conn.execute(sa.select(jobs.c.id).where(jobs.c.id == job_id)).first() is None
    ):
        raise NotFoundError(f"no job with id '{job_id}' in this store")


def insert_params(conn: Connection, run_id: str, params: dict[str, str]) -> None:
    """Record params; logging a key again with the same value is a no-op, with another
    value an error (params describe how the run was made, so they do not change)."""
    rows = [
        {"run_id": run_id, "key": key, "value": value, "value_num": as_number(value)}
        for key, value in params.items()
    ]
    if _execute(conn, _upserts(conn.dialect.name)["params"], rows) == len(rows):
        return
    existing = dict(
        conn.execute(
            sa.select(PARAMS.c.key, PARAMS.c.value).where(
                PARAMS.c.run_id == run_id, PARAMS.c.key.in_(list(params))
            )
        ).all()
    )
    for key, value in params.items():
        if existing.get(key, value) != value:
            raise InvalidInputError(
                f"param '{key}' of run {run_id} is already {existing[key]!r}, cannot change it "
                f"to {value!r}; params are fixed once logged: start a new run or use a tag"
            )


def insert_metrics(
    conn: Connection, run_id: str, points: Sequence[tuple[str, float, int, int]]
) -> None:
    """Append metric points ``(key, value, step, timestamp)``, keep the latest value per
    key (highest step, then newest) in ``latest_metrics``, and add the points to their
    histories' rollups (:mod:`mlops_jlab.store.rollups`). Written in bulk
    (:mod:`mlops_jlab.store.bulk`): a cell may log a hundred thousand points."""
    if len(points) >= rollup_arrays.MANY:
        _insert_histories(conn, run_id, rollup_arrays.histories(points))
        return
    bulk.insert_rows(
        conn,
        "metrics",
        _METRIC_COLUMNS,
        ((run_id, k, v, s, t) for k, v, s, t in points),
        _METRIC_TYPES,
    )
    latest: dict[str, tuple[str, float, int, int]] = {}
    for point in points:
        current = latest.get(point[0])
        if current is None or (point[2], point[3]) >= (current[2], current[3]):
            latest[point[0]] = point
    _execute(
        conn,
        _upserts(conn.dialect.name)["latest"],
        [
            {"run_id": run_id, "key": k, "value": v, "step": s, "timestamp": t}
            for k, v, s, t in latest.values()
        ],
    )
    wholes = rollups.whole_rows(run_id, points)
    _roll_up(
        conn,
        run_id,
        wholes,
        lambda keys: _upsert_rollups(conn, rollups.level_rows(run_id, points, keys)),
    )


def _insert_histories(
    conn: Connection, run_id: str, histories: dict[str, rollup_arrays.History]
) -> None:
    """:func:`insert_metrics` of a long batch, as columns by key: the same rows, made
    without a Python object per point (the batches a long history is written in, while its
    cell runs, cost the cell less so, and are written sooner)."""
    bulk.insert_blocks(
        conn,
        "metrics",
        _METRIC_COLUMNS,
        [(run_id, key, h.values, h.steps, h.stamps) for key, h in histories.items()],
        _METRIC_TYPES,
    )
    latest = []
    for key, history in histories.items():
        at = history.latest()
        latest.append(
            {
                "run_id": run_id,
                "key": key,
                "value": float(history.values[at]),
                "step": int(history.steps[at]),
                "timestamp": int(history.stamps[at]),
            }
        )
    _execute(conn, _upserts(conn.dialect.name)["latest"], latest)
    wholes = [
        row
        for key, history in histories.items()
        for row in rollup_arrays.whole_rows(run_id, rollups.WHOLE, key, history)
    ]
    _roll_up(
        conn,
        run_id,
        wholes,
        lambda keys: _upsert_levels(conn, run_id, {key: histories[key] for key in sorted(keys)}),
    )


def _roll_up(
    conn: Connection,
    run_id: str,
    wholes: list[dict[str, Any]],
    add_levels: Callable[[set[str]], None],
) -> None:
    """Add a batch's points to their histories' whole rows ``wholes`` and, for long
    histories, to their rollups: ``add_levels(keys)`` adds the batch's rows of those
    histories, which are made from their points when a history grows long in this batch."""
    upsert = _upserts(conn.dialect.name)["rollups"]
    _execute(conn, upsert, wholes)
    added = {row["key"]: row["n"] for row in wholes}
    # The upsert locks the whole rows until commit, so the counts read back are this
    # batch's plus those of the writes committed before it: one writer sees a history
    # grow long and fills its rollups, the writers after it add to them.
    counts = _point_counts(conn, run_id, list(added))
    long = {key for key, count in counts.items() if count > rollups.LONG}
    grown = {key for key in long if counts[key] - added[key] <= rollups.LONG}
    if long - grown:
        add_levels(long - grown)
    if grown:
        rollups.fill(conn, run_id, grown)


# From this many rows on, PostgreSQL takes rollups through a staging table (one statement).
_STAGED_ROWS = 256
_ROLLUP_TYPES = ("varchar", "int4", "varchar", *["int8"] * 2, *["float8"] * 3, *["int8"] * 3)


def _upsert_rollups(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Add ``rows`` to the rollups: a long history's batch adds thousands of them."""
    if not bulk.copies(conn) or len(rows) < _STAGED_ROWS:
        _execute(conn, _upserts(conn.dialect.name)["rollups"], rows)
        return
    values = operator.itemgetter(*rollups.COLUMNS)
    name = bulk.stage(conn, "metric_rollups", rollups.COLUMNS, _ROLLUP_TYPES, map(values, rows))
    conn.execute(_staged_upsert(name))


def _upsert_levels(
    conn: Connection, run_id: str, histories: dict[str, rollup_arrays.History]
) -> None:
    """Add the rows at every shift of :data:`rollups.SHIFTS` of long ``histories``' points
    (in key order) to their rollups, as blocks of columns (:func:`bulk.insert_blocks`)."""
    levels = {key: rollup_arrays.levels(rollups.SHIFTS, h) for key, h in histories.items()}
    # By shift, key and bucket: the order writers lock rollup rows in
    blocks = [
        (run_id, shift, key, *levels[key][shift]) for shift in rollups.SHIFTS for key in levels
    ]
    if bulk.copies(conn):
        name = bulk.stage_blocks(conn, "metric_rollups", rollups.COLUMNS, _ROLLUP_TYPES, blocks)
        conn.execute(_staged_upsert(name))
    else:
        _execute_blocks(conn, _upserts(conn.dialect.name)["rollups"], rollups.COLUMNS, blocks)


@functools.cache
def _staged_upsert(name: str) -> Any:
    batch = sa.table(name, *(sa.column(column) for column in rollups.COLUMNS))
    ordered = sa.select(*batch.c).order_by(batch.c.shift, batch.c.key, batch.c.bucket)
    insert = postgresql.insert(ROLLUPS).from_select(rollups.COLUMNS, ordered)
    return rollups.upsert("postgresql", insert)


_POINT_COUNT = "SELECT n FROM metric_rollups WHERE run_id = ? AND shift = ? AND key = ?"


def _point_counts(conn: Connection, run_id: str, keys: list[str]) -> dict[str, int]:
    """How many points the run's histories ``keys`` hold, from their whole rows (on
    SQLite through the driver's cursor, like :func:`_execute`)."""
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.driver_connection.cursor()
        try:
            return {
                key: cursor.execute(_POINT_COUNT, (run_id, rollups.WHOLE, key)).fetchone()[0]
                for key in keys
            }
        finally:
            cursor.close()
    table = rollups.ROLLUPS
    return dict(
        conn.execute(
            sa.select(table.c.key, table.c.n).where(
                table.c.run_id == run_id, table.c.shift == rollups.WHOLE, table.c.key.in_(keys)
            )
        ).all()
    )


def upsert_tags(conn: Connection, run_id: str, tags: dict[str, str]) -> None:
    _execute(
        conn,
        _upserts(conn.dialect.name)["tags"],
        [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()],
    )


# --- edits of recorded runs (the REST API's rename, note, tags and soft delete) ----------


def deleted_at(conn: Connection, run_id: str) -> int | None:
    """When the run was deleted (None: it is not); NotFoundError if there is no such run."""
    row = conn.execute(sa.select(RUNS.c.deleted_at).where(RUNS.c.id == run_id)).first()
    if row is None:
        raise NotFoundError(f"no run with id '{run_id}' in this store")
    return row[0]


def set_run_attributes(conn: Connection, run_id: str, **values: object) -> None:
    """Set the run's ``name``, ``note`` or ``deleted_at``."""
    conn.execute(RUNS.update().where(RUNS.c.id == run_id).values(**values))


def remove_tags(conn: Connection, run_id: str, keys: Sequence[str]) -> None:
    """Remove the run's tags ``keys`` (keys it does not have are ignored)."""
    if keys:
        conn.execute(TAGS.delete().where(TAGS.c.run_id == run_id, TAGS.c.key.in_(list(keys))))


def ensure_artifact(conn: Connection, digest: str, size: int, media_type: str) -> int:
    """Record a blob the artifact store holds (once); returns the time it is recorded at."""
    created = now_ms()
    conn.execute(
        _insert(conn, ARTIFACTS)
        .values(digest=digest, size=size, media_type=media_type, created_at=created)
        .on_conflict_do_nothing(index_elements=["digest"])
    )
    return created


def link_artifact(
    conn: Connection, run_id: str, name: str, digest: str, size: int, media_type: str, kind: str
) -> None:
    """Record a blob and name it in the run; logging the same name again replaces it."""
    created = ensure_artifact(conn, digest, size, media_type)
    stmt = _insert(conn, RUN_ARTIFACTS).values(
        run_id=run_id, name=name, digest=digest, kind=kind, created_at=created
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["run_id", "name"],
            set_={"digest": digest, "kind": kind, "created_at": created},
        )
    )


def finish_run(conn: Connection, run_id: str, status: str, error: str | None) -> None:
    values = {"run_id": run_id, "now": now_ms(), "status": status, "error": error}
    if _execute(conn, _FINISH, [values]) != 1:
        _refuse(conn, run_id)


_FIND_VERSION = (
    sa.select(VERSIONS.c.id)
    .join(DATASETS, DATASETS.c.id == VERSIONS.c.dataset_id)
    .where(DATASETS.c.name == sa.bindparam("name"), VERSIONS.c.fingerprint == sa.bindparam("fp"))
)


def find_dataset_version(conn: Connection, name: str, fingerprint: str) -> int | None:
    """The id of the version of dataset ``name`` with this content, if it is recorded."""
    return conn.execute(_FIND_VERSION, {"name": name, "fp": fingerprint}).scalar()


def ensure_dataset_version(
    conn: Connection,
    name: str,
    fingerprint: str,
    description: dict[str, Any] | None,
    *,
    source: str | None = None,
    role: str | None = None,
) -> int:
    """The id of the version of dataset ``name`` with this content, recorded if new.

    ``description`` is what :func:`mlops_jlab.datasets.profiling.describe` says of the content
    (schema, counts, profile); a file read without pandas has none.
    """
    created = now_ms()
    conn.execute(
        _insert(conn, DATASETS)
        .values(name=name, source=source, created_at=created)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    found = find_dataset_version(conn, name, fingerprint)
    if found is not None:
        return found
    dataset_id = conn.execute(sa.select(DATASETS.c.id).where(DATASETS.c.name == name)).scalar_one()
    description = description or {}
    conn.execute(
        _insert(conn, VERSIONS)
        .values(
            dataset_id=dataset_id,
            fingerprint=fingerprint,
            role=role,
            schema=description.get("schema", []),
            n_rows=description.get("n_rows"),
            n_columns=description.get("n_columns"),
            profile=description.get("profile"),
            source=source,
            created_at=created,
        )
        .on_conflict_do_nothing(index_elements=["dataset_id", "fingerprint"])
    )
    return conn.execute(_FIND_VERSION, {"name": name, "fp": fingerprint}).scalar_one()


def insert_lineage(conn: Connection, run_id: str, events: Sequence[tuple[str, str, str]]) -> None:
    """Record that the run read (INPUT) or produced (OUTPUT) entities, given as
    ``(entity_kind, entity_id, direction)``; the caller records each event once."""
    created = now_ms()
    _execute(
        conn,
        _INSERT_LINEAGE,
        [
            {
                "run_id": run_id,
                "entity_kind": kind,
                "entity_id": entity_id,
                "direction": direction,
                "created_at": created,
            }
            for kind, entity_id, direction in events
        ],
    )
