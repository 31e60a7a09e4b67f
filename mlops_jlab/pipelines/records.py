"""Pipelines, their versions, sweeps and jobs in the store: the statements, nothing else.

Every function takes a connection of :meth:`Store.read` or :meth:`Store.write`; the
callers hold the transaction. A job moves ``queued -> running -> ended`` by UPDATEs that
name the status they expect, so two processes never both start or both end one job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab import processes
from mlops_jlab.pipelines import schedule_records
from mlops_jlab.rules import JOB_ENDED
from mlops_jlab.store.tables import (
    ARTIFACTS,
    JOBS,
    MODEL_VERSIONS,
    PARAMS,
    PIPELINE_VERSIONS,
    PIPELINES,
    RUN_ARTIFACTS,
    RUNS,
    SWEEPS,
)

# Serializes claims of job slots on PostgreSQL (SQLite's writers are serialized already).
_CLAIM_LOCK = 0x6A6F6273


def pipeline(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(PIPELINES).where(PIPELINES.c.name == name)).mappings().first()
    return dict(row) if row is not None else None


def pipelines(conn: Connection) -> list[dict[str, Any]]:
    """Every pipeline with its number of versions and jobs, by name."""
    versions = (
        sa.select(sa.func.count())
        .where(PIPELINE_VERSIONS.c.pipeline_id == PIPELINES.c.id)
        .scalar_subquery()
    )
    jobs = sa.select(sa.func.count()).where(JOBS.c.pipeline_id == PIPELINES.c.id).scalar_subquery()
    statement = sa.select(PIPELINES, versions.label("versions"), jobs.label("jobs")).order_by(
        PIPELINES.c.name
    )
    return [dict(row) for row in conn.execute(statement).mappings()]


def versions(conn: Connection, pipeline_id: int) -> list[dict[str, Any]]:
    """A pipeline's versions, oldest first."""
    rows = conn.execute(
        sa.select(PIPELINE_VERSIONS)
        .where(PIPELINE_VERSIONS.c.pipeline_id == pipeline_id)
        .order_by(PIPELINE_VERSIONS.c.version)
    ).mappings()
    return [dict(row) for row in rows]


def version(conn: Connection, version_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(PIPELINE_VERSIONS, PIPELINES.c.name.label("pipeline"))
            .join(PIPELINES, PIPELINES.c.id == PIPELINE_VERSIONS.c.pipeline_id)
            .where(PIPELINE_VERSIONS.c.id == version_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def save_version(
    conn: Connection, name: str, values: dict[str, Any], now: int
) -> tuple[dict[str, Any], bool]:
    """The version of pipeline ``name`` whose snapshot is ``values["snapshot_digest"]``:
    the one recorded, or a new one numbered after the latest (the pipeline is made when
    new). Returns it and whether it is new."""
    found = pipeline(conn, name)
    latest = {
        "notebook_path": values["notebook_path"],
        "snapshot_digest": values["snapshot_digest"],
        "parameter_schema": {"parameters": values["parameter_schema"]},
    }
    if found is None:
        pipeline_id = conn.execute(
            PIPELINES.insert().values(
                name=name, created_by=values.get("created_by"), created_at=now, **latest
            )
        ).inserted_primary_key[0]
    else:
        pipeline_id = found["id"]
        same = conn.execute(
            sa.select(PIPELINE_VERSIONS.c.id).where(
                PIPELINE_VERSIONS.c.pipeline_id == pipeline_id,
                PIPELINE_VERSIONS.c.snapshot_digest == values["snapshot_digest"],
            )
        ).scalar()
        if same is not None:
            return version(conn, same) or {}, False
    number = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(PIPELINE_VERSIONS.c.version), 0)).where(
            PIPELINE_VERSIONS.c.pipeline_id == pipeline_id
        )
    ).scalar_one()
    version_id = conn.execute(
        PIPELINE_VERSIONS.insert().values(
            pipeline_id=pipeline_id, version=number + 1, created_at=now, **values
        )
    ).inserted_primary_key[0]
    conn.execute(PIPELINES.update().where(PIPELINES.c.id == pipeline_id).values(**latest))
    return version(conn, version_id) or {}, True


