"""How two versions of a dataset differ: schema, counts, profile changes and drift.

:func:`diff` compares two versions from their stored descriptions alone (what
:func:`mlops_jlab.datasets.profiling.describe` keeps), or exactly when it is given the two
DataFrames. Drift statistics follow the Ease.ML day-2 checks: the population stability
index (PSI) and the two-sample Kolmogorov-Smirnov test for numeric and datetime columns,
the Jensen-Shannon distance and a chi-square test for the others. From descriptions, the
numeric statistics are estimated from each column's quantile sketch, and the label ones
are computed from its value counts.

SciPy is loaded only when :func:`diff` runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlops_jlab.datasets.profiling import (
    COLUMN_FIELDS,
    LABEL_KINDS,
    SKETCH_BUCKETS,
    SKETCH_PER_MILLE,
    TOP_VALUES,
    VALUE_COUNTS_CAP,
    as_frame,
    counts_by_text,
    describe,
    iso_times,
    json_float,
    named_columns,
    numeric_values,
    sketch_buckets,
    value_counts,
)
from mlops_jlab.errors import InvalidInputError

PSI_BINS = 10
PSI_EPSILON = 1e-4
# Between two sketch points the empirical CDF moves by less than the widest step (1/100),
# so each sketch's CDF is within a step of the data's and the KS statistic within two.
KS_SKETCH_TOLERANCE = 2 * max(np.diff(SKETCH_PER_MILLE).tolist()) / 1000
# Kinds whose values compare: numbers, times, and labels (by their counts).
_FAMILIES = (("numeric",), ("datetime",), LABEL_KINDS)
_OTHER_BUCKET = None  # the value of the bucket holding every value outside the top lists
BUCKETS_SHOWN = 50  # label cells a diff lists, of the thousands it may compute on


def diff(
    a: Any,
    b: Any,
    *,
    psi_threshold: float = 0.2,
    ks_alpha: float = 0.05,
    js_threshold: float = 0.1,
) -> dict:
    """How dataset ``b`` (current) differs from ``a`` (reference), with drift statistics.

    Parameters
    ----------
    a, b
        Each a DataFrame (or Series), or a stored description: a mapping with ``schema``,
        ``n_rows``, ``n_columns`` and ``profile``, such as :func:`describe` returns.
        With two frames every statistic is computed on the raw data (``exact``);
        otherwise from the descriptions' sketches and top values (estimated).
    psi_threshold
        A numeric or datetime column has drifted when its PSI reaches this (0.1 is
        commonly read as a moderate shift, 0.2 as a significant one) ...
    ks_alpha
        ... or when the Kolmogorov-Smirnov test's p-value is below this.
    js_threshold
        A boolean, categorical, text or other column has drifted when the Jensen-Shannon
        distance (base 2, from 0 to 1) of its value frequencies reaches this.

    Returns
    -------
    dict
        ``schema``: ``{"added", "removed", "type_changed": [{"name", "from", "to"}]}``;
        ``rows`` and ``n_columns``: ``{"a", "b", "change"}``; ``columns``: for every
        column of either, ``{"a": profile or None, "b": profile or None, "changes":
        {field: {"from", "to"[, "change"]}}, "drift": ... or None}``;
        ``drifted_columns``; ``thresholds``; ``exact``.

        A numeric or datetime drift is ``{"method": "psi+ks", "exact", "psi", "bins":
        {"edges", "a", "b"}, "ks_statistic", "ks_statistic_range", "ks_pvalue", "drifted",
        "reasons"}``. PSI is the sum over bins of (b - a) ln(b / a) over the proportions
        in the reference's decile bins (right-closed; shares below 1e-4 count as 1e-4 so
        empty bins stay finite). Exact: scipy's ``ks_2samp``. Estimated: the statistic of
        the CDFs interpolated through the two sketches, which is within
        :data:`KS_SKETCH_TOLERANCE` (0.02) of the exact one on the values the sketches
        summarise (``ks_statistic_range``); the p-value is Smirnov's asymptotic one for
        the sketches' sizes, as ``ks_2samp`` computes it for large samples, taken at the
        low end of that range: a column flagged from stored versions is one the exact
        test would flag, while a shift too small for the sketches to resolve shows only
        when the frames themselves are compared.

        Each column is tested on its own at ``ks_alpha``: on unchanged data about one
        column in 1 / ``ks_alpha`` is flagged by chance when frames are compared; divide
        ``ks_alpha`` by the number of columns to guard the table as a whole.

        A label drift is ``{"method": "js+chi2", "exact", "js_distance", "chi2",
        "chi2_pvalue", "chi2_dof", "cells", "buckets": [{"value", "a", "b"}], "drifted",
        "reasons"}``, computed on the 2 x ``cells`` table of the two sides' counts of every
        value. A stored profile keeps the count of every value of its column (up to
        100,000 values, see :data:`~mlops_jlab.datasets.profiling.VALUE_COUNTS_CAP`), so
        the statistics from stored versions are those of the data (``exact``). Beyond the
        cap, and for versions stored before value counts were kept (their 20 top values),
        a value is a cell of its own only when its count is known on both sides; the
        others share cells: of their hash bucket when both profiles keep a sketch, else
        one. Merging values can only lower the distance, so such an estimate errs
        towards "not drifted". ``buckets`` shows the 50 cells most of either side falls
        in, the rest summed in one with ``value`` None. The chi-square test is
        ``chi2_contingency`` on the table (with its Yates correction for two cells); it is
        reported, but only the distance decides, since on large tables any difference is
        significant.

        A drift that cannot be computed (a column with no values on one side, or kinds
        with nothing to compare) is ``{"method": None, "drifted": False, "reason"}``.

    Raises
    ------
    InvalidInputError
        If ``a`` or ``b`` is neither a frame nor a description, or a threshold is out
        of range.
    """
    thresholds = _check_thresholds(psi_threshold, ks_alpha, js_threshold)
    side_a, raw_a = _side(a, "a")
    side_b, raw_b = _side(b, "b")
    exact = raw_a is not None and raw_b is not None
    names_a = [column["name"] for column in side_a["schema"]]
    names_b = [column["name"] for column in side_b["schema"]]
    dtypes_a = {column["name"]: column["dtype"] for column in side_a["schema"]}
    dtypes_b = {column["name"]: column["dtype"] for column in side_b["schema"]}
    in_b = set(names_b)
    in_a = set(names_a)
    columns: dict[str, Any] = {}
    drifted = []
    for name in names_a + [name for name in names_b if name not in in_a]:
        profile_a = side_a["profile"].get(name) if name in in_a else None
        profile_b = side_b["profile"].get(name) if name in in_b else None
        drift = None
        if name in in_a and name in in_b:
            drift = _drift(
                profile_a,
                profile_b,
                (raw_a or {}).get(name),
                (raw_b or {}).get(name),
                thresholds,
            )
            if drift["drifted"]:
                drifted.append(name)
        columns[name] = {
            "a": profile_a,
            "b": profile_b,
            "changes": _changes(profile_a, profile_b) if profile_a and profile_b else {},
            "drift": drift,
        }
    return {
        "schema": {
            "added": [name for name in names_b if name not in in_a],
            "removed": [name for name in names_a if name not in in_b],
            "type_changed": [
                {"name": name, "from": dtypes_a[name], "to": dtypes_b[name]}
                for name in names_a
                if name in in_b and dtypes_a[name] != dtypes_b[name]
            ],
        },
        "rows": _count_change(side_a["n_rows"], side_b["n_rows"]),
        "n_columns": _count_change(side_a["n_columns"], side_b["n_columns"]),
        "columns": columns,
        "drifted_columns": drifted,
        "thresholds": thresholds,
        "exact": exact,
    }


def _check_thresholds(psi_threshold, ks_alpha, js_threshold) -> dict:
    def number(name: str, value: Any, low: float, high: float, advice: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(value)
            or not low < float(value) <= high
        ):
            raise InvalidInputError(f"{name} must be a number {advice}, not {value!r}")
        return float(value)

    return {
        "psi_threshold": number("psi_threshold", psi_threshold, 0, math.inf, "above 0, e.g. 0.2"),
        "ks_alpha": number("ks_alpha", ks_alpha, 0, 1 - 1e-12, "between 0 and 1, e.g. 0.05"),
        "js_threshold": number("js_threshold", js_threshold, 0, 1, "in (0, 1], e.g. 0.1"),
        "psi_bins": PSI_BINS,
        "psi_epsilon": PSI_EPSILON,
        "top_values": TOP_VALUES,
        "value_counts_cap": VALUE_COUNTS_CAP,
        "ks_sketch_tolerance": KS_SKETCH_TOLERANCE,
    }


def _side(value: Any, which: str) -> tuple[dict, dict | None]:
    """A description, and for a frame the raw values per column name."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        frame = as_frame(value, "diff")
        return describe(frame), dict(named_columns(frame))
    if isinstance(value, Mapping):
        return _check_description(value, which), None
    raise InvalidInputError(
        f"diff compares two DataFrames or two dataset descriptions (what describe() returns, "
        f"or a stored version's schema, n_rows, n_columns and profile); {which} is a "
        f"{type(value).__name__}"
    )


