"""The example notebooks run top to bottom in a real kernel."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, resolve_store
from mlops_jlab.tracking import Tracker

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_example(name: str, folder: Path, monkeypatch) -> list[dict]:
    """Run a copy of example ``name`` top to bottom in a real kernel, in ``folder`` with a
    store of its own; returns the error outputs of its cells."""
    shutil.copy(EXAMPLES / name, folder / name)
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    notebook = nbformat.read(folder / name, as_version=4)
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(folder)}}).execute()
    return [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


@pytest.mark.parametrize("name", ["00-quickstart.ipynb"])
def test_example_notebook_runs_and_records_its_runs(name, tmp_path, monkeypatch):
    # Given a copy of the example in a fresh folder with its own store
    # When it runs top to bottom in a real kernel
    # Then no cell failed and its runs are in the store of that folder
    assert run_example(name, tmp_path, monkeypatch) == []
    tracker = Tracker(resolve_store(tmp_path))
    frame = tracker.runs(experiment="quickstart")
    assert sorted(frame["name"]) == [
        "careful",
        "learning-curve",
        "rf-depth2",
        "rf-depth4",
        "rf-depth8",
    ]
    assert (frame["status"] == "finished").all()


def test_track_basics_runs_headless_under_papermill(tmp_path, monkeypatch):
    # Given a copy of the example in a fresh folder, with its path passed as papermill needs
    import papermill

    name = "01-track-basics.ipynb"
    shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / ".mlops").mkdir()
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    monkeypatch.setenv("MLOPS_JLAB_NOTEBOOK", str(tmp_path / name))
    # When papermill runs it top to bottom
    papermill.execute_notebook(
        str(tmp_path / name), str(tmp_path / "out.ipynb"), cwd=str(tmp_path), progress_bar=False
    )
    # Then every tracked cell is a finished run that knows its notebook and cell
    tracker = Tracker(resolve_store(tmp_path))
    frame = tracker.runs(experiment="01-track-basics")
    names = ["load-wine", "clean-wine", "split", "logistic-regression", "random-forest"]
    assert sorted(frame["name"]) == sorted(names)
    assert (frame["status"] == "finished").all()
    assert set(frame["notebook_path"]) == {name}
    cell_ids = {cell.id for cell in nbformat.read(tmp_path / name, as_version=4).cells}
    assert set(frame["cell_id"]) <= cell_ids and frame["cell_id"].notna().all()
    # And the data file has its raw and its cleaned version, which differ in rows
    versions = tracker.dataset_versions("data/wine.csv")
    assert list(versions["version"]) == [1, 2]
    assert versions["n_rows"][0] > versions["n_rows"][1]
    # And the model leads back to the raw file through the split and the cleaned file
    forest = frame[frame["name"] == "random-forest"].run_id.iloc[0]
    run = tracker.get_run(forest)
    assert run.params == {"n_estimators": "50", "max_depth": "3"}
    assert set(run.metrics) == {"accuracy", "train_accuracy"} and "clf.pkl" in run.artifacts
    from mlops_jlab import lineage

    with tracker.store.read() as conn:
        upstream = lineage.graph(conn, "run", forest, "upstream")
    labels = {node["label"] for node in upstream["nodes"]}
    assert {"data/wine.csv@v1", "data/wine.csv@v2", "load-wine", "clean-wine", "split"} <= labels
    # And the cleaned frame, which the cleaning cell wrote to the file, is that file's
    # version, not a dataset of its own
    assert not [label for label in labels if label.startswith(f"{name}:wine")]
    tracker.store.dispose()


def test_registry_example_registers_checks_and_approves_a_champion(tmp_path, monkeypatch):
    # Given a copy of the registry example in a fresh folder with its own store
    import mlops_jlab as ml

    # When it runs top to bottom in a real kernel
    # Then no cell failed, the feasibility study is a run, and champion is the approved version
    assert run_example("05-registry-and-gate.ipynb", tmp_path, monkeypatch) == []
    location = resolve_store(tmp_path)
    tracker = Tracker(location)
    assert set(tracker.runs("kind = 'feasibility'")["tags.verdict"]) == {
        "plausible",
        "not reachable",
    }
    ml.set_store(location.db_url, location.artifacts)
    try:
        champion = ml.get_model_version("digits@champion")
        history = ml.model_history("digits")
    finally:
        ml.set_store()
    assert champion.version == 1
    assert list(history["kind"]) == [
        "registered",
        "request_created",
        "request_approved",
        "alias_set",
    ]


def test_pipelines_example_promotes_runs_sweeps_and_schedules(tmp_path, monkeypatch):
    # Given the pipelines example beside the notebooks it promotes, in a fresh folder
    from mlops_jlab.pipelines.jobs import jobs_frame
    from mlops_jlab.pipelines.schedules import schedules_frame

    for name in ("02-prepare-data.ipynb", "03-train-model.ipynb"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    # When it runs top to bottom in a real kernel
    # Then no cell failed: the preparation ran as a job, then a training job and a sweep of
    # three, all finished, and a weekly schedule waits for Monday
    assert run_example("04-pipelines.ipynb", tmp_path, monkeypatch) == []
    tracker = Tracker(resolve_store(tmp_path))
    jobs = jobs_frame(tracker, None, None, None, 100)
    assert sorted(jobs["pipeline"]) == ["02-prepare-data", *["train-model"] * 4]
    assert (jobs["status"] == "finished").all()
    assert list(schedules_frame(tracker, "train-model")["cron"]) == ["0 6 * * 1"]
    tracker.store.dispose()
