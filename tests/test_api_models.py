"""The registry's REST API on a real Jupyter server and a real store: models, versions,
aliases, transition requests decided by the server's user, the history, and the 4xx
answers for what a user can fix."""

from __future__ import annotations

import threading

import pytest
from jupyter_server.auth import IdentityProvider, User

import mlops_jlab as ml
from mlops_jlab.registry import gate
from tests.api_client import Answer, api_caller, server_config
from tests.registry_world import labelled, train_run


class Ada(IdentityProvider):
    """Token logins as one named person (Jupyter makes each an anonymous user of its own)."""

    def generate_anonymous_user(self, handler) -> User:
        return User(username="ada", name="Ada Lovelace")


@pytest.fixture
def jp_server_config(location, monkeypatch, request):
    """The server on the test's store as ada; a test's indirect parameter adds settings."""
    config = server_config(location, monkeypatch, **getattr(request, "param", {}))
    config["ServerApp"]["identity_provider_class"] = Ada
    return config


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


@pytest.fixture
def churn(tracking):
    """Model churn with versions 1 and 2 (from two runs)."""
    ml.register_model(train_run(max_iter=50), "churn", description="first")
    ml.register_model(train_run(max_iter=200), "churn")


async def server_user(jp_fetch) -> str:
    """The server's authenticated user, as the server names it (GET /api/me)."""
    user = Answer(await jp_fetch("api", "me")).body["identity"]["username"]
    assert user == "ada"
    return user


async def test_models_are_listed_with_their_latest_version_and_aliases(churn, api):
    # Given two versions, an alias on the first
    ml.set_alias("churn", "staging", 1)
    # When the models are listed
    answer = await api("GET", "models")
    # Then each shows its latest version and aliases, and the store's gate settings
    assert answer.code == 200
    (model,) = answer.body["models"]
    assert (model["name"], model["latest_version"], model["versions"]) == ("churn", 2, 2)
    assert model["aliases"] == {"staging": 1}
    assert answer.body["protected_aliases"] == ["champion", "production"]


async def test_a_model_and_its_versions_are_described(churn, api):
    answer = await api("GET", "models", "churn")
    assert answer.code == 200
    assert [v["version"] for v in answer.body["model_versions"]] == [1, 2]
    assert answer.body["pending_requests"] == []
    versions = await api("GET", "models", "churn", "versions")
    assert versions.body["versions"][0]["training_dataset"] == "churn-train@v1"
    one = await api("GET", "models", "churn", "versions", "1")
    assert one.code == 200
    assert one.body["description"] == "first"
    assert one.body["run_id"] == ml.get_model_version("churn/1").run_id


async def test_unknown_models_and_versions_answer_404(churn, api):
    for path in (("models", "fraud"), ("models", "churn", "versions", "9")):
        answer = await api("GET", *path)
        assert answer.code == 404, answer
        assert "no" in answer.body["message"]
    assert (await api("GET", "requests", "77")).code == 404
    assert (await api("GET", "models", "fraud", "history")).code == 404


async def test_free_aliases_move_and_protected_ones_answer_409(churn, api, jp_fetch):
    user = await server_user(jp_fetch)
    # When a free alias is put, then it points at the version, and the server's user did it
    moved = await api("PUT", "models", "churn", "aliases", "candidate", body={"version": 2})
    assert moved.code == 200
    assert moved.body["aliases"] == ["candidate"]
    history = await api("GET", "models", "churn", "history")
    assert history.body["events"][-1]["actor"] == user
    # When champion is put, then 409 says a request is needed, and nothing moved
    refused = await api("PUT", "models", "churn", "aliases", "champion", body={"version": 2})
    assert refused.code == 409
    assert "request" in refused.body["message"]
    assert (await api("DELETE", "models", "churn", "aliases", "candidate")).code == 200
    assert (await api("DELETE", "models", "churn", "aliases", "candidate")).code == 404
    bad = await api("PUT", "models", "churn", "aliases", "candidate", body={"version": "2"})
    assert bad.code == 400


