"""The demo: its example store, made by running the example notebooks as papermill jobs
(runs that know their cells, datasets with two versions, stale runs, the lineage between
them), the JupyterLab workspace `mlops-jlab demo-data` writes beside it, and the committed
examples it leaves as they were."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from mlops_jlab import lineage
from mlops_jlab.cli import main
from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, resolve_store
from mlops_jlab.demo import EXPERIMENT, RAW, TEST, TRAIN, TRAIN_NOTEBOOK, workspace_file
from mlops_jlab.demo_lifecycle import (
    MODEL,
    PIPELINE,
    SWEEP_GRID,
    SWEEP_SUFFIX,
    UNKNOWN_MODEL,
    WEEKLY,
)
from mlops_jlab.lineage.staleness import stale_runs
from mlops_jlab.tracking import Tracker

FIRST_ROUND = 9  # models trained on the first extract
RETRAINED = 3  # of them, trained again on the later extract
NEW_ROWS = 60  # the later extract's new cases, as 02-prepare-data.ipynb adds them
EXAMPLES = Path(__file__).parent.parent / "examples"


def committed_examples() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(EXAMPLES.iterdir())}


@pytest.fixture(scope="module")
def examples_before():
    return committed_examples()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory, examples_before):
    """A folder filled as `make demo` fills demo/, once for the module (about a minute:
    fourteen papermill jobs)."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(DB_URL_ENV, raising=False)
        patch.delenv(ARTIFACTS_ENV, raising=False)
        assert main(["demo-data", str(folder), "--examples", str(EXAMPLES)]) == 0
    return folder


@pytest.fixture
def demo(demo_folder, monkeypatch):
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    tracker = Tracker(resolve_store(demo_folder))
    yield tracker
    tracker.store.dispose()


def names_by_id(tracker: Tracker) -> dict[str, str]:
    runs = tracker.runs(experiment=EXPERIMENT)
    return dict(zip(runs["run_id"], runs["name"], strict=True))


def test_the_example_store_leads_from_each_extract_to_every_model(demo):
    # Given the store `mlops-jlab demo-data` filled
    runs = demo.runs(experiment=EXPERIMENT)
    runs = runs[~runs["name"].str.endswith(SWEEP_SUFFIX)]  # the pipeline's, tested below
    # Then every run finished: the two preparations and both rounds of training
    assert len(runs) == 2 + FIRST_ROUND + RETRAINED
    assert (runs["status"] == "finished").all()
    trained = runs[runs["metrics.accuracy"].notna()]
    assert len(trained) == FIRST_ROUND + RETRAINED
    # And the training runs hold their settings, a model and a figure
    for run_id in trained["run_id"]:
        run = demo.get_run(run_id)
        assert {"classifier.pkl", "scores.png"} <= set(run.artifacts)
        assert run.params["model"] == run.tags["model"] and len(run.params) > 1
    # And each extract leads through its split to its round's runs and models
    # (the pipeline's sweep trained on the later extract too)
    sweep = len(SWEEP_GRID["C"])
    for version, round_runs in ((1, 1 + FIRST_ROUND), (2, 1 + RETRAINED + sweep)):
        extract = demo.get_dataset_version(f"{RAW}@v{version}")["id"]
        with demo.store.read() as conn:
            down = lineage.graph(conn, "dataset_version", extract, "downstream")
        kinds = [node["kind"] for node in down["nodes"]]
        assert kinds.count("run") == round_runs
        assert kinds.count("artifact") == round_runs - 1


def test_every_example_run_knows_the_notebook_cell_that_made_it(demo_folder, demo):
    # Given the example runs, made by papermill jobs of the example notebooks
    runs = demo.runs(experiment=EXPERIMENT)
    # Then each names its notebook in the folder and a cell of it (Open cell goes there),
    # whose code the preparations and the retrained models ran (the first round's models
    # ran an earlier draft of their cell)
    for notebook, cell_id, run in zip(
        runs["notebook_path"], runs["cell_id"], map(demo.get_run, runs["run_id"]), strict=True
    ):
        cells = {
            cell.id: cell for cell in nbformat.read(demo_folder / notebook, as_version=4).cells
        }
        assert cell_id in cells
        if run.name.startswith("prepare-split") or run.name.endswith("-refreshed"):
            assert cells[cell_id].source.endswith(run.code)
    assert set(runs["notebook_path"]) == {"02-prepare-data.ipynb", TRAIN_NOTEBOOK}