def _check_description(value: Mapping, which: str) -> dict:
    def bad(problem: str) -> InvalidInputError:
        return InvalidInputError(
            f"{which} is not a dataset description: {problem}; pass a DataFrame, the output "
            "of describe(), or a stored version's schema, n_rows, n_columns and profile"
        )

    missing = [key for key in ("schema", "n_rows", "n_columns", "profile") if key not in value]
    if missing:
        raise bad(f"it has no {', '.join(missing)}")
    schema = value["schema"]
    if not isinstance(schema, list) or not all(
        isinstance(column, Mapping)
        and isinstance(column.get("name"), str)
        and isinstance(column.get("dtype"), str)
        for column in schema
    ):
        raise bad("schema must be a list of {'name': str, 'dtype': str}")
    names = [column["name"] for column in schema]
    if len(set(names)) != len(names):
        raise bad("its schema names a column twice")
    profile = value["profile"] if value["profile"] is not None else {}
    if not isinstance(profile, Mapping) or not all(
        isinstance(column, Mapping) for column in profile.values()
    ):
        raise bad("profile must map column names to column profiles")
    counts = {}
    for key in ("n_rows", "n_columns"):
        count = value[key]
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0
        ):
            raise bad(f"{key} must be a count, not {count!r}")
        counts[key] = None if count is None else int(count)
    return {"schema": schema, "profile": profile, **counts}


