"""Schedules and their fires in the store: the statements, nothing else.

Every function takes a connection of :meth:`Store.read` or :meth:`Store.write`; the
callers hold the transaction. A fire moves a schedule's ``next_fire_at`` by an UPDATE that
names the value it expects, and is recorded as a job under the unique key (schedule, fire
time): of two schedulers that reach one fire, one records it and the other finds it taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.store.tables import JOBS, PIPELINE_VERSIONS, PIPELINES, SCHEDULES

# A schedule's jobs that still take one of its max_concurrent places.
AT_WORK = ("queued", "running")

_COLUMNS = [
    *SCHEDULES.c,
    PIPELINES.c.name.label("pipeline"),
    PIPELINE_VERSIONS.c.version.label("version"),
]
_FROM = SCHEDULES.join(PIPELINES, PIPELINES.c.id == SCHEDULES.c.pipeline_id).outerjoin(
    PIPELINE_VERSIONS, PIPELINE_VERSIONS.c.id == SCHEDULES.c.pipeline_version_id
)


def insert_schedule(conn: Connection, values: dict[str, Any]) -> int:
    return conn.execute(SCHEDULES.insert().values(**values)).inserted_primary_key[0]


def schedule(conn: Connection, schedule_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(sa.select(*_COLUMNS).select_from(_FROM).where(SCHEDULES.c.id == schedule_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def list_schedules(
    conn: Connection, *, pipeline: str | None = None, enabled: bool | None = None
) -> list[dict[str, Any]]:
    """Schedules by id, of a pipeline, paused or not."""
    statement = sa.select(*_COLUMNS).select_from(_FROM).order_by(SCHEDULES.c.id)
    if pipeline is not None:
        statement = statement.where(PIPELINES.c.name == pipeline)
    if enabled is not None:
        statement = statement.where(SCHEDULES.c.enabled == enabled)
    return [dict(row) for row in conn.execute(statement).mappings()]


def update_schedule(conn: Connection, schedule_id: int, **values: Any) -> bool:
    statement = SCHEDULES.update().where(SCHEDULES.c.id == schedule_id).values(**values)
    return conn.execute(statement).rowcount == 1


def delete_schedule(conn: Connection, schedule_id: int) -> bool:
    """Delete a schedule; its jobs stay, no longer linked to it (ON DELETE SET NULL)."""
    return conn.execute(SCHEDULES.delete().where(SCHEDULES.c.id == schedule_id)).rowcount == 1


def changes(conn: Connection) -> tuple[int, int]:
    """A marker that changes whenever a schedule is made, edited or deleted: how many
    there are and the sum of their ``updated_at`` (an edit moves one of those, a delete
    the count). One aggregate over a small table: cheap to read every few seconds."""
    count, total = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(SCHEDULES.c.updated_at), 0))
    ).one()
    return int(count), int(total)


def take_fire(conn: Connection, schedule_id: int, expected: int, next_fire_at: int) -> bool:
    """Move a schedule's ``next_fire_at`` from ``expected`` (the fires up to now are this
    caller's to record); False when another scheduler or an edit moved it first."""
    statement = (
        SCHEDULES.update()
        .where(SCHEDULES.c.id == schedule_id, SCHEDULES.c.next_fire_at == expected)
        .values(next_fire_at=next_fire_at)
    )
    return conn.execute(statement).rowcount == 1


def insert_fire(conn: Connection, row: dict[str, Any]) -> bool:
    """Record a fire's job unless its (schedule, fire time) is recorded already; returns
    whether this call recorded it."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    key = ["schedule_id", "fire_time"]
    statement = insert(JOBS).values(**row).on_conflict_do_nothing(index_elements=key)
    return conn.execute(statement).rowcount == 1


def jobs_at_work(conn: Connection, schedule_id: int) -> int:
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(JOBS)
        .where(JOBS.c.schedule_id == schedule_id, JOBS.c.status.in_(AT_WORK))
    ).scalar_one()


def queued_jobs(conn: Connection) -> list[str]:
    """The queued jobs of schedules, oldest first (a scheduler that starts hands them to
    its executor)."""
    rows = conn.execute(
        sa.select(JOBS.c.id)
        .where(JOBS.c.status == "queued", JOBS.c.schedule_id.is_not(None))
        .order_by(JOBS.c.created_at)
    )
    return list(rows.scalars())


def schedule_room(conn: Connection, schedule_ids: Sequence[int]) -> dict[int, int]:
    """How many more jobs each schedule may start now (its max_concurrent less those
    running)."""
    if not schedule_ids:
        return {}
    running = (
        sa.select(sa.func.count())
        .where(JOBS.c.schedule_id == SCHEDULES.c.id, JOBS.c.status == "running")
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(SCHEDULES.c.id, SCHEDULES.c.max_concurrent - running).where(
            SCHEDULES.c.id.in_(sorted(schedule_ids))
        )
    )
    return {schedule_id: room for schedule_id, room in rows}
