"""What the registry's REST API does, without HTTP: models, versions, aliases, transition
requests and decisions, the audit history, recommendations and feasibility studies.

The acting user is the Jupyter server's authenticated user, passed in by the handlers;
every rule (protected aliases, self-approval, final decisions) is the registry's own
(:mod:`mlops_jlab.registry`), the same a kernel obeys.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import InvalidInputError, MlopsError, NotFoundError
from mlops_jlab.pipelines.executor import Executor
from mlops_jlab.registry import advice, gate
from mlops_jlab.registry.registry import Registry
from mlops_jlab.rules import check_key
from mlops_jlab.server.registry_schemas import (
    AcceptRecommendation,
    CheckModelDrift,
    CreateTransitionRequest,
    DescribeModel,
    DescribeModelHistory,
    DescribeModelVersion,
    DescribeRecommendation,
    DescribeTransitionRequest,
    DismissRecommendation,
    FeasibilityStudy,
    HistoryEvent,
    ListFeasibilityStudies,
    ListModels,
    ListModelVersions,
    ListRecommendations,
    ListRecommendationsQuery,
    ListTransitionRequests,
    ListTransitionRequestsQuery,
    SetModelAlias,
)
from mlops_jlab.store.tables import RUN_ARTIFACTS, RUNS
from mlops_jlab.tracking import Tracker

FEASIBILITY_KIND = "feasibility"
FEASIBILITY_REPORT = "feasibility-report.json"
MAX_STUDIES = 200


def _positive(text: str, what: str) -> int:
    """A number from a path, or NotFoundError: ids and versions are positive numbers."""
    if not (text.isascii() and text.isdecimal()) or not 0 < int(text) < 2**31:
        raise NotFoundError(f"no {what} {text[:40]!r}; it is a positive number")
    return int(text)


def _model(name: str) -> str:
    """A model's name from a path, or NotFoundError: no model has a name the registry
    would refuse."""
    try:
        return check_key("model name", name)
    except InvalidInputError:
        raise NotFoundError(f"no registered model named {name[:60]!r}") from None


class RegistryService:
    """The registry's operations on one store; retraining jobs a recommendation's
    acceptance starts run in ``executor`` (the server's), else in a local one."""

    def __init__(self, location: StoreLocation, executor: Executor | None = None):
        self.location = location
        self.executor = executor

    @cached_property
    def registry(self) -> Registry:
        return Registry(Tracker(self.location))

    # --- models and versions ----------------------------------------------------------

    def list_models(self) -> ListModels:
        settings = self.registry.settings()
        return ListModels(models=self.registry.models(), **settings)

    def describe_model(self, name: str) -> DescribeModel:
        name = _model(name)
        summary = self.registry.model(name)
        return DescribeModel(
            **summary,
            model_versions=[v.to_dict() for v in self.registry.versions(name)],
            pending_requests=[
                r.to_dict() for r in gate.list_requests(self.registry, "pending", name)
            ],
            protected_aliases=self.registry.settings()["protected_aliases"],
        )

    def list_versions(self, name: str) -> ListModelVersions:
        name = _model(name)
        return ListModelVersions(versions=[v.to_dict() for v in self.registry.versions(name)])

    def describe_version(self, name: str, version: str) -> DescribeModelVersion:
        name = _model(name)
        number = _positive(version, f"version of model {name!r}")
        return DescribeModelVersion(**self.registry.version(name, number).to_dict())

    def set_alias(
        self, name: str, alias: str, body: SetModelAlias, user: str | None
    ) -> DescribeModelVersion:
        name = _model(name)
        found = self.registry.set_alias(name, alias, body.version, actor=user)
        return DescribeModelVersion(**found.to_dict())

    def remove_alias(self, name: str, alias: str, user: str | None) -> DescribeModel:
        name = _model(name)
        self.registry.remove_alias(name, alias, actor=user)
        return self.describe_model(name)

    def history(self, name: str) -> DescribeModelHistory:
        name = _model(name)
        events = [HistoryEvent(**event) for event in self.registry.history(name)]
        return DescribeModelHistory(model=name, events=events)

    # --- transition requests ----------------------------------------------------------

    def list_requests(self, query: ListTransitionRequestsQuery) -> ListTransitionRequests:
        found = gate.list_requests(self.registry, query.status, query.model)
        return ListTransitionRequests(requests=[r.to_dict() for r in found])

    def describe_request(self, request_id: str) -> DescribeTransitionRequest:
        number = _positive(request_id, "transition request")
        return DescribeTransitionRequest(**gate.get_request(self.registry, number).to_dict())

    def create_request(
        self, body: CreateTransitionRequest, user: str | None
    ) -> DescribeTransitionRequest:
        created = gate.request_transition(
            self.registry,
            body.model,
            body.version,
            body.to,
            body.condition,
            body.test,
            reliability=body.reliability,
            mode=body.mode,
            adaptivity=body.adaptivity,
            steps=body.steps,
            target=body.target,
            features=body.features,
            reason=body.reason,
            actor=user,
        )
        return DescribeTransitionRequest(**created.to_dict())

    def decide_request(
        self, request_id: str, approve: bool, comment: str | None, user: str | None
    ) -> DescribeTransitionRequest:
        number = _positive(request_id, "transition request")
        decided = gate.decide(self.registry, number, approve, comment, user)
        return DescribeTransitionRequest(**decided.to_dict())

    # --- retraining recommendations ----------------------------------------------------

    def list_recommendations(
        self, query: ListRecommendationsQuery, user: str | None
    ) -> ListRecommendations:
        """Recommendations, newest first, after making those new training data calls for."""
        advice.detect(self.registry, query.model, actor=user)
        found = advice.list_recommendations(self.registry, query.model, query.status)
        return ListRecommendations(recommendations=[r.to_dict() for r in found])

    def describe_recommendation(self, recommendation_id: str) -> DescribeRecommendation:
        number = _positive(recommendation_id, "retraining recommendation")
        found = advice.get_recommendation(self.registry, number)
        return DescribeRecommendation(**found.to_dict())

    def accept_recommendation(
        self, recommendation_id: str, body: AcceptRecommendation, user: str | None
    ) -> DescribeRecommendation:
        number = _positive(recommendation_id, "retraining recommendation")
        found = advice.accept(self.registry, number, body.comment, user, self.executor)
        return DescribeRecommendation(**found.to_dict())

    def dismiss_recommendation(
        self, recommendation_id: str, body: DismissRecommendation, user: str | None
    ) -> DescribeRecommendation:
        number = _positive(recommendation_id, "retraining recommendation")
        found = advice.dismiss(self.registry, number, body.reason, user)
        return DescribeRecommendation(**found.to_dict())

    def check_drift(
        self, name: str, body: CheckModelDrift, user: str | None
    ) -> DescribeRecommendation:
        name = _model(name)
        if body.version is not None and body.alias is not None:
            raise InvalidInputError("give a version or an alias, not both")
        ref = name
        if body.version is not None:
            ref = f"{name}/{body.version}"
        elif body.alias is not None:
            ref = f"{name}@{body.alias}"
        found = advice.check_drift(self.registry, ref, body.dataset, actor=user)
        return DescribeRecommendation(**found.to_dict())

    # --- feasibility ------------------------------------------------------------------

    def feasibility_studies(self) -> ListFeasibilityStudies:
        """The feasibility study runs, newest first, with their reports."""
        reports = RUN_ARTIFACTS.alias("report")
        statement = (
            sa.select(
                RUNS.c.id,
                RUNS.c.name,
                RUNS.c.status,
                RUNS.c.user,
                RUNS.c.start_time,
                reports.c.digest,
            )
            .outerjoin(
                reports,
                sa.and_(reports.c.run_id == RUNS.c.id, reports.c.name == FEASIBILITY_REPORT),
            )
            .where(RUNS.c.kind == FEASIBILITY_KIND, RUNS.c.deleted_at.is_(None))
            .order_by(RUNS.c.start_time.desc())
            .limit(MAX_STUDIES)
        )
        with self.registry.read() as conn:
            rows = conn.execute(statement).all()
        return ListFeasibilityStudies(
            studies=[
                FeasibilityStudy(
                    run_id=run_id,
                    name=name,
                    status=status,
                    user=user,
                    start_time=start,
                    report=self._report(digest),
                )
                for run_id, name, status, user, start, digest in rows
            ]
        )

    def _report(self, digest: str | None) -> dict[str, Any] | None:
        """A stored report, or None when it is missing or unreadable (the run still shows)."""
        if digest is None:
            return None
        try:
            loaded = json.loads(self.registry.tracker.artifacts.get_bytes(digest))
        except (MlopsError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None
