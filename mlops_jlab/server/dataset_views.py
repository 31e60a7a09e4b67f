"""Datasets for the REST API: their versions, one version whole, two versions' diff, the
versions compared runs read, and what one run read and wrote.

The numbers and statistics are those of the notebook's API (:mod:`mlops_jlab.datasets`,
:meth:`mlops_jlab.tracking.Tracker.diff_datasets`); here they are read from the store and
shaped as the response models of :mod:`mlops_jlab.server.schemas`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from mlops_jlab.datasets import queries
from mlops_jlab.errors import NotFoundError
from mlops_jlab.lineage.nodes import describe_nodes
from mlops_jlab.rules import storable
from mlops_jlab.server.schemas import (
    ColumnType,
    CompareDatasetRow,
    DatasetSummary,
    DatasetVersionName,
    DatasetVersionRef,
    DatasetVersionSummary,
    DescribeDatasetDiff,
    DescribeDatasetVersion,
    ListDatasets,
    ListDatasetVersions,
    RunDataset,
)
from mlops_jlab.store import reads

# What a profile keeps for drift rather than for reading: every value's count (up to
# 100,000 of them) or its sketch. Drift is computed here; a page shows the top values.
_FOR_DRIFT = ("value_counts", "value_sketch")


def _readable(profile: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {key: value for key, value in profile.items() if key not in _FOR_DRIFT}


def _summary(row: Mapping[str, Any]) -> DatasetVersionSummary:
    return DatasetVersionSummary(**{**row, "dataset": row["name"]})


def list_datasets(conn: Connection) -> ListDatasets:
    return ListDatasets(datasets=[DatasetSummary(**row) for row in reads.list_datasets(conn)])


def dataset_versions(conn: Connection, name: str) -> ListDatasetVersions:
    # A name no store can hold (PostgreSQL cannot even compare a NUL) names no dataset.
    rows = reads.dataset_versions(conn, name) if storable(name) else []
    if not rows:
        known = ", ".join(row["name"] for row in reads.list_datasets(conn)[:20]) or "none yet"
        raise NotFoundError(f"no dataset named {name[:200]!r}; datasets: {known}")
    return ListDatasetVersions(name=name, versions=[_summary(row) for row in rows])


def _version_row(conn: Connection, version_id: int) -> dict[str, Any]:
    found = reads.dataset_versions(conn, version_id=version_id)
    if not found:
        raise NotFoundError(
            f"no dataset version {version_id}; GET datasets/{{name}}/versions lists a "
            "dataset's versions with their ids"
        )
    return found[0]


def describe_version(conn: Connection, version_id: int) -> DescribeDatasetVersion:
    row = _version_row(conn, version_id)
    writers, readers = queries.version_use(conn, version_id)
    return DescribeDatasetVersion(
        **_summary(row).model_dump(),
        source=row["source"],
        columns=[ColumnType(name=str(c["name"]), dtype=str(c["dtype"])) for c in row["schema"]],
        profile={name: _readable(column) for name, column in (row["profile"] or {}).items()},
        written_by=writers,
        read_by=readers,
        same_content=[
            DatasetVersionName(id=other["id"], dataset=other["name"], version=other["version"])
            for other in reads.dataset_versions(conn, fingerprint=row["fingerprint"])
            if other["id"] != version_id
        ],
    )


def diff_versions(
    conn: Connection, a: int, b: int, thresholds: Mapping[str, float]
) -> DescribeDatasetDiff:
    """Version ``b`` against version ``a``: schema, counts, profile changes and drift."""
    from mlops_jlab.datasets import drift  # loads SciPy: only when a diff is asked for

    first, second = _version_row(conn, a), _version_row(conn, b)
    found = drift.diff(_description(first), _description(second), **thresholds)
    return DescribeDatasetDiff(
        a=_summary(first),
        b=_summary(second),
        schema_changes=found["schema"],
        rows=found["rows"],
        n_columns=found["n_columns"],
        columns={
            name: {**column, "a": _readable(column["a"]), "b": _readable(column["b"])}
            for name, column in found["columns"].items()
        },
        drifted_columns=found["drifted_columns"],
        thresholds=found["thresholds"],
        exact=found["exact"],
    )


def _description(row: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`mlops_jlab.datasets.drift.diff` compares; a version recorded without a table
    (a file pandas did not read) has an empty schema and profile."""
    return {
        "schema": row["schema"] or [],
        "n_rows": row["n_rows"],
        "n_columns": row["n_columns"],
        "profile": row["profile"] or {},
    }


def compared_inputs(conn: Connection, run_ids: Sequence[str]) -> list[CompareDatasetRow]:
    """Per dataset the runs read, the versions each run read (by run, in order)."""
    events = queries.versions_read(conn, run_ids)
    nodes = describe_nodes(conn, {("dataset_version", entity) for _, entity in events})
    read: dict[str, dict[str, list[DatasetVersionRef]]] = {}
    for run_id, entity in events:
        node = nodes.get(("dataset_version", entity))
        if node is None:
            continue
        reference = DatasetVersionRef(
            id=node["version_id"],
            version=node["version"],
            fingerprint=node["fingerprint"],
            role=node["role"],
            n_rows=node["n_rows"],
        )
        read.setdefault(node["dataset"], {}).setdefault(run_id, []).append(reference)
    rows = []
    for dataset in sorted(read):
        versions = [read[dataset].get(run_id, []) for run_id in run_ids]
        fingerprints = {tuple(ref.fingerprint for ref in found) for found in versions}
        rows.append(
            CompareDatasetRow(dataset=dataset, versions=versions, differs=len(fingerprints) > 1)
        )
    return rows


def run_datasets(conn: Connection, run_id: str) -> list[RunDataset]:
    """The dataset versions a run read and wrote, in the order recorded, each with the
    version before it."""
    used = queries.versions_used(conn, run_id)
    nodes = describe_nodes(conn, {("dataset_version", entity) for entity, _ in used})
    previous = queries.previous_versions(conn, [int(entity) for entity, _ in used])
    found = []
    for entity, direction in used:
        node = nodes.get(("dataset_version", entity))
        if node is None:  # an event whose version is gone
            continue
        found.append(
            RunDataset(
                direction="input" if direction == "INPUT" else "output",
                id=node["version_id"],
                dataset=node["dataset"],
                version=node["version"],
                fingerprint=node["fingerprint"],
                role=node["role"],
                n_rows=node["n_rows"],
                n_columns=node["n_columns"],
                previous_id=previous.get(node["version_id"]),
            )
        )
    return found
