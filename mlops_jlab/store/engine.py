"""Opening a store: engines, SQLite pragmas, schema migrations on open, clear errors.

SQLite writers take the write lock at ``BEGIN IMMEDIATE`` so that two writers never
deadlock on a lock upgrade (which SQLite reports as "database is locked" at once,
without waiting); readers use plain deferred transactions, which WAL never blocks.

Every failure of the database in a read or a write becomes the package's own error with
advice (:mod:`~mlops_jlab.store.failures`), and a SQLite store's pages are checked once per
process, before its first read or write (:mod:`~mlops_jlab.store.integrity`): a damaged
store is neither read, which would answer with whatever the damage left, nor written.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.pool import StaticPool

from mlops_jlab.config import StoreLocation, resolve_store
from mlops_jlab.errors import (
    RequestCancelledError,
    StoreConnectionError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreVersionError,
)
from mlops_jlab.store import integrity, migrate
from mlops_jlab.store.cancel import CANCEL_KEY, Cancel, refuse_cancelled
from mlops_jlab.store.failures import DRIVER_ERRORS, store_failure

SQLITE_BUSY_TIMEOUT_MS = 60_000


def _sqlite_engine(url: str, immediate: bool, in_memory: bool = False) -> Engine:
    if in_memory:
        # Each connection to :memory: is a database of its own: the store keeps exactly one.
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Filters mean the same on SQLite as on PostgreSQL: LIKE minds case, and ILIKE's
        # lower() folds every letter, not just ASCII.
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _lower(text: object) -> object:
    return text.lower() if isinstance(text, str) else text


def _one_line(error: object) -> str:
    return " ".join(str(error).split()).rstrip(".")


def mask_url(url: str) -> str:
    """The URL with any password hidden, for messages and the status endpoint."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _make_parent(database: str) -> None:
    folder = Path(database).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreConnectionError(
            f"cannot create the store's folder {str(folder)!r} ({exc.strerror}); choose a "
            "folder you can write to (MLOPS_JLAB_DB_URL or set_store)"
        ) from exc


