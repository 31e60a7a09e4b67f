"""Lineage walks: upstream and downstream of a node, depth, cycles, deleted runs, and
the mistakes a caller can make. The lineage is written by :mod:`tests.lineage_world`.
"""

from __future__ import annotations

import json

import pytest

from mlops_jlab import lineage
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.lineage import export as lineage_export
from mlops_jlab.lineage import staleness
from mlops_jlab.lineage import walks as lineage_walks
from tests.lineage_world import dv, node_of, run_node


def ids(graph):
    return {node["id"] for node in graph["nodes"]}


def edges(graph):
    return {(edge["source"], edge["target"], edge["kind"]) for edge in graph["edges"]}


ARTIFACT_FIELDS = {
    "id", "kind", "label", "stale", "digest", "name", "artifact_kind", "media_type", "size",
    "fingerprint", "created_at",
}  # fmt: skip


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
            monkeypatch.setattr(lineage_walks, "_assembly", lambda conn: "join")
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


def test_staleness_and_exports_are_offered_by_the_lineage_module_too():
    assert lineage.stale_runs is staleness.stale_runs
    assert lineage.is_stale is staleness.is_stale
    assert lineage.openlineage_events is lineage_export.openlineage_events
    assert lineage.prov_document is lineage_export.prov_document
