"""Retraining recommendations over the REST API of a real Jupyter server and a real store:
found when new training data appears, asked for on a dataset version, decided by the
server's user, and the 4xx answers for what a user can fix."""

from __future__ import annotations

import pytest

import mlops_jlab as ml
from mlops_jlab.registry import advice
from tests.api_client import api_caller, server_config
from tests.registry_world import labelled, train_run
from tests.test_api_models import Ada, server_user

__all__ = ["Ada"]


@pytest.fixture
def jp_server_config(location, monkeypatch):
    config = server_config(location, monkeypatch)
    config["ServerApp"]["identity_provider_class"] = Ada
    return config


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


@pytest.fixture
def shifted(tracking):
    """Model churn v1 (staging) trained on churn-train@v1, and churn-train@v2 with x1
    shifted by a standard deviation and a half."""
    ml.register_model(train_run(), "churn")
    ml.set_alias("churn", "staging", 1)
    with ml.start_run(name="pull"):
        ml.log_dataset(labelled(400, seed=2, shift=1.5), "churn-train", role="train")


async def test_new_training_data_is_found_when_listing_and_accepted_by_the_user(
    shifted, api, jp_fetch
):
    user = await server_user(jp_fetch)
    # When the recommendations are listed (the first listing finds the new data)
    listed = await api("GET", "recommendations", params={"model": "churn", "status": "pending"})
    # Then one pending retrain names x1, found by the server's user
    assert listed.code == 200, listed
    (found,) = listed.body["recommendations"]
    assert (found["action"], found["status"], found["trigger"]) == (
        "retrain",
        "pending",
        "new_dataset_version",
    )
    assert found["drift"]["columns"]["x1"]["drifted"] is True
    assert found["created_by"] == user
    one = await api("GET", "recommendations", str(found["id"]))
    assert one.code == 200 and one.body["dataset_version"] == "churn-train@v2"
    # When the user accepts it (the model was not trained by a job)
    accepted = await api("POST", "recommendations", str(found["id"]), "accept", body={})
    # Then it is accepted by them, and the version is tagged for retraining
    assert accepted.code == 200, accepted
    assert (accepted.body["status"], accepted.body["decided_by"]) == ("accepted", user)
    assert accepted.body["job_id"] is None
    assert ml.get_model_version("churn/1").tags["retrain"] == "requested"
    # And a second decision is refused
    again = await api("POST", "recommendations", str(found["id"]), "dismiss", body={"reason": "x"})
    assert again.code == 409
    history = await api("GET", "models", "churn", "history")
    kinds = [event["kind"] for event in history.body["events"]]
    assert kinds[-2:] == ["recommendation_made", "recommendation_accepted"]


async def test_drift_is_checked_on_a_dataset_version_and_dismissed_with_a_reason(shifted, api):
    # When the drift of churn@staging is asked for on churn-train@v2
    checked = await api(
        "POST", "models", "churn", "drift", body={"dataset": "churn-train@v2", "alias": "staging"}
    )
    # Then it is a pending retrain, and asking again answers the same one
    assert checked.code == 200, checked
    assert (checked.body["action"], checked.body["trigger"]) == ("retrain", "check_drift")
    again = await api("POST", "models", "churn", "drift", body={"dataset": "churn-train@v2"})
    assert again.body["id"] == checked.body["id"]
    number = str(checked.body["id"])
    # A dismissal without a reason, or an empty or blank one, is refused and decides nothing;
    # an empty one (a dialog left empty) is told what to write
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        refused = await api("POST", "recommendations", number, "dismiss", body=body)
        assert refused.code == 400, refused
        assert "reason" in refused.body["message"]
        if body:
            assert "needs a reason saying why" in refused.body["message"]
    # With a reason it is dismissed
    dismissed = await api(
        "POST", "recommendations", number, "dismiss", body={"reason": "seasonal shift"}
    )
    assert dismissed.code == 200
    assert (dismissed.body["status"], dismissed.body["comment"]) == ("dismissed", "seasonal shift")
    assert (await api("POST", "recommendations", number, "accept", body={})).code == 409


@pytest.mark.parametrize(
    ("method", "path", "body", "code", "message"),
    [
        ("GET", ("recommendations", "99"), None, 404, "no retraining recommendation 99"),
        ("GET", ("recommendations", "x"), None, 404, "positive number"),
        ("POST", ("recommendations", "99", "accept"), {}, 404, "no retraining recommendation"),
        ("POST", ("recommendations", "99", "dismiss"), {"reason": "r"}, 404, "recommendation"),
        ("POST", ("models", "fraud", "drift"), {"dataset": "churn-train"}, 404, "fraud"),
        ("POST", ("models", "churn", "drift"), {"dataset": "nope@v1"}, 404, "nope"),
        (
            "POST",
            ("models", "churn", "drift"),
            {"dataset": "churn-train@v1", "version": 7},
            404,
            "no version 7",
        ),
        (
            "POST",
            ("models", "churn", "drift"),
            {"dataset": "churn-train", "version": 1, "alias": "staging"},
            400,
            "not both",
        ),
        ("POST", ("models", "churn", "drift"), {}, 400, "dataset"),
    ],
)
async def test_what_a_user_can_fix_answers_4xx(shifted, api, method, path, body, code, message):
    answer = await api(method, *path, body=body)
    assert answer.code == code, answer
    assert message in answer.body["message"]


async def test_listing_with_an_unknown_status_or_model_is_refused(shifted, api):
    assert (await api("GET", "recommendations", params={"status": "approved"})).code == 400
    assert (await api("GET", "recommendations", params={"model": "fraud"})).code == 404
    # and nothing was made by the refused listings
    assert advice.list_recommendations(ml.get_registry()) == []
