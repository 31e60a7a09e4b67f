"""The registry's module-level API on the default tracker's store: ``register_model``,
``load_model``, ``set_alias``, ``request_transition``, ``approve`` and friends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlops_jlab.registry import advice, gate
from mlops_jlab.registry.entities import ModelVersion, Recommendation, TransitionRequest
from mlops_jlab.registry.registry import Registry
from mlops_jlab.tracking.api import get_tracker

if TYPE_CHECKING:
    import pandas as pd


def get_registry() -> Registry:
    """The registry of the store this process tracks to."""
    return Registry(get_tracker())


def register_model(
    source: str,
    name: str,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> ModelVersion:
    """Register the model a run logged as the next version of model ``name``.

    Parameters
    ----------
    source
        A run id (or an unambiguous prefix) whose run logged one model
        (``log_model``, ``%%track --model``), or ``"runs:/<run id>/<artifact name>"``.
    name
        The model's name; versions count up from 1 per name.
    description, tags
        Of the version.

    Returns
    -------
    ModelVersion
        With its source run, artifact digest, training dataset version and signature.
    """
    return get_registry().register(source, name, description, tags)


def registered_models() -> pd.DataFrame:
    """Every registered model with its latest version and aliases, as a DataFrame."""
    import pandas as pd

    frame = pd.DataFrame(
        get_registry().models(),
        columns=[
            "name",
            "description",
            "versions",
            "latest_version",
            "aliases",
            "tags",
            "created_at",
            "updated_at",
        ],
    )
    for column in ("created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def model_versions(name: str) -> pd.DataFrame:
    """The versions of model ``name``, oldest first, as a DataFrame."""
    import pandas as pd

    frame = pd.DataFrame(get_registry().version_columns(name))
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="ms", utc=True)
    return frame


def get_model_version(ref: str) -> ModelVersion:
    """A model version by ``"name/3"`` or ``"name@champion"``."""
    return get_registry().get_version(ref)


def load_model(ref: str) -> Any:
    """The model object of ``"models:/name@champion"`` or ``"models:/name/3"``, its
    artifact checked against its digest first."""
    return get_registry().load(ref)


def set_alias(name: str, alias: str, version: int | str) -> ModelVersion:
    """Point ``alias`` (or a stage: staging, production, archived) of model ``name`` at
    ``version``. A protected alias is refused: it moves by an approved request."""
    return get_registry().set_alias(name, alias, version)


def delete_alias(name: str, alias: str) -> None:
    """Remove an unprotected alias of model ``name``."""
    get_registry().remove_alias(name, alias)


def request_transition(
    name: str,
    version: int | str,
    to: str,
    condition: str | None = None,
    test: Any = None,
    reliability: float | None = None,
    mode: str | None = None,
    adaptivity: str | None = None,
    steps: int | None = None,
    reason: str | None = None,
    *,
    target: str | None = None,
    features: Sequence[str] | None = None,
    test_name: str | None = None,
) -> TransitionRequest:
    """Ask for alias ``to`` of model ``name`` to move to ``version``; a person approves or
    rejects the request (:func:`approve`, :func:`reject`).

    Parameters
    ----------
    condition
        An ease.ml/ci condition such as ``"n - o > 0.02 +/- 0.01"`` (n: the new version's
        accuracy, o: the accuracy of the version ``to`` points at now, d: how often they
        disagree), checked on ``test`` before the request is recorded: its report is
        attached, and a request whose check fails is recorded as ``failed``.
    test
        A DataFrame (recorded as a dataset version with role ``test``, under
        ``test_name``, default ``"<name>/test"``) or a recorded version, ``"name@v3"``,
        or ``"name"`` for its newest version with role test (its file is read back and
        checked against its fingerprint). Each test version has a budget of checks per
        model; when it is spent, register a fresh one.
    reliability, mode, adaptivity, steps
        The check's settings (see :class:`mlops_jlab.easeml.ci.CiSettings`).
    target, features
        The label column and the feature columns of the test set; by default those a
        scikit-learn model was fitted on and the one other column.
    reason
        Why the move is asked for.
    """
    return gate.request_transition(
        get_registry(),
        name,
        version,
        to,
        condition,
        test,
        reliability=reliability,
        mode=mode,
        adaptivity=adaptivity,
        steps=steps,
        target=target,
        features=features,
        reason=reason,
        test_name=test_name,
    )


def approve(request_id: int, comment: str | None = None) -> TransitionRequest:
    """Approve a pending request: its alias moves, in the same transaction."""
    return gate.decide(get_registry(), request_id, True, comment)


def reject(request_id: int, comment: str) -> TransitionRequest:
    """Reject a pending request, saying why."""
    return gate.decide(get_registry(), request_id, False, comment)


def transition_requests(status: str | None = None, model: str | None = None) -> pd.DataFrame:
    """Transition requests, newest first (of one status and model, if given)."""
    import pandas as pd

    frame = pd.DataFrame(
        [request.to_dict() for request in gate.list_requests(get_registry(), status, model)],
        columns=[
            "id",
            "model",
            "version",
            "to",
            "from_version",
            "status",
            "requested_by",
            "requested_at",
            "reason",
            "condition",
            "test_dataset",
            "decided_by",
            "decided_at",
            "comment",
            "report",
        ],
    )
    for column in ("requested_at", "decided_at"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def get_transition_request(request_id: int) -> TransitionRequest:
    """One transition request with its check report."""
    return gate.get_request(get_registry(), request_id)


def model_history(name: str) -> pd.DataFrame:
    """Everything that happened to model ``name``, oldest first: versions registered,
    aliases moved, requests made and decided, by whom and when."""
    import pandas as pd

    frame = pd.DataFrame(
        get_registry().history(name),
        columns=["id", "kind", "version", "actor", "created_at", "details"],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="ms", utc=True)
    return frame


def check_drift(model: str, new_data: Any, name: str | None = None) -> Recommendation:
    """Judge a model version on new data: retrain or keep, by the drift of each column
    against the dataset version it was trained on (PSI, Kolmogorov-Smirnov,
    Jensen-Shannon; the rule is :mod:`mlops_jlab.easeml.retraining`'s).

    Parameters
    ----------
    model
        ``"name"`` (its latest version), ``"name/3"``, ``"name@champion"``, or either
        behind ``models:/``.
    new_data
        A DataFrame (recorded as a dataset version with role ``realtime`` under ``name``,
        default ``"<model>/realtime"``) or a recorded dataset version: ``"name@v3"``,
        ``"name"`` (its latest) or a version id.

    Returns
    -------
    Recommendation
        Pending until a person accepts (:func:`accept_recommendation`) or dismisses
        (:func:`dismiss_recommendation`) it; asking again on the same data gives it again.
    """
    return advice.check_drift(get_registry(), model, new_data, name=name)


def recommendations(model: str | None = None, status: str | None = None) -> pd.DataFrame:
    """Retraining recommendations, newest first (of one model and status, if given).

    First makes the ones new training data calls for: a version an alias points at (or
    a model's latest) whose training dataset has a newer version of the same name gets a
    pending recommendation on it, once.
    """
    import pandas as pd

    registry = get_registry()
    advice.check_status(status)
    advice.detect(registry, model)
    found = advice.list_recommendations(registry, model, status)
    frame = pd.DataFrame(
        [item.to_dict() | {"drifted_columns": item.drifted_columns} for item in found],
        columns=[
            "id",
            "model",
            "version",
            "action",
            "status",
            "dataset_version",
            "training_dataset",
            "drifted_columns",
            "reasons",
            "trigger",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "comment",
            "outcome",
            "job_id",
        ],
    )
    for column in ("created_at", "decided_at"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def get_recommendation(recommendation_id: int) -> Recommendation:
    """One retraining recommendation with its reasons and per-column drift."""
    return advice.get_recommendation(get_registry(), recommendation_id)


def accept_recommendation(recommendation_id: int, comment: str | None = None) -> Recommendation:
    """Accept a pending recommendation. To retrain: when the model version's run came
    from a job, a job of that pipeline (its latest version) starts with the parameters the
    training job had, and its id is recorded; otherwise the version is tagged
    ``retrain=requested``. To keep: nothing runs. A decision is final."""
    return advice.accept(get_registry(), recommendation_id, comment)


def dismiss_recommendation(recommendation_id: int, reason: str) -> Recommendation:
    """Dismiss a pending recommendation, saying why (the reason is required)."""
    return advice.dismiss(get_registry(), recommendation_id, reason)


def registry_settings() -> dict[str, Any]:
    """The store's protected aliases and whether one may approve one's own request."""
    return get_registry().settings()


def set_registry_settings(
    protected_aliases: Sequence[str] | None = None, allow_self_approval: bool | None = None
) -> dict[str, Any]:
    """Change the store's protected aliases or self-approval rule (None: unchanged)."""
    return get_registry().set_settings(protected_aliases, allow_self_approval)
