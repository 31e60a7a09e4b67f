"""Jobs: one execution of a pipeline version, from ``queued`` to how it ended.

:func:`create_job` records a job (``queued``) with its parameters checked against the
version's schema; :func:`start` hands jobs to an executor. A scheduler creates its jobs
with a ``schedule_id`` and ``fire_time`` (unique together) and starts them the same way.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from mlops_jlab import processes
from mlops_jlab.environment import current_user
from mlops_jlab.errors import InvalidInputError, NotFoundError, RunStateError
from mlops_jlab.pipelines import parameters as parameter_rules
from mlops_jlab.pipelines import records
from mlops_jlab.pipelines.executor import Executor, default_executor
from mlops_jlab.pipelines.promotion import Pipeline, get_pipeline
from mlops_jlab.rules import JOB_STATUSES, RUN_ID_RE, check_key
from mlops_jlab.store import Store, writes
from mlops_jlab.tracking.tracker import Tracker

if TYPE_CHECKING:
    import pandas as pd

WAIT_POLL_SECONDS = 0.2


@dataclass
class Job:
    """A job as the store holds it; :meth:`refresh` reads it again."""

    id: str
    pipeline: str
    version: int | None
    pipeline_version_id: int | None
    sweep_id: str | None
    schedule_id: int | None
    fire_time: int | None
    parameters: dict[str, Any]
    status: str
    attempt: int
    retries: int
    retry_at: int | None
    timeout: float | None
    cancel_requested: bool
    progress: dict[str, Any] | None
    output_digest: str | None
    log_digest: str | None
    failing_cell: int | None
    failing_source: str | None
    error: str | None
    traceback: str | None
    pid: int | None
    host: str | None
    heartbeat: int | None
    created_by: str | None
    created_at: int
    started_at: int | None
    ended_at: int | None
    tracker: Tracker | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], tracker: Tracker | None = None) -> Job:
        names = {field.name for field in fields(cls)} - {"tracker"}
        return cls(**{name: row[name] for name in names}, tracker=tracker)

    @property
    def ended(self) -> bool:
        return records.ended(self.status)

    def _tracker(self) -> Tracker:
        if self.tracker is None:
            from mlops_jlab.tracking import get_tracker

            self.tracker = get_tracker()
        return self.tracker

    def refresh(self) -> Job:
        fresh = get_job(self._tracker(), self.id)
        for field in fields(self):
            setattr(self, field.name, getattr(fresh, field.name))
        return self

    def wait(self, timeout: float | None = None) -> Job:
        """Wait until the job has ended (or ``timeout`` seconds passed); returns it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.refresh().ended:
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(WAIT_POLL_SECONDS)
        return self

    def output(self) -> dict[str, Any]:
        """The output notebook (as JSON), with every cell's outputs."""
        if self.output_digest is None:
            raise NotFoundError(f"job {self.id} has no output notebook ({self.status})")
        return json.loads(self._tracker().artifacts.get_bytes(self.output_digest))

    def log(self) -> str:
        """What the notebook printed (stdout and stderr)."""
        if self.log_digest is None:
            return ""
        return self._tracker().artifacts.get_bytes(self.log_digest).decode("utf-8", "replace")

    def runs(self) -> pd.DataFrame:
        """The runs its tracked cells made."""
        return self._tracker().runs(f"job_id = '{self.id}'")

    def __repr__(self) -> str:
        where = f", failed in cell {self.failing_cell + 1}" if self.failing_cell is not None else ""
        return f"Job({self.id[:8]}, {self.pipeline} v{self.version}, {self.status}{where})"


def check_job_id(job_id: Any) -> str:
    if not isinstance(job_id, str) or not RUN_ID_RE.fullmatch(job_id):
        raise NotFoundError(f"no job {str(job_id)[:80]!r}; job ids are 32 lowercase hex characters")
    return job_id


