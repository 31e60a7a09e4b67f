"""Shared fixtures: stores on SQLite and on a real PostgreSQL server, and a real S3 server."""

from __future__ import annotations

import itertools
import os

import pytest
import sqlalchemy as sa

import mlops_jlab
from mlops_jlab.config import StoreLocation
from mlops_jlab.tracking import Tracker
from mlops_jlab.tracking import api as tracking_api
from tests.services import postgres_server, s3_server

pytest_plugins = ["pytest_jupyter.jupyter_server", "tests.lineage_world"]

_database_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_base_url():
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_base_url):
    """A new, empty database on the session's PostgreSQL server."""
    name = f"mlops_test_{os.getpid()}_{next(_database_numbers)}"
    admin = sa.create_engine(f"{postgres_base_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{postgres_base_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The same test on the embedded store and on the team store."""
    if request.param == "sqlite":
        (tmp_path / "store").mkdir()
        return f"sqlite:///{tmp_path / 'store' / 'mlops.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def location(db_url, tmp_path) -> StoreLocation:
    return StoreLocation(db_url, str(tmp_path / "artifacts"), "test")


@pytest.fixture
def tracker(location):
    tracker = Tracker(location)
    yield tracker
    tracker.store.dispose()  # hand the connections back: a database server has few


@pytest.fixture
def sqlite_tracker(tmp_path):
    """A tracker on a SQLite store in the test's folder, as a project's ``.mlops/`` is."""
    (tmp_path / ".mlops").mkdir()
    tracker = Tracker(
        StoreLocation(
            f"sqlite:///{tmp_path / '.mlops' / 'mlops.sqlite'}",
            str(tmp_path / ".mlops" / "artifacts"),
            "test",
        )
    )
    yield tracker
    tracker.store.dispose()


@pytest.fixture
def tracking(location, monkeypatch):
    """The module-level API (start_run, log_param, runs, ...) pointed at a test store."""
    monkeypatch.setattr(tracking_api, "_default", Tracker(location))
    yield tracking_api.get_tracker()
    while (run := mlops_jlab.active_run()) is not None:
        run.end("crashed")
    tracking_api.get_tracker().store.dispose()


@pytest.fixture(scope="session")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint
