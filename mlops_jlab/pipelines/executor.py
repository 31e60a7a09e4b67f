"""Executors: what starts a queued job's process and sees it end.

:class:`Executor` is the interface (a Dask executor, say, implements it later); a job's
state lives in the store, so an executor only has to start claimed jobs and notice a
process that ended without recording its job's end. :class:`LocalExecutor` runs each job
as a local process (:mod:`~mlops_jlab.pipelines.runner`).

Slots are claimed in the store (:func:`~mlops_jlab.pipelines.records.claim`), so the
limit on running jobs holds across every executor of the store: a kernel's, the server's,
the command line's. Jobs beyond it stay ``queued`` until a slot frees.
"""

from __future__ import annotations

import abc
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from typing import IO

from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import InvalidInputError, MlopsError
from mlops_jlab.pipelines import records
from mlops_jlab.pipelines.runner import backoff_ms
from mlops_jlab.rules import DEFAULT_KEEP_OUTPUTS, DEFAULT_MAX_RUNNING_JOBS
from mlops_jlab.store import open_store, writes

POLL_SECONDS = 0.2
# Past its timeout by this much, a job's process that has not stopped its kernel is killed.
TIMEOUT_GRACE_SECONDS = 30.0
_STDERR_TAIL = 2000


class Executor(abc.ABC):
    """Runs the jobs submitted to it, each to its end."""

    @abc.abstractmethod
    def submit(self, job_ids: Iterable[str]) -> None:
        """Start the queued jobs ``job_ids`` as slots free (returns at once)."""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Stop starting jobs; jobs already running finish on their own."""


def check_limit(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{what} is a whole number of at least 1, not {value!r}")
    return value


class _Child:
    def __init__(self, process: subprocess.Popen, stderr: IO[bytes], timeout: float | None):
        self.process = process
        self.stderr = stderr
        self.timer: threading.Timer | None = None
        if timeout:
            self.timer = threading.Timer(timeout + TIMEOUT_GRACE_SECONDS, self.kill)
            self.timer.daemon = True
            self.timer.start()
        self.killed = False

    def kill(self) -> None:
        self.killed = True
        self.process.kill()

    def tail(self) -> str:
        self.stderr.seek(0)
        text = self.stderr.read().decode("utf-8", "replace").strip()
        self.stderr.close()
        return text[-_STDERR_TAIL:]


class LocalExecutor(Executor):
    """Each job in a process of its own on this machine.

    Parameters
    ----------
    location
        The store the jobs are in (passed on to their processes).
    max_running
        At most this many jobs running at once in the whole store.
    keep_outputs
        Per pipeline, the ended jobs whose output notebook and log are kept; older ones'
        are let go (their blobs are collected when nothing else refers to them).
    """

    def __init__(
        self,
        location: StoreLocation,
        max_running: int = DEFAULT_MAX_RUNNING_JOBS,
        keep_outputs: int = DEFAULT_KEEP_OUTPUTS,
    ):
        self.location = location
        self.max_running = check_limit(max_running, "max_running")
        self.keep_outputs = check_limit(keep_outputs, "keep_outputs")
        self._pending: set[str] = set()
        self._children: dict[str, _Child] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(self, job_ids: Iterable[str]) -> None:
        with self._lock:
            self._pending.update(job_ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._dispatch, name="mlops-jobs", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def shutdown(self) -> None:
        self._stopped = True
        self._wake.set()

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending or self._children)

    def _dispatch(self) -> None:
        store = open_store(self.location)
        while not self._stopped:
            # A locked or unreachable store: the next step tries again
            with contextlib.suppress(MlopsError):
                self._step(store)
            with self._lock:
                if not self._pending and not self._children:
                    self._thread = None
                    return
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _step(self, store) -> None:
        for job_id, child in list(self._children.items()):
            if child.process.poll() is not None:
                self._ended(store, job_id, child)
        with self._lock:
            waiting = sorted(self._pending - set(self._children))
        if not waiting:
            return
        with store.write() as conn:
            started = records.claim(conn, waiting, self.max_running, writes.now_ms())
        for job in started:
            self._start(job)
        with store.read() as conn:
            done = [
                job["id"]
                for job in records.list_jobs(conn, ids=waiting)
                if records.ended(job["status"])
            ]
        with self._lock:
            self._pending.difference_update(done)

    def _start(self, job: dict) -> None:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the process has ended)
        process = subprocess.Popen(
            [sys.executable, "-m", "mlops_jlab.pipelines.runner", job["id"]],
            env={**os.environ, **self.location.environment()},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            # Its own session: an interrupt of the kernel or server that started it is not its
            start_new_session=True,
        )
        self._children[job["id"]] = _Child(process, stderr, job["timeout"])

    def _ended(self, store, job_id: str, child: _Child) -> None:
        """A job's process ended: if it did not record the job's end, record it here."""
        del self._children[job_id]
        if child.timer is not None:
            child.timer.cancel()
        code = child.process.returncode
        tail = child.tail()
        with store.write() as conn:
            job = records.job(conn, job_id)
            if job is not None and job["status"] == "running":
                self._record_lost(conn, job, code, tail, child.killed)
            pipeline_id = job["pipeline_id"] if job else None
        with self._lock:
            if job is None or records.ended(job["status"]):
                self._pending.discard(job_id)
        if pipeline_id is not None:
            from mlops_jlab.pipelines.jobs import apply_retention

            apply_retention(store, pipeline_id, self.keep_outputs)

    @staticmethod
    def _record_lost(conn, job: dict, code: int, tail: str, killed: bool) -> None:
        now = writes.now_ms()
        if killed:
            status, error = "timed_out", f"timed out after {job['timeout']:g} s"
        elif code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else -code
            status, error = "crashed", f"the job's process was killed ({name})"
        else:
            status, error = "failed", f"the job's process exited with code {code}"
        values = {
            "status": status,
            "error": f"{error}: {tail}" if tail else error,
            "ended_at": now,
            "heartbeat": now,
        }
        if status != "cancelled" and job["attempt"] <= job["retries"]:
            values.update(
                status="queued",
                attempt=job["attempt"] + 1,
                retry_at=now + backoff_ms(job["attempt"]),
            )
        records.update_job(conn, job["id"], expect="running", **values)


_executors: dict[StoreLocation, LocalExecutor] = {}
_executors_lock = threading.Lock()


def default_executor(location: StoreLocation) -> LocalExecutor:
    """This process's executor for the store at ``location``."""
    with _executors_lock:
        executor = _executors.get(location)
        if executor is None:
            executor = _executors[location] = LocalExecutor(location)
        return executor