class Store:
    """An open store: a write engine, a read engine and the artifact root.

    Use :meth:`write` for a short write transaction and :meth:`read` for queries.
    """

    def __init__(self, location: StoreLocation):
        self.location = location
        self.url = location.db_url
        # The pages' check: once per process, before the first read or write.
        self.damage: str | None = None
        self._checked = False
        self._check_lock = threading.Lock()
        self._writable = False
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise StoreConnectionError(
                f"'{self.url}' is not a database URL; set MLOPS_JLAB_DB_URL to a SQLAlchemy URL "
                "such as sqlite:////path/to/mlops.sqlite or postgresql+psycopg://user@host/db"
            ) from exc
        self.kind = parsed.get_backend_name()
        self._checked = self.kind != "sqlite" or parsed.database in (None, "", ":memory:")
        try:
            if self.kind == "sqlite" and parsed.database in (None, "", ":memory:"):
                self._write_engine = _sqlite_engine(self.url, immediate=True, in_memory=True)
                self._read_engine = self._write_engine
            elif self.kind == "sqlite":
                _make_parent(parsed.database)
                self._write_engine = _sqlite_engine(self.url, immediate=True)
                self._read_engine = _sqlite_engine(self.url, immediate=False)
            else:
                # JIT compiling takes seconds on the recursive lineage walks that run in
                # milliseconds; no query of the store is long enough to win it back.
                self._write_engine = sa.create_engine(
                    self.url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}
                )
                self._read_engine = self._write_engine
            event.listen(self._read_engine, "before_cursor_execute", refuse_cancelled)
        except NoSuchModuleError as exc:
            raise StoreConnectionError(
                f"no driver for '{mask_url(self.url)}'; for PostgreSQL install "
                "'mlops-jlab[postgres]' and use a postgresql+psycopg:// URL"
            ) from exc
        except ModuleNotFoundError as exc:
            raise StoreConnectionError(
                f"the driver for '{mask_url(self.url)}' is not installed ({exc.name}); "
                "install 'mlops-jlab[postgres]' for PostgreSQL"
            ) from exc
        self._open()

    def _open(self) -> None:
        try:
            with self._read_engine.connect() as conn:
                current = migrate.current_revision(conn)
            if current != migrate.HEAD:
                migrate.upgrade(self._write_engine, self.kind)
        except StoreError:
            self.dispose()
            raise
        except DBAPIError as exc:
            self.dispose()
            failure = store_failure(exc, repr(mask_url(self.url)))
            # A file that is no database at all is better moved away than "checked".
            not_a_database = "file is not a database" in str(exc.orig)
            if isinstance(failure, (StoreReadOnlyError, StoreFullError, StoreCorruptError)) and (
                not not_a_database
            ):
                raise failure from None
            raise self._unopened(exc) from exc

    def _unopened(self, exc: DBAPIError) -> StoreError:
        if isinstance(exc, OperationalError):
            return StoreConnectionError(
                f"cannot reach the store at '{mask_url(self.url)}': {_one_line(exc.orig)}. "
                "Check that the database server is running and the URL (MLOPS_JLAB_DB_URL) "
                "is right"
            )
        return StoreCorruptError(
            f"'{mask_url(self.url)}' is not a database mlops-jlab can read "
            f"({_one_line(exc.orig)}). "
            "Move the file away to start a new store, or point MLOPS_JLAB_DB_URL elsewhere"
        )

    @contextmanager
    def _failures(self, cancel: Cancel | None = None) -> Iterator[None]:
        """The database's refusals as the package's errors, with advice (a statement
        stopped by ``cancel`` as RequestCancelledError)."""
        try:
            yield
        except DRIVER_ERRORS as exc:
            if cancel is not None and cancel.cancelled:
                raise RequestCancelledError("the read was cancelled while it ran") from None
            failure = store_failure(exc, repr(mask_url(self.url)))
            if failure is None:
                raise
            if isinstance(failure, StoreCorruptError):
                self.damage = str(failure)
            # The driver's error, with its SQL, stays reachable as __context__ but is not
            # shown: the message says what happened and what to do.
            raise failure from None

    def verify(self) -> None:
        """Check the store's pages, once per process (SQLite's quick_check); raise
        StoreCorruptError if they are damaged. Reads and writes call it first."""
        if not self._checked:
            with self._check_lock:
                if not self._checked:
                    with self._failures(), self._read_engine.connect() as conn:
                        found = integrity.damage(conn)
                    if found:
                        self.damage = integrity.damage_message(repr(mask_url(self.url)), found)
                    self._checked = True
        if self.damage is not None:
            raise StoreCorruptError(self.damage)

    def verify_in_background(self) -> None:
        """Start checking the store's pages on a thread of its own, so that the first read
        or write finds the check done (a large store takes seconds)."""
        if not self._checked:
            threading.Thread(
                target=self._verify_quietly, name="mlops-store-check", daemon=True
            ).start()

    def _verify_quietly(self) -> None:
        with contextlib.suppress(StoreError):  # said by the read or write that meets it
            self.verify()

    def check_writable(self) -> None:
        """Raise now, not at the first write, if the store refuses writes (read-only
        file or database, a user who may only read). Once per process: a write that fails
        later still raises."""
        if self.damage is not None:
            raise StoreCorruptError(self.damage)
        if self._writable:
            return
        probe = sa.text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")
        with self._failures(), self._write_engine.begin() as conn:
            conn.execute(probe)  # takes the write lock, writes nothing
        self._writable = True

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A short write transaction: committed on success, rolled back on error.

        Raises
        ------
        StoreReadOnlyError, StoreFullError, StoreCorruptError, StoreConnectionError
            When the database refuses, with a message that says what to do.
        """
        self.verify()
        with self._failures(), self._write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self, cancel: Cancel | None = None) -> Iterator[Connection]:
        """A read-only snapshot for queries (raises as :meth:`write` does).

        ``cancel``, if given, stops the read from another thread: the statement running
        is interrupted and no further one starts (RequestCancelledError); the transaction
        is rolled back and the connection goes back to the pool, fit for the next read.
        """
        self.verify()
        with self._failures(cancel), self._read_engine.connect() as conn:
            if cancel is None:
                yield conn
                return
            with cancel.holding(conn.connection.dbapi_connection):
                conn.info[CANCEL_KEY] = cancel
                try:
                    yield conn
                finally:
                    del conn.info[CANCEL_KEY]

    def dispose(self) -> None:
        """Close every pooled connection (before a fork, or when done with the store)."""
        self._write_engine.dispose()
        self._read_engine.dispose()

    def __repr__(self) -> str:
        return f"Store({mask_url(self.url)!r})"


_open_stores: dict[StoreLocation, Store] = {}
_open_lock = threading.Lock()


def _forget_parent_connections() -> None:
    # A forked child (multiprocessing, a job runner) must not reuse its parent's database
    # connections; dispose(close=False) drops them without closing the parent's.
    for store in _open_stores.values():
        store._write_engine.dispose(close=False)
        store._read_engine.dispose(close=False)
        store._check_lock = threading.Lock()  # a thread of the parent's may have held it


os.register_at_fork(after_in_child=_forget_parent_connections)


def open_store(location: StoreLocation | None = None) -> Store:
    """Open (once per process) the store at ``location``, or the one resolved from here.

    Raises
    ------
    StoreConnectionError, StoreCorruptError, StoreVersionError
        With a message that says what to do.
    """
    location = location or resolve_store()
    with _open_lock:
        store = _open_stores.get(location)
        if store is None:
            store = Store(location)
            _open_stores[location] = store
        return store


__all__ = ["Store", "StoreVersionError", "mask_url", "open_store"]
