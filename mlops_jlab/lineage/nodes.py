"""Lineage nodes as the graph shows them: runs, dataset versions, artifacts, model
versions, registry events, pipeline versions and jobs, described from their rows, and
placeholders for the ones whose row is gone.

Every node has ``id`` (``<kind>:<id>``), ``kind``, ``label`` and ``stale``; the other
fields depend on the kind (``None`` where nothing is recorded):

- run: ``run_id``, ``status``, ``name``, ``experiment_id``, ``notebook_path``,
  ``cell_id``, ``user``, ``start_time``, ``end_time``, ``stale_reasons``;
- dataset_version: ``version_id``, ``dataset``, ``version`` (1 for a dataset's first
  version, in the order recorded), ``fingerprint``, ``role``, ``n_rows``, ``n_columns``,
  ``parent_version_id``, ``created_at``;
- artifact: ``digest``, ``name`` (as its first run named it), ``artifact_kind``,
  ``media_type``, ``size``, ``fingerprint`` (the digest), ``created_at``;
- model_version: ``version_id``, ``model``, ``version``, ``run_id``, ``fingerprint``
  (the model artifact's digest), ``created_at``;
- registry_event: ``event_id``, ``model``, ``event`` (alias_set, alias_removed,
  request_created, request_approved, request_rejected, recommendation_made,
  recommendation_accepted, recommendation_dismissed), ``actor``, ``details`` (the alias,
  the request or recommendation and its comment, ...), ``created_at``;
- pipeline_version: ``version_id``, ``pipeline``, ``version``, ``notebook_path``,
  ``parameters`` (the parameter schema in brief: ``lr: float = 0.1, depth: int = 3``),
  ``created_by``, ``created_at``;
- job: ``job_id``, ``pipeline``, ``pipeline_version_id``, ``version`` (the pipeline
  version's number), ``parameters`` (the values it ran with), ``status``, ``attempt``,
  ``created_by``, ``created_at``, ``started_at``, ``ended_at``, ``error``.

Times are milliseconds since the epoch, as everywhere in the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.lineage.queries import (
    KINDS,
    AmongIds,
    batched,
)
from mlops_jlab.lineage.staleness import stale_runs
from mlops_jlab.store.tables import (
    ARTIFACTS,
    DATASETS,
    JOBS,
    MODEL_VERSIONS,
    MODELS,
    PIPELINE_VERSIONS,
    PIPELINES,
    REGISTRY_EVENTS,
    RUN_ARTIFACTS,
    RUNS,
    VERSIONS,
)


def _numbered(dataset_ids: Any) -> sa.Select:
    """The versions of the datasets ``dataset_ids`` selects, each with its ``number``: 1
    for a dataset's first version, in the order versions were recorded."""
    return sa.select(
        VERSIONS,
        sa.func.row_number()
        .over(partition_by=VERSIONS.c.dataset_id, order_by=VERSIONS.c.id)
        .label("number"),
    ).where(VERSIONS.c.dataset_id.in_(dataset_ids))


_RUN_NODES = sa.select(
    RUNS.c.id,
    RUNS.c.name,
    RUNS.c.status,
    RUNS.c.experiment_id,
    RUNS.c.notebook_path,
    RUNS.c.cell_id,
    RUNS.c.user,
    RUNS.c.start_time,
    RUNS.c.end_time,
).where(AmongIds(RUNS.c.id), RUNS.c.deleted_at.is_(None))
_ASKED = VERSIONS.alias("asked")
_NUMBERED = _numbered(sa.select(_ASKED.c.dataset_id).where(AmongIds(_ASKED.c.id))).subquery()
_VERSION_NODES = (
    sa.select(
        _NUMBERED.c.id,
        DATASETS.c.name.label("dataset"),
        _NUMBERED.c.number.label("version"),
        _NUMBERED.c.fingerprint,
        _NUMBERED.c.role,
        _NUMBERED.c.n_rows,
        _NUMBERED.c.n_columns,
        _NUMBERED.c.parent_version_id,
        _NUMBERED.c.created_at,
    )
    .join(DATASETS, DATASETS.c.id == _NUMBERED.c.dataset_id)
    .where(AmongIds(_NUMBERED.c.id))
)
_FIRST_NAMED = (
    sa.select(RUN_ARTIFACTS.c.name, RUN_ARTIFACTS.c.kind)
    .where(RUN_ARTIFACTS.c.digest == ARTIFACTS.c.digest)
    .order_by(RUN_ARTIFACTS.c.created_at, RUN_ARTIFACTS.c.name)
    .limit(1)
)
_ARTIFACT_NODES = sa.select(
    ARTIFACTS.c.digest,
    _FIRST_NAMED.with_only_columns(RUN_ARTIFACTS.c.name).scalar_subquery().label("name"),
    _FIRST_NAMED.with_only_columns(RUN_ARTIFACTS.c.kind).scalar_subquery().label("kind"),
    ARTIFACTS.c.media_type,
    ARTIFACTS.c.size,
    ARTIFACTS.c.created_at,
).where(AmongIds(ARTIFACTS.c.digest))
_MODEL_NODES = (
    sa.select(
        MODEL_VERSIONS.c.id,
        MODELS.c.name.label("model"),
        MODEL_VERSIONS.c.version,
        MODEL_VERSIONS.c.run_id,
        MODEL_VERSIONS.c.artifact_digest,
        MODEL_VERSIONS.c.created_at,
    )
    .join(MODELS, MODELS.c.id == MODEL_VERSIONS.c.model_id)
    .where(AmongIds(MODEL_VERSIONS.c.id))
)

