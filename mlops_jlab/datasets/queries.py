"""The datasets' own SQL beyond the store's reads: who wrote and read a version, which
versions some runs read, what one run read and wrote, and each version's predecessor."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.lineage.queries import AmongIds, batched, unindexed
from mlops_jlab.store.tables import EVENTS, RUNS, VERSIONS


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


def versions_used(conn: Connection, run_id: str) -> list[tuple[str, str]]:
    """``(dataset version id, "INPUT" or "OUTPUT")`` for each version the run read or wrote,
    in the order recorded, each way once."""
    rows = conn.execute(
        sa.select(EVENTS.c.entity_id, EVENTS.c.direction)
        .where(
            EVENTS.c.run_id == run_id,
            EVENTS.c.direction.in_(("INPUT", "OUTPUT")),
            unindexed(EVENTS.c.entity_kind) == "dataset_version",
        )
        .order_by(EVENTS.c.id)
    ).all()
    return list(dict.fromkeys((entity, direction) for entity, direction in rows))


_EARLIER = VERSIONS.alias("earlier")
_PREVIOUS = sa.select(
    VERSIONS.c.id,
    sa.select(sa.func.max(_EARLIER.c.id))
    .where(_EARLIER.c.dataset_id == VERSIONS.c.dataset_id, _EARLIER.c.id < VERSIONS.c.id)
    .scalar_subquery(),
).where(AmongIds(VERSIONS.c.id))


def previous_versions(conn: Connection, version_ids: Sequence[int]) -> dict[int, int]:
    """For each of ``version_ids`` that is not its dataset's first, the version recorded
    just before it (what a diff compares it with)."""
    rows = batched(conn, _PREVIOUS, list(version_ids))
    return {version: previous for version, previous in rows if previous is not None}
