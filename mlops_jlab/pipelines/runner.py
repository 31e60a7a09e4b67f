"""A job's own process: ``python -m mlops_jlab.pipelines.runner JOB_ID``.

It runs the job's pipeline version's snapshot through papermill (see
:mod:`~mlops_jlab.pipelines.engine`) in a folder of its own, with the store in its
environment (``MLOPS_JLAB_DB_URL``, ``MLOPS_JLAB_ARTIFACTS``) and what the kernel's tracked
cells need to become runs of the job: the job's id, the notebook's path and the parameters.
While it runs it records progress and a heartbeat, and stops the kernel when the job is
cancelled or its time is up. At the end it records, in one transaction, the status, the
output notebook and the log (artifacts), and where it failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from mlops_jlab import processes
from mlops_jlab.artifacts import ArtifactStore
from mlops_jlab.config import (
    JOB_ID_ENV,
    JOB_PARAMETERS_ENV,
    NOTEBOOK_AS_ENV,
    NOTEBOOK_ENV,
    StoreLocation,
    project_folder,
    resolve_store,
)
from mlops_jlab.errors import MlopsError
from mlops_jlab.pipelines import records
from mlops_jlab.pipelines.promotion import NOTEBOOK_MEDIA_TYPE
from mlops_jlab.rules import HEARTBEAT_SECONDS
from mlops_jlab.store import Store, open_store, writes

LOG_MEDIA_TYPE = "text/plain"
# How often the watcher looks for a cancel request and at the clock.
POLL_SECONDS = 0.25
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Seconds before a retry: doubling from this, at most MAX_BACKOFF_SECONDS.
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0


def backoff_ms(attempt: int) -> int:
    """How long to wait before attempt ``attempt + 1``."""
    return int(min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1)) * 1000)


class Watcher(threading.Thread):
    """Writes the progress and a heartbeat, and kills the kernel when the job is cancelled
    or runs past its timeout; ``reason`` says which."""

    def __init__(self, store: Store, job_id: str, timeout: float | None, handle: Any):
        super().__init__(name="mlops-job-watch", daemon=True)
        self.store = store
        self.job_id = job_id
        self.deadline = time.monotonic() + timeout if timeout else None
        self.handle = handle
        self.reason: str | None = None
        self.done = threading.Event()
        self.progress: dict[str, Any] | None = None
        self._written: dict[str, Any] | None = None

    def on_cell(self, index: int, cells: int, source: str) -> None:
        first = next((line for line in source.splitlines() if line.strip()), "")
        self.progress = {"cell": index + 1, "cells": cells, "source": first[:200]}

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self.handle.kill()

    def run(self) -> None:
        beat = time.monotonic()
        while not self.done.wait(POLL_SECONDS):
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.stop("timed_out")
            due = time.monotonic() - beat >= HEARTBEAT_SECONDS
            try:
                if self._look(due):
                    beat = time.monotonic()
            except MlopsError:
                continue  # a busy or unreachable store: the next look tries again

    def _look(self, due: bool) -> bool:
        """Look for a cancel request; write the progress when it moved, or a heartbeat
        when one is ``due``. Returns whether it wrote."""
        with self.store.read() as conn:
            found = records.job(conn, self.job_id)
        if found is not None and found["cancel_requested"]:
            self.stop("cancelled")
        progress = self.progress
        if progress is self._written and not due:
            return False
        with self.store.write() as conn:
            records.update_job(
                conn, self.job_id, expect="running", progress=progress, heartbeat=writes.now_ms()
            )
        self._written = progress
        return True


def _failure(exc: BaseException, progress: dict[str, Any] | None) -> dict[str, Any]:
    """Where and how the notebook failed."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {
            "failing_cell": exc.cell_index,
            "failing_source": exc.source,
            "error": f"{exc.ename}: {exc.evalue}",
            "traceback": _ANSI.sub("", "\n".join(exc.traceback)),
        }
    where = f" while running cell {progress['cell']}" if progress else ""
    kind = type(exc).__name__
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
    if kind == "DeadKernelError":
        message = f"the kernel died{where} (it exited or was killed: os._exit, out of memory)"
    import traceback

    return {
        "failing_cell": progress["cell"] - 1 if progress else None,
        "error": message if kind == "DeadKernelError" else f"{kind}: {message}",
        "traceback": "".join(traceback.format_exception(exc)),
    }


def _kernel_environment(job: dict[str, Any], version: dict[str, Any], notebook: Path) -> None:
    """What the kernel inherits: its tracked cells become runs of this job, named by the
    pipeline's notebook, with the job's parameters."""
    os.environ[JOB_ID_ENV] = job["id"]
    os.environ[NOTEBOOK_ENV] = str(notebook)
    os.environ[NOTEBOOK_AS_ENV] = version["notebook_path"]
    os.environ[JOB_PARAMETERS_ENV] = json.dumps(job["parameters"])


