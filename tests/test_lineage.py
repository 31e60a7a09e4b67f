"""Lineage: upstream and downstream walks, stale runs, OpenLineage and PROV exports.

The rows are written straight to the store (runs through the tracking API), on SQLite
and on PostgreSQL, with a clock of the test's own so that "newer" never depends on how
fast the machine is.
"""

from __future__ import annotations

import enum
import itertools
import json
import types
import typing
import uuid
from datetime import datetime

import attr
import jsonschema
import prov.model
import pytest
import sqlalchemy as sa
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
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.store.models import (
    Artifact,
    Dataset,
    DatasetVersion,
    LineageEvent,
    ModelVersion,
    RegisteredModel,
    Run,
    RunArtifact,
)

RUNS = Run.__table__
T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z


class Lineage:
    """Writes a lineage into the store: runs, dataset versions, artifacts, model versions
    and the events between them, each a second after the last."""

    def __init__(self, tracker):
        self.tracker = tracker
        self.store = tracker.store
        self.clock = itertools.count(T0, 1000)

    def run(
        self,
        name,
        *,
        status="finished",
        notebook=None,
        cell=None,
        code=None,
        error=None,
        parent=None,
    ):
        run = self.tracker.start_run(
            name,
            "lineage",
            kind="cell" if cell else "script",
            notebook_path=notebook,
            cell_id=cell,
            code=code,
            parent_id=parent,
        )
        if status != "running":
            run.end(status, error)
        started = next(self.clock)
        with self.store.write() as conn:
            conn.execute(
                RUNS.update()
                .where(RUNS.c.id == run.id)
                .values(start_time=started, end_time=None if status == "running" else started + 500)
            )
        return run.id

    def version(self, dataset, *, parent=None, schema=(), n_rows=None, fingerprint=None):
        """A new version of ``dataset``; returns its id."""
        datasets, versions = Dataset.__table__, DatasetVersion.__table__
        moment = next(self.clock)
        with self.store.write() as conn:
            dataset_id = conn.execute(
                sa.select(datasets.c.id).where(datasets.c.name == dataset)
            ).scalar()
            if dataset_id is None:
                dataset_id = conn.execute(
                    datasets.insert().values(name=dataset, created_at=moment)
                ).inserted_primary_key[0]
            return conn.execute(
                versions.insert().values(
                    dataset_id=dataset_id,
                    fingerprint=fingerprint or uuid.uuid4().hex,
                    schema=list(schema),
                    n_rows=n_rows,
                    n_columns=len(schema) if schema else None,
                    parent_version_id=parent,
                    created_at=moment,
                )
            ).inserted_primary_key[0]

    def event(self, run_id, kind, entity_id, direction):
        with self.store.write() as conn:
            conn.execute(
                LineageEvent.__table__.insert().values(
                    run_id=run_id,
                    entity_kind=kind,
                    entity_id=str(entity_id),
                    direction=direction,
                    created_at=next(self.clock),
                )
            )

    def read(self, run_id, version_id):
        self.event(run_id, "dataset_version", version_id, "INPUT")

    def wrote(self, run_id, version_id):
        self.event(run_id, "dataset_version", version_id, "OUTPUT")

    def artifact(self, run_id, name, kind="model", size=1234):
        """An artifact the run produced; returns its digest."""
        digest = uuid.uuid4().hex
        moment = next(self.clock)
        with self.store.write() as conn:
            conn.execute(
                Artifact.__table__.insert().values(
                    digest=digest, size=size, media_type="application/octet-stream",
                    created_at=moment,
                )
            )  # fmt: skip
            conn.execute(
                RunArtifact.__table__.insert().values(
                    run_id=run_id, name=name, digest=digest, kind=kind, created_at=moment
                )
            )
        self.event(run_id, "artifact", digest, "OUTPUT")
        return digest

    def model_version(self, model, run_id, digest):
        """Version 1 of registered model ``model``, registered by ``run_id``."""
        models, model_versions = RegisteredModel.__table__, ModelVersion.__table__
        moment = next(self.clock)
        with self.store.write() as conn:
            model_id = conn.execute(
                models.insert().values(name=model, created_at=moment, updated_at=moment)
            ).inserted_primary_key[0]
            version_id = conn.execute(
                model_versions.insert().values(
                    model_id=model_id,
                    version=1,
                    run_id=run_id,
                    artifact_digest=digest,
                    created_at=moment,
                )
            ).inserted_primary_key[0]
        self.event(run_id, "model_version", version_id, "OUTPUT")
        return version_id

    def delete(self, run_id):
        with self.store.write() as conn:
            conn.execute(
                RUNS.update().where(RUNS.c.id == run_id).values(deleted_at=next(self.clock))
            )

    def read_conn(self):
        return self.store.read()


