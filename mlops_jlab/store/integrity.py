"""Whether a store's pages are sound, and a copy of it taken while it is in use.

SQLite reads damaged pages without complaint until a query happens to walk into one, so a
damaged store can answer with some of its runs missing. Its own checks find the damage:
``PRAGMA quick_check`` (every page and record, linear in the file's size: about three
seconds per gigabyte) when a store is opened, ``PRAGMA integrity_check`` (indexes against
their tables too) from ``mlops-jlab check``. PostgreSQL checks its pages as it reads them.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from mlops_jlab.errors import StoreCorruptError, StoreError
from mlops_jlab.store.failures import CORRUPT_ADVICE

MAX_PROBLEMS = 20


def _pragma(thorough: bool) -> str:
    return f"PRAGMA {'integrity_check' if thorough else 'quick_check'}({MAX_PROBLEMS})"


def _findings(rows: list) -> list[str]:
    # One finding a line; SQLite may put several in one row, under a "*** in database" head.
    found = [
        line.strip()
        for row in rows
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    return [] if found == ["ok"] else found[:MAX_PROBLEMS]


def damage(conn: Connection, thorough: bool = False) -> list[str]:
    """SQLite's findings on the store behind ``conn`` (an empty list when it is sound):
    ``quick_check``, or ``integrity_check`` when ``thorough``."""
    try:
        return _findings(conn.exec_driver_sql(_pragma(thorough)).all())
    except DBAPIError as exc:  # damage in the schema's own pages stops the check itself
        return [" ".join(str(exc.orig).split())]


def _read_only(database: str | Path) -> sqlite3.Connection:
    """A connection that never creates or changes the file it opens."""
    return sqlite3.connect(f"file:{urllib.parse.quote(str(database))}?mode=ro", uri=True)


def check_file(database: Path, thorough: bool = True) -> list[str]:
    """SQLite's findings on the file ``database`` (an empty list when it is sound), read
    without going through a store, which refuses damaged ones.

    Raises
    ------
    StoreError
        If there is no such file or it cannot be opened.
    """
    if not database.is_file():
        raise StoreError(f"there is no store at {str(database)!r}")
    try:
        conn = _read_only(database)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {str(database)!r} to check it ({exc})") from None
    try:
        return _findings(conn.execute(_pragma(thorough)).fetchall())
    except sqlite3.DatabaseError as exc:  # not a database, or its schema's pages damaged
        return [" ".join(str(exc).split())]
    finally:
        conn.close()


def damage_message(where: str, found: list[str]) -> str:
    more = f", and {len(found) - 1} more findings" if len(found) > 1 else ""
    return f"the store at {where} is damaged ({found[0]}{more}): {CORRUPT_ADVICE}"


def backup_sqlite(database: str, destination: Path) -> int:
    """Copy a SQLite store to ``destination`` with SQLite's online backup: writers go on
    meanwhile and the copy is the store as of one moment. Returns its size in bytes.

    Raises
    ------
    StoreError
        If the destination exists or cannot be written.
    StoreCorruptError
        If the store's pages cannot be read.
    """
    if destination.exists():
        raise StoreError(
            f"{str(destination)!r} exists; a backup never overwrites a file: name a new one"
        )
    partial = destination.with_name(destination.name + ".partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        source = _read_only(database)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
                # One self-contained file, not one that needs its WAL files beside it.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        partial.replace(destination)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise StoreCorruptError(
            f"the store at {database!r} could not be copied ({exc}): {CORRUPT_ADVICE}"
        ) from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(
            f"cannot write the backup {str(destination)!r} ({exc.strerror or exc}); choose a "
            "folder you can write to"
        ) from None
    return destination.stat().st_size