def get_job(tracker: Tracker, job_id: str) -> Job:
    check_job_id(job_id)
    with tracker.read() as conn:
        row = records.job(conn, job_id)
    if row is None:
        raise NotFoundError(f"no job {job_id!r} in {tracker.store!r}")
    return Job.from_row(row, tracker)


def _pipeline(tracker: Tracker, pipeline: str | Pipeline) -> Pipeline:
    if isinstance(pipeline, Pipeline):
        return pipeline
    return get_pipeline(tracker, pipeline)


def _check_run_options(timeout: Any, retries: Any) -> tuple[float | None, int]:
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        raise InvalidInputError(f"timeout is a number of seconds above 0, or None; not {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 100:
        raise InvalidInputError(f"retries is a whole number from 0 to 100, not {retries!r}")
    return (float(timeout) if timeout is not None else None), retries


def job_row(
    version: Pipeline,
    parameters: Mapping[str, Any] | None,
    *,
    timeout: float | None = None,
    retries: int = 0,
    sweep_id: str | None = None,
    schedule_id: int | None = None,
    fire_time: int | None = None,
) -> dict[str, Any]:
    """A new queued job's row, its parameters checked and typed."""
    timeout, retries = _check_run_options(timeout, retries)
    return {
        "id": uuid.uuid4().hex,
        "pipeline_id": version.pipeline_id,
        "pipeline_version_id": version.version_id,
        "sweep_id": sweep_id,
        "schedule_id": schedule_id,
        "fire_time": fire_time,
        "parameters": parameter_rules.check(version.parameters, parameters),
        "status": "queued",
        "attempt": 1,
        "retries": retries,
        "timeout": timeout,
        "cancel_requested": False,
        "created_by": current_user(),
        "created_at": writes.now_ms(),
    }


def create_job(
    tracker: Tracker,
    pipeline: str | Pipeline,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout: float | None = None,
    retries: int = 0,
    schedule_id: int | None = None,
    fire_time: int | None = None,
) -> Job:
    """Record a ``queued`` job of ``pipeline`` (its latest version, or the version given);
    nothing runs until :func:`start`.

    Raises
    ------
    InvalidInputError
        Naming the parameter that the schema does not know or whose type is wrong.
    NotFoundError
        If there is no such pipeline.
    """
    version = _pipeline(tracker, pipeline)
    row = job_row(
        version,
        parameters,
        timeout=timeout,
        retries=retries,
        schedule_id=schedule_id,
        fire_time=fire_time,
    )
    with tracker.store.write() as conn:
        records.insert_jobs(conn, [row])
        found = records.job(conn, row["id"])
    return Job.from_row(found or {}, tracker)


def start(tracker: Tracker, jobs: Iterable[Job | str], executor: Executor | None = None) -> None:
    """Hand queued jobs to ``executor`` (this process's local one by default)."""
    ids = [job.id if isinstance(job, Job) else check_job_id(job) for job in jobs]
    (executor or default_executor(tracker.location)).submit(ids)


def run_job(
    tracker: Tracker,
    pipeline: str | Pipeline,
    parameters: Mapping[str, Any] | None = None,
    *,
    wait: bool = False,
    timeout: float | None = None,
    retries: int = 0,
    executor: Executor | None = None,
) -> Job:
    """Create a job and start it; with ``wait``, return once it has ended."""
    job = create_job(tracker, pipeline, parameters, timeout=timeout, retries=retries)
    start(tracker, [job], executor)
    return job.wait() if wait else job


def cancel_job(tracker: Tracker, job_id: str) -> Job:
    """Cancel a job: a queued one at once, a running one by stopping its kernel (its
    process sees the request within a moment and records ``cancelled``)."""
    check_job_id(job_id)
    now = writes.now_ms()
    with tracker.store.write() as conn:
        found = records.job(conn, job_id)
        if found is None:
            raise NotFoundError(f"no job {job_id!r} in {tracker.store!r}")
        if records.ended(found["status"]):
            raise RunStateError(f"job {job_id} has already ended ({found['status']})")
        records.update_job(
            conn,
            job_id,
            expect="queued",
            status="cancelled",
            cancel_requested=True,
            ended_at=now,
            error="cancelled before it started",
        )
        records.update_job(conn, job_id, expect="running", cancel_requested=True)
    return get_job(tracker, job_id)


def rerun_job(
    tracker: Tracker,
    job_id: str,
    parameters: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
) -> Job:
    """A new job of the same pipeline version with the same parameters, ``parameters``
    changing some of them."""
    old = get_job(tracker, job_id)
    with tracker.read() as conn:
        row = records.version(conn, old.pipeline_version_id or 0)
    if row is None:
        raise NotFoundError(f"job {job_id}'s pipeline version no longer exists")
    version = Pipeline.from_row(row)
    given = {**old.parameters, **dict(parameters or {})}
    job = create_job(tracker, version, given, timeout=old.timeout, retries=old.retries)
    start(tracker, [job], executor)
    return job


JOB_COLUMNS = [
    "job_id",
    "pipeline",
    "version",
    "status",
    "parameters",
    "attempt",
    "sweep_id",
    "progress",
    "error",
    "created_at",
    "started_at",
    "ended_at",
]


def jobs_frame(
    tracker: Tracker,
    pipeline: str | None = None,
    status: str | None = None,
    sweep_id: str | None = None,
    max_results: int = 10_000,
) -> pd.DataFrame:
    """Jobs as a DataFrame, newest first (see :func:`mlops_jlab.jobs`)."""
    import pandas as pd

    if pipeline is not None:
        check_key("pipeline name", pipeline)
    if status is not None and status not in JOB_STATUSES:
        raise InvalidInputError(
            f"a job's status is one of {', '.join(JOB_STATUSES)}, not {status!r}"
        )
    with tracker.read() as conn:
        rows = records.list_jobs(
            conn, pipeline=pipeline, status=status, sweep_id=sweep_id, limit=max_results
        )
    frame = pd.DataFrame([{**row, "job_id": row["id"]} for row in rows], columns=[*JOB_COLUMNS])
    for column in ("created_at", "started_at", "ended_at"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def apply_retention(store: Store, pipeline_id: int, keep: int) -> list[str]:
    """Let go of the output notebooks and logs of a pipeline's ended jobs beyond its
    ``keep`` newest; returns the digests no record refers to any more (garbage collection
    removes their blobs)."""
    with store.write() as conn:
        old = records.outputs_beyond(conn, pipeline_id, keep)
        for job in old:
            records.update_job(conn, job["id"], output_digest=None, log_digest=None)
        digests = [d for job in old for d in (job["output_digest"], job["log_digest"]) if d]
        return records.forget_unreferenced(conn, digests)


def mark_crashed_jobs(store: Store, grace_seconds: float) -> list[Job]:
    """Mark ``crashed`` the running jobs whose process is gone (on this host: no longer
    exists; elsewhere: no heartbeat for ``grace_seconds``); a job with retries left is
    queued again. Returns the jobs changed."""
    now = writes.now_ms()
    host = processes.this_host()
    with store.read() as conn:
        running = records.running_jobs(conn)
    gone = []
    for job in running:
        last = job["heartbeat"] or job["started_at"] or now
        if job["host"] == host and job["pid"] is not None:
            if processes.alive(job["pid"], job["started_at"]):
                continue
        elif now - last <= grace_seconds * 1000:
            continue
        gone.append((job, last))
    changed = []
    for job, last in gone:
        values: dict[str, Any] = {
            "status": "crashed",
            "ended_at": last,
            "error": f"its process (pid {job['pid']} on {job['host']}) ended without ending "
            "the job",
        }
        if job["attempt"] <= job["retries"]:
            values.update(status="queued", attempt=job["attempt"] + 1, retry_at=now)
        with store.write() as conn:
            if records.update_job(conn, job["id"], expect="running", **values):
                changed.append(Job.from_row(records.job(conn, job["id"]) or {}))
    return changed
