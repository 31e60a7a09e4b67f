"""Retraining recommendations on a real store with real scikit-learn models: new data
judged against a model's training data, the person's decision, and where it is recorded
(history, lineage, a retraining job run through papermill)."""

from __future__ import annotations

import pytest

import mlops_jlab as ml
from mlops_jlab import lineage
from mlops_jlab.easeml.retraining import RULE, judge
from mlops_jlab.errors import ConflictError, InvalidInputError, NotFoundError
from tests.pipeline_notebooks import notebook
from tests.registry_world import labelled, sqlite_tracking, train_run

__all__ = ["sqlite_tracking"]

WAIT = 240


def new_training_version(shift: float, seed: int = 2) -> None:
    """A newer version of the training dataset churn-train, as the next data pull."""
    with ml.start_run(name="pull"):
        ml.log_dataset(labelled(400, seed=seed, shift=shift), "churn-train", role="train")


def test_a_new_training_data_version_with_a_shifted_column_asks_to_retrain(sqlite_tracking):
    # Given model churn v1 (alias staging) trained on churn-train@v1
    ml.register_model(train_run(), "churn")
    ml.set_alias("churn", "staging", 1)
    # When a new version of churn-train arrives whose x1 moved by one standard deviation
    new_training_version(shift=1.0)
    found = ml.recommendations()
    # Then one pending recommendation says retrain, naming the column and its figures
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["model"], row["version"], row["status"]) == ("churn", 1, "pending")
    assert row["action"] == "retrain"
    assert row["dataset_version"] == "churn-train@v2"
    assert row["training_dataset"] == "churn-train@v1"
    assert "x1" in row["drifted_columns"] and "x2" not in row["drifted_columns"]
    assert any(reason.startswith("column x1 drifted: PSI") for reason in row["reasons"])
    assert row["trigger"] == "new_dataset_version"
    # And listing again makes no second one (one per model version and data version)
    assert len(ml.recommendations()) == 1
    assert list(ml.model_history("churn")["kind"]).count("recommendation_made") == 1


def test_an_unshifted_new_version_says_keep(sqlite_tracking):
    # Given a model trained on churn-train@v1
    ml.register_model(train_run(), "churn")
    # When a new version is drawn from the same distribution
    new_training_version(shift=0.0, seed=7)
    (recommendation,) = ml.recommendations("churn")["id"]
    found = ml.get_recommendation(int(recommendation))
    # Then it says keep, with the largest figures it found, and no column drifted
    assert found.action == "keep"
    assert found.drifted_columns == []
    assert found.reasons[0].startswith("no column drifted beyond the thresholds")
    assert set(found.drift["columns"]) == {"x1", "x2", "label"}
    assert found.drift["thresholds"]["psi"] == RULE.psi


def test_check_drift_on_a_dataframe_records_it_and_answers_the_same_twice(sqlite_tracking):
    # Given churn v1 with alias staging
    ml.register_model(train_run(), "churn")
    ml.set_alias("churn", "staging", 1)
    # When this week's data (x2 shifted, no label column) is checked against it
    week = labelled(300, seed=4).assign(x2=lambda f: f["x2"] + 2).drop(columns="label")
    found = ml.check_drift("models:/churn@staging", week)
    # Then it is a pending retrain naming x2, and the data is recorded with role realtime
    assert (found.action, found.status, found.trigger) == ("retrain", "pending", "check_drift")
    assert found.drifted_columns == ["x2"]
    assert found.dataset_version == "churn/realtime@v1"
    assert ml.get_dataset_version("churn/realtime@v1")["role"] == "realtime"
    assert any("label of the training data is not in the new data" in r for r in found.reasons)
    assert "<table" in found._repr_html_() and "x2" in found._repr_html_()
    # And checking the same data again gives the same recommendation
    assert ml.check_drift("churn", week).id == found.id
    # And a recorded version is checked by its name
    by_name = ml.check_drift("churn/1", "churn-train@v1")
    assert by_name.action == "keep"


