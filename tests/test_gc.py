"""``mlops-jlab gc``: artifact files no record refers to (their run was never written, a
write never finished) go once they are older than a grace period; nothing in use does."""

from __future__ import annotations

import os
import time

import pytest

from mlops_jlab import cli
from mlops_jlab.config import StoreLocation
from mlops_jlab.tracking import Tracker
from tests.faulty_stores import no_store_variables

DAY = 24 * 3600


def aged(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project whose store has a run with an artifact, and artifact files no record
    refers to: one from a run a killed kernel never wrote (two days old), one of a run being
    recorded now, and a temporary file of a write that never finished (two days old)."""
    no_store_variables(monkeypatch)
    store = tmp_path / ".mlops"
    location = StoreLocation(
        f"sqlite:///{store / 'mlops.sqlite'}", str(store / "artifacts"), "test"
    )
    tracker = Tracker(location)
    with tracker.start_run("kept") as run:
        kept = run.log_artifact(b"model weights " * 1000, name="model.bin")
    aged(tracker.artifacts.local_path(kept), 30 * DAY)
    orphan = tracker.artifacts.put_bytes(b"x" * 5000).digest
    aged(tracker.artifacts.local_path(orphan), 2 * DAY)
    young = tracker.artifacts.put_bytes(b"y" * 7000).digest
    leftover = tracker.artifacts.local_path(kept).parent / ".tmp-0123456789abcdef"
    leftover.write_bytes(b"z" * 300)
    aged(leftover, 2 * DAY)
    tracker.store.dispose()
    return tmp_path, tracker, {"kept": kept, "orphan": orphan, "young": young}, leftover


def test_gc_removes_old_unreferenced_files_and_says_how_much_it_freed(project, capsys):
    folder, tracker, digests, leftover = project
    # When garbage is collected with the default grace period (a day)
    assert cli.main(["gc", str(folder)]) == 0
    out = capsys.readouterr().out
    # Then the orphan and the leftover are gone, and the output says what that freed
    assert not tracker.artifacts.exists(digests["orphan"]) and not leftover.exists()
    assert "removed 2 unreferenced artifact files" in out and "freed 5.3 kB" in out
    # And what a run refers to, and what is younger than the grace period, are kept
    assert tracker.artifacts.get_bytes(digests["kept"]) == b"model weights " * 1000
    assert tracker.artifacts.exists(digests["young"])
    assert "kept 1 in use and 1 written in the grace period" in out


def test_a_dry_run_lists_what_would_go_and_removes_nothing(project, capsys):
    folder, tracker, digests, leftover = project
    assert cli.main(["gc", str(folder), "--dry-run", "--older-than", "1h"]) == 0
    out = capsys.readouterr().out
    assert "would remove 2 unreferenced artifact files" in out
    assert digests["orphan"] in out and leftover.name in out
    assert tracker.artifacts.exists(digests["orphan"]) and leftover.exists()


def test_content_stored_again_counts_as_new_and_is_spared(project, capsys):
    # Given an old orphan whose content a run is storing again, its record not yet written
    folder, tracker, digests, _leftover = project
    tracker.artifacts.put_bytes(b"x" * 5000)
    # When garbage is collected
    assert cli.main(["gc", str(folder)]) == 0
    # Then that blob stays for the record about to refer to it
    assert tracker.artifacts.exists(digests["orphan"])
    assert "removed 1 unreferenced artifact files" in capsys.readouterr().out


def test_a_grace_period_that_is_no_duration_is_refused_with_the_units(project, capsys):
    folder, _tracker, _digests, _leftover = project
    with pytest.raises(SystemExit):
        cli.main(["gc", str(folder), "--older-than", "tomorrow"])
    assert "write a number and a unit: 90s, 30m, 12h or 7d" in capsys.readouterr().err
