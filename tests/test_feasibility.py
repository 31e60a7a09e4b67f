"""The feasibility study (ease.ml/snoopy): the Cover-Hart bound from the 1-NN error against
the known Bayes error of Gaussian classes, successive halving, bad input, and ml.feasibility
recorded as a run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import mlops_jlab as ml
from mlops_jlab import lineage
from mlops_jlab.config import StoreLocation
from mlops_jlab.easeml.feasibility import cover_hart_bound, study
from mlops_jlab.errors import InvalidInputError
from mlops_jlab.tracking import Tracker
from mlops_jlab.tracking import api as tracking_api


def _gaussians(mean: float, rows: int, seed: int, dims: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two equally likely classes, N(-mean, I) and N(+mean, I) along the first axis: the
    Bayes error is Phi(-mean)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, rows)
    features = rng.normal(size=(rows, dims))
    features[:, 0] += np.where(labels == 1, mean, -mean)
    return features, labels


def _asymptotic_bound(mean: float) -> float:
    """The Cover-Hart bound from the 1-NN error of infinitely many examples of
    :func:`_gaussians`: E[2 eta (1 - eta)] with eta the posterior of class 1."""

    def integrand(x: float) -> float:
        right, left = stats.norm.pdf(x - mean), stats.norm.pdf(x + mean)
        eta = right / (right + left)
        return 2 * eta * (1 - eta) * (right + left) / 2

    error, _ = integrate.quad(integrand, -mean - 12, mean + 12)
    return cover_hart_bound(error, 2)


def test_the_bound_on_gaussian_classes_is_close_to_and_below_the_bayes_error():
    # Given 20,000 examples of two 1-D Gaussians one standard deviation from 0 (BER 0.159)
    bayes_error = stats.norm.cdf(-1.0)
    features, labels = _gaussians(1.0, 20_000, seed=3)
    # When the study runs
    report = study(features, labels)
    # Then the bound is what the 1-NN error of unlimited data gives (0.129), within 0.015:
    # the leave-one-out error of 20,000 examples has a standard deviation of 0.003, the bound
    # moves by 0.7 of it, and in one dimension the 1-NN error's finite-sample bias is far
    # smaller; so 0.015 is over five standard deviations
    assert report.ber_lower_bound == pytest.approx(_asymptotic_bound(1.0), abs=0.015)
    # And it is a lower bound, close to the true Bayes error (Cover-Hart's own gap here is
    # 0.030)
    assert report.ber_lower_bound <= bayes_error
    assert bayes_error - report.ber_lower_bound < 0.045
    assert report.n_classes == 2 and report.n_examples == 20_000
    assert report.verdict is None and "the Bayes error is at least" in report.message


def test_standardizing_a_badly_scaled_feature_finds_the_tighter_bound():
    # Given 2-D Gaussian classes apart along the first axis, with a noise column scaled up
    # 100x, so that raw distances are all noise
    features, labels = _gaussians(1.0, 20_000, seed=4, dims=2)
    features[:, 1] *= 100
    # When the raw, standardized and PCA features are tried
    report = study(features, labels, transforms=("identity", "standardized", "pca"))
    results = {result.name: result for result in report.transforms}
    # Then the raw features lose in the first round, on a small sample only
    assert results["identity"].eliminated and results["identity"].samples == [256]
    assert results["identity"].error > 0.3
    # And the winner is measured on every row, and its bound lies below the Bayes error,
    # close to it (2-D nearest neighbours converge more slowly than 1-D ones)
    best = results[report.best_transform]
    assert report.best_transform in ("standardized", "pca") and not best.eliminated
    assert best.samples[0] == 256 and best.samples[-1] == 20_000
    assert sorted(best.samples) == best.samples
    assert report.one_nn_error == best.error
    assert 0.10 < report.ber_lower_bound <= stats.norm.cdf(-1.0)


def test_a_target_on_separable_classes_is_plausible():
    features, labels = _gaussians(6.0, 2_000, seed=5)  # BER 1e-9
    report = study(features, labels, target_accuracy=0.99)
    assert report.one_nn_error == 0.0 and report.ber_lower_bound == 0.0
    assert report.verdict == "plausible"
    assert report.message.startswith("an accuracy of 0.99 is plausible")


def test_a_target_above_what_noisy_classes_allow_is_not_reachable():
    # Given classes whose Bayes error is 0.3
    mean = -stats.norm.ppf(0.3)
    features, labels = _gaussians(mean, 10_000, seed=6)
    # When 0.9 accuracy is asked for, then it is not reachable: the bound is above 0.1
    report = study(pd.DataFrame(features, columns=["x"]), pd.Series(labels), 0.9)
    assert report.verdict == "not reachable"
    assert 0.2 < report.ber_lower_bound <= 0.3
    assert report.message.startswith(
        "an accuracy of 0.9 is not reachable by any model on these features: the Bayes error "
        "is at least 0.2"
    )
    # And 0.6 stays plausible
    assert study(features, labels, 0.6).verdict == "plausible"


def test_the_cover_hart_bound_for_several_classes():
    assert cover_hart_bound(0.0, 3) == 0.0
    # A 1-NN error of (C-1)/C (chance) or more bounds the Bayes error at chance too
    assert cover_hart_bound(2 / 3, 3) == pytest.approx(2 / 3)
    assert cover_hart_bound(0.9, 3) == pytest.approx(2 / 3)
    assert cover_hart_bound(0.2, 2) == pytest.approx((1 - np.sqrt(0.6)) / 2)


def test_text_labels_of_three_classes():
    rng = np.random.default_rng(8)
    labels = rng.choice(["cat", "dog", "eel"], 3_000)
    centres = {"cat": 0.0, "dog": 5.0, "eel": 10.0}
    features = np.array([centres[label] for label in labels]) + rng.normal(size=3_000)
    report = study(features, labels, 0.95)
    assert report.n_classes == 3 and report.verdict == "plausible"
    assert report.ber_lower_bound < 0.05


@pytest.mark.parametrize(
    ("features", "labels", "says"),
    [
        (pd.DataFrame({"a": range(20), "b": ["x"] * 20}), [0, 1] * 10, "column.* b are not"),
        (pd.DataFrame({"a": [1.0, None] * 10}), [0, 1] * 10, "column.* a hold nulls"),
        (np.array([[1.0, np.nan]] * 20), [0, 1] * 10, "NaN or infinite"),
        (np.arange(20.0), [1] * 20, "a single class"),
        (np.arange(5.0), [0, 1, 0, 1, 0], "at least 10 rows"),
        (np.arange(20.0), [0, 1] * 9 + [None, 1], "1 label.* null"),
        (np.arange(20.0), [0, 1] * 5, "10 labels for 20 rows"),
        (np.array([["a", "b"]] * 20), [0, 1] * 10, "2-D array of numbers"),
    ],
)
def test_bad_input_says_what_to_fix(features, labels, says):
    with pytest.raises(InvalidInputError, match=says):
        study(features, labels)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"transforms": ("tsne",)}, "transforms are some of identity, standardized, pca, not tsne"),
        ({"transforms": ()}, "none were given"),
        ({"target_accuracy": 1.5}, r"target_accuracy must be a number in \(0, 1\]"),
        ({"target_accuracy": "high"}, "target_accuracy must be a number"),
    ],
)
def test_bad_options_say_what_to_fix(options, says):
    features, labels = _gaussians(1.0, 100, seed=1)
    with pytest.raises(InvalidInputError, match=says):
        study(features, labels, **options)


# --- ml.feasibility ---------------------------------------------------------------------


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The module-level API on a SQLite store in a temporary folder."""
    (tmp_path / "store").mkdir()
    location = StoreLocation(
        f"sqlite:///{tmp_path / 'store' / 'mlops.sqlite'}", str(tmp_path / "artifacts"), "test"
    )
    monkeypatch.setattr(tracking_api, "_default", Tracker(location))
    yield tracking_api.get_tracker()
    tracking_api.get_tracker().store.dispose()


