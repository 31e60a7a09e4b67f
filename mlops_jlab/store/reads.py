"""Reading runs whole: attributes, experiment name, params, latest metrics, tags, artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.store import rollups
from mlops_jlab.store.tables import (
    ARTIFACTS,
    DATASETS,
    ENVIRONMENTS,
    EXPERIMENTS,
    LATEST,
    METRICS,
    MODELS,
    PARAMS,
    RUN_ARTIFACTS,
    RUNS,
    TAGS,
    VERSIONS,
)

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
        (PARAMS, "params", "value"),
        (LATEST, "metrics", "value"),
        (TAGS, "tags", "value"),
    ):
        for run_id, key, value in conn.execute(
            sa.select(table.c.run_id, table.c.key, table.c[column]).where(table.c.run_id.in_(ids))
        ).all():
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


_RUN_ID = sa.select(RUNS.c.id).where(RUNS.c.id == sa.bindparam("run_id"))


def run_exists(conn: Connection, run_id: str) -> bool:
    return conn.execute(_RUN_ID, {"run_id": run_id}).first() is not None


def run_artifacts(conn: Connection, run_id: str) -> dict[str, str]:
    table = RUN_ARTIFACTS
    return dict(
        conn.execute(sa.select(table.c.name, table.c.digest).where(table.c.run_id == run_id)).all()
    )


def metric_history(conn: Connection, run_id: str, key: str) -> list[tuple[int, float, int]]:
    """Every ``(step, value, timestamp)`` of one metric of one run, by step."""
    table = METRICS
    return [
        tuple(row)
        for row in conn.execute(
            sa.select(table.c.step, table.c.value, table.c.timestamp)
            .where(table.c.run_id == run_id, table.c.key == key)
            .order_by(table.c.step, table.c.timestamp)
        )
    ]


def counts(conn: Connection, run_limit: int | None = None) -> dict[str, Any]:
    """How many experiments, runs (not deleted), datasets and models the store holds. Runs
    are counted up to ``run_limit`` when given (``runs_complete`` false past it): a million
    of them take a scan of their index, which a cold page cache makes seconds."""

    def count(table: sa.Table, *where: Any, limit: int | None = None) -> int:
        matching = sa.select(sa.literal(1)).select_from(table).where(*where).limit(limit)
        return conn.execute(
            sa.select(sa.func.count()).select_from(matching.subquery())
        ).scalar_one()

    bound = None if run_limit is None else run_limit + 1
    runs = count(RUNS, RUNS.c.deleted_at.is_(None), limit=bound)
    complete = run_limit is None or runs <= run_limit
    return {
        "experiments": count(EXPERIMENTS),
        "runs": runs if complete else run_limit,
        "runs_complete": complete,
        "datasets": count(DATASETS),
        "models": count(MODELS),
    }


def _numbered_versions(datasets: sa.Select | None = None):
    """Dataset versions with their number within their dataset (v1 is the first seen), of
    the datasets whose ids ``datasets`` selects (None: all). A version's number needs its
    own dataset's versions alone: numbering every version of the store to answer for one
    read them all (63 ms at 50,000 versions)."""
    number = sa.func.row_number().over(partition_by=VERSIONS.c.dataset_id, order_by=VERSIONS.c.id)
    statement = sa.select(VERSIONS, DATASETS.c.name, number.label("version")).join(
        DATASETS, DATASETS.c.id == VERSIONS.c.dataset_id
    )
    if datasets is not None:
        statement = statement.where(VERSIONS.c.dataset_id.in_(datasets))
    return statement.subquery("numbered")


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
    conn: Connection,
    name: str | None = None,
    version_id: int | None = None,
    fingerprint: str | None = None,
) -> list[dict[str, Any]]:
    """The versions of dataset ``name`` (oldest first), the one with ``version_id``, or
    those of any dataset holding the content ``fingerprint``."""
    datasets = None
    if name is not None:
        datasets = sa.select(DATASETS.c.id).where(DATASETS.c.name == name)
    for column, value in ((VERSIONS.c.id, version_id), (VERSIONS.c.fingerprint, fingerprint)):
        if value is not None:
            datasets = sa.select(VERSIONS.c.dataset_id).where(column == value)
    numbered = _numbered_versions(datasets)
    statement = sa.select(numbered).order_by(numbered.c.id)
    if name is not None:
        statement = statement.where(numbered.c.name == name)
    if version_id is not None:
        statement = statement.where(numbered.c.id == version_id)
    if fingerprint is not None:
        statement = statement.where(numbered.c.fingerprint == fingerprint)
    return [dict(row) for row in conn.execute(statement).mappings()]


# --- reads of the REST API ---------------------------------------------------------------

# What a row of the runs table shows: every attribute but the large ones (code, error).
SUMMARY_COLUMNS = (
    "id",
    "name",
    "status",
    "kind",
    "start_time",
    "end_time",
    "user",
    "notebook_path",
    "cell_id",
    "parent_id",
    "job_id",
    "git_commit",
    "deleted_at",
)


_IDS = sa.bindparam("ids", expanding=True)
# Made once: a statement built per call with its ids as literals costs more to compile
# than to run.
_SUMMARY_ROWS = (
    sa.select(*(RUNS.c[name] for name in SUMMARY_COLUMNS), EXPERIMENTS.c.name.label("experiment"))
    .join(EXPERIMENTS, EXPERIMENTS.c.id == RUNS.c.experiment_id)
    .where(RUNS.c.id.in_(_IDS))
)
_SUMMARY_VALUES = [
    (
        field,
        sa.select(table.c.run_id, table.c.key, table.c.value).where(table.c.run_id.in_(_IDS)),
    )
    for field, table in (
        ("params", PARAMS),
        ("metrics", LATEST),
        ("tags", TAGS),
    )
]


def load_run_summaries(
    conn: Connection,
    run_ids: Sequence[str],
    params: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Runs in the order of ``run_ids`` without their code, each with the params, latest
    metric values and tags of the keys asked for (None: every key); four queries."""
    ids = list(run_ids)
    if not ids:
        return []
    result = conn.execute(_SUMMARY_ROWS, {"ids": ids})
    # Rows zipped with the column names once: a mapping per row asks for its keys each time,
    # a third of the time of a page of 1,000 runs.
    columns = list(result.keys())
    by_id = {}
    for values in result.all():
        row = dict(zip(columns, values, strict=True), params={}, metrics={}, tags={})
        by_id[row["id"]] = row
    selected = {"params": params, "metrics": metrics, "tags": tags}
    for field, statement in _SUMMARY_VALUES:
        keys = selected[field]
        if keys is not None and not keys:
            continue
        # Keys are picked here, not in SQL: "key IN (...)" leads the planner to the
        # (key, value, run_id) index, a scan of every run with the key.
        wanted = None if keys is None else set(keys)
        # all(): the driver fetches the rows in one call rather than one call per row
        for run_id, key, value in conn.execute(statement, {"ids": ids}).all():
            if wanted is None or key in wanted:
                by_id[run_id][field][key] = value
    return [by_id[run_id] for run_id in ids if run_id in by_id]