def _count_change(a: int | None, b: int | None) -> dict:
    return {"a": a, "b": b, "change": None if a is None or b is None else b - a}


# The fields a diff compares: what every profile says, and the statistics of its kind.
_COMPARED = (*COLUMN_FIELDS, "infinite", "min", "max", "mean", "std", "timezone")


def _changes(a: Mapping, b: Mapping) -> dict:
    """Fields of the two profiles that differ, and values that appeared or vanished
    (only known when both top lists hold every value of their column)."""
    changes: dict[str, Any] = {}
    for field in _COMPARED:
        before, after = a.get(field), b.get(field)
        if before == after:
            continue
        change: dict[str, Any] = {"from": before, "to": after}
        if _is_number(before) and _is_number(after):
            exact = isinstance(before, int) and isinstance(after, int)
            change["change"] = after - before if exact else json_float(after - before)
        changes[field] = change
    if a.get("other") == 0 and b.get("other") == 0:
        values_a, values_b = _listed(a), _listed(b)
        added = [value for value in values_b if value not in set(values_a)]
        removed = [value for value in values_a if value not in set(values_b)]
        if added:
            changes["values_added"] = added
        if removed:
            changes["values_removed"] = removed
    return changes


def _listed(profile: Mapping) -> list[str]:
    items = profile.get("top_values")
    if not isinstance(items, list):
        return []
    return [item["value"] for item in items if isinstance(item, Mapping) and "value" in item]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _family(kind: Any) -> tuple[str, ...] | None:
    for family in _FAMILIES:
        if kind in family:
            return family
    return None


def _no_drift(reason: str) -> dict:
    return {"method": None, "drifted": False, "reason": reason}


def _drift(a: Mapping | None, b: Mapping | None, raw_a, raw_b, thresholds: dict) -> dict:
    if not a or not b:
        return _no_drift("a stored version has no profile of this column")
    for side, profile in (("a", a), ("b", b)):
        if profile.get("error"):
            return _no_drift(f"{side} could not profile this column: {profile['error']}")
    family = _family(a.get("kind"))
    if family is None or _family(b.get("kind")) is None:
        return _no_drift("a stored profile of this column is not one describe() writes")
    if family != _family(b.get("kind")):
        return _no_drift(f"its kind changed from {a['kind']} to {b['kind']}")
    exact = raw_a is not None and raw_b is not None
    compare = _label_drift if family == LABEL_KINDS else _numeric_drift
    if exact:
        return compare(a, b, raw_a, raw_b, exact, thresholds)
    try:
        return compare(a, b, raw_a, raw_b, exact, thresholds)
    except (KeyError, TypeError, ValueError, AttributeError):
        # A stored profile edited by hand or written by another tool: no statistics for
        # this column, but the rest of the diff stands.
        return _no_drift("a stored profile of this column is not one describe() writes")


