"""The model registry's Python API on a real store with real scikit-learn models: register
runs' models, find versions by number and alias, load them, move free aliases, and the
history and lineage that record it."""

from __future__ import annotations

import threading

import pytest

import mlops_jlab as ml
from mlops_jlab import lineage
from mlops_jlab.errors import (
    ArtifactCorruptError,
    InvalidInputError,
    NotFoundError,
    ProtectedAliasError,
)
from tests.registry_world import labelled, sqlite_tracking, train_run

__all__ = ["sqlite_tracking"]


def test_a_runs_model_becomes_version_1_with_its_training_data(sqlite_tracking):
    # Given a run that read a training frame and logged a fitted classifier
    run_id = train_run()
    # When its model is registered by the run's id (a prefix is enough)
    version = ml.register_model(run_id[:8], "churn", description="first try", tags={"team": "a"})
    # Then it is version 1, from that run's artifact, trained on the role-train input
    assert (version.model, version.version, version.run_id) == ("churn", 1, run_id)
    assert version.artifact_name == "clf.pkl"
    assert version.training_dataset == "churn-train@v1"
    assert [column["name"] for column in version.signature["inputs"]] == ["x1", "x2", "label"]
    assert (version.description, version.tags, version.aliases) == ("first try", {"team": "a"}, [])
    # And the lineage leads from the training data through the run to the version
    with sqlite_tracking.read() as conn:
        graph = lineage.upstream(conn, "model_version", version.id)
    ids = {node["id"] for node in graph["nodes"]}
    assert {f"run:{run_id}", f"model_version:{version.id}"} <= ids
    assert any(node.get("label") == "churn-train@v1" for node in graph["nodes"])


def test_versions_count_up_and_are_found_by_number_and_alias(sqlite_tracking):
    # Given two registered versions of a model, from runs:/ and from a run id
    first = train_run(max_iter=50)
    second = train_run(max_iter=200)
    ml.register_model(f"runs:/{first}/clf.pkl", "churn")
    ml.register_model(second, "churn")
    # When an unprotected alias points at the second
    ml.set_alias("churn", "challenger", 2)
    # Then versions count up, and each is found by number and by alias
    assert ml.get_model_version("churn/1").run_id == first
    assert ml.get_model_version("models:/churn@challenger").version == 2
    versions = ml.model_versions("churn")
    assert list(versions["version"]) == [1, 2]
    assert list(versions["aliases"]) == [[], ["challenger"]]
    models = ml.registered_models()
    assert models.loc[0, "name"] == "churn"
    assert models.loc[0, "latest_version"] == 2
    assert models.loc[0, "aliases"] == {"challenger": 2}


def test_a_loaded_model_predicts_as_the_one_logged(sqlite_tracking):
    # Given a registered version in stage staging
    version = ml.register_model(train_run(), "churn")
    ml.set_alias("churn", "staging", version.version)
    # When it is loaded by alias and by number
    by_alias = ml.load_model("models:/churn@staging")
    by_number = ml.load_model("models:/churn/1")
    # Then both predict on new data, alike
    test = labelled(20, seed=5)[["x1", "x2"]]
    assert list(by_alias.predict(test)) == list(by_number.predict(test))
    assert ml.get_model_version("churn/1").stage == "staging"


def test_a_blob_that_fails_its_digest_is_refused_when_loading(sqlite_tracking):
    # Given a registered version whose stored blob was damaged on disk
    version = ml.register_model(train_run(), "churn")
    path = sqlite_tracking.artifacts.local_path(version.digest)
    path.write_bytes(path.read_bytes()[:-5] + b"xxxxx")
    # When it is loaded, then the damage is said, not unpickled
    with pytest.raises(ArtifactCorruptError, match="no longer matches its digest"):
        ml.load_model("models:/churn/1")


def test_a_run_without_a_model_cannot_be_registered(sqlite_tracking):
    # Given a run that logged no model
    with ml.start_run() as run:
        ml.log_param("lr", 0.1)
    # When it is registered, then the error says how to log one, and nothing is recorded
    with pytest.raises(InvalidInputError, match="logged no model: log one with"):
        ml.register_model(run.id, "churn")
    with pytest.raises(NotFoundError, match="no artifact named 'nope'"):
        ml.register_model(f"runs:/{run.id}/nope", "churn")
    assert ml.registered_models().empty


def test_unknown_models_versions_and_aliases_are_not_found(sqlite_tracking):
    ml.register_model(train_run(), "churn")
    with pytest.raises(NotFoundError, match="no registered model named 'fraud'"):
        ml.get_model_version("fraud/1")
    with pytest.raises(NotFoundError, match="has no version 7"):
        ml.load_model("models:/churn/7")
    with pytest.raises(NotFoundError, match="has no alias 'champion'"):
        ml.get_model_version("churn@champion")
    with pytest.raises(InvalidInputError, match="names no model version"):
        ml.get_model_version("churn")
    with pytest.raises(NotFoundError, match="no registered model"):
        ml.model_history("fraud")


def test_a_protected_alias_is_refused_directly_and_nothing_moves(sqlite_tracking):
    # Given a registered version
    ml.register_model(train_run(), "churn")
    # When champion or production is set directly
    for alias in ("champion", "production"):
        with pytest.raises(ProtectedAliasError, match="request_transition"):
            ml.set_alias("churn", alias, 1)
    # Then neither moved, and only the registration is in the history
    assert ml.get_model_version("churn/1").aliases == []
    assert list(ml.model_history("churn")["kind"]) == ["registered"]


