"""How pandas objects are fingerprinted: a DataFrame by its blocks, a Series, an Index or
a MultiIndex, and each column by the kind of array that holds it (NumPy, masked, datetime,
categorical, string, arrow, interval, sparse), reusing the digest of a column whose memory
the cache knows (:mod:`mlops_jlab.datasets.fingerprint.cache`).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd
import xxhash

from mlops_jlab.datasets.fingerprint.encoding import (
    PANDAS_DIGEST,
    ROWS,
    VERSION,
    Unencodable,
    address,
    bits_column,
    combine,
    dtype_text,
    encode_label,
    ndarray_digest,
    objects,
    raw,
    raw_rows,
    raw_unmasked,
    strings_arrow,
    strings_python,
    unencodable_error,
)

try:  # optional: pandas' arrow-backed columns exist only when it is installed
    import pyarrow as pa
except ImportError:  # pragma: no cover - exercised only where pyarrow is missing
    pa = None

_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)
_DATETIMELIKE = (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray, pd.arrays.PeriodArray)


class ColumnDigests(Protocol):
    """Where a computation may find the digest of a column it saw before (the cache of
    :mod:`~mlops_jlab.datasets.fingerprint.cache`)."""

    def column(self, key: tuple) -> bytes | None: ...


class Hashing:
    """One fingerprint computation: the cache it may reuse column digests from (or None), and
    the column digests it found, to be remembered if the result can be cached."""

    __slots__ = ("cache", "found", "mutable")

    def __init__(self, cache: ColumnDigests | None):
        self.cache = cache
        self.found: list[tuple[tuple, bytes, Any]] = []
        self.mutable = False

    def reuse(self, key: tuple | None) -> bytes | None:
        return self.cache.column(key) if self.cache is not None and key is not None else None

    def keep(self, key: tuple | None, digest: bytes, anchors: tuple) -> None:
        if key is not None and self.cache is not None:
            self.found.append((key, digest, anchors))


def _owner(a: np.ndarray) -> np.ndarray:
    """The array whose life keeps ``a``'s memory alive."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _locate(values: Any) -> tuple[tuple | None, tuple]:
    """Where a 1D column's content lives, and the objects whose life keeps that place valid:
    the key under which its digest can be reused. (None, ()) when unknown."""
    if isinstance(values, np.ndarray):
        return ("bits", dtype_text(values.dtype), *address(values)), (_owner(values),)
    dtype = values.dtype
    try:
        if isinstance(values, (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray)):
            # the same key as the row of a 2D block holding the column (see _block_columns)
            bits = values._ndarray
            return ("bits", dtype_text(dtype), *address(bits)), (_owner(bits),)
        if isinstance(values, _MASKED):
            data, mask = values._data, values._mask
            key = (str(dtype), address(data), address(mask))
            return key, (_owner(data), _owner(mask))
        if isinstance(values, pd.Categorical):
            # the categories are immutable, named by identity while they live
            codes, categories = values._ndarray, dtype.categories
            key = ("category", dtype.ordered, id(categories), address(codes))
            return key, (_owner(codes), categories)
        if isinstance(values, (pd.arrays.PeriodArray, pd.arrays.StringArray)):
            bits = values._ndarray
            return (str(dtype), address(bits)), (_owner(bits),)
        if isinstance(values, pd.arrays.ArrowExtensionArray):
            return (str(dtype), "arrow", id(values._pa_array)), (values._pa_array,)
    except AttributeError:
        pass
    return None, ()


def _column(values: Any, run: Hashing) -> bytes:
    """The digest of one column (a 1D ndarray or extension array), reused when the cache
    knows the memory it lives in."""
    key, anchors = _locate(values)
    digest = run.reuse(key)
    if digest is None:
        digest = _uncached(values, run)
    if not run.mutable:  # vouched for by this object's entry too, should the first one go
        run.keep(key, digest, anchors)
    return digest


def _uncached(values: Any, run: Hashing) -> bytes:
    digest, cacheable = _column_digest(values, run)
    run.mutable |= not cacheable
    return digest