def run_artifact_details(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """A run's named artifacts with their digest, kind, size and media type, by name."""
    return [
        dict(row)
        for row in conn.execute(
            sa.select(
                RUN_ARTIFACTS.c.name,
                RUN_ARTIFACTS.c.digest,
                RUN_ARTIFACTS.c.kind,
                RUN_ARTIFACTS.c.created_at,
                ARTIFACTS.c.size,
                ARTIFACTS.c.media_type,
            )
            .join(ARTIFACTS, ARTIFACTS.c.digest == RUN_ARTIFACTS.c.digest)
            .where(RUN_ARTIFACTS.c.run_id == run_id)
            .order_by(RUN_ARTIFACTS.c.name)
        ).mappings()
    ]


def artifact_digests(conn: Connection) -> set[str]:
    """Every artifact the store knows: what runs, model versions, pipelines and jobs refer
    to (they name artifacts by these digests)."""
    return set(conn.execute(sa.select(ARTIFACTS.c.digest)).scalars())


def artifact_record(conn: Connection, digest: str) -> dict[str, Any] | None:
    """An artifact's size and media type and the name a run gave it last (None if no
    run names it), or None if the store has no artifact ``digest``."""
    row = (
        conn.execute(
            sa.select(ARTIFACTS.c.digest, ARTIFACTS.c.size, ARTIFACTS.c.media_type).where(
                ARTIFACTS.c.digest == digest
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    name = conn.execute(
        sa.select(RUN_ARTIFACTS.c.name)
        .where(RUN_ARTIFACTS.c.digest == digest)
        .order_by(RUN_ARTIFACTS.c.created_at.desc(), RUN_ARTIFACTS.c.name)
        .limit(1)
    ).scalar()
    return {**row, "name": name}


def environments(conn: Connection, hashes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Python version, platform and packages of each environment hash found."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    return {
        row["hash"]: dict(row)
        for row in conn.execute(
            sa.select(
                ENVIRONMENTS.c.hash,
                ENVIRONMENTS.c.python_version,
                ENVIRONMENTS.c.platform,
                ENVIRONMENTS.c.packages,
            ).where(ENVIRONMENTS.c.hash.in_(wanted))
        ).mappings()
    }


def list_experiments(conn: Connection) -> list[dict[str, Any]]:
    """Every experiment by name, with its number of runs (not deleted) and latest start."""
    # Runs are counted per experiment before the join, from the (experiment_id,
    # deleted_at, start_time) index alone: no row of the runs table is read.
    live = (
        sa.select(
            RUNS.c.experiment_id,
            sa.func.count().label("runs"),
            sa.func.max(RUNS.c.start_time).label("last_run_at"),
        )
        .where(RUNS.c.deleted_at.is_(None))
        .group_by(RUNS.c.experiment_id)
        .subquery("live")
    )
    return [
        dict(row)
        for row in conn.execute(
            sa.select(
                EXPERIMENTS.c.id,
                EXPERIMENTS.c.name,
                EXPERIMENTS.c.description,
                EXPERIMENTS.c.created_at,
                sa.func.coalesce(live.c.runs, 0).label("runs"),
                live.c.last_run_at,
            )
            .select_from(EXPERIMENTS.outerjoin(live, live.c.experiment_id == EXPERIMENTS.c.id))
            .order_by(EXPERIMENTS.c.name)
        ).mappings()
    ]


def _step_range(min_step: int | None, max_step: int | None) -> list[Any]:
    where = []
    if min_step is not None:
        where.append(METRICS.c.step >= min_step)
    if max_step is not None:
        where.append(METRICS.c.step <= max_step)
    return where


def metric_points(
    conn: Connection,
    run_id: str,
    key: str,
    limit: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> list[tuple[int, float, int]]:
    """Up to ``limit`` points ``(step, value, timestamp)`` of one history, by step."""
    return [
        tuple(row)
        for row in conn.execute(
            sa.select(METRICS.c.step, METRICS.c.value, METRICS.c.timestamp)
            .where(METRICS.c.run_id == run_id, METRICS.c.key == key)
            .where(*_step_range(min_step, max_step))
            .order_by(METRICS.c.step, METRICS.c.timestamp)
            .limit(limit)
        )
    ]


def metric_history_buckets(
    conn: Connection,
    run_id: str,
    key: str,
    buckets: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> list[dict[str, Any]]:
    """One history cut into at most ``buckets`` equal ranges of steps, aggregated by the
    database: per bucket its first step, the mean, lowest and highest value, the number of
    points and the latest time. A long history is read from its rollups (a few thousand
    rows, see :mod:`mlops_jlab.store.rollups`), never point by point."""
    whole = rollups.whole(conn, run_id, key)
    if whole is None:
        return []
    low, high = whole["first_step"], whole["last_step"]
    if min_step is not None or max_step is not None:
        where = [METRICS.c.run_id == run_id, METRICS.c.key == key]
        where += _step_range(min_step, max_step)
        low = conn.execute(
            sa.select(METRICS.c.step).where(*where).order_by(METRICS.c.step).limit(1)
        ).scalar()
        if low is None:
            return []
        high = conn.execute(
            sa.select(METRICS.c.step).where(*where).order_by(METRICS.c.step.desc()).limit(1)
        ).scalar_one()
    chosen = rollups.plan(low, high, buckets)
    if whole["n"] <= rollups.LONG or not chosen.shift:
        return rollups.from_points(conn, run_id, key, chosen, low, high)
    return rollups.history_buckets(conn, run_id, key, chosen, low, high, min_step, max_step)


def metric_point_counts(
    conn: Connection, run_ids: Sequence[str], keys: Sequence[str] | None = None
) -> dict[tuple[str, str], int]:
    """How many points each (run, metric) history of these runs holds (only ``keys``
    unless None); read from their whole-history rollups, a row each, so a history of a
    million points costs what a short one does."""
    table = rollups.ROLLUPS
    statement = sa.select(table.c.run_id, table.c.key, table.c.n).where(
        table.c.run_id.in_(list(run_ids)), table.c.shift == rollups.WHOLE
    )
    if keys is not None:
        statement = statement.where(table.c.key.in_(list(keys)))
    return {(run_id, key): count for run_id, key, count in conn.execute(statement)}


def metric_points_beyond(
    conn: Connection,
    run_id: str,
    key: str,
    count: int,
    min_step: int | None = None,
    max_step: int | None = None,
) -> bool:
    """Whether one history holds more than ``count`` points (within ``min_step..max_step``),
    found by stepping over ``count`` entries of the (run_id, key, step) index."""
    return (
        conn.execute(
            sa.select(METRICS.c.step)
            .where(METRICS.c.run_id == run_id, METRICS.c.key == key)
            .where(*_step_range(min_step, max_step))
            .order_by(METRICS.c.step)
            .offset(count)
            .limit(1)
        ).first()
        is not None
    )


RUNS_PER_HISTORY_QUERY = 50


def metric_histories(
    conn: Connection, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[tuple[int, float, int]]]:
    """Every point ``(step, value, timestamp)`` of each (run, metric) history in ``pairs``,
    by step, in one query per 50 runs."""
    found: dict[tuple[str, str], list[tuple[int, float, int]]] = {pair: [] for pair in pairs}
    by_run: dict[str, list[str]] = {}
    for run_id, key in found:
        by_run.setdefault(run_id, []).append(key)
    runs = list(by_run.items())
    for start in range(0, len(runs), RUNS_PER_HISTORY_QUERY):
        # One (run_id = ? AND key IN (...)) per run: each reads its range of the
        # (run_id, key, step) index, where a row-value IN would scan the table.
        wanted = sa.or_(
            *(
                sa.and_(METRICS.c.run_id == run_id, METRICS.c.key.in_(keys))
                for run_id, keys in runs[start : start + RUNS_PER_HISTORY_QUERY]
            )
        )
        for run_id, key, step, value, timestamp in conn.execute(
            sa.select(
                METRICS.c.run_id,
                METRICS.c.key,
                METRICS.c.step,
                METRICS.c.value,
                METRICS.c.timestamp,
            )
            .where(wanted)
            .order_by(METRICS.c.run_id, METRICS.c.key, METRICS.c.step, METRICS.c.timestamp)
        ):
            found[(run_id, key)].append((step, value, timestamp))
    return found


def run_status(conn: Connection, run_id: str) -> str | None:
    """The run's status, or None if the store has no such run."""
    return conn.execute(sa.select(RUNS.c.status).where(RUNS.c.id == run_id)).scalar()
