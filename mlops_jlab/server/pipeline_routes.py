"""The REST operations of pipelines: promotion, jobs, sweeps, schedules and cron words.

Entries of the route table (:mod:`mlops_jlab.server.routes` puts them in ``ROUTES``).
"""

from __future__ import annotations

from mlops_jlab.rules import (
    KEY_LENGTH,
    KEY_PATTERN,
    RUN_ID_PATTERN,
)
from mlops_jlab.server import pipeline_handlers as pipelines
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
from mlops_jlab.server.routing import Operation, PathParam, Route

PIPELINE_NAME = PathParam(
    "A pipeline's name, percent-encoded.",
    {"type": "string", "minLength": 1, "maxLength": KEY_LENGTH, "pattern": KEY_PATTERN},
)
JOB_ID = PathParam(
    "A job's id (32 lowercase hex characters).",
    {"type": "string", "pattern": f"^{RUN_ID_PATTERN}$"},
)
SWEEP_ID = PathParam(
    "A sweep's id (32 lowercase hex characters).",
    {"type": "string", "pattern": f"^{RUN_ID_PATTERN}$"},
)
SCHEDULE_ID = PathParam(
    "A schedule's id (a positive number).", {"type": "string", "pattern": r"^[0-9]+$"}
)
_SCHEDULE_ERRORS = (400, 404, 413)

