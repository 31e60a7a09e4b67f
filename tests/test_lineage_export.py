"""Lineage exports: OpenLineage run events checked against what openlineage-python
ships, and W3C PROV-JSON read back by the prov package."""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from datetime import datetime

import attr
import jsonschema
import prov.model
import pytest
from openlineage.client import event_v2
from openlineage.client.generated import (
    base,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
    source_code_job,
)
from openlineage.client.serde import Serde

from mlops_jlab import lineage
from mlops_jlab.errors import NotFoundError
from mlops_jlab.lineage import export as lineage_export
from tests.lineage_world import dv

# ---------------------------------------------------------------------------------------
# OpenLineage: validated against what openlineage-python ships, its generated classes.

# The facet names of the OpenLineage specification (each facet schema's "properties")
# for the generated classes, which do not carry them.
FACETS = {
    base.DatasetFacet: {
        "version": dataset_version_dataset.DatasetVersionDatasetFacet,
        "schema": schema_dataset.SchemaDatasetFacet,
    },
    base.InputDatasetFacet: {},
    base.OutputDatasetFacet: {
        "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet
    },
    base.JobFacet: {
        "jobType": job_type_job.JobTypeJobFacet,
        "sourceCode": source_code_job.SourceCodeJobFacet,
    },
    base.RunFacet: {
        "errorMessage": error_message_run.ErrorMessageRunFacet,
        "parent": parent_run.ParentRunFacet,
    },
}
ALWAYS_SERIALISED = {"producer", "schemaURL", "_producer", "_schemaURL"}
FORMATS = {"eventTime": "date-time", "runId": "uuid"}


def hints(cls):
    # Each class's annotations name what its own module imports, and ClassVar, which
    # the generated modules import for type checkers only.
    return typing.get_type_hints(cls, localns={"ClassVar": typing.ClassVar})


