"""Schedules: a pipeline run on a cron, in a timezone, by whichever scheduler is up.

This module records and edits schedules; :mod:`~.scheduler` fires them. Every change
sets the schedule's ``next_fire_at`` (the first fire from now; none while paused) and
``updated_at``, and wakes the schedulers of this process at once (those of other processes
notice within a few seconds, see :mod:`~.scheduler`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from mlops_jlab.environment import current_user
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.pipelines import cron as crons
from mlops_jlab.pipelines import parameters as parameter_rules
from mlops_jlab.pipelines import records, schedule_records
from mlops_jlab.pipelines.jobs import _check_run_options, _pipeline
from mlops_jlab.pipelines.promotion import Pipeline
from mlops_jlab.rules import CATCH_UP_POLICIES, INTEGER_MAX, MAX_SCHEDULE_CONCURRENT, check_key
from mlops_jlab.store import writes
from mlops_jlab.tracking.tracker import Tracker

if TYPE_CHECKING:
    import pandas as pd

# The wake-up events of this process's schedulers: an edit here wakes them at once.
_listeners: weakref.WeakSet[threading.Event] = weakref.WeakSet()


def listen(event: threading.Event) -> None:
    """Set ``event`` whenever this process makes, edits or deletes a schedule."""
    _listeners.add(event)


def notify() -> None:
    for event in list(_listeners):
        event.set()


@dataclass
class Schedule:
    """A schedule as the store holds it. ``version`` is the pinned pipeline version, or
    None for the latest at each fire; times are ms since the epoch."""

    id: int
    pipeline: str
    version: int | None
    cron: str
    timezone: str
    parameters: dict[str, Any]
    paused: bool
    catch_up: str
    max_concurrent: int
    retries: int
    timeout: float | None
    next_fire_at: int | None
    last_fire_at: int | None
    created_by: str | None
    created_at: int
    updated_at: int
    tracker: Tracker | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], tracker: Tracker | None = None) -> Schedule:
        names = {field.name for field in fields(cls)} - {"tracker", "paused"}
        return cls(
            **{name: row[name] for name in names}, paused=not row["enabled"], tracker=tracker
        )

    @property
    def description(self) -> str:
        """The cron in words, e.g. "At 02:00 AM, only on Monday"."""
        return crons.describe(self.cron)

    def next_fires(self, count: int = 3) -> list[int]:
        """The next ``count`` fire times from now (whether paused or not)."""
        zone = crons.check_timezone(self.timezone)
        return crons.next_fires(self.cron, zone, writes.now_ms(), count)

    def _tracker(self) -> Tracker:
        if self.tracker is None:
            from mlops_jlab.tracking import get_tracker

            self.tracker = get_tracker()
        return self.tracker

    def _become(self, fresh: Schedule) -> Schedule:
        for field in fields(self):
            setattr(self, field.name, getattr(fresh, field.name))
        return self

    def refresh(self) -> Schedule:
        return self._become(get_schedule(self._tracker(), self.id))

    def pause(self) -> Schedule:
        """Stop firing (jobs already started run on)."""
        return self._become(update_schedule(self._tracker(), self.id, paused=True))

    def resume(self) -> Schedule:
        """Fire again from the next fire after now (fires while paused do not run)."""
        return self._become(update_schedule(self._tracker(), self.id, paused=False))

    def update(self, **changes: Any) -> Schedule:
        """Change cron, timezone, parameters, catch_up, max_concurrent, retries, timeout
        or paused (see :func:`update_schedule`)."""
        return self._become(update_schedule(self._tracker(), self.id, **changes))

    def delete(self) -> None:
        """Delete the schedule; its jobs stay."""
        delete_schedule(self._tracker(), self.id)

    def jobs(self) -> pd.DataFrame:
        """Its jobs, newest first, with the fire time each ran for."""
        import pandas as pd

        from mlops_jlab.pipelines.jobs import JOB_COLUMNS

        with self._tracker().read() as conn:
            rows = records.list_jobs(conn, schedule_id=self.id)
        frame = pd.DataFrame(
            [{**row, "job_id": row["id"]} for row in rows], columns=[*JOB_COLUMNS, "fire_time"]
        )
        for column in ("created_at", "started_at", "ended_at", "fire_time"):
            frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
        return frame

    def __repr__(self) -> str:
        state = "paused" if self.paused else "active"
        return (
            f"Schedule({self.id}, {self.pipeline}, {self.cron!r} {self.timezone}: "
            f"{self.description}, {state})"
        )


def check_schedule_id(schedule_id: Any) -> int:
    if (
        isinstance(schedule_id, bool)
        or not isinstance(schedule_id, int)
        or not 1 <= schedule_id <= INTEGER_MAX
    ):
        raise NotFoundError(f"no schedule {str(schedule_id)[:40]!r}; schedule ids are numbers")
    return schedule_id


def _check_catch_up(value: Any) -> str:
    if value not in CATCH_UP_POLICIES:
        raise InvalidInputError(
            f"catch_up is one of {', '.join(CATCH_UP_POLICIES)} (what to do with the fires "
            f"missed while no scheduler ran), not {value!r:.40}"
        )
    return value


def _check_concurrent(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_SCHEDULE_CONCURRENT
    ):
        raise InvalidInputError(
            f"max_concurrent is a whole number from 1 to {MAX_SCHEDULE_CONCURRENT}, "
            f"not {value!r:.40}"
        )
    return value


def _first_fire(cron: str, timezone: str, now: int) -> int:
    return crons.next_fires(cron, crons.check_timezone(timezone), now)[0]


def create_schedule(
    tracker: Tracker,
    pipeline: str | Pipeline,
    cron: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    timezone: str = "UTC",
    catch_up: str = "skip",
    max_concurrent: int = 1,
    retries: int = 0,
    timeout: float | None = None,
) -> Schedule:
    """Record a schedule (every value checked before anything is written).

    ``pipeline`` by name runs its latest version at each fire; a :class:`Pipeline`
    version runs that version.
    """
    cron = crons.check_cron(cron)
    crons.check_timezone(timezone)
    _check_catch_up(catch_up)
    _check_concurrent(max_concurrent)
    timeout, retries = _check_run_options(timeout, retries)
    pinned = isinstance(pipeline, Pipeline)
    version = _pipeline(tracker, pipeline)
    typed = parameter_rules.check(version.parameters, parameters)
    now = writes.now_ms()
    with tracker.store.write() as conn:
        schedule_id = schedule_records.insert_schedule(
            conn,
            {
                "pipeline_id": version.pipeline_id,
                "pipeline_version_id": version.version_id if pinned else None,
                "cron": cron,
                "timezone": timezone,
                "parameters": typed,
                "enabled": True,
                "catch_up": catch_up,
                "max_concurrent": max_concurrent,
                "retries": retries,
                "timeout": timeout,
                "next_fire_at": _first_fire(cron, timezone, now),
                "created_by": current_user(),
                "created_at": now,
                "updated_at": now,
            },
        )
    notify()
    return get_schedule(tracker, schedule_id)


def get_schedule(tracker: Tracker, schedule_id: int) -> Schedule:
    check_schedule_id(schedule_id)
    with tracker.read() as conn:
        row = schedule_records.schedule(conn, schedule_id)
    if row is None:
        raise NotFoundError(f"no schedule {schedule_id} in {tracker.store!r}")
    return Schedule.from_row(row, tracker)


def list_schedules(tracker: Tracker, pipeline: str | None = None) -> list[Schedule]:
    if pipeline is not None:
        check_key("pipeline name", pipeline)
    with tracker.read() as conn:
        rows = schedule_records.list_schedules(conn, pipeline=pipeline)
    return [Schedule.from_row(row, tracker) for row in rows]


_EDITABLE = (
    "cron",
    "timezone",
    "parameters",
    "paused",
    "catch_up",
    "max_concurrent",
    "retries",
    "timeout",
)


def update_schedule(tracker: Tracker, schedule_id: int, **changes: Any) -> Schedule:
    """Change a schedule: ``cron``, ``timezone``, ``parameters`` (all of them, checked
    against the version's schema), ``paused``, ``catch_up``, ``max_concurrent``,
    ``retries``, ``timeout``. A new cron or timezone, or a resume, fires from the first
    fire after now; pausing stops it from firing.
    """
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise InvalidInputError(
            f"a schedule has no setting {unknown[0]!r}; it changes {', '.join(_EDITABLE)}"
        )
    current = get_schedule(tracker, schedule_id)
    values: dict[str, Any] = {}
    if "cron" in changes:
        values["cron"] = crons.check_cron(changes["cron"])
    if "timezone" in changes:
        crons.check_timezone(changes["timezone"])
        values["timezone"] = changes["timezone"]
    if "catch_up" in changes:
        values["catch_up"] = _check_catch_up(changes["catch_up"])
    if "max_concurrent" in changes:
        values["max_concurrent"] = _check_concurrent(changes["max_concurrent"])
    if "retries" in changes or "timeout" in changes:
        values["timeout"], values["retries"] = _check_run_options(
            changes.get("timeout", current.timeout), changes.get("retries", current.retries)
        )
    if "parameters" in changes:
        version = _schedule_version(tracker, current)
        values["parameters"] = parameter_rules.check(version.parameters, changes["parameters"])
    paused = changes.get("paused", current.paused)
    if not isinstance(paused, bool):
        raise InvalidInputError(f"paused is true or false, not {paused!r:.40}")
    now = writes.now_ms()
    values["enabled"] = not paused
    if paused:
        values["next_fire_at"] = None
    elif current.paused or "cron" in values or "timezone" in values:
        cron = values.get("cron", current.cron)
        values["next_fire_at"] = _first_fire(cron, values.get("timezone", current.timezone), now)
    # Strictly later than the last edit, so that the change marker moves even within a ms
    values["updated_at"] = max(now, current.updated_at + 1)
    with tracker.store.write() as conn:
        if not schedule_records.update_schedule(conn, schedule_id, **values):
            raise NotFoundError(f"no schedule {schedule_id} in {tracker.store!r}")
    notify()
    return get_schedule(tracker, schedule_id)


def _schedule_version(tracker: Tracker, schedule: Schedule) -> Pipeline:
    from mlops_jlab.pipelines.promotion import get_pipeline

    return get_pipeline(tracker, schedule.pipeline, schedule.version)


def delete_schedule(tracker: Tracker, schedule_id: int) -> None:
    """Delete a schedule: it fires no more; its jobs stay (and running ones run on)."""
    check_schedule_id(schedule_id)
    with tracker.store.write() as conn:
        if not schedule_records.delete_schedule(conn, schedule_id):
            raise NotFoundError(f"no schedule {schedule_id} in {tracker.store!r}")
    notify()


SCHEDULE_COLUMNS = [
    "schedule_id",
    "pipeline",
    "version",
    "cron",
    "description",
    "timezone",
    "paused",
    "catch_up",
    "max_concurrent",
    "retries",
    "parameters",
    "next_fire_at",
    "last_fire_at",
    "created_at",
]


def schedules_frame(tracker: Tracker, pipeline: str | None = None) -> pd.DataFrame:
    """Schedules as a DataFrame, by id (see :func:`mlops_jlab.schedules`)."""
    import pandas as pd

    found = list_schedules(tracker, pipeline)
    rows = []
    for item in found:
        row = {name: getattr(item, name, None) for name in SCHEDULE_COLUMNS}
        rows.append({**row, "schedule_id": item.id, "description": item.description})
    frame = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)
    for column in ("next_fire_at", "last_fire_at", "created_at"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame
