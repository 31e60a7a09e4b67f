"""The model registry: registered models, numbered versions from runs' models, aliases and
stages, the approval gate that moves protected aliases only on a person's decision, and
retraining recommendations that wait for one (:mod:`~.advice`).

:mod:`~mlops_jlab.registry.registry` registers, finds and loads versions and moves free
aliases; :mod:`~.gate` records transition requests (with their ease.ml/ci check) and
decisions; :mod:`~.records` holds their statements; :mod:`~.api` the module-level
functions ``mlops_jlab`` offers.
"""

from mlops_jlab.registry.api import (
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
from mlops_jlab.registry.entities import ModelVersion, Recommendation, TransitionRequest
from mlops_jlab.registry.registry import Registry

__all__ = [
    "ModelVersion",
    "Recommendation",
    "Registry",
    "TransitionRequest",
    "accept_recommendation",
    "approve",
    "check_drift",
    "delete_alias",
    "dismiss_recommendation",
    "get_model_version",
    "get_recommendation",
    "get_registry",
    "get_transition_request",
    "load_model",
    "model_history",
    "model_versions",
    "recommendations",
    "register_model",
    "registered_models",
    "registry_settings",
    "reject",
    "request_transition",
    "set_alias",
    "set_registry_settings",
    "transition_requests",
]