def test_free_aliases_move_and_every_move_is_in_the_history(sqlite_tracking):
    # Given two versions
    ml.register_model(train_run(), "churn")
    ml.register_model(train_run(), "churn")
    # When an alias moves from one to the other, and is removed
    ml.set_alias("churn", "candidate", 1)
    ml.set_alias("churn", "candidate", 2)
    ml.delete_alias("churn", "candidate")
    # Then the history says each step, who did it and from where to where
    history = ml.model_history("churn")
    assert list(history["kind"]) == [
        "registered",
        "registered",
        "alias_set",
        "alias_set",
        "alias_removed",
    ]
    assert history.loc[3, "details"] == {"alias": "candidate", "version": 2, "previous": 1}
    assert history["actor"].notna().all()
    with pytest.raises(NotFoundError):
        ml.delete_alias("churn", "candidate")


def test_the_protected_set_is_a_store_setting(sqlite_tracking):
    # Given a store whose protected aliases are changed to "gold" alone
    ml.register_model(train_run(), "churn")
    settings = ml.set_registry_settings(protected_aliases=["gold"])
    assert settings == {"protected_aliases": ["gold"], "allow_self_approval": True}
    # Then champion moves freely and gold does not
    ml.set_alias("churn", "champion", 1)
    with pytest.raises(ProtectedAliasError):
        ml.set_alias("churn", "gold", 1)
    with pytest.raises(InvalidInputError, match="an alias is a letter"):
        ml.set_registry_settings(protected_aliases=["1st"])


# --- the hot paths, alike on SQLite and PostgreSQL ----------------------------------------


def test_versions_registered_listed_moved_and_loaded_alike_on_both_stores(tracking):
    # Given a run that logged a model, registered by its whole id, a prefix and runs:/
    run_id = train_run()
    first = ml.register_model(run_id, "churn", tags={"team": "a"})
    second = ml.register_model(run_id[:8].upper(), "churn")
    third = ml.register_model(f"runs:/{run_id}/clf", "churn", description="third")
    # Then each registration answers what the store reads back for that version
    for answered in (first, second, third):
        assert answered.to_dict() == ml.get_model_version(answered.ref).to_dict()
    assert [v.version for v in (first, second, third)] == [1, 2, 3]
    # When aliases point at the second and the third
    ml.set_alias("churn", "challenger", 2)
    ml.set_alias("churn", "staging", 3)
    # Then the versions' frame shows each version with its aliases, stage, data and tags
    versions = ml.model_versions("churn")
    assert list(versions["version"]) == [1, 2, 3]
    assert list(versions["aliases"]) == [[], ["challenger"], ["staging"]]
    assert list(versions["stage"].fillna("-")) == ["-", "-", "staging"]
    assert set(versions["run_id"]) == {run_id}
    assert set(versions["training_dataset"]) == {"churn-train@v1"}
    assert list(versions["tags"]) == [{"team": "a"}, {}, {}]
    versions.loc[1, "tags"]["team"] = "b"  # each row's tags are its own
    assert list(versions["tags"]) == [{"team": "a"}, {"team": "b"}, {}]
    assert list(versions["description"].fillna("-")) == ["-", "-", "third"]
    assert list(versions["digest"]) == [first.digest] * 3
    # And the staged version loads and predicts
    test = labelled(10, seed=5)[["x1", "x2"]]
    assert len(ml.load_model("models:/churn@staging").predict(test)) == 10


def test_a_registration_of_an_unknown_run_says_so_and_records_nothing(tracking):
    # Given a registered version
    run_id = train_run()
    ml.register_model(run_id, "churn")
    # When a whole id of no run, a prefix of none or too short a prefix is registered
    with pytest.raises(NotFoundError, match=f"no run with id '{'f' * 32}'"):
        ml.register_model("f" * 32, "churn")
    with pytest.raises(NotFoundError, match=f"no run with id '{'f' * 32}'"):
        ml.register_model(f"runs:/{'f' * 32}/clf", "churn")
    with pytest.raises(NotFoundError, match="no run whose id starts with 'fedcba98'"):
        ml.register_model("fedcba98", "fraud")
    with pytest.raises(InvalidInputError, match="too short to pick one run"):
        ml.register_model(run_id[:3], "churn")
    # Then the model still has its one version, and no model was made
    assert list(ml.model_versions("churn")["version"]) == [1]
    assert list(ml.model_history("churn")["kind"]) == ["registered"]
    assert list(ml.registered_models()["name"]) == ["churn"]


def test_registrations_at_once_number_the_versions_one_after_another(tracking):
    # Given a run's model, not registered yet, and four notebooks registering it at once
    run_id = train_run()
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def register() -> None:
        start.wait()
        try:
            for _ in range(3):
                ml.register_model(run_id, "churn")
        except BaseException as exc:  # what a thread met, for the test to report
            failures.append(exc)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then one model has versions 1 to 12, none lost nor numbered twice
    assert failures == []
    assert list(ml.registered_models()["name"]) == ["churn"]
    assert list(ml.model_versions("churn")["version"]) == list(range(1, 13))
