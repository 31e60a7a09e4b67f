"""The route table: every REST operation in one place.

A route names its path under ``{base_url}/mlops-jlab/api/``, its handler and, per HTTP
method, the models it reads (query string, body) and answers, and the error statuses it
can give. The app registers handlers from this table, the handlers parse requests with the
models named here, and :mod:`mlops_jlab.server.openapi` writes the OpenAPI document from
it: adding a route is a handler class and an entry below.
"""

from __future__ import annotations

from mlops_jlab.lineage.queries import KINDS as NODE_KINDS
from mlops_jlab.rules import (
    ALIAS_PATTERN,
    DIGEST_PATTERN,
    KEY_LENGTH,
    KEY_PATTERN,
    NODE_ID_PATTERN,
    RUN_ID_PATTERN,
)
from mlops_jlab.server import handlers, registry_handlers
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
from mlops_jlab.server.registry_schemas import (
    AcceptRecommendation,
    CheckModelDrift,
    CreateTransitionRequest,
    DecideTransitionRequest,
    DescribeModel,
    DescribeModelHistory,
    DescribeModelVersion,
    DescribeRecommendation,
    DescribeTransitionRequest,
    DismissRecommendation,
    ListFeasibilityStudies,
    ListModels,
    ListModelVersions,
    ListRecommendations,
    ListRecommendationsQuery,
    ListTransitionRequests,
    ListTransitionRequestsQuery,
    SetModelAlias,
)
from mlops_jlab.server.routing import BINARY, Operation, PathParam, Route
from mlops_jlab.server.schemas import (
    CompareRuns,
    DescribeDatasetDiff,
    DescribeDatasetVersion,
    DescribeLineage,
    DescribeMetricHistory,
    DescribeRun,
    DescribeRunComparison,
    DescribeStatus,
    DiffDatasetVersionsQuery,
    GetLineageQuery,
    GetMetricHistoryQuery,
    ListDatasets,
    ListDatasetVersions,
    ListExperiments,
    ListRuns,
    ListRunsQuery,
    UpdateRun,
)

RUN_ID = PathParam(
    "A run's full id (32 lowercase hex characters).",
    {"type": "string", "pattern": f"^{RUN_ID_PATTERN}$"},
)
METRIC_KEY = PathParam(
    "A metric's key, percent-encoded (a `/` in a key is `%2F`).",
    {"type": "string", "minLength": 1},
)
DATASET_NAME = PathParam(
    "A dataset's name, percent-encoded (`data/train.csv` is `data%2Ftrain.csv`).",
    {"type": "string", "minLength": 1},
)
VERSION_ID = PathParam(
    "A dataset version's id (a positive number).", {"type": "string", "pattern": r"^[0-9]+$"}
)
NODE_KIND = PathParam("The kind of node.", {"type": "string", "enum": list(NODE_KINDS)})
NODE_ID = PathParam(
    "The node's id: a run or job id, an artifact's digest, the number of a dataset, model "
    "or pipeline version or of a registry event.",
    {"type": "string", "pattern": f"^{NODE_ID_PATTERN}$"},
)
DIGEST = PathParam(
    "An artifact's content digest (32 lowercase hex characters).",
    {"type": "string", "pattern": f"^{DIGEST_PATTERN}$"},
)
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

MODEL = PathParam("A registered model's name, percent-encoded.", {"type": "string", "minLength": 1})
MODEL_VERSION = PathParam(
    "A model version's number (1, 2, ... per model).", {"type": "string", "pattern": r"^[0-9]+$"}
)
ALIAS = PathParam(
    "An alias or stage (champion, staging, production, archived, or one's own).",
    {"type": "string", "pattern": ALIAS_PATTERN},
)
REQUEST_ID = PathParam(
    "A transition request's id (a positive number).", {"type": "string", "pattern": r"^[0-9]+$"}
)
RECOMMENDATION_ID = PathParam(
    "A retraining recommendation's id (a positive number).",
    {"type": "string", "pattern": r"^[0-9]+$"},
)

