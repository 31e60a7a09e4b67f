"""The module-level pipelines API (``ml.promote``, ``ml.run_job``, ``ml.jobs``, ...) on the
default tracker's store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_jlab.pipelines import jobs as job_api
from mlops_jlab.pipelines import promotion, sweeps
from mlops_jlab.pipelines import schedules as schedule_api
from mlops_jlab.pipelines.jobs import Job
from mlops_jlab.pipelines.promotion import Pipeline
from mlops_jlab.pipelines.schedules import Schedule
from mlops_jlab.pipelines.sweeps import Sweep
from mlops_jlab.tracking import get_tracker

if TYPE_CHECKING:
    import pandas as pd


def promote(notebook_path: str | Path, name: str | None = None) -> Pipeline:
    """Promote a notebook to a pipeline: snapshot it and record its parameter schema.

    Parameters
    ----------
    notebook_path
        The notebook (``.ipynb``).
    name
        The pipeline's name (default: the notebook's name). Promoting an unchanged
        notebook again gives the same version; a changed one the next (v1, v2, ...).

    Returns
    -------
    Pipeline
        The version, with ``parameters`` (name, type, default, help) and
        ``parameters_cell`` (which cell, and how it was found).
    """
    return promotion.promote(get_tracker(), notebook_path, name)


def get_pipeline(name: str, version: int | None = None) -> Pipeline:
    """A pipeline's latest version (or version ``version``)."""
    return promotion.get_pipeline(get_tracker(), name, version)


def run_job(
    pipeline: str | Pipeline,
    parameters: Mapping[str, Any] | None = None,
    wait: bool = False,
    timeout: float | None = None,
    retries: int = 0,
) -> Job:
    """Run a pipeline as a job, in a process of its own, through papermill.

    Parameters
    ----------
    pipeline
        Its name (the latest version) or a :class:`Pipeline` version.
    parameters
        Values for its parameters, checked against the schema before anything starts.
    wait
        Return once the job has ended.
    timeout
        Seconds after which the job is stopped (``timed_out``).
    retries
        How often a failed or timed out job tries again, after a doubling backoff.
    """
    return job_api.run_job(
        get_tracker(), pipeline, parameters, wait=wait, timeout=timeout, retries=retries
    )


def get_job(job_id: str) -> Job:
    return job_api.get_job(get_tracker(), job_id)


def cancel_job(job_id: str) -> Job:
    """Cancel a queued or running job."""
    return job_api.cancel_job(get_tracker(), job_id)


def rerun_job(job_id: str, parameters: Mapping[str, Any] | None = None) -> Job:
    """Run a job's pipeline version again, with its parameters (``parameters`` changing some)."""
    return job_api.rerun_job(get_tracker(), job_id, parameters)


def jobs(
    pipeline: str | None = None,
    status: str | None = None,
    sweep: str | None = None,
    max_results: int = 10_000,
) -> pd.DataFrame:
    """Jobs as a DataFrame, newest first, like ``ml.runs``: of a pipeline, in a status
    (queued, running, finished, failed, cancelled, timed_out, crashed), of a sweep."""
    return job_api.jobs_frame(get_tracker(), pipeline, status, sweep, max_results)


def sweep(
    pipeline: str | Pipeline,
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    max_parallel: int = 4,
    timeout: float | None = None,
    retries: int = 0,
) -> Sweep:
    """One job per combination of ``grid`` (``{"lr": [...], "depth": [...]}`` or a list of
    dicts), at most ``max_parallel`` at a time; their runs open side by side in Compare."""
    return sweeps.sweep(
        get_tracker(), pipeline, grid, max_parallel=max_parallel, timeout=timeout, retries=retries
    )


def get_sweep(sweep_id: str) -> Sweep:
    return sweeps.get_sweep(get_tracker(), sweep_id)


def schedule(
    pipeline: str | Pipeline,
    cron: str,
    parameters: Mapping[str, Any] | None = None,
    timezone: str = "UTC",
    catch_up: str = "skip",
    max_concurrent: int = 1,
    retries: int = 0,
    timeout: float | None = None,
) -> Schedule:
    """Run a pipeline on a cron, by the scheduler of the Jupyter server or of
    ``mlops-jlab scheduler``.

    Parameters
    ----------
    pipeline
        Its name (each fire runs the latest version) or a :class:`Pipeline` version (each
        fire runs that version).
    cron
        5 fields (``"0 2 * * 1"``: 02:00 every Monday) or 6 with seconds first
        (``"*/10 * * * * *"``).
    parameters
        Values for its parameters, checked against the schema now.
    timezone
        The IANA timezone the cron is read in (``"Europe/Paris"``); DST changes are kept.
    catch_up
        The fires missed while no scheduler ran: ``"skip"`` (none runs), ``"once"`` (the
        latest runs once) or ``"all"`` (each runs, the newest 100 at most).
    max_concurrent
        A fire that finds this many of its jobs queued or running is recorded ``skipped``.
    retries, timeout
        For each job, as in :func:`run_job`.

    Returns
    -------
    Schedule
        With ``description`` (the cron in words), ``next_fires()``, ``pause()``,
        ``resume()``, ``update(...)``, ``delete()`` and ``jobs()``.
    """
    return schedule_api.create_schedule(
        get_tracker(),
        pipeline,
        cron,
        parameters,
        timezone=timezone,
        catch_up=catch_up,
        max_concurrent=max_concurrent,
        retries=retries,
        timeout=timeout,
    )


def schedules(pipeline: str | None = None) -> pd.DataFrame:
    """Schedules as a DataFrame (of a pipeline), with the cron in words and the next fire."""
    return schedule_api.schedules_frame(get_tracker(), pipeline)


def get_schedule(schedule_id: int) -> Schedule:
    return schedule_api.get_schedule(get_tracker(), schedule_id)


def update_schedule(schedule_id: int, **changes: Any) -> Schedule:
    """Change a schedule's cron, timezone, parameters, paused, catch_up, max_concurrent,
    retries or timeout."""
    return schedule_api.update_schedule(get_tracker(), schedule_id, **changes)


def pause_schedule(schedule_id: int) -> Schedule:
    """Stop a schedule from firing (its running jobs run on)."""
    return schedule_api.update_schedule(get_tracker(), schedule_id, paused=True)


def resume_schedule(schedule_id: int) -> Schedule:
    """Fire a paused schedule again, from its next fire after now."""
    return schedule_api.update_schedule(get_tracker(), schedule_id, paused=False)


def delete_schedule(schedule_id: int) -> None:
    """Delete a schedule; its jobs stay."""
    schedule_api.delete_schedule(get_tracker(), schedule_id)
