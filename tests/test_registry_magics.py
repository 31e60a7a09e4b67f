"""The registry from a notebook, in a real kernel: ``%%track --register``, ``%register``, and
the gate's functions as a user calls them, acting as the kernel's OS user."""

from __future__ import annotations

import pytest

from mlops_jlab.config import StoreLocation
from mlops_jlab.environment import current_user
from mlops_jlab.registry import Registry
from mlops_jlab.tracking import Tracker
from tests.kernels import Kernel

TRAIN = """
import numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
y = (X.a > 0).astype(int)
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("project")
    location = StoreLocation(
        f"sqlite:///{folder / '.mlops' / 'mlops.sqlite'}", str(folder / ".mlops" / "art"), "test"
    )
    tracker = Tracker(location)
    yield tracker
    tracker.store.dispose()


@pytest.fixture(scope="module")
def kernel(store):
    folder = store.location.artifacts.rsplit("/", 2)[0]
    kernel = Kernel(folder, {**store.location.environment(), "MPLBACKEND": "Agg"})
    loaded = kernel.run(
        f"%load_ext mlops_jlab\nimport pandas as pd\nimport mlops_jlab as ml\n{TRAIN}"
    )
    assert loaded.status == "ok", loaded.outputs
    yield kernel
    kernel.stop()


def test_a_tracked_cell_registers_its_model(kernel, store):
    # When a tracked cell trains a model with --register
    cell = kernel.run(
        "%%track --name fit --model clf --register churn\nclf = LogisticRegression().fit(X, y)"
    )
    # Then the cell says which version it made, and the version is the cell's run's model
    assert cell.status == "ok", cell.outputs
    assert "registered churn v1 (models:/churn/1)" in cell.stdout
    version = Registry(store).get_version("churn/1")
    assert store.get_run(version.run_id).name == "fit"
    assert version.artifact_name == "clf.pkl"
    assert version.created_by == current_user()


def test_register_takes_a_runs_model(kernel, store):
    cell = kernel.run("%%track --name refit --model clf\nclf = LogisticRegression(C=0.5).fit(X, y)")
    assert cell.status == "ok"
    assert kernel.run("_ = %runs -n 1").status == "ok"  # the kernel's writes are made
    run_id = store.runs("name = 'refit'")["run_id"][0]
    shown = kernel.run(f"v = %register churn --run {run_id[:8]} --description 'C=0.5'\nv.version")
    assert shown.status == "ok", shown.outputs
    assert shown.outputs[-1]["data"]["text/plain"] == "2"


def test_bad_register_options_say_what_is_wrong(kernel, store):
    both = kernel.run("%%track --model a,b --register churn\na = b = 1")
    assert both.status == "error"
    assert "--register registers one model" in both.error["evalue"]
    with store.read() as conn:
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM runs WHERE name LIKE '%a = b%'").scalar()
            == 0
        )
    missing = kernel.run("%register churn --run 000000")
    assert missing.status == "error"
    assert "no run" in missing.error["evalue"]


def test_the_gate_from_a_notebook(kernel, store):
    # Given a version, when the kernel's user asks for champion and approves it (SQLite)
    cell = kernel.run(
        "r = ml.request_transition('churn', 1, 'champion', reason='first')\n"
        "ml.approve(r.id, 'fine')\n"
        "r = ml.get_transition_request(r.id)\n"
        "r"
    )
    # Then the request shows as HTML with its decision, and the history says who did it
    assert cell.status == "ok", cell.outputs
    shown = cell.outputs[-1]["data"]
    assert "approved" in shown["text/html"]
    history = kernel.run("list(ml.model_history('churn')['actor'].unique())")
    assert history.outputs[-1]["data"]["text/plain"] == repr([current_user()])
    refused = kernel.run("ml.set_alias('churn', 'champion', 2)")
    assert refused.status == "error"
    assert "request_transition" in refused.error["evalue"]
