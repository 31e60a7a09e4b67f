"""Cancelling a read from another thread: whoever holds a :class:`Cancel` stops the
statement the read is running (SQLite's ``interrupt()``, PostgreSQL's cancel request), and
no further statement of the read starts. A REST handler cancels this way the query of a
request whose client went away, so a scan nobody waits for does not run to its end.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mlops_jlab.errors import RequestCancelledError

# Where a connection that reads for a cancellable read keeps its Cancel (Connection.info).
CANCEL_KEY = "mlops_jlab_cancel"
# SQLite: the statement checks whether it is cancelled every this many virtual machine
# steps (tens of microseconds), so a cancel that comes as it starts stops it too.
PROGRESS_STEPS = 10_000
# PostgreSQL: a cancel that reaches the server before the statement does is lost; it is
# sent again this often until the read lets go of its connection.
RESEND_SECONDS = 0.2
# The cancellable reads holding a connection now, for whoever watches them (the tests).
_holding: set[Cancel] = set()
_holding_lock = threading.Lock()


class Cancel:
    """A handle that cancels one read, from any thread, at any time (before, during or
    after it); see :meth:`mlops_jlab.store.Store.read`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._connection: Any = None  # the driver's connection while the read holds it
        self._released = threading.Event()
        self.interrupted = False  # cancel() came while the read held a connection
        self.stopped = False  # the read ended because it was cancelled

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the read: its running statement is interrupted, and none other starts.
        With PostgreSQL this waits until the read lets go of its connection: call it off
        an event loop."""
        with self._lock:
            self._cancelled = True
            connection = self._connection
            self.interrupted = connection is not None
        if connection is None:
            return
        if isinstance(connection, sqlite3.Connection):
            # Safe from any thread; a statement about to start meets the progress handler.
            connection.interrupt()
            return
        while True:
            # Under the lock: the read's end (and its rollback) waits for a cancel on its way.
            with self._lock:
                if self._connection is None:
                    return
                _cancel_postgresql(connection)
            if self._released.wait(RESEND_SECONDS):
                return

    def check(self) -> None:
        """Raise RequestCancelledError once :meth:`cancel` was called."""
        if self._cancelled:
            raise RequestCancelledError("the read was cancelled before it finished")

    @contextmanager
    def holding(self, connection: Any) -> Iterator[None]:
        """The read runs on the driver's ``connection`` meanwhile (refused if cancelled)."""
        with self._lock:
            self.check()
            self._connection = connection
        sqlite = isinstance(connection, sqlite3.Connection)
        if sqlite:
            connection.set_progress_handler(self._stop_statement, PROGRESS_STEPS)
        with _holding_lock:
            _holding.add(self)
        try:
            yield
        except BaseException:
            self.stopped = self._cancelled
            raise
        finally:
            with self._lock:
                self._connection = None
                self._released.set()
            if sqlite:
                connection.set_progress_handler(None, 0)
            with _holding_lock:
                _holding.discard(self)

    def _stop_statement(self) -> int:
        return int(self._cancelled)


def _cancel_postgresql(connection: Any) -> None:
    import psycopg  # only PostgreSQL's connections come here

    # cancel_safe() (psycopg 3.2+) does not block other threads while it waits. A server
    # that cannot be asked leaves the statement to run to its end, and no other starts.
    stop = getattr(connection, "cancel_safe", None) or connection.cancel
    with contextlib.suppress(psycopg.Error):
        stop()


def reads_in_progress() -> list[Cancel]:
    """The cancellable reads of this process that hold a connection now."""
    with _holding_lock:
        return list(_holding)


def refuse_cancelled(conn: Any, *_statement: Any) -> None:
    """A ``before_cursor_execute`` hook: a cancelled read starts no further statement."""
    cancel = conn.info.get(CANCEL_KEY)
    if cancel is not None:
        cancel.check()


__all__ = ["CANCEL_KEY", "Cancel", "reads_in_progress", "refuse_cancelled"]
