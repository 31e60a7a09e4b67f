"""The datasets' own SQL beyond the store's reads: who wrote and read a version, and which
versions some runs read."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.lineage.queries import unindexed
from mlops_jlab.store.tables import EVENTS, RUNS


def version_use(conn: Connection, version_id: int) -> tuple[list[str], int]:
    """The runs (not deleted) that wrote the version, in order, and how many read it."""
    rows = conn.execute(
        sa.select(EVENTS.c.run_id, EVENTS.c.direction)
        .join(RUNS, RUNS.c.id == EVENTS.c.run_id)
        .where(
            EVENTS.c.entity_kind == "dataset_version",
            EVENTS.c.entity_id == str(version_id),
            RUNS.c.deleted_at.is_(None),
        )
        .order_by(EVENTS.c.id)
    ).all()
    writers = list(dict.fromkeys(run_id for run_id, way in rows if way == "OUTPUT"))
    readers = {run_id for run_id, way in rows if way == "INPUT"}
    return writers, len(readers)


def versions_read(conn: Connection, run_ids: Sequence[str]) -> list[tuple[str, str]]:
    """``(run id, dataset version id)`` for each version the runs read, in the order read."""
    rows = conn.execute(
        sa.select(EVENTS.c.run_id, EVENTS.c.entity_id)
        .where(
            EVENTS.c.run_id.in_(list(run_ids)),
            unindexed(EVENTS.c.entity_kind) == "dataset_version",
            EVENTS.c.direction == "INPUT",
        )
        .order_by(EVENTS.c.id)
    ).all()
    return [(run_id, entity) for run_id, entity in rows]
