"""Stale runs: runs whose inputs or code have changed since they ran.

A run is stale when a dataset it read has changed since, or its cell's code has. A
dataset's current version is the one most recently recorded, read or written (so a file
changed back to earlier content is current again under its earlier version; a deleted
run's reads and writes count, as deleting a run does not undo them); a run that read
another version is stale unless it also read or wrote the current one itself. A
cell's current code is that of its latest run (same notebook and cell id); an earlier
run of the cell with other code is stale. :func:`stale_runs` answers for many runs at once
(a page of runs, or every run a batch at a time), with reasons a person can read; it is the
one home of the rule, which ``GET runs?stale=true`` walks too
(:mod:`~mlops_jlab.lineage.stale_search`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.lineage.queries import (
    AmongIds,
    batched,
    check_node,
    not_found,
    postgres_settings,
    run_rows,
    unindexed,
    version_key,
)
from mlops_jlab.store import search
from mlops_jlab.store.reads import ID_BATCH
from mlops_jlab.store.tables import (
    DATASETS,
    EVENTS,
    RUNS,
    VERSIONS,
)


@functools.cache
def _reads_and_versions() -> sa.Select:
    """The dataset versions the runs in ``:ids`` read, and every version of the datasets
    they read with when it was last seen: (dataset_id, version_id, is_read, run_id, seen)."""
    events, runs, read = EVENTS.alias("ev"), RUNS.alias("rr"), VERSIONS.alias("dv")
    reads = (
        sa.select(
            read.c.dataset_id,
            read.c.id.label("version_id"),
            sa.literal_column("1", sa.Integer).label("is_read"),
            events.c.run_id,
            sa.cast(sa.null(), sa.BigInteger).label("seen"),
        )
        .select_from(
            events.join(runs, runs.c.id == events.c.run_id).join(
                read, read.c.id == version_key(events.c.entity_kind, events.c.entity_id)
            )
        )
        .where(
            events.c.direction == "INPUT",
            unindexed(events.c.entity_kind) == "dataset_version",
            runs.c.deleted_at.is_(None),
            AmongIds(events.c.run_id),
        )
        .cte("reads")
    )
    # Every version of the datasets read, with when it was last seen: read or written by
    # a run, else recorded (its events come after its recording). A deleted run's events
    # count: deleting a run does not undo what it wrote.
    version, seen_by = VERSIONS.alias("sv"), EVENTS.alias("se")
    used_at = (
        sa.select(sa.func.max(seen_by.c.created_at))
        .where(
            seen_by.c.entity_kind == "dataset_version",
            seen_by.c.entity_id == sa.cast(version.c.id, sa.String),
        )
        .scalar_subquery()
    )
    versions = sa.select(
        version.c.dataset_id,
        version.c.id,
        sa.literal_column("0", sa.Integer),
        sa.cast(sa.null(), sa.String),
        sa.func.coalesce(used_at, version.c.created_at),
    ).where(version.c.dataset_id.in_(sa.select(reads.c.dataset_id)))
    return sa.select(sa.union_all(sa.select(reads), versions).subquery("rows"))


@functools.cache
def _changed_code() -> sa.Select:
    """Why the runs in ``:ids`` are stale for their code: (run_id, null, null, null,
    cell_id, notebook_path), for each of them whose cell's latest run has other code."""
    # The latest run of each cell carries the cell's current code.
    cells, cell_of = RUNS.alias("cr"), RUNS.alias("cw")
    newest_first = (cells.c.start_time.desc(), cells.c.id.desc())
    same_cell = (cells.c.notebook_path, cells.c.cell_id)
    latest = (
        sa.select(
            cells.c.id,
            cells.c.notebook_path,
            cells.c.cell_id,
            cells.c.code_hash,
            sa.func.first_value(cells.c.id)
            .over(partition_by=same_cell, order_by=newest_first)
            .label("newest_id"),
            sa.func.first_value(cells.c.code_hash)
            .over(partition_by=same_cell, order_by=newest_first)
            .label("newest_hash"),
        )
        .where(
            cells.c.deleted_at.is_(None),
            cells.c.notebook_path.is_not(None),
            cells.c.cell_id.is_not(None),
            sa.tuple_(*same_cell).in_(
                sa.select(cell_of.c.notebook_path, cell_of.c.cell_id).where(AmongIds(cell_of.c.id))
            ),
        )
        .subquery("latest")
    )
    changed_code = sa.select(
        latest.c.id,
        sa.cast(sa.null(), sa.String),
        sa.cast(sa.null(), sa.Integer),
        sa.cast(sa.null(), sa.Integer),
        latest.c.cell_id,
        latest.c.notebook_path,
    ).where(
        latest.c.newest_id != latest.c.id,
        latest.c.newest_hash != latest.c.code_hash,
        AmongIds(latest.c.id),
    )
    return changed_code


_OWN_VERSIONS = sa.select(EVENTS.c.run_id, EVENTS.c.entity_id).where(
    AmongIds(EVENTS.c.run_id), unindexed(EVENTS.c.entity_kind) == "dataset_version"
)


