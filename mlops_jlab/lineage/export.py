"""Lineage exports: a run as OpenLineage run events, runs as a W3C PROV-JSON document.

:func:`openlineage_events` gives OpenLineage 2-0-2 run events (``START``, then
``COMPLETE`` or ``FAIL``) with the inputs and outputs, each with a ``version`` facet (the
content fingerprint) and, for dataset versions with a schema, a ``schema`` facet. The
events are plain dicts shaped as ``openlineage-python`` (1.54) serialises its own
``openlineage.client.event_v2.RunEvent`` (``Serde.to_dict``): the same keys, facet
``_producer``/``_schemaURL`` values and empty ``facets`` objects. That package ships no
JSON Schema file, only the classes generated from the specification's schema, so the
tests validate each event twice against them: with ``jsonschema`` against a schema
derived from the generated classes (fields, types, required fields, no unknown ones,
RFC 3339 times, UUID run ids), and by building the package's typed event from the dict,
which runs the package's own validators, and comparing ``Serde.to_dict`` of it with the
dict. :func:`prov_document` gives W3C PROV-JSON that the ``prov`` package reads back.

A pipeline job is the run of its pipeline that its tracked cells' runs belong to: in
OpenLineage their ``parent`` facet names it (OpenLineage job ``pipelines/<name>``, run id
the job's id), in PROV it is an activity that informed them, with the pipeline version
it ran as its plan.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab._version import __version__
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.lineage.nodes import describe_nodes, placeholder
from mlops_jlab.lineage.queries import (
    KINDS,
    AmongIds,
    batched,
    check_node,
    not_found,
    order,
    run_events,
    run_rows,
    version_schemas,
    well_formed,
)
from mlops_jlab.rules import RUN_ID_RE
from mlops_jlab.store.tables import REGISTRY_EVENTS


def _events(conn: Connection, run_ids: Sequence[str]) -> list[Any]:
    """The run's lineage events in the order recorded, each entity once per direction."""
    rows = run_events(conn, run_ids)
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for row in rows:
        key = (row.run_id, row.entity_kind, row.entity_id, row.direction)
        if key not in seen and row.entity_kind != "run" and well_formed(key[1:3]):
            seen.add(key)
            unique.append(row)
    return unique