_REGISTRY_NODES = (
    sa.select(
        REGISTRY_EVENTS.c.id,
        MODELS.c.name.label("model"),
        REGISTRY_EVENTS.c.kind,
        REGISTRY_EVENTS.c.actor,
        REGISTRY_EVENTS.c.details,
        REGISTRY_EVENTS.c.created_at,
    )
    .join(MODELS, MODELS.c.id == REGISTRY_EVENTS.c.model_id)
    .where(AmongIds(REGISTRY_EVENTS.c.id))
)

_PIPELINE_VERSION_NODES = (
    sa.select(
        PIPELINE_VERSIONS.c.id,
        PIPELINES.c.name.label("pipeline"),
        PIPELINE_VERSIONS.c.version,
        PIPELINE_VERSIONS.c.notebook_path,
        PIPELINE_VERSIONS.c.parameter_schema,
        PIPELINE_VERSIONS.c.created_by,
        PIPELINE_VERSIONS.c.created_at,
    )
    .join(PIPELINES, PIPELINES.c.id == PIPELINE_VERSIONS.c.pipeline_id)
    .where(AmongIds(PIPELINE_VERSIONS.c.id))
)
_JOB_NODES = (
    sa.select(
        JOBS.c.id,
        PIPELINES.c.name.label("pipeline"),
        JOBS.c.pipeline_version_id,
        PIPELINE_VERSIONS.c.version,
        JOBS.c.parameters,
        JOBS.c.status,
        JOBS.c.attempt,
        JOBS.c.created_by,
        JOBS.c.created_at,
        JOBS.c.started_at,
        JOBS.c.ended_at,
        JOBS.c.error,
    )
    .join(PIPELINES, PIPELINES.c.id == JOBS.c.pipeline_id)
    .outerjoin(PIPELINE_VERSIONS, PIPELINE_VERSIONS.c.id == JOBS.c.pipeline_version_id)
    .where(AmongIds(JOBS.c.id))
)


def _run_node(row: Sequence[Any], reasons: list[str]) -> dict[str, Any]:
    run_id, name, status, experiment_id, notebook_path, cell_id, user, start, end = row
    return {
        "id": f"run:{run_id}",
        "kind": "run",
        "label": name,
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "run_id": run_id,
        "status": status,
        "name": name,
        "experiment_id": experiment_id,
        "notebook_path": notebook_path,
        "cell_id": cell_id,
        "user": user,
        "start_time": start,
        "end_time": end,
    }


def _version_node(row: Sequence[Any]) -> dict[str, Any]:
    version_id, dataset, number, fingerprint, role, n_rows, n_columns, parent, created = row
    return {
        "id": f"dataset_version:{version_id}",
        "kind": "dataset_version",
        "label": f"{dataset}@v{number}",
        "stale": False,
        "version_id": version_id,
        "dataset": dataset,
        "version": number,
        "fingerprint": fingerprint,
        "role": role,
        "n_rows": n_rows,
        "n_columns": n_columns,
        "parent_version_id": parent,
        "created_at": created,
    }


def _artifact_node(row: Sequence[Any]) -> dict[str, Any]:
    digest, name, kind, media_type, size, created = row
    return {
        "id": f"artifact:{digest}",
        "kind": "artifact",
        "label": name or digest[:12],
        "stale": False,
        "digest": digest,
        "name": name,
        "artifact_kind": kind,
        "media_type": media_type,
        "size": size,
        "fingerprint": digest,
        "created_at": created,
    }


def _model_node(row: Sequence[Any]) -> dict[str, Any]:
    version_id, model, number, run_id, digest, created = row
    return {
        "id": f"model_version:{version_id}",
        "kind": "model_version",
        "label": f"{model} v{number}",
        "stale": False,
        "version_id": version_id,
        "model": model,
        "version": number,
        "run_id": run_id,
        "fingerprint": digest,
        "created_at": created,
    }


