"""ease.ml/snoopy's feasibility study: is a target accuracy reachable on these features at all?

No model beats the Bayes error, the error the overlap of the classes leaves. The error of the
1-nearest-neighbour classifier bounds it from below (Cover and Hart, 1967): for ``C`` classes
and a 1-NN error ``R``, ``BER >= (C-1)/C * (1 - sqrt(1 - C/(C-1) * R))``. The 1-NN error is
measured leave-one-out under several transformations of the features (the lowest is the
tightest bound); successive halving tries them all on a small sample, keeps the better half,
and doubles the sample, so a transformation that is clearly worse costs little.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mlops_jlab.errors import InvalidInputError, MlopsError

TRANSFORMS = ("identity", "standardized", "pca")
DEFAULT_TRANSFORMS = ("standardized", "pca")
# Fewer rows than this say nothing about a 1-NN error.
MIN_EXAMPLES = 10
# Successive halving's first sample: large enough that a 1-NN error on it tells a useful
# transformation from a useless one, small enough to cost milliseconds.
FIRST_SAMPLE = 256
# PCA keeps the components explaining this share of the standardized features' variance.
PCA_VARIANCE = 0.95


@dataclass
class TransformResult:
    """One transformation's 1-NN error on the largest sample it reached, the sample sizes it
    was measured on, and whether successive halving dropped it."""

    name: str
    error: float
    samples: list[int]
    eliminated: bool


@dataclass
class FeasibilityReport:
    """What the study found: the 1-NN error of the best transformation, the Bayes error's
    lower bound it gives, and, given a target accuracy, whether it is plausible."""

    transforms: list[TransformResult]
    best_transform: str
    one_nn_error: float
    ber_lower_bound: float
    n_classes: int
    n_examples: int
    target_accuracy: float | None
    verdict: str | None  # "plausible" or "not reachable"
    message: str | None
    seconds: float
    run_id: str | None = None  # the run that recorded it, when ml.feasibility did

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able values."""
        return asdict(self)


@dataclass(frozen=True)
class StudyInputs:
    """Features, labels and options found usable: numeric features without nulls, labels
    as class codes from 0."""

    features: np.ndarray
    labels: np.ndarray
    n_classes: int
    target_accuracy: float | None
    transforms: tuple[str, ...]


def _sklearn_neighbors():
    try:
        from sklearn.neighbors import NearestNeighbors
    except ImportError:
        raise MlopsError(
            "the feasibility study needs scikit-learn: pip install 'mlops-jlab[demo]' "
            "(or scikit-learn)"
        ) from None
    return NearestNeighbors


def _numeric_features(features: Any) -> np.ndarray:
    import pandas as pd

    if isinstance(features, pd.Series):
        features = features.to_frame()
    if isinstance(features, pd.DataFrame):
        bad = [
            str(column)
            for column, dtype in features.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
        ]
        if bad:
            raise InvalidInputError(
                f"the features must be numbers; column(s) {', '.join(bad)} are not: encode "
                "them as numbers (e.g. pd.get_dummies) or drop them"
            )
        nulls = [str(column) for column in features.columns if features[column].isna().any()]
        if nulls:
            raise InvalidInputError(
                f"feature column(s) {', '.join(nulls)} hold nulls: fill or drop them first"
            )
        return features.to_numpy(dtype=np.float64)
    array = np.asarray(features)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.dtype.kind not in "biuf":
        raise InvalidInputError(
            f"the features must be a DataFrame or a 2-D array of numbers, not {array.dtype} "
            f"of shape {array.shape}"
        )
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise InvalidInputError("the features hold NaN or infinite values: fill or drop them")
    return array


def _class_codes(labels: Any, rows: int) -> tuple[np.ndarray, int]:
    import pandas as pd

    values = labels if isinstance(labels, pd.Series) else np.asarray(labels, dtype=object)
    if getattr(values, "ndim", 1) != 1:
        raise InvalidInputError("the labels must be one value per row (1-D)")
    if len(values) != rows:
        raise InvalidInputError(
            f"there are {len(values):,} labels for {rows:,} rows of features: give one per row"
        )
    codes, classes = pd.factorize(values, use_na_sentinel=True)
    if (codes < 0).any():
        raise InvalidInputError(
            f"{int((codes < 0).sum()):,} label(s) are null: drop those rows or label them"
        )
    if len(classes) < 2:
        raise InvalidInputError(
            "the labels hold a single class: a feasibility study needs at least two"
        )
    return codes.astype(np.int64), len(classes)


def prepare_study(
    features: Any,
    labels: Any,
    target_accuracy: float | None = None,
    transforms: Sequence[str] = DEFAULT_TRANSFORMS,
) -> StudyInputs:
    """Check a study's inputs before any work: see :func:`study`."""
    x = _numeric_features(features)
    if len(x) < MIN_EXAMPLES:
        raise InvalidInputError(
            f"a feasibility study needs at least {MIN_EXAMPLES} rows, not {len(x)}"
        )
    codes, n_classes = _class_codes(labels, len(x))
    if target_accuracy is not None and (
        isinstance(target_accuracy, bool)
        or not isinstance(target_accuracy, (int, float))
        or not 0 < target_accuracy <= 1
    ):
        raise InvalidInputError(
            f"target_accuracy must be a number in (0, 1], such as 0.9, not {target_accuracy!r}"
        )
    if isinstance(transforms, str):
        transforms = (transforms,)
    chosen = tuple(dict.fromkeys(transforms))
    unknown = [str(name) for name in chosen if name not in TRANSFORMS]
    if unknown or not chosen:
        raise InvalidInputError(
            f"transforms are some of {', '.join(TRANSFORMS)}"
            + (f", not {', '.join(unknown)}" if unknown else "; none were given")
        )
    target = None if target_accuracy is None else float(target_accuracy)
    return StudyInputs(x, codes, n_classes, target, chosen)


