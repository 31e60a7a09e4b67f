"""The store: schema, migrations on open, and clear errors for stores it cannot use."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import StoreConnectionError, StoreCorruptError, StoreVersionError
from mlops_jlab.store import Store, migrate, name_search, writes
from mlops_jlab.store.tables import RUN_KEYS_AS_TRIGGERS, Base
from mlops_jlab.tracking import Tracker
from tests.services import free_port


def test_head_constant_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() == migrate.HEAD


def test_new_store_has_every_table_of_the_data_model(location):
    # Given an empty database, when it is opened as a store
    store = Store(location)
    # Then the migrations built exactly the schema the models describe
    with store.read() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        tables = set(sa.inspect(conn).get_table_names())
        assert set(Base.metadata.tables) <= tables
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        # PostgreSQL keeps the points' foreign keys to runs by triggers (migration 0009)
        if conn.dialect.name == "postgresql":
            kept_by_triggers = [
                difference
                for difference in differences
                if difference[0] == "add_fk"
                and difference[1].table.name in RUN_KEYS_AS_TRIGGERS
                and difference[1].referred_table.name == "runs"
            ]
            assert len(kept_by_triggers) == len(RUN_KEYS_AS_TRIGGERS)
            differences = [d for d in differences if d not in kept_by_triggers]
        # The trigram index of run names is the database's own (migration 0015): an FTS5
        # table on SQLite, a pg_trgm index on PostgreSQL; the data model has neither.
        differences = [d for d in differences if not name_search.outside_the_model(d)]
        assert differences == []
    store.dispose()


# The tracking path writes in bulk through the driver: its error, not SQLAlchemy's
REFUSED = (sa.exc.IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)


def insert_run(conn, run_id: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO runs (id, experiment_id, name, kind, status, start_time) "
            "VALUES (:id, 1, 'r', 'script', 'running', 5)"
        ),
        {"id": run_id},
    )


def test_points_name_runs_that_exist_and_go_with_them(location):
    # Given a store holding a run with a long history (points, rollups) and a short one
    store = Store(location)
    with store.write() as conn:
        conn.execute(sa.text("INSERT INTO experiments (name, created_at) VALUES ('e', 1)"))
        for run_id in ("kept", "gone"):
            insert_run(conn, run_id)
            writes.insert_metrics(conn, run_id, [("loss", 0.5, step, 1) for step in range(3000)])
            writes.insert_metrics(conn, run_id, [("acc", 0.5, 0, 1)])
    # When points name a run the store does not hold, in bulk or one at a time
    for points in ([("loss", 0.5, step, 1) for step in range(3000)], [("acc", 0.5, 0, 1)]):
        with pytest.raises(REFUSED), store.write() as conn:
            writes.insert_metrics(conn, "nowhere", points)
    # Or a rollup row is given to it, or a run that has points is given another id
    for table in ("metrics", "metric_rollups"):
        with pytest.raises(REFUSED), store.write() as conn:
            conn.execute(sa.text(f"UPDATE {table} SET run_id = 'nowhere' WHERE run_id = 'kept'"))
    with pytest.raises(REFUSED), store.write() as conn:
        conn.execute(sa.text("UPDATE runs SET id = 'elsewhere' WHERE id = 'kept'"))
    # Then they are refused; and deleting a run deletes its points and rollups, not others'
    with store.write() as conn:
        conn.execute(sa.text("DELETE FROM runs WHERE id = 'gone'"))
    with store.read() as conn:
        for table in ("metrics", "metric_rollups", "latest_metrics"):
            held = conn.execute(sa.text(f"SELECT DISTINCT run_id FROM {table}")).scalars().all()
            assert held == ["kept"], table
        assert conn.execute(sa.text("SELECT count(*) FROM metrics")).scalar() == 3001
    store.dispose()


def test_store_made_by_an_older_revision_is_upgraded_with_its_data(location):
    # Given a store created by revision 0001 that already holds a run
    engine = sa.create_engine(location.db_url)
    migrate.upgrade(engine, engine.dialect.name, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO experiments (name, created_at) VALUES ('old', 1)"))
        conn.execute(
            sa.text(
                "INSERT INTO runs (id, experiment_id, name, kind, status, start_time) "
                "VALUES ('r1', 1, 'kept', 'script', 'finished', 5)"
            )
        )
    engine.dispose()
    # When the current package opens it
    store = Store(location)
    # Then it is at the newest revision, the query indexes exist, and the run is still there
    with store.read() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        indexes = {index["name"] for index in sa.inspect(conn).get_indexes("runs")}
        assert "ix_runs_start_time" in indexes
        assert conn.execute(sa.text("SELECT name FROM runs WHERE id = 'r1'")).scalar() == "kept"
    store.dispose()


def test_store_from_a_newer_version_is_refused_and_left_untouched(location):
    # Given a store whose schema revision this package does not know
    store = Store(location)
    with store.write() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.dispose()
    # When it is opened, then the error says to upgrade mlops-jlab
    with pytest.raises(StoreVersionError, match=r"newer mlops-jlab.*pip install -U"):
        Store(location)
    # And nothing was changed
    engine = sa.create_engine(location.db_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == "9999_future"


def test_corrupt_sqlite_file_is_reported_and_kept(tmp_path):
    # Given a store file that is not a database
    path = tmp_path / "mlops.sqlite"
    path.write_bytes(b"this is not a sqlite database" * 100)
    # When it is opened, then the error says what to do
    location = StoreLocation(f"sqlite:///{path}", str(tmp_path / "artifacts"), "test")
    with pytest.raises(StoreCorruptError, match="Move the file away"):
        Store(location)
    # And the file is left as it was for the user to inspect
    assert path.read_bytes() == b"this is not a sqlite database" * 100


def test_unreachable_database_says_so(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"
    location = StoreLocation(url, str(tmp_path), "test")
    with pytest.raises(StoreConnectionError, match=r"cannot reach the store.*MLOPS_JLAB_DB_URL"):
        Store(location)


def test_malformed_url_says_what_a_url_looks_like(tmp_path):
    with pytest.raises(StoreConnectionError, match="not a database URL"):
        Store(StoreLocation("not a url", str(tmp_path), "test"))


def test_password_is_masked_in_errors(tmp_path):
    url = f"postgresql+psycopg://alice:s3cret@127.0.0.1:{free_port()}/x"
    with pytest.raises(StoreConnectionError) as raised:
        Store(StoreLocation(url, str(tmp_path), "test"))
    assert "s3cret" not in str(raised.value)


def test_sqlite_store_uses_wal_and_waits_for_locks(tmp_path):
    store = Store(StoreLocation(f"sqlite:///{tmp_path}/m.sqlite", str(tmp_path), "test"))
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    store.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_store_keeps_what_it_is_given(tmp_path, url):
    # Given a store that lives only in this process's memory
    tracker = Tracker(StoreLocation(url, str(tmp_path / "artifacts"), "test"))
    # When a run is recorded and read back through the read side
    with tracker.start_run(name="scratch") as run:
        run.log_metric("acc", 0.5)
    # Then both sides see the one database
    assert list(tracker.runs()["name"]) == ["scratch"]
    assert tracker.get_run(run.id).metrics == {"acc": 0.5}
    tracker.store.dispose()


def test_a_store_folder_that_cannot_be_made_says_so(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'store' / 'mlops.sqlite'}"
    with pytest.raises(StoreConnectionError, match="cannot create the store's folder"):
        Store(StoreLocation(url, str(tmp_path), "test"))
    assert blocker.read_text() == "not a folder"
