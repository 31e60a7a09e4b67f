"""Sweeps: one job per combination of parameters, run in parallel, grouped so that their
runs open side by side in Compare."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_jlab.environment import current_user
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.pipelines import records
from mlops_jlab.pipelines.executor import Executor
from mlops_jlab.pipelines.jobs import Job, _pipeline, check_job_id, job_row, start
from mlops_jlab.pipelines.promotion import Pipeline
from mlops_jlab.rules import MAX_SWEEP_JOBS, MAX_SWEEP_PARALLEL
from mlops_jlab.store import writes
from mlops_jlab.tracking.tracker import Tracker

if TYPE_CHECKING:
    import pandas as pd


def combinations(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict]:
    """``{"lr": [0.1, 0.2], "depth": [3, 5]}`` as its four combinations; a list of dicts
    as it is."""
    if isinstance(grid, Mapping):
        for name, values in grid.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
                raise InvalidInputError(
                    f"the grid gives each parameter a non-empty list of values; '{name}' has "
                    f"{values!r}"
                )
        names = list(grid)
        found = [
            dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())
        ]
    elif isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        found = []
        for item in grid:
            if not isinstance(item, Mapping):
                raise InvalidInputError(
                    f"a sweep's list holds dicts of parameters, not {type(item).__name__}"
                )
            found.append(dict(item))
    else:
        raise InvalidInputError(
            "grid is a dict of parameter -> list of values, or a list of dicts of parameters"
        )
    if not found:
        raise InvalidInputError("the grid has no combination: give at least one value")
    if len(found) > MAX_SWEEP_JOBS:
        raise InvalidInputError(
            f"the grid makes {len(found)} jobs; a sweep holds at most {MAX_SWEEP_JOBS}"
        )
    return found


@dataclass
class Sweep:
    """Jobs of one pipeline version over a grid, ``max_parallel`` at a time."""

    id: str
    pipeline: str
    version: int
    combinations: list[dict[str, Any]]
    max_parallel: int
    created_at: int
    jobs: list[Job]
    tracker: Tracker | None = None

    @property
    def status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for job in self.jobs:
            counts[job.status] = counts.get(job.status, 0) + 1
        return counts

    def refresh(self) -> Sweep:
        fresh = get_sweep(self.tracker or _default(), self.id)
        self.jobs = fresh.jobs
        return self

    def wait(self, timeout: float | None = None) -> Sweep:
        """Wait until every job has ended (or ``timeout`` seconds passed)."""
        for job in self.jobs:
            job.wait(timeout)
        return self.refresh()

    def runs(self) -> pd.DataFrame:
        """The runs of its jobs, to compare (``%compare`` with their ids)."""
        tracker = self.tracker or _default()
        ids = ", ".join(f"'{job.id}'" for job in self.jobs)
        return tracker.runs(f"job_id IN ({ids})")

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.status.items()))
        return f"Sweep({self.id[:8]}, {self.pipeline} v{self.version}, {counts})"


def _default() -> Tracker:
    from mlops_jlab.tracking import get_tracker

    return get_tracker()


def _check_parallel(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_SWEEP_PARALLEL
    ):
        raise InvalidInputError(
            f"max_parallel is a whole number from 1 to {MAX_SWEEP_PARALLEL}, not {value!r}"
        )
    return value


def sweep(
    tracker: Tracker,
    pipeline: str | Pipeline,
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    max_parallel: int = 4,
    timeout: float | None = None,
    retries: int = 0,
    executor: Executor | None = None,
) -> Sweep:
    """Record a sweep and its jobs (each combination checked against the schema before
    any is recorded) and start them."""
    version = _pipeline(tracker, pipeline)
    max_parallel = _check_parallel(max_parallel)
    found = combinations(grid)
    sweep_id = uuid.uuid4().hex
    rows = [
        job_row(version, combination, timeout=timeout, retries=retries, sweep_id=sweep_id)
        for combination in found
    ]
    with tracker.store.write() as conn:
        records.insert_sweep(
            conn,
            {
                "id": sweep_id,
                "pipeline_version_id": version.version_id,
                "combinations": [row["parameters"] for row in rows],
                "max_parallel": max_parallel,
                "created_by": current_user(),
                "created_at": writes.now_ms(),
            },
        )
        records.insert_jobs(conn, rows)
    start(tracker, [row["id"] for row in rows], executor)
    return get_sweep(tracker, sweep_id)


def get_sweep(tracker: Tracker, sweep_id: str) -> Sweep:
    check_job_id(sweep_id)
    with tracker.read() as conn:
        row = records.sweep(conn, sweep_id)
        if row is None:
            raise NotFoundError(f"no sweep {sweep_id!r} in {tracker.store!r}")
        jobs = records.list_jobs(conn, sweep_id=sweep_id)
    return Sweep(
        id=row["id"],
        pipeline=row["pipeline"],
        version=row["version"],
        combinations=row["combinations"],
        max_parallel=row["max_parallel"],
        created_at=row["created_at"],
        jobs=[Job.from_row(job, tracker) for job in reversed(jobs)],
        tracker=tracker,
    )
