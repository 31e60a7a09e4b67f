"""Request and response bodies of the pipelines, jobs and sweeps REST API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mlops_jlab.rules import (
    CATCH_UP_POLICIES,
    CRON_LENGTH,
    INTEGER_MAX,
    JOB_STATUSES,
    MAX_SCHEDULE_CONCURRENT,
    MAX_SWEEP_JOBS,
    MAX_SWEEP_PARALLEL,
    TEXT_PATTERN,
    TIMEZONE_LENGTH,
)
from mlops_jlab.server.schemas import Body, Key, Request, WholeNumber, optional

JobStatus = Literal[JOB_STATUSES]  # type: ignore[valid-type]
Path = Field(min_length=1, max_length=4096, pattern=TEXT_PATTERN)


class ParameterInfo(BaseModel):
    name: str
    type: str = Field(description="int, float, bool, str, list, dict or any.")
    default: Any = Field(description="The notebook's value, when it is a literal.")
    default_text: str = Field(description="The default as the notebook writes it.")
    help: str = Field(description="The comment after the assignment.")


class ParametersCell(BaseModel):
    index: int | None = Field(description="The cell's index in the snapshot, from 0.")
    how: str = Field(description="tagged, inferred (from tracked params) or none.")
    note: str


class DescribePipelineVersion(BaseModel):
    name: str
    version: int
    version_id: int
    notebook_path: str
    snapshot_digest: str
    parameters: list[ParameterInfo]
    parameters_cell: ParametersCell | None
    created_at: int
    created_by: str | None
    new: bool = Field(False, description="Whether this request made the version.")


class PipelineSummary(BaseModel):
    name: str
    notebook_path: str
    versions: int
    jobs: int
    created_at: int
    created_by: str | None


class ListPipelines(BaseModel):
    pipelines: list[PipelineSummary]


class ListPipelineVersions(BaseModel):
    versions: list[DescribePipelineVersion] = Field(description="Oldest first.")


class PromotePipeline(Body):
    """``POST pipelines``: promote a notebook under the server's root."""

    notebook_path: str = Path
    name: Key = optional(description="Default: the notebook's name.")


class RunPipeline(Body):
    """``POST pipelines/{name}/jobs``."""

    parameters: dict[Key, Any] = optional(
        keys=True, description="Values checked against the version's parameter schema."
    )
    version: WholeNumber = optional(ge=1, description="Default: the latest version.")
    timeout: float = optional(gt=0, le=10**9, description="Seconds before it is stopped.")
    retries: WholeNumber = Field(0, ge=0, le=100, description="Tries again when it fails.")


class JobProgress(BaseModel):
    cell: int = Field(description="The cell running now, from 1.")
    cells: int
    source: str = Field(description="Its first line.")


class DescribeJob(BaseModel):
    id: str
    pipeline: str
    version: int | None
    sweep_id: str | None
    schedule_id: int | None
    fire_time: int | None
    parameters: dict[str, Any]
    status: str = Field(description=", ".join(JOB_STATUSES))
    attempt: int
    retries: int
    retry_at: int | None
    timeout: float | None
    cancel_requested: bool
    progress: JobProgress | None
    output_digest: str | None
    log_digest: str | None
    failing_cell: int | None = Field(description="The failing cell's index, from 0.")
    failing_source: str | None
    error: str | None
    traceback: str | None
    pid: int | None
    host: str | None
    created_by: str | None
    created_at: int
    started_at: int | None
    ended_at: int | None


class ListJobsQuery(Request):
    """``GET jobs``: newest first."""

    pipeline: Key | None = None
    status: JobStatus | None = None
    sweep: str | None = Field(None, max_length=64, pattern=TEXT_PATTERN)
    schedule: int | None = Field(None, ge=1, le=INTEGER_MAX, description="A schedule's id.")
    page_size: int | None = Field(None, ge=1, description="Jobs per page.")
    page_token: str | None = Field(
        None, pattern=r"^[0-9]{1,9}$", description="`next_page_token` of the previous page."
    )


class ListJobs(BaseModel):
    jobs: list[DescribeJob]
    next_page_token: str | None


class DescribeJobLog(BaseModel):
    log: str = Field(description="What the notebook printed, stdout and stderr.")


class DescribeJobOutput(BaseModel):
    digest: str
    notebook: dict[str, Any] = Field(description="The output notebook (nbformat 4 JSON).")


class SaveJobOutput(Body):
    """``POST jobs/{job_id}/output``: write the output notebook under the server's root."""

    path: str = Path


