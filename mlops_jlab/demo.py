"""Fills an example store with real runs, so a newcomer sees something within a minute.

A preparation run splits a dataset scikit-learn ships (breast cancer diagnosis) into a
train and a test set; small scikit-learn models are trained on them with a few settings
each, logging params, per-step metrics, a figure and the model. The datasets are versions
with roles, so the lineage leads from the raw data through the split to every model.

Then the raw data is refreshed: a run reads it and writes a second version with a batch of
new rows from another scanner (whose texture readings run a little high) and a few
corrected measurements; the preparation runs again on it and one model of each kind is
retrained. The earlier models read a train set that now has a newer version, so they are
stale, and the two raw versions differ a little (a dataset diff with some drift).

:func:`demo_workspace` describes the JupyterLab layout the demo opens on: the MLOps panel
on the left, and beside the example notebook a comparison of the best retrained model with
its stale predecessor and the runner-up, and the lineage of the current train set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_jlab.tracking import Tracker

if TYPE_CHECKING:
    import pandas as pd

EXPERIMENT = "breast-cancer"
RAW = "breast-cancer"
TRAIN = "breast-cancer-train"
TEST = "breast-cancer-test"
PREPARE = "prepare-split"
REFRESH = "refresh-raw-data"
# Runs made on the refreshed data carry this suffix, so the two rounds read apart in a table.
REFRESHED = "-refreshed"
# The settings retrained on the refreshed data: one of each kind of model.
RETRAINED = (
    "logreg-C1.0",
    "random-forest-max_depth8-n_estimators100",
    "gradient-boosting-learning_rate0.2-n_estimators60",
)
NOTEBOOK = "00-quickstart.ipynb"
WORKSPACE_ID = "default"  # the workspace `jupyter lab` opens at /lab
NEW_ROWS = 60
TEXTURE_SHIFT = 1.15  # the new scanner's texture readings, relative to the first one


def _trainers() -> list[tuple[str, dict, Callable]]:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def logistic(C: float):
        return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))

    trainers: list[tuple[str, dict, Callable]] = []
    for C in (0.01, 0.1, 1.0, 10.0):
        trainers.append(("logreg", {"C": C}, lambda C=C: logistic(C)))
    for depth in (2, 4, 8):
        trainers.append(
            (
                "random-forest",
                {"max_depth": depth, "n_estimators": 100},
                lambda depth=depth: RandomForestClassifier(
                    max_depth=depth, n_estimators=100, random_state=0
                ),
            )
        )
    for lr in (0.05, 0.2):
        trainers.append(
            (
                "gradient-boosting",
                {"learning_rate": lr, "n_estimators": 60},
                lambda lr=lr: GradientBoostingClassifier(
                    learning_rate=lr, n_estimators=60, random_state=0
                ),
            )
        )
    return trainers


def run_name(model_name: str, params: dict) -> str:
    """A training run's name: the model and its settings, e.g. ``logreg-C1.0``."""
    return f"{model_name}-" + "-".join(f"{k}{v}" for k, v in params.items())


