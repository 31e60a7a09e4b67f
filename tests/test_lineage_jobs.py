"""Pipelines and jobs in the lineage: a real job runs a promoted notebook whose tracked cell
reads a CSV and writes one, and the graph, its REST view and its exports lead from the
pipeline version through the job and its run to the data."""

from __future__ import annotations

import json
import types
import uuid

import prov.model
import pytest
import sqlalchemy as sa

from mlops_jlab import lineage
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.lineage import export as lineage_export
from mlops_jlab.lineage import walks as lineage_walks
from mlops_jlab.pipelines import jobs, promotion
from mlops_jlab.store.tables import EVENTS
from tests.api_client import api_caller, server_config
from tests.lineage_world import dv
from tests.pipeline_notebooks import notebook
from tests.test_lineage_export import assert_valid_openlineage


def ids(graph):
    return {node["id"] for node in graph["nodes"]}


def edges(graph):
    return {(edge["source"], edge["target"], edge["kind"]) for edge in graph["edges"]}


def nodes(graph):
    return {node["id"]: node for node in graph["nodes"]}


@pytest.fixture
def ran(tracker, tmp_path):
    """A pipeline ``scale`` promoted from a notebook whose tracked cell reads raw.csv and
    writes scaled.csv, and one finished job of it with ``factor=3``. The cell's outputs
    are the file and the DataFrame ``df`` it left."""
    raw, scaled = tmp_path / "raw.csv", tmp_path / "scaled.csv"
    raw.write_text("x\n1\n2\n3\n")
    path = notebook(
        tmp_path / "scale.ipynb",
        "%load_ext mlops_jlab",
        f"%%track\nimport pandas as pd\ndf = pd.read_csv({str(raw)!r})\n"
        f"df['x'] = df['x'] * factor\ndf.to_csv({str(scaled)!r}, index=False)",
        parameters="factor = 2  # how much to scale by",
    )
    pipeline = promotion.promote(tracker, path)
    job = jobs.run_job(tracker, pipeline, {"factor": 3}, wait=True)
    assert job.status == "finished", job.error
    (run_id,) = job.runs()["run_id"]
    with tracker.store.read() as conn:
        events = conn.execute(
            sa.select(EVENTS.c.direction, EVENTS.c.entity_id).where(
                EVENTS.c.run_id == run_id, EVENTS.c.entity_kind == "dataset_version"
            )
        ).all()
        names = {
            int(entity): lineage.node(conn, "dataset_version", entity)["dataset"]
            for _, entity in events
        }
    (raw_version,) = [int(entity) for direction, entity in events if direction == "INPUT"]
    outputs = {int(entity) for direction, entity in events if direction == "OUTPUT"}
    (scaled_version,) = [number for number in outputs if names[number] == str(scaled)]
    return types.SimpleNamespace(
        tracker=tracker,
        pipeline=pipeline,
        job=job,
        run=run_id,
        raw=raw_version,
        scaled=scaled_version,
        outputs={dv(number) for number in outputs},
        pv=f"pipeline_version:{pipeline.version_id}",
        jb=f"job:{job.id}",
    )


def test_the_output_of_a_job_leads_back_to_the_job_and_the_pipeline_version(ran, monkeypatch):
    r = ran
    # When the upstream lineage of the dataset version the job's cell wrote is asked for
    with r.tracker.store.read() as conn:
        graph = lineage.upstream(conn, "dataset_version", r.scaled)
        near = lineage.upstream(conn, "dataset_version", r.scaled, depth=2)
        back = lineage.downstream(conn, "pipeline_version", r.pipeline.version_id)
        around = lineage.graph(conn, "job", r.job.id)
    # Then it passes through the run to the job and the pipeline version it ran
    assert ids(graph) == {dv(r.scaled), f"run:{r.run}", dv(r.raw), r.jb, r.pv}
    assert {
        (r.pv, r.jb, "pipeline"),
        (r.jb, f"run:{r.run}", "job"),
        (f"run:{r.run}", dv(r.scaled), "output"),
    } <= edges(graph)
    # And the pipeline version reads as "name vN" with its notebook and parameters
    found = nodes(graph)
    version = found[r.pv]
    assert version["kind"] == "pipeline_version"
    assert version["label"] == "scale v1"
    assert version["notebook_path"].endswith("scale.ipynb")
    assert version["parameters"] == "factor: int = 2"
    assert version["created_at"] == r.pipeline.created_at
    # And the job with its pipeline, status, parameters and times
    job = found[r.jb]
    assert job["kind"] == "job" and job["label"] == "scale (finished)"
    assert job["parameters"] == {"factor": 3} and job["status"] == "finished"
    assert job["pipeline_version_id"] == r.pipeline.version_id and job["version"] == 1
    assert job["started_at"] <= job["ended_at"] and job["error"] is None
    # And a depth of two stops at the job, short of the pipeline version
    assert ids(near) == {dv(r.scaled), f"run:{r.run}", dv(r.raw), r.jb}
    # When the lineage downstream of the pipeline version is asked for
    # Then it reaches the job, its run and what the run wrote, not what the run read
    assert ids(back) == {r.pv, r.jb, f"run:{r.run}", *r.outputs}
    assert dv(r.scaled) in r.outputs
    # And the job's own lineage has the version above it and its run and outputs below
    assert ids(around) == {r.pv, r.jb, f"run:{r.run}", *r.outputs}
    # And a database that walks by joining every edge finds the same graphs
    monkeypatch.setattr(lineage_walks, "_assembly", lambda conn: "join")
    with r.tracker.store.read() as conn:
        assert lineage.upstream(conn, "dataset_version", r.scaled) == graph
        assert lineage.graph(conn, "job", r.job.id) == around


