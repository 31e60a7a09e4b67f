"""Stores that refuse writes (read-only, full) or have damaged pages, on real files and a
real PostgreSQL server: each failure is the package's own error saying what to do, shown at
once (one line under a tracked cell), nothing recorded is lost, and a damaged store is
neither read nor written. ``mlops-jlab check`` and ``mlops-jlab backup``.

Tests run as root, whom file permissions do not stop: the processes that must meet a
read-only file run without the capability that overrides them (``setpriv``), as any user
does.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import mlops_jlab as ml
from mlops_jlab import cli
from mlops_jlab.config import DB_URL_ENV, StoreLocation
from mlops_jlab.errors import StoreCorruptError, StoreFullError, StoreReadOnlyError
from mlops_jlab.tracking import Tracker
from mlops_jlab.tracking import writer as writer_module
from tests.faulty_stores import (
    DRIVER_WORDS,
    as_a_user,
    capped,
    damage,
    no_store_variables,
    page_count,
    python,
    read_only_postgres_store,
    recorded,
    sqlite_location,
)
from tests.kernels import Kernel

# -- a read-only SQLite store -----------------------------------------------------------


@pytest.fixture
def read_only(tmp_path):
    """A project whose store holds one run and whose database file may not be written."""
    location = sqlite_location(tmp_path)
    recorded(location)
    database = Path(location.db_url.removeprefix("sqlite:///"))
    database.chmod(0o444)
    yield tmp_path, location
    database.chmod(0o644)


def test_start_run_on_a_read_only_store_raises_the_packages_error_with_advice(read_only):
    # Given a store whose file the user may not write
    folder, location = read_only
    # When a script starts a run, then reads the store
    code = (
        "import mlops_jlab as ml\n"
        "try:\n"
        "    ml.start_run('refused')\n"
        "except ml.StoreError as exc:\n"
        "    print(type(exc).__name__)\n"
        "    print(exc)\n"
        "print(len(ml.runs()))\n"
    )
    done = python(code, folder, location.environment())
    # Then it is refused with the package's own error, which says what to do, in one line
    assert done.returncode == 0, done.stderr
    kind, message, count = done.stdout.strip().splitlines()
    assert kind == "StoreReadOnlyError"
    assert message.startswith(f"the store at '{location.db_url}' is read-only")
    assert "get write access to its file and to the folder holding it" in message
    assert not any(word in message for word in DRIVER_WORDS)
    # And what the store held can still be read
    assert count == "1"


def test_a_store_in_a_folder_the_user_may_not_write_says_so_when_opened(read_only):
    # Given a store whose folder may not be written either (SQLite cannot make its journal)
    folder, location = read_only
    store_folder = folder / ".mlops"
    store_folder.chmod(0o555)
    try:
        # When a script reads it
        code = (
            "import mlops_jlab as ml\n"
            "try:\n"
            "    ml.runs()\n"
            "except ml.StoreError as exc:\n"
            "    print(type(exc).__name__, exc)\n"
        )
        done = python(code, folder, location.environment())
    finally:
        store_folder.chmod(0o755)
    # Then it says the store is read-only and what to do, not that a server is down
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("StoreReadOnlyError the store at")
    assert "read-only" in done.stdout and "the folder holding it" in done.stdout


def test_a_tracked_cell_on_a_read_only_store_says_so_at_once_in_one_line(read_only):
    # Given a kernel whose user may not write the store
    folder, location = read_only
    kernel = Kernel(folder, location.environment(), prefix=as_a_user())
    try:
        assert kernel.run("%load_ext mlops_jlab\nimport mlops_jlab as ml").status == "ok"
        # When a tracked cell runs
        shown = kernel.run("%%track --name refused\nz = 41 + 1\nprint(z)")
        # Then the cell does its work, and one line under it says why it is not recorded
        assert shown.status == "ok" and shown.stdout == "42\n"
        lines = shown.stderr.strip().splitlines()
        assert len(lines) == 1, shown.stderr
        assert lines[0].startswith("mlops-jlab: this cell runs untracked: the store at")
        assert "is read-only" in lines[0] and "get write access" in lines[0]
        assert not any(word in lines[0] for word in DRIVER_WORDS)
        # And start_run raises the same error, while flush has nothing to write
        started = kernel.run("ml.start_run('by hand')")
        assert started.error["ename"] == "StoreReadOnlyError"
        assert kernel.run("ml.flush()").status == "ok"
        # And the next tracked cell says so again, no more
        again = kernel.run("%%track\nz = 1")
        assert len(again.stderr.strip().splitlines()) == 1
    finally:
        kernel.stop()
    # And the store holds what it held
    assert list(Tracker(sqlite_location(folder, "after")).runs()["name"]) == ["r0"]


# -- a read-only PostgreSQL store -------------------------------------------------------


@pytest.fixture
def read_only_postgres(postgres_url, tmp_path):
    return read_only_postgres_store(postgres_url, tmp_path)


@pytest.mark.postgres
def test_a_read_only_postgres_store_refuses_runs_at_once_and_still_reads(read_only_postgres):
    location, _run_id = read_only_postgres
    tracker = Tracker(location)
    try:
        # When a run is started, and a tracked cell's run
        with pytest.raises(StoreReadOnlyError, match="is read-only") as raised:
            tracker.start_run("refused")
        with pytest.raises(StoreReadOnlyError):
            tracker.start_run("cell", kind="cell", buffered=True)
        # Then the message says why the database refuses and what to do
        assert "read-only replica" in str(raised.value)
        assert not any(word in str(raised.value) for word in DRIVER_WORDS)
        # And what it holds reads as before
        assert list(tracker.runs()["name"]) == ["r0"]
    finally:
        tracker.store.dispose()


# -- a full disk ------------------------------------------------------------------------


def test_a_full_store_refuses_runs_with_advice_and_loses_nothing_queued(tmp_path):
    # Given a store that cannot grow (SQLite's own "database or disk is full")
    tracker = recorded(sqlite_location(tmp_path))
    store = tracker.store
    capped(store, page_count(store))
    failures = []

    def listener(run, error):
        failures.append((run.name, error))

    writer_module.on_write_failure(listener)
    try:
        # When a run with a lot of code is started
        with pytest.raises(StoreFullError, match="is full") as raised:
            tracker.start_run("big", code="x = 1\n" * 200_000)
        assert "free space on the disk holding it" in str(raised.value)
        # And a tracked cell's run is queued and flushed
        cell = tracker.start_run("cell", kind="cell", buffered=True, code="y = 2\n" * 200_000)
        cell.log_metrics({"acc": 0.5})
        cell.end(wait=False)
        with pytest.raises(StoreFullError, match="a tracked run is not written yet"):
            ml.flush()
        # Then whoever listens hears of it once, as it happens
        assert [(name, type(error)) for name, error in failures] == [("cell", StoreFullError)]
        # And once there is room, the queued run is written whole
        capped(store, None)
        ml.flush()
        stored = tracker.get_run(cell.id)
        assert stored.status == "finished" and stored.metrics == {"acc": 0.5}
        assert stored.code.count("y = 2") == 200_000
    finally:
        writer_module.remove_write_failure_listener(listener)
        capped(store, None)
        store.dispose()


@pytest.fixture
def full_kernel(tmp_path):
    """A kernel on a store that holds one run and cannot grow."""
    location = sqlite_location(tmp_path)
    recorded(location)
    kernel = Kernel(tmp_path, {**location.environment(), "JPY_SESSION_NAME": "full.ipynb"})
    setup = (
        "%load_ext mlops_jlab\nimport mlops_jlab as ml\nfrom sqlalchemy import event\n"
        "store = ml.get_tracker().store\n"
        "with store.read() as conn:\n"
        "    pages = conn.exec_driver_sql('PRAGMA page_count').scalar()\n"
        "def cap(connection, _record):\n"
        "    connection.execute(f'PRAGMA max_page_count={pages}')\n"
        "event.listen(store._write_engine, 'connect', cap)\n"
        "store._write_engine.dispose()\n"
    )
    assert kernel.run(setup).status == "ok"
    yield kernel, location
    kernel.stop()


def test_a_full_disk_is_said_under_the_cell_that_could_not_be_recorded(full_kernel):
    kernel, location = full_kernel
    # When a tracked cell runs whose run does not fit
    body = "".join(f"v{number} = {number}\n" for number in range(20_000))
    shown = kernel.run(f"%%track --name too-big\n{body}print('done')")
    assert shown.status == "ok" and shown.stdout == "done\n"
    # Then, as soon as the background writer fails, one line under that cell says why
    said = kernel.later_stderr(shown, "is full").strip().splitlines()
    assert len(said) == 1, said
    assert said[0].startswith("mlops-jlab: run 'too-big' is not recorded yet: the store at")
    assert "free space on the disk holding it" in said[0]
    assert "kept in this kernel" in said[0]
    assert not any(word in said[0] for word in DRIVER_WORDS)
    # And flush raises the same error
    flushed = kernel.run("ml.flush()")
    assert flushed.error["ename"] == "StoreFullError"
    # And once there is room the run is written whole: nothing was lost
    lifted = kernel.run(
        "event.remove(store._write_engine, 'connect', cap)\nstore._write_engine.dispose()\n"
        "ml.flush()"
    )
    assert lifted.status == "ok", lifted.outputs
    stored = Tracker(location).runs("name = 'too-big'")
    assert len(stored) == 1 and stored["params.v19999"][0] == "19999"


# -- damaged pages ----------------------------------------------------------------------


@pytest.fixture
def damaged(tmp_path):
    """A project whose store of 300 runs has garbage in the middle of its file."""
    location = sqlite_location(tmp_path)
    recorded(location, runs=300)
    database = tmp_path / ".mlops" / "mlops.sqlite"
    return tmp_path, database, damage(database)


def test_a_damaged_store_is_neither_read_nor_written(damaged):
    folder, database, garbled = damaged
    tracker = Tracker(sqlite_location(folder, "opened after the damage"))
    # When its runs are asked for, and a run is started
    with pytest.raises(StoreCorruptError) as read:
        tracker.runs()
    with pytest.raises(StoreCorruptError):
        tracker.start_run("into the damage")
    # Then the error says what to do, and the file was not written
    assert "is damaged" in str(read.value)
    assert "mlops-jlab check" in str(read.value) and ".recover" in str(read.value)
    assert database.read_bytes() == garbled
    tracker.store.dispose()


def test_damage_that_happens_while_a_store_is_open_surfaces_when_a_read_meets_it(tmp_path):
    # Given a store opened and read, whose file is then damaged
    tracker = recorded(sqlite_location(tmp_path), runs=300)
    assert len(tracker.runs()) == 300
    tracker.store.dispose()
    database = tmp_path / ".mlops" / "mlops.sqlite"
    damage(database)
    # When it is read again
    with pytest.raises(StoreCorruptError, match="is damaged") as raised:
        tracker.runs()
    # Then SQLite's "malformed" is the package's error, and nothing more is written into it
    assert "malformed" in str(raised.value)
    with pytest.raises(StoreCorruptError):
        tracker.start_run("into the damage")
    tracker.store.dispose()


def test_check_finds_the_damage_and_says_what_to_do(damaged, capsys, monkeypatch):
    no_store_variables(monkeypatch)
    folder, _database, _garbled = damaged
    # When the store is checked
    code = cli.main(["check", str(folder)])
    out = capsys.readouterr().out
    # Then it fails, naming the damage and what to do
    assert code == 1
    assert "pages: DAMAGED: SQLite's integrity_check found" in out
    assert "On tree page" in out
    assert "restore your latest backup" in out and ".recover" in out


def test_check_of_a_sound_store_says_ok(tmp_path, capsys, monkeypatch):
    no_store_variables(monkeypatch)
    recorded(sqlite_location(tmp_path), runs=3)
    assert cli.main(["check", str(tmp_path)]) == 0
    assert "pages: ok (SQLite's integrity_check" in capsys.readouterr().out


@pytest.mark.postgres
def test_check_of_a_postgres_store_says_postgres_checks_its_own_pages(
    postgres_url, tmp_path, capsys, monkeypatch
):
    no_store_variables(monkeypatch)
    monkeypatch.setenv(DB_URL_ENV, postgres_url)
    assert cli.main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "pages: not checked here: PostgreSQL checks each page as it reads it" in out


def test_check_runs_its_steps_in_order_and_skips_writing_ones_after_a_problem(
    damaged, capsys, monkeypatch
):
    # Given a second step that would write into the store
    no_store_variables(monkeypatch)
    folder, _database, _garbled = damaged
    ran = []

    def writing(location):
        ran.append(location)
        return cli.Finding(True, ["wrote"])

    monkeypatch.setattr(
        cli, "CHECK_STEPS", [*cli.CHECK_STEPS, cli.CheckStep("mark", writing, True)]
    )
    # When the damaged store is checked
    assert cli.main(["check", str(folder)]) == 1
    # Then the writing step did not run, and says so
    assert ran == []
    assert "mark: skipped (it writes into the store, which has problems)" in capsys.readouterr().out


# -- backup -----------------------------------------------------------------------------


def test_backup_copies_a_store_in_use_into_a_sound_store(tmp_path, capsys, monkeypatch):
    # Given a store that a thread keeps writing runs into
    no_store_variables(monkeypatch)
    project = tmp_path / "project"
    tracker = recorded(sqlite_location(project), runs=50)
    stop = threading.Event()

    def keep_writing():
        number = 0
        while not stop.is_set():
            with tracker.start_run(f"meanwhile {number}", "live"):
                number += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        # When it is backed up into a folder
        (tmp_path / "backups").mkdir()
        code = cli.main(["backup", str(tmp_path / "backups"), str(project)])
    finally:
        stop.set()
        writer.join()
        tracker.store.dispose()
    out = capsys.readouterr().out
    # Then the copy is one file that opens as a sound store with the runs of that moment
    assert code == 0, out
    (copy,) = (tmp_path / "backups").iterdir()
    assert copy.name.startswith("mlops-") and copy.suffix == ".sqlite"
    assert "copy" in out and "artifacts" in out
    restored = Tracker(StoreLocation(f"sqlite:///{copy}", str(tmp_path / "a"), "restored"))
    names = set(restored.runs()["name"])
    assert {f"r{number}" for number in range(50)} <= names
    restored.store.dispose()
    assert cli.main(["check", str(project)]) == 0
    # And a second backup to the same file is refused rather than overwriting it
    assert cli.main(["backup", str(copy), str(project)]) == 2


@pytest.mark.postgres
def test_backup_of_a_postgres_store_says_how_pg_dump_does_it(
    postgres_url, tmp_path, capsys, monkeypatch
):
    no_store_variables(monkeypatch)
    monkeypatch.setenv(DB_URL_ENV, postgres_url.replace("postgres@", "postgres:secret@"))
    code = cli.main(["backup", str(tmp_path / "dump"), str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "pg_dump --format=custom --file" in out and "pg_restore" in out
    assert "secret" not in out