@pytest.fixture
def world(tracker):
    return Lineage(tracker)


def ids(graph):
    return {node["id"] for node in graph["nodes"]}


def edges(graph):
    return {(edge["source"], edge["target"], edge["kind"]) for edge in graph["edges"]}


def node_of(graph, node_id):
    return next(node for node in graph["nodes"] if node["id"] == node_id)


def dv(version_id):
    return f"dataset_version:{version_id}"


def run_node(run_id):
    return f"run:{run_id}"


ARTIFACT_FIELDS = {
    "id", "kind", "label", "stale", "digest", "name", "artifact_kind", "media_type", "size",
    "fingerprint", "created_at",
}  # fmt: skip


@pytest.fixture
def pipeline(world):
    """raw.csv -> clean (derived) -> train -> model artifact -> registered model, and an
    unrelated run on other data."""
    raw = world.version("data/raw.csv", schema=[{"name": "age", "dtype": "int64"}], n_rows=100)
    clean_run = world.run("clean", notebook="prep.ipynb", cell="c1", code="df = load()")
    world.read(clean_run, raw)
    clean = world.version("df_clean", parent=raw, n_rows=90)
    world.wrote(clean_run, clean)
    train_run = world.run("train", notebook="train.ipynb", cell="t1", code="fit(df_clean)")
    world.read(train_run, clean)
    model = world.artifact(train_run, "model.pkl")
    model_version = world.model_version("churn", train_run, model)
    other = world.version("data/other.csv")
    other_run = world.run("other")
    world.read(other_run, other)
    return types.SimpleNamespace(**locals())


# ---------------------------------------------------------------------------------------
# Walks


def test_upstream_of_a_model_leads_back_through_every_run_to_the_raw_data(world, pipeline):
    p = pipeline
    # When the upstream lineage of the model artifact is asked for
    with world.read_conn() as conn:
        graph = lineage.upstream(conn, "artifact", p.model)
    # Then it holds the runs and data that produced it, and nothing unrelated
    assert graph["root"] == f"artifact:{p.model}"
    assert ids(graph) == {
        f"artifact:{p.model}",
        run_node(p.train_run),
        dv(p.clean),
        run_node(p.clean_run),
        dv(p.raw),
    }
    # And every edge points the way data flowed
    assert edges(graph) == {
        (run_node(p.train_run), f"artifact:{p.model}", "output"),
        (dv(p.clean), run_node(p.train_run), "input"),
        (run_node(p.clean_run), dv(p.clean), "output"),
        (dv(p.raw), dv(p.clean), "derived"),
        (dv(p.raw), run_node(p.clean_run), "input"),
    }
    # And the nodes say what they are
    raw = node_of(graph, dv(p.raw))
    assert raw["label"] == "data/raw.csv@v1"
    assert raw["kind"] == "dataset_version" and raw["dataset"] == "data/raw.csv"
    assert raw["version"] == 1 and raw["n_rows"] == 100 and len(raw["fingerprint"]) == 32
    train = node_of(graph, run_node(p.train_run))
    assert train["label"] == "train" and train["status"] == "finished"
    assert train["stale"] is False and train["stale_reasons"] == []
    assert train["notebook_path"] == "train.ipynb" and train["cell_id"] == "t1"
    model = node_of(graph, f"artifact:{p.model}")
    assert model["label"] == "model.pkl" and model["fingerprint"] == p.model
    assert model["artifact_kind"] == "model" and model["size"] == 1234
    assert set(model) == ARTIFACT_FIELDS
    # And the whole answer goes out as JSON as it is
    assert json.loads(json.dumps(graph)) == graph