def optional(tp):
    """``X`` of ``X | None``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return inner
    return tp


def json_schema(cls):
    """A JSON Schema of an attrs class of openlineage-python: its fields, their types and
    which are required, nothing else allowed (Serde never writes nulls)."""
    defs = {}

    def of(tp, field=None):
        tp = optional(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is list:
            return {"type": "array", "items": of(args[0])}
        if origin is dict:
            facets = FACETS[args[1]]
            return {
                "type": "object",
                "properties": {name: of(facet) for name, facet in facets.items()},
                "additionalProperties": False,
            }
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [member.value for member in tp]}
        if attr.has(tp):
            name = f"{tp.__module__}.{tp.__qualname__}"
            if name not in defs:
                defs[name] = {}
                defs[name].update(of_class(tp))
            return {"$ref": f"#/$defs/{name}"}
        simple = {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]
        schema = {"type": simple}
        if field in FORMATS:
            schema["format"] = FORMATS[field]
        return schema

    def of_class(tp):
        fields = attr.fields(tp)
        types_ = hints(tp)
        properties = {field.name: of(types_[field.name], field.name) for field in fields}
        for name in ("schemaURL", "_schemaURL"):
            if name in properties:
                properties[name] = {"const": tp._get_schema()}
        required = [
            field.name
            for field in fields
            if field.default is attr.NOTHING or field.name in ALWAYS_SERIALISED
        ]
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    root = of_class(cls)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}


def typed(tp, value):
    """The openlineage-python object a JSON value stands for, built by its constructors
    (which run the package's own validators)."""
    tp = optional(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list:
        return [typed(args[0], item) for item in value]
    if origin is dict:
        return {name: typed(FACETS[args[1]][name], item) for name, item in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if attr.has(tp):
        types_ = hints(tp)
        return tp(
            **{
                field.alias: typed(types_[field.name], value[field.name])
                for field in attr.fields(tp)
                if field.init and field.name in value
            }
        )
    return value


RUN_EVENT_SCHEMA = json_schema(event_v2.RunEvent)


def assert_valid_openlineage(event):
    jsonschema.Draft202012Validator(
        RUN_EVENT_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(event)
    assert Serde.to_dict(typed(event_v2.RunEvent, event)) == event


def test_the_openlineage_check_rejects_what_the_package_would_not_write():
    # Given a valid minimal event
    event = {
        "eventTime": "2024-05-01T09:30:00.250+00:00",
        "producer": "urn:test",
        "schemaURL": event_v2.RunEvent._get_schema(),
        "eventType": "START",
        "run": {"runId": str(uuid.uuid4()), "facets": {}},
        "job": {"namespace": "ns", "name": "job", "facets": {}},
        "inputs": [],
        "outputs": [],
    }
    assert_valid_openlineage(event)
    # Then an unknown field, a missing one, a bad UUID, a time without zone offset or an
    # unknown facet each fail
    broken = [
        {**event, "colour": "red"},
        {k: v for k, v in event.items() if k != "job"},
        {**event, "run": {"runId": "run-1", "facets": {}}},
        {**event, "eventTime": "yesterday"},
        {**event, "job": {**event["job"], "facets": {"mood": {}}}},
    ]
    for bad in broken:
        with pytest.raises(jsonschema.ValidationError):
            assert_valid_openlineage(bad)
    # And the package's own classes refuse a run id that is no UUID
    with pytest.raises(ValueError):
        typed(event_v2.RunEvent, broken[2])


def test_a_finished_run_exports_start_and_complete_events_with_versions(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        events = lineage_export.openlineage_events(conn, p.clean_run, namespace="team-a")
    # Then there is a START and a COMPLETE, each valid OpenLineage
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    for event in events:
        assert_valid_openlineage(event)
        assert event["run"]["runId"] == str(uuid.UUID(hex=p.clean_run))
        assert event["job"]["namespace"] == "team-a"
        assert event["job"]["name"] == "prep.ipynb#c1"
        assert event["job"]["facets"]["sourceCode"]["sourceCode"] == "df = load()"
        assert datetime.fromisoformat(event["eventTime"]).utcoffset() is not None
    start, complete = events
    assert datetime.fromisoformat(start["eventTime"]) < datetime.fromisoformat(
        complete["eventTime"]
    )
    # And the input carries its version (the fingerprint) and schema
    (raw,) = complete["inputs"]
    with world.read_conn() as conn:
        fingerprint = lineage.node(conn, "dataset_version", p.raw)["fingerprint"]
    assert raw["name"] == "data/raw.csv" and raw["namespace"] == "team-a"
    assert raw["facets"]["version"]["datasetVersion"] == fingerprint
    assert [(f["name"], f["type"]) for f in raw["facets"]["schema"]["fields"]] == [("age", "int64")]
    # And the output its version and row count, in the final event only
    (clean,) = complete["outputs"]
    assert clean["name"] == "df_clean"
    assert clean["outputFacets"]["outputStatistics"]["rowCount"] == 90
    assert start["outputs"] == []


def test_models_and_artifacts_are_output_datasets(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        (_, complete) = lineage_export.openlineage_events(conn, p.train_run)
    assert_valid_openlineage(complete)
    outputs = {o["name"]: o for o in complete["outputs"]}
    assert set(outputs) == {"artifacts/model.pkl", "models/churn"}
    assert outputs["artifacts/model.pkl"]["facets"]["version"]["datasetVersion"] == p.model
    assert outputs["models/churn"]["facets"]["version"]["datasetVersion"] == "1"


@pytest.mark.parametrize("status", ["failed", "crashed", "interrupted"])
def test_a_run_that_did_not_finish_ends_in_a_fail_event(world, status):
    error = "Traceback (most recent call last):\n  ...\nValueError: bad row 7\n"
    sweep = world.run("sweep")
    trial = world.run("trial", status=status, error=error, parent=sweep)
    with world.read_conn() as conn:
        events = lineage_export.openlineage_events(conn, trial)
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    for event in events:
        assert_valid_openlineage(event)
        parent = event["run"]["facets"]["parent"]
        assert parent["run"]["runId"] == str(uuid.UUID(hex=sweep))
        assert parent["job"]["name"] == "sweep"
    message = events[1]["run"]["facets"]["errorMessage"]
    assert message["programmingLanguage"] == "python"
    assert message["message"] == "ValueError: bad row 7"
    assert message["stackTrace"] == error


def test_a_running_run_has_only_started(world):
    data = world.version("data/live.csv")
    live = world.run("live", status="running")
    world.read(live, data)
    with world.read_conn() as conn:
        events = lineage_export.openlineage_events(conn, live)
        with pytest.raises(NotFoundError):
            lineage_export.openlineage_events(conn, "0" * 32)
    assert [e["eventType"] for e in events] == ["START"]
    assert_valid_openlineage(events[0])
    assert [i["name"] for i in events[0]["inputs"]] == ["data/live.csv"]


# ---------------------------------------------------------------------------------------
# PROV


def test_prov_document_reads_back_with_activities_entities_and_relations(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        document = lineage_export.prov_document(conn, [p.clean_run, p.train_run])
        with pytest.raises(NotFoundError):
            lineage_export.prov_document(conn, [p.clean_run, "0" * 32])
    # When the prov package reads the JSON
    parsed = prov.model.ProvDocument.deserialize(content=json.dumps(document), format="json")
    records = parsed.get_records()

    def named(cls):
        return [record for record in records if isinstance(record, cls)]

    def ids_of(cls):
        return {str(record.identifier) for record in named(cls)}

    def pairs(cls):
        return {
            tuple(str(value) for _, value in record.formal_attributes[:2]) for record in named(cls)
        }

    # Then the runs are activities, the data and models entities, the user an agent
    assert ids_of(prov.model.ProvActivity) == {f"run:{p.clean_run}", f"run:{p.train_run}"}
    assert ids_of(prov.model.ProvEntity) == {
        dv(p.raw),
        dv(p.clean),
        f"artifact:{p.model}",
        f"model_version:{p.model_version}",
    }
    (agent,) = named(prov.model.ProvAgent)
    # And what each run used and generated is there, with the derivation of the data
    assert pairs(prov.model.ProvUsage) == {
        (f"run:{p.clean_run}", dv(p.raw)),
        (f"run:{p.train_run}", dv(p.clean)),
    }
    assert pairs(prov.model.ProvGeneration) == {
        (dv(p.clean), f"run:{p.clean_run}"),
        (f"artifact:{p.model}", f"run:{p.train_run}"),
        (f"model_version:{p.model_version}", f"run:{p.train_run}"),
    }
    assert pairs(prov.model.ProvDerivation) == {(dv(p.clean), dv(p.raw))}
    assert pairs(prov.model.ProvAssociation) == {
        (f"run:{p.clean_run}", str(agent.identifier)),
        (f"run:{p.train_run}", str(agent.identifier)),
    }
    # And the labels and times survive the round trip
    clean = next(
        r for r in named(prov.model.ProvActivity) if str(r.identifier).endswith(p.clean_run)
    )
    assert clean.get_startTime() < clean.get_endTime()
    assert "clean" in {str(label) for label in clean.get_attribute("prov:label")}
