"""A request whose client goes away has its query cancelled on the server (SQLite's
interrupt, PostgreSQL's statement cancel): on a real Jupyter server and a store of 50,000
runs, the statement stops, no transaction or lock stays behind, the pooled connection
serves the next request, and nothing is logged as an error."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import urllib.parse
import uuid

import pytest
import sqlalchemy as sa

from mlops_jlab.store import bulk, open_store, writes
from mlops_jlab.store.cancel import reads_in_progress
from tests.api_client import api_caller, server_config

RUNS = 50_000
# A broad filter that is slow to check: every run matches its last comparison, after 199
# that match none (checked run by run, with lower() on SQLite). Counting it exactly over
# 50,000 runs takes seconds.
SLOW_FILTER = " OR ".join(f"name ILIKE '%zz{number}%'" for number in range(199))
SLOW_COUNT = {"filter": SLOW_FILTER + " OR name LIKE 'run-%'", "exact": "true"}
# A page of runs for the slow filter alone, which no run matches: it checks every run.
SLOW_PAGE = {"filter": SLOW_FILTER}
# Long enough for any cancelled read to end; a read that is not cancelled ends later (its
# statement waits on a lock held for the whole test on PostgreSQL), or not stopped.
SETTLE_SECONDS = 60


@pytest.fixture
def jp_server_config(location, monkeypatch):
    # No crash sweep: its writes to runs would wait on the test's lock too.
    return server_config(location, monkeypatch, crash_sweep_seconds=0)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


@pytest.fixture
def store(location):
    """A store of 50,000 finished runs, written as the store writes many rows at once."""
    store = open_store(location)
    with store.write() as conn:
        experiment = writes.ensure_experiment(conn, "big")
        bulk.insert_rows(
            conn,
            "runs",
            ("id", "experiment_id", "name", "kind", "status", "start_time", "end_time"),
            (
                (uuid.uuid4().hex, experiment, f"run-{n}", "script", "finished", n, n + 1)
                for n in range(RUNS)
            ),
            ("varchar", "int4", "varchar", "varchar", "varchar", "int8", "int8"),
        )
    yield store
    store.dispose()


@pytest.fixture
def blocker(store):
    """On PostgreSQL, a session holding a lock on the runs table: a read of runs waits
    for it until cancelled, so the statement is surely running when its client leaves.
    (SQLite's readers wait for no lock: there the slow filter keeps it running.)"""
    if store.kind != "postgresql":
        yield None
        return
    engine = sa.create_engine(store.url)
    conn = engine.connect()
    conn.exec_driver_sql("BEGIN")
    conn.exec_driver_sql("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
    yield conn
    conn.close()
    engine.dispose()


class Client:
    """A client that sends a request over a raw socket and goes away before the answer."""

    def __init__(self, port: int, base_url: str, headers: dict[str, str]):
        self.port, self.base_url, self.headers = port, base_url, headers

    async def send(self, path: str, params: dict[str, str]) -> asyncio.StreamWriter:
        _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        target = f"{self.base_url}mlops-jlab/api/{path}?{urllib.parse.urlencode(params)}"
        head = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += [f"{name}: {value}" for name, value in self.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        await writer.drain()
        return writer


@pytest.fixture
def client(jp_http_port, jp_base_url, jp_auth_header):
    return Client(jp_http_port, jp_base_url, jp_auth_header)


async def until(condition, what: str):
    """Wait for ``condition()`` (the server runs on this event loop: yield to it)."""
    for _ in range(SETTLE_SECONDS * 20):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def leave_while_running(client: Client, known: set, path="runs/count", params=SLOW_COUNT):
    """Send a slow request, and go away once the server's read holds its connection;
    the read's Cancel."""
    writer = await client.send(path, params)
    await until(lambda: set(reads_in_progress()) - known, "the read started")
    (cancel,) = set(reads_in_progress()) - known
    writer.close()
    return cancel


def active_statements(store, blocker) -> int:
    """PostgreSQL: the slow filter's statements running or waiting in the test's database."""
    # Within the blocker's transaction the view is a snapshot, unless cleared.
    blocker.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
    return blocker.exec_driver_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%%ILIKE%%'"
    ).scalar_one()


def locks_of_others(blocker) -> int:
    """PostgreSQL: locks on the runs table held or asked for by other sessions."""
    return blocker.exec_driver_sql(
        "SELECT count(*) FROM pg_locks WHERE relation = 'runs'::regclass "
        "AND pid <> pg_backend_pid()"
    ).scalar_one()


def write_a_run(store) -> None:
    with store.write() as conn:
        experiment = writes.ensure_experiment(conn, "after")
        writes.insert_run(
            conn,
            {
                "id": uuid.uuid4().hex,
                "experiment_id": experiment,
                "name": "after",
                "kind": "script",
                "status": "finished",
                "start_time": RUNS + 1,  # the newest run
            },
        )


def no_reader_holds_a_snapshot(store) -> bool:
    """SQLite: a checkpoint that restarts the log succeeds only when no reader holds a
    snapshot (an open read transaction); asked without waiting."""
    database = sa.engine.make_url(store.url).database
    with sqlite3.connect(database, timeout=0) as conn:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


def every_pooled_connection_reads(jp_serverapp) -> None:
    """Each connection the server's store keeps for reads answers a query (the pool
    hands them out in turn)."""
    served = jp_serverapp.web_app.settings["mlops_jlab_service"].store
    pooled = served._read_engine.pool.checkedin()
    assert pooled >= 1
    for _ in range(pooled):
        with served.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM runs").scalar_one() == RUNS + 1
    assert served._read_engine.pool.checkedin() == pooled


@pytest.mark.parametrize(
    ("path", "params"), [("runs/count", SLOW_COUNT), ("runs", SLOW_PAGE)], ids=["count", "page"]
)
async def test_a_request_whose_client_goes_away_is_cancelled_and_leaves_the_store_healthy(
    api, store, blocker, client, caplog, jp_serverapp, path, params
):
    caplog.set_level(logging.DEBUG)
    # Given 50,000 runs, when a client asks for a slow exact count (or a page no run fills)
    # and goes away meanwhile
    cancel = await leave_while_running(client, set(), path, params)
    # Then the server stops the statement it was running
    await until(lambda: not reads_in_progress(), "the read ended")
    assert cancel.interrupted and cancel.stopped
    if blocker is not None:
        # (PostgreSQL: no statement of the server's is left, though the lock it waited
        # for is still held; once the lock is released, none of its locks remain)
        await until(lambda: active_statements(store, blocker) == 0, "no statement left")
        blocker.exec_driver_sql("ROLLBACK")
        assert locks_of_others(blocker) == 0
        # And nothing holds a lock on runs: an exclusive lock is granted without waiting
        blocker.exec_driver_sql("BEGIN")
        blocker.exec_driver_sql("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE NOWAIT")
        blocker.exec_driver_sql("ROLLBACK")
    # And a write succeeds, and no read transaction stays open
    write_a_run(store)
    if store.kind == "sqlite":
        assert no_reader_holds_a_snapshot(store)
    # And the same server answers the next requests on its pooled connections
    every_pooled_connection_reads(jp_serverapp)
    counted = await api("GET", "runs", "count", params={"limit": "10"})
    assert counted.code == 200, counted
    assert counted.body == {"total": 10, "complete": False, "is_estimate": False}
    page = await api("GET", "runs", params={"page_size": "2", "reverse": "true"})
    assert [run["name"] for run in page.body["runs"]] == ["run-0", "run-1"]
    # And nothing was logged as a failure; the cancel was noted for debugging
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert any("its query was cancelled" in record.getMessage() for record in caplog.records)


async def test_five_quick_requests_with_four_left_leave_one_statement_running(
    api, store, blocker, client
):
    # Given 50,000 runs, when a client asks five times in a row for the slow count (as a
    # user types), going away from each of the first four
    left = set()
    for _ in range(4):
        left.add(await leave_while_running(client, left))
    writer = await client.send("runs/count", SLOW_COUNT)
    # Then the four are stopped, and only the fifth runs
    await until(lambda: not left & set(reads_in_progress()), "the four ended")
    assert all(cancel.stopped for cancel in left)
    await until(lambda: reads_in_progress(), "the fifth started")
    (last,) = reads_in_progress()
    assert last not in left
    if blocker is not None:
        await until(lambda: active_statements(store, blocker) <= 1, "one statement left")
        assert active_statements(store, blocker) == 1
    # When the fifth is left too, then nothing runs any more
    writer.close()
    await until(lambda: not reads_in_progress(), "no read left")
    assert last.stopped
    if blocker is not None:
        await until(lambda: active_statements(store, blocker) == 0, "no statement left")