def _psi(share_a: np.ndarray, share_b: np.ndarray) -> float:
    """Shares below PSI_EPSILON count as PSI_EPSILON: an empty bin would be infinite."""
    a = np.maximum(share_a, PSI_EPSILON)
    b = np.maximum(share_b, PSI_EPSILON)
    return float(np.sum((b - a) * np.log(b / a)))


def _knots(sketch: Mapping) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The sketch's distinct values x with the CDF's limit below each, F(x-), and its value
    there, F(x): exact at atoms, the sketch's levels elsewhere (within 1/100)."""
    n = sketch.get("n")
    points = np.asarray(sketch.get("quantiles") or [], dtype=np.float64)
    if not _is_number(n) or n < 1 or len(points) < 2 or not np.all(np.isfinite(points)):
        return None
    if np.any(np.diff(points) < 0):
        return None
    levels = np.asarray(sketch.get("levels") or [], dtype=np.float64)
    if len(levels) != len(points) or np.any(np.diff(levels) < 0):
        return None
    values, first, repeats = np.unique(points, return_index=True, return_counts=True)
    left, right = levels[first], levels[first + repeats - 1]
    for atom in sketch.get("atoms") or []:
        try:
            value, below, count = float(atom["value"]), int(atom["below"]), int(atom["count"])
        except (KeyError, TypeError, ValueError):
            continue  # a damaged stored atom: the levels stand in for it
        at = np.searchsorted(values, value)
        if at < len(values) and values[at] == value:
            left[at], right[at] = below / n, (below + count) / n
    # Stored data is not trusted to be monotone: F(x-) <= F(x) <= F(next x-) ...
    steps = np.maximum.accumulate(np.clip(np.column_stack((left, right)).ravel(), 0, 1))
    return values, steps[0::2], steps[1::2]


def _sketch_cdf(knots, x: np.ndarray, side: str) -> np.ndarray:
    """The CDF through the knots, linear from F(x_k) to F(x_k+1 -) between two of them: at
    x with side "right" P(X <= x), with side "left" the limit from below, P(X < x)."""
    values, left, right = knots
    m = len(values)
    above = np.searchsorted(values, x, side=side)
    low = np.clip(above - 1, 0, m - 1)
    high = np.clip(above, 0, m - 1)
    span = values[high] - values[low]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        fraction = np.nan_to_num(np.where(span > 0, (x - values[low]) / span, 0.0))
    cdf = right[low] + (left[high] - right[low]) * fraction
    return np.where(above == 0, 0.0, np.where(above == m, 1.0, cdf))


def _sketch_ks(knots_a, knots_b) -> float:
    """Both CDFs are linear between the union of the knots, so the largest gap is at one
    of them, on its value or just below it."""
    x = np.union1d(knots_a[0], knots_b[0])
    gaps = [
        np.abs(_sketch_cdf(knots_a, x, side) - _sketch_cdf(knots_b, x, side))
        for side in ("right", "left")
    ]
    return float(max(gap.max() for gap in gaps))


def _sketch_knots(profile: Mapping):
    sketch = profile.get("sketch")
    return _knots(sketch) if isinstance(sketch, Mapping) else None