def _transform(name: str, x: np.ndarray) -> np.ndarray:
    """The features under one transformation, fitted on every row (no labels are used, so
    fitting on all rows leaks nothing into the 1-NN error)."""
    if name == "identity":
        return x
    scale = x.std(axis=0)
    standardized = (x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    if name == "standardized":
        return standardized
    from sklearn.decomposition import PCA

    return PCA(n_components=PCA_VARIANCE, svd_solver="full").fit_transform(standardized)


def one_nn_error(x: np.ndarray, labels: np.ndarray) -> float:
    """The leave-one-out error of the 1-nearest-neighbour classifier on ``x``."""
    neighbors = _sklearn_neighbors()(n_neighbors=2).fit(x)
    nearest = neighbors.kneighbors(x, return_distance=False)
    rows = np.arange(len(x))
    # A row's nearest point is itself, unless a duplicate came first: take the other one.
    other = np.where(nearest[:, 0] == rows, nearest[:, 1], nearest[:, 0])
    return float(np.count_nonzero(labels[other] != labels) / len(x))


def cover_hart_bound(one_nn_error: float, n_classes: int) -> float:
    """The Cover-Hart lower bound on the Bayes error from a 1-NN error, for ``n_classes``."""
    share = (n_classes - 1) / n_classes
    return share * (1 - math.sqrt(max(0.0, 1 - one_nn_error / share)))


def _message(target: float | None, bound: float, error: float, best: str) -> str:
    why = f"the Bayes error is at least {bound:.3g}"
    if target is None:
        return (
            f"{why} (from the 1-NN error {error:.3g} with {best} features): no model reaches "
            f"an accuracy above {1 - bound:.3g} on these features"
        )
    if 1 - target < bound:
        return f"an accuracy of {target:g} is not reachable by any model on these features: {why}"
    return (
        f"an accuracy of {target:g} is plausible: {why} (from the 1-NN error {error:.3g} with "
        f"{best} features), so it is not ruled out"
    )


def run_study(inputs: StudyInputs, *, seed: int = 0) -> FeasibilityReport:
    """Run a study on checked inputs (see :func:`prepare_study`)."""
    started = time.perf_counter()
    _sklearn_neighbors()
    rows = len(inputs.labels)
    order = np.random.default_rng(seed).permutation(rows)
    x = inputs.features[order]
    y = inputs.labels[order]
    spaces = {name: _transform(name, x) for name in inputs.transforms}
    results = {name: TransformResult(name, math.nan, [], False) for name in inputs.transforms}
    alive = list(inputs.transforms)
    size = min(rows, FIRST_SAMPLE)
    while True:
        for name in alive:
            results[name].error = one_nn_error(spaces[name][:size], y[:size])
            results[name].samples.append(size)
        if size == rows:
            break
        if len(alive) > 1:
            # Ties keep the order given: the first named is preferred.
            alive.sort(key=lambda name: results[name].error)
            for name in alive[(len(alive) + 1) // 2 :]:
                results[name].eliminated = True
            alive = alive[: (len(alive) + 1) // 2]
        # The last one left is measured on every row, the others on twice the sample.
        size = rows if len(alive) == 1 else min(rows, 2 * size)
    best = min(alive, key=lambda name: results[name].error)
    error = results[best].error
    bound = cover_hart_bound(error, inputs.n_classes)
    target = inputs.target_accuracy
    verdict = None
    if target is not None:
        verdict = "not reachable" if 1 - target < bound else "plausible"
    return FeasibilityReport(
        transforms=[results[name] for name in inputs.transforms],
        best_transform=best,
        one_nn_error=error,
        ber_lower_bound=bound,
        n_classes=inputs.n_classes,
        n_examples=rows,
        target_accuracy=target,
        verdict=verdict,
        message=_message(target, bound, error, best),
        seconds=time.perf_counter() - started,
    )


def study(
    features: Any,
    labels: Any,
    target_accuracy: float | None = None,
    transforms: Sequence[str] = DEFAULT_TRANSFORMS,
    *,
    seed: int = 0,
) -> FeasibilityReport:
    """Estimate a lower bound of the Bayes error on these features, and whether a target
    accuracy is plausible, before anyone trains a model.

    Parameters
    ----------
    features
        A DataFrame of numeric (or boolean) columns, or a 2-D array of numbers, without nulls.
    labels
        One class label per row, without nulls; at least two classes.
    target_accuracy
        The accuracy hoped for, in (0, 1].
    transforms
        Transformations of the features to try: ``identity`` (as given), ``standardized``
        (each column to mean 0, standard deviation 1) and ``pca`` (standardized, then the
        principal components explaining 95% of the variance).
    seed
        Seeds the order rows are sampled in.

    Returns
    -------
    FeasibilityReport
        ``verdict`` is ``not reachable`` when ``1 - target_accuracy`` is below the Bayes
        error's lower bound, else ``plausible``.

    Raises
    ------
    InvalidInputError
        Non-numeric features, nulls, a single class, fewer than 10 rows, an unknown
        transformation or a target accuracy outside (0, 1].
    """
    return run_study(prepare_study(features, labels, target_accuracy, transforms), seed=seed)
