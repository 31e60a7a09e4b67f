"""The ``mlops-jlab`` command: looking at a folder's store."""

from __future__ import annotations

from mlops_jlab.cli import main
from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, resolve_store
from mlops_jlab.tracking import Tracker


def test_info_in_a_folder_without_a_store_writes_nothing(tmp_path, monkeypatch, capsys):
    # Given a folder with no store in it or above it
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    folder = tmp_path / "project"
    folder.mkdir()
    # When the user asks what it resolves to
    assert main(["info", str(folder)]) == 0
    # Then it says no store was found and where one would be made, and made none
    said = capsys.readouterr().out
    assert "no store found" in said
    assert str(folder / ".mlops") in said
    assert list(folder.iterdir()) == []


def test_info_of_a_store_counts_its_runs(tmp_path, monkeypatch, capsys):
    # Given a folder whose store holds a run
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    tracker = Tracker(resolve_store(tmp_path))
    tracker.start_run(name="first").end()
    tracker.store.dispose()
    # When the user asks what it resolves to
    assert main(["info", str(tmp_path)]) == 0
    # Then it names the store it found and counts the run
    said = capsys.readouterr().out
    assert f"found {tmp_path.resolve() / '.mlops'}" in said
    assert "1 runs" in said
