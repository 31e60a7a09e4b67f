"""Several processes write runs to one SQLite store at once; nothing is lost or locked out."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from mlops_jlab.config import StoreLocation
from mlops_jlab.store import open_store

PROCESSES = 4
RUNS_EACH = 60


def _writer(db_url: str, artifacts: str, worker: int, start, errors) -> None:
    import mlops_jlab as ml

    ml.set_store(db_url, artifacts)
    start.wait()
    for i in range(RUNS_EACH):
        try:
            with ml.start_run(name=f"w{worker}-{i}", experiment=f"exp{i % 3}"):
                ml.log_params({"worker": worker, "i": i})
                ml.log_metrics({"acc": i / RUNS_EACH, "loss": 1.0})
        except Exception as exc:
            errors.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_concurrent_writers_lose_nothing(tmp_path, start_method):
    # Given a SQLite store this process has open, and several processes started together
    # (forked ones inherit the open store and must not share its connections)
    db_url = f"sqlite:///{tmp_path / 'mlops.sqlite'}"
    open_store(StoreLocation(db_url, str(tmp_path / "a"), "test"))
    context = multiprocessing.get_context(start_method)
    start, errors = context.Event(), context.Queue()
    workers = [
        context.Process(target=_writer, args=(db_url, str(tmp_path / "a"), w, start, errors))
        for w in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    # When they all write runs at once
    start.set()
    for worker in workers:
        worker.join()
    # Then no error escaped and every run, param and metric arrived
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []
    assert all(worker.exitcode == 0 for worker in workers)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        count = lambda sql: conn.execute(sa.text(sql)).scalar()  # noqa: E731
        assert count("SELECT count(*) FROM runs WHERE status = 'finished'") == PROCESSES * RUNS_EACH
        assert count("SELECT count(*) FROM params") == 2 * PROCESSES * RUNS_EACH
        assert count("SELECT count(*) FROM metrics") == 2 * PROCESSES * RUNS_EACH
        assert count("SELECT count(*) FROM experiments") == 3
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    engine.dispose()