def _changed_data_of(conn: Connection, ids: list[str]) -> list[tuple[Any, ...]]:
    """Why the runs ``ids`` are stale for their data: (run_id, dataset, number of the
    version read, number of the current version, null, null). The windows (each dataset's
    current version, the versions' numbers) are taken here: over the few hundred rows of a
    page of runs, SQLite's window functions cost more than the rows."""
    versions: dict[int, dict[int, int]] = {}  # dataset -> version -> when last seen
    reads: list[tuple[int, int, str]] = []
    for dataset_id, version_id, is_read, run_id, seen in batched(conn, _reads_and_versions(), ids):
        if is_read:
            reads.append((dataset_id, version_id, run_id))
        else:
            versions.setdefault(dataset_id, {})[version_id] = seen
    numbers = {
        dataset_id: {version: number for number, version in enumerate(sorted(seen), start=1)}
        for dataset_id, seen in versions.items()
    }
    current = {
        dataset_id: max(seen, key=lambda version: (seen[version], version))
        for dataset_id, seen in versions.items()
    }
    behind = [read for read in reads if read[1] != current[read[0]]]
    if not behind:
        return []
    own = {
        (run_id, int(entity_id))
        for run_id, entity_id in batched(conn, _OWN_VERSIONS, sorted({r[2] for r in behind}))
        if entity_id.isascii() and entity_id.isdecimal()
    }
    names = dict(
        conn.execute(
            sa.select(DATASETS.c.id, DATASETS.c.name).where(
                DATASETS.c.id.in_(sorted({read[0] for read in behind}))
            )
        ).all()
    )
    return [
        (
            run_id,
            names[dataset_id],
            numbers[dataset_id][version_id],
            numbers[dataset_id][current[dataset_id]],
            None,
            None,
        )
        for dataset_id, version_id, run_id in behind
        if (run_id, current[dataset_id]) not in own
    ]


def stale_runs(conn: Connection, run_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The stale runs among ``run_ids`` (all runs when ``None``), with why.

    Parameters
    ----------
    conn
        A connection to the store.
    run_ids
        The runs to check; ids of unknown or deleted runs are ignored. ``None`` checks
        every run that is not deleted, a batch at a time.

    Returns
    -------
    dict
        Run id -> reasons, e.g. ``"read data/train.csv v2; v3 is newer"`` or ``"the
        cell's code changed since (a later run of cell 7f3a in analysis.ipynb)"``; runs
        that are not stale are left out.
    """
    if run_ids is None:
        # Every run, a batch at a time by the same rule as a page's runs.
        found: dict[str, list[str]] = {}
        token = None
        while True:
            page = search.search_runs(conn, max_results=ID_BATCH, page_token=token)
            found |= _stale_among(conn, page.run_ids)
            if (token := page.next_page_token) is None:
                return dict(sorted(found.items()))
    if isinstance(run_ids, str):
        raise InvalidInputError(
            "run_ids is a list of run ids; for one run use is_stale(conn, run_id)"
        )
    return _stale_among(
        conn, list(dict.fromkeys(run_id for run_id in run_ids if isinstance(run_id, str)))
    )


def _stale_among(conn: Connection, ids: list[str]) -> dict[str, list[str]]:
    """:func:`stale_runs` of the runs ``ids`` (no duplicates), by run id."""
    if not ids:
        return {}
    # Every step from the runs is an index lookup. Before a table has statistics (a new
    # store, until autovacuum analyzes it), PostgreSQL takes a runs table of a few hundred
    # rows for cheaper to scan, and scans it over and over: three times slower.
    with postgres_settings(conn, enable_seqscan="off"):
        rows = _changed_data_of(conn, ids) + batched(conn, _changed_code(), ids)
    data: dict[str, list[tuple[str, str]]] = {}
    code: dict[str, str] = {}
    for run_id, dataset, read, now, cell_id, notebook in rows:
        if dataset is None:
            code[run_id] = (
                f"the cell's code changed since (a later run of cell {cell_id} in {notebook})"
            )
        elif now > read:
            data.setdefault(run_id, []).append(
                (dataset, f"read {dataset} v{read}; v{now} is newer")
            )
        else:
            data.setdefault(run_id, []).append(
                (dataset, f"read {dataset} v{read}; it has changed back to v{now} since")
            )
    result = {}
    for run_id in sorted(data.keys() | code.keys()):
        reasons = [reason for _, reason in sorted(data.get(run_id, []))]
        result[run_id] = reasons + ([code[run_id]] if run_id in code else [])
    return result


def is_stale(conn: Connection, run_id: str) -> list[str]:
    """Why the run is stale (an empty list when it is not); see :func:`stale_runs`.

    Raises
    ------
    NotFoundError
        When there is no such run, or it was deleted.
    """
    check_node("run", run_id)
    if run_rows(conn, [run_id]) == {}:
        raise NotFoundError(not_found("run", run_id))
    return stale_runs(conn, [run_id]).get(run_id, [])


__all__ = ["is_stale", "stale_runs"]
