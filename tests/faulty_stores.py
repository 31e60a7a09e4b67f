"""Stores that refuse writes or have damaged pages, made for real: a file the user may not
write, a database that refuses writes, a file that cannot grow, garbage over pages."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, StoreLocation
from mlops_jlab.tracking import Tracker

# What a SQLAlchemy error adds to the database's own message: the statement, its
# parameters and a link, over several lines.
DRIVER_WORDS = ("sqlalchemy", "[SQL", "[parameters", "Background on this error", "\n")


def as_a_user() -> list[str]:
    """A command prefix under which file permissions bind: root keeps every privilege but
    the two that override them."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        raise RuntimeError("setpriv (util-linux) is needed to run tests as root")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def python(code: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python process as a user, with ``env`` added."""
    return subprocess.run(
        [*as_a_user(), sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def no_store_variables(monkeypatch) -> None:
    """The test resolves its store from a folder, whatever an earlier test left set."""
    for name in (DB_URL_ENV, ARTIFACTS_ENV):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def sqlite_location(folder: Path, source: str = "test") -> StoreLocation:
    return StoreLocation(
        f"sqlite:///{folder / '.mlops' / 'mlops.sqlite'}",
        str(folder / ".mlops" / "artifacts"),
        source,
    )


def recorded(location: StoreLocation, runs: int = 1) -> Tracker:
    """A store holding ``runs`` finished runs, its connections closed (so its WAL is
    checkpointed into the file)."""
    tracker = Tracker(location)
    for number in range(runs):
        with tracker.start_run(f"r{number}", "kept", code=f"x = {number}\n" * 20) as run:
            run.log_params({"lr": number, "depth": number % 7})
            run.log_metrics({"acc": number / max(runs, 1)})
    tracker.store.dispose()
    return tracker


def capped(store, pages: int | None = None) -> None:
    """Make the store's write connections refuse to grow the file past its size now (what
    a full disk does to SQLite: "database or disk is full"); None lifts the cap."""
    store._write_engine.dispose()
    for listener in getattr(store, "_test_caps", []):
        event.remove(store._write_engine, "connect", listener)
    store._test_caps = []
    if pages is None:
        return

    def cap(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(store._write_engine, "connect", cap)
    store._test_caps.append(cap)


def page_count(store) -> int:
    with store.read() as conn:
        return conn.exec_driver_sql("PRAGMA page_count").scalar_one()


def damage(database: Path, seed: int = 0) -> bytes:
    """Write garbage over four pages in the middle of the file, past their headers, as a
    failing disk or a stray write does; returns the file's bytes after."""
    size = database.stat().st_size
    pages = size // 4096
    rng = random.Random(seed)
    with database.open("r+b") as file:
        for page in range(pages // 2, pages // 2 + 4):
            file.seek(page * 4096 + 100)
            file.write(rng.randbytes(3000))
    return database.read_bytes()


def read_only_postgres_store(postgres_url: str, folder: Path) -> tuple[StoreLocation, str]:
    """A PostgreSQL store holding one run, in a database that then refuses writes (as a
    replica does); returns a location not yet opened in this process, and the run's id."""
    tracker = recorded(StoreLocation(postgres_url, str(folder / "artifacts"), "writable"))
    run_id = tracker.runs()["run_id"][0]
    tracker.store.dispose()
    name = postgres_url.rsplit("/", 1)[1]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    return StoreLocation(postgres_url, str(folder / "artifacts"), "read-only"), run_id
