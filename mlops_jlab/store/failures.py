"""What a database's refusal means for the user: the package's own error, with advice.

The drivers raise errors that carry SQL text and parameters; a user needs to know what
happened to the store (it is read-only, its disk is full, its pages are damaged, its server
is gone) and what to do. Errors that are mistakes of mlops-jlab itself (a constraint, a
syntax error) are not translated: they stay bugs, reported as such.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

from mlops_jlab.errors import (
    StoreConnectionError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
)

RESTORE_ADVICE = (
    "restore your latest backup (`mlops-jlab backup DEST` makes one), or salvage what can "
    "be read into a new file (`sqlite3 mlops.sqlite .recover | sqlite3 recovered.sqlite`) "
    "and point MLOPS_JLAB_DB_URL at it"
)
CORRUPT_ADVICE = (
    f"run `mlops-jlab check` to see the damage, then {RESTORE_ADVICE}; nothing more is "
    "written into a damaged store"
)

# SQLite's primary result codes (extended codes such as SQLITE_READONLY_DIRECTORY start with
# them) and the messages SQLite gives for them, for Pythons whose errors carry no code.
_SQLITE = {
    "SQLITE_READONLY": ("readonly database", StoreReadOnlyError),
    "SQLITE_FULL": ("database or disk is full", StoreFullError),
    "SQLITE_CORRUPT": ("malformed", StoreCorruptError),
    "SQLITE_NOTADB": ("file is not a database", StoreCorruptError),
    "SQLITE_CANTOPEN": ("unable to open database file", StoreConnectionError),
    "SQLITE_IOERR": ("disk i/o error", StoreError),
    "SQLITE_BUSY": ("database is locked", StoreError),
}
# PostgreSQL's SQLSTATE codes, by their class where the whole class means one thing.
_POSTGRES = {
    "25006": StoreReadOnlyError,  # read_only_sql_transaction: a replica, a read-only default
    "42501": StoreReadOnlyError,  # insufficient_privilege: a user who may only read
    "53100": StoreFullError,  # disk_full
    "XX001": StoreCorruptError,  # data_corrupted
    "XX002": StoreCorruptError,  # index_corrupted
    "08": StoreConnectionError,  # connection exceptions
    "57P": StoreConnectionError,  # the server shut down or is starting
}


def _one_line(error: object) -> str:
    return " ".join(str(error).split()).rstrip(".")


# What a store's database raises: SQLAlchemy's wrapper, or SQLite's own error where the
# tracking path writes through the driver's cursor.
DRIVER_ERRORS = (DBAPIError, sqlite3.Error)


def _driver(error: Exception) -> Exception:
    return error.orig if isinstance(error, DBAPIError) else error


def _kind(error: Exception) -> type[StoreError] | None:
    driver = _driver(error)
    name = getattr(driver, "sqlite_errorname", None)
    if isinstance(driver, sqlite3.Error):
        text = str(driver).lower()
        for code, (message, kind) in _SQLITE.items():
            # By the code where Python gives it (3.11+): "malformed JSON" is no damage.
            if name.startswith(code) if name else message in text:
                return kind
        return None
    state = getattr(driver, "sqlstate", None) or ""
    for prefix, kind in _POSTGRES.items():
        if state.startswith(prefix):
            return kind
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return StoreConnectionError
    return None


def _explained(kind: type[StoreError], where: str, sqlite: bool) -> tuple[str, str]:
    """What happened to the store, and what to do about it."""
    if kind is StoreReadOnlyError and sqlite:
        return f"the store at {where} is read-only", (
            "get write access to its file and to the folder holding it (SQLite writes its "
            "journal beside the file), or point MLOPS_JLAB_DB_URL (or ml.set_store) at a "
            "store you can write"
        )
    if kind is StoreReadOnlyError:
        return f"the store at {where} is read-only", (
            "the database refuses writes (a read-only replica, default_transaction_read_only, "
            "or a user without write rights); use the primary server or a user that may write"
        )
    if kind is StoreFullError:
        room = "the disk holding it" if sqlite else "the database server's disk"
        return f"the store at {where} is full", f"free space on {room}, then try again"
    if kind is StoreCorruptError:
        return f"the store at {where} is damaged", CORRUPT_ADVICE
    if kind is StoreConnectionError:
        return f"cannot reach the store at {where}", (
            "check that the database server is running, the file's folder exists and the URL "
            "(MLOPS_JLAB_DB_URL) is right"
        )
    return f"the store at {where} failed", "check the disk and the database, then try again"


def store_failure(error: Exception, where: str) -> StoreError | None:
    """The package's error for a database error, or None when it is not the store's
    failure but a mistake of the code that ran the statement.

    Parameters
    ----------
    error
        What SQLAlchemy (or SQLite's driver) raised.
    where
        The store, as messages name it (its URL without password).
    """
    kind = _kind(error)
    if kind is None:
        return None
    driver = _driver(error)
    happened, remedy = _explained(kind, where, isinstance(driver, sqlite3.Error))
    if getattr(driver, "sqlite_errorname", "").startswith("SQLITE_BUSY"):
        remedy = (
            "another process has held its write lock for over a minute (a long transaction, "
            "or a process stopped while writing): try again, or end that process"
        )
    # What the database said, in one line, between what happened and what to do.
    return kind(f"{happened} ({_one_line(driver)}): {remedy}")
