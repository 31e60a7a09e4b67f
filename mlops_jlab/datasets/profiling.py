"""Profiling a table: the schema, counts and per-column profile a dataset version keeps.

:func:`describe` turns a DataFrame into the JSON description a dataset version keeps
(schema, row and column counts, a profile per column); the raw data is not kept, so
:func:`mlops_jlab.datasets.drift.diff` compares two versions from their descriptions alone.

Profiling runs in the kernel for every new content a run records (off a tracked cell's
thread, by the background writer: :mod:`mlops_jlab.tracking.drafts`), so it is vectorised
and bounded: moments, counts, histograms and the value counts of labels cover every row;
order statistics, and the value counts of free text (more distinct values than a profile
keeps), cover a fixed-seed sample of :data:`SAMPLE_ROWS` rows of larger frames, and such a
column's profile says ``"sampled": <rows>``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import UNSTORABLE_RE

KINDS = ("numeric", "datetime", "boolean", "categorical", "text", "other")
SAMPLE_ROWS = 100_000
SAMPLE_SEED = 0
HISTOGRAM_BINS = 20
TOP_VALUES = 20
# A label column keeps the count of every distinct value, so that drift from stored
# versions is the drift of the data, up to this many values and this much label text (a
# column of 100,000 twelve-character labels: a 1.4 MB profile). Beyond, as for an id
# column, a sketch: every value's count added into one of SKETCH_BUCKETS buckets by the
# hash of its text (about 10 kB).
VALUE_COUNTS_CAP = 100_000
VALUE_COUNTS_MAX_CHARS = 4_000_000
SKETCH_BUCKETS = 2048
# The hash that puts a value's text into a sketch bucket: stable across processes,
# platforms and versions, and vectorised.
SKETCH_HASH = "siphash24(utf-8, key 0123456789123456) mod buckets (pandas.util.hash_array)"
_SKETCH_KEY = "0123456789123456"
# The sketch's levels in thousandths: every percentile, and more in the tails, where one
# percent of a skewed column can span most of its range.
SKETCH_PER_MILLE = (0, 1, 2, 5, *range(10, 1000, 10), 995, 998, 999, 1000)
QUANTILES = {"p1": 0.01, "p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}
ATOM_SHARE = 1e-3  # a value repeated this often is stored with its exact ranks
_BLOCK = 1 << 16
_PER_MILLE = np.array(SKETCH_PER_MILLE, dtype=np.int64)
_LEVELS = [k / 1000 for k in SKETCH_PER_MILLE]
_BIN_STEPS = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
_QUANTILE_LEVELS = np.array(list(QUANTILES.values()))
MAX_LABEL_LENGTH = 200
LABEL_KINDS = ("boolean", "categorical", "text", "other")  # profiled by their values' counts
# What every column profile says of its column, first, then how that was computed.
COLUMN_FIELDS = ("kind", "dtype", "count", "nulls", "null_fraction", "distinct")
_FIRST_FIELDS = (*COLUMN_FIELDS, "distinct_exact", "sampled")


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
          share, with their exact ranks, ``{"value", "below", "count"}``;
          :func:`~mlops_jlab.datasets.drift.diff` rebuilds the CDF from it). Timedeltas are
          numeric, in seconds (``"unit": "s"``).
        - datetime: ``timezone``, ``min``, ``max`` and ``quantiles`` as ISO 8601 text,
          ``histogram`` with ISO edges, ``sketch`` in seconds since 1970-01-01 UTC.
        - boolean, categorical, text and other: ``top_values`` (at most 20
          ``{"value", "count"}``, most frequent first, values as text of at most 200
          characters; values that print alike are counted together), ``other`` (the
          count of the remaining non-null values), and ``value_counts`` (``{"values",
          "counts"}``: every value's count, most frequent first) when the column has at
          most :data:`VALUE_COUNTS_CAP` values of at most :data:`VALUE_COUNTS_MAX_CHARS`
          characters together, else ``value_sketch`` (``{"hash", "buckets", "counts"}``:
          every value's count added into one of :data:`SKETCH_BUCKETS` buckets by the
          hash of its text). A column is counted on every row unless its sample holds so
          many values (over twice the cap) that it is free text. Text is a string column
          of mostly distinct values; other is anything else (mixed types, objects).

        A column whose profile cannot be computed (its dtype or values raise) is of kind
        ``other``, its counts None, with ``error``: why; the other columns are profiled.

    Raises
    ------
    InvalidInputError
        If ``frame`` is not a DataFrame or Series.
    """
    frame = as_frame(frame, "describe")
    if isinstance(sample_rows, bool) or not isinstance(sample_rows, int) or sample_rows < 1:
        raise InvalidInputError(f"sample_rows must be a positive integer, not {sample_rows!r}")
    n_rows = len(frame)
    sample = None
    if n_rows > sample_rows:
        rng = np.random.default_rng(SAMPLE_SEED)
        sample = np.sort(rng.choice(n_rows, size=sample_rows, replace=False))
    schema = []
    profile = {}
    for name, series in named_columns(frame):
        dtype = stored_text(series.dtype)
        schema.append({"name": name, "dtype": dtype})
        try:
            profile[name] = _profile(series, dtype, sample)
        except Exception as exc:  # a user's dtype or values may fail in any way
            profile[name] = _failed_profile(dtype, exc)
    return {"schema": schema, "n_rows": n_rows, "n_columns": len(schema), "profile": profile}


