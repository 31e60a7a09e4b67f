"""The module-level tracking API: ``start_run``, ``log_*``, ``runs`` and friends on a default
tracker, with a stack of active runs per thread, like MLflow's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_jlab.config import (
    StoreLocation,
    absolute,
    default_artifacts,
)
from mlops_jlab.errors import InvalidInputError, RunStateError
from mlops_jlab.tracking.active_run import ActiveRun, active_stack
from mlops_jlab.tracking.frames import RunRecord
from mlops_jlab.tracking.tracker import MAX_RUNS, Tracker

if TYPE_CHECKING:  # pandas loads in half a second; only the DataFrame readers need it
    import pandas as pd

_default: Tracker | None = None


def get_tracker() -> Tracker:
    """The tracker of the store resolved for this process (see :mod:`mlops_jlab.config`)."""
    global _default
    if _default is None:
        _default = Tracker()
    return _default


def set_store(db_url: str | None = None, artifacts: str | None = None) -> Tracker:
    """Point this process's tracking at another store (None: resolve it again)."""
    global _default
    for what, value in (("db_url", db_url), ("artifacts", artifacts)):
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(
                f"set_store takes {what} as a string such as 'sqlite:///runs.sqlite' or "
                f"'/data/artifacts', not {type(value).__name__}"
            )
    if db_url is None:
        _default = Tracker()
    else:
        here = Path.cwd()
        db_url = absolute(db_url, here)
        artifacts = absolute(artifacts, here) if artifacts else default_artifacts(db_url, here)
        _default = Tracker(StoreLocation(db_url, artifacts, "set_store"))
    return _default


def active_run() -> ActiveRun | None:
    """The innermost active run of this thread, or None."""
    stack = active_stack()
    return stack[-1] if stack else None


def start_run(
    name: str | None = None,
    experiment: str | None = None,
    *,
    nested: bool = False,
    tags: Mapping[str, Any] | None = None,
    kind: str = "script",
    **details: Any,
) -> ActiveRun:
    """Start a run and make it the active one; use it as a context manager to end it.

    Parameters
    ----------
    name
        A display name; defaults to ``run-<id prefix>``.
    experiment
        The experiment's name; defaults to the notebook's name (or ``Default``).
    nested
        Start a child of the active run instead of refusing while one is active.
    tags
        Tags to set at once.
    """
    parent = active_run()
    if parent is not None and not nested:
        raise RunStateError(
            f"run {parent.id} ({parent.name}) is still active; end it with end_run() first, "
            "or pass nested=True to start a child run"
        )
    run = get_tracker().start_run(
        name,
        parent.experiment if experiment is None and parent else experiment,
        kind=kind,
        parent_id=parent.id if parent else None,
        tags=tags,
        **details,
    )
    active_stack().append(run)
    return run


def _require_active() -> ActiveRun:
    run = active_run()
    if run is None:
        raise RunStateError("no active run: call start_run() first")
    return run


def end_run(status: str = "finished") -> None:
    """End the active run."""
    _require_active().end(status)


def log_param(key: str, value: Any) -> None:
    _require_active().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    _require_active().log_params(params)


def log_metric(key: str, value: Any, step: int | None = None) -> None:
    _require_active().log_metric(key, value, step)


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    _require_active().log_metrics(metrics, step)


def set_tag(key: str, value: Any) -> None:
    _require_active().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    _require_active().set_tags(tags)


def log_artifact(obj: Any, name: str | None = None, kind: str | None = None) -> str:
    return _require_active().log_artifact(obj, name, kind)


def log_model(model: Any, name: str) -> str:
    return _require_active().log_model(model, name)


def log_dataset(
    data: Any,
    name: str | None = None,
    *,
    direction: str = "input",
    role: str | None = None,
    content: Any = None,
) -> str:
    return _require_active().log_dataset(
        data, name, direction=direction, role=role, content=content
    )


def get_run(run_id: str) -> RunRecord:
    return get_tracker().get_run(run_id)


def list_datasets() -> pd.DataFrame:
    return get_tracker().list_datasets()


def dataset_versions(name: str) -> pd.DataFrame:
    return get_tracker().dataset_versions(name)


def get_dataset_version(ref: str | int) -> dict[str, Any]:
    return get_tracker().get_dataset_version(ref)


def diff_datasets(a: str | int, b: str | int, **thresholds: float) -> dict[str, Any]:
    return get_tracker().diff_datasets(a, b, **thresholds)


def metric_history(run_id: str, key: str) -> pd.DataFrame:
    return get_tracker().metric_history(run_id, key)


def runs(
    filter: str | None = None,
    order_by: Sequence[str] | str | None = None,
    max_results: int = MAX_RUNS,
    experiment: str | None = None,
) -> pd.DataFrame:
    """Search runs, like ``mlflow.search_runs``.

    Parameters
    ----------
    filter
        E.g. ``"metrics.acc > 0.9 AND (params.model = 'rf' OR tags.team IN ('a', 'b'))"``.
    order_by
        E.g. ``["metrics.acc DESC", "start_time"]``; default newest first.
    max_results
        At most this many runs (100,000 unless told, as in MLflow).
    experiment
        Only runs of this experiment.
    """
    return get_tracker().runs(filter, order_by, max_results, experiment)
