"""Dataset versions: what a table holds, and how two versions of it differ.

:func:`describe` turns a DataFrame into the JSON description a dataset version keeps
(schema, row and column counts, a profile per column); the raw data is not kept, so
:func:`diff` compares two versions from their descriptions alone, or exactly when it is
given the two DataFrames. Drift statistics follow the Ease.ML day-2 checks: the
population stability index (PSI) and the two-sample Kolmogorov-Smirnov test for numeric
and datetime columns, the Jensen-Shannon distance and a chi-square test for the others.

Profiling runs inside a user's cell for every new version, so it is vectorised and
bounded: moments, counts and histograms always cover every row; order statistics and
value counts of text cover a fixed-seed sample of :data:`SAMPLE_ROWS` rows of larger
frames, and such a column's profile says ``"sampled": <rows>``.

Importing this module loads pandas and NumPy; SciPy is loaded only by :func:`diff`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from mlops_jlab.errors import InvalidInputError

ROLES = ("train", "dev", "test", "realtime")
KINDS = ("numeric", "datetime", "boolean", "categorical", "text", "other")
SAMPLE_ROWS = 100_000
SAMPLE_SEED = 0
HISTOGRAM_BINS = 20
TOP_VALUES = 20
# The sketch's levels in thousandths: every percentile, and more in the tails, where one
# percent of a skewed column can span most of its range.
SKETCH_PER_MILLE = (0, 1, 2, 5, *range(10, 1000, 10), 995, 998, 999, 1000)
QUANTILES = {"p1": 0.01, "p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}
PSI_BINS = 10
PSI_EPSILON = 1e-4
ATOM_SHARE = 1e-3  # a value repeated this often is stored with its exact ranks
_BLOCK = 1 << 16
_PER_MILLE = np.array(SKETCH_PER_MILLE, dtype=np.int64)
_LEVELS = [k / 1000 for k in SKETCH_PER_MILLE]
_BIN_STEPS = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
_QUANTILE_LEVELS = np.array(list(QUANTILES.values()))
# Between two sketch points the empirical CDF moves by less than the widest step (1/100),
# so each sketch's CDF is within a step of the data's and the KS statistic within two.
KS_SKETCH_TOLERANCE = 2 * max(np.diff(SKETCH_PER_MILLE).tolist()) / 1000
MAX_LABEL_LENGTH = 200
# What no store keeps in text (PostgreSQL refuses NUL and unpaired surrogates in JSON).
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
_NUMERIC_FAMILY = ("numeric",)
_TIME_FAMILY = ("datetime",)
_LABEL_FAMILY = ("boolean", "categorical", "text", "other")
_FIRST_FIELDS = (
    "kind",
    "dtype",
    "count",
    "nulls",
    "null_fraction",
    "distinct",
    "distinct_exact",
    "sampled",
)
_OTHER_BUCKET = None  # the value of the bucket holding every value outside the top lists


def check_role(role: Any) -> str | None:
    """The role of a dataset version: one of the four data pillars of Ease.ML.

    Parameters
    ----------
    role
        ``None`` (no role), or ``"train"``, ``"dev"``, ``"test"`` or ``"realtime"``, in any
        case and with surrounding blanks.

    Returns
    -------
    str or None
        The role in lower case, or ``None``.

    Raises
    ------
    InvalidInputError
        For anything else; the message names the four roles.
    """
    if role is None:
        return None
    if isinstance(role, str) and role.strip().lower() in ROLES:
        return role.strip().lower()
    raise InvalidInputError(
        f"a dataset's role is one of {', '.join(ROLES)} (or None), not {role!r}: 'dev' is "
        "the validation set, 'realtime' the data a deployed model sees"
    )


def describe(frame: pd.DataFrame | pd.Series, *, sample_rows: int = SAMPLE_ROWS) -> dict:
    """The description a dataset version keeps: schema, counts and a profile per column.

    Parameters
    ----------
    frame
        A DataFrame, or a Series (described as a one-column frame, named as
        ``Series.to_frame`` names it).
    sample_rows
        Frames with more rows have their quantiles, drift sketches, distinct counts and
        the value counts of text columns computed on a uniform sample of this many rows,
        drawn with a fixed seed (so the same data gives the same description).

    Returns
    -------
    dict
        ``{"schema": [{"name", "dtype"}, ...], "n_rows", "n_columns", "profile": {name:
        column profile}}``, made of str, int, float, bool, None, list and dict only, with
        no NaN or infinity (``json.dumps(..., allow_nan=False)`` accepts it).

        Column names become text: a tuple (a MultiIndex column) joins its non-blank
        parts with ``"."``; a name seen before gets ``".1"``, ``".2"``, ... appended, as
        ``pandas.read_csv`` does; NUL characters and unpaired surrogates become U+FFFD.

        Every column profile has ``kind`` (one of :data:`KINDS`), ``dtype``, ``count``
        (non-null values), ``nulls``, ``null_fraction``, ``distinct``, ``distinct_exact``
        (false when estimated from a sample with Haas and Stokes' Duj1 estimator)
        and ``sampled`` (the sample's row count, or None). Then, by kind:

        - numeric: ``infinite`` (non-null values that are +/-inf, left out of every
          statistic below), ``min``, ``max``, ``mean``, ``std`` (ddof=1, as pandas),
          ``quantiles`` (``p1`` ... ``p99``, interpolated as pandas does), ``histogram``
          (``{"edges", "counts"}``: 20 equal bins, or one per integer when an integer
          column spans fewer than 20 values; one bin with equal edges when constant) and
          ``sketch`` (``{"n", "levels", "quantiles", "atoms"}``: the data values at 107
          levels (every percentile, and the 0.1, 0.2, 0.5, 99.5, 99.8 and 99.9th) of the
          ``n`` values summarised, and the values among them that at least 0.1% of those
          share, with their exact ranks, ``{"value", "below", "count"}``; :func:`diff`
          rebuilds the CDF from it). Timedeltas are numeric, in seconds (``"unit": "s"``).
        - datetime: ``timezone``, ``min``, ``max`` and ``quantiles`` as ISO 8601 text,
          ``histogram`` with ISO edges, ``sketch`` in seconds since 1970-01-01 UTC.
        - boolean, categorical, text and other: ``top_values`` (at most 20
          ``{"value", "count"}``, most frequent first, values as text of at most 200
          characters; values that print alike are counted together) and ``other`` (the
          count of the remaining non-null values). Text is a string column of mostly
          distinct values; other is anything else (mixed types, objects).

    Raises
    ------
    InvalidInputError
        If ``frame`` is not a DataFrame or Series.
    """
    frame = _as_frame(frame, "describe")
    if isinstance(sample_rows, bool) or not isinstance(sample_rows, int) or sample_rows < 1:
        raise InvalidInputError(f"sample_rows must be a positive integer, not {sample_rows!r}")
    n_rows = len(frame)
    sample = None
    if n_rows > sample_rows:
        rng = np.random.default_rng(SAMPLE_SEED)
        sample = np.sort(rng.choice(n_rows, size=sample_rows, replace=False))
    schema = []
    profile = {}
    for name, series in _columns(frame):
        dtype = _text(series.dtype)
        schema.append({"name": name, "dtype": dtype})
        profile[name] = _profile(series, dtype, sample)
    return {"schema": schema, "n_rows": n_rows, "n_columns": len(schema), "profile": profile}


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
        "chi2_pvalue", "chi2_dof", "buckets": [{"value", "a", "b"}], "drifted",
        "reasons"}`` over the values in the top lists plus one bucket (``value`` None)
        for all others; estimated, a value counts as its own bucket only when its count
        is known on both sides. The chi-square test is ``chi2_contingency`` on the 2 x k
        table of counts (with its Yates correction for two buckets); it is reported, but
        only the distance decides, since on large tables any difference is significant.

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


# ----------------------------------------------------------------------------- columns


def _as_frame(frame: Any, what: str) -> pd.DataFrame:
    if isinstance(frame, pd.Series):
        return frame.to_frame()
    if isinstance(frame, pd.DataFrame):
        return frame
    raise InvalidInputError(
        f"{what} takes a pandas DataFrame or Series, not {type(frame).__name__}; wrap other "
        "tables with pd.DataFrame(...)"
    )


def _text(value: Any) -> str:
    """A value or a name as text a store keeps, at most MAX_LABEL_LENGTH characters."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = str(value)
        except Exception:  # a user's object's __str__ may fail in any way
            text = f"<unprintable {type(value).__name__}>"
    if len(text) > MAX_LABEL_LENGTH:
        text = text[: MAX_LABEL_LENGTH - 1] + "\u2026"
    return _UNSTORABLE_RE.sub("\ufffd", text)


def _column_name(label: Any) -> str:
    if isinstance(label, tuple):
        parts = [_text(part) for part in label if part is not None and _text(part) != ""]
        return ".".join(parts)
    return _text(label)


def _columns(frame: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """Each column by position (names may repeat) under a unique text name."""
    seen: set[str] = set()
    named = []
    for label, series in frame.items():  # by position, unlike frame[label]
        base = name = _column_name(label)
        suffix = 0
        while name in seen:
            suffix += 1
            name = f"{base}.{suffix}"
        seen.add(name)
        named.append((name, series))
    return named


def _kind(series: pd.Series) -> str:
    """The kind by dtype; an object column by what it holds."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pdt.is_bool_dtype(dtype):
        return "boolean"
    if pdt.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pdt.is_timedelta64_dtype(dtype):
        return "numeric"
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred == "string":
            return "categorical"  # or text: decided once the values are counted
        if inferred == "boolean":
            return "boolean"
        if inferred in ("integer", "floating", "mixed-integer-float"):
            return "numeric"
        return "other"
    if pdt.is_string_dtype(dtype):
        return "categorical"
    if pdt.is_numeric_dtype(dtype) and not pdt.is_complex_dtype(dtype):
        return "numeric"
    return "other"


# ---------------------------------------------------------------------------- profiles


def _num(value: Any) -> float | None:
    """A finite float for JSON, else None (an overflowed mean, an empty column)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _profile(series: pd.Series, dtype: str, sample: np.ndarray | None) -> dict:
    n_rows = len(series)
    kind = _kind(series)
    profile: dict[str, Any] = {"kind": kind, "dtype": dtype}
    if kind in ("numeric", "datetime"):
        try:
            values, unit = _numbers(series, kind)
        except (TypeError, ValueError, OverflowError):  # e.g. integers beyond any float
            kind = profile["kind"] = "other"
        else:
            if kind == "numeric":
                _numeric_profile(profile, series, values, unit, sample)
            else:
                _datetime_profile(profile, series, values, sample)
    if kind in _LABEL_FAMILY:
        _label_profile(profile, series, sample)
    profile["null_fraction"] = profile["nulls"] / n_rows if n_rows else None
    first = {key: profile.pop(key) for key in _FIRST_FIELDS}
    return {**first, **profile}


def _numbers(series: pd.Series, kind: str) -> tuple[np.ndarray, str | None]:
    """The column as float64 with NaN for nulls; datetimes and timedeltas in seconds."""
    if kind == "datetime":
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = np.asarray(series.to_numpy(), dtype="datetime64")
        per_second = np.timedelta64(1, "s") / np.timedelta64(1, np.datetime_data(stamps.dtype)[0])
        values = stamps.view("i8").astype(np.float64) / per_second
        values[np.isnat(stamps)] = np.nan
        return values, "s"
    if pdt.is_timedelta64_dtype(series.dtype):
        return series.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan), "s"
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiu":  # no nulls to mask
        return series.to_numpy().astype(np.float64, copy=False), None
    return series.to_numpy(dtype=np.float64, na_value=np.nan), None


def _is_integer(series: pd.Series) -> bool:
    return pdt.is_integer_dtype(series.dtype) and not pdt.is_timedelta64_dtype(series.dtype)


def _counts(profile: dict, values: np.ndarray) -> tuple[np.ndarray, int]:
    """Fill count, nulls and infinite; return the finite values and the +/-inf signs seen."""
    finite_mask = np.isfinite(values)
    n_finite = int(np.count_nonzero(finite_mask))
    nulls = int(np.count_nonzero(np.isnan(values))) if n_finite < len(values) else 0
    infinite = len(values) - n_finite - nulls
    profile["count"] = len(values) - nulls
    profile["nulls"] = nulls
    profile["infinite"] = infinite
    signs = 0
    if infinite:
        signs = int(np.any(values == np.inf)) + int(np.any(values == -np.inf))
    finite = values if n_finite == len(values) else values[finite_mask]
    return finite, signs


def _needed(sample: np.ndarray | None, values: int) -> np.ndarray | None:
    """The sample, unless the column holds no more values than it: then all of them."""
    return sample if sample is not None and values > len(sample) else None


def _sorted_sample(finite: np.ndarray, values: np.ndarray, sample: np.ndarray | None):
    if sample is None:
        return np.sort(finite)
    picked = values[sample]
    return np.sort(picked[np.isfinite(picked)])


def _numeric_profile(
    profile: dict, series: pd.Series, values: np.ndarray, unit: str | None, sample
) -> None:
    finite, signs = _counts(profile, values)
    sample = _needed(sample, len(finite))
    ordered = _sorted_sample(finite, values, sample)
    _distinct(profile, ordered, len(finite), sample, signs)
    integer = _is_integer(series) and len(finite) > 0
    if integer:
        exact = series.to_numpy() if isinstance(series.dtype, np.dtype) else series
        low, high = int(exact.min()), int(exact.max())  # exact beyond 2**53
    elif sample is None and len(finite):  # all finite values are sorted already
        low, high = float(ordered[0]), float(ordered[-1])
    elif len(finite):
        low, high = float(finite.min()), float(finite.max())
    else:
        low = high = None
    profile["min"] = low if integer else (None if low is None else _num(low))
    profile["max"] = high if integer else (None if high is None else _num(high))
    profile["mean"] = _num(finite.mean()) if len(finite) else None
    with np.errstate(over="ignore", invalid="ignore"):
        profile["std"] = _num(finite.std(ddof=1)) if len(finite) > 1 else None
    profile["quantiles"] = _quantiles(ordered)
    per_integer = integer and high - low < HISTOGRAM_BINS and max(-low, high) < 2**53
    profile["histogram"] = _histogram(finite, low, high, per_integer, ordered, sample)
    profile["sketch"] = _sketch(ordered)
    if unit:
        profile["unit"] = unit
    profile["sampled"] = None if sample is None else len(sample)


def _datetime_profile(profile: dict, series: pd.Series, values: np.ndarray, sample) -> None:
    finite, _signs = _counts(profile, values)
    del profile["infinite"]  # a datetime cannot be infinite
    sample = _needed(sample, len(finite))
    ordered = _sorted_sample(finite, values, sample)
    _distinct(profile, ordered, len(finite), sample, 0)
    tz = getattr(series.dtype, "tz", None)
    profile["timezone"] = None if tz is None else str(tz)
    if len(finite):
        profile["min"] = pd.Timestamp(series.min()).isoformat()
        profile["max"] = pd.Timestamp(series.max()).isoformat()
        low, high = float(finite.min()), float(finite.max())
    else:
        profile["min"] = profile["max"] = None
        low = high = None
    quantiles = _quantiles(ordered)
    if quantiles is not None:
        stamps = _iso(np.array(list(quantiles.values())), tz)
        quantiles = dict(zip(quantiles, stamps, strict=True))
    profile["quantiles"] = quantiles
    histogram = _histogram(finite, low, high, False, ordered, sample)
    histogram["edges"] = _iso(np.array(histogram["edges"]), tz)
    profile["histogram"] = histogram
    profile["sketch"] = _sketch(ordered)
    if profile["sketch"] is not None:
        profile["sketch"]["unit"] = "seconds since 1970-01-01T00:00:00Z"
    profile["sampled"] = None if sample is None else len(sample)


def _iso(seconds: np.ndarray, tz: Any) -> list[str]:
    if not len(seconds):
        return []
    stamps = pd.to_datetime(np.round(seconds * 1e6).astype("i8"), unit="us", utc=True)
    stamps = stamps.tz_convert(tz) if tz is not None else stamps.tz_localize(None)
    return [stamp.isoformat() for stamp in stamps]


def _distinct(profile: dict, ordered: np.ndarray, population: int, sample, signs: int) -> None:
    """Exact from all sorted values, else estimated from the sample's."""
    n = len(ordered)
    if not n:
        profile["distinct"], profile["distinct_exact"] = signs, True
        return
    repeats = ordered[1:] == ordered[:-1]
    seen = n - int(np.count_nonzero(repeats))
    if sample is None:
        profile["distinct"], profile["distinct_exact"] = seen + signs, True
        return
    # A value seen once in the sample equals neither neighbour in sorted order.
    alone = np.ones(n, dtype=bool)
    alone[1:] &= ~repeats
    alone[:-1] &= ~repeats
    profile["distinct"] = (
        _estimate_distinct(int(np.count_nonzero(alone)), seen, population, n) + signs
    )
    profile["distinct_exact"] = False


def _estimate_distinct(singles: int, seen: int, population: int, n: int) -> int:
    """Haas and Stokes' Duj1 estimator, as PostgreSQL's ANALYZE uses: n d / (n - f1 + f1 n
    / N) for d values seen in a sample of n of N, f1 of them once; all seen once reads as
    all distinct, none seen once as no more values than seen."""
    if not n:
        return 0
    estimate = n * seen / (n - singles + singles * n / population)
    return round(min(max(estimate, seen), population))


def _quantiles(ordered: np.ndarray) -> dict[str, float | None] | None:
    """Linear interpolation between order statistics, as pandas' quantile does."""
    n = len(ordered)
    if not n:
        return None
    positions = _QUANTILE_LEVELS * (n - 1)
    below = positions.astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        picked = ordered[below] + (ordered[above] - ordered[below]) * (positions - below)
    return {
        key: value if math.isfinite(value) else None
        for key, value in zip(QUANTILES, picked.tolist(), strict=True)
    }


def _sketch(ordered: np.ndarray) -> dict | None:
    """The data values at the sketch's levels (the inverse of the empirical CDF: the value
    at p is the smallest x with F(x) >= p), so the CDF is known to within 1/100 between
    them; and the values among them that the data repeats (atoms, such as the integers of
    a count or the zeros of an amount) with their exact ranks, so that the CDF's steps
    there are exact too."""
    n = len(ordered)
    if not n:
        return None
    ranks = (_PER_MILLE * n + 999) // 1000 - 1  # ceil(p n) - 1, in exact integers
    points = ordered[np.maximum(ranks, 0)]
    values = points[np.concatenate(([True], points[1:] != points[:-1]))]  # sorted: unique
    below = np.searchsorted(ordered, values, side="left")
    counts = np.searchsorted(ordered, values, side="right") - below
    heavy = counts >= max(2, math.ceil(n * ATOM_SHARE))
    atoms = [
        {"value": value, "below": rank, "count": count}
        for value, rank, count in zip(
            values[heavy].tolist(), below[heavy].tolist(), counts[heavy].tolist(), strict=True
        )
    ]
    return {"n": n, "levels": _LEVELS, "quantiles": points.tolist(), "atoms": atoms}


def _histogram(finite, low, high, per_integer: bool, ordered, sample) -> dict:
    """Equal bins over [min, max], the last one closed, as numpy.histogram counts."""
    n = len(finite)
    if not n:
        return {"edges": [], "counts": []}
    if per_integer:
        counts = np.bincount((finite - low).astype(np.intp), minlength=high - low + 1)
        edges = np.arange(high - low + 2, dtype=np.float64) + low
        return {"edges": edges.tolist(), "counts": counts.tolist()}
    low, high = float(low), float(high)
    if low == high:
        return {"edges": [low, high], "counts": [n]}
    edges = low * (1 - _BIN_STEPS) + high * _BIN_STEPS  # no overflow even when high - low would
    edges[0], edges[-1] = low, high
    if sample is None:  # all values are sorted already: bin borders by binary search
        borders = np.searchsorted(ordered, edges, side="left")
        borders[-1] = n
        counts = np.diff(borders)
    elif math.isfinite(high - low):
        scale = HISTOGRAM_BINS / (high - low)
        counts = np.zeros(HISTOGRAM_BINS, dtype=np.intp)
        for start in range(0, n, _BLOCK):  # blocks that stay in the CPU cache: 2x faster
            index = ((finite[start : start + _BLOCK] - low) * scale).astype(np.intp)
            np.minimum(index, HISTOGRAM_BINS - 1, out=index)
            counts += np.bincount(index, minlength=HISTOGRAM_BINS)
    else:
        counts = np.histogram(finite, bins=edges)[0]
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def _value_counts(series: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """The distinct non-null values and how often each occurs, in no particular order."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind == "b":  # no hashing needed
        true = int(np.count_nonzero(series.to_numpy()))
        numbers = np.array([true, len(series) - true])
        return pd.Index([True, False])[numbers > 0], numbers[numbers > 0]
    try:
        counts = series.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable values (lists, dicts): count them by their text
        counts = series.dropna().map(_text).value_counts(sort=False)
    numbers = counts.to_numpy()
    if isinstance(series.dtype, pd.CategoricalDtype):  # unused categories count 0
        return counts.index[numbers > 0], numbers[numbers > 0]
    return counts.index, numbers


def _label_profile(profile: dict, series: pd.Series, sample) -> None:
    count = int(series.count())
    profile["count"] = count
    profile["nulls"] = len(series) - count
    # Counting categories and booleans is a pass over small codes: always on every row.
    cheap = profile["kind"] == "boolean" or isinstance(series.dtype, pd.CategoricalDtype)
    sampled = _needed(sample, count) is not None and not cheap
    values, counts = _value_counts(series.iloc[sample] if sampled else series)
    # Values that print alike merge, so take more candidates than are kept.
    candidates = np.argsort(-counts, kind="stable")
    if len(counts) > 2 * TOP_VALUES:
        candidates = np.argpartition(-counts, 2 * TOP_VALUES)[: 2 * TOP_VALUES]
    merged: dict[str, int] = {}
    for value, number in zip(values[candidates], counts[candidates].tolist(), strict=True):
        label = _text(value)
        merged[label] = merged.get(label, 0) + number
    top = sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:TOP_VALUES]
    counted = int(counts.sum())
    if sampled:
        singles = int(np.count_nonzero(counts == 1))
        profile["distinct"] = _estimate_distinct(singles, len(counts), count, counted)
    else:
        profile["distinct"] = len(counts)
    profile["distinct_exact"] = not sampled
    mostly_distinct = len(counts) > TOP_VALUES and len(counts) > counted / 2
    if profile["kind"] == "categorical" and not cheap and mostly_distinct:
        profile["kind"] = "text"
    profile["top_values"] = [{"value": label, "count": count} for label, count in top]
    profile["other"] = counted - sum(count for _label, count in top)
    profile["sampled"] = len(sample) if sampled else None


# -------------------------------------------------------------------------------- diff


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
        "ks_sketch_tolerance": KS_SKETCH_TOLERANCE,
    }


def _side(value: Any, which: str) -> tuple[dict, dict | None]:
    """A description, and for a frame the raw values per column name."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        frame = _as_frame(value, "diff")
        raw = {}
        for name, series in _columns(frame):
            raw[name] = series
        return describe(frame), raw
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


_COMPARED = (
    "kind",
    "dtype",
    "count",
    "nulls",
    "null_fraction",
    "distinct",
    "infinite",
    "min",
    "max",
    "mean",
    "std",
    "timezone",
)


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
            change["change"] = after - before if exact else _num(after - before)
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
    for family in (_NUMERIC_FAMILY, _TIME_FAMILY, _LABEL_FAMILY):
        if kind in family:
            return family
    return None


def _no_drift(reason: str) -> dict:
    return {"method": None, "drifted": False, "reason": reason}


def _drift(a: Mapping | None, b: Mapping | None, raw_a, raw_b, thresholds: dict) -> dict:
    if not a or not b:
        return _no_drift("a stored version has no profile of this column")
    family = _family(a.get("kind"))
    if family is None or _family(b.get("kind")) is None:
        return _no_drift("a stored profile of this column is not one describe() writes")
    if family != _family(b.get("kind")):
        return _no_drift(f"its kind changed from {a['kind']} to {b['kind']}")
    exact = raw_a is not None and raw_b is not None
    compare = _label_drift if family == _LABEL_FAMILY else _numeric_drift
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
        shown_edges: list = _iso(edges, a.get("timezone"))
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
    values, _unit = _numbers(series, kind)
    return values[np.isfinite(values)]


def _bin_shares(ordered: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Shares of the bins (-inf, e1], (e1, e2], ..., (ek, inf)."""
    borders = np.searchsorted(ordered, edges, side="right")
    return np.diff(np.concatenate(([0], borders, [len(ordered)]))) / len(ordered)


def _label_counts(series: pd.Series) -> dict[str, int]:
    counts: dict[str, int] = {}
    values, numbers = _value_counts(series)
    for value, count in zip(values, numbers, strict=True):
        label = _text(value)
        counts[label] = counts.get(label, 0) + int(count)
    return counts


def _label_drift(a, b, raw_a, raw_b, exact: bool, thresholds: dict) -> dict:
    from scipy import stats
    from scipy.spatial import distance

    top_a = {item["value"]: int(item["count"]) for item in a.get("top_values") or []}
    top_b = {item["value"]: int(item["count"]) for item in b.get("top_values") or []}
    total_a = sum(top_a.values()) + int(a.get("other") or 0)
    total_b = sum(top_b.values()) + int(b.get("other") or 0)
    if not total_a or not total_b:
        return _no_drift(f"{'a' if not total_a else 'b'} has no values to compare")
    labels = list(top_a) + [label for label in top_b if label not in top_a]
    if exact:
        counts_a, counts_b = _label_counts(raw_a), _label_counts(raw_b)
        total_a, total_b = sum(counts_a.values()), sum(counts_b.values())
    else:
        # A value outside a top list has an unknown count there, unless that list is
        # complete (no "other" values): then it is 0. Unknown ones join the other bucket.
        complete_a, complete_b = not a.get("other"), not b.get("other")
        labels = [
            label
            for label in labels
            if (label in top_a or complete_a) and (label in top_b or complete_b)
        ]
        counts_a, counts_b = top_a, top_b
    buckets = [[label, counts_a.get(label, 0), counts_b.get(label, 0)] for label in labels]
    rest_a = total_a - sum(bucket[1] for bucket in buckets)
    rest_b = total_b - sum(bucket[2] for bucket in buckets)
    if rest_a or rest_b:
        buckets.append([_OTHER_BUCKET, rest_a, rest_b])
    table = np.array([[bucket[1] for bucket in buckets], [bucket[2] for bucket in buckets]])
    js = float(distance.jensenshannon(table[0] / total_a, table[1] / total_b, base=2))
    if not math.isfinite(js):  # rounding made the divergence a hair below 0
        js = 0.0
    if len(buckets) > 1:
        chi2, chi2_pvalue, dof, _expected = stats.chi2_contingency(table)
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
        "buckets": [{"value": label, "a": int(na), "b": int(nb)} for label, na, nb in buckets],
        "drifted": drifted,
        "reasons": [f"JS distance {js:.3g} >= {thresholds['js_threshold']:g}"] if drifted else [],
    }
