"""The REST operations of the model registry: models, versions, aliases, transition
requests and their decisions, retraining recommendations, feasibility studies.

Entries of the route table (:mod:`mlops_jlab.server.routes` puts them in ``ROUTES``).
"""

from __future__ import annotations

from mlops_jlab.rules import (
    ALIAS_PATTERN,
)
from mlops_jlab.server import registry_handlers
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
from mlops_jlab.server.routing import Operation, PathParam, Route

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
