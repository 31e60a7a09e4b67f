"""The route table: every REST operation in one place.

A route names its path under ``{base_url}/mlops-jlab/api/``, its handler and, per HTTP
method, the models it reads (query string, body) and answers, and the error statuses it
can give. The app registers handlers from this table, the handlers parse requests with the
models named here, and :mod:`mlops_jlab.server.openapi` writes the OpenAPI document from
it: adding a route is a handler class and an entry below, or in the domain's own table
(:mod:`~mlops_jlab.server.pipeline_routes`, :mod:`~mlops_jlab.server.registry_routes`).
"""

from __future__ import annotations

from mlops_jlab.lineage.queries import KINDS as NODE_KINDS
from mlops_jlab.rules import (
    DIGEST_PATTERN,
    NODE_ID_PATTERN,
    RUN_ID_PATTERN,
)
from mlops_jlab.server import handlers
from mlops_jlab.server.pipeline_routes import PIPELINE_ROUTES
from mlops_jlab.server.registry_routes import REGISTRY_ROUTES
from mlops_jlab.server.routing import BINARY, Operation, PathParam, Route
from mlops_jlab.server.schemas import (
    CompareRuns,
    CountRuns,
    CountRunsQuery,
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
                    "its position; `next_page_token` is null on the last page. With "
                    "stale=true the runs the other fields select are examined in order until "
                    "the page is full; a `next_page_token` is given while runs remain to be "
                    "examined, so the last page may be empty. A page is never counted: "
                    "`GET runs/count` says how many runs match."
                ),
            )
        },
    ),
    # Before runs/{run_id}, which would take "count" or "compare" for an id.
    Route(
        "runs/count",
        handlers.RunCountHandler,
        {
            "get": Operation(
                "countRuns",
                "How many runs match, up to a bound unless asked for the exact count",
                CountRuns,
                query=CountRunsQuery,
                errors=(400,),
                description=(
                    "Takes the selection of `GET runs` (filter, experiment, include_deleted, "
                    "stale). The count stops past `limit` (`complete: false`) so a broad "
                    "filter over a million runs answers in milliseconds; `exact=true` counts "
                    "every match."
                ),
            )
        },
    ),
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