REGISTRY_ROUTES: list[Route] = [
    Route(
        "models",
        registry_handlers.ModelsHandler,
        {
            "get": Operation(
                "listModels",
                "Every registered model with its latest version and aliases",
                ListModels,
            )
        },
    ),
    Route(
        "models/{model}",
        registry_handlers.ModelHandler,
        {
            "get": Operation(
                "describeModel",
                "A model with its versions and the requests waiting on it",
                DescribeModel,
                errors=(404,),
            )
        },
        {"model": MODEL},
    ),
    Route(
        "models/{model}/versions",
        registry_handlers.ModelVersionsHandler,
        {
            "get": Operation(
                "listModelVersions",
                "A model's versions, oldest first",
                ListModelVersions,
                errors=(404,),
            )
        },
        {"model": MODEL},
    ),
    Route(
        "models/{model}/versions/{version}",
        registry_handlers.ModelVersionHandler,
        {
            "get": Operation(
                "describeModelVersion",
                "A model version: source run, artifact, training data, aliases",
                DescribeModelVersion,
                errors=(404,),
            )
        },
        {"model": MODEL, "version": MODEL_VERSION},
    ),
    Route(
        "models/{model}/aliases/{alias}",
        registry_handlers.ModelAliasHandler,
        {
            "put": Operation(
                "setModelAlias",
                "Point an unprotected alias or stage at a version",
                DescribeModelVersion,
                body=SetModelAlias,
                errors=(400, 404, 409, 413),
                description="A protected alias answers 409: it moves through a request.",
            ),
            "delete": Operation(
                "deleteModelAlias",
                "Remove an unprotected alias",
                DescribeModel,
                errors=(404, 409),
                description="A protected alias answers 409.",
            ),
        },
        {"model": MODEL, "alias": ALIAS},
    ),
    Route(
        "models/{model}/history",
        registry_handlers.ModelHistoryHandler,
        {
            "get": Operation(
                "getModelHistory",
                "Everything that happened to a model, oldest first (never rewritten)",
                DescribeModelHistory,
                errors=(404,),
            )
        },
        {"model": MODEL},
    ),
    Route(
        "requests",
        registry_handlers.TransitionRequestsHandler,
        {
            "get": Operation(
                "listTransitionRequests",
                "Transition requests, newest first",
                ListTransitionRequests,
                query=ListTransitionRequestsQuery,
                errors=(400, 404),
            ),
            "post": Operation(
                "createTransitionRequest",
                "Ask for an alias to move, with an optional ease.ml/ci check",
                DescribeTransitionRequest,
                body=CreateTransitionRequest,
                errors=(400, 404, 409, 413),
                status=201,
                description=(
                    "With a condition, the check runs on the test set before the request "
                    "is recorded: a bad condition, setting or test set answers 400, a used-up "
                    "test set too; a failing check is recorded with status failed."
                ),
            ),
        },
    ),
    Route(
        "requests/{request_id}",
        registry_handlers.TransitionRequestHandler,
        {
            "get": Operation(
                "describeTransitionRequest",
                "A request with its check report and decision",
                DescribeTransitionRequest,
                errors=(404,),
            )
        },
        {"request_id": REQUEST_ID},
    ),
    Route(
        "requests/{request_id}/approve",
        registry_handlers.ApproveRequestHandler,
        {
            "post": Operation(
                "approveTransitionRequest",
                "Approve a pending request: its alias moves",
                DescribeTransitionRequest,
                body=DecideTransitionRequest,
                errors=(400, 404, 409, 413),
                description=(
                    "403 when one approves one's own request and the store forbids it; 409 "
                    "when the request was decided already, failed its check, or its alias "
                    "moved since."
                ),
            )
        },
        {"request_id": REQUEST_ID},
    ),
    Route(
        "requests/{request_id}/reject",
        registry_handlers.RejectRequestHandler,
        {
            "post": Operation(
                "rejectTransitionRequest",
                "Reject a pending request, saying why",
                DescribeTransitionRequest,
                body=DecideTransitionRequest,
                errors=(400, 404, 409, 413),
            )
        },
        {"request_id": REQUEST_ID},
    ),
    Route(
        "models/{model}/drift",
        registry_handlers.ModelDriftHandler,
        {
            "post": Operation(
                "checkModelDrift",
                "Judge a model version on a recorded dataset version: retrain or keep",
                DescribeRecommendation,
                body=CheckModelDrift,
                errors=(400, 404, 413),
                description=(
                    "The drift of each column against the version's training dataset version "
                    "(PSI, Kolmogorov-Smirnov, Jensen-Shannon) makes a pending recommendation; "
                    "asking again on the same data answers the same one. A version without "
                    "recorded training data answers 400."
                ),
            )
        },
        {"model": MODEL},
    ),
    Route(
        "recommendations",
        registry_handlers.RecommendationsHandler,
        {
            "get": Operation(
                "listRecommendations",
                "Retraining recommendations, newest first",
                ListRecommendations,
                query=ListRecommendationsQuery,
                errors=(400, 404),
                description=(
                    "First makes the recommendations new training data calls for: a version "
                    "an alias points at (or a model's latest) whose training dataset has a "
                    "newer version gets one on it, once."
                ),
            )
        },
    ),
    Route(
        "recommendations/{recommendation_id}",
        registry_handlers.RecommendationHandler,
        {
            "get": Operation(
                "describeRecommendation",
                "A recommendation with its reasons, per-column drift and decision",
                DescribeRecommendation,
                errors=(404,),
            )
        },
        {"recommendation_id": RECOMMENDATION_ID},
    ),
    Route(
        "recommendations/{recommendation_id}/accept",
        registry_handlers.AcceptRecommendationHandler,
        {
            "post": Operation(
                "acceptRecommendation",
                "Accept a pending recommendation",
                DescribeRecommendation,
                body=AcceptRecommendation,
                errors=(400, 404, 409, 413),
                description=(
                    "To retrain: the pipeline that trained the model runs again as a job in "
                    "the server's executor (job_id), or, for a model not trained by a job, its "
                    "version is tagged retrain. 409 when it was decided already."
                ),
            )
        },
        {"recommendation_id": RECOMMENDATION_ID},
    ),
    Route(
        "recommendations/{recommendation_id}/dismiss",
        registry_handlers.DismissRecommendationHandler,
        {
            "post": Operation(
                "dismissRecommendation",
                "Dismiss a pending recommendation, saying why",
                DescribeRecommendation,
                body=DismissRecommendation,
                errors=(400, 404, 409, 413),
                description="A blank reason answers 400; 409 when it was decided already.",
            )
        },
        {"recommendation_id": RECOMMENDATION_ID},
    ),
    Route(
        "feasibility",
        registry_handlers.FeasibilityHandler,
        {
            "get": Operation(
                "listFeasibilityStudies",
                "Feasibility study runs with their reports, newest first",
                ListFeasibilityStudies,
            )
        },
    ),
]