def _iso(ms: int) -> str:
    """Milliseconds since the epoch as ISO 8601 in UTC, e.g. 2024-05-01T09:30:00.250+00:00."""
    moment = datetime.fromtimestamp(ms // 1000, timezone.utc).replace(microsecond=ms % 1000 * 1000)
    return moment.isoformat(timespec="milliseconds")


PRODUCER = f"https://pypi.org/project/mlops-jlab/{__version__}/"
OPENLINEAGE_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACETS = "https://openlineage.io/spec/facets"
# The schema each facet declares, as the generated classes of openlineage-python 1.54 do.
FACET_SCHEMAS = {
    "version": f"{_FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
    "schema": f"{_FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "outputStatistics": f"{_FACETS}/1-0-2/OutputStatisticsOutputDatasetFacet.json"
    "#/$defs/OutputStatisticsOutputDatasetFacet",
    "jobType": f"{_FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "sourceCode": f"{_FACETS}/1-0-1/SourceCodeJobFacet.json#/$defs/SourceCodeJobFacet",
    "errorMessage": f"{_FACETS}/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
    "parent": f"{_FACETS}/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
}
_JOB_TYPES = {"cell": "NOTEBOOK_CELL", "job": "NOTEBOOK", "script": "SCRIPT"}
_FAILED = ("failed", "crashed", "interrupted")


def _run_uuid(run_id: str) -> str:
    """A run id (32 hex digits) as the UUID OpenLineage wants; any other id maps to a
    stable name-based UUID."""
    if RUN_ID_RE.fullmatch(run_id):
        return str(uuid.UUID(hex=run_id))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:mlops-jlab:run:{run_id}"))


def _job_name(run: Any) -> str:
    """The job a run is one execution of: its notebook cell, its notebook, or its name."""
    if run.notebook_path and run.cell_id:
        return f"{run.notebook_path}#{run.cell_id}"
    return run.notebook_path or run.name


def _pipeline_job(node: dict[str, Any], namespace: str) -> dict[str, Any]:
    """A pipeline job as the run of an OpenLineage job named after its pipeline."""
    return {
        "run": {"runId": _run_uuid(node["job_id"]), "facets": {}},
        "job": {
            "namespace": namespace,
            "name": f"pipelines/{node['pipeline'] or node['job_id']}",
            "facets": {},
        },
    }


def _parent_facet(conn: Connection, run: Any, namespace: str, producer: str) -> dict | None:
    """The run's ``parent`` facet: its parent run, else the pipeline job it ran in; with a
    parent run inside a job, the job is the root."""
    parent = run_rows(conn, [run.parent_id]).get(run.parent_id) if run.parent_id else None
    job = (
        describe_nodes(conn, [("job", run.job_id)]).get(("job", run.job_id)) if run.job_id else None
    )
    if parent is not None:
        fields = {
            "run": {"runId": _run_uuid(parent.id), "facets": {}},
            "job": {"namespace": namespace, "name": _job_name(parent), "facets": {}},
        }
        if job is not None:
            fields["root"] = _pipeline_job(job, namespace)
        return _facet("parent", producer, **fields)
    if job is not None:
        return _facet("parent", producer, **_pipeline_job(job, namespace))
    return None


def _facet(name: str, producer: str, **fields: Any) -> dict[str, Any]:
    return {
        "_producer": producer,
        "_schemaURL": FACET_SCHEMAS[name],
        **{key: value for key, value in fields.items() if value is not None},
    }


def _schema_fields(schema: Any) -> list[dict[str, Any]]:
    """A dataset version's ``[{"name", "dtype"}, ...]`` as schema facet fields."""
    fields = []
    for position, column in enumerate(schema if isinstance(schema, list) else [], start=1):
        if isinstance(column, dict) and isinstance(column.get("name"), str):
            field: dict[str, Any] = {"name": column["name"]}
            if column.get("dtype") is not None:
                field["type"] = str(column["dtype"])
            fields.append({**field, "ordinal_position": position, "fields": []})
    return fields


def _ol_dataset(
    entity: dict[str, Any], schema: Any, output: bool, namespace: str, producer: str
) -> dict[str, Any]:
    kind = entity["kind"]
    if kind == "dataset_version":
        name = entity["dataset"] or entity["id"]
        version = entity["fingerprint"] or str(entity["version_id"])
    elif kind == "artifact":
        name = f"artifacts/{entity['name'] or entity['digest']}"
        version = entity["digest"]
    else:
        name = f"models/{entity['model'] or entity['version_id']}"
        version = str(entity["version"] or entity["version_id"])
    facets = {"version": _facet("version", producer, datasetVersion=version)}
    fields = _schema_fields(schema)
    if fields:
        facets["schema"] = _facet("schema", producer, fields=fields)
    dataset = {"namespace": namespace, "name": name, "facets": facets}
    if not output:
        return {**dataset, "inputFacets": {}}
    counts = {"rowCount": entity.get("n_rows"), "size": entity.get("size")}
    statistics = {k: v for k, v in counts.items() if v is not None}
    return {
        **dataset,
        "outputFacets": (
            {"outputStatistics": _facet("outputStatistics", producer, **statistics)}
            if statistics
            else {}
        ),
    }


def openlineage_events(
    conn: Connection, run_id: str, namespace: str = "mlops-jlab", producer: str = PRODUCER
) -> list[dict[str, Any]]:
    """The run as OpenLineage run events: ``START``, then ``COMPLETE`` (finished) or
    ``FAIL`` (failed, crashed or interrupted); a running run has only ``START``.

    Parameters
    ----------
    conn
        A connection to the store.
    run_id
        The run.
    namespace
        The OpenLineage namespace of the job and of the datasets.
    producer
        The URI that names what produced the events.

    Returns
    -------
    list of dict
        JSON-able events, as ``openlineage-python`` serialises them. The job is the
        notebook cell (``<notebook>#<cell id>``), else the notebook, else the run name;
        START lists the inputs (and, while the run runs, the outputs so far), the last
        event the inputs and outputs. Each dataset carries a ``version`` facet (the
        content fingerprint, an artifact's digest or a model's version number) and, when
        its schema is known, a ``schema`` facet; outputs their row count or size. The
        run's ``parent`` facet names its parent run, else the pipeline job it ran in
        (OpenLineage job ``pipelines/<pipeline>``); a parent run's job is the ``root``.

    Raises
    ------
    NotFoundError
        When there is no such run, or it was deleted.
    """
    check_node("run", run_id)
    run = run_rows(conn, [run_id]).get(run_id)
    if run is None:
        raise NotFoundError(not_found("run", run_id))
    events = _events(conn, [run_id])
    described = describe_nodes(conn, {(e.entity_kind, e.entity_id) for e in events})
    version_ids = [int(e.entity_id) for e in events if e.entity_kind == "dataset_version"]
    schemas = version_schemas(conn, version_ids)

    def datasets(direction: str) -> list[dict[str, Any]]:
        return [
            _ol_dataset(
                described.get((e.entity_kind, e.entity_id))
                or placeholder(e.entity_kind, e.entity_id),
                schemas.get(e.entity_id) if e.entity_kind == "dataset_version" else None,
                direction == "OUTPUT",
                namespace,
                producer,
            )
            for e in events
            if e.direction == direction
        ]

    inputs, outputs = datasets("INPUT"), datasets("OUTPUT")
    job_facets = {
        "jobType": _facet(
            "jobType",
            producer,
            processingType="BATCH",
            integration="MLOPS_JLAB",
            jobType=_JOB_TYPES.get(run.kind, "TASK"),
        )
    }
    if run.code:
        job_facets["sourceCode"] = _facet(
            "sourceCode", producer, language="python", sourceCode=run.code
        )
    run_facets: dict[str, Any] = {}
    parent = _parent_facet(conn, run, namespace, producer)
    if parent is not None:
        run_facets["parent"] = parent

    def event(kind: str, ms: int, facets: dict, inputs: list, outputs: list) -> dict[str, Any]:
        return {
            "eventTime": _iso(ms),
            "producer": producer,
            "schemaURL": OPENLINEAGE_SCHEMA,
            "eventType": kind,
            "run": {"runId": _run_uuid(run.id), "facets": facets},
            "job": {"namespace": namespace, "name": _job_name(run), "facets": job_facets},
            "inputs": inputs,
            "outputs": outputs,
        }

    if run.status == "running":
        return [event("START", run.start_time, run_facets, inputs, outputs)]
    ended = run.end_time or run.heartbeat or run.start_time
    final_facets = dict(run_facets)
    if run.status in _FAILED:
        lines = [line for line in (run.error or "").splitlines() if line.strip()]
        final_facets["errorMessage"] = _facet(
            "errorMessage",
            producer,
            message=lines[-1].strip() if lines else f"the run {run.status}",
            programmingLanguage="python",
            stackTrace=run.error or None,
        )
    final = "FAIL" if run.status in _FAILED else "COMPLETE"
    return [
        event("START", run.start_time, run_facets, inputs, []),
        event(final, ended, final_facets, inputs, outputs),
    ]


PROV_PREFIXES = {
    "mlops": "urn:mlops-jlab:",
    **{kind: f"urn:mlops-jlab:{kind}:" for kind in KINDS},
    "user": "urn:mlops-jlab:user:",
}
_PROV_TYPES = {
    "dataset_version": "mlops:DatasetVersion",
    "artifact": "mlops:Artifact",
    "model_version": "mlops:ModelVersion",
}
# A pipeline version is the plan its jobs followed.
_PLAN_TYPES = ("prov:Plan", "mlops:PipelineVersion")
# Node fields a PROV entity keeps, as mlops:<field>.
_PROV_FIELDS = {
    "dataset_version": ("dataset", "version", "fingerprint", "role", "n_rows", "n_columns"),
    "artifact": ("name", "artifact_kind", "media_type", "size", "fingerprint"),
    "model_version": ("model", "version", "run_id", "fingerprint"),
}


def _qname(value: str) -> dict[str, str]:
    return {"$": value, "type": "xsd:QName"}


def prov_document(conn: Connection, run_ids: Iterable[str]) -> dict[str, Any]:
    """The runs and what they read and wrote as a W3C PROV-JSON document.

    Runs are activities (``run:<id>``) associated with their user as an agent
    (``user:<name>``); dataset versions, artifacts and model versions are entities, with
    ``used`` and ``wasGeneratedBy`` from the lineage events and ``wasDerivedFrom`` from a
    dataset version to its parent version. The pipeline job a run ran in is an activity
    (``job:<id>``) the run ``wasInformedBy``, associated with who started it and with the
    pipeline version it ran (``pipeline_version:<id>``, a ``prov:Plan`` entity).

    Raises
    ------
    NotFoundError
        When one of the runs does not exist or was deleted.
    """
    if isinstance(run_ids, str):
        raise InvalidInputError("run_ids is a list of run ids, e.g. prov_document(conn, [id])")
    ids = list(dict.fromkeys(run_ids))
    for run_id in ids:
        check_node("run", run_id)
    runs = run_rows(conn, ids)
    missing = [run_id for run_id in ids if run_id not in runs]
    if missing:
        raise NotFoundError(not_found("run", missing[0]))
    events = _events(conn, ids)
    used = {(e.entity_kind, e.entity_id) for e in events}
    entities = describe_nodes(conn, used)
    entities.update({key: placeholder(*key) for key in used - entities.keys()})
    derived = {
        key: ("dataset_version", str(node["parent_version_id"]))
        for key, node in entities.items()
        if key[0] == "dataset_version" and node["parent_version_id"] is not None
    }
    parents = set(derived.values()) - entities.keys()
    entities.update(describe_nodes(conn, parents))
    entities.update({key: placeholder(*key) for key in parents - entities.keys()})

    document: dict[str, Any] = {"prefix": dict(PROV_PREFIXES)}
    sections: dict[str, dict[str, Any]] = {}
    counter = iter(range(1, 1 << 62))

    def relation(name: str, **fields: Any) -> None:
        sections.setdefault(name, {})[f"_:{name}{next(counter)}"] = fields

    activities = document["activity"] = {}
    agents: dict[str, Any] = {}
    for run_id in ids:
        run = runs[run_id]
        activity = {
            "prov:type": _qname("mlops:Run"),
            "prov:label": run.name,
            "prov:startTime": _iso(run.start_time),
            "mlops:status": run.status,
        }
        if run.end_time is not None:
            activity["prov:endTime"] = _iso(run.end_time)
        for field, value in (
            ("notebook_path", run.notebook_path),
            ("cell_id", run.cell_id),
            ("code_hash", run.code_hash),
        ):
            if value is not None:
                activity[f"mlops:{field}"] = value
        activities[f"run:{run_id}"] = activity
        if run.user:
            agent = f"user:{quote(run.user, safe='')}"
            agents[agent] = {"prov:type": _qname("prov:Person"), "prov:label": run.user}
            relation("wasAssociatedWith", **{"prov:activity": f"run:{run_id}", "prov:agent": agent})
    document["entity"] = {
        node["id"]: {
            "prov:type": _qname(_PROV_TYPES[kind]),
            "prov:label": node["label"],
            **{
                f"mlops:{field}": node[field]
                for field in _PROV_FIELDS[kind]
                if node.get(field) is not None
            },
        }
        for (kind, _), node in sorted(entities.items(), key=lambda item: order(item[0]))
    }
    for e in events:
        entity, activity = f"{e.entity_kind}:{e.entity_id}", f"run:{e.run_id}"
        if e.direction == "INPUT":
            relation(
                "used",
                **{
                    "prov:activity": activity,
                    "prov:entity": entity,
                    "prov:time": _iso(e.created_at),
                },
            )
        else:
            relation(
                "wasGeneratedBy",
                **{
                    "prov:entity": entity,
                    "prov:activity": activity,
                    "prov:time": _iso(e.created_at),
                },
            )
    _registry_activities(conn, entities, activities, agents, relation)
    _job_activities(conn, [runs[run_id] for run_id in ids], document, agents, relation)
    if agents:
        document["agent"] = agents
    for (_, key), (_, parent) in sorted(derived.items(), key=lambda item: order(item[0])):
        relation(
            "wasDerivedFrom",
            **{
                "prov:generatedEntity": f"dataset_version:{key}",
                "prov:usedEntity": f"dataset_version:{parent}",
            },
        )
    document.update(sections)
    return document


def _job_activities(
    conn: Connection,
    runs: Sequence[Any],
    document: dict[str, Any],
    agents: dict[str, Any],
    relation: Any,
) -> None:
    """The pipeline jobs ``runs`` ran in, as activities that informed them, each
    associated with whoever started it and with the pipeline version it ran as its plan."""
    jobs = describe_nodes(conn, {("job", run.job_id) for run in runs if run.job_id})
    plans = {
        ("pipeline_version", str(job["pipeline_version_id"]))
        for job in jobs.values()
        if job["pipeline_version_id"] is not None
    }
    versions = describe_nodes(conn, plans)
    for _, version in sorted(versions.items(), key=lambda item: order(item[0])):
        document["entity"][version["id"]] = {
            "prov:type": [_qname(kind) for kind in _PLAN_TYPES],
            "prov:label": version["label"],
            **{
                f"mlops:{field}": version[field]
                for field in ("pipeline", "version", "notebook_path", "parameters")
                if version[field] is not None
            },
        }
    for _, job in sorted(jobs.items()):
        activity: dict[str, Any] = {
            "prov:type": _qname("mlops:Job"),
            "prov:label": job["label"],
            "mlops:status": job["status"],
            "mlops:parameters": json.dumps(job["parameters"], sort_keys=True),
        }
        if job["started_at"] is not None:
            activity["prov:startTime"] = _iso(job["started_at"])
        if job["ended_at"] is not None:
            activity["prov:endTime"] = _iso(job["ended_at"])
        if job["pipeline"] is not None:
            activity["mlops:pipeline"] = job["pipeline"]
        document["activity"][job["id"]] = activity
        association = {"prov:activity": job["id"]}
        if job["created_by"]:
            agent = f"user:{quote(job['created_by'], safe='')}"
            agents[agent] = {"prov:type": _qname("prov:Person"), "prov:label": job["created_by"]}
            association["prov:agent"] = agent
        plan = ("pipeline_version", str(job["pipeline_version_id"]))
        if plan in versions:
            association["prov:plan"] = versions[plan]["id"]
        relation("wasAssociatedWith", **association)
    for run in runs:
        if ("job", run.job_id) in jobs:
            relation(
                "wasInformedBy",
                **{"prov:informed": f"run:{run.id}", "prov:informant": f"job:{run.job_id}"},
            )


_REGISTRY_EVENTS_OF = (
    sa.select(REGISTRY_EVENTS.c.id, REGISTRY_EVENTS.c.model_version_id)
    .where(AmongIds(REGISTRY_EVENTS.c.model_version_id), REGISTRY_EVENTS.c.kind != "registered")
    .order_by(REGISTRY_EVENTS.c.id)
)


def _registry_activities(
    conn: Connection,
    entities: dict[tuple[str, str], dict[str, Any]],
    activities: dict[str, Any],
    agents: dict[str, Any],
    relation: Any,
) -> None:
    """What the registry did with the model versions among ``entities`` (aliases moved,
    requests made and decided), as activities that used them, by their actor."""
    versions = [int(key) for kind, key in entities if kind == "model_version"]
    rows = batched(conn, _REGISTRY_EVENTS_OF, versions)
    described = describe_nodes(conn, [("registry_event", str(row[0])) for row in rows])
    for event_id, version_id in rows:
        node = described.get(("registry_event", str(event_id)))
        if node is None:
            continue
        activity = f"registry_event:{event_id}"
        activities[activity] = {
            "prov:type": _qname("mlops:RegistryEvent"),
            "prov:label": node["label"],
            "prov:startTime": _iso(node["created_at"]),
            "mlops:event": node["event"],
        }
        relation(
            "used",
            **{"prov:activity": activity, "prov:entity": f"model_version:{version_id}"},
        )
        if node["actor"]:
            agent = f"user:{quote(node['actor'], safe='')}"
            agents[agent] = {"prov:type": _qname("prov:Person"), "prov:label": node["actor"]}
            relation("wasAssociatedWith", **{"prov:activity": activity, "prov:agent": agent})


__all__ = ["openlineage_events", "prov_document"]
