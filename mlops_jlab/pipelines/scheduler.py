"""The scheduler: fires schedules as jobs, in the Jupyter server or headless.

It sleeps until the next due fire and wakes when schedules change, so a job starts within
moments of its due time rather than on a polling interval. It is durable and may run more
than once on a store (two servers on one PostgreSQL, a server and ``mlops-jlab scheduler``):

- a schedule's ``next_fire_at`` is the earliest fire not yet dealt with; a scheduler takes
  the fires up to now by moving it with an UPDATE that names the value it read, and records
  each fire as a job under the unique key (schedule, fire time) before the job starts (an
  insert that conflicts is a fire another scheduler recorded), so no fire is doubled;
- fires more than ``misfire_grace`` seconds old when a scheduler reaches them were missed
  while no scheduler ran: the schedule's ``catch_up`` says whether none, the latest or all
  of them run (all: the newest :data:`~mlops_jlab.rules.MAX_CATCH_UP_FIRES` at most);
- a fire that finds ``max_concurrent`` of its schedule's jobs still queued or running is
  recorded ``skipped``; jobs of a catch-up queue and start as places free;
- on start, and every :data:`CRASH_SWEEP_SECONDS`, jobs whose process is gone are marked
  ``crashed`` (queued again when they may retry) and queued jobs of schedules are started.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from mlops_jlab.config import StoreLocation, heartbeat_grace
from mlops_jlab.errors import InvalidInputError, MlopsError
from mlops_jlab.pipelines import cron as crons
from mlops_jlab.pipelines import jobs, records, schedule_records, schedules
from mlops_jlab.pipelines.executor import Executor, default_executor
from mlops_jlab.pipelines.promotion import Pipeline
from mlops_jlab.rules import DEFAULT_MISFIRE_GRACE, MAX_CATCH_UP_FIRES
from mlops_jlab.store import Store, open_store, writes

# Schedulers of other processes make their edits known only through the store. Reading
# the change marker (one aggregate over the small schedules table) this often bounds how
# late an edit made elsewhere is seen, without a polling loop over the schedules
# themselves; edits made in this process wake the scheduler at once.
CHANGES_POLL_SECONDS = 2.0
CRASH_SWEEP_SECONDS = 30.0
# After the store failed (locked, unreachable), wait this long before trying again.
RETRY_SECONDS = 1.0

log = logging.getLogger("mlops_jlab.scheduler")


class Scheduler:
    """Fires the schedules of one store on a thread of its own.

    Parameters
    ----------
    location
        The store.
    executor
        Runs the jobs it fires (default: this process's local executor of the store).
    misfire_grace
        Seconds after its time within which a fire still counts as on time; older ones were
        missed, and the schedule's ``catch_up`` decides.
    crash_grace
        Seconds without a heartbeat after which a job of another host counts as crashed
        (default: the store's heartbeat grace).
    """

    def __init__(
        self,
        location: StoreLocation,
        executor: Executor | None = None,
        *,
        misfire_grace: float = DEFAULT_MISFIRE_GRACE,
        crash_grace: float | None = None,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
    ):
        if isinstance(misfire_grace, bool) or not isinstance(misfire_grace, (int, float)):
            raise InvalidInputError(f"misfire_grace is a number of seconds, not {misfire_grace!r}")
        if not misfire_grace >= 0:
            raise InvalidInputError(f"misfire_grace is at least 0 seconds, not {misfire_grace!r}")
        self.location = location
        self.executor = executor or default_executor(location)
        self.misfire_grace_ms = int(misfire_grace * 1000)
        self.crash_grace = crash_grace if crash_grace is not None else heartbeat_grace()
        self.log = logger or log
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        schedules.listen(self._wake)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Scheduler:
        """Start firing (returns at once)."""
        if not self.running:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._loop, name="mlops-scheduler", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop firing; jobs already started run on, queued ones wait for a scheduler."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # --- the loop -----------------------------------------------------------------------

    def _loop(self) -> None:
        store = open_store(self.location)
        marker: tuple[int, int] | None = None
        active: list[dict[str, Any]] = []
        next_look = next_sweep = 0.0
        reload = True
        while not self._stopped.is_set():
            self._wake.clear()
            try:
                if time.monotonic() >= next_sweep:
                    self._recover(store)
                    next_sweep = time.monotonic() + CRASH_SWEEP_SECONDS
                if reload or time.monotonic() >= next_look:
                    with store.read() as conn:
                        seen = schedule_records.changes(conn)
                        if reload or seen != marker:
                            active = schedule_records.list_schedules(conn, enabled=True)
                            marker = seen
                    next_look = time.monotonic() + CHANGES_POLL_SECONDS
                    reload = False
                now = writes.now_ms()
                for schedule in active:
                    if schedule["next_fire_at"] is not None and schedule["next_fire_at"] <= now:
                        self._fire(store, schedule, now)
                        reload = True  # its next fire (or another scheduler's) is in the store
            except MlopsError as exc:
                self.log.warning("mlops-jlab scheduler: %s; trying again", exc)
                reload = True
                self._wake.wait(RETRY_SECONDS)
                continue
            except Exception:  # a fault of one schedule must not end every schedule's fires
                self.log.exception("mlops-jlab scheduler: unexpected error; trying again")
                reload = True
                self._wake.wait(RETRY_SECONDS)
                continue
            if reload:
                continue
            due = [row["next_fire_at"] for row in active if row["next_fire_at"] is not None]
            seconds = next_look - time.monotonic()
            if due:
                seconds = min(seconds, (min(due) - writes.now_ms()) / 1000)
            if self._wake.wait(max(seconds, 0.0)):
                reload = True

    def _recover(self, store: Store) -> None:
        for job in jobs.mark_crashed_jobs(store, self.crash_grace):
            self.log.warning("mlops-jlab: job %s %s: %s", job.id, job.status, job.error)
        with store.read() as conn:
            queued = schedule_records.queued_jobs(conn)
        if queued:
            self.executor.submit(queued)

    # --- one schedule's fires ------------------------------------------------------------

    def _chosen(self, schedule: dict[str, Any], due: list[int], now: int) -> list[int]:
        """Which of the ``due`` fires (newest first) run, by the schedule's catch_up."""
        on_time = [fire for fire in due if now - fire <= self.misfire_grace_ms]
        missed = [fire for fire in due if now - fire > self.misfire_grace_ms]
        policy = schedule["catch_up"]
        if policy == "all":
            chosen = due[:MAX_CATCH_UP_FIRES]
            if len(due) > MAX_CATCH_UP_FIRES:
                self.log.warning(
                    "mlops-jlab: schedule %s missed more than %d fires while no scheduler ran; "
                    "catch_up=all runs the newest %d",
                    schedule["id"],
                    MAX_CATCH_UP_FIRES,
                    MAX_CATCH_UP_FIRES,
                )
        elif policy == "once":
            chosen = on_time or missed[:1]
        else:
            chosen = on_time
        dropped = len(missed) - len(set(missed) & set(chosen))
        if dropped:
            self.log.info(
                "mlops-jlab: schedule %s missed %s%d fires while no scheduler ran (catch_up=%s)",
                schedule["id"],
                "more than " if len(due) > MAX_CATCH_UP_FIRES else "",
                dropped,
                policy,
            )
        return sorted(chosen)

    def _fire(self, store: Store, schedule: dict[str, Any], now: int) -> None:
        zone = crons.check_timezone(schedule["timezone"])
        cron, expected = schedule["cron"], schedule["next_fire_at"]
        due = crons.latest_fires(cron, zone, expected, now, MAX_CATCH_UP_FIRES + 1)
        following = crons.next_fires(cron, zone, now + 1)[0]
        chosen = self._chosen(schedule, due, now)
        catching_up = schedule["catch_up"] == "all" and any(
            now - fire > self.misfire_grace_ms for fire in chosen
        )
        started = []
        with store.write() as conn:
            if not schedule_records.take_fire(conn, schedule["id"], expected, following):
                return  # another scheduler took these fires, or the schedule was edited
            version = _version(conn, schedule)
            at_work = schedule_records.jobs_at_work(conn, schedule["id"])
            for fire in chosen:
                row = _fire_row(schedule, version, fire)
                if row["status"] == "queued" and not catching_up:
                    if at_work >= schedule["max_concurrent"]:
                        _skip(row, at_work, schedule)
                    else:
                        at_work += 1
                if schedule_records.insert_fire(conn, row) and row["status"] == "queued":
                    started.append(row["id"])
            if chosen:
                schedule_records.update_schedule(conn, schedule["id"], last_fire_at=chosen[-1])
        if started:
            self.executor.submit(started)


def _version(conn, schedule: dict[str, Any]) -> Pipeline:
    """The version a fire runs: the pinned one, else the pipeline's latest."""
    version_id = schedule["pipeline_version_id"]
    if version_id is None:
        version_id = records.versions(conn, schedule["pipeline_id"])[-1]["id"]
    return Pipeline.from_row(records.version(conn, version_id) or {})


def _fire_row(schedule: dict[str, Any], version: Pipeline, fire: int) -> dict[str, Any]:
    """A fire's job: queued, or failed when the schedule's parameters no longer fit the
    version (a pipeline promoted since with other parameters)."""
    options = {
        "timeout": schedule["timeout"],
        "retries": schedule["retries"],
        "schedule_id": schedule["id"],
        "fire_time": fire,
    }
    try:
        row = jobs.job_row(version, schedule["parameters"], **options)
    except InvalidInputError as exc:
        row = jobs.job_row(version, None, **options)
        row.update(
            parameters=schedule["parameters"],
            status="failed",
            ended_at=row["created_at"],
            error=f"the schedule's parameters do not fit {version.name} v{version.version}: "
            f"{exc}; edit the schedule's parameters",
        )
    row["created_by"] = schedule["created_by"]
    return row


def _skip(row: dict[str, Any], at_work: int, schedule: dict[str, Any]) -> None:
    row.update(
        status="skipped",
        ended_at=row["created_at"],
        error=f"skipped: {at_work} job(s) of schedule {schedule['id']} still queued or running "
        f"(max_concurrent {schedule['max_concurrent']})",
    )