def _registry_label(event: str | None, details: dict[str, Any]) -> str:
    """``@champion -> v3``, ``request 4: @champion``, ``request 4 approved``,
    ``recommendation 2: retrain``, ``recommendation 2 accepted``."""
    alias, version = details.get("alias") or details.get("to"), details.get("version")
    request = details.get("request_id")
    if event == "alias_set":
        return f"@{alias} -> v{version}"
    if event == "alias_removed":
        return f"@{alias} removed"
    if event == "request_created":
        return f"request {request}: @{alias}"
    if event and event.startswith("recommendation_"):
        number = details.get("recommendation_id")
        if event == "recommendation_made":
            return f"recommendation {number}: {details.get('action')}"
        return f"recommendation {number} {event.removeprefix('recommendation_')}"
    return f"request {request} {(event or '').removeprefix('request_')}"


def _registry_node(row: Sequence[Any]) -> dict[str, Any]:
    event_id, model, event, actor, details, created = row
    return {
        "id": f"registry_event:{event_id}",
        "kind": "registry_event",
        "label": _registry_label(event, details or {}),
        "stale": False,
        "event_id": event_id,
        "model": model,
        "event": event,
        "actor": actor,
        "details": details,
        "created_at": created,
    }


def _parameters_summary(schema: Any) -> str:
    """A parameter schema in brief, as the cell reads: ``lr: float = 0.1, depth: int = 3``."""
    items = [item for item in schema or [] if isinstance(item, dict) and "name" in item]
    return ", ".join(
        f"{item['name']}: {item.get('type', 'any')} = {item.get('default_text', '')}"
        for item in items
    )


def _pipeline_version_node(row: Sequence[Any]) -> dict[str, Any]:
    version_id, pipeline, number, notebook_path, schema, created_by, created = row
    return {
        "id": f"pipeline_version:{version_id}",
        "kind": "pipeline_version",
        "label": f"{pipeline} v{number}",
        "stale": False,
        "version_id": version_id,
        "pipeline": pipeline,
        "version": number,
        "notebook_path": notebook_path,
        "parameters": _parameters_summary(schema) if schema is not None else None,
        "created_by": created_by,
        "created_at": created,
    }


def _job_node(row: Sequence[Any]) -> dict[str, Any]:
    (job_id, pipeline, version_id, number, parameters, status, attempt, created_by, created,
     started, ended, error) = row  # fmt: skip
    return {
        "id": f"job:{job_id}",
        "kind": "job",
        "label": f"{pipeline} ({status})" if pipeline and status else pipeline or job_id,
        "stale": False,
        "job_id": job_id,
        "pipeline": pipeline,
        "pipeline_version_id": version_id,
        "version": number,
        "parameters": parameters,
        "status": status,
        "attempt": attempt,
        "created_by": created_by,
        "created_at": created,
        "started_at": started,
        "ended_at": ended,
        "error": error,
    }


def placeholder(kind: str, key: str) -> dict[str, Any]:
    """A node a lineage event names but whose own row is gone: same fields, unknown."""
    if kind == "run":
        node = _run_node((key, *[None] * 8), [])
    elif kind == "artifact":
        node = _artifact_node((key, *[None] * 5))
    elif kind == "dataset_version":
        node = _version_node((int(key), *[None] * 8))
    elif kind == "registry_event":
        node = _registry_node((int(key), *[None] * 5))
    elif kind == "pipeline_version":
        node = _pipeline_version_node((int(key), *[None] * 6))
    elif kind == "job":
        node = _job_node((key, *[None] * 11))
    else:
        node = _model_node((int(key), *[None] * 5))
    return {**node, "label": key}


def describe_nodes(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The nodes ``(kind, id)`` that exist, as the lineage graph shows them (runs with their
    staleness); one query per kind per 10,000 nodes, and one for staleness."""
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, key in keys:
        by_kind[kind].append(key)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    run_rows = batched(conn, _RUN_NODES, by_kind["run"])
    reasons = stale_runs(conn, [row[0] for row in run_rows]) if run_rows else {}
    for row in run_rows:
        found["run", row[0]] = _run_node(row, reasons.get(row[0], []))
    numbered = {
        "dataset_version": (_VERSION_NODES, _version_node),
        "model_version": (_MODEL_NODES, _model_node),
        "registry_event": (_REGISTRY_NODES, _registry_node),
        "pipeline_version": (_PIPELINE_VERSION_NODES, _pipeline_version_node),
    }
    for kind, (statement, make) in numbered.items():
        numbers = [int(key) for key in by_kind[kind]]
        for row in batched(conn, statement, numbers):
            found[kind, str(row[0])] = make(row)
    for row in batched(conn, _ARTIFACT_NODES, by_kind["artifact"]):
        found["artifact", row[0]] = _artifact_node(row)
    for row in batched(conn, _JOB_NODES, by_kind["job"]):
        found["job", row[0]] = _job_node(row)
    return found


__all__ = ["describe_nodes", "placeholder"]
