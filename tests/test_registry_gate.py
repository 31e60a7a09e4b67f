"""The approval gate: protected aliases move only on an approved request, decisions are
final and kept, self-approval follows the store's rule, two approvals at once have one
winner, and requests carry an ease.ml/ci check on a test set with a budget."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

import mlops_jlab as ml
from mlops_jlab import lineage
from mlops_jlab.errors import (
    ConditionSyntaxError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from mlops_jlab.registry import gate
from tests.registry_world import Broken, labelled, sqlite_tracking, train_run

__all__ = ["sqlite_tracking"]


def ask(name="churn", version=1, to="champion", actor="alice", **options):
    return gate.request_transition(ml.get_registry(), name, version, to, actor=actor, **options)


def decide(request, approve=True, comment="looks good", actor="bob"):
    return gate.decide(ml.get_registry(), request.id, approve, comment, actor)


@pytest.fixture
def two_versions(tracking):
    """Model churn with versions 1 and 2, on SQLite and on PostgreSQL."""
    ml.register_model(train_run(max_iter=50), "churn")
    ml.register_model(train_run(max_iter=200), "churn")


def test_an_approved_request_moves_champion_and_a_rejected_one_does_not(two_versions):
    # Given a request by alice to make v1 champion
    first = ask(reason="best so far")
    assert (first.status, first.from_version, first.requested_by) == ("pending", None, "alice")
    assert ml.get_model_version("churn/1").aliases == []
    # When bob approves it
    approved = decide(first, comment="ship it")
    # Then champion points at v1, and the decision is kept with the request
    assert ml.get_model_version("churn@champion").version == 1
    assert (approved.status, approved.decided_by, approved.comment) == (
        "approved",
        "bob",
        "ship it",
    )
    # And a request for v2 replaces v1; rejected, nothing moves
    second = ask(version=2)
    assert second.from_version == 1
    rejected = decide(second, approve=False, comment="worse on recent data")
    assert rejected.status == "rejected"
    assert ml.get_model_version("churn@champion").version == 1
    # And the history holds every step, never rewritten
    history = ml.model_history("churn")
    assert list(history["kind"]) == [
        "registered",
        "registered",
        "request_created",
        "request_approved",
        "alias_set",
        "request_created",
        "request_rejected",
    ]
    assert list(history["actor"][2:]) == ["alice", "bob", "bob", "alice", "bob"]
    assert history.iloc[4]["details"]["request_id"] == first.id
    assert list(ml.transition_requests(status="pending")["id"]) == []


def test_a_decision_is_final(two_versions):
    request = ask()
    decide(request)
    with pytest.raises(ConflictError, match="already approved by bob; a decision is final"):
        decide(request, actor="carol")
    rejected = ask(version=2)
    decide(rejected, approve=False, comment="no")
    with pytest.raises(ConflictError, match="already rejected"):
        decide(rejected)
    assert ml.get_model_version("churn@champion").version == 1
    with pytest.raises(InvalidInputError, match="needs a comment"):
        decide(ask(version=2), approve=False, comment=" ")
    with pytest.raises(NotFoundError, match="no transition request 999"):
        ml.approve(999)


def test_a_request_whose_alias_moved_meanwhile_cannot_be_approved(two_versions):
    # Given two requests for champion, the first approved after the second was made
    one, two = ask(version=1), ask(version=2)
    decide(one)
    # When the second is approved, then it is refused: its check compared with nothing
    with pytest.raises(ConflictError, match="moved since request"):
        decide(two)
    assert ml.get_model_version("churn@champion").version == 1


def test_self_approval_is_allowed_on_sqlite_unless_turned_off(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    # Given the embedded store, one may approve one's own request
    assert ml.approve(ml.request_transition("churn", 1, "champion").id).status == "approved"
    # When the store says otherwise, then one's own approval is refused
    ml.register_model(train_run(), "churn")
    ml.set_registry_settings(allow_self_approval=False)
    mine = ml.request_transition("churn", 2, "champion")
    with pytest.raises(ForbiddenError, match="another person must approve it"):
        ml.approve(mine.id)
    assert ml.get_model_version("churn@champion").version == 1


@pytest.mark.postgres
def test_on_a_team_store_another_person_approves(postgres_url, tmp_path, monkeypatch):
    from mlops_jlab.config import StoreLocation
    from mlops_jlab.tracking import Tracker
    from mlops_jlab.tracking import api as tracking_api

    location = StoreLocation(postgres_url, str(tmp_path / "artifacts"), "test")
    monkeypatch.setattr(tracking_api, "_default", Tracker(location))
    try:
        ml.register_model(train_run(), "churn")
        request = ask()
        # When alice approves her own request on PostgreSQL, then it is refused
        with pytest.raises(ForbiddenError):
            decide(request, actor="alice")
        assert ml.registry_settings()["allow_self_approval"] is False
        # And bob's approval moves the alias
        assert decide(request, actor="bob").status == "approved"
    finally:
        tracking_api.get_tracker().store.dispose()


@pytest.mark.postgres
def test_two_approvals_at_once_have_one_winner(postgres_url, tmp_path, monkeypatch):
    from mlops_jlab.config import StoreLocation
    from mlops_jlab.tracking import Tracker
    from mlops_jlab.tracking import api as tracking_api

    location = StoreLocation(postgres_url, str(tmp_path / "artifacts"), "test")
    monkeypatch.setattr(tracking_api, "_default", Tracker(location))
    try:
        ml.register_model(train_run(), "churn")
        requests = [ask() for _ in range(5)]
        for request in requests:
            # Given two approvers who click at the same moment
            start = threading.Barrier(2)
            results: list[object] = []

            def approve(who: str, request=request, start=start, results=results) -> None:
                start.wait()
                try:
                    results.append(decide(request, actor=who))
                except ConflictError as exc:
                    results.append(exc)

            threads = [threading.Thread(target=approve, args=(who,)) for who in ("bob", "carol")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            # Then exactly one decision is recorded, the other is told it came second
            wins = [r for r in results if not isinstance(r, Exception)]
            if request is requests[0]:
                assert len(wins) == 1
            else:  # champion moved with the first: these are refused, still one way each
                assert all(isinstance(r, ConflictError) for r in results)
        history = ml.model_history("churn")
        assert list(history["kind"]).count("request_approved") == 1
    finally:
        tracking_api.get_tracker().store.dispose()


# --- requests with an ease.ml/ci check ---------------------------------------------------

CI = {"reliability": 0.99, "adaptivity": "none", "steps": 2}


def test_a_passing_check_is_attached_and_waits_for_a_person(sqlite_tracking):
    # Given a champion and a new version, and a labelled test set
    ml.register_model(train_run(), "churn")
    ml.approve(ml.request_transition("churn", 1, "champion").id)
    ml.register_model(train_run(max_iter=300), "churn")
    test = labelled(800, seed=3)
    # When v2 is proposed with a condition on its accuracy and its agreement with v1
    request = ml.request_transition(
        "churn", 2, "champion", "n > 0.6 +/- 0.1 /\\ d < 0.5 +/- 0.1", test, **CI
    )
    # Then the report is attached, the request waits, and one step of the budget is spent
    assert request.status == "pending"
    report = request.report
    assert report["decision"] == "pass"
    assert report["target"] == "label"
    assert report["budget"]["left"] == 1
    assert report["estimates"]["n"] > 0.8
    assert request.test_dataset == "churn/test@v1"
    assert "n &gt; 0.6" in request._repr_html_()
    assert ml.get_model_version("churn@champion").version == 1


def test_a_test_set_is_used_up_after_its_budget(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    test = labelled(400, seed=3)
    for _ in range(2):
        ml.request_transition("churn", 1, "staging", "n > 0.6 +/- 0.1", test, **CI)
    # When a third check is asked on the same content, then it is refused
    with pytest.raises(InvalidInputError, match="register a fresh version of it with role"):
        ml.request_transition("churn", 1, "staging", "n > 0.6 +/- 0.1", test, **CI)
    assert len(ml.transition_requests()) == 2
    # And a fresh test set has a budget of its own
    fresh = ml.request_transition(
        "churn", 1, "staging", "n > 0.6 +/- 0.1", labelled(400, seed=4), **CI
    )
    assert fresh.report["budget"]["left"] == 1


def test_a_test_version_is_read_back_from_its_file_and_checked(sqlite_tracking, tmp_path):
    # Given a test file recorded as a dataset version with role test
    ml.register_model(train_run(), "churn")
    path = tmp_path / "holdout.csv"
    labelled(400, seed=6).to_csv(path, index=False)
    with ml.start_run():
        ml.log_dataset(path, "holdout", role="test")
    # When a request names it, then its rows are read back for the check
    request = ml.request_transition("churn", 1, "staging", "n > 0.6 +/- 0.1", "holdout", **CI)
    assert request.test_dataset == "holdout@v1"
    assert request.report["examples_used"] == 400
    # And a file changed since is refused
    labelled(400, seed=7).to_csv(path, index=False)
    with pytest.raises(InvalidInputError, match="changed since it was recorded"):
        ml.request_transition("churn", 1, "staging", "n > 0.6 +/- 0.1", "holdout@v1", **CI)


def test_a_model_whose_predict_raises_is_recorded_as_failed(sqlite_tracking):
    # Given a registered model whose predict raises
    with ml.start_run() as run:
        ml.log_model(Broken(), "broken")
    ml.register_model(run.id, "churn")
    # When it is proposed with a check, then the request is recorded with the error
    request = ml.request_transition(
        "churn", 1, "champion", "n > 0.6 +/- 0.1", labelled(400, seed=3), **CI
    )
    assert request.status == "failed"
    assert "RuntimeError: the model's predict is broken" in request.report["error"]
    # And it cannot be approved: the alias does not move
    with pytest.raises(ConflictError, match="failed its check"):
        ml.approve(request.id)
    with pytest.raises(NotFoundError):
        ml.get_model_version("churn@champion")


@pytest.mark.parametrize(
    ("condition", "options", "message"),
    [
        ("n > > 0.6 +/- 0.1", {}, "column"),
        ("x > 0.6 +/- 0.1", {}, "'x'"),
        ("n > 0.6 +/- 0", {}, "tolerance"),
        ("n > 0.6 +/- -0.1", {}, "tolerance"),
        ("n > 0.6 +/- 0.1", {"reliability": 1.5}, "reliability"),
        ("n > 0.6 +/- 0.1", {"reliability": 0}, "reliability"),
        ("n - o > 0.01 +/- 0.1", {}, "no old model to compare with"),
        ("n > 0.6 +/- 0.001", {}, "examples"),
    ],
)
def test_a_bad_check_is_refused_and_nothing_is_recorded(
    sqlite_tracking, condition, options, message
):
    ml.register_model(train_run(), "churn")
    with pytest.raises(InvalidInputError, match=message):
        ml.request_transition(
            "churn", 1, "champion", condition, labelled(400, seed=3), **{**CI, **options}
        )
    assert ml.transition_requests().empty
    assert list(ml.model_history("churn")["kind"]) == ["registered"]


def test_a_syntax_error_names_the_token_and_its_column(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    with pytest.raises(ConditionSyntaxError) as caught:
        ml.request_transition("churn", 1, "champion", "n > 0.6 +/- 0.1 /\\ q < 2 +/- 0.1")
    assert "'q'" in str(caught.value)


def test_a_test_set_without_the_columns_or_labels_is_refused(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    test = labelled(400, seed=3)
    with pytest.raises(InvalidInputError, match="x2"):
        ml.request_transition(
            "churn", 1, "champion", "n > 0.6 +/- 0.1", test.drop(columns="x2"), **CI
        )
    with pytest.raises(InvalidInputError, match="labels"):
        ml.request_transition(
            "churn", 1, "champion", "n > 0.6 +/- 0.1", test.drop(columns="label"), **CI
        )
    nulls = test.astype({"label": "float"})
    nulls.loc[3, "label"] = None
    with pytest.raises(InvalidInputError, match="null"):
        ml.request_transition("churn", 1, "champion", "n > 0.6 +/- 0.1", nulls, **CI)
    assert ml.transition_requests().empty
    assert pd.Series(ml.list_datasets()["name"]).eq("churn/test").sum() == 0


def test_requests_and_decisions_are_lineage_nodes_after_the_model_version(two_versions):
    # Given v1 made champion through an approved request
    request = ask()
    decide(request, comment="ship it")
    registry = ml.get_registry()
    version = ml.get_model_version("churn/1")
    with registry.read() as conn:
        # When the lineage downstream of the version is walked
        down = lineage.downstream(conn, "model_version", version.id)
        # Then the request, its approval and the alias move follow it
        labels = {n["label"] for n in down["nodes"] if n["kind"] == "registry_event"}
        assert labels == {
            f"request {request.id}: @champion",
            f"request {request.id} approved",
            "@champion -> v1",
        }
        moved = next(n for n in down["nodes"] if n["label"] == "@champion -> v1")
        # And upstream of the alias move: the version, its run, its training data
        up = lineage.upstream(conn, "registry_event", moved["event_id"])
        kinds = {n["kind"] for n in up["nodes"]}
        assert {"model_version", "run", "dataset_version"} <= kinds
        # And the PROV export shows the decisions as activities by their actors
        document = lineage.prov_document(conn, [version.run_id])
    decisions = [a for a in document["activity"] if a.startswith("registry_event:")]
    assert len(decisions) == 3
    assert "user:bob" in document["agent"]