def test_jobs_and_pipeline_versions_are_asked_for_like_any_node(ran):
    r = ran
    with r.tracker.store.read() as conn:
        assert lineage.node(conn, "job", r.job.id)["status"] == "finished"
        assert lineage.node(conn, "pipeline_version", str(r.pipeline.version_id))["version"] == 1
        assert lineage.split_node_id(r.jb) == ("job", r.job.id)
        # A job or pipeline version that does not exist is not found, and says so
        with pytest.raises(NotFoundError, match="there is no job"):
            lineage.graph(conn, "job", "0" * 32)
        with pytest.raises(NotFoundError, match="no pipeline_version '999'"):
            lineage.node(conn, "pipeline_version", 999)
        # A pipeline version is named by its number
        with pytest.raises(InvalidInputError, match="whole number"):
            lineage.node(conn, "pipeline_version", "v1")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_exports_name_the_job_as_parent_and_plan(ran):
    r = ran
    with r.tracker.store.read() as conn:
        events = lineage_export.openlineage_events(conn, r.run, namespace="team-a")
        document = lineage_export.prov_document(conn, [r.run])
    # Then the run's OpenLineage events are valid and name the job as their parent run
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    for event in events:
        assert_valid_openlineage(event)
        parent = event["run"]["facets"]["parent"]
        assert parent["run"]["runId"] == str(uuid.UUID(hex=r.job.id))
        assert parent["job"] == {"namespace": "team-a", "name": "pipelines/scale", "facets": {}}
    # And in PROV the job is an activity that informed the run, following the pipeline
    # version as its plan
    parsed = prov.model.ProvDocument.deserialize(content=json.dumps(document), format="json")
    records = parsed.get_records()

    def named(cls):
        return [record for record in records if isinstance(record, cls)]

    activities = {str(a.identifier): a for a in named(prov.model.ProvActivity)}
    assert set(activities) == {f"run:{r.run}", r.jb}
    assert "scale (finished)" in {str(v) for v in activities[r.jb].get_attribute("prov:label")}
    (plan,) = [e for e in named(prov.model.ProvEntity) if str(e.identifier) == r.pv]
    assert "prov:Plan" in {str(t) for t in plan.get_asserted_types()}
    (informed,) = named(prov.model.ProvCommunication)
    assert [str(value) for _, value in informed.formal_attributes] == [f"run:{r.run}", r.jb]
    (job_association,) = [
        a
        for a in named(prov.model.ProvAssociation)
        if str(a.get_attribute("prov:activity").pop()) == r.jb
    ]
    assert {str(p) for p in job_association.get_attribute("prov:plan")} == {r.pv}


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(location, monkeypatch)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_rest_lineage_of_a_job(ran, jp_fetch):
    r = ran
    api = api_caller(jp_fetch)
    # When the lineage of the job is asked for over REST, in both directions
    answer = await api("GET", "lineage", "job", r.job.id)
    assert answer.code == 200, answer
    assert answer.body["root"] == r.jb
    assert {node["id"] for node in answer.body["nodes"]} == {r.pv, r.jb, f"run:{r.run}", *r.outputs}
    # And downstream of the pipeline version, one edge deep
    down = await api(
        "GET",
        "lineage",
        "pipeline_version",
        str(r.pipeline.version_id),
        params={"direction": "down", "depth": 1},
    )
    assert down.code == 200, down
    assert [(e["source"], e["target"], e["kind"]) for e in down.body["edges"]] == [
        (r.pv, r.jb, "pipeline")
    ]
    # And a job that does not exist is a 404, a malformed one too
    assert (await api("GET", "lineage", "job", "0" * 32)).code == 404
    assert (await api("GET", "lineage", "job", "12")).code == 404
