"""Request and response bodies of the registry's REST API: models, versions, aliases,
transition requests and their decisions, the audit history, retraining recommendations and
feasibility studies (named by operation, as :mod:`mlops_jlab.server.schemas`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from mlops_jlab.rules import (
    ALIAS_LENGTH,
    ALIAS_PATTERN,
    MAX_COMMENT_LENGTH,
    MAX_CONDITION_LENGTH,
    TEXT_PATTERN,
)
from mlops_jlab.server.schemas import Body, Key, Request, optional

Alias = Annotated[str, Field(min_length=1, max_length=ALIAS_LENGTH, pattern=ALIAS_PATTERN)]
Comment = Annotated[str, Field(max_length=MAX_COMMENT_LENGTH, pattern=TEXT_PATTERN)]
ConditionText = Annotated[str, Field(min_length=1, max_length=MAX_CONDITION_LENGTH)]
RequestStatus = Literal["pending", "approved", "rejected", "failed"]


class DescribeModelVersion(BaseModel):
    """A model version: where it came from, what it was trained on, where it stands."""

    id: int
    model: str
    version: int
    run_id: str | None = Field(description="The run it was registered from.")
    artifact_name: str | None = Field(description="The run's artifact, e.g. clf.pkl.")
    digest: str | None = Field(description="The artifact's content digest (GET artifacts/...).")
    training_dataset_version_id: int | None
    training_dataset: str | None = Field(description="The training dataset version, name@vN.")
    signature: dict[str, Any] | None = Field(
        description="The training dataset's columns: {inputs: [{name, dtype}], dataset}."
    )
    description: str | None
    tags: dict[str, str]
    aliases: list[str] = Field(description="The aliases and stages pointing at it now.")
    stage: str | None = Field(description="Its stage (staging, production, archived), if any.")
    created_by: str | None
    created_at: int


class ListModelVersions(BaseModel):
    versions: list[DescribeModelVersion]


class ModelSummary(BaseModel):
    """A registered model as the models list shows it."""

    name: str
    description: str | None
    tags: dict[str, str]
    versions: int = Field(description="How many versions it has.")
    latest_version: int | None
    aliases: dict[str, int] = Field(description="Each alias and the version it points at.")
    created_at: int
    updated_at: int


class ListModels(BaseModel):
    models: list[ModelSummary]
    protected_aliases: list[str] = Field(
        description="The aliases that move only through an approved request."
    )
    allow_self_approval: bool = Field(description="Whether one may approve one's own request.")


class SetModelAlias(Body):
    """``PUT models/{model}/aliases/{alias}``."""

    version: int = Field(ge=1, le=2**31 - 1, description="The version the alias points at.")


class DescribeTransitionRequest(BaseModel):
    """A request to move an alias, its check report and the decision on it."""

    id: int
    model: str
    version: int
    to: str = Field(description="The alias (or stage) to move.")
    from_version: int | None = Field(description="The version it pointed at when asked.")
    status: RequestStatus = Field(
        description="pending until approved or rejected; failed when its check failed or "
        "could not run (nothing moves on it)."
    )
    requested_by: str | None
    requested_at: int
    reason: str | None
    condition: str | None
    test_dataset: str | None = Field(description="The test set's dataset version, name@vN.")
    test_dataset_version_id: int | None
    report: dict[str, Any] | None = Field(
        description="The ease.ml/ci check's report: outcome, decision, clauses with estimates "
        "and intervals, examples used and needed, budget left, error."
    )
    decided_by: str | None
    decided_at: int | None
    comment: str | None


class ListTransitionRequests(BaseModel):
    requests: list[DescribeTransitionRequest]


class ListTransitionRequestsQuery(Request):
    """``GET requests``."""

    status: RequestStatus | None = optional(description="Only requests in this status.")
    model: Key | None = optional(description="Only requests for this model.")


class CreateTransitionRequest(Body):
    """``POST requests``: ask for an alias to move, with an optional ease.ml/ci check."""

    model: Key
    version: int = Field(ge=1, le=2**31 - 1)
    to: Alias
    reason: Comment | None = optional()
    condition: ConditionText | None = optional(
        description="An ease.ml/ci condition, e.g. `n - o > 0.02 +/- 0.01`."
    )
    test: Key | None = optional(
        description="The test set: a dataset version, name@vN, or a name (its newest "
        "version with role test)."
    )
    target: Key | None = optional(description="The test set's label column.")
    features: list[Key] | None = optional(description="The columns the model takes.")
    reliability: float | None = optional(description="1 - delta, in (0, 1).")
    mode: Literal["fp-free", "fn-free"] | None = optional()
    adaptivity: Literal["full", "none", "firstChange"] | None = optional()
    steps: int | None = optional({"minimum": 1, "maximum": 1_000_000})


class DecideTransitionRequest(Body):
    """``POST requests/{request_id}/approve`` or ``.../reject`` (a rejection says why)."""

    comment: Comment | None = optional()


class HistoryEvent(BaseModel):
    id: int
    kind: str = Field(
        description="registered, alias_set, alias_removed, request_created, request_approved, "
        "request_rejected, recommendation_made, recommendation_accepted or "
        "recommendation_dismissed."
    )
    version: int | None
    actor: str | None
    created_at: int
    details: dict[str, Any]


class DescribeModelHistory(BaseModel):
    model: str
    events: list[HistoryEvent]


class DescribeModel(ModelSummary):
    """A registered model whole: its versions, the requests waiting on it, its settings."""

    model_versions: list[DescribeModelVersion]
    pending_requests: list[DescribeTransitionRequest]
    protected_aliases: list[str]


RecommendationStatus = Literal["pending", "accepted", "dismissed"]


class DescribeRecommendation(BaseModel):
    """A retraining recommendation: retrain or keep a model version, judged by the drift
    of new data against its training dataset version, and the person's decision."""

    id: int
    model: str
    version: int
    model_version_id: int
    dataset_version: str | None = Field(description="The new data's dataset version, name@vN.")
    dataset_version_id: int
    training_dataset: str | None = Field(
        description="The training dataset version it was compared with, name@vN."
    )
    training_dataset_version_id: int | None
    trigger: Literal["check_drift", "new_dataset_version"] = Field(
        description="check_drift when asked for, new_dataset_version when a newer version "
        "of the training dataset was found."
    )
    action: Literal["retrain", "keep"]
    reasons: list[str] = Field(description="Why, naming the columns and their figures.")
    drift: dict[str, Any] = Field(
        description="columns (per column: method, psi, ks_statistic, ks_pvalue, js_distance, "
        "drifted, reasons, note), thresholds and rows."
    )
    status: RecommendationStatus
    created_by: str | None
    created_at: int
    decided_by: str | None
    decided_at: int | None
    comment: str | None = Field(description="The acceptance's comment or dismissal's reason.")
    outcome: str | None = Field(description="What accepting it did.")
    job_id: str | None = Field(description="The retraining job accepting it started.")


