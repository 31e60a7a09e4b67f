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


@pytest.mark.parametrize("name", ["00-quickstart.ipynb"])
def test_example_notebook_runs_and_records_its_runs(name, tmp_path, monkeypatch):
    # Given a copy of the example in a fresh folder with its own store
    shutil.copy(EXAMPLES / name, tmp_path / name)
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    notebook = nbformat.read(tmp_path / name, as_version=4)
    # When it runs top to bottom in a real kernel
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    # Then no cell failed and its runs are in the store of that folder
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
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