def refreshed_raw(raw: pd.DataFrame) -> pd.DataFrame:
    """The raw data as a later extract holds it: :data:`NEW_ROWS` new cases from a second
    scanner, whose texture readings run :data:`TEXTURE_SHIFT` times higher, and five cases
    whose mean area was re-measured. The same every time (fixed seeds)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    new = raw.sample(NEW_ROWS, random_state=1).reset_index(drop=True)
    features = [column for column in new.columns if column != "target"]
    new[features] = new[features] * rng.normal(1.0, 0.02, size=(NEW_ROWS, len(features)))
    textures = [column for column in features if "texture" in column]
    new[textures] = new[textures] * TEXTURE_SHIFT
    refreshed = raw.copy()
    corrected = refreshed.sample(5, random_state=2).index
    refreshed.loc[corrected, "mean area"] = (refreshed.loc[corrected, "mean area"] * 1.1).round(1)
    return pd.concat([refreshed, new], ignore_index=True)


def _prepare(tracker: Tracker, raw: pd.DataFrame, name: str) -> tuple[Any, Any]:
    """A preparation run: reads ``raw`` and writes its stratified train and test split."""
    from sklearn.model_selection import train_test_split

    with tracker.start_run(name=name, experiment=EXPERIMENT) as run:
        run.log_dataset(raw, RAW)
        run.log_params({"test_size": 0.3, "random_state": 0})
        train, test = train_test_split(raw, test_size=0.3, random_state=0, stratify=raw["target"])
        run.log_dataset(train, TRAIN, direction="output", role="train")
        run.log_dataset(test, TEST, direction="output", role="test")
    return train, test


def _train(tracker: Tracker, name: str, model_name: str, params: dict, make, train, test) -> None:
    """A training run: reads the split, fits a model, logs its scores, a figure and itself."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    x_train, y_train = train.drop(columns="target").to_numpy(), train["target"].to_numpy()
    x_test, y_test = test.drop(columns="target").to_numpy(), test["target"].to_numpy()
    with tracker.start_run(
        name=name,
        experiment=EXPERIMENT,
        tags={"model": model_name, "dataset": "sklearn.breast_cancer"},
    ) as run:
        run.log_params({"model": model_name, **params, "test_size": 0.3})
        run.log_dataset(train, TRAIN, role="train")
        run.log_dataset(test, TEST, role="test")
        model = make().fit(x_train, y_train)
        if hasattr(model, "staged_predict"):
            for step, predicted in enumerate(model.staged_predict(x_test)):
                run.log_metric("staged_accuracy", accuracy_score(y_test, predicted), step)
        predicted = model.predict(x_test)
        scores = model.predict_proba(x_test)[:, 1]
        run.log_metrics(
            {
                "accuracy": accuracy_score(y_test, predicted),
                "f1": f1_score(y_test, predicted),
                "roc_auc": roc_auc_score(y_test, scores),
            }
        )
        figure, axes = plt.subplots(figsize=(4, 3))
        axes.hist([scores[y_test == 0], scores[y_test == 1]], bins=20, label=["0", "1"])
        axes.set_title(f"{model_name}: predicted probability")
        axes.legend(title="class")
        run.log_artifact(figure, name="scores.png")
        plt.close(figure)
        run.log_model(model, "model")


def fill_example_store(tracker: Tracker) -> int:
    """Record the example runs into ``tracker``'s store; returns how many were recorded."""
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer(as_frame=True).frame
    trainers = _trainers()
    train, test = _prepare(tracker, raw, PREPARE)
    for model_name, params, make in trainers:
        _train(tracker, run_name(model_name, params), model_name, params, make, train, test)

    # The refreshed extract: written by a run that read the first one, so the lineage
    # leads from the first raw version to the second.
    refreshed = refreshed_raw(raw)
    with tracker.start_run(name=REFRESH, experiment=EXPERIMENT) as run:
        run.log_dataset(raw, RAW)
        run.log_params({"new_rows": NEW_ROWS, "source": "scanner-b", "corrected_rows": 5})
        run.log_dataset(refreshed, RAW, direction="output")
    train, test = _prepare(tracker, refreshed, PREPARE + REFRESHED)
    retrained = [t for t in trainers if run_name(t[0], t[1]) in RETRAINED]
    for model_name, params, make in retrained:
        name = run_name(model_name, params) + REFRESHED
        _train(tracker, name, model_name, params, make, train, test)
    # Two preparations, the refresh, and the training runs of both rounds.
    return 3 + len(trainers) + len(retrained)


def demo_workspace(tracker: Tracker, notebook: str = NOTEBOOK) -> dict[str, Any] | None:
    """The JupyterLab workspace the demo opens on, made from the example runs in the store.

    The MLOps side panel is open on the left. The main area holds ``notebook`` and, beside
    it, a comparison of the best retrained model (by ROC AUC), the same settings trained on
    the first data (stale) and the runner-up; below both, the lineage of the current train
    set. Each view is an entry that JupyterLab's layout restorer
    reopens by running the view's command with the entry's arguments.

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
    compare = "mlops-jlab-compare:mlops-jlab-compare-" + "-".join(compared)
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