def _numeric_drift(a, b, raw_a, raw_b, exact: bool, thresholds: dict) -> dict:
    from scipy import stats

    knots_a, knots_b = _sketch_knots(a), _sketch_knots(b)
    if knots_a is None or knots_b is None:
        side = "a" if knots_a is None else "b"
        return _no_drift(f"{side} has no finite values to compare (or no stored sketch)")
    points_a = np.asarray(a["sketch"]["quantiles"], dtype=np.float64)
    levels_a = np.asarray(a["sketch"]["levels"], dtype=np.float64)
    deciles = [int(np.argmin(np.abs(levels_a - k / PSI_BINS))) for k in range(1, PSI_BINS)]
    edges = np.unique(points_a[deciles])
    if exact:
        values_a = _finite_numbers(raw_a, a["kind"])
        values_b = _finite_numbers(raw_b, b["kind"])
        share_a = _bin_shares(np.sort(values_a), edges)
        share_b = _bin_shares(np.sort(values_b), edges)
        result = stats.ks_2samp(values_a, values_b)
        statistic, pvalue = float(result.statistic), float(result.pvalue)
        bounds = [statistic, statistic]
    else:
        share_a = np.diff(np.concatenate(([0.0], _sketch_cdf(knots_a, edges, "right"), [1.0])))
        share_b = np.diff(np.concatenate(([0.0], _sketch_cdf(knots_b, edges, "right"), [1.0])))
        statistic = _sketch_ks(knots_a, knots_b)
        bounds = [
            max(0.0, statistic - KS_SKETCH_TOLERANCE),
            min(1.0, statistic + KS_SKETCH_TOLERANCE),
        ]
        n_a, n_b = sorted((float(a["sketch"]["n"]), float(b["sketch"]["n"])), reverse=True)
        # As ks_2samp for large samples: Smirnov's distribution for n = n_a n_b / (n_a + n_b),
        # at the smallest statistic the sketches allow: on large samples the sketches' own
        # error would otherwise be significant, and raise false alarms.
        effective = max(1.0, np.round(n_a * n_b / (n_a + n_b)))
        pvalue = float(np.clip(stats.kstwo.sf(bounds[0], effective), 0, 1))
    psi = _psi(share_a, share_b)
    reasons = []
    if psi >= thresholds["psi_threshold"]:
        reasons.append(f"PSI {psi:.3g} >= {thresholds['psi_threshold']:g}")
    if pvalue < thresholds["ks_alpha"]:
        reasons.append(f"KS p-value {pvalue:.3g} < {thresholds['ks_alpha']:g}")
    if a["kind"] == "datetime":
        shown_edges: list = iso_times(edges, a.get("timezone"))
    else:
        shown_edges = [float(edge) for edge in edges]
    return {
        "method": "psi+ks",
        "exact": exact,
        "psi": psi,
        "bins": {"edges": shown_edges, "a": share_a.tolist(), "b": share_b.tolist()},
        "ks_statistic": statistic,
        "ks_statistic_range": bounds,
        "ks_pvalue": pvalue,
        "drifted": bool(reasons),
        "reasons": reasons,
    }


def _finite_numbers(series: pd.Series, kind: str) -> np.ndarray:
    values, _unit = numeric_values(series, kind)
    return values[np.isfinite(values)]


