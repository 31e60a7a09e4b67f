"""Kernels killed outright (SIGKILL, as the out-of-memory killer does) on SQLite and
PostgreSQL: what the README promises they keep, and how their runs end."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, HEARTBEAT_GRACE_ENV, StoreLocation
from mlops_jlab.store import Store
from mlops_jlab.store.tables import METRICS, RUNS
from mlops_jlab.tracking import Tracker
from tests.kernels import Kernel

POINTS = 100_000
# A tracked cell that logs a history longer than a chunk, then waits to be killed.
BLOCKED = 15_000
BLOCKED_CELL = (
    "%%track --name blocked\n"
    "import os, time\n"
    f"for step in range({BLOCKED}):\n"
    "    ml.log_metric('loss', 1 / (step + 1), step=step)\n"
    "while not os.path.exists('never'):\n"
    "    time.sleep(0.05)\n"
)
# The README: a kernel killed outright loses at most the last second's runs, on SQLite and
# PostgreSQL alike.
PROMISED_SECONDS = {"sqlite": 1.0, "postgresql": 1.0}


@pytest.fixture
def location(db_url, tmp_path) -> StoreLocation:
    return StoreLocation(db_url, str(tmp_path / "artifacts"), "test")


@pytest.fixture
def start_kernel(location, tmp_path):
    """Start real kernels on the store, with mlops-jlab loaded; stopped after the test."""
    Store(location).dispose()  # the schema, which the tests read before a kernel writes
    started: list[Kernel] = []

    def start() -> Kernel:
        kernel = Kernel(tmp_path, location.environment())
        started.append(kernel)
        loaded = kernel.run("%load_ext mlops_jlab\nimport mlops_jlab as ml")
        assert loaded.status == "ok", loaded.outputs
        return kernel

    yield start
    for kernel in started:
        kernel.stop()


def test_a_kernel_killed_after_a_long_history_keeps_the_run_and_every_point(start_kernel, location):
    # Given a kernel whose tracked cell logs 100,000 metric points
    kernel = start_kernel()
    cell = (
        "%%track --name long-history\n"
        f"for step in range({POINTS}):\n"
        "    ml.log_metric('loss', 1 / (step + 1), step=step)\n"
    )
    shown = kernel.run(cell)
    assert shown.status == "ok" and shown.outputs == []
    # When it is killed outright half a second later than the README's promise after the
    # cell answers
    time.sleep(PROMISED_SECONDS[location.db_url.partition(":")[0].partition("+")[0]] + 0.5)
    kernel.kill()
    # Then the run is in the store, finished, with every point of its history
    tracker = Tracker(location)
    run = tracker.runs("name = 'long-history'")
    assert list(run["status"]) == ["finished"]
    [run_id] = run["run_id"]
    with tracker.store.read() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(METRICS).where(METRICS.c.run_id == run_id)
        ).scalar_one()
        steps = conn.execute(
            sa.select(sa.func.min(METRICS.c.step), sa.func.max(METRICS.c.step)).where(
                METRICS.c.run_id == run_id
            )
        ).one()
    assert count == POINTS and tuple(steps) == (0, POINTS - 1)
    assert run["metrics.loss"].iloc[0] == pytest.approx(1 / POINTS)
    # And its history reads back whole
    history = tracker.metric_history(run_id, "loss")
    assert len(history) == POINTS and history["value"].iloc[0] == 1.0
    with tracker.store.read() as conn:
        assert conn.execute(sa.select(RUNS.c.end_time).where(RUNS.c.id == run_id)).scalar()
    tracker.store.dispose()


def stored_run(location: StoreLocation, name: str):
    """The run named ``name`` as the store holds it, with its number of points (None if
    it is not there), read without a tracker (which would look for crashed runs)."""
    engine = sa.create_engine(location.db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.select(RUNS).where(RUNS.c.name == name)).mappings().first()
            if row is None:
                return None, 0
            points = conn.execute(
                sa.select(sa.func.count()).select_from(METRICS).where(METRICS.c.run_id == row["id"])
            ).scalar_one()
            return dict(row), points
    finally:
        engine.dispose()


def kill_during_tracked_cell(kernel: Kernel, location: StoreLocation) -> dict:
    """Run the blocked cell, wait until its run and history are in the store (written
    while the cell runs), SIGKILL the kernel; returns the run as the kill left it."""
    kernel.send(BLOCKED_CELL)
    deadline = time.monotonic() + 120
    while stored_run(location, "blocked")[1] < BLOCKED and time.monotonic() < deadline:
        time.sleep(0.1)
    kernel.kill()
    row, points = stored_run(location, "blocked")
    assert points == BLOCKED and row["status"] == "running"  # nobody has noticed yet
    assert row["pid"] == kernel.pid
    return row


def assert_crashed_at_last_heartbeat(location: StoreLocation, left: dict) -> None:
    row, points = stored_run(location, "blocked")
    assert row["status"] == "crashed"
    assert row["end_time"] == left["heartbeat"] and row["end_time"] >= row["start_time"]
    assert f"pid {left['pid']}" in row["error"]
    assert points == BLOCKED  # what it logged while it ran is kept


def test_the_next_kernel_to_open_the_store_marks_a_killed_run_crashed(start_kernel, location):
    # Given a kernel killed outright during a tracked cell, its run left running
    left = kill_during_tracked_cell(start_kernel(), location)
    # When another kernel opens the store
    other = start_kernel()
    assert other.run("_ = ml.runs()").status == "ok"
    # Then the run is crashed, ending at its last heartbeat, with what it logged
    assert_crashed_at_last_heartbeat(location, left)


def test_check_command_marks_a_killed_run_crashed(start_kernel, location, tmp_path):
    # Given a kernel killed outright during a tracked cell
    left = kill_during_tracked_cell(start_kernel(), location)
    # When mlops-jlab check runs on the store
    checked = subprocess.run(
        [sys.executable, "-m", "mlops_jlab.cli", "check"],
        env={**location.environment(), "PATH": "", "PYTHONPATH": ":".join(sys.path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    # Then it names the run it marked crashed
    assert checked.returncode == 0, checked.stderr
    assert f"{left['id']} blocked" in checked.stdout
    assert_crashed_at_last_heartbeat(location, left)


@pytest.fixture
def jp_server_config(location, monkeypatch):
    # The server exports its store and grace period to the environment for its kernels;
    # monkeypatch restores the test process's environment afterwards.
    for variable in (DB_URL_ENV, ARTIFACTS_ENV, HEARTBEAT_GRACE_ENV):
        monkeypatch.delenv(variable, raising=False)
    return {
        "ServerApp": {"jpserver_extensions": {"mlops_jlab": True}},
        "MlopsApp": {
            "db_url": location.db_url,
            "artifacts": location.artifacts,
            "crash_sweep_seconds": 0.2,
        },
    }


async def test_the_servers_sweep_marks_a_killed_run_crashed(jp_fetch, start_kernel, location):
    # Given a server sweeping its store, and a kernel killed outright during a tracked cell
    left = kill_during_tracked_cell(start_kernel(), location)
    # When the server's sweep comes by, then the panel shows the run crashed
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = await jp_fetch("mlops-jlab", "api", "runs", left["id"])
        shown = json.loads(response.body)
        if shown["status"] != "running":
            break
        await asyncio.sleep(0.1)
    assert shown["status"] == "crashed"
    assert shown["end_time"] == left["heartbeat"] and f"pid {left['pid']}" in shown["error"]
    assert_crashed_at_last_heartbeat(location, left)
