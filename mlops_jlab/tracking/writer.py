"""The background writer: tracked cells answer before their records are written; this
thread writes them, together, once the kernel is idle."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from mlops_jlab.errors import MlopsError, StoreError
from mlops_jlab.rules import HEARTBEAT_SECONDS

if TYPE_CHECKING:
    from mlops_jlab.tracking.active_run import ActiveRun

# A buffered run writes what it collected at least this often, so a long cell shows progress.
FLUSH_SECONDS = 2.0
# An ended cell's last write is made once the kernel has been idle this long ...
WRITE_DELAY = 0.05
# ... or, when cells run one after another, together with the next ones' this much later.
BATCH_SECONDS = 1.0
# For this long after a cell ended, the writer looks every WRITE_DELAY whether a write is
# due, so that the end of the next cell need not wake it: a thread woken as a cell answers
# takes the interpreter from it, which on a busy machine costs the cell milliseconds.
ACTIVE_SECONDS = 30.0
# A run holding this many metric points not yet written has them written at once, while
# its cell runs: a long history is written in chunks, so little is left when the cell ends.
CHUNK_POINTS = 10_000


def write_runs(writes: list[tuple[ActiveRun, Callable[[Connection], None] | None]]) -> None:
    """Each run's buffered writes, then its last write, in one transaction (the runs share
    a store). If it fails, every run forgets what the transaction taught it and keeps its
    buffered writes, so that nothing recorded is lost."""
    runs = [run for run, _last in writes]
    trackers = {id(run.tracker): run.tracker for run in runs}.values()
    for tracker in trackers:  # profiles are made before the transaction, holding no lock
        tracker.describe_drafts()
    with contextlib.ExitStack() as locks:
        for run in runs:
            locks.enter_context(run._written)
        saved = [run._saved() for run in runs]
        try:
            with runs[0].tracker.store.write() as conn:
                for run, last in writes:
                    run._write_into(conn, last)
        except BaseException:
            for run, state in zip(runs, saved, strict=True):
                run._restore(state)
            runs[0].tracker.forget_ids()
            raise
    for tracker in trackers:
        tracker.settle()


class Flusher:
    """One thread that writes what buffered runs collected: every FLUSH_SECONDS for long
    ones, so a cell that runs for minutes shows up while it runs, and the last writes of
    ended ones while the kernel is idle, so a cell's answer does not wait for the database
    (a thread per cell would cost every short cell a thread start). It also keeps the
    heartbeat of every running run of the process, so that one left running by a process
    that is gone can be told from one that runs (:mod:`mlops_jlab.store.crashes`).

    Cells run one after another (Run All) leave the kernel no idle time: their last writes
    wait, at most BATCH_SECONDS, and are then made together, in one transaction, because a
    commit costs more than a short cell's rows.
    """

    _runs: dict[ActiveRun, float] = {}  # this process's runs running, and when last written
    _ended: list[ActiveRun] = []  # their last write queued, in order
    _oldest = 0.0  # when the oldest queued last write was queued
    _last_end = 0.0  # when a buffered run last ended
    _wakes_at = 0.0  # when the writer's thread wakes by itself next
    errors: dict[str, str] = {}  # run id -> why its write failed (it stays queued)
    _failures: dict[str, BaseException] = {}  # run id -> the last failure, until written
    _listeners: list[Callable[[ActiveRun, BaseException], None]] = []
    _lock = threading.Lock()
    _draining = threading.Lock()
    _wake = threading.Event()
    _thread: threading.Thread | None = None

    @classmethod
    def _start(cls) -> None:
        if cls._thread is None or not cls._thread.is_alive():
            cls._thread = threading.Thread(target=cls._loop, name="mlops-flush", daemon=True)
            cls._thread.start()

    @classmethod
    def watch(cls, run: ActiveRun) -> None:
        with cls._lock:
            cls._runs[run] = time.monotonic()
            cls._start()

    @classmethod
    def forget(cls, run: ActiveRun) -> None:
        with cls._lock:
            cls._runs.pop(run, None)

    @classmethod
    def chunk(cls, run: ActiveRun) -> None:
        """Write what the running ``run`` collected now: it holds a chunk of points."""
        with cls._lock:
            if run in cls._runs:
                cls._runs[run] = -FLUSH_SECONDS
        cls._wake.set()

    @classmethod
    def finish(cls, run: ActiveRun) -> None:
        with cls._lock:
            now = time.monotonic()
            if not cls._ended:
                cls._oldest = now
            cls._ended.append(run)
            cls._last_end = now
            cls._start()
            # Woken only if it would sleep past the moment this write may be due: after a
            # cell it naps WRITE_DELAY at most, so only the first cell in a while wakes it.
            wake = cls._wakes_at > now + WRITE_DELAY
        if wake:
            cls._wake.set()

    @classmethod
    def failed(cls, run: ActiveRun, error: BaseException) -> None:
        """Keep why ``run`` could not be written, and tell the listeners at once, the
        first time it fails so (it is tried again, and would say the same every second)."""
        with cls._lock:
            before = cls._failures.get(run.id)
            cls._failures[run.id] = error
            cls.errors[run.id] = f"run {run.id} ({run.name}) is not written yet: {error}"
            listeners = list(cls._listeners)
        if before is None or str(before) != str(error):
            for listener in listeners:
                listener(run, error)

    @classmethod
    def written(cls, runs: list[ActiveRun]) -> None:
        """``runs`` reached the store: what kept them from it is over."""
        with cls._lock:
            for run in runs:
                cls._failures.pop(run.id, None)
                cls.errors.pop(run.id, None)

    @classmethod
    def unwritten(cls) -> dict[str, BaseException]:
        """The queued runs that could not be written, by id, with why."""
        with cls._lock:
            queued = {run.id for run in cls._ended} | {run.id for run in cls._runs}
            return {key: error for key, error in cls._failures.items() if key in queued}

    @classmethod
    def drain(cls) -> None:
        """Write every queued last write now, in the calling thread (after the flusher's
        own, if it is writing); a run that cannot be written stays queued, is reported
        in ``errors`` and to the listeners."""
        with cls._draining:
            with cls._lock:
                queued = list(cls._ended)
            by_store: dict[int, list[ActiveRun]] = {}
            for run in queued:
                by_store.setdefault(id(run.tracker.store), []).append(run)
            written: list[ActiveRun] = []
            for runs in by_store.values():
                try:
                    cls._write_last(runs)
                    written += runs
                except Exception:
                    # One at a time, so that a run that cannot be written holds back no other
                    for run in runs:
                        try:
                            cls._write_last([run])
                            written.append(run)
                        except Exception as exc:
                            cls.failed(run, exc)
            cls.written(written)
            with cls._lock:
                done = set(written)
                cls._ended = [run for run in cls._ended if run not in done]
                cls._oldest = time.monotonic()  # what failed is tried again BATCH_SECONDS on

    @staticmethod
    def _write_last(runs: list[ActiveRun]) -> None:
        runs = [run for run in runs if run._finish is not None]
        if runs:
            write_runs([(run, run._finish) for run in runs])
            for run in runs:
                run._finish = None

    @classmethod
    def _due_in(cls) -> float:
        """Seconds until the queued last writes are due: once the kernel has been idle for
        WRITE_DELAY (a write beside a running cell slows it more than the write costs, as
        both compete for the interpreter), or BATCH_SECONDS after the oldest was queued."""
        with cls._lock:
            return cls._due_in_locked()

    @classmethod
    def _due_in_locked(cls) -> float:
        if not cls._ended:
            return FLUSH_SECONDS / 4
        now = time.monotonic()
        due = cls._oldest + BATCH_SECONDS
        if not cls._runs:
            due = min(due, cls._last_end + WRITE_DELAY)
        if any(run.points_waiting() >= CHUNK_POINTS for run in cls._ended):
            return 0.0  # batching saves a commit, which is little beside that many rows
        return max(0.0, due - now)

    @classmethod
    def _nap(cls) -> float:
        """How long the thread sleeps unless woken: until the queued last writes are due,
        and for ACTIVE_SECONDS after a cell ended, WRITE_DELAY at most, so that it finds
        the kernel idle soon after a cell without being woken by it."""
        with cls._lock:
            now = time.monotonic()
            nap = min(cls._due_in_locked(), FLUSH_SECONDS / 4)
            if now - cls._last_end < ACTIVE_SECONDS:
                nap = min(nap, WRITE_DELAY)
            cls._wakes_at = now + nap
        return nap

    @staticmethod
    def _due(run: ActiveRun, waited: float) -> bool:
        """Whether a running run is written now: what a buffered one collected every
        FLUSH_SECONDS, and every run's heartbeat every HEARTBEAT_SECONDS."""
        if waited >= HEARTBEAT_SECONDS:
            return True
        return run.buffered and waited >= FLUSH_SECONDS and run.unwritten()

    @classmethod
    def _loop(cls) -> None:
        while True:
            cls._wake.wait(cls._nap())
            cls._wake.clear()
            if cls._due_in() == 0.0:
                cls.drain()
            now = time.monotonic()
            with cls._lock:
                due = [run for run, since in cls._runs.items() if cls._due(run, now - since)]
                for run in due:
                    cls._runs[run] = now
            for run in due:
                if run.buffered:
                    run.flush_in_background()
                else:
                    run.beat()