def _failed_profile(dtype: str, error: Exception) -> dict:
    """The profile of a column that could not be profiled: what it is, and why not."""
    profile: dict[str, Any] = dict.fromkeys(_FIRST_FIELDS)
    profile.update(kind="other", dtype=dtype, distinct_exact=False)
    profile["error"] = stored_text(f"{type(error).__name__}: {error}")
    return profile


# ----------------------------------------------------------------------------- columns


def as_frame(frame: Any, what: str) -> pd.DataFrame:
    if isinstance(frame, pd.Series):
        return frame.to_frame()
    if isinstance(frame, pd.DataFrame):
        return frame
    raise InvalidInputError(
        f"{what} takes a pandas DataFrame or Series, not {type(frame).__name__}; wrap other "
        "tables with pd.DataFrame(...)"
    )


def stored_text(value: Any) -> str:
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
    return UNSTORABLE_RE.sub("\ufffd", text)


def _column_name(label: Any) -> str:
    if isinstance(label, tuple):
        parts = [
            stored_text(part) for part in label if part is not None and stored_text(part) != ""
        ]
        return ".".join(parts)
    return stored_text(label)


def named_columns(frame: pd.DataFrame) -> list[tuple[str, pd.Series]]:
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


def json_float(value: Any) -> float | None:
    """A finite float for JSON, else None (an overflowed mean, an empty column)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _profile(series: pd.Series, dtype: str, sample: np.ndarray | None) -> dict:
    n_rows = len(series)
    kind = _kind(series)
    profile: dict[str, Any] = {"kind": kind, "dtype": dtype}
    if kind in ("numeric", "datetime"):
        try:
            values, unit = numeric_values(series, kind)
        except (TypeError, ValueError, OverflowError):  # e.g. integers beyond any float
            kind = profile["kind"] = "other"
        else:
            if kind == "numeric":
                _numeric_profile(profile, series, values, unit, sample)
            else:
                _datetime_profile(profile, series, values, sample)
    if kind in LABEL_KINDS:
        _label_profile(profile, series, sample)
    profile["null_fraction"] = profile["nulls"] / n_rows if n_rows else None
    first = {key: profile.pop(key) for key in _FIRST_FIELDS}
    return {**first, **profile}


def numeric_values(series: pd.Series, kind: str) -> tuple[np.ndarray, str | None]:
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
    profile["min"] = low if integer else (None if low is None else json_float(low))
    profile["max"] = high if integer else (None if high is None else json_float(high))
    profile["mean"] = json_float(finite.mean()) if len(finite) else None
    with np.errstate(over="ignore", invalid="ignore"):
        profile["std"] = json_float(finite.std(ddof=1)) if len(finite) > 1 else None
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
        stamps = iso_times(np.array(list(quantiles.values())), tz)
        quantiles = dict(zip(quantiles, stamps, strict=True))
    profile["quantiles"] = quantiles
    histogram = _histogram(finite, low, high, False, ordered, sample)
    histogram["edges"] = iso_times(np.array(histogram["edges"]), tz)
    profile["histogram"] = histogram
    profile["sketch"] = _sketch(ordered)
    if profile["sketch"] is not None:
        profile["sketch"]["unit"] = "seconds since 1970-01-01T00:00:00Z"
    profile["sampled"] = None if sample is None else len(sample)


def iso_times(seconds: np.ndarray, tz: Any) -> list[str]:
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


def value_counts(series: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """The distinct non-null values and how often each occurs, in no particular order."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind == "b":  # no hashing needed
        true = int(np.count_nonzero(series.to_numpy()))
        numbers = np.array([true, len(series) - true])
        return pd.Index([True, False])[numbers > 0], numbers[numbers > 0]
    try:
        counts = series.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable values (lists, dicts): count them by their text
        counts = series.dropna().map(stored_text).value_counts(sort=False)
    numbers = counts.to_numpy()
    if isinstance(series.dtype, pd.CategoricalDtype):  # unused categories count 0
        return counts.index[numbers > 0], numbers[numbers > 0]
    return counts.index, numbers