class SavedJobOutput(BaseModel):
    path: str = Field(description="Where it was written, relative to the server's root.")


class RerunJob(Body):
    parameters: dict[Key, Any] = optional(keys=True, description="Parameters to change.")


class CreateSweep(Body):
    """``POST pipelines/{name}/sweeps``."""

    grid: dict[Key, list[Any]] | list[dict[Key, Any]] = Field(
        description="Parameter -> values (every combination), or a list of parameter dicts."
    )
    max_parallel: WholeNumber = Field(4, ge=1, le=MAX_SWEEP_PARALLEL)
    version: WholeNumber = optional(ge=1, description="Default: the latest version.")
    timeout: float = optional(gt=0, le=10**9)
    retries: WholeNumber = Field(0, ge=0, le=100)


class DescribeSweep(BaseModel):
    id: str
    pipeline: str
    version: int
    combinations: list[dict[str, Any]] = Field(max_length=MAX_SWEEP_JOBS)
    max_parallel: int
    created_at: int
    status: dict[str, int] = Field(description="How many of its jobs are in each status.")
    jobs: list[DescribeJob]


# --- schedules --------------------------------------------------------------------------

CatchUp = Literal[CATCH_UP_POLICIES]  # type: ignore[valid-type]
Cron = Field(
    min_length=1,
    max_length=CRON_LENGTH,
    pattern=TEXT_PATTERN,
    description="5 fields (minute hour day month weekday) or 6 with seconds first.",
)


class CreateSchedule(Body):
    """``POST schedules``."""

    pipeline: Key
    cron: str = Cron
    parameters: dict[Key, Any] = optional(
        keys=True, description="Values checked against the version's parameter schema."
    )
    version: WholeNumber = optional(
        ge=1, description="Pin a version; default: the latest at each fire."
    )
    timezone: str = Field("UTC", min_length=1, max_length=TIMEZONE_LENGTH, pattern=TEXT_PATTERN)
    catch_up: CatchUp = Field("skip", description="Fires missed while no scheduler ran.")
    max_concurrent: WholeNumber = Field(1, ge=1, le=MAX_SCHEDULE_CONCURRENT)
    retries: WholeNumber = Field(0, ge=0, le=100)
    timeout: float = optional(gt=0, le=10**9, description="Seconds before a job is stopped.")


class UpdateSchedule(Body):
    """``PATCH schedules/{schedule_id}``: the fields given change."""

    cron: str = optional(
        min_length=1, max_length=CRON_LENGTH, pattern=TEXT_PATTERN, description="A new cron."
    )
    timezone: str = optional(min_length=1, max_length=TIMEZONE_LENGTH, pattern=TEXT_PATTERN)
    parameters: dict[Key, Any] = optional(keys=True, description="All of its parameters.")
    paused: bool = optional()
    catch_up: CatchUp = optional()
    max_concurrent: WholeNumber = optional(ge=1, le=MAX_SCHEDULE_CONCURRENT)
    retries: WholeNumber = optional(ge=0, le=100)
    timeout: float = optional(gt=0, le=10**9)


class DescribeSchedule(BaseModel):
    id: int
    pipeline: str
    version: int | None = Field(description="The pinned version; null: the latest.")
    cron: str
    description: str = Field(description="The cron in words.")
    timezone: str
    parameters: dict[str, Any]
    paused: bool
    catch_up: str = Field(description=", ".join(CATCH_UP_POLICIES))
    max_concurrent: int
    retries: int
    timeout: float | None
    next_fire_at: int | None = Field(description="Null while paused.")
    next_fires: list[int] = Field(description="The next three fires from now.")
    last_fire_at: int | None
    created_by: str | None
    created_at: int
    updated_at: int


class ListSchedules(BaseModel):
    schedules: list[DescribeSchedule]


class ListSchedulesQuery(Request):
    """``GET schedules``: by id."""

    pipeline: Key | None = None


class DescribeCronQuery(Request):
    """``GET cron/describe``: what a cron means, as the user types it."""

    cron: str = Field(max_length=CRON_LENGTH, pattern=TEXT_PATTERN)
    timezone: str = Field("UTC", min_length=1, max_length=TIMEZONE_LENGTH, pattern=TEXT_PATTERN)


class DescribeCron(BaseModel):
    cron: str = Field(description="The fields, separated by single spaces.")
    description: str = Field(description='In words, e.g. "At 02:00 AM, only on Monday".')
    timezone: str
    next_fires: list[int] = Field(description="The next three fires from now.")