def _drain_at_exit() -> None:
    Flusher.drain()
    for error in Flusher.unwritten().values():  # the last chance to say what is lost
        print(f"mlops-jlab: a tracked run is lost: {error}", file=sys.stderr)


atexit.register(_drain_at_exit)


def on_write_failure(listener: Callable[[ActiveRun, BaseException], None]) -> None:
    """Call ``listener(run, error)`` as soon as a run queued for the background writer
    cannot be written (once per run and reason; the run stays queued and is tried again).
    The kernel's magics show it under the cell that made the run."""
    with Flusher._lock:
        if listener not in Flusher._listeners:
            Flusher._listeners.append(listener)


def remove_write_failure_listener(listener: Callable[[ActiveRun, BaseException], None]) -> None:
    with Flusher._lock:
        if listener in Flusher._listeners:
            Flusher._listeners.remove(listener)


def _forget_in_child() -> None:
    # A forked child (multiprocessing) neither writes nor keeps alive its parent's runs:
    # the parent does, and a child's heartbeat would keep a dead parent's runs running.
    Flusher._runs = {}
    Flusher._ended = []
    Flusher._lock = threading.Lock()
    Flusher._draining = threading.Lock()
    Flusher._wake = threading.Event()
    Flusher._wakes_at = 0.0
    Flusher._thread = None


os.register_at_fork(after_in_child=_forget_in_child)


def flush() -> None:
    """Write now what tracked cells left to be written in the background. It is written
    anyway once the kernel is idle (within a second while cells run one after another), when
    this process reads the store and as it exits; flush before it ends some other way, such
    as ``os._exit``.

    Raises
    ------
    StoreError
        (``StoreReadOnlyError``, ``StoreFullError``, ...) If a run could not be written:
        the message says why and what to do. The runs stay queued and are tried again.
    """
    Flusher.drain()
    unwritten = Flusher.unwritten()
    if not unwritten:
        return
    error = next(iter(unwritten.values()))
    count = f"{len(unwritten)} tracked runs are" if len(unwritten) > 1 else "a tracked run is"
    message = f"{count} not written yet (kept in this process, tried again): {error}"
    try:
        failure = type(error)(message) if isinstance(error, MlopsError) else None
    except TypeError:  # an error that takes more than a message
        failure = None
    raise failure or StoreError(message) from None


def write_problems() -> list[str]:
    """Why writes of this process's tracked cells failed since last asked, for the runs not
    written since (they are kept and tried again)."""
    with Flusher._lock:
        problems = list(Flusher.errors.values())
        Flusher.errors.clear()
    return problems