class ListRecommendations(BaseModel):
    recommendations: list[DescribeRecommendation]


class ListRecommendationsQuery(Request):
    """``GET recommendations``."""

    model: Key | None = optional(description="Only recommendations for this model.")
    status: RecommendationStatus | None = optional(description="Only those in this status.")


class AcceptRecommendation(Body):
    """``POST recommendations/{recommendation_id}/accept``."""

    comment: Comment | None = optional()


class DismissRecommendation(Body):
    """``POST recommendations/{recommendation_id}/dismiss``: saying why."""

    # Not blank is the service's rule, so that an empty reason gets its message saying why
    reason: Comment


class CheckModelDrift(Body):
    """``POST models/{model}/drift``: judge a version of the model on a recorded dataset
    version (its latest version unless a version or an alias is given)."""

    dataset: Key = Field(description="The new data: name@vN, or a name (its latest version).")
    version: int | None = optional(ge=1, le=2**31 - 1)
    alias: Alias | None = optional(description="The version this alias points at.")


class FeasibilityStudy(BaseModel):
    """A feasibility study run and its report."""

    run_id: str
    name: str
    status: str
    user: str | None
    start_time: int
    report: dict[str, Any] | None = Field(
        description="feasibility-report.json: per transform 1-NN error, the Bayes error's "
        "lower bound, the verdict for the target accuracy."
    )


class ListFeasibilityStudies(BaseModel):
    studies: list[FeasibilityStudy]


__all__ = [
    "AcceptRecommendation",
    "CheckModelDrift",
    "CreateTransitionRequest",
    "DecideTransitionRequest",
    "DescribeModel",
    "DescribeModelHistory",
    "DescribeModelVersion",
    "DescribeRecommendation",
    "DescribeTransitionRequest",
    "DismissRecommendation",
    "FeasibilityStudy",
    "HistoryEvent",
    "ListFeasibilityStudies",
    "ListModelVersions",
    "ListModels",
    "ListRecommendations",
    "ListRecommendationsQuery",
    "ListTransitionRequests",
    "ListTransitionRequestsQuery",
    "SetModelAlias",
]
