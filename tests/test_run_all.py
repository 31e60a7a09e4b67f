"""Whole notebooks run top to bottom without pauses (Run All, nbclient, papermill: how every
job runs): each tracked cell finds the dataset versions the cells before it made, although
the kernel's background writer has not written them yet, and says nothing about it."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, StoreLocation
from mlops_jlab.datasets import queries
from mlops_jlab.datasets.names import variable_dataset
from mlops_jlab.store import reads
from mlops_jlab.tracking import Tracker

CELLS = [
    "%load_ext mlops_jlab",
    "import pandas as pd",
    "%%track --name read\ndf = pd.read_csv('x.csv')",
    "%%track --name double\ndf['c'] = df.a * 2",
    "%%track --name pivot\ntable = df.pivot_table(index='a', values='c', aggfunc='sum')",
    "%%track --name merge\nboth = df.merge(table.reset_index(), on='a', suffixes=('', '_sum'))",
]
RUN_NAMES = ["read", "double", "pivot", "merge"]


def run_nbclient(path, folder) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def run_papermill(path, folder) -> nbformat.NotebookNode:
    import papermill

    output = folder / "out.ipynb"
    papermill.execute_notebook(str(path), str(output), cwd=str(folder), progress_bar=False)
    return nbformat.read(output, as_version=4)


def events(tracker: Tracker, run_id: str) -> set[tuple[str, str, int]]:
    """``(direction, dataset name, version id)`` of what the run read and wrote, as the
    run detail reads them."""
    with tracker.store.read() as conn:
        used = queries.versions_used(conn, run_id)
        names = {v: reads.dataset_versions(conn, version_id=int(v))[0]["name"] for v, _ in used}
    return {(direction, names[version], int(version)) for version, direction in used}


@pytest.mark.parametrize("execute", [run_nbclient, run_papermill], ids=["nbclient", "papermill"])
def test_run_all_keeps_the_lineage_between_cells_and_prints_nothing(
    execute, db_url, tmp_path, monkeypatch
):
    # Given a notebook whose tracked cells each use what the one before made, and an empty store
    pd.DataFrame({"a": [1, 2, 3, 4]}).to_csv(tmp_path / "x.csv", index=False)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "pipeline.ipynb"
    nbformat.write(notebook, path)
    location = StoreLocation(db_url, str(tmp_path / "artifacts"), "test")
    monkeypatch.setenv(DB_URL_ENV, location.db_url)
    monkeypatch.setenv(ARTIFACTS_ENV, location.artifacts)
    monkeypatch.setenv("MLOPS_JLAB_NOTEBOOK", str(path))
    # When it runs top to bottom without a pause
    executed = execute(path, tmp_path)
    # Then no line was added to any cell's output
    assert [cell.get("outputs") for cell in executed.cells] == [[] for _ in CELLS]
    # And each cell's run read the versions the cells before it made
    tracker = Tracker(location)
    runs = tracker.runs()
    assert set(runs["status"]) == {"finished"}
    ids = dict(zip(runs["name"], runs["run_id"], strict=True))
    read, double, pivot, merge = (events(tracker, ids[n]) for n in RUN_NAMES)
    source = str((tmp_path / "x.csv").resolve())  # the store is not in the notebook's folder
    [(_, _, file_version)] = read
    assert read == {("INPUT", source, file_version)}
    # The notebook's variables are datasets of the notebook (named by its path here)
    df, table = (variable_dataset(str(path), variable) for variable in ("df", "table"))
    [frame_version] = [v for d, name, v in double if (d, name) == ("OUTPUT", df)]
    assert double == {("INPUT", source, file_version), ("OUTPUT", df, frame_version)}
    [table_version] = [v for d, name, v in pivot if (d, name) == ("OUTPUT", table)]
    assert pivot == {("INPUT", df, frame_version), ("OUTPUT", table, table_version)}
    assert {(d, name, v) for d, name, v in merge if d == "INPUT"} == {
        ("INPUT", df, frame_version),
        ("INPUT", table, table_version),
    }
    # And each version was recorded once, with its profile
    versions = tracker.dataset_versions(df)
    assert list(versions["id"]) == [frame_version]
    assert tracker.get_dataset_version(frame_version)["profile"]
    tracker.store.dispose()
