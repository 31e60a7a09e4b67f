"""What the registry hands back: a model version and a transition request, as plain records
(their ``to_dict`` is what the REST API answers and the DataFrames are made of)."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_jlab.rules import STAGES, utc_text

if TYPE_CHECKING:
    from mlops_jlab.registry.registry import Registry


def stage_of(aliases: list[str]) -> str | None:
    """The stage a version is in: the first of its aliases with a reserved name, if any."""
    return next((alias for alias in aliases if alias in STAGES), None)


@dataclass
class ModelVersion:
    """A registered model version.

    Attributes
    ----------
    model, version
        The model's name and the version's number (1, 2, ... per model).
    run_id, artifact_name, digest
        The run it came from, the run's artifact (``clf.pkl``) and its content digest.
    training_dataset, training_dataset_version_id
        The dataset version it was trained on (``name@vN``): the run's input with role
        ``train``, else its first input.
    signature
        The columns of that dataset version (``{"inputs": [{"name", "dtype"}, ...]}``).
    aliases
        The aliases (and stages) pointing at it now.
    """

    id: int
    model: str
    version: int
    run_id: str | None
    artifact_name: str | None
    digest: str | None
    training_dataset_version_id: int | None
    training_dataset: str | None
    signature: dict[str, Any] | None
    description: str | None
    tags: dict[str, str]
    aliases: list[str]
    created_by: str | None
    created_at: int

    @property
    def stage(self) -> str | None:
        """The stage it is in (an alias with a reserved name), if any."""
        return stage_of(self.aliases)

    @property
    def ref(self) -> str:
        """``models:/name/N``, which :func:`mlops_jlab.load_model` takes."""
        return f"models:/{self.model}/{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "stage": self.stage}

    def __repr__(self) -> str:
        shown = f" @{', @'.join(self.aliases)}" if self.aliases else ""
        return f"<ModelVersion {self.model} v{self.version}{shown} run={self.run_id}>"


@dataclass
class TransitionRequest:
    """A request to move an alias (or stage) of a model to one of its versions.

    ``status`` is ``pending`` until a person approves or rejects it; ``failed`` when its
    check failed or could not run (the alias does not move on it). ``report`` is the ci
    check's report, when a condition was given.
    """

    id: int
    model: str
    version: int
    to: str
    from_version: int | None
    status: str
    requested_by: str | None
    requested_at: int
    reason: str | None
    condition: str | None
    test_dataset: str | None
    test_dataset_version_id: int | None
    report: dict[str, Any] | None
    decided_by: str | None = None
    decided_at: int | None = None
    comment: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    # The registry it was read from (set by the gate), where its view approves and rejects.
    # A class attribute, not a field: it is no part of the record (to_dict, equality).
    _registry = None

    @property
    def registry(self) -> Registry:
        """The registry (store) this request was read from; the default one if unknown."""
        if self._registry is not None:
            return self._registry
        from mlops_jlab.registry.api import get_registry

        return get_registry()

    def to_dict(self) -> dict[str, Any]:
        described = asdict(self)
        described.pop("extra")
        return described

    def __repr__(self) -> str:
        return (
            f"<TransitionRequest {self.id}: {self.model} v{self.version} -> @{self.to} "
            f"({self.status})>"
        )

    def _repr_html_(self) -> str:
        return request_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """What IPython shows: in a kernel, the widget view with Approve and Reject, beside
        the HTML table and the text that front ends without widgets show instead."""
        from mlops_jlab.kernel.request_view import display_bundle

        return display_bundle(self)


def _row(label: str, value: Any) -> str:
    shown = "" if value is None else html.escape(str(value))
    return f"<tr><th style='text-align:left'>{html.escape(label)}</th><td>{shown}</td></tr>"


def _when(ms: int | None) -> str | None:
    """A time in ms since the epoch as ``2024-05-01 12:00:00 UTC``."""
    return None if ms is None else utc_text(ms)


def request_html(request: TransitionRequest) -> str:
    """A request, its decision and its check report as an HTML table: what a notebook shows
    of it (inside its widget view, and alone where widgets do not render, as in nbconvert
    and papermill output notebooks). Every text a user wrote is escaped."""
    rows = [
        _row("request", f"#{request.id}: {request.model} v{request.version} -> @{request.to}"),
        _row("status", request.status),
        _row("replaces", f"v{request.from_version}" if request.from_version else "nothing"),
        _row("asked by", request.requested_by),
        _row("asked at", _when(request.requested_at)),
        _row("reason", request.reason),
    ]
    if request.decided_by or request.decided_at or request.comment:
        rows += [
            _row("decided by", request.decided_by),
            _row("decided at", _when(request.decided_at)),
            _row("comment", request.comment),
        ]
    report = request.report or {}
    if request.condition:
        rows += [
            _row("condition", request.condition),
            _row("settings", _settings_text(report.get("settings") or {})),
            _row("test set", request.test_dataset),
            _row(
                "examples",
                f"{report.get('examples_needed')} needed, {report.get('examples_used')} used",
            ),
            _row("outcome", f"{report.get('outcome')} (decision: {report.get('decision')})"),
        ]
        if report.get("budget"):
            rows.append(_row("budget left", _budget_text(report["budget"])))
        if report.get("error"):
            whose = report.get("failed_model")
            error = f"{whose} model: {report['error']}" if whose else report["error"]
            rows.append(_row("error", error))
    table = "".join(rows)
    clauses = report.get("clauses") or []
    if clauses:
        head = "".join(f"<th>{name}</th>" for name in ("clause", "estimate", "interval", "outcome"))
        body = "".join(
            "<tr>"
            f"<td>{html.escape(str(c.get('text')))}</td>"
            f"<td>{_number(c.get('estimate'))}</td>"
            f"<td>[{_number(c.get('low'))}, {_number(c.get('high'))}]</td>"
            f"<td>{html.escape(str(c.get('outcome')))}</td>"
            "</tr>"
            for c in clauses
        )
        table += f"<tr><td colspan='2'><table><tr>{head}</tr>{body}</table></td></tr>"
    return f"<table class='mlops-request'>{table}</table>"


def _settings_text(settings: dict[str, Any]) -> str:
    if not settings:
        return ""
    return (
        f"reliability {settings.get('reliability')}, mode {settings.get('mode')}, "
        f"adaptivity {settings.get('adaptivity')}, {settings.get('steps')} steps"
    )


def _budget_text(budget: dict[str, Any]) -> str:
    text = f"{budget.get('left')} of {budget.get('steps')} evaluations"
    if budget.get("exhausted"):
        text += " (used up: register a fresh version of the test set with role 'test')"
    return text


def _number(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) else html.escape(json.dumps(value))


@dataclass
class Recommendation:
    """Retrain or keep a model version, judged by the drift of new data against the
    dataset version it was trained on; ``pending`` until a person accepts or dismisses it.

    Attributes
    ----------
    action
        ``retrain`` or ``keep`` (:mod:`mlops_jlab.easeml.retraining` says by which rule).
    reasons
        Why, in words naming the columns and their figures.
    drift
        ``columns`` (per column: method, PSI, KS statistic and p-value or Jensen-Shannon
        distance, drifted, reasons), ``thresholds`` and ``rows``.
    trigger
        ``check_drift`` (asked for) or ``new_dataset_version`` (found when listing).
    outcome, job_id
        What accepting it did: the retraining job it started, or retraining requested.
    """

    id: int
    model: str
    version: int
    model_version_id: int
    dataset_version: str | None
    dataset_version_id: int
    training_dataset: str | None
    training_dataset_version_id: int | None
    trigger: str
    action: str
    reasons: list[str]
    drift: dict[str, Any]
    status: str
    created_by: str | None
    created_at: int
    decided_by: str | None = None
    decided_at: int | None = None
    comment: str | None = None
    outcome: str | None = None
    job_id: str | None = None

    @property
    def drifted_columns(self) -> list[str]:
        columns = self.drift.get("columns") or {}
        return [name for name, column in columns.items() if column.get("drifted")]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        return (
            f"<Recommendation {self.id}: {self.action} {self.model} v{self.version} on "
            f"{self.dataset_version} ({self.status})>"
        )

    def _repr_html_(self) -> str:
        return recommendation_html(self)


def recommendation_html(found: Recommendation) -> str:
    """A recommendation, its reasons and its per-column drift as an HTML table."""
    rows = [
        _row("recommendation", f"#{found.id}: {found.action} {found.model} v{found.version}"),
        _row("status", found.status),
        _row("new data", found.dataset_version),
        _row("trained on", found.training_dataset),
        _row("found by", f"{found.trigger} ({found.created_by})"),
    ]
    rows += [_row("reason", reason) for reason in found.reasons]
    if found.status != "pending":
        rows += [_row("decided by", found.decided_by), _row("comment", found.comment)]
        rows.append(_row("outcome", found.outcome))
    table = "".join(rows)
    columns = found.drift.get("columns") or {}
    if columns:
        names = ("column", "method", "PSI", "KS statistic", "KS p-value", "JS distance", "drifted")
        head = "".join(f"<th>{name}</th>" for name in names)
        body = "".join(
            "<tr>"
            f"<td>{html.escape(name)}</td>"
            f"<td>{html.escape(str(column.get('method') or column.get('note')))}</td>"
            + "".join(
                f"<td>{_number(column[key]) if key in column else ''}</td>"
                for key in ("psi", "ks_statistic", "ks_pvalue", "js_distance")
            )
            + f"<td>{'yes' if column.get('drifted') else ''}</td>"
            "</tr>"
            for name, column in columns.items()
        )
        table += f"<tr><td colspan='2'><table><tr>{head}</tr>{body}</table></td></tr>"
    return f"<table class='mlops-recommendation'>{table}</table>"
