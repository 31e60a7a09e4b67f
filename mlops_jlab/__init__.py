"""mlops-jlab: MLOps inside JupyterLab.

Record runs with the tracking API and search them::

    import mlops_jlab as ml
    with ml.start_run(name="baseline") as run:
        ml.log_params({"lr": 0.01})
        ml.log_metric("acc", 0.93)
    ml.runs("metrics.acc > 0.9")
"""

from mlops_jlab._version import __version__
from mlops_jlab.easeml.api import feasibility
from mlops_jlab.errors import (
    FilterWarning,
    InvalidInputError,
    MlopsError,
    NotFoundError,
    QuerySyntaxError,
    RunStateError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
)
from mlops_jlab.pipelines.api import (
    cancel_job,
    delete_schedule,
    get_job,
    get_pipeline,
    get_schedule,
    get_sweep,
    jobs,
    pause_schedule,
    promote,
    rerun_job,
    resume_schedule,
    run_job,
    schedule,
    schedules,
    sweep,
    update_schedule,
)
from mlops_jlab.registry import (
    accept_recommendation,
    approve,
    check_drift,
    delete_alias,
    dismiss_recommendation,
    get_model_version,
    get_recommendation,
    get_registry,
    get_transition_request,
    load_model,
    model_history,
    model_versions,
    recommendations,
    register_model,
    registered_models,
    registry_settings,
    reject,
    request_transition,
    set_alias,
    set_registry_settings,
    transition_requests,
)
from mlops_jlab.tracking import (
    active_run,
    dataset_versions,
    diff_datasets,
    end_run,
    flush,
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

__all__ = [
    "FilterWarning",
    "InvalidInputError",
    "MlopsError",
    "NotFoundError",
    "QuerySyntaxError",
    "RunStateError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreReadOnlyError",
    "__version__",
    "accept_recommendation",
    "active_run",
    "approve",
    "cancel_job",
    "check_drift",
    "dataset_versions",
    "delete_alias",
    "delete_schedule",
    "diff_datasets",
    "dismiss_recommendation",
    "end_run",
    "feasibility",
    "flush",
    "get_dataset_version",
    "get_job",
    "get_model_version",
    "get_pipeline",
    "get_recommendation",
    "get_registry",
    "get_run",
    "get_schedule",
    "get_sweep",
    "get_tracker",
    "get_transition_request",
    "jobs",
    "list_datasets",
    "load_model",
    "log_artifact",
    "log_dataset",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "metric_history",
    "model_history",
    "model_versions",
    "pause_schedule",
    "promote",
    "recommendations",
    "register_model",
    "registered_models",
    "registry_settings",
    "reject",
    "request_transition",
    "rerun_job",
    "resume_schedule",
    "run_job",
    "runs",
    "schedule",
    "schedules",
    "set_alias",
    "set_registry_settings",
    "set_store",
    "set_tag",
    "set_tags",
    "start_run",
    "sweep",
    "transition_requests",
    "update_schedule",
]


def load_ipython_extension(shell) -> None:
    """``%load_ext mlops_jlab``: the ``%%track`` magic and its companions."""
    from mlops_jlab.kernel.magics import load

    load(shell)


def unload_ipython_extension(shell) -> None:
    from mlops_jlab.kernel.magics import unload

    unload(shell)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "mlops-jlab"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    from mlops_jlab.server.app import MlopsApp

    return [{"module": "mlops_jlab", "app": MlopsApp}]