def test_feasibility_is_recorded_as_a_run_with_its_data_params_metrics_and_report(store):
    # Given labelled data whose Bayes error is 0.3
    features, labels = _gaussians(-stats.norm.ppf(0.3), 5_000, seed=9)
    data = pd.DataFrame({"x": features[:, 0], "label": labels})
    # When a feasibility study of 0.9 accuracy is run through the public API
    report = ml.feasibility(data, "label", 0.9, name="sensor-readings")
    # Then it returns the report with the run that recorded it
    assert report.verdict == "not reachable" and report.run_id
    run = ml.get_run(report.run_id)
    assert run.kind == "feasibility" and run.status == "finished"
    assert run.name == "feasibility of sensor-readings"
    assert run.params == {
        "target": "label",
        "target_accuracy": "0.9",
        "transforms": "standardized,pca",
    }
    assert run.metrics["one_nn_error"] == pytest.approx(report.one_nn_error)
    assert run.metrics["ber_lower_bound"] == pytest.approx(report.ber_lower_bound)
    for result in report.transforms:
        assert run.metrics[f"one_nn_error.{result.name}"] == pytest.approx(result.error)
    assert run.tags == {"verdict": "not reachable"}
    # And the data is the run's input dataset version
    versions = ml.dataset_versions("sensor-readings")
    assert len(versions) == 1 and int(versions["n_rows"].iloc[0]) == 5_000
    with store.read() as conn:
        edges = lineage.graph(conn, "run", report.run_id, "both")["edges"]
    assert [edge["kind"] for edge in edges] == ["input"]
    # And the report is the run's JSON artifact
    digest = run.artifacts["feasibility-report.json"]
    stored = json.loads(store.artifacts.get_bytes(digest))
    assert stored == json.loads(json.dumps(report.to_dict()))
    assert stored["run_id"] == report.run_id


def test_feasibility_inside_an_active_run_is_its_child(store):
    data = pd.DataFrame({"x": np.arange(40.0), "label": [0, 1] * 20})
    with ml.start_run(name="exploration") as parent:
        report = ml.feasibility(data, "label")
    run = ml.get_run(report.run_id)
    assert run.parent_id == parent.id and run.tags == {}
    assert "target_accuracy" not in run.params
    assert run.name == "feasibility of feasibility-data"


def test_feasibility_of_bad_data_records_nothing(store):
    data = pd.DataFrame({"x": np.arange(40.0), "label": [0, 1] * 20})
    with pytest.raises(InvalidInputError, match="no target column 'y'"):
        ml.feasibility(data, "y")
    with pytest.raises(InvalidInputError, match="a single class"):
        ml.feasibility(data.assign(label=1), "label")
    with pytest.raises(InvalidInputError, match="pandas DataFrame"):
        ml.feasibility(data.to_numpy(), "label")
    assert ml.runs().empty
