"""The REST API on a store that refuses writes (a read-only PostgreSQL database) or has
damaged pages (SQLite): a 503 that says what to do, never a 500, and nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mlops_jlab.config import StoreLocation
from tests.api_client import api_caller, server_config
from tests.faulty_stores import damage, read_only_postgres_store, recorded, sqlite_location


@dataclass
class Fault:
    location: StoreLocation
    run_id: str
    says: str  # what every refusal's message says
    reads: bool  # whether reads are still answered
    database: Path | None = None  # a SQLite file, which must stay as it was
    garbled: bytes = b""


@pytest.fixture(
    params=["damaged sqlite", pytest.param("read-only postgresql", marks=[pytest.mark.postgres])]
)
def fault(request, tmp_path):
    if request.param == "damaged sqlite":
        location = sqlite_location(tmp_path)
        tracker = recorded(location, runs=300)
        run_id = tracker.runs()["run_id"][0]
        tracker.store.dispose()
        database = tmp_path / ".mlops" / "mlops.sqlite"
        garbled = damage(database)
        opened = sqlite_location(tmp_path, "served")
        return Fault(opened, run_id, "mlops-jlab check", False, database, garbled)
    location, run_id = read_only_postgres_store(request.getfixturevalue("postgres_url"), tmp_path)
    return Fault(location, run_id, "use the primary server", True)


@pytest.fixture
def jp_server_config(fault, monkeypatch):
    return server_config(fault.location, monkeypatch)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


async def test_a_change_the_store_refuses_is_a_503_that_says_what_to_do(api, fault):
    # When a run is renamed, deleted and restored through the REST API
    answers = [
        await api("PATCH", "runs", fault.run_id, body={"name": "new name"}),
        await api("DELETE", "runs", fault.run_id),
        await api("POST", "runs", fault.run_id, "restore"),
    ]
    # Then each is a 503 whose message says what to do, never a 500
    for answer in answers:
        assert answer.code == 503, answer
        assert fault.says in answer.body["message"]
    # And nothing was written
    if fault.database is not None:
        assert fault.database.read_bytes() == fault.garbled


async def test_reads_of_a_store_are_answered_or_refused_with_advice(api, fault):
    # When the panel asks for the runs, one run and the status
    answers = [
        await api("GET", "runs"),
        await api("GET", "runs", fault.run_id),
        await api("GET", "status"),
    ]
    # Then a read-only store answers them; a damaged one refuses each with advice
    for answer in answers:
        if fault.reads:
            assert answer.code == 200, answer
        else:
            assert answer.code == 503, answer
            assert "is damaged" in answer.body["message"] and fault.says in answer.body["message"]
