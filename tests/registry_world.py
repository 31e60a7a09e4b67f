"""A store with trained scikit-learn models for the registry's tests: a run that reads a
training frame (role train) and logs a fitted classifier, as a user's notebook does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlops_jlab as ml
from mlops_jlab.config import StoreLocation
from mlops_jlab.tracking import Tracker
from mlops_jlab.tracking import api as tracking_api


def labelled(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Two features and a label that depends on them (plus noise)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1.0, n)
    x2 = rng.normal(0.0, 1.0, n)
    label = ((x1 + 0.5 * x2 + rng.normal(0, 0.3, n)) > 0).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "label": label})


def train_run(name: str = "train", max_iter: int = 100, data: pd.DataFrame | None = None) -> str:
    """A run that trains a logistic regression on a frame with role train; its id."""
    from sklearn.linear_model import LogisticRegression

    frame = labelled(400, seed=1) if data is None else data
    with ml.start_run(name=name) as run:
        ml.log_dataset(frame, "churn-train", role="train")
        ml.log_dataset(labelled(50, seed=9), "lookup")
        model = LogisticRegression(max_iter=max_iter).fit(frame[["x1", "x2"]], frame["label"])
        ml.log_model(model, "clf")
    return run.id


class Broken:
    """A model whose predict raises, as a model with a bug does."""

    feature_names_in_ = np.array(["x1", "x2"])

    def predict(self, frame):
        raise RuntimeError("the model's predict is broken")


@pytest.fixture
def sqlite_tracking(tmp_path, monkeypatch):
    """The module-level API on a fresh SQLite store."""
    location = StoreLocation(
        f"sqlite:///{tmp_path / 'store' / 'mlops.sqlite'}", str(tmp_path / "artifacts"), "test"
    )
    monkeypatch.setattr(tracking_api, "_default", Tracker(location))
    yield tracking_api.get_tracker()
    tracking_api.get_tracker().store.dispose()