def test_bad_arguments_to_check_drift_are_refused(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    with pytest.raises(NotFoundError, match="no registered model named 'fraud'"):
        ml.check_drift("fraud", "churn-train@v1")
    with pytest.raises(NotFoundError, match="no dataset version"):
        ml.check_drift("churn", "churn-train@v9")
    with pytest.raises(InvalidInputError, match="new_data is a DataFrame"):
        ml.check_drift("churn", [1, 2, 3])
    assert ml.recommendations().empty


def test_accepting_without_a_training_job_marks_the_version_for_retraining(sqlite_tracking):
    # Given a pending retrain on a model whose run was a script, not a job
    ml.register_model(train_run(), "churn")
    new_training_version(shift=1.0)
    recommendation = int(ml.recommendations()["id"][0])
    # When a person accepts it
    accepted = ml.accept_recommendation(recommendation, comment="agreed")
    # Then it is accepted, retraining is requested, and the version carries the tag
    assert accepted.status == "accepted" and accepted.comment == "agreed"
    assert accepted.outcome.startswith("retraining requested")
    assert accepted.job_id is None
    assert ml.get_model_version("churn/1").tags["retrain"] == "requested"
    # And deciding again is refused, either way
    with pytest.raises(ConflictError, match="already accepted"):
        ml.accept_recommendation(recommendation)
    with pytest.raises(ConflictError, match="already accepted"):
        ml.dismiss_recommendation(recommendation, "changed my mind")
    # And the decision is in the history and in the lineage after the model version
    history = ml.model_history("churn")
    assert list(history["kind"])[-2:] == ["recommendation_made", "recommendation_accepted"]
    with sqlite_tracking.read() as conn:
        graph = lineage.downstream(conn, "model_version", ml.get_model_version("churn/1").id)
    labels = {node["label"] for node in graph["nodes"] if node["kind"] == "registry_event"}
    assert labels == {
        f"recommendation {recommendation}: retrain",
        f"recommendation {recommendation} accepted",
    }


def test_dismissing_needs_a_reason_and_is_final(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    new_training_version(shift=1.0)
    recommendation = int(ml.recommendations()["id"][0])
    # A dismissal without a reason is refused, and nothing is decided
    for reason in (None, "  "):
        with pytest.raises(InvalidInputError, match="needs a reason"):
            ml.dismiss_recommendation(recommendation, reason)
    assert ml.get_recommendation(recommendation).status == "pending"
    # With one, it is dismissed by the person, and it stays so
    dismissed = ml.dismiss_recommendation(recommendation, "the shift is seasonal")
    assert (dismissed.status, dismissed.comment) == ("dismissed", "the shift is seasonal")
    assert dismissed.decided_by
    with pytest.raises(ConflictError, match="already dismissed"):
        ml.dismiss_recommendation(recommendation, "again")
    assert "retrain" not in ml.get_model_version("churn/1").tags
    assert list(ml.recommendations(status="dismissed")["id"]) == [recommendation]
    assert ml.recommendations(status="pending").empty
    assert ml.model_history("churn")["kind"].iloc[-1] == "recommendation_dismissed"
    with pytest.raises(InvalidInputError, match="status is one of"):
        ml.recommendations(status="approved")
    with pytest.raises(NotFoundError, match="no retraining recommendation 99"):
        ml.accept_recommendation(99)


def test_only_watched_versions_get_recommendations(sqlite_tracking):
    # Given three versions: v1 archived, v2 staging, v3 the latest
    for _ in range(3):
        ml.register_model(train_run(), "churn")
    ml.set_alias("churn", "archived", 1)
    ml.set_alias("churn", "staging", 2)
    # When new training data arrives
    new_training_version(shift=1.0)
    # Then v2 (an alias) and v3 (the latest) are judged, not the archived v1
    assert sorted(ml.recommendations()["version"]) == [2, 3]


TRAINING = """%%track --model clf --register churn
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
import mlops_jlab as ml
rng = np.random.default_rng(seed)
frame = pd.DataFrame({"x1": rng.normal(0, 1, n), "x2": rng.normal(0, 1, n)})
frame["label"] = (frame["x1"] + frame["x2"] > 0).astype(int)
ml.log_dataset(frame, "churn-train", role="train")
clf = LogisticRegression().fit(frame[["x1", "x2"]], frame["label"])
"""


def test_accepting_for_a_job_trained_model_runs_its_pipeline_again(sqlite_tracking, tmp_path):
    # Given a pipeline that trains and registers churn, run once with n=200
    path = notebook(
        tmp_path / "train.ipynb", "%load_ext mlops_jlab", TRAINING, parameters="n = 100\nseed = 1"
    )
    ml.promote(path, "train-churn")
    first = ml.run_job("train-churn", {"n": 200}, wait=True)
    assert first.status == "finished", first.error
    assert ml.get_model_version("churn/1").training_dataset == "churn-train@v1"
    # When new training data with a shifted column is checked and the retrain accepted
    new_training_version(shift=1.5)
    recommendation = int(ml.recommendations()["id"][0])
    accepted = ml.accept_recommendation(recommendation)
    # Then a job of that pipeline started with the training job's parameters
    assert accepted.job_id is not None and accepted.status == "accepted"
    assert accepted.outcome.startswith(f"retraining job {accepted.job_id}")
    job = ml.get_job(accepted.job_id).wait(WAIT)
    assert job.status == "finished", job.error
    assert job.pipeline == "train-churn" and job.parameters == {"n": 200}
    # And it registered the next version, without tagging the old one
    assert list(ml.model_versions("churn")["version"]) == [1, 2]
    assert "retrain" not in ml.get_model_version("churn/1").tags
    accepted_event = ml.model_history("churn").query("kind == 'recommendation_accepted'")
    assert accepted_event["details"].iloc[0]["job_id"] == accepted.job_id


def test_the_rule_ignores_a_psi_from_too_few_rows():
    # Given 20 new rows barely shifted: ten bins of two rows each are noise
    training = labelled(400, seed=1)
    small = labelled(20, seed=3, shift=0.2)
    # When judged, PSI is not read, and the reasons say so
    found = judge(training, small)
    assert any("PSI not read" in reason for reason in found.reasons)
    assert all(
        "PSI" not in reason for column in found.columns.values() for reason in column["reasons"]
    )