# --- jobs -------------------------------------------------------------------------------

_JOB_COLUMNS = [
    *JOBS.c,
    PIPELINES.c.name.label("pipeline"),
    PIPELINE_VERSIONS.c.version.label("version"),
]
_JOB_FROM = JOBS.join(PIPELINES, PIPELINES.c.id == JOBS.c.pipeline_id).outerjoin(
    PIPELINE_VERSIONS, PIPELINE_VERSIONS.c.id == JOBS.c.pipeline_version_id
)


def insert_jobs(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    conn.execute(JOBS.insert(), list(rows))


def job(conn: Connection, job_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(sa.select(*_JOB_COLUMNS).select_from(_JOB_FROM).where(JOBS.c.id == job_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def list_jobs(
    conn: Connection,
    *,
    pipeline: str | None = None,
    status: str | None = None,
    sweep_id: str | None = None,
    schedule_id: int | None = None,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Jobs, newest first, of a pipeline, in a status, of a sweep, of a schedule or among
    ``ids``."""
    statement = sa.select(*_JOB_COLUMNS).select_from(_JOB_FROM)
    if pipeline is not None:
        statement = statement.where(PIPELINES.c.name == pipeline)
    if status is not None:
        statement = statement.where(JOBS.c.status == status)
    if sweep_id is not None:
        statement = statement.where(JOBS.c.sweep_id == sweep_id)
    if schedule_id is not None:
        statement = statement.where(JOBS.c.schedule_id == schedule_id)
    if ids is not None:
        statement = statement.where(JOBS.c.id.in_(list(ids)))
    statement = statement.order_by(JOBS.c.created_at.desc(), JOBS.c.id).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [dict(row) for row in conn.execute(statement).mappings()]


def update_job(conn: Connection, job_id: str, *, expect: str | None = None, **values: Any) -> bool:
    """Set ``values`` on a job (only while its status is ``expect``, when given); returns
    whether it was changed."""
    statement = JOBS.update().where(JOBS.c.id == job_id)
    if expect is not None:
        statement = statement.where(JOBS.c.status == expect)
    return conn.execute(statement.values(**values)).rowcount == 1


def claim(
    conn: Connection, job_ids: Sequence[str], limit: int | None, now: int
) -> list[dict[str, Any]]:
    """Start (``running``, by this process) the oldest queued jobs of ``job_ids`` that may
    start now, as many as leave at most ``limit`` jobs running in the whole store. Run in
    a write transaction: SQLite serializes writers, PostgreSQL takes a lock, so two
    processes never exceed the limit together."""
    if not job_ids:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK})
    free = None
    if limit is not None:
        running = conn.execute(
            sa.select(sa.func.count()).select_from(JOBS).where(JOBS.c.status == "running")
        ).scalar_one()
        free = limit - running
        if free <= 0:
            return []
    waiting = (
        sa.select(JOBS.c.id, JOBS.c.sweep_id, JOBS.c.schedule_id)
        .where(
            JOBS.c.id.in_(list(job_ids)),
            JOBS.c.status == "queued",
            sa.or_(JOBS.c.retry_at.is_(None), JOBS.c.retry_at <= now),
        )
        .order_by(JOBS.c.created_at, JOBS.c.id)
    )
    candidates = conn.execute(waiting).all()
    # A sweep runs at most its max_parallel jobs at once, a schedule its max_concurrent
    room = _sweep_room(conn, {sweep for _, sweep, _ in candidates if sweep is not None})
    schedules = {schedule for _, _, schedule in candidates if schedule is not None}
    schedule_room = schedule_records.schedule_room(conn, sorted(schedules))
    chosen = []
    for job_id, sweep_id, schedule_id in candidates:
        if free is not None and len(chosen) >= free:
            break
        if sweep_id is not None:
            if room[sweep_id] <= 0:
                continue
            room[sweep_id] -= 1
        if schedule_id is not None:
            if schedule_room.get(schedule_id, 1) <= 0:
                continue
            schedule_room[schedule_id] = schedule_room.get(schedule_id, 1) - 1
        chosen.append(job_id)
    started = []
    for job_id in chosen:
        if update_job(
            conn,
            job_id,
            expect="queued",
            status="running",
            started_at=now,
            heartbeat=now,
            ended_at=None,
            pid=processes.this_pid(),
            host=processes.this_host(),
            progress=None,
        ):
            started.append(job(conn, job_id) or {})
    return started


def _sweep_room(conn: Connection, sweep_ids: set[str]) -> dict[str, int]:
    """How many more jobs each sweep may start now."""
    if not sweep_ids:
        return {}
    running = (
        sa.select(sa.func.count())
        .where(JOBS.c.sweep_id == SWEEPS.c.id, JOBS.c.status == "running")
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(SWEEPS.c.id, SWEEPS.c.max_parallel - running).where(
            SWEEPS.c.id.in_(sorted(sweep_ids))
        )
    )
    return {sweep_id: room for sweep_id, room in rows}


def running_jobs(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            JOBS.c.id,
            JOBS.c.pid,
            JOBS.c.host,
            JOBS.c.heartbeat,
            JOBS.c.started_at,
            JOBS.c.attempt,
            JOBS.c.retries,
        ).where(JOBS.c.status == "running")
    ).mappings()
    return [dict(row) for row in rows]


def ended(status: str) -> bool:
    return status in JOB_ENDED


# --- sweeps -----------------------------------------------------------------------------


def insert_sweep(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(SWEEPS.insert().values(**values))


def sweep(conn: Connection, sweep_id: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(
                SWEEPS,
                PIPELINES.c.name.label("pipeline"),
                PIPELINE_VERSIONS.c.version.label("version"),
            )
            .join(PIPELINE_VERSIONS, PIPELINE_VERSIONS.c.id == SWEEPS.c.pipeline_version_id)
            .join(PIPELINES, PIPELINES.c.id == PIPELINE_VERSIONS.c.pipeline_id)
            .where(SWEEPS.c.id == sweep_id)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


# --- retention --------------------------------------------------------------------------


def outputs_beyond(conn: Connection, pipeline_id: int, keep: int) -> list[dict[str, Any]]:
    """The ended jobs of a pipeline older than its ``keep`` newest ended ones that still
    hold an output notebook or a log."""
    rows = conn.execute(
        sa.select(JOBS.c.id, JOBS.c.output_digest, JOBS.c.log_digest)
        .where(
            JOBS.c.pipeline_id == pipeline_id,
            JOBS.c.status.in_(JOB_ENDED),
            sa.or_(JOBS.c.output_digest.is_not(None), JOBS.c.log_digest.is_not(None)),
        )
        .order_by(JOBS.c.ended_at.desc(), JOBS.c.id.desc())
        .offset(keep)
    ).mappings()
    return [dict(row) for row in rows]


def forget_unreferenced(conn: Connection, digests: Sequence[str]) -> list[str]:
    """Delete the artifact records of ``digests`` that nothing refers to any more (a run,
    a model version, a pipeline, a version or a job): garbage collection then removes their
    blobs. Returns the digests forgotten."""
    forgotten = []
    references = [
        (RUN_ARTIFACTS.c.digest,),
        (MODEL_VERSIONS.c.artifact_digest,),
        (PIPELINES.c.snapshot_digest,),
        (PIPELINE_VERSIONS.c.snapshot_digest,),
        (JOBS.c.output_digest,),
        (JOBS.c.log_digest,),
    ]
    for digest in set(digests):
        used = any(
            conn.execute(sa.select(sa.literal(1)).where(column == digest).limit(1)).first()
            for (column,) in references
        )
        if not used:
            conn.execute(ARTIFACTS.delete().where(ARTIFACTS.c.digest == digest))
            forgotten.append(digest)
    return forgotten


def tracked_params(conn: Connection, notebook_path: str) -> dict[str, str]:
    """The params the runs of a notebook recorded, each key with its latest value."""
    rows = conn.execute(
        sa.select(PARAMS.c.key, PARAMS.c.value)
        .join(RUNS, RUNS.c.id == PARAMS.c.run_id)
        .where(RUNS.c.notebook_path == notebook_path, RUNS.c.deleted_at.is_(None))
        .order_by(RUNS.c.start_time)
    )
    return {key: value for key, value in rows}