def _bin_shares(ordered: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Shares of the bins (-inf, e1], (e1, e2], ..., (ek, inf)."""
    borders = np.searchsorted(ordered, edges, side="right")
    return np.diff(np.concatenate(([0], borders, [len(ordered)]))) / len(ordered)


def _label_counts(series: pd.Series) -> dict[str, int]:
    return counts_by_text(*value_counts(series))


@dataclass
class _Counts:
    """What one side's stored profile knows of its value counts: some values' counts
    (``known``), whether those are all of them, the total counted, and the counts of every
    value hashed into buckets (when the profile keeps a sketch, or can make one: when it
    knows every count)."""

    known: dict[str, int]
    complete: bool
    total: int
    sketch: np.ndarray | None
    sampled: bool

    @classmethod
    def of(cls, profile: Mapping) -> _Counts:
        top = {item["value"]: int(item["count"]) for item in profile.get("top_values") or []}
        total = sum(top.values()) + int(profile.get("other") or 0)
        sampled = profile.get("sampled") is not None
        stored = profile.get("value_counts")
        if isinstance(stored, Mapping):  # every value's count
            known = dict(zip(stored["values"], map(int, stored["counts"]), strict=True))
            return cls(known, True, sum(known.values()), _bucketed(known), sampled)
        # More values than a profile keeps (a sketch), or written before value counts were
        # kept (the top values alone).
        sketch = profile.get("value_sketch")
        buckets = None
        if isinstance(sketch, Mapping) and sketch.get("buckets") == SKETCH_BUCKETS:
            buckets = np.asarray(sketch["counts"], dtype=np.int64)
            if len(buckets) != SKETCH_BUCKETS or buckets.sum() != total:
                buckets = None  # damaged: the values outside the lists share one cell
        return cls(top, not profile.get("other"), total, buckets, sampled)


def _bucketed(counts: Mapping[str, int]) -> np.ndarray:
    if not counts:
        return np.zeros(SKETCH_BUCKETS, dtype=np.int64)
    where = sketch_buckets(list(counts))
    weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    return np.bincount(where, weights=weights, minlength=SKETCH_BUCKETS).astype(np.int64)


def _stored_table(side_a: _Counts, side_b: _Counts) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The table the statistics are computed on from stored profiles: a cell for each value
    whose count is known on both sides (listed, or absent from a complete list: 0), and
    the rest of the values in cells of their own hash bucket when both sides keep a sketch,
    else in one cell. Complete lists make it the data's table; otherwise it merges values,
    which only lowers the divergence."""
    labels = list(side_a.known) + [label for label in side_b.known if label not in side_a.known]
    shared = [
        label
        for label in labels
        if (label in side_a.known or side_a.complete) and (label in side_b.known or side_b.complete)
    ]
    known_a = np.array([side_a.known.get(label, 0) for label in shared], dtype=np.int64)
    known_b = np.array([side_b.known.get(label, 0) for label in shared], dtype=np.int64)
    if side_a.sketch is not None and side_b.sketch is not None:
        listed_a = _bucketed(dict(zip(shared, known_a, strict=True)))
        listed_b = _bucketed(dict(zip(shared, known_b, strict=True)))
        rest_a = np.maximum(side_a.sketch - listed_a, 0)
        rest_b = np.maximum(side_b.sketch - listed_b, 0)
    else:
        rest_a = np.array([max(side_a.total - int(known_a.sum()), 0)], dtype=np.int64)
        rest_b = np.array([max(side_b.total - int(known_b.sum()), 0)], dtype=np.int64)
    used = (rest_a > 0) | (rest_b > 0)
    return (
        shared,
        np.concatenate((known_a, rest_a[used])),
        np.concatenate((known_b, rest_b[used])),
    )


def _shown_buckets(labels: list[str], row_a: np.ndarray, row_b: np.ndarray) -> list[dict]:
    """The cells most of either side falls in, by label, most first; every other cell
    (values not known on both sides, and the labels beyond the first BUCKETS_SHOWN) summed
    in one with the value None."""
    share = row_a / max(int(row_a.sum()), 1) + row_b / max(int(row_b.sum()), 1)
    named = np.arange(len(labels))
    order = named[np.lexsort((named, -share[: len(labels)]))][:BUCKETS_SHOWN]
    shown = [{"value": labels[i], "a": int(row_a[i]), "b": int(row_b[i])} for i in order.tolist()]
    rest_a = int(row_a.sum()) - sum(bucket["a"] for bucket in shown)
    rest_b = int(row_b.sum()) - sum(bucket["b"] for bucket in shown)
    if rest_a or rest_b:
        shown.append({"value": _OTHER_BUCKET, "a": rest_a, "b": rest_b})
    return shown


def _label_drift(a, b, raw_a, raw_b, exact: bool, thresholds: dict) -> dict:
    from scipy import stats
    from scipy.spatial import distance

    if exact:
        counts_a, counts_b = _label_counts(raw_a), _label_counts(raw_b)
        labels = list(counts_a) + [label for label in counts_b if label not in counts_a]
        row_a = np.array([counts_a.get(label, 0) for label in labels], dtype=np.int64)
        row_b = np.array([counts_b.get(label, 0) for label in labels], dtype=np.int64)
    else:
        side_a, side_b = _Counts.of(a), _Counts.of(b)
        labels, row_a, row_b = _stored_table(side_a, side_b)
        # From stored counts the statistics are the data's when both lists are whole and
        # were counted on every row.
        exact = side_a.complete and side_b.complete and not (side_a.sampled or side_b.sampled)
    total_a, total_b = int(row_a.sum()), int(row_b.sum())
    if not total_a or not total_b:
        return _no_drift(f"{'a' if not total_a else 'b'} has no values to compare")
    js = float(distance.jensenshannon(row_a / total_a, row_b / total_b, base=2))
    if not math.isfinite(js):  # rounding made the divergence a hair below 0
        js = 0.0
    if len(row_a) > 1:
        chi2, chi2_pvalue, dof, _expected = stats.chi2_contingency(np.vstack((row_a, row_b)))
    else:
        chi2, chi2_pvalue, dof = 0.0, 1.0, 0
    drifted = js >= thresholds["js_threshold"]
    return {
        "method": "js+chi2",
        "exact": exact,
        "js_distance": js,
        "chi2": float(chi2),
        "chi2_pvalue": float(chi2_pvalue),
        "chi2_dof": int(dof),
        "cells": len(row_a),
        "buckets": _shown_buckets(labels, row_a, row_b),
        "drifted": drifted,
        "reasons": [f"JS distance {js:.3g} >= {thresholds['js_threshold']:g}"] if drifted else [],
    }
