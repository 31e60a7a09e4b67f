"""Fills an example store with real runs, so a newcomer sees something within a minute.

The runs are made the way a team makes them: by the example notebooks, run as jobs with
papermill, so every run knows its notebook and cell (the panel's Open cell goes there).
``02-prepare-data.ipynb`` keeps an extract of a dataset scikit-learn ships (breast cancer
diagnosis) as a file and splits it into a train and a test file; ``03-train-model.ipynb``
trains one small scikit-learn model on them per setting, logging params, per-step
metrics, a figure and the model. The files are dataset versions with roles, so the lineage
leads from the extract through the split to every model.

Then a later extract arrives (new cases from another scanner, whose texture readings run a
little high, and a few re-measured cases): the preparation runs again on it and one model
of each kind is retrained, by the training cell as it is now; the first round ran an
earlier draft of it, without the feature scaling for logistic regression. The earlier
models read a train set that now has a newer version and came from the cell's earlier
code, so they are stale for both, and the two extracts differ a little (a dataset diff
with some drift).

:func:`demo_workspace` describes the JupyterLab layout the demo opens on: the MLOps panel
on the left, and beside the training notebook a comparison of the best retrained model
with its stale predecessor and the runner-up, and the lineage of the current train set.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlops_jlab.config import NOTEBOOK_ENV, StoreLocation
from mlops_jlab.errors import MlopsError
from mlops_jlab.tracking import Tracker

EXPERIMENT = "breast-cancer"
RAW = "data/breast-cancer.csv"
TRAIN = "data/train.csv"
TEST = "data/test.csv"
PREPARE_NOTEBOOK = "02-prepare-data.ipynb"
TRAIN_NOTEBOOK = "03-train-model.ipynb"
PREPARE = "prepare-split"
# Runs made on the later extract carry this suffix, so the two rounds read apart in a table.
REFRESHED = "-refreshed"
# The settings of the first round, as the training notebook's parameters.
SETTINGS = (
    *({"model": "logreg", "C": C} for C in (0.01, 0.1, 1.0, 10.0)),
    *({"model": "random-forest", "max_depth": depth, "n_estimators": 100} for depth in (2, 4, 8)),
    *(
        {"model": "gradient-boosting", "learning_rate": lr, "n_estimators": 60}
        for lr in (0.05, 0.2)
    ),
)
# The settings retrained on the later extract: one of each kind of model.
RETRAINED = (
    "logreg-C1.0",
    "random-forest-max_depth8-n_estimators100",
    "gradient-boosting-learning_rate0.2-n_estimators60",
)
# The training cell, and its line that the first round ran without the scaling.
TRAINING_CELL = "train-fit"
SCALED = "make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))"
UNSCALED = "LogisticRegression(C=C, max_iter=5000)"
WORKSPACE_ID = "default"  # the workspace `jupyter lab` opens at /lab


class DemoError(MlopsError):
    """An example notebook could not be run."""


def run_name(settings: dict[str, Any]) -> str:
    """A training run's name as the training notebook makes it: the model and its
    settings, e.g. ``logreg-C1.0``."""
    model, *rest = settings.items()
    return f"{model[1]}-" + "-".join(f"{key}{value}" for key, value in rest)


def copy_examples(examples: Path, folder: Path) -> list[str]:
    """Copy the example notebooks of ``examples`` that ``folder`` lacks (a notebook already
    there, perhaps edited, is kept). Returns the names copied."""
    copied = []
    folder.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(examples.glob("*.ipynb")):
        target = folder / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
            copied.append(notebook.name)
    return copied


@contextlib.contextmanager
def _kernel_environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in the environment the kernels papermill starts inherit."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_notebook(folder: Path, notebook: str, parameters: dict[str, Any], outputs: Path) -> None:
    """Run ``folder/notebook`` as a job: papermill, in ``folder``, with ``parameters``."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    path = folder / notebook
    output = outputs / f"{len(list(outputs.iterdir())):02d}-{notebook}"
    with _kernel_environment({NOTEBOOK_ENV: str(path.resolve())}):
        try:
            papermill.execute_notebook(
                str(path),
                str(output),
                parameters=parameters,
                cwd=str(folder),
                progress_bar=False,
                # The kernel's own log (its transport on every start, the interrupt it is
                # stopped with) is not the demo's news: a failing cell still raises
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except PapermillExecutionError as exc:
            raise DemoError(
                f"{notebook} failed in cell {exc.exec_count} with {exc.ename}: {exc.evalue}"
            ) from None


@contextlib.contextmanager
def _earlier_draft(notebook: Path) -> Iterator[None]:
    """``notebook`` as it was before its training cell scaled the features for logistic
    regression (:data:`SCALED`), put back afterwards: the first round's runs have that
    cell's earlier code, so the demo shows a code diff and runs stale by their cell."""
    import nbformat

    committed = notebook.read_bytes()
    draft = nbformat.reads(committed.decode("utf-8"), as_version=4)
    cell = next((cell for cell in draft.cells if cell.get("id") == TRAINING_CELL), None)
    if cell is None or SCALED not in cell.source:
        yield  # a notebook edited otherwise since: run it as it is
        return
    cell.source = cell.source.replace(SCALED, UNSCALED)
    nbformat.write(draft, notebook)
    try:
        yield
    finally:
        notebook.write_bytes(committed)


def fill_example_store(folder: Path, location: StoreLocation) -> int:
    """Record the example runs into the store at ``location`` by running the example
    notebooks in ``folder``; returns how many runs they recorded."""
    for notebook in (PREPARE_NOTEBOOK, TRAIN_NOTEBOOK):
        if not (folder / notebook).is_file():
            raise DemoError(
                f"{folder / notebook} not found: the demo runs the example notebooks in "
                f"{folder} (--examples DIR copies them there)"
            )
    first = [(PREPARE_NOTEBOOK, {"refresh": False})]
    first += [(TRAIN_NOTEBOOK, settings) for settings in SETTINGS]
    second = [(PREPARE_NOTEBOOK, {"refresh": True})]
    second += [
        (TRAIN_NOTEBOOK, {**settings, "suffix": REFRESHED})
        for settings in SETTINGS
        if run_name(settings) in RETRAINED
    ]
    environment = {**location.environment(), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as outputs, _kernel_environment(environment):
        with _earlier_draft(folder / TRAIN_NOTEBOOK):
            for notebook, parameters in first:
                _run_notebook(folder, notebook, parameters, Path(outputs))
        for notebook, parameters in second:
            _run_notebook(folder, notebook, parameters, Path(outputs))
    return len(first) + len(second)


def demo_workspace(tracker: Tracker, notebook: str = TRAIN_NOTEBOOK) -> dict[str, Any] | None:
    """The JupyterLab workspace the demo opens on, made from the example runs in the store.

    The MLOps side panel is open on the left. The main area holds ``notebook`` (the one
    that trained the models) and, beside it, a comparison of the best retrained model (by
    ROC AUC), the same settings trained on the first extract (stale) and the runner-up;
    below both, the lineage of the current train set. Each view is an entry that
    JupyterLab's layout restorer reopens by running the view's command with the entry's
    arguments.

    Returns
    -------
    dict or None
        The workspace (``{"data": ..., "metadata": {"id": "default"}}``), or None when the
        store holds no example runs.
    """
    from mlops_jlab.errors import NotFoundError

    runs = tracker.runs(experiment=EXPERIMENT)
    if runs.empty or "metrics.roc_auc" not in runs:
        return None
    # Newest first: with `demo-data --force` the latest set of example runs counts.
    runs = runs.sort_values("start_time", ascending=False, kind="stable")
    refreshed = runs[runs["name"].str.endswith(REFRESHED) & runs["metrics.roc_auc"].notna()]
    refreshed = refreshed.drop_duplicates("name")
    if len(refreshed) < 2:
        return None
    ranked = refreshed.sort_values(
        ["metrics.roc_auc", "metrics.accuracy"], ascending=False, kind="stable"
    )
    best, runner_up = ranked.iloc[0], ranked.iloc[1]
    before = runs[runs["name"] == best["name"].removesuffix(REFRESHED)]
    compared = [best["run_id"], *before["run_id"].iloc[:1], runner_up["run_id"]]
    try:
        train_version = str(tracker.get_dataset_version(TRAIN)["id"])
    except NotFoundError:
        return None

    compare_args = {"runIds": compared}
    lineage_args = {"kind": "dataset_version", "nodeId": train_version}
    # The view's key, as the compare plugin makes it: the same runs in any order are the
    # same comparison (src/runs/comparePlugin.ts); the columns keep the order given.
    compare = "mlops-jlab-compare:mlops-jlab-compare-" + "-".join(sorted(compared))
    lineage = f"mlops-jlab-lineage:mlops-jlab-lineage-dataset_version-{train_version}"
    document = f"notebook:{notebook}"

    def tabs(widget: str) -> dict[str, Any]:
        return {"type": "tab-area", "currentIndex": 0, "widgets": [widget]}

    layout = {
        "main": {
            # The notebook and the comparison side by side above the lineage graph, which
            # runs left to right and so gets the main area's whole width.
            "dock": {
                "type": "split-area",
                "orientation": "vertical",
                "sizes": [0.6, 0.4],
                "children": [
                    {
                        "type": "split-area",
                        "orientation": "horizontal",
                        "sizes": [0.45, 0.55],
                        "children": [tabs(document), tabs(compare)],
                    },
                    tabs(lineage),
                ],
            },
            "current": compare,
        },
        "left": {
            "collapsed": False,
            "visible": True,
            "current": "mlops-jlab-panel",
            "widgets": ["mlops-jlab-panel"],
        },
        "right": {"collapsed": True, "visible": True, "widgets": []},
        "down": {"size": 0, "collapsed": True, "widgets": []},
        # The panel's runs table gets about a third of the window.
        "relativeSizes": [0.3, 0.7, 0],
        "top": {"simpleVisibility": True},
    }
    return {
        "data": {
            "layout-restorer:data": layout,
            document: {"data": {"path": notebook, "factory": "Notebook"}},
            compare: {"data": compare_args},
            lineage: {"data": lineage_args},
        },
        "metadata": {"id": WORKSPACE_ID},
    }


def workspace_file(folder: Path, workspace_id: str = WORKSPACE_ID) -> Path:
    """Where JupyterLab keeps workspace ``workspace_id`` in its workspaces folder ``folder``
    (``--LabApp.workspaces_dir``): ``<id>-<first 4 hex digits of its sha256>`` with the
    extension ``.jupyterlab-workspace``, as jupyterlab_server names it (for ids of lower
    case letters, digits and hyphens). Importing jupyterlab_server to ask it would take
    longer than filling the store."""
    signature = hashlib.sha256(workspace_id.encode()).hexdigest()[:4]
    return folder / f"{workspace_id}-{signature}.jupyterlab-workspace"


def save_workspace(workspace: dict[str, Any], folder: Path) -> Path:
    """Write ``workspace`` into the workspaces folder ``folder`` as JupyterLab saves it, so
    that ``jupyter lab --LabApp.workspaces_dir=<folder>`` opens on it. Returns the file."""
    path = workspace_file(folder, workspace["metadata"]["id"])
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(workspace, indent=1) + "\n", encoding="utf-8")
    return path
