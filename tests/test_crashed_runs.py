"""Runs left running by a process that is gone are marked crashed at their last heartbeat,
on SQLite and PostgreSQL; runs whose process may still run them are left alone. (Real
kernels killed outright: test_killed_kernels.py.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from mlops_jlab import cli, processes
from mlops_jlab.config import HEARTBEAT_GRACE_ENV
from mlops_jlab.errors import InvalidInputError
from mlops_jlab.store import crashes, writes
from mlops_jlab.store.tables import RUNS

NOW = 1_800_000_000_000
GRACE = 120.0
HOUR = 3_600_000


def gone_pid() -> int:
    """The id of a process of this host that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def insert(tracker, name, *, status="running", pid=None, host=None, heartbeat=None, start=None):
    with tracker.store.write() as conn:
        experiment = writes.ensure_experiment(conn, "crashes")
        run_id = f"{abs(hash(name)):032x}"[:32]
        writes.insert_run(
            conn,
            {
                "id": run_id,
                "experiment_id": experiment,
                "name": name,
                "kind": "script",
                "status": status,
                "start_time": start if start is not None else NOW - HOUR,
                "end_time": None if status == "running" else NOW - HOUR,
                "heartbeat": heartbeat,
                "pid": pid,
                "host": host,
            },
        )
    return run_id


def stored(tracker, run_id):
    with tracker.store.read() as conn:
        return conn.execute(sa.select(RUNS).where(RUNS.c.id == run_id)).mappings().one()


def test_runs_whose_process_is_gone_are_crashed_at_their_last_heartbeat(tracker):
    # Given running runs of processes of this host and of another, alive or gone, recent
    # or silent, one written before runs named their process, and a finished one
    here, started_here = processes.this_host(), NOW - 60_000
    me = os.getpid()
    runs = {
        "alive here": insert(tracker, "alive here", pid=me, host=here, heartbeat=NOW - HOUR),
        "gone here": insert(tracker, "gone here", pid=gone_pid(), host=here, heartbeat=NOW - 5),
        "pid reused": insert(
            tracker, "pid reused", pid=me, host=here, heartbeat=NOW - 9, start=10_000
        ),
        "silent there": insert(
            tracker, "silent there", pid=1, host="elsewhere", heartbeat=NOW - 121_000
        ),
        "recent there": insert(
            tracker, "recent there", pid=1, host="elsewhere", heartbeat=NOW - 119_000
        ),
        "old row": insert(tracker, "old row", start=started_here - HOUR),
        "finished": insert(tracker, "finished", status="finished", pid=gone_pid(), host=here),
    }
    # When the store is swept
    with tracker.store.write() as conn:
        marked = crashes.mark_crashed_runs(conn, GRACE, now=NOW)
    # Then the runs whose process is gone are crashed, ending at their last heartbeat
    assert sorted(run.name for run in marked) == [
        "gone here",
        "old row",
        "pid reused",
        "silent there",
    ]
    rows = {name: stored(tracker, run_id) for name, run_id in runs.items()}
    assert {name: row["status"] for name, row in rows.items()} == {
        "alive here": "running",
        "gone here": "crashed",
        "pid reused": "crashed",
        "silent there": "crashed",
        "recent there": "running",
        "old row": "crashed",
        "finished": "finished",
    }
    assert rows["gone here"]["end_time"] == NOW - 5
    assert rows["silent there"]["end_time"] == NOW - 121_000
    assert rows["old row"]["end_time"] == started_here - HOUR  # never beat: its start
    # And each says why
    assert f"pid {rows['gone here']['pid']} on {here}" in rows["gone here"]["error"]
    assert "elsewhere" in rows["silent there"]["error"]
    assert "grace period" in rows["silent there"]["error"]
    # And a second sweep finds nothing more
    with tracker.store.write() as conn:
        assert crashes.mark_crashed_runs(conn, GRACE, now=NOW) == []


def test_a_run_heard_from_after_it_was_judged_stays_running(tracker):
    # Given a run of another host, silent for longer than the grace period
    run_id = insert(tracker, "late", pid=1, host="elsewhere", heartbeat=NOW - 200_000)
    with tracker.store.read() as conn:
        [judged] = crashes.find_crashed_runs(conn, GRACE, now=NOW)
    # When its process writes a heartbeat before the sweep marks it
    with tracker.store.write() as conn:
        writes.touch_running(conn, run_id)
        changed = conn.execute(
            crashes._MARK,
            {"run_id": run_id, "last": judged.last_heartbeat, "reason": judged.reason},
        ).rowcount
    # Then the mark matches nothing: the run is running
    assert changed == 0 and stored(tracker, run_id)["status"] == "running"


