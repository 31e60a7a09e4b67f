"""``ml.feasibility``: a feasibility study recorded as a run, beside the runs it is meant to
spare."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlops_jlab.easeml.feasibility import (
    DEFAULT_TRANSFORMS,
    FeasibilityReport,
    prepare_study,
    run_study,
)
from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import check_key
from mlops_jlab.tracking.api import active_run, start_run

if TYPE_CHECKING:
    import pandas as pd

REPORT_ARTIFACT = "feasibility-report.json"
DEFAULT_DATASET = "feasibility-data"


def feasibility(
    data: pd.DataFrame,
    target: str,
    target_accuracy: float | None = None,
    transforms: Sequence[str] = DEFAULT_TRANSFORMS,
    *,
    name: str | None = None,
) -> FeasibilityReport:
    """Study whether ``target_accuracy`` is reachable on ``data`` before training, and record
    the study as a run of kind ``feasibility``.

    The run (a child of the active run, if there is one) reads ``data`` as a dataset version
    and records the params ``target``, ``target_accuracy`` and ``transforms``, the metrics
    ``one_nn_error``, ``ber_lower_bound`` and ``one_nn_error.<transform>`` for each
    transformation, the tag ``verdict`` (when a target is given), and the report as the
    artifact ``feasibility-report.json``.

    Parameters
    ----------
    data
        The labelled data: every column but ``target`` is a feature (numbers or booleans).
    target
        The column holding the class labels.
    target_accuracy
        The accuracy hoped for, in (0, 1].
    transforms
        Transformations of the features to try (see :func:`~mlops_jlab.easeml.feasibility.study`).
    name
        The dataset's name the data's version is recorded under (``feasibility-data`` unless
        told); the run is named ``feasibility of <name>``.

    Returns
    -------
    FeasibilityReport
        With ``run_id``, the run that recorded it.

    Raises
    ------
    InvalidInputError
        For data a study cannot use (see :func:`~mlops_jlab.easeml.feasibility.study`),
        before any run is started.
    """
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"feasibility takes the data as a pandas DataFrame, not {type(data).__name__}"
        )
    if target not in data.columns:
        raise InvalidInputError(
            f"the data has no target column {target!r}; its columns are "
            f"{', '.join(map(str, data.columns))}"
        )
    dataset = check_key("dataset name", name) if name is not None else DEFAULT_DATASET
    inputs = prepare_study(data.drop(columns=[target]), data[target], target_accuracy, transforms)
    with start_run(
        f"feasibility of {dataset}", kind="feasibility", nested=active_run() is not None
    ) as run:
        run.log_dataset(data, dataset)
        params = {"target": target, "transforms": ",".join(inputs.transforms)}
        if inputs.target_accuracy is not None:
            params["target_accuracy"] = inputs.target_accuracy
        run.log_params(params)
        report = run_study(inputs)
        report.run_id = run.id
        run.log_metrics(
            {
                "one_nn_error": report.one_nn_error,
                "ber_lower_bound": report.ber_lower_bound,
                **{f"one_nn_error.{t.name}": t.error for t in report.transforms},
            }
        )
        if report.verdict is not None:
            run.set_tag("verdict", report.verdict)
        document = json.dumps(report.to_dict(), indent=2).encode()
        run.log_artifact(document, REPORT_ARTIFACT)
    return report
