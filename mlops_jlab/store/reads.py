"""Reading runs whole: attributes, experiment name, params, latest metrics, tags, artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.store.models import (
    Dataset,
    DatasetVersion,
    Experiment,
    LatestMetric,
    Metric,
    Param,
    RegisteredModel,
    Run,
    RunArtifact,
    Tag,
)

RUNS = Run.__table__
EXPERIMENTS = Experiment.__table__
# Ids per statement: SQLite allows 32,766 bound values in one.
ID_BATCH = 10_000


def load_runs(conn: Connection, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Runs in the order of ``run_ids``, each a dict with ``params``, ``metrics`` (latest
    values) and ``tags``; four queries per 10,000 runs."""
    ids = list(run_ids)
    by_id: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), ID_BATCH):
        by_id.update(_load_batch(conn, ids[start : start + ID_BATCH]))
    return [by_id[run_id] for run_id in ids if run_id in by_id]


def _load_batch(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        sa.select(RUNS, EXPERIMENTS.c.name.label("experiment"))
        .join(EXPERIMENTS, EXPERIMENTS.c.id == RUNS.c.experiment_id)
        .where(RUNS.c.id.in_(ids))
    ).mappings()
    by_id = {row["id"]: {**row, "params": {}, "metrics": {}, "tags": {}} for row in rows}
    for table, field, column in (
        (Param.__table__, "params", "value"),
        (LatestMetric.__table__, "metrics", "value"),
        (Tag.__table__, "tags", "value"),
    ):
        for run_id, key, value in conn.execute(
            sa.select(table.c.run_id, table.c.key, table.c[column]).where(table.c.run_id.in_(ids))
        ):
            by_id[run_id][field][key] = value
    return by_id


def run_ids_starting(conn: Connection, prefix: str, limit: int) -> list[str]:
    """Up to ``limit`` ids of runs that start with ``prefix`` (ids are hexadecimal)."""
    if not prefix.isalnum() or not prefix.isascii():
        return []
    return list(
        conn.execute(
            sa.select(RUNS.c.id)
            .where(RUNS.c.id.like(prefix.lower() + "%"))
            .order_by(RUNS.c.id)
            .limit(limit)
        ).scalars()
    )


def run_exists(conn: Connection, run_id: str) -> bool:
    return conn.execute(sa.select(RUNS.c.id).where(RUNS.c.id == run_id)).first() is not None


def run_artifacts(conn: Connection, run_id: str) -> dict[str, str]:
    table = RunArtifact.__table__
    return dict(
        conn.execute(sa.select(table.c.name, table.c.digest).where(table.c.run_id == run_id)).all()
    )


def metric_history(conn: Connection, run_id: str, key: str) -> list[tuple[int, float, int]]:
    """Every ``(step, value, timestamp)`` of one metric of one run, by step."""
    table = Metric.__table__
    return [
        tuple(row)
        for row in conn.execute(
            sa.select(table.c.step, table.c.value, table.c.timestamp)
            .where(table.c.run_id == run_id, table.c.key == key)
            .order_by(table.c.step, table.c.timestamp)
        )
    ]


def counts(conn: Connection) -> dict[str, int]:
    """How many experiments, runs (not deleted), datasets and models the store holds."""

    def count(table: sa.Table, *where: Any) -> int:
        return conn.execute(
            sa.select(sa.func.count()).select_from(table).where(*where)
        ).scalar_one()

    return {
        "experiments": count(EXPERIMENTS),
        "runs": count(RUNS, RUNS.c.deleted_at.is_(None)),
        "datasets": count(Dataset.__table__),
        "models": count(RegisteredModel.__table__),
    }


DATASETS = Dataset.__table__
VERSIONS = DatasetVersion.__table__


def _numbered_versions():
    """Dataset versions with their number within their dataset (v1 is the first seen)."""
    number = sa.func.row_number().over(partition_by=VERSIONS.c.dataset_id, order_by=VERSIONS.c.id)
    return (
        sa.select(VERSIONS, DATASETS.c.name, number.label("version"))
        .join(DATASETS, DATASETS.c.id == VERSIONS.c.dataset_id)
        .subquery("numbered")
    )


def list_datasets(conn: Connection) -> list[dict[str, Any]]:
    """Every dataset with its number of versions and when the latest was recorded."""
    return [
        dict(row)
        for row in conn.execute(
            sa.select(
                DATASETS.c.name,
                DATASETS.c.source,
                sa.func.count(VERSIONS.c.id).label("versions"),
                sa.func.max(VERSIONS.c.created_at).label("latest_at"),
            )
            .join(VERSIONS, VERSIONS.c.dataset_id == DATASETS.c.id)
            .group_by(DATASETS.c.id, DATASETS.c.name, DATASETS.c.source)
            .order_by(DATASETS.c.name)
        ).mappings()
    ]


def dataset_versions(
    conn: Connection, name: str | None = None, version_id: int | None = None
) -> list[dict[str, Any]]:
    """The versions of dataset ``name`` (oldest first), or the one with ``version_id``."""
    numbered = _numbered_versions()
    statement = sa.select(numbered).order_by(numbered.c.id)
    if name is not None:
        statement = statement.where(numbered.c.name == name)
    if version_id is not None:
        statement = statement.where(numbered.c.id == version_id)
    return [dict(row) for row in conn.execute(statement).mappings()]
