"""Store resolution: one rule for kernels, the server, jobs and the CLI."""

from __future__ import annotations

from mlops_jlab.config import resolve_store
from mlops_jlab.tracking import api as tracking


def test_environment_variables_win(tmp_path, monkeypatch):
    # Given a .mlops folder here and both variables set
    (tmp_path / ".mlops").mkdir()
    monkeypatch.setenv("MLOPS_JLAB_DB_URL", "postgresql+psycopg://u@db/mlops")
    monkeypatch.setenv("MLOPS_JLAB_ARTIFACTS", "s3://bucket/prefix")
    # When the store is resolved
    location = resolve_store(tmp_path)
    # Then the variables are used as they are
    assert location.db_url == "postgresql+psycopg://u@db/mlops"
    assert location.artifacts == "s3://bucket/prefix"


def test_sqlite_url_from_environment_keeps_artifacts_beside_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_JLAB_DB_URL", f"sqlite:///{tmp_path}/team/mlops.sqlite")
    monkeypatch.delenv("MLOPS_JLAB_ARTIFACTS", raising=False)
    assert resolve_store(tmp_path).artifacts == str(tmp_path / "team" / "artifacts")


def test_nearest_store_folder_upward_is_found(tmp_path, monkeypatch):
    # Given a project with a .mlops folder and a notebook two folders below it
    monkeypatch.delenv("MLOPS_JLAB_DB_URL", raising=False)
    monkeypatch.delenv("MLOPS_JLAB_ARTIFACTS", raising=False)
    (tmp_path / ".mlops").mkdir()
    notebooks = tmp_path / "a" / "b"
    notebooks.mkdir(parents=True)
    # When a kernel in that folder resolves its store
    location = resolve_store(notebooks)
    # Then it finds the project's store, the way git finds .git
    assert location.db_url == f"sqlite:///{tmp_path.resolve()}/.mlops/mlops.sqlite"
    assert location.artifacts == str(tmp_path.resolve() / ".mlops" / "artifacts")


def test_a_new_store_goes_in_the_start_folder_without_creating_it(tmp_path, monkeypatch):
    monkeypatch.delenv("MLOPS_JLAB_DB_URL", raising=False)
    location = resolve_store(tmp_path)
    assert location.db_url == f"sqlite:///{tmp_path.resolve()}/.mlops/mlops.sqlite"
    assert location.source.startswith("new")
    assert not (tmp_path / ".mlops").exists()


def test_environment_round_trips_to_another_process(tmp_path, monkeypatch):
    # Given a resolved store, when its environment is handed to another process
    monkeypatch.delenv("MLOPS_JLAB_DB_URL", raising=False)
    location = resolve_store(tmp_path)
    for key, value in location.environment().items():
        monkeypatch.setenv(key, value)
    # Then that process resolves the same store from anywhere
    again = resolve_store("/")
    assert (again.db_url, again.artifacts) == (location.db_url, location.artifacts)


def test_relative_locations_are_pinned_to_the_folder_they_were_given_in(tmp_path, monkeypatch):
    # Given a notebook that names its store relative to its folder
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tracking, "_default", None)
    tracker = tracking.set_store("sqlite:///runs.sqlite")
    # Then the store and its artifacts stay there when the kernel changes folder
    assert tracker.location.db_url == f"sqlite:///{tmp_path.resolve()}/runs.sqlite"
    assert tracker.location.artifacts == str(tmp_path.resolve() / "artifacts")
    # And a server or job given relative variables resolves them against its own root
    monkeypatch.setenv("MLOPS_JLAB_DB_URL", "sqlite:///team/mlops.sqlite")
    monkeypatch.setenv("MLOPS_JLAB_ARTIFACTS", "team/blobs")
    location = resolve_store(tmp_path / "root")
    assert location.db_url == f"sqlite:///{tmp_path.resolve()}/root/team/mlops.sqlite"
    assert location.artifacts == str(tmp_path.resolve() / "root" / "team" / "blobs")