def counts_by_text(values: Any, counts: np.ndarray) -> dict[str, int]:
    """The counts of ``values`` by their stored text, most frequent first (then by text):
    values that print alike count together."""
    texts, numbers = _texts_and_counts(pd.Index(values, dtype=object), np.asarray(counts))
    return dict(zip(texts, numbers.tolist(), strict=True))


def _texts_and_counts(values: pd.Index, counts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct values as stored text with their counts, most frequent first, then by text;
    values that print alike merged. Text columns are converted without a Python call per
    value: only the texts too long or unstorable are rewritten."""
    values = pd.Index(values, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        odd = (values.str.len() > MAX_LABEL_LENGTH) | values.str.contains(
            UNSTORABLE_RE.pattern, regex=True
        )
        texts = values.to_numpy(copy=True)
        if odd.any():
            texts[odd] = [stored_text(value) for value in values[odd]]
    else:
        texts = np.array([stored_text(value) for value in values], dtype=object)
    numbers = pd.Series(np.asarray(counts, dtype=np.int64), index=texts)
    if not numbers.index.is_unique:
        numbers = numbers.groupby(level=0, sort=False).sum()
    labels = numbers.index.to_numpy(dtype=object)
    order = np.lexsort((labels, -numbers.to_numpy()))
    return labels[order].tolist(), numbers.to_numpy()[order]


def sketch_buckets(texts: list[str]) -> np.ndarray:
    """The sketch bucket of each value's text (see :data:`SKETCH_HASH`)."""
    hashed = pd.util.hash_array(
        np.asarray(texts, dtype=object), encoding="utf8", hash_key=_SKETCH_KEY, categorize=False
    )
    return (hashed % np.uint64(SKETCH_BUCKETS)).astype(np.intp)


def _all_counts_kept(texts: list[str]) -> bool:
    """Whether the profile keeps every value's count (few enough, short enough)."""
    return len(texts) <= VALUE_COUNTS_CAP and sum(map(len, texts)) <= VALUE_COUNTS_MAX_CHARS


def _label_profile(profile: dict, series: pd.Series, sample) -> None:
    count = int(series.count())
    profile["count"] = count
    profile["nulls"] = len(series) - count
    # Counting categories and booleans is a pass over small codes: always on every row.
    cheap = profile["kind"] == "boolean" or isinstance(series.dtype, pd.CategoricalDtype)
    sampled = _needed(sample, count) is not None and not cheap
    values, counts = value_counts(series.iloc[sample] if sampled else series)
    counted = int(counts.sum())
    if sampled:
        singles = int(np.count_nonzero(counts == 1))
        estimate = _estimate_distinct(singles, len(counts), count, counted)
        if estimate <= 2 * VALUE_COUNTS_CAP:
            # Few enough values to keep all their counts: counted on every row, so that
            # drift from the stored version is the data's (a pass over hashes of few keys).
            values, counts = value_counts(series)
            counted, sampled = count, False
    if sampled:
        profile["distinct"] = estimate
    else:
        profile["distinct"] = len(counts)
    profile["distinct_exact"] = not sampled
    mostly_distinct = len(counts) > TOP_VALUES and len(counts) > counted / 2
    if profile["kind"] == "categorical" and not cheap and mostly_distinct:
        profile["kind"] = "text"
    texts, numbers = _texts_and_counts(values, counts)
    listed = numbers[:TOP_VALUES].tolist()
    profile["top_values"] = [
        {"value": label, "count": number}
        for label, number in zip(texts[:TOP_VALUES], listed, strict=True)
    ]
    profile["other"] = counted - sum(listed)
    if _all_counts_kept(texts):
        profile["value_counts"] = {"values": texts, "counts": numbers.tolist()}
    else:
        buckets = np.bincount(sketch_buckets(texts), weights=numbers, minlength=SKETCH_BUCKETS)
        profile["value_sketch"] = {
            "hash": SKETCH_HASH,
            "buckets": SKETCH_BUCKETS,
            "counts": buckets.astype(np.int64).tolist(),
        }
    profile["sampled"] = len(sample) if sampled else None