def test_a_run_taken_for_crashed_whose_process_lives_comes_back(tracker):
    # Given a running run of this process that a sweep took for crashed (its process
    # seemed gone: suspended for longer than the grace period, say)
    run = tracker.start_run("suspended", "crashes")
    with tracker.store.write() as conn:
        [marked] = crashes.mark_crashed_runs(conn, GRACE, alive=lambda pid, started: False)
    assert marked.run_id == run.id and stored(tracker, run.id)["status"] == "crashed"
    # When its process logs to it and ends it
    run.log_metric("loss", 0.5)
    assert stored(tracker, run.id)["status"] == "running"
    run.end()
    # Then nothing it logged was refused, and it ended as it did
    row = stored(tracker, run.id)
    assert row["status"] == "finished" and row["error"] is None
    assert tracker.get_run(run.id).metrics == {"loss": 0.5}


def test_a_tracker_opening_the_store_marks_what_it_finds(tracker, location):
    # Given a run left running by a process of this host that is gone
    run_id = insert(tracker, "left", pid=gone_pid(), host=processes.this_host(), heartbeat=NOW)
    # When another tracker opens the store
    from mlops_jlab.tracking import Tracker

    other = Tracker(location)
    other.runs()
    # Then the run is crashed
    assert stored(tracker, run_id)["status"] == "crashed"
    other.store.dispose()


def test_check_command_marks_and_names_the_crashed_runs(tracker, location, monkeypatch, capsys):
    # Given a run left running by a process of this host that is gone
    run_id = insert(tracker, "left", pid=gone_pid(), host=processes.this_host(), heartbeat=NOW)
    monkeypatch.setenv("MLOPS_JLAB_DB_URL", location.db_url)
    monkeypatch.setenv("MLOPS_JLAB_ARTIFACTS", location.artifacts)
    # When mlops-jlab check runs, then it names the run it marked crashed
    assert cli.main(["check", "--grace", "60"]) == 0
    output = capsys.readouterr().out
    assert "1 left running by a process that is gone, marked crashed" in output
    assert run_id in output and "left" in output
    assert stored(tracker, run_id)["status"] == "crashed"
    # And run again, it says there is nothing to mark
    assert cli.main(["check"]) == 0
    assert "none left running" in capsys.readouterr().out


@pytest.mark.parametrize("grace", ["soon", "-5", "10", "nan", "inf"])
def test_a_bad_grace_period_says_what_it_must_be(grace, tracker, location, monkeypatch, capsys):
    # Given a grace period that is not a number of seconds, or too short to be safe
    monkeypatch.setenv("MLOPS_JLAB_DB_URL", location.db_url)
    # When mlops-jlab check is given it, then it says what a grace period must be
    assert cli.main(["check", "--grace", grace]) == 2
    assert "--grace must be" in capsys.readouterr().err
    # And from the environment, a tracker opening the store says so too
    monkeypatch.setenv(HEARTBEAT_GRACE_ENV, grace)
    from mlops_jlab.tracking import Tracker

    with pytest.raises(InvalidInputError, match=f"\\${HEARTBEAT_GRACE_ENV} must be"):
        Tracker(location).runs()


def test_a_store_from_before_runs_named_their_process_is_upgraded_and_its_stuck_runs_crash(
    location,
):
    # Given a store at revision 0005 holding a run that was left running a day ago
    from mlops_jlab.store import Store, migrate

    engine = sa.create_engine(location.db_url)
    migrate.upgrade(engine, engine.dialect.name, "0005")
    day_ago = NOW - 24 * HOUR
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO experiments (name, created_at) VALUES ('old', 1)"))
        conn.execute(
            sa.text(
                "INSERT INTO runs (id, experiment_id, name, kind, status, start_time, heartbeat) "
                f"VALUES ('{'a' * 32}', 1, 'stuck', 'script', 'running', {day_ago}, {day_ago})"
            )
        )
    engine.dispose()
    # When the current package opens it and sweeps it
    store = Store(location)
    with store.write() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        [marked] = crashes.mark_crashed_runs(conn, GRACE, now=NOW)
    # Then the run, which names no process, is crashed at its last heartbeat
    with store.read() as conn:
        row = conn.execute(sa.select(RUNS).where(RUNS.c.id == "a" * 32)).mappings().one()
    assert marked.name == "stuck" and row["pid"] is None and row["host"] is None
    assert row["status"] == "crashed" and row["end_time"] == day_ago
    assert "recorded no host" in row["error"]
    store.dispose()