def _column_digest(values: Any, run: Hashing) -> tuple[bytes, bool]:
    n = len(values)
    if type(values) is pd.arrays.NumpyExtensionArray:  # not StringArray, a subclass
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        if values.dtype.hasobject:
            inner, cacheable = objects(values)
            return combine("column", "object", n, inner), cacheable
        if values.dtype.names is not None:
            return combine("column", "record", n, ndarray_digest(values)), True
        return bits_column(dtype_text(values.dtype), n, raw(values)), True
    dtype = dtype_text(values.dtype)
    if isinstance(values, _DATETIMELIKE):
        return bits_column(dtype_text(values.dtype), n, raw(values._ndarray)), True
    if isinstance(values, _MASKED):
        data, mask = values._data, values._mask
        return combine("column", dtype, n, "masked", raw_unmasked(data, mask), raw(mask)), True
    if isinstance(values, pd.Categorical):
        categories = _index_data(values.categories, run)
        codes = values.codes
        return combine(
            "column",
            "category",
            n,
            "categorical",
            int(values.ordered),
            categories,
            codes.dtype.str,
            raw(codes),
        ), True
    if isinstance(values, pd.arrays.StringArray):
        return combine("column", dtype, n, strings_python(values._ndarray)), True
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        return _arrow_column(values, dtype, n, run)
    if isinstance(values, pd.arrays.IntervalArray):
        left, right = _uncached(values.left._values, run), _uncached(values.right._values, run)
        return combine("column", dtype, n, "interval", left, right), True
    if isinstance(values, pd.arrays.SparseArray):
        return combine("column", dtype, n, "dense", _uncached(np.asarray(values), run)), True
    # any other extension type: its values as Python objects, tagged with its dtype
    inner, cacheable = objects(np.asarray(values, dtype=object))
    return combine("column", dtype, n, "objects", inner), cacheable


def _arrow_column(values: Any, dtype: str, n: int, run: Hashing) -> tuple[bytes, bool]:
    chunked = values.__arrow_array__()
    kind = chunked.type
    if _is_arrow_text(kind):
        return combine("column", dtype, n, strings_arrow(chunked.chunks)), True
    try:
        width = kind.bit_width
    except ValueError:  # not a fixed-width type: lists, structs, maps
        width = 0
    if width % 8 == 0 and width and not pa.types.is_dictionary(kind):
        # fixed-width values: their bits, with what lies under a null zeroed (arbitrary)
        size = width // 8
        bits, nulls = xxhash.xxh3_128(), xxhash.xxh3_128()
        seen = 0
        for chunk in chunked.chunks:
            data = np.frombuffer(
                chunk.buffers()[1], np.uint8, len(chunk) * size, chunk.offset * size
            )
            if chunk.null_count:
                missing = chunk.is_null().to_numpy(zero_copy_only=False)
                nulls.update(np.flatnonzero(missing).astype(np.int64) + seen)
                data = data.reshape(len(chunk), size).copy()
                data[missing] = 0
            bits.update(data)
            seen += len(chunk)
        return combine("column", dtype, n, "arrow", bits.digest(), nulls.digest()), True
    inner, cacheable = objects(np.asarray(values.to_numpy(dtype=object), dtype=object))
    return combine("column", dtype, n, "objects", inner), cacheable


def _is_arrow_text(kind: Any) -> bool:
    return any(
        test(kind)
        for test in (
            pa.types.is_string,
            pa.types.is_large_string,
            pa.types.is_string_view,
            pa.types.is_binary,
            pa.types.is_large_binary,
            pa.types.is_binary_view,
        )
    )


# --- indexes, frames, series -----------------------------------------------------------------


def _progression(values: np.ndarray) -> tuple[int, int, int] | None:
    """(first, step, length) when int64 ``values`` are what a RangeIndex would hold."""
    n = len(values)
    if n < 2:
        return (int(values[0]) if n else 0, 1, n)
    first = int(values[0])
    step = int(values[1]) - first
    # checked exactly in Python integers; the int64 differences below may wrap, but a wrap
    # would make the last value miss first + (n - 1) * step
    if step == 0 or not -(1 << 63) <= step < 1 << 63 or int(values[-1]) != first + (n - 1) * step:
        return None
    for start in range(0, n - 1, ROWS):
        if not (np.diff(values[start : start + ROWS + 1]) == step).all():
            return None
    return (first, step, n)


