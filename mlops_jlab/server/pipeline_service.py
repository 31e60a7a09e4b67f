"""What the pipelines, jobs and sweeps REST API does, without HTTP.

Jobs started here run in the server's executor; notebooks are named by their path under
the server's root, and nothing outside it is read or written.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.pipelines import cron as crons
from mlops_jlab.pipelines import jobs, promotion, records, schedules, sweeps
from mlops_jlab.pipelines.executor import Executor
from mlops_jlab.pipelines.jobs import Job
from mlops_jlab.pipelines.promotion import Pipeline
from mlops_jlab.server.pipeline_schemas import (
    CreateSchedule,
    CreateSweep,
    DescribeCron,
    DescribeCronQuery,
    DescribeJob,
    DescribeJobLog,
    DescribeJobOutput,
    DescribePipelineVersion,
    DescribeSchedule,
    DescribeSweep,
    ListJobs,
    ListJobsQuery,
    ListPipelines,
    ListPipelineVersions,
    ListSchedules,
    ListSchedulesQuery,
    PromotePipeline,
    RerunJob,
    RunPipeline,
    SavedJobOutput,
    SaveJobOutput,
    UpdateSchedule,
)
from mlops_jlab.store import open_store, writes
from mlops_jlab.tracking.tracker import Tracker

DEFAULT_JOBS_PAGE = 100
MAX_JOBS_PAGE = 1000


def _version(pipeline: Pipeline) -> DescribePipelineVersion:
    return DescribePipelineVersion.model_validate(dataclasses.asdict(pipeline))


def _job(job: Job) -> DescribeJob:
    return DescribeJob.model_validate(
        {field.name: getattr(job, field.name) for field in dataclasses.fields(job)}
    )


def _schedule_id(given: str) -> int:
    return schedules.check_schedule_id(int(given) if given.isdigit() else given)


def _schedule(found: schedules.Schedule) -> DescribeSchedule:
    values = {field.name: getattr(found, field.name) for field in dataclasses.fields(found)}
    return DescribeSchedule.model_validate(
        {**values, "description": found.description, "next_fires": found.next_fires(3)}
    )


class PipelineService:
    """Pipelines, jobs and sweeps of one store, jobs run by ``executor``.

    Parameters
    ----------
    location
        The store.
    executor
        Runs the jobs started through the API.
    root
        The server's root folder: notebooks are promoted from, and outputs written to,
        paths under it.
    """

    def __init__(self, location: StoreLocation, executor: Executor, root: str | Path):
        self.location = location
        self.executor = executor
        self.root = Path(root).resolve()
        self.tracker = Tracker(location)

    def _under_root(self, given: str, what: str) -> Path:
        path = (self.root / given).resolve()
        if not path.is_relative_to(self.root):
            raise NotFoundError(f"no {what} {given!r} under the server's root folder")
        return path

    # --- pipelines --------------------------------------------------------------------

    def promote(self, request: PromotePipeline) -> DescribePipelineVersion:
        path = self._under_root(request.notebook_path, "notebook")
        if not path.is_file():
            raise NotFoundError(f"no notebook {request.notebook_path!r} under the server's root")
        return _version(promotion.promote(self.tracker, path, request.name))

    def list_pipelines(self) -> ListPipelines:
        with self.tracker.read() as conn:
            rows = records.pipelines(conn)
        return ListPipelines.model_validate({"pipelines": rows})

    def describe_pipeline(self, name: str) -> DescribePipelineVersion:
        return _version(promotion.get_pipeline(self.tracker, name))

    def list_versions(self, name: str) -> ListPipelineVersions:
        latest = promotion.get_pipeline(self.tracker, name)
        with self.tracker.read() as conn:
            rows = records.versions(conn, latest.pipeline_id)
        found = [_version(Pipeline.from_row({**row, "pipeline": name})) for row in rows]
        return ListPipelineVersions(versions=found)

    # --- jobs -------------------------------------------------------------------------

    def run(self, name: str, request: RunPipeline) -> DescribeJob:
        version = promotion.get_pipeline(self.tracker, name, request.version)
        job = jobs.run_job(
            self.tracker,
            version,
            request.parameters,
            timeout=request.timeout,
            retries=request.retries,
            executor=self.executor,
        )
        return _job(job)

    def list_jobs(self, query: ListJobsQuery) -> ListJobs:
        size = query.page_size or DEFAULT_JOBS_PAGE
        if size > MAX_JOBS_PAGE:
            raise InvalidInputError(f"page_size is at most {MAX_JOBS_PAGE}, not {size}")
        offset = int(query.page_token or 0)
        with self.tracker.read() as conn:
            rows = records.list_jobs(
                conn,
                pipeline=query.pipeline,
                status=query.status,
                sweep_id=query.sweep,
                schedule_id=query.schedule,
                limit=size + 1,
                offset=offset,
            )
        token = str(offset + size) if len(rows) > size else None
        found = [_job(Job.from_row(row)) for row in rows[:size]]
        return ListJobs(jobs=found, next_page_token=token)

    def describe_job(self, job_id: str) -> DescribeJob:
        return _job(jobs.get_job(self.tracker, job_id))

    def job_log(self, job_id: str) -> DescribeJobLog:
        return DescribeJobLog(log=jobs.get_job(self.tracker, job_id).log())

    def job_output(self, job_id: str) -> DescribeJobOutput:
        job = jobs.get_job(self.tracker, job_id)
        return DescribeJobOutput(digest=job.output_digest or "", notebook=job.output())

    def save_job_output(self, job_id: str, request: SaveJobOutput) -> SavedJobOutput:
        job = jobs.get_job(self.tracker, job_id)
        path = self._under_root(request.path, "folder for")
        if path.suffix != ".ipynb":
            raise InvalidInputError(f"an output notebook is saved as .ipynb, not {request.path!r}")
        if not path.parent.is_dir():
            raise NotFoundError(f"no folder {str(Path(request.path).parent)!r} under the root")
        if path.exists():
            raise InvalidInputError(f"{request.path!r} exists already; choose another name")
        path.write_text(json.dumps(job.output(), indent=1), encoding="utf-8")
        return SavedJobOutput(path=path.relative_to(self.root).as_posix())

    def cancel(self, job_id: str) -> DescribeJob:
        return _job(jobs.cancel_job(self.tracker, job_id))

    def rerun(self, job_id: str, request: RerunJob) -> DescribeJob:
        return _job(jobs.rerun_job(self.tracker, job_id, request.parameters, self.executor))

    # --- sweeps -----------------------------------------------------------------------

    def create_sweep(self, name: str, request: CreateSweep) -> DescribeSweep:
        version = promotion.get_pipeline(self.tracker, name, request.version)
        created = sweeps.sweep(
            self.tracker,
            version,
            request.grid,
            max_parallel=request.max_parallel,
            timeout=request.timeout,
            retries=request.retries,
            executor=self.executor,
        )
        return self._sweep(created)

    def describe_sweep(self, sweep_id: str) -> DescribeSweep:
        return self._sweep(sweeps.get_sweep(self.tracker, sweep_id))

    @staticmethod
    def _sweep(found: sweeps.Sweep) -> DescribeSweep:
        return DescribeSweep(
            id=found.id,
            pipeline=found.pipeline,
            version=found.version,
            combinations=found.combinations,
            max_parallel=found.max_parallel,
            created_at=found.created_at,
            status=found.status,
            jobs=[_job(job) for job in found.jobs],
        )

    # --- schedules --------------------------------------------------------------------

    def create_schedule(self, request: CreateSchedule) -> DescribeSchedule:
        pipeline: str | Pipeline = request.pipeline
        if request.version is not None:
            pipeline = promotion.get_pipeline(self.tracker, request.pipeline, request.version)
        created = schedules.create_schedule(
            self.tracker,
            pipeline,
            request.cron,
            request.parameters,
            timezone=request.timezone,
            catch_up=request.catch_up,
            max_concurrent=request.max_concurrent,
            retries=request.retries,
            timeout=request.timeout,
        )
        return _schedule(created)

    def list_schedules(self, query: ListSchedulesQuery) -> ListSchedules:
        found = schedules.list_schedules(self.tracker, query.pipeline)
        return ListSchedules(schedules=[_schedule(item) for item in found])

    def describe_schedule(self, schedule_id: str) -> DescribeSchedule:
        return _schedule(schedules.get_schedule(self.tracker, _schedule_id(schedule_id)))

    def update_schedule(self, schedule_id: str, request: UpdateSchedule) -> DescribeSchedule:
        changes = request.model_dump(exclude_unset=True)
        if not changes:
            raise InvalidInputError(
                "give at least one of " + ", ".join(UpdateSchedule.model_fields) + " to change"
            )
        found = schedules.update_schedule(self.tracker, _schedule_id(schedule_id), **changes)
        return _schedule(found)

    def pause_schedule(self, schedule_id: str, paused: bool) -> DescribeSchedule:
        found = schedules.update_schedule(self.tracker, _schedule_id(schedule_id), paused=paused)
        return _schedule(found)

    def delete_schedule(self, schedule_id: str) -> DescribeSchedule:
        found = schedules.get_schedule(self.tracker, _schedule_id(schedule_id))
        schedules.delete_schedule(self.tracker, found.id)
        return _schedule(found)

    def describe_cron(self, query: DescribeCronQuery) -> DescribeCron:
        cron = crons.check_cron(query.cron)
        zone = crons.check_timezone(query.timezone)
        return DescribeCron(
            cron=cron,
            description=crons.describe(cron),
            timezone=query.timezone,
            next_fires=crons.next_fires(cron, zone, writes.now_ms(), 3),
        )

    # --- recovery ---------------------------------------------------------------------

    def recover(self, grace_seconds: float) -> list[Job]:
        """Mark crashed the jobs whose process is gone (those with retries left are queued
        again), and hand every queued job to the executor; returns those marked."""
        store = open_store(self.location)
        marked = jobs.mark_crashed_jobs(store, grace_seconds)
        with store.read() as conn:
            queued = [row["id"] for row in records.list_jobs(conn, status="queued")]
        if queued:
            self.executor.submit(queued)
        return marked

    def close(self) -> None:
        self.executor.shutdown()
