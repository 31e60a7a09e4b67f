"""The tracking API: runs, params, metrics, tags, artifacts and datasets.

``with start_run() as run: log_param(...)`` feels like MLflow's API; every call writes
through at once in one short transaction, so nothing logged is lost if the process dies.
Tracked notebook cells record through these same functions, buffered and written by a
background thread (:mod:`~mlops_jlab.tracking.writer`).

:mod:`~mlops_jlab.tracking.api` holds the module-level functions, :mod:`~.tracker` a
tracker bound to one store, :mod:`~.active_run` a run being recorded, :mod:`~.drafts` the
dataset versions it recorded and their profiles, :mod:`~.checks` what their input must be,
:mod:`~.frames` what reads give back and :mod:`~.compare` the rules of comparing runs.
"""

from mlops_jlab.tracking.active_run import ActiveRun
from mlops_jlab.tracking.api import (
    active_run,
    dataset_versions,
    diff_datasets,
    end_run,
    get_dataset_version,
    get_run,
    get_tracker,
    list_datasets,
    log_artifact,
    log_dataset,
    log_metric,
    log_metrics,
    log_model,
    log_param,
    log_params,
    metric_history,
    runs,
    set_store,
    set_tag,
    set_tags,
    start_run,
)
from mlops_jlab.tracking.frames import RunRecord
from mlops_jlab.tracking.tracker import Tracker
from mlops_jlab.tracking.writer import flush, write_problems

__all__ = [
    "ActiveRun",
    "RunRecord",
    "Tracker",
    "active_run",
    "dataset_versions",
    "diff_datasets",
    "end_run",
    "flush",
    "get_dataset_version",
    "get_run",
    "get_tracker",
    "list_datasets",
    "log_artifact",
    "log_dataset",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "metric_history",
    "runs",
    "set_store",
    "set_tag",
    "set_tags",
    "start_run",
    "write_problems",
]