def _working_folder(location: StoreLocation, version: dict[str, Any], folder: Path) -> Path:
    """The notebook's own folder when it is still there (its relative paths mean what they
    meant), else the job's folder: a deleted notebook's snapshot still runs."""
    recorded = Path(version["notebook_path"])
    if not recorded.is_absolute():
        base = project_folder(location)
        recorded = (base / recorded) if base is not None else recorded.resolve()
    return recorded.parent if recorded.parent.is_dir() else folder


def execute(location: StoreLocation, job_id: str) -> str:
    """Run job ``job_id`` (claimed, ``running``) to its end; returns its final status."""
    import papermill

    from mlops_jlab.pipelines.engine import ENGINE_NAME, KernelHandle

    store = open_store(location)
    artifacts = ArtifactStore(location.artifacts)
    with store.write() as conn:
        job = records.job(conn, job_id)
        if job is None or job["status"] != "running":
            return job["status"] if job else "missing"
        records.update_job(
            conn, job_id, expect="running", pid=processes.this_pid(), host=processes.this_host()
        )
        version = records.version(conn, job["pipeline_version_id"])
    assert version is not None  # a job's version is deleted with it
    folder = Path(tempfile.mkdtemp(prefix=f"mlops-job-{job_id[:8]}-"))
    try:
        notebook = folder / Path(version["notebook_path"]).name
        notebook.write_bytes(artifacts.get_bytes(version["snapshot_digest"]))
        output, log = folder / "output.ipynb", folder / "job.log"
        _kernel_environment(job, version, notebook)
        kernelspec = json.loads(notebook.read_text()).get("metadata", {}).get("kernelspec", {})
        handle = KernelHandle(folder, lambda *args: watcher.on_cell(*args))
        watcher = Watcher(store, job_id, job["timeout"], handle)
        watcher.start()
        outcome: dict[str, Any] = {"status": "finished"}
        with log.open("w", encoding="utf-8") as stream:
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(output),
                    parameters=job["parameters"],
                    engine_name=ENGINE_NAME,
                    kernel_name=kernelspec.get("name") or "python3",
                    cwd=str(_working_folder(location, version, folder)),
                    progress_bar=False,
                    stdout_file=stream,
                    stderr_file=stream,
                    kernel_handle=handle,
                )
            except Exception as exc:
                outcome = {"status": "failed", **_failure(exc, watcher.progress)}
            finally:
                watcher.done.set()
                watcher.join()
        if watcher.reason is not None:
            outcome["status"] = watcher.reason
            outcome["error"] = (
                "cancelled while running"
                if watcher.reason == "cancelled"
                else f"timed out after {job['timeout']:g} s"
            ) + (f" cell {watcher.progress['cell']}" if watcher.progress else "")
        return _record_end(store, artifacts, job, outcome, output, log, watcher.progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _record_end(
    store: Store,
    artifacts: ArtifactStore,
    job: dict[str, Any],
    outcome: dict[str, Any],
    output: Path,
    log: Path,
    progress: dict[str, Any] | None,
) -> str:
    """The job's end, its output notebook and log in one transaction; a job that may try
    again is queued for its next attempt after a backoff."""
    blobs = {}
    for column, path, media_type in (
        ("output_digest", output, NOTEBOOK_MEDIA_TYPE),
        ("log_digest", log, LOG_MEDIA_TYPE),
    ):
        if path.is_file():
            blobs[column] = (artifacts.put_file(path), media_type)
    now = writes.now_ms()
    status = outcome["status"]
    values = {
        "failing_cell": None,
        "failing_source": None,
        "error": None,
        "traceback": None,
        **outcome,
        "progress": progress,
        "ended_at": now,
        "heartbeat": now,
    }
    if status in ("failed", "timed_out") and job["attempt"] <= job["retries"]:
        values.update(status="queued", attempt=job["attempt"] + 1)
        values["retry_at"] = now + backoff_ms(job["attempt"])
    with store.write() as conn:
        for column, (blob, media_type) in blobs.items():
            writes.ensure_artifact(conn, blob.digest, blob.size, media_type)
            values[column] = blob.digest
        records.update_job(conn, job["id"], expect="running", **values)
    return values["status"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m mlops_jlab.pipelines.runner JOB_ID", file=sys.stderr)
        return 2
    try:
        status = execute(resolve_store(), args[0])
    except MlopsError as exc:
        print(f"mlops-jlab: job {args[0]} could not record its end: {exc}", file=sys.stderr)
        return 1
    return 0 if status in ("finished", "queued") else 3


if __name__ == "__main__":
    sys.exit(main())