def _index_data(index: pd.Index, run: Hashing) -> bytes:
    """The dtype and values of an Index, without its names (reused while it lives: pandas
    never writes an Index in place)."""
    key = ("index", id(index))
    digest = run.reuse(key)
    if digest is not None:
        pass
    elif isinstance(index, pd.RangeIndex):
        n = len(index)
        digest = combine("range", index.start if n else 0, index.step if n > 1 else 1, n)
    elif isinstance(index, pd.MultiIndex):
        levels = [_uncached(index.get_level_values(i)._values, run) for i in range(index.nlevels)]
        digest = combine("multi", index.nlevels, len(index), *levels)
    else:
        values = index._values
        found = None
        if isinstance(values, np.ndarray) and values.dtype == np.int64:
            found = _progression(values)
        digest = combine("range", *found) if found else combine("flat", _uncached(values, run))
    if not run.mutable:
        run.keep(key, digest, (index,))
    return digest


def _index_digest(index: pd.Index, run: Hashing) -> bytes:
    names = tuple(index.names)
    return combine("index", encode_label(names, "the index names"), _index_data(index, run))


def _blocks(frame: pd.DataFrame | pd.Series) -> tuple:
    """The blocks of the frame's manager (values and the columns they hold)."""
    return frame._mgr.blocks


def _frame_digest(df: pd.DataFrame, blocks: tuple | None, run: Hashing) -> bytes:
    nrows, ncols = df.shape
    columns: list[bytes | None] = [None] * ncols
    if blocks is None:  # pandas without the block manager we know: column by column
        for j in range(ncols):
            columns[j] = _column(df.iloc[:, j].array, run)
    for block in blocks or ():
        values, places = block.values, block.mgr_locs.as_array
        try:
            digests = _block_columns(values, run)
        except Unencodable as exc:
            label = df.columns[places[exc.column or 0]]
            raise unencodable_error(exc, f"column {label!r} of this DataFrame") from exc
        for place, digest in zip(places, digests, strict=True):
            columns[place] = digest
    try:
        index = _index_digest(df.index, run)
        labels = _index_digest(df.columns, run)
    except Unencodable as exc:
        raise unencodable_error(exc, "an index label") from exc
    return combine(VERSION, "DataFrame", nrows, ncols, index, labels, *columns)


def _block_columns(values: Any, run: Hashing) -> list[bytes]:
    """Column digests of one block: a 2D ndarray or datetime array holds a column per row,
    any other array is a single column."""
    if values.ndim == 1:
        return [_column(values, run)]
    bits = values._ndarray if isinstance(values, _DATETIMELIKE) else values
    if not isinstance(bits, np.ndarray) or bits.dtype.hasobject or bits.dtype.names:
        digests = []
        for r in range(values.shape[0]):
            try:
                digests.append(_column(values[r], run))
            except Unencodable as exc:
                exc.column = r
                raise
        return digests
    dtype = dtype_text(values.dtype)
    base, (step, stride), n = address(bits)[0], bits.strides, bits.shape[1]
    digests: list[bytes | None] = []
    missing = []
    keys = [
        ("bits", dtype, base + r * step, (n,), (stride,), bits.dtype.str)
        for r in range(bits.shape[0])
    ]
    for r, key in enumerate(keys):
        digests.append(run.reuse(key))
        if digests[-1] is None:
            missing.append(r)
    if missing:
        for r, row_digest in zip(missing, raw_rows(bits, missing), strict=True):
            digests[r] = bits_column(dtype, n, row_digest)
    anchors = (_owner(bits),)
    for key, digest in zip(keys, digests, strict=True):
        run.keep(key, digest, anchors)
    return digests


def digest_pandas(obj: pd.DataFrame | pd.Series | pd.Index, run: Hashing, blocks=None) -> bytes:
    if isinstance(obj, pd.Index):
        try:
            return combine(VERSION, "Index", _index_digest(obj, run))
        except Unencodable as exc:
            raise unencodable_error(exc, "an Index") from exc
    if blocks is None:
        try:
            blocks = _blocks(obj)
        except AttributeError:
            blocks = None
    if isinstance(obj, pd.DataFrame):
        try:
            return _frame_digest(obj, blocks, run)
        except Unencodable as exc:
            raise unencodable_error(exc, "this DataFrame") from exc
    try:
        values = blocks[0].values if blocks else obj.array
        name = encode_label(obj.name, "the Series name")
        return combine(VERSION, "Series", name, _index_digest(obj.index, run), _column(values, run))
    except Unencodable as exc:
        raise unencodable_error(exc, f"Series {obj.name!r}") from exc


PANDAS_DIGEST.append(lambda x: digest_pandas(x, Hashing(None)))