ROUTES: list[Route] = [
    Route(
        "status",
        handlers.StatusHandler,
        {
            "get": Operation(
                "getStatus", "The server's version, its store and what it holds", DescribeStatus
            )
        },
    ),
    Route(
        "openapi.json",
        handlers.OpenAPIHandler,
        {"get": Operation("getOpenAPI", "This document", None)},
    ),
    Route(
        "experiments",
        handlers.ExperimentsHandler,
        {
            "get": Operation(
                "listExperiments", "Every experiment with its run count", ListExperiments
            )
        },
    ),
    Route(
        "runs",
        handlers.RunsHandler,
        {
            "get": Operation(
                "listRuns",
                "A filtered, ordered page of runs",
                ListRuns,
                query=ListRunsQuery,
                errors=(400,),
                description=(
                    "Deleted runs are left out. A bad filter answers 400 naming the token and "
                    "its position; `next_page_token` is null on the last page."
                ),
            )
        },
    ),
    # Before runs/{run_id}, which would take "compare" for an id.
    Route(
        "runs/compare",
        handlers.CompareHandler,
        {
            "post": Operation(
                "compareRuns",
                "2 to 50 runs side by side",
                DescribeRunComparison,
                body=CompareRuns,
                errors=(400, 404, 413),
            )
        },
    ),
    Route(
        "runs/{run_id}",
        handlers.RunHandler,
        {
            "get": Operation(
                "describeRun",
                "Everything recorded about a run (deleted ones too, with deleted_at)",
                DescribeRun,
                errors=(404,),
            ),
            "patch": Operation(
                "updateRun",
                "Rename, set or remove tags, write a note, delete or restore",
                DescribeRun,
                body=UpdateRun,
                errors=(400, 404, 409, 413),
                description="A deleted run can only be restored (409 otherwise).",
            ),
            "delete": Operation(
                "deleteRun",
                "Delete a run softly (restore it with POST runs/{run_id}/restore)",
                DescribeRun,
                errors=(404,),
            ),
        },
        {"run_id": RUN_ID},
    ),
    Route(
        "runs/{run_id}/restore",
        handlers.RunRestoreHandler,
        {"post": Operation("restoreRun", "Undo a delete", DescribeRun, errors=(404,))},
        {"run_id": RUN_ID},
    ),
    Route(
        "runs/{run_id}/metrics/{key}",
        handlers.MetricHistoryHandler,
        {
            "get": Operation(
                "getMetricHistory",
                "A metric's history; long ones downsampled with min/max envelopes",
                DescribeMetricHistory,
                query=GetMetricHistoryQuery,
                errors=(400, 404),
            )
        },
        {"run_id": RUN_ID, "key": METRIC_KEY},
    ),
    Route(
        "datasets",
        handlers.DatasetsHandler,
        {
            "get": Operation(
                "listDatasets", "Every dataset with its number of versions", ListDatasets
            )
        },
    ),
    Route(
        "datasets/{name}/versions",
        handlers.DatasetVersionsHandler,
        {
            "get": Operation(
                "listDatasetVersions",
                "A dataset's versions, oldest first",
                ListDatasetVersions,
                errors=(404,),
            )
        },
        {"name": DATASET_NAME},
    ),
    # Before dataset-versions/{version_id}, which would take "diff" for an id.
    Route(
        "dataset-versions/diff",
        handlers.DatasetDiffHandler,
        {
            "get": Operation(
                "diffDatasetVersions",
                "Version b against version a: schema, row counts, profiles and drift",
                DescribeDatasetDiff,
                query=DiffDatasetVersionsQuery,
                errors=(400, 404),
                description=(
                    "Drift: PSI and Kolmogorov-Smirnov for numeric and time columns, "
                    "Jensen-Shannon and chi-square for the others, estimated from the stored "
                    "profiles, with the thresholds used."
                ),
            )
        },
    ),
    Route(
        "dataset-versions/{version_id}",
        handlers.DatasetVersionHandler,
        {
            "get": Operation(
                "describeDatasetVersion",
                "A dataset version with its schema, profile and the runs that used it",
                DescribeDatasetVersion,
                errors=(404,),
            )
        },
        {"version_id": VERSION_ID},
    ),
    Route(
        "lineage/{kind}/{node_id}",
        handlers.LineageHandler,
        {
            "get": Operation(
                "getLineage",
                "What a node came from and what came of it, as nodes and edges",
                DescribeLineage,
                query=GetLineageQuery,
                errors=(400, 404),
                description=(
                    "Edges point the way data flows: input (dataset version -> run), output "
                    "(run -> dataset version, artifact or model version), derived (parent "
                    "version -> version), registry (model version -> registry event), "
                    "pipeline (pipeline version -> job), job (job -> run). Deleted runs are "
                    "left out; stale runs are marked."
                ),
            )
        },
        {"kind": NODE_KIND, "node_id": NODE_ID},
    ),
    Route(
        "artifacts/{digest}",
        handlers.ArtifactHandler,
        {
            "get": Operation(
                "getArtifact",
                "Download an artifact's content",
                None,
                errors=(400, 404),
                media_type=BINARY,
                headers={
                    "Content-Disposition": "attachment with the name a run gave the artifact",
                    "X-Content-Type-Options": "nosniff",
                },
            )
        },
        {"digest": DIGEST},
    ),
    *PIPELINE_ROUTES,
    *REGISTRY_ROUTES,
]