def test_the_committed_examples_hold_no_outputs_and_the_demo_leaves_them_as_they_were(
    demo_folder, examples_before
):
    # Given the demo filled from the examples (a copy of them, in its own folder)
    # Then the committed examples are byte for byte what they were, with nothing beside them
    assert committed_examples() == examples_before
    # And none of them holds an output or an execution count, so running them in the demo
    # (which works on the copies) never shows in the checkout
    for name in examples_before:
        notebook = nbformat.read(EXAMPLES / name, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (name, cell.id)
    # And the demo's folder holds the copies, the data files the jobs wrote and its store
    assert {path.name for path in demo_folder.iterdir()} == {*examples_before, "data", ".mlops"}


def test_every_dataset_has_a_refreshed_version_that_differs_a_little(demo):
    # Given the example store
    # Then the raw data, the train set and the test set each have two versions, and the
    # train and test versions keep their roles
    for name in (RAW, TRAIN, TEST):
        assert list(demo.dataset_versions(name)["version"]) == [1, 2]
    assert list(demo.dataset_versions(TRAIN)["role"]) == ["train", "train"]
    assert list(demo.dataset_versions(TEST)["role"]) == ["test", "test"]
    # When the two raw versions are compared
    diff = demo.diff_datasets(f"{RAW}@v1", f"{RAW}@v2")
    # Then the later one has the new rows, the same columns, and texture readings that rose
    assert diff["rows"]["change"] == NEW_ROWS
    assert diff["schema"] == {"added": [], "removed": [], "type_changed": []}
    texture = diff["columns"]["mean texture"]
    assert texture["b"]["mean"] > texture["a"]["mean"]
    assert "mean" in texture["changes"]


def test_the_models_trained_before_the_refresh_are_stale(demo):
    # Given the example store, where the data was refreshed after the first round
    names = names_by_id(demo)
    with demo.store.read() as conn:
        stale = stale_runs(conn)
    stale_names = sorted(names[run_id] for run_id in stale)
    # Then the first preparation and every model of the first round are stale, since what
    # they read has a newer version; nothing made from the later extract is
    assert len(stale_names) == 1 + FIRST_ROUND
    assert "prepare-split" in stale_names
    assert not [name for name in stale_names if name.endswith("-refreshed")]
    # And each says which version it read, and a model's run that its training cell's code
    # changed since (the first round ran an earlier draft of the cell)
    logreg = next(run_id for run_id, name in names.items() if name == "logreg-C1.0")
    assert f"read {TRAIN} v1; v2 is newer" in stale[logreg]
    assert (
        f"the cell's code changed since (a later run of cell train-fit in {TRAIN_NOTEBOOK})"
        in (stale[logreg])
    )
    # And the two runs of the same settings differ in their code by the scaling
    retrained = next(run_id for run_id, name in names.items() if name == "logreg-C1.0-refreshed")
    before, after = demo.get_run(logreg).code, demo.get_run(retrained).code
    assert (
        "StandardScaler()" in after and "StandardScaler()" not in before.split("ml.log_params")[1]
    )


def test_the_workspace_opens_the_panel_a_comparison_and_a_lineage_of_real_runs(demo_folder, demo):
    # Given the workspace `mlops-jlab demo-data` wrote into the folder's workspaces folder
    from jupyterlab_server.workspaces_handler import WORKSPACE_EXTENSION, slugify

    folder = demo_folder / ".mlops" / "workspaces"
    path = workspace_file(folder)
    # Then it is where JupyterLab looks for its default workspace, and it is valid JSON
    assert path == folder / (slugify("default") + WORKSPACE_EXTENSION)
    workspace = json.loads(path.read_text())
    assert workspace["metadata"]["id"] == "default"
    data = workspace["data"]
    layout = data["layout-restorer:data"]
    # And the MLOps side panel is open on the left
    assert layout["left"]["current"] == "mlops-jlab-panel"
    assert layout["left"]["collapsed"] is False
    # And the main area holds the notebook, a comparison and a lineage graph, each with
    # the arguments its command restores it with
    main_area = json.dumps(layout["main"]["dock"])
    widgets = [key for key in data if key != "layout-restorer:data"]
    assert all(f'"{key}"' in main_area for key in widgets)
    notebook = data[f"notebook:{TRAIN_NOTEBOOK}"]["data"]
    assert (demo_folder / notebook["path"]).is_file()
    (compare,) = [key for key in widgets if key.startswith("mlops-jlab-compare:")]
    (graph,) = [key for key in widgets if key.startswith("mlops-jlab-lineage:")]
    run_ids = data[compare]["data"]["runIds"]
    # (named as the compare plugin names its view, so JupyterLab's restorer puts it there)
    plugin = (Path(__file__).parent.parent / "src" / "runs" / "comparePlugin.ts").read_text()
    assert "key: args => [...args.runIds].sort().join('-')" in plugin
    assert compare == "mlops-jlab-compare:mlops-jlab-compare-" + "-".join(sorted(run_ids))
    # And the comparison names real runs: the best retrained model, the same settings on
    # the first data, and the runner-up
    names = names_by_id(demo)
    assert [names[run_id] for run_id in run_ids] == [
        "logreg-C1.0-refreshed",
        "logreg-C1.0",
        "gradient-boosting-learning_rate0.2-n_estimators60-refreshed",
    ]
    # And the lineage graph is the current train set's
    lineage_args = data[graph]["data"]
    assert lineage_args["kind"] == "dataset_version"
    assert lineage_args["nodeId"] == str(demo.get_dataset_version(TRAIN)["id"])
    assert demo.get_dataset_version(TRAIN)["version"] == 2
    assert (
        graph == f"mlops-jlab-lineage:mlops-jlab-lineage-dataset_version-{lineage_args['nodeId']}"
    )


def test_demo_data_again_keeps_the_store_and_the_layout_jupyterlab_saved(demo_folder, capsys):
    # Given the filled folder, whose workspace JupyterLab has since saved with a change
    path = workspace_file(demo_folder / ".mlops" / "workspaces")
    saved = json.loads(path.read_text())
    saved["data"]["layout-restorer:data"]["left"]["collapsed"] = True
    path.write_text(json.dumps(saved))
    # When `mlops-jlab demo-data` runs again (as `make demo` does on every start)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(DB_URL_ENV, raising=False)
        patch.delenv(ARTIFACTS_ENV, raising=False)
        assert main(["demo-data", str(demo_folder)]) == 0
    # Then no runs are added and the saved layout is left as it is
    assert "already holds runs" in capsys.readouterr().out
    assert json.loads(path.read_text()) == saved
    # When the workspace is gone, it is made again from the store
    path.unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(DB_URL_ENV, raising=False)
        patch.delenv(ARTIFACTS_ENV, raising=False)
        assert main(["demo-data", str(demo_folder)]) == 0
    assert (
        json.loads(path.read_text())["data"]["layout-restorer:data"]["left"]["collapsed"] is False
    )


def test_the_panel_s_example_filter_finds_demo_runs(demo):
    # Given the example filter the runs panel shows in its empty filter box
    section = (Path(__file__).parent.parent / "src" / "runs" / "RunsSection.tsx").read_text()
    example = re.search(r'const FILTER_EXAMPLE =\s*"([^"]+)"', section).group(1)
    # When a newcomer tries it on the demo's store
    found = demo.runs(example)
    # Then it finds some runs, not an empty table
    assert len(found) > 0


def test_demo_data_without_its_notebooks_says_where_they_come_from(tmp_path, capsys):
    # Given an empty folder, and a folder of examples that does not exist
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(DB_URL_ENV, raising=False)
        patch.delenv(ARTIFACTS_ENV, raising=False)
        # When demo-data is pointed at examples that are not there
        code = main(["demo-data", str(tmp_path), "--examples", str(tmp_path / "nope")])
        # Then it says which folder it could not find
        assert code == 2
        assert "--examples" in capsys.readouterr().err
        # When it is run in a folder without the example notebooks
        code = main(["demo-data", str(tmp_path)])
    # Then it says which notebook it needs and how to copy it there, and records nothing
    assert code == 2
    message = capsys.readouterr().err
    assert "02-prepare-data.ipynb not found" in message and "--examples DIR" in message
    tracker = Tracker(resolve_store(tmp_path))
    assert tracker.runs().empty
    tracker.store.dispose()


@pytest.fixture
def demo_api(demo_folder, monkeypatch):
    """The module-level API (``ml.jobs``, ``ml.model_history``, ...) on the demo's store."""
    import mlops_jlab as ml

    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    location = resolve_store(demo_folder)
    ml.set_store(location.db_url, location.artifacts)
    yield ml
    ml.set_store()


def test_the_training_notebook_is_a_pipeline_with_a_sweep_a_failed_job_and_a_schedule(demo_api):
    # Given the demo's store
    ml = demo_api
    # Then the training notebook is a pipeline whose sweep finished and whose job for an
    # unknown model failed in its settings cell, saying which model
    jobs = ml.jobs(pipeline=PIPELINE)
    sweep_jobs = jobs[jobs["sweep_id"].notna()]
    assert len(sweep_jobs) == len(SWEEP_GRID["C"])
    assert (sweep_jobs["status"] == "finished").all()
    (failed_id,) = jobs.loc[jobs["status"] == "failed", "job_id"]
    failed = ml.get_job(failed_id)
    assert UNKNOWN_MODEL in failed.error
    assert "settings = {" in failed.failing_source
    # And its sweep's runs are among the example runs, one per setting
    names = set(ml.runs(experiment=EXPERIMENT)["name"])
    assert {f"logreg-C{c}{SWEEP_SUFFIX}" for c in SWEEP_GRID["C"]} <= names
    # And it runs every Monday morning
    (schedule,) = ml.schedules(pipeline=PIPELINE).itertuples()
    assert schedule.cron == WEEKLY


def test_the_registry_holds_an_approved_a_rejected_and_a_pending_request(demo_api):
    # Given the demo's store
    ml = demo_api
    # Then the model has three versions, the first the champion by an approved request
    assert list(ml.model_versions(MODEL)["version"]) == [1, 2, 3]
    assert ml.get_model_version(f"{MODEL}@champion").version == 1
    requests = {
        row.version: ml.get_transition_request(row.id)
        for row in ml.transition_requests(model=MODEL).itertuples()
    }
    assert requests[1].status == "approved" and requests[1].report["decision"] == "pass"
    assert requests[2].status == "rejected" and requests[2].comment
    # And the best refreshed model waits for a person, with its check's report
    assert requests[3].status == "pending" and requests[3].to == "champion"
    assert requests[3].report["examples_used"] >= requests[3].report["examples_needed"]