PIPELINE_ROUTES: list[Route] = [
    Route(
        "pipelines",
        pipelines.PipelinesHandler,
        {
            "get": Operation("listPipelines", "Every pipeline", ListPipelines),
            "post": Operation(
                "promotePipeline",
                "Promote a notebook under the server's root to a pipeline version",
                DescribePipelineVersion,
                body=PromotePipeline,
                errors=(400, 404, 413),
                description=(
                    "The parameters are those of the cell tagged `parameters`, else inferred "
                    "from the params tracked runs of the notebook recorded (`parameters_cell` "
                    "says which cell). An unchanged notebook gives the same version."
                ),
            ),
        },
    ),
    Route(
        "pipelines/{name}",
        pipelines.PipelineDetailHandler,
        {
            "get": Operation(
                "describePipeline",
                "A pipeline's latest version",
                DescribePipelineVersion,
                errors=(404,),
            )
        },
        {"name": PIPELINE_NAME},
    ),
    Route(
        "pipelines/{name}/versions",
        pipelines.PipelineVersionsHandler,
        {
            "get": Operation(
                "listPipelineVersions",
                "A pipeline's versions",
                ListPipelineVersions,
                errors=(404,),
            )
        },
        {"name": PIPELINE_NAME},
    ),
    Route(
        "pipelines/{name}/jobs",
        pipelines.PipelineJobsHandler,
        {
            "post": Operation(
                "runPipeline",
                "Run a pipeline as a job in the server's executor",
                DescribeJob,
                body=RunPipeline,
                errors=(400, 404, 413),
                status=201,
                description="A parameter the schema does not know, or of the wrong type, "
                "answers 400 naming it; nothing starts.",
            )
        },
        {"name": PIPELINE_NAME},
    ),
    Route(
        "pipelines/{name}/sweeps",
        pipelines.PipelineSweepsHandler,
        {
            "post": Operation(
                "createSweep",
                "One job per combination of a grid, max_parallel at a time",
                DescribeSweep,
                body=CreateSweep,
                errors=(400, 404, 413),
                status=201,
            )
        },
        {"name": PIPELINE_NAME},
    ),
    Route(
        "jobs",
        pipelines.JobsHandler,
        {
            "get": Operation(
                "listJobs",
                "A page of jobs, newest first",
                ListJobs,
                query=ListJobsQuery,
                errors=(400,),
            )
        },
    ),
    Route(
        "jobs/{job_id}",
        pipelines.JobHandler,
        {"get": Operation("describeJob", "A job", DescribeJob, errors=(404,))},
        {"job_id": JOB_ID},
    ),
    Route(
        "jobs/{job_id}/log",
        pipelines.JobLogHandler,
        {
            "get": Operation(
                "getJobLog", "What a job's notebook printed", DescribeJobLog, errors=(404,)
            )
        },
        {"job_id": JOB_ID},
    ),
    Route(
        "jobs/{job_id}/output",
        pipelines.JobOutputHandler,
        {
            "get": Operation(
                "getJobOutput", "A job's output notebook", DescribeJobOutput, errors=(404,)
            ),
            "post": Operation(
                "saveJobOutput",
                "Write a job's output notebook to a new file under the server's root",
                SavedJobOutput,
                body=SaveJobOutput,
                errors=(400, 404, 413),
            ),
        },
        {"job_id": JOB_ID},
    ),
    Route(
        "jobs/{job_id}/cancel",
        pipelines.JobCancelHandler,
        {
            "post": Operation(
                "cancelJob", "Cancel a queued or running job", DescribeJob, errors=(404, 409)
            )
        },
        {"job_id": JOB_ID},
    ),
    Route(
        "jobs/{job_id}/rerun",
        pipelines.JobRerunHandler,
        {
            "post": Operation(
                "rerunJob",
                "Run a job's pipeline version again, with edited parameters",
                DescribeJob,
                body=RerunJob,
                errors=(400, 404, 413),
                status=201,
            )
        },
        {"job_id": JOB_ID},
    ),
    Route(
        "sweeps/{sweep_id}",
        pipelines.SweepHandler,
        {"get": Operation("describeSweep", "A sweep and its jobs", DescribeSweep, errors=(404,))},
        {"sweep_id": SWEEP_ID},
    ),
    Route(
        "schedules",
        pipelines.SchedulesHandler,
        {
            "get": Operation(
                "listSchedules",
                "Schedules (of a pipeline), by id, with their crons in words and next fires",
                ListSchedules,
                query=ListSchedulesQuery,
                errors=(400,),
            ),
            "post": Operation(
                "createSchedule",
                "Run a pipeline on a cron in a timezone",
                DescribeSchedule,
                body=CreateSchedule,
                errors=_SCHEDULE_ERRORS,
                status=201,
                description="A bad cron, an unknown timezone or parameters the pipeline's "
                "schema refuses answer 400 naming what to fix; nothing is recorded.",
            ),
        },
    ),
    Route(
        "schedules/{schedule_id}",
        pipelines.ScheduleHandler,
        {
            "get": Operation("describeSchedule", "A schedule", DescribeSchedule, errors=(404,)),
            "patch": Operation(
                "updateSchedule",
                "Change a schedule's cron, timezone, parameters, paused, catch-up or limits",
                DescribeSchedule,
                body=UpdateSchedule,
                errors=_SCHEDULE_ERRORS,
                description="A new cron or timezone, or a resume, fires from the first fire "
                "after now.",
            ),
            "delete": Operation(
                "deleteSchedule",
                "Delete a schedule (its jobs stay); answers it as it was",
                DescribeSchedule,
                errors=(404,),
            ),
        },
        {"schedule_id": SCHEDULE_ID},
    ),
    Route(
        "schedules/{schedule_id}/pause",
        pipelines.SchedulePauseHandler,
        {
            "post": Operation(
                "pauseSchedule", "Stop a schedule from firing", DescribeSchedule, errors=(404,)
            )
        },
        {"schedule_id": SCHEDULE_ID},
    ),
    Route(
        "schedules/{schedule_id}/resume",
        pipelines.ScheduleResumeHandler,
        {
            "post": Operation(
                "resumeSchedule",
                "Fire a paused schedule again, from its next fire after now",
                DescribeSchedule,
                errors=(404,),
            )
        },
        {"schedule_id": SCHEDULE_ID},
    ),
    Route(
        "cron/describe",
        pipelines.CronDescribeHandler,
        {
            "get": Operation(
                "describeCron",
                "A cron in words and its next three fires in a timezone",
                DescribeCron,
                query=DescribeCronQuery,
                errors=(400,),
            )
        },
    ),
]
