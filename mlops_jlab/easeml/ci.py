"""ease.ml/ci: test a new model against an old one on a labelled test set with a condition
such as ``n - o > 0.02 +/- 0.01`` and a reliability, and say pass, fail or unknown.

Each variable is estimated on the test set (``n`` and ``o`` as accuracies, ``d`` as the
fraction of examples the models disagree on). A clause's interval is its estimate plus or
minus its tolerance: it passes if the interval lies wholly on the satisfying side, fails
if wholly on the other, and is unknown otherwise. The condition passes if every clause
passes and fails if any fails; an unknown is decided by the mode (``fp-free``: fail,
``fn-free``: pass). A test set only serves a number of evaluations (see
:func:`~mlops_jlab.easeml.ci_bounds.budget`), after which a fresh one is needed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlops_jlab.easeml.ci_bounds import (
    Budget,
    CiSettings,
    ClauseSize,
    as_settings,
    budget,
    clause_sizes,
    required_examples,
)
from mlops_jlab.easeml.ci_conditions import Clause, Condition, parse_condition
from mlops_jlab.errors import ConditionSyntaxError, InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Budget",
    "CiReport",
    "CiSettings",
    "Clause",
    "Condition",
    "ConditionSyntaxError",
    "budget",
    "check_models",
    "evaluate",
    "parse_condition",
    "required_examples",
]

_USED_UP = "the test set is used up: register a fresh version of it with role 'test'"


@dataclass
class CiReport:
    """What one evaluation found: the raw three-valued ``outcome``, the ``decision`` the
    mode makes of it, each clause's estimate and interval, and the test set's budget
    after it (an evaluation that failed because a model raised spends none)."""

    outcome: str
    decision: str
    condition: str
    settings: dict[str, Any]
    clauses: list[dict[str, Any]] = field(default_factory=list)
    estimates: dict[str, float] = field(default_factory=dict)
    examples_used: int = 0
    examples_needed: int = 0
    budget: Budget | None = None
    prediction_seconds: float = 0.0
    check_seconds: float = 0.0
    error: str | None = None
    failed_model: str | None = None  # "new" or "old": whose predict raised

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able values."""
        return asdict(self)


@dataclass(frozen=True)
class _Checked:
    """A condition, settings and earlier outcomes found usable, with what they imply."""

    condition: Condition
    settings: CiSettings
    outcomes: tuple[str, ...]
    needed: int
    sizes: list[ClauseSize]
    needs_old: bool


def _check(
    condition: Condition | str,
    settings: CiSettings | Mapping | None,
    outcomes: Sequence[str],
    examples: int,
    has_old: bool,
) -> _Checked:
    """Refuse, before anything is computed, what cannot be evaluated."""
    condition = parse_condition(condition)
    settings = as_settings(settings)
    spent = budget(settings, outcomes)
    if spent.exhausted:
        raise InvalidInputError(
            f"{_USED_UP} (it served {spent.used} of its {spent.steps} evaluations under "
            f"{settings.adaptivity} adaptivity)"
        )
    needs_old = bool(condition.variables & {"o", "d"})
    if needs_old and not has_old:
        raise InvalidInputError(
            f"the condition '{condition.text}' uses "
            f"{' and '.join(sorted(condition.variables & {'o', 'd'}))}: give the old model's "
            "predictions (or the old model) too"
        )
    sizes = clause_sizes(condition, settings)
    needed = max(size.examples for size in sizes)
    if examples < needed:
        raise InvalidInputError(
            f"the test set has {examples:,} examples but '{condition.text}' at reliability "
            f"{settings.reliability:g} over {settings.steps} steps ({settings.adaptivity} "
            f"adaptivity, {settings.mode}) needs {needed:,}: label more examples, widen the "
            "tolerance or lower the reliability"
        )
    return _Checked(condition, settings, tuple(outcomes), needed, sizes, needs_old)