async def test_a_request_is_made_and_approved_by_the_servers_user(churn, api, jp_fetch):
    user = await server_user(jp_fetch)
    # Given a request made through the API
    made = await api(
        "POST", "requests", body={"model": "churn", "version": 2, "to": "champion", "reason": "x"}
    )
    assert made.code == 201, made
    assert made.body["requested_by"] == user
    assert made.body["status"] == "pending"
    listed = await api("GET", "requests", params={"status": "pending", "model": "churn"})
    assert [r["id"] for r in listed.body["requests"]] == [made.body["id"]]
    # When the server's user approves it (self-approval: allowed on SQLite, not PostgreSQL)
    request_id = str(made.body["id"])
    answer = await api("POST", "requests", request_id, "approve", body={"comment": "ok"})
    if ml.registry_settings()["allow_self_approval"]:
        assert answer.code == 200, answer
        assert answer.body["decided_by"] == user
        assert ml.get_model_version("churn@champion").version == 2
        # And a second approval is refused
        again = await api("POST", "requests", request_id, "approve", body={})
        assert again.code == 409
    else:
        assert answer.code == 403
        assert "another person" in answer.body["message"]
        assert (await api("POST", "requests", request_id, "reject", body={})).code == 400
        rejected = await api("POST", "requests", request_id, "reject", body={"comment": "no"})
        assert rejected.body["status"] == "rejected"
        again = await api("POST", "requests", request_id, "approve", body={})
        assert again.code == 409
    kinds = [e["kind"] for e in (await api("GET", "models", "churn", "history")).body["events"]]
    assert "request_created" in kinds


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"condition": "n > > 0.8 +/- 0.1", "test": "holdout"}, "column"),
        ({"condition": "x > 0.8 +/- 0.1", "test": "holdout"}, "'x'"),
        ({"condition": "n > 0.8 +/- 0", "test": "holdout"}, "tolerance"),
        ({"condition": "n > 0.8 +/- 0.1", "test": "holdout", "reliability": 1.0}, "reliability"),
        ({"condition": "n > 0.8 +/- 0.1", "test": "nowhere"}, "no dataset"),
    ],
)
async def test_bad_checks_answer_4xx_and_record_nothing(churn, api, tmp_path, extra, message):
    path = tmp_path / "holdout.csv"
    labelled(400, seed=6).to_csv(path, index=False)
    with ml.start_run():
        ml.log_dataset(path, "holdout", role="test")
    body = {"model": "churn", "version": 1, "to": "champion", **extra}
    answer = await api("POST", "requests", body=body)
    assert answer.code in (400, 404), answer
    assert message in answer.body["message"]
    assert (await api("GET", "requests")).body["requests"] == []


async def test_a_checked_request_carries_its_report(churn, api, tmp_path):
    # Given a recorded test file
    path = tmp_path / "holdout.csv"
    labelled(400, seed=6).to_csv(path, index=False)
    with ml.start_run():
        ml.log_dataset(path, "holdout", role="test")
    # When a request with a condition is made through the API
    body = {
        "model": "churn",
        "version": 1,
        "to": "champion",
        "condition": "n > 0.6 +/- 0.1",
        "test": "holdout",
        "reliability": 0.99,
        "adaptivity": "none",
        "steps": 3,
    }
    made = await api("POST", "requests", body=body)
    # Then its report and test set are in the answer, and in the model's pending requests
    assert made.code == 201, made
    assert made.body["report"]["decision"] == "pass"
    assert made.body["report"]["budget"]["left"] == 2
    assert made.body["test_dataset"] == "holdout@v1"
    model = await api("GET", "models", "churn")
    assert [r["id"] for r in model.body["pending_requests"]] == [made.body["id"]]
    described = await api("GET", "requests", str(made.body["id"]))
    assert described.body["condition"] == "n > 0.6 +/- 0.1"


async def test_another_persons_request_is_approved_on_any_store(churn, api):
    request = gate.request_transition(ml.get_registry(), "churn", 1, "production", actor="ann")
    answer = await api("POST", "requests", str(request.id), "approve", body={"comment": "ok"})
    assert answer.code == 200, answer
    assert ml.get_model_version("churn@production").version == 1


async def test_feasibility_lists_studies_with_their_reports(tracking, api):
    with ml.start_run(name="study") as run:
        ml.log_artifact(b'{"verdict": "plausible"}', name="feasibility-report.json")
    # A study run is of kind feasibility: recorded as the feasibility API records it
    import sqlalchemy as sa

    from mlops_jlab.store.tables import RUNS

    with tracking.store.write() as conn:
        conn.execute(sa.update(RUNS).where(RUNS.c.id == run.id).values(kind="feasibility"))
    answer = await api("GET", "feasibility")
    assert answer.code == 200
    (study,) = answer.body["studies"]
    assert (study["run_id"], study["report"]) == (run.id, {"verdict": "plausible"})


@pytest.mark.parametrize("jp_server_config", [{"protected_aliases": ["gold"]}], indirect=True)
async def test_the_servers_protected_aliases_become_the_stores(churn, api):
    # Given a server configured with MlopsApp.protected_aliases = ["gold"], once it has
    # opened its store
    for thread in threading.enumerate():
        if thread.name == "mlops-store-check":
            thread.join()
    # Then the store's setting says so, for kernels too, and the API obeys it
    assert ml.registry_settings()["protected_aliases"] == ["gold"]
    refused = await api("PUT", "models", "churn", "aliases", "gold", body={"version": 1})
    assert refused.code == 409
    moved = await api("PUT", "models", "churn", "aliases", "champion", body={"version": 1})
    assert moved.code == 200