def test_downstream_of_raw_data_reaches_the_registered_model(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        graph = lineage.downstream(conn, "dataset_version", p.raw)
    assert ids(graph) == {
        dv(p.raw),
        run_node(p.clean_run),
        dv(p.clean),
        run_node(p.train_run),
        f"artifact:{p.model}",
        f"model_version:{p.model_version}",
    }
    assert (run_node(p.train_run), f"model_version:{p.model_version}", "output") in edges(graph)
    model = node_of(graph, f"model_version:{p.model_version}")
    assert model["label"] == "churn v1" and model["fingerprint"] == p.model
    assert model["run_id"] == p.train_run


def test_both_directions_centre_on_the_node(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        graph = lineage.graph(conn, "run", p.train_run, "both")
        up = lineage.upstream(conn, "run", p.train_run)
        down = lineage.downstream(conn, "run", p.train_run)
    assert ids(graph) == ids(up) | ids(down)
    assert edges(graph) == edges(up) | edges(down)
    assert graph["nodes"][0]["id"] == run_node(p.train_run)
    assert dv(p.other) not in ids(graph)


def test_a_run_that_reads_and_rewrites_its_file_ends_the_walk(world):
    # Given a run that read a file, wrote it back unchanged, and wrote a report
    data = world.version("data/table.csv")
    loop = world.run("dedupe in place")
    world.read(loop, data)
    world.wrote(loop, data)
    report = world.version("report.csv")
    world.wrote(loop, report)
    # When both directions are walked from the file
    with world.read_conn() as conn:
        up = lineage.upstream(conn, "dataset_version", data)
        down = lineage.downstream(conn, "dataset_version", data)
    # Then each walk ends, with the cycle's two edges
    cycle = {(dv(data), run_node(loop), "input"), (run_node(loop), dv(data), "output")}
    assert ids(up) == {dv(data), run_node(loop)} and edges(up) == cycle
    assert ids(down) == {dv(data), run_node(loop), dv(report)}
    assert edges(down) == cycle | {(run_node(loop), dv(report), "output")}


def chain(world, hops):
    """v0 -> run 1 -> v1 -> ... -> run ``hops`` -> v``hops``; returns (versions, runs)."""
    versions, runs = [world.version("stage-0")], []
    for hop in range(1, hops + 1):
        run_id = world.run(f"step {hop}")
        world.read(run_id, versions[-1])
        versions.append(world.version(f"stage-{hop}"))
        world.wrote(run_id, versions[-1])
        runs.append(run_id)
    return versions, runs


def chain_edges(versions, runs):
    found = set()
    for hop, run_id in enumerate(runs):
        found.add((dv(versions[hop]), run_node(run_id), "input"))
        found.add((run_node(run_id), dv(versions[hop + 1]), "output"))
    return found


def test_depth_counts_edges_from_the_node(world):
    versions, runs = chain(world, 3)
    with world.read_conn() as conn:
        walks = {
            depth: lineage.upstream(conn, "dataset_version", versions[-1], depth=depth)
            for depth in (0, 1, 2, 3, 6, None)
        }
    assert ids(walks[0]) == {dv(versions[3])} and walks[0]["edges"] == []
    assert ids(walks[1]) == {dv(versions[3]), run_node(runs[2])}
    assert edges(walks[1]) == {(run_node(runs[2]), dv(versions[3]), "output")}
    assert ids(walks[2]) == ids(walks[1]) | {dv(versions[2])}
    assert ids(walks[3]) == ids(walks[2]) | {run_node(runs[1])}
    assert edges(walks[6]) == edges(walks[None]) == chain_edges(versions, runs)


def test_a_long_chain_and_a_wide_fan_out_come_back_whole(world, monkeypatch):
    # Given a chain of 200 runs, and a dataset that 150 runs read, each writing a result
    versions, runs = chain(world, 200)
    source = world.version("shared.csv")
    readers, results = [], []
    for index in range(150):
        reader = world.run(f"reader {index}")
        world.read(reader, source)
        results.append(world.version(f"result-{index}"))
        world.wrote(reader, results[-1])
        readers.append(reader)
    expected_chain = {dv(v) for v in versions} | {run_node(r) for r in runs}
    expected_fan = {dv(source)} | {run_node(r) for r in readers} | {dv(v) for v in results}
    fan_edges = {(dv(source), run_node(r), "input") for r in readers} | {
        (run_node(r), dv(v), "output") for r, v in zip(readers, results, strict=True)
    }
    # When the whole lineage is asked for, by either way the database can walk
    for assembly in ("native", "join"):
        if assembly == "join":
            monkeypatch.setattr(lineage, "_assembly", lambda conn: "join")
        with world.read_conn() as conn:
            up = lineage.upstream(conn, "dataset_version", versions[-1])
            down = lineage.downstream(conn, "dataset_version", versions[0])
            middle = lineage.graph(conn, "run", runs[99], "both", depth=10)
            fan = lineage.downstream(conn, "dataset_version", source)
        # Then every node and edge is there, exactly
        assert ids(up) == ids(down) == expected_chain
        assert edges(up) == edges(down) == chain_edges(versions, runs)
        assert ids(middle) == {dv(v) for v in versions[95:105]} | {
            run_node(r) for r in runs[94:105]
        }
        assert len(middle["edges"]) == 20
        assert ids(fan) == expected_fan and edges(fan) == fan_edges


def test_an_entity_the_store_no_longer_describes_still_shows_in_the_graph(world):
    # Given a run whose event names an artifact that has no row of its own
    run_id = world.run("export")
    world.event(run_id, "artifact", "a" * 32, "OUTPUT")
    with world.read_conn() as conn:
        graph = lineage.downstream(conn, "run", run_id)
    # Then the artifact is a node with what is known of it: its digest
    ghost = node_of(graph, f"artifact:{'a' * 32}")
    assert ghost["label"] == "a" * 32 and ghost["digest"] == "a" * 32
    assert ghost["size"] is None and ghost["stale"] is False
    # (with every field an artifact node has, so a UI needs no special case)
    assert set(ghost) == ARTIFACT_FIELDS


def test_deleted_runs_are_not_in_the_lineage(world, pipeline):
    p = pipeline
    # Given the cleaning run was deleted
    world.delete(p.clean_run)
    with world.read_conn() as conn:
        # Then the walk stops where it was
        graph = lineage.upstream(conn, "artifact", p.model)
        assert run_node(p.clean_run) not in ids(graph)
        # (the derivation of the data stays)
        assert (dv(p.raw), dv(p.clean), "derived") in edges(graph)
        # And the run itself cannot be asked for
        with pytest.raises(NotFoundError, match="deleted"):
            lineage.downstream(conn, "run", p.clean_run)


def test_nodes_are_asked_for_by_kind_and_id_and_mistakes_say_what_to_do(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        assert lineage.node(conn, "dataset_version", str(p.raw))["label"] == "data/raw.csv@v1"
        assert lineage.split_node_id(f"artifact:{p.model}") == ("artifact", p.model)
        with pytest.raises(InvalidInputError, match="dataset_version"):
            lineage.upstream(conn, "table", "x")
        with pytest.raises(InvalidInputError, match="whole number"):
            lineage.upstream(conn, "dataset_version", "latest")
        with pytest.raises(InvalidInputError, match="'upstream', 'downstream' or 'both'"):
            lineage.graph(conn, "run", p.train_run, "sideways")
        for depth in (-1, 1.5, True, lineage.MAX_DEPTH + 1):
            with pytest.raises(InvalidInputError, match="depth counts edges"):
                lineage.upstream(conn, "run", p.train_run, depth=depth)
        with pytest.raises(InvalidInputError, match="<kind>:<id>"):
            lineage.split_node_id("train")
        for kind, key in (
            ("dataset_version", 999_999),
            ("dataset_version", 2**40),
            ("run", "0" * 32),
            ("artifact", "f" * 32),
            ("model_version", 77),
        ):
            with pytest.raises(NotFoundError):
                lineage.graph(conn, kind, key)


# ---------------------------------------------------------------------------------------
# Staleness


def test_a_run_that_read_an_older_version_is_stale(world):
    # Given a run read train.csv v1, then a later run wrote v2
    v1 = world.version("data/train.csv")
    fit = world.run("fit")
    world.read(fit, v1)
    refresh = world.run("refresh")
    v2 = world.version("data/train.csv")
    world.wrote(refresh, v2)
    refit = world.run("refit")
    world.read(refit, v2)
    with world.read_conn() as conn:
        # Then only the first run is stale, and it says why
        assert lineage.stale_runs(conn) == {fit: ["read data/train.csv v1; v2 is newer"]}
        assert lineage.is_stale(conn, fit) == ["read data/train.csv v1; v2 is newer"]
        assert lineage.is_stale(conn, refit) == []
        # And the graph marks it
        graph = lineage.downstream(conn, "dataset_version", v1)
        assert node_of(graph, run_node(fit))["stale"] is True
        assert node_of(graph, run_node(fit))["stale_reasons"] == [
            "read data/train.csv v1; v2 is newer"
        ]


def test_data_changed_back_makes_its_old_version_current_again(world):
    # Given v1, then v2, then v1's content read again later
    v1 = world.version("data/train.csv")
    first = world.run("first")
    world.read(first, v1)
    v2 = world.version("data/train.csv")
    second = world.run("second")
    world.read(second, v2)
    third = world.run("third")
    world.read(third, v1)
    with world.read_conn() as conn:
        # Then the run that read v2 is the stale one
        assert lineage.stale_runs(conn) == {
            second: ["read data/train.csv v2; it has changed back to v1 since"]
        }


def test_a_run_that_rewrote_its_own_input_is_not_stale(world):
    v1 = world.version("data/train.csv")
    impute = world.run("impute in place")
    world.read(impute, v1)
    world.wrote(impute, world.version("data/train.csv"))
    with world.read_conn() as conn:
        assert lineage.is_stale(conn, impute) == []


def test_a_cell_run_with_code_that_has_changed_since_is_stale(world):
    # Given a cell run three times: old code, new code, old code again
    first = world.run("a", notebook="eda.ipynb", cell="c7", code="x = 1")
    second = world.run("b", notebook="eda.ipynb", cell="c7", code="x = 2")
    third = world.run("c", notebook="eda.ipynb", cell="c7", code="x = 1")
    elsewhere = world.run("d", notebook="other.ipynb", cell="c7", code="x = 3")
    with world.read_conn() as conn:
        stale = lineage.stale_runs(conn)
    # Then only the run whose code is not the cell's code now is stale
    assert stale == {
        second: ["the cell's code changed since (a later run of cell c7 in eda.ipynb)"]
    }
    assert first not in stale and third not in stale and elsewhere not in stale


def test_stale_runs_of_some_runs_answer_as_for_all(world):
    # Given a stale run (older data, older code) and a deleted one that read the same data
    v1 = world.version("data/train.csv")
    old = world.run("old", notebook="nb.ipynb", cell="c1", code="read()")
    world.read(old, v1)
    gone = world.run("gone")
    world.read(gone, v1)
    world.delete(gone)
    world.version("data/train.csv")
    world.run("new", notebook="nb.ipynb", cell="c1", code="read(); clean()")
    # When staleness is asked of all runs, and of some (one deleted, one unknown)
    with world.read_conn() as conn:
        everything = lineage.stale_runs(conn)
        chosen = lineage.stale_runs(conn, [old, gone, "no-such-run"])
        with pytest.raises(InvalidInputError, match="is_stale"):
            lineage.stale_runs(conn, old)
        with pytest.raises(NotFoundError):
            lineage.is_stale(conn, gone)
    # Then both answers name the stale run and every reason, and nothing of the others
    assert (
        everything
        == chosen
        == {
            old: [
                "read data/train.csv v1; v2 is newer",
                "the cell's code changed since (a later run of cell c1 in nb.ipynb)",
            ]
        }
    )


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
        events = lineage.openlineage_events(conn, p.clean_run, namespace="team-a")
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
        (_, complete) = lineage.openlineage_events(conn, p.train_run)
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
        events = lineage.openlineage_events(conn, trial)
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
        events = lineage.openlineage_events(conn, live)
        with pytest.raises(NotFoundError):
            lineage.openlineage_events(conn, "0" * 32)
    assert [e["eventType"] for e in events] == ["START"]
    assert_valid_openlineage(events[0])
    assert [i["name"] for i in events[0]["inputs"]] == ["data/live.csv"]


# ---------------------------------------------------------------------------------------
# PROV


def test_prov_document_reads_back_with_activities_entities_and_relations(world, pipeline):
    p = pipeline
    with world.read_conn() as conn:
        document = lineage.prov_document(conn, [p.clean_run, p.train_run])
        with pytest.raises(NotFoundError):
            lineage.prov_document(conn, [p.clean_run, "0" * 32])
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