def _column(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidInputError(f"{what} must be one value per example (1-D), not {array.shape}")
    return array


def _has_nulls(array: np.ndarray) -> bool:
    if array.dtype.kind in "biu":
        return False
    if array.dtype.kind in "fc":
        return bool(np.isnan(array).any())
    import pandas as pd

    return bool(pd.isna(array).any())


def _agree(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per example, whether ``a`` and ``b`` hold the same label (labels of incomparable
    types, such as the text '1' and the number 1, differ)."""
    same = a == b
    if not isinstance(same, np.ndarray):  # NumPy answers one False for mismatched types
        return np.zeros(len(a), dtype=bool)
    return same


def _clause_result(
    clause: Clause, estimates: dict[str, float], examples: int, bound: str
) -> dict[str, Any]:
    value = clause.value(estimates)
    low, high = value - clause.tolerance, value + clause.tolerance
    if clause.holds(low) and clause.holds(high):
        outcome = "pass"
    elif not clause.holds(low) and not clause.holds(high):
        outcome = "fail"
    else:
        outcome = "unknown"
    return {
        "text": clause.text,
        "estimate": value,
        "low": low,
        "high": high,
        "threshold": clause.threshold,
        "tolerance": clause.tolerance,
        "outcome": outcome,
        "examples_needed": examples,
        "bound": bound,
    }


def _decide(outcome: str, mode: str) -> str:
    if outcome != "unknown":
        return outcome
    return "fail" if mode == "fp-free" else "pass"


def _report(
    checked: _Checked, labels: np.ndarray, new: np.ndarray, old: np.ndarray | None
) -> CiReport:
    estimates: dict[str, float] = {}
    used = checked.condition.variables
    count = len(labels)
    if "n" in used:
        estimates["n"] = int(np.count_nonzero(_agree(new, labels))) / count
    if "o" in used:
        estimates["o"] = int(np.count_nonzero(_agree(old, labels))) / count
    if "d" in used:
        estimates["d"] = (count - int(np.count_nonzero(_agree(new, old)))) / count
    clauses = [
        _clause_result(clause, estimates, size.examples, size.bound)
        for clause, size in zip(checked.condition.clauses, checked.sizes, strict=True)
    ]
    results = {clause["outcome"] for clause in clauses}
    outcome = "fail" if "fail" in results else "unknown" if "unknown" in results else "pass"
    decision = _decide(outcome, checked.settings.mode)
    return CiReport(
        outcome=outcome,
        decision=decision,
        condition=checked.condition.text,
        settings=checked.settings.to_dict(),
        clauses=clauses,
        estimates=estimates,
        examples_used=len(labels),
        examples_needed=checked.needed,
        budget=budget(checked.settings, [*checked.outcomes, decision]),
    )


def evaluate(
    condition: Condition | str,
    settings: CiSettings | Mapping | None,
    labels: Any,
    new_predictions: Any,
    old_predictions: Any = None,
    *,
    outcomes: Sequence[str] = (),
) -> CiReport:
    """Test ``condition`` on a labelled test set from both models' predictions.

    Parameters
    ----------
    condition
        A parsed condition or its text, e.g. ``"n - o > 0.02 +/- 0.01"``.
    settings
        Reliability, mode, adaptivity and steps (:class:`CiSettings` or a mapping of them).
    labels, new_predictions, old_predictions
        One value per example, of equal length; the old model's are needed when the
        condition uses ``o`` or ``d``.
    outcomes
        The decisions (``pass``/``fail``) of the evaluations already made on this test set,
        oldest first: they decide whether it still serves one.

    Returns
    -------
    CiReport

    Raises
    ------
    InvalidInputError
        Before anything is computed: a test set smaller than :func:`required_examples`
        (saying how many it needs), a used-up test set, missing old predictions, arrays
        of different lengths or labels with nulls.
    """
    started = time.perf_counter()
    labels = _column(labels, "labels")
    new = _column(new_predictions, "the new model's predictions")
    old = None
    if old_predictions is not None:
        old = _column(old_predictions, "the old model's predictions")
    for what, array in (("the new model's predictions", new), ("the old model's predictions", old)):
        if array is not None and len(array) != len(labels):
            raise InvalidInputError(
                f"{what} hold {len(array):,} values for {len(labels):,} labels: give one per "
                "example"
            )
    checked = _check(condition, settings, outcomes, len(labels), old is not None)
    if _has_nulls(labels):
        raise InvalidInputError("the labels hold nulls: drop those examples or label them")
    report = _report(checked, labels, new, old if checked.needs_old else None)
    report.check_seconds = time.perf_counter() - started
    return report


def _frame_columns(
    test_frame: pd.DataFrame, target: str, features: Sequence[str] | None
) -> list[str]:
    import pandas as pd

    if not isinstance(test_frame, pd.DataFrame):
        raise InvalidInputError(
            f"the test set must be a pandas DataFrame, not {type(test_frame).__name__}"
        )
    if target not in test_frame.columns:
        raise InvalidInputError(
            f"the test set has no target column {target!r}; its columns are "
            f"{', '.join(map(str, test_frame.columns))}"
        )
    if features is None:
        return [column for column in test_frame.columns if column != target]
    if isinstance(features, str):
        features = [features]
    features = list(features)
    missing = [column for column in features if column not in test_frame.columns]
    if missing:
        raise InvalidInputError(
            f"the test set lacks the feature column(s) {', '.join(map(str, missing))}"
        )
    if target in features:
        raise InvalidInputError(f"the target {target!r} cannot also be a feature")
    return features


def check_models(
    condition: Condition | str,
    settings: CiSettings | Mapping | None,
    new_model: Any,
    old_model: Any,
    test_frame: pd.DataFrame,
    target: str,
    features: Sequence[str] | None = None,
    *,
    outcomes: Sequence[str] = (),
) -> CiReport:
    """Test ``condition`` on the models' predictions for a labelled test frame.

    Each model predicts with ``model.predict(test_frame[features])``; the prediction time
    is reported apart from the time of the check itself.

    Parameters
    ----------
    condition, settings, outcomes
        As for :func:`evaluate`.
    new_model, old_model
        Objects with a ``predict`` method; the old one may be None when the condition uses
        ``n`` alone.
    test_frame
        The labelled test set.
    target
        The column holding the labels.
    features
        The columns the models take; every column but ``target`` unless told.

    Returns
    -------
    CiReport
        A model whose ``predict`` raises (or returns other than one prediction per row)
        gives a report with outcome and decision ``fail`` and ``error`` saying why; it
        spends none of the test set's budget.

    Raises
    ------
    InvalidInputError
        As :func:`evaluate` does, and for a frame without the target or the features; all
        before any model predicts.
    """
    started = time.perf_counter()
    columns = _frame_columns(test_frame, target, features)
    checked = _check(condition, settings, outcomes, len(test_frame), old_model is not None)
    labels = test_frame[target].to_numpy()
    if _has_nulls(labels):
        raise InvalidInputError(
            f"the target column {target!r} holds nulls: drop those rows or label them"
        )
    inputs = test_frame[columns]
    predicted = 0.0
    predictions = []
    models = [("new", new_model), ("old", old_model)] if checked.needs_old else [("new", new_model)]
    for which, model in models:
        before = time.perf_counter()
        try:
            values = _column(model.predict(inputs), f"the {which} model's predictions")
            if len(values) != len(labels):
                raise ValueError(
                    f"predict returned {len(values):,} predictions for {len(labels):,} rows"
                )
        except Exception as exc:  # a model's own code: whatever it raises is its failure
            predicted += time.perf_counter() - before
            return CiReport(
                outcome="fail",
                decision="fail",
                condition=checked.condition.text,
                settings=checked.settings.to_dict(),
                examples_used=len(labels),
                examples_needed=checked.needed,
                budget=budget(checked.settings, checked.outcomes),
                prediction_seconds=predicted,
                check_seconds=time.perf_counter() - started - predicted,
                error=f"{type(exc).__name__}: {exc}",
                failed_model=which,
            )
        predicted += time.perf_counter() - before
        predictions.append(values)
    report = _report(checked, labels, predictions[0], predictions[1] if checked.needs_old else None)
    report.prediction_seconds = predicted
    report.check_seconds = time.perf_counter() - started - predicted
    return report
