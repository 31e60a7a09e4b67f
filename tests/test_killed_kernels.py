"""Kernels killed outright (SIGKILL, as the out-of-memory killer does) on SQLite and
PostgreSQL: what the README promises they keep, and how their runs end."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from mlops_jlab.config import StoreLocation
from mlops_jlab.store.tables import METRICS, RUNS
from mlops_jlab.tracking import Tracker
from tests.kernels import Kernel

POINTS = 100_000
# The README: a kernel killed outright loses at most the last second's runs.
PROMISED_SECONDS = 1.0


@pytest.fixture
def location(db_url, tmp_path) -> StoreLocation:
    return StoreLocation(db_url, str(tmp_path / "artifacts"), "test")


@pytest.fixture
def start_kernel(location, tmp_path):
    """Start real kernels on the store, with mlops-jlab loaded; stopped after the test."""
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
    # When it is killed outright half a second later than the README's second after the
    # cell answers
    time.sleep(PROMISED_SECONDS + 0.5)
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
