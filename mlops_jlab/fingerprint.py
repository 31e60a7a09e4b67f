"""Content fingerprints of DataFrames, Series, Indexes, NumPy arrays, bytes and files.

A fingerprint is the xxh3-128 digest, 32 lowercase hex characters, of everything that makes
up the content, so a dataset version changes exactly when its content does:

- a DataFrame: its shape, its index, its column labels, and each column's dtype and every
  value; a Series: its name, index, dtype and values; an Index: its names, dtype and values
  (a MultiIndex level by level); a NumPy array: its dtype, shape and values; bytes and files:
  the bytes alone, so a file's fingerprint is the digest the artifact store files it under.
- Memory layout does not count: C or Fortran order, consolidated or separate blocks, a slice
  or a copy, strings stored by pyarrow or as Python objects, arrow chunking, and a RangeIndex
  or the int64 Index of the same numbers all give the same digest.
- Values count as they are stored. Floats are compared by their bits: -0.0 and 0.0 differ,
  and so do NaNs of different bit patterns (x86 arithmetic makes a negative NaN where
  ``np.nan`` is positive); numeric data is hashed straight from its buffers. What lies under
  a missing value of a nullable column (Int64, boolean, Float64, arrow) is not content.
- In object columns None, NaN, ``pd.NA``, NaT and Decimal NaN are one missing value, as for
  pandas' ``isna`` and ``DataFrame.equals``; 1, 1.0, True and "1" are four different values,
  and a NumPy scalar is the value it holds (``np.int64(3)`` is 3). Lists, tuples, dicts, sets,
  dates, decimals, bytes and arrays are encoded by content (dict and set order aside); other
  objects have no stable encoding and are refused with advice.
- A categorical's categories, in their order, are part of its content.
- Digests are the same in every process: nothing depends on ``hash()`` or PYTHONHASHSEED.
  They do depend on dtypes, so a pandas upgrade that infers other dtypes gives new versions.

Fingerprinting an unchanged DataFrame, Series or Index again costs microseconds. The cache
knows an object is unchanged through pandas' copy-on-write (always on from pandas 3): the
first fingerprint registers a reference to each block of the object, so any later write
through pandas must copy the block first, and an object whose blocks, axes and names are
still the same objects is provably the one that was hashed. The price is that the first
write after a fingerprint copies what it writes to (the column, or the block), as it would
if the user held a view of it. Columns are remembered by the memory they live in, so a frame
that gains, loses or replaces a column, or a new frame that shares columns with a
fingerprinted one (``assign``, ``rename``, ``concat``), hashes only what is new. The cache
keeps no data alive: it holds weak references and a bounded number of entries, each dropped
with its object. A frame with lists, dicts, sets or arrays in an object column can change
without pandas knowing, so it is hashed on every call.

Writes that go around pandas cannot be seen without reading the data, and pandas' own
copy-on-write does not see them either: a NumPy array handed to pandas with ``copy=False``
and written afterwards, a write through the object returned by ``Series.array`` or by
``.values`` of an extension dtype (pandas issue 63099), a read-only view made writeable, or
a memory-mapped file changed by another program. After such a write pass ``cache=False`` or
call :func:`clear_cache`. NumPy arrays have no
copy-on-write at all, so they are hashed on every call.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import os
import stat
import struct
import threading
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xxhash

from mlops_jlab.errors import InvalidInputError, NotFoundError

try:  # optional: pandas' default string columns live in pyarrow when it is installed
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - exercised only where pyarrow is missing
    pa = pc = None

FILE_CHUNK = 4 << 20
MAX_ENTRIES = 256
# Bytes per piece when an array is copied to be hashed (strided, big-endian, masked): large
# enough that per-piece overhead vanishes, small enough to stay in the CPU caches.
_PIECE = 1 << 20
# Rows per piece when strings or Python objects are encoded (bounds the memory it takes).
_ROWS = 1 << 20
_VERSION = "mlops-jlab fingerprint 1"
_Q = struct.Struct("<q")
_D = struct.Struct("<d")
_DD = struct.Struct("<dd")
_MASKED = (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)
_DATETIMELIKE = (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray, pd.arrays.PeriodArray)
_SUPPORTED = (pd.DataFrame, pd.Series, pd.Index, np.ndarray, bytes, bytearray, memoryview)


def can_fingerprint(obj: Any) -> bool:
    """Whether :func:`fingerprint` accepts ``obj``'s type.

    True for pandas DataFrames, Series and Indexes, NumPy arrays, and bytes-like objects.
    """
    return isinstance(obj, _SUPPORTED)


def fingerprint(obj: Any, *, cache: bool = True) -> str:
    """The content fingerprint of a DataFrame, Series, Index, NumPy array or bytes.

    Parameters
    ----------
    obj
        A pandas ``DataFrame``, ``Series`` or ``Index`` (``MultiIndex`` and ``RangeIndex``
        included), a NumPy ``ndarray``, or ``bytes``, ``bytearray`` or ``memoryview``.
    cache
        Reuse the digest of an object (and of columns) already fingerprinted that pandas'
        copy-on-write proves unchanged. ``False`` hashes everything again: needed only after
        a write that went around pandas (see the module documentation).

    Returns
    -------
    str
        32 lowercase hex characters (xxh3-128). Equal content gives equal digests in every
        process; any changed value, index label, column name, column order or dtype gives a
        different one. Bytes give the same digest as a file holding them.

    Raises
    ------
    InvalidInputError
        For any other type, or for an object column holding a value without a stable
        encoding (say, an instance of a user's class).
    """
    if isinstance(obj, (bytes, bytearray)):
        return xxhash.xxh3_128_hexdigest(obj)
    if isinstance(obj, memoryview):
        return xxhash.xxh3_128_hexdigest(obj.cast("B") if obj.c_contiguous else obj.tobytes())
    if isinstance(obj, np.ndarray):
        try:
            return _combine(_VERSION, "ndarray", _ndarray_digest(obj)).hex()
        except _Unencodable as exc:
            raise _describe(exc, "this array") from exc
    if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        return _CACHE.fingerprint(obj) if cache else _digest_pandas(obj, _Run(None)).hex()
    if isinstance(obj, (str, os.PathLike)):
        advice = "to fingerprint a file's content, call fingerprint_file(path)"
    else:
        advice = (
            "convert it first: a list or dict with pd.DataFrame(...), an arrow table with "
            ".to_pandas(), a model or other object by serialising it to bytes (e.g. pickle)"
        )
    raise InvalidInputError(
        f"cannot fingerprint a {type(obj).__module__}.{type(obj).__qualname__}: fingerprint() "
        f"takes a pandas DataFrame, Series or Index, a NumPy array or bytes; {advice}"
    )


def fingerprint_file(path: str | os.PathLike[str]) -> str:
    """The fingerprint of a file's full content, read in chunks (files may be many GB).

    The digest is the xxh3-128 of the bytes, the same as ``fingerprint(path.read_bytes())``
    and as the artifact store's address of the file.

    Raises
    ------
    NotFoundError
        When nothing exists at ``path``.
    InvalidInputError
        When ``path`` is a folder, not a regular file, or cannot be read.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInputError(
            f"fingerprint_file() takes a path, not a {type(path).__name__}; for data in "
            "memory call fingerprint(obj)"
        )
    where = Path(path)
    try:
        status = where.stat()
        mode = status.st_mode
        if stat.S_ISDIR(mode):
            raise InvalidInputError(
                f"cannot fingerprint '{where}': it is a folder; fingerprint its files one by one"
            )
        if not stat.S_ISREG(mode):
            raise InvalidInputError(
                f"cannot fingerprint '{where}': it is not a regular file (a pipe, socket or "
                "device has no fixed content)"
            )
        hasher = xxhash.xxh3_128()
        # A small file's buffer is its size: zeroing 4 MiB costs more than hashing 100 kB.
        buffer = bytearray(max(1, min(FILE_CHUNK, status.st_size + 1)))
        view = memoryview(buffer)
        with where.open("rb", buffering=0) as stream:
            while size := stream.readinto(buffer):
                hasher.update(view[:size])
        return hasher.hexdigest()
    except FileNotFoundError as exc:
        raise NotFoundError(
            f"cannot fingerprint '{where}': no such file (relative paths start at '{os.getcwd()}')"
        ) from exc
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read '{where}' to fingerprint it: {exc.strerror or exc}"
        ) from exc


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    entries: int
    columns: int


def cache_info() -> CacheInfo:
    """Hits and misses of the fingerprint cache since it was last cleared, and its size."""
    return _CACHE.info()


def clear_cache() -> None:
    """Forget every remembered digest, e.g. after a write that went around pandas."""
    _CACHE.clear()


# --- encoding --------------------------------------------------------------------------------


def _combine(*fields: int | str | bytes) -> bytes:
    """The xxh3-128 of typed, length-prefixed fields: no two field lists share an encoding."""
    hasher = xxhash.xxh3_128()
    for field in fields:
        if isinstance(field, int):
            hasher.update(b"i" + _Q.pack(field))
        elif isinstance(field, str):
            data = field.encode("utf-8", "surrogatepass")
            hasher.update(b"s" + _Q.pack(len(data)) + data)
        else:
            hasher.update(b"b" + _Q.pack(len(field)))
            hasher.update(field)
    return hasher.digest()


class _Unencodable(Exception):
    """A value in an object column or a label has no stable encoding."""

    def __init__(self, value: Any, row: int | None = None):
        super().__init__(value)
        self.value, self.row = value, row
        self.column: int | None = None  # position in its block, when in a DataFrame


def _is_missing(x: Any) -> bool:
    """pandas' scalar missing markers; all of them encode as one missing value."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, (float, np.floating)):
        return x != x
    if isinstance(x, decimal.Decimal):
        return x.is_nan()
    if isinstance(x, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(x))
    return False


class _Values:
    """Tagged, self-delimiting bytes of Python values (object columns and labels).

    ``mutable`` turns True when a value could change without pandas noticing (a list, a
    dict, an array), which makes the column's digest uncachable.
    """

    __slots__ = ("mutable", "out")

    def __init__(self) -> None:
        self.out = bytearray()
        self.mutable = False

    def add(self, x: Any) -> None:
        kind = type(x)  # exact types first: they are nearly all of the values
        if kind is str:
            data = x.encode("utf-8", "surrogatepass")
            self.out += b"s" + _Q.pack(len(data)) + data
        elif kind is float:
            self.out += b"n" if x != x else b"f" + _D.pack(x)
        elif kind is int:
            self._int(x)
        elif kind is bool:
            self.out += b"T" if x else b"F"
        elif _is_missing(x):
            self.out += b"n"
        else:
            self._other(x)

    def encoded(self, x: Any) -> bytes:
        inner = _Values()
        inner.add(x)
        self.mutable |= inner.mutable
        return bytes(inner.out)

    def _int(self, x: int) -> None:
        if -(1 << 63) <= x < 1 << 63:
            self.out += b"i" + _Q.pack(x)
        else:
            data = x.to_bytes((x.bit_length() + 8) // 8, "little", signed=True)
            self.out += b"I" + _Q.pack(len(data)) + data

    def _text(self, tag: bytes, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self.out += tag + _Q.pack(len(data)) + data

    def _other(self, x: Any) -> None:
        out = self.out
        if isinstance(x, enum.Enum):  # before int and str: IntEnum and StrEnum are both
            self._text(b"e", f"{type(x).__module__}.{type(x).__qualname__}")
            self.add(x.value)
        elif isinstance(x, str):
            self._text(b"s", str.__str__(x))
        elif isinstance(x, (bool, np.bool_)):
            out += b"T" if x else b"F"
        elif isinstance(x, (int, np.integer)):
            self._int(int(x))
        elif isinstance(x, (float, np.floating)):
            out += b"f" + _D.pack(float(x))
        elif isinstance(x, (complex, np.complexfloating)):
            out += b"c" + _DD.pack(x.real, x.imag)
        elif isinstance(x, (bytes, bytearray, memoryview)):
            data = bytes(x)
            out += b"b" + _Q.pack(len(data)) + data
            self.mutable |= not isinstance(x, bytes)
        elif isinstance(x, decimal.Decimal):
            self._text(b"m", str(x))
        elif isinstance(x, datetime.datetime):  # pd.Timestamp too; before date, its base
            self._text(b"t", f"{x.isoformat()}|{x.tzinfo}")
        elif isinstance(x, datetime.date):
            self._text(b"d", x.isoformat())
        elif isinstance(x, datetime.time):
            self._text(b"h", f"{x.isoformat()}|{x.tzinfo}")
        elif isinstance(x, datetime.timedelta):  # pd.Timedelta too, with its nanoseconds
            nanos = ((x.days * 86400 + x.seconds) * 1_000_000 + x.microseconds) * 1000
            out += b"D"
            self._int(nanos + getattr(x, "nanoseconds", 0))
        elif isinstance(x, (np.datetime64, np.timedelta64)):
            self._text(b"x", str(x.dtype))
            self._int(int(x.astype(np.int64)))
        elif isinstance(x, pd.Period):
            self._text(b"p", x.freqstr)
            self._int(x.ordinal)
        elif isinstance(x, pd.Interval):
            self._text(b"v", x.closed)
            self.add(x.left)
            self.add(x.right)
        elif isinstance(x, uuid.UUID):
            out += b"u" + x.bytes
        elif isinstance(x, (tuple, list)):
            out += (b"(" if isinstance(x, tuple) else b"[") + _Q.pack(len(x))
            self.mutable |= isinstance(x, list)
            for item in x:
                self.add(item)
        elif isinstance(x, dict):
            items = sorted(self.encoded(k) + self.encoded(v) for k, v in x.items())
            out += b"{" + _Q.pack(len(items)) + b"".join(items)
            self.mutable = True
        elif isinstance(x, (set, frozenset)):
            items = sorted(self.encoded(item) for item in x)
            out += b"<" + _Q.pack(len(items)) + b"".join(items)
            self.mutable |= isinstance(x, set)
        elif isinstance(x, np.ndarray):
            out += b"a" + _ndarray_digest(x)
            self.mutable = True
        elif isinstance(x, (pd.DataFrame, pd.Series, pd.Index)):
            out += b"P" + _digest_pandas(x, _Run(None))
            self.mutable = True
        else:
            raise _Unencodable(x)


def _label(x: Any, what: str) -> bytes:
    """The encoding of a name (of a Series or of index levels)."""
    values = _Values()
    try:
        values.add(x)
    except (_Unencodable, RecursionError) as exc:
        raise InvalidInputError(
            f"cannot fingerprint {what} {x!r} of type {type(x).__name__}: only strings, "
            "numbers, dates, None and tuples of them have a stable encoding; rename it"
        ) from exc
    return bytes(values.out)


# --- arrays ----------------------------------------------------------------------------------


def _little_endian(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("<") if dtype.byteorder in "=<>" else dtype


def _dtype_text(dtype: Any) -> str:
    return str(_little_endian(dtype)) if isinstance(dtype, np.dtype) else str(dtype)


def _feed(hasher: Any, a: np.ndarray) -> None:
    """Stream ``a``'s values in C order and little-endian byte order, copying only a piece at
    a time when the array is strided, Fortran-ordered or big-endian."""
    if a.size == 0:
        return
    if a.ndim == 0:
        a = a.reshape(1)
    little = _little_endian(a.dtype)
    if a.flags.c_contiguous and a.dtype == little:
        hasher.update(a.reshape(-1).view(np.uint8))
        return
    row_bytes = a.itemsize * (a.size // a.shape[0])
    if a.ndim > 1 and row_bytes > 4 * _PIECE:
        for i in range(a.shape[0]):
            _feed(hasher, a[i])
        return
    step = max(1, _PIECE // row_bytes)
    for start in range(0, a.shape[0], step):
        piece = np.ascontiguousarray(a[start : start + step]).astype(little, copy=False)
        hasher.update(piece.reshape(-1).view(np.uint8))


def _raw(a: np.ndarray) -> bytes:
    hasher = xxhash.xxh3_128()
    _feed(hasher, a)
    return hasher.digest()


def _raw_unmasked(data: np.ndarray, mask: np.ndarray) -> bytes:
    """The raw digest of 1D ``data`` with its masked values read as zeros: what lies under a
    mask is arbitrary (often the value before it was masked), not content."""
    hasher = xxhash.xxh3_128()
    step = max(1, _PIECE // data.itemsize)
    for start in range(0, len(data), step):
        piece, hidden = data[start : start + step], mask[start : start + step]
        if hidden.any():
            piece = piece.copy()
            piece[hidden] = 0
        _feed(hasher, piece)
    return hasher.digest()


def _raw_rows(values: np.ndarray, rows: list[int]) -> list[bytes]:
    """Raw digests of rows of a 2D block (each row one column of a frame).

    A block whose rows are strided (a frame made from a C-ordered array without a copy) is
    read in column pieces, transposed a piece at a time into one hasher per row: reading each
    strided row on its own would read the whole block once per row.
    """
    if values.strides[1] == values.itemsize or len(rows) == 1:
        return [_raw(values[r]) for r in rows]
    hashers = [xxhash.xxh3_128() for _ in rows]
    little = _little_endian(values.dtype)
    take = np.asarray(rows)
    width = max(1, _PIECE // (values.itemsize * len(rows)))
    for start in range(0, values.shape[1], width):
        piece = values[take, start : start + width].astype(little, copy=False)
        for hasher, row in zip(hashers, piece, strict=True):
            hasher.update(row.view(np.uint8))
    return [h.digest() for h in hashers]


def _bits_column(dtype_text: str, n: int, raw: bytes) -> bytes:
    return _combine("column", dtype_text, n, "bits", raw)


def _address(a: np.ndarray) -> tuple:
    """Where ``a``'s values live: equal addresses of live, unwritten memory, equal values."""
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def _ndarray_digest(a: np.ndarray) -> bytes:
    """dtype, shape and values of any NumPy array, whatever its memory order."""
    if isinstance(a, np.ma.MaskedArray):
        data, mask = np.ma.getdata(a), np.ma.getmaskarray(a)
        if mask.any():  # what lies under a mask is arbitrary, not content
            data = data.copy()
            data[mask] = np.zeros((), a.dtype)
        return _combine("masked", _ndarray_digest(np.asarray(data)), _raw(mask))
    head = ("ndarray", _dtype_text(a.dtype), a.ndim, *a.shape)
    if a.dtype.names is not None:  # structured: field by field, padding bytes are not data
        return _combine(*head, *(_ndarray_digest(a[name]) for name in a.dtype.names))
    if a.dtype.hasobject:
        flat = a.ravel(order="C")
        return _combine(*head, _objects(flat)[0])
    return _combine(*head, _raw(a))


# --- strings and objects ---------------------------------------------------------------------


def _strings_arrow(chunks: list) -> bytes:
    """The strings encoding from arrow string or binary arrays: lengths, bytes, null rows."""
    lengths, data, nulls = xxhash.xxh3_128(), xxhash.xxh3_128(), xxhash.xxh3_128()
    n = 0
    for chunk in chunks:
        if pa.types.is_string_view(chunk.type):
            chunk = chunk.cast(pa.large_string())
        elif pa.types.is_binary_view(chunk.type):
            chunk = chunk.cast(pa.large_binary())
        wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
        offset_type = np.dtype(np.int64 if wide else np.int32)
        for start in range(0, len(chunk), _ROWS):
            piece = chunk.slice(start, _ROWS)
            if piece.null_count:
                missing = piece.is_null().to_numpy(zero_copy_only=False)
                nulls.update(np.flatnonzero(missing).astype(np.int64) + (n + start))
                # what lies under a null is arbitrary: make every null an empty value
                piece = pc.fill_null(piece, pa.scalar(b"", type=piece.type))
            buffers = piece.buffers()
            offsets = np.frombuffer(
                buffers[1], offset_type, len(piece) + 1, piece.offset * offset_type.itemsize
            )
            lengths.update(np.diff(offsets).astype(np.int64, copy=False))
            if buffers[2] is not None and offsets[-1] > offsets[0]:
                data.update(memoryview(buffers[2])[offsets[0] : offsets[-1]])
        n += len(chunk)
    return _combine("strings", n, lengths.digest(), data.digest(), nulls.digest())


def _encode_strings(strings: list) -> tuple[np.ndarray, bytes]:
    """UTF-8 byte lengths and bytes of Python strings; ASCII text (the usual case) is joined
    and encoded at once instead of string by string."""
    joined = "".join(strings)
    if joined.isascii():
        return np.fromiter(map(len, strings), np.int64, len(strings)), joined.encode("ascii")
    encoded = [x.encode("utf-8", "surrogatepass") for x in strings]
    return np.fromiter(map(len, encoded), np.int64, len(encoded)), b"".join(encoded)


def _strings_python(values: np.ndarray) -> bytes:
    """The encoding of :func:`_strings_arrow`, for an object array of strings and missing
    values (a string column stored as Python objects)."""
    lengths, data, nulls = xxhash.xxh3_128(), xxhash.xxh3_128(), xxhash.xxh3_128()
    for start in range(0, len(values), _ROWS):
        part = values[start : start + _ROWS]
        missing = pd.isna(part)
        if missing.any():
            sizes, text = _encode_strings(part[~missing].tolist())
            every = np.zeros(len(part), np.int64)  # a missing value has length 0
            every[~missing] = sizes
            lengths.update(every)
            nulls.update(np.flatnonzero(missing).astype(np.int64) + start)
        else:
            sizes, text = _encode_strings(part.tolist())
            lengths.update(sizes)
        data.update(text)
    return _combine("strings", len(values), lengths.digest(), data.digest(), nulls.digest())


# The classes of values in an object column, each encoded in a stream of its own so that the
# common ones (strings, numbers, missing) are encoded by NumPy rather than one at a time.
_MISSING, _STR, _INT, _FLOAT, _BOOL, _OTHER = range(6)
_CLASSES: dict[type, int] = {
    str: _STR,
    int: _INT,
    float: _FLOAT,
    bool: _BOOL,
    type(None): _MISSING,
    type(pd.NA): _MISSING,
    type(pd.NaT): _MISSING,
    np.str_: _STR,
    np.int64: _INT,
    np.float64: _FLOAT,
    np.bool_: _BOOL,
}


def _value_class(kind: type) -> int:
    """The class of values of type ``kind``: a subclass goes where its base goes."""
    found = _CLASSES.get(kind)
    if found is None:
        if issubclass(kind, enum.Enum):  # IntEnum and StrEnum are enums first
            found = _OTHER
        elif issubclass(kind, str):
            found = _STR
        elif issubclass(kind, (bool, np.bool_)):
            found = _BOOL
        elif issubclass(kind, (int, np.integer)):
            found = _INT
        elif issubclass(kind, (float, np.floating)):
            found = _FLOAT
        else:
            found = _OTHER
        if len(_CLASSES) < 10_000:
            _CLASSES[kind] = found
    return found


def _text_record(strings: list) -> bytes:
    """Strings of one piece of an object column as one self-delimiting record: joined by NUL
    when none holds a NUL (the usual case, and the fast one), else lengths and bytes."""
    joined = "\x00".join(strings)
    if joined.count("\x00") == max(len(strings) - 1, 0):
        data = joined.encode("utf-8", "surrogatepass")
        return b"z" + _Q.pack(len(data)) + data
    sizes, data = _encode_strings(strings)
    return b"l" + sizes.tobytes() + _Q.pack(len(data)) + data


def _objects(values: np.ndarray) -> tuple[bytes, bool]:
    """The encoding of a 1D object array, and whether it may be cached (no mutable values).

    Each value gets a class (missing, str, int, float, bool, other) by its type and, for NaN,
    big integers and other missing markers, by its value; then each class has a stream: a
    text record per piece of rows for strings, int64 for integers, float64 bits for floats, a
    byte for bools, and tagged bytes (:class:`_Values`) for the rest. From the classes and
    streams the values can be read back, so different values never share an encoding. (The
    pieces are ``_ROWS`` long: changing that constant changes digests.)
    """
    classes_h, text_h, ints_h, floats_h, bools_h, others_h = (xxhash.xxh3_128() for _ in range(6))
    others = _Values()
    for start in range(0, len(values), _ROWS):
        part = values[start : start + _ROWS]
        items = part.tolist()
        try:  # a piece of strings only, the common case: no classes to work out
            text_h.update(_text_record(items))
            classes_h.update(np.full(len(items), _STR, np.uint8))
            continue
        except TypeError:
            pass
        types = list(map(type, items))
        kinds = set(types)
        for kind in kinds:
            _value_class(kind)
        classes = np.fromiter(map(_CLASSES.__getitem__, types), np.uint8, len(types))
        present = {_CLASSES[kind] for kind in kinds}
        if _INT in present:
            where = np.flatnonzero(classes == _INT)
            try:
                ints = part[where].astype(np.int64)
            except OverflowError:  # integers beyond int64 are encoded as others
                big = [i for i in where.tolist() if not -(1 << 63) <= int(items[i]) < 1 << 63]
                classes[big] = _OTHER
                present.add(_OTHER)
                where = np.flatnonzero(classes == _INT)
                ints = part[where].astype(np.int64)
            ints_h.update(ints)
        if _FLOAT in present:
            where = np.flatnonzero(classes == _FLOAT)
            floats = part[where].astype(np.float64)
            nan = np.isnan(floats)
            if nan.any():  # NaN is pandas' missing marker: one missing value
                classes[where[nan]] = _MISSING
                floats = floats[~nan]
            floats_h.update(floats)
        if _STR in present:
            text_h.update(_text_record(part[classes == _STR].tolist()))
        if _BOOL in present:
            bools_h.update(part[classes == _BOOL].astype(np.bool_))
        if _OTHER in present:
            for i in np.flatnonzero(classes == _OTHER).tolist():
                x = items[i]
                if _is_missing(x):
                    classes[i] = _MISSING
                    continue
                try:
                    others.add(x)
                except (_Unencodable, RecursionError) as exc:
                    raise _Unencodable(x, start + i) from exc
            others_h.update(others.out)
            others.out.clear()
        classes_h.update(classes)
    digests = (h.digest() for h in (classes_h, text_h, ints_h, floats_h, bools_h, others_h))
    return _combine("objects", len(values), *digests), not others.mutable


# --- pandas ----------------------------------------------------------------------------------


class _Run:
    """One fingerprint computation: the cache it may reuse column digests from (or None), and
    the column digests it found, to be remembered if the result can be cached."""

    __slots__ = ("cache", "found", "mutable")

    def __init__(self, cache: _Cache | None):
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
        return ("bits", _dtype_text(values.dtype), *_address(values)), (_owner(values),)
    dtype = values.dtype
    try:
        if isinstance(values, (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray)):
            # the same key as the row of a 2D block holding the column (see _block_columns)
            bits = values._ndarray
            return ("bits", _dtype_text(dtype), *_address(bits)), (_owner(bits),)
        if isinstance(values, _MASKED):
            data, mask = values._data, values._mask
            key = (str(dtype), _address(data), _address(mask))
            return key, (_owner(data), _owner(mask))
        if isinstance(values, pd.Categorical):
            # the categories are immutable, named by identity while they live
            codes, categories = values._ndarray, dtype.categories
            key = ("category", dtype.ordered, id(categories), _address(codes))
            return key, (_owner(codes), categories)
        if isinstance(values, (pd.arrays.PeriodArray, pd.arrays.StringArray)):
            bits = values._ndarray
            return (str(dtype), _address(bits)), (_owner(bits),)
        if isinstance(values, pd.arrays.ArrowExtensionArray):
            return (str(dtype), "arrow", id(values._pa_array)), (values._pa_array,)
    except AttributeError:
        pass
    return None, ()


def _column(values: Any, run: _Run) -> bytes:
    """The digest of one column (a 1D ndarray or extension array), reused when the cache
    knows the memory it lives in."""
    key, anchors = _locate(values)
    digest = run.reuse(key)
    if digest is None:
        digest = _uncached(values, run)
    if not run.mutable:  # vouched for by this object's entry too, should the first one go
        run.keep(key, digest, anchors)
    return digest


def _uncached(values: Any, run: _Run) -> bytes:
    digest, cacheable = _column_digest(values, run)
    run.mutable |= not cacheable
    return digest


def _column_digest(values: Any, run: _Run) -> tuple[bytes, bool]:
    n = len(values)
    if type(values) is pd.arrays.NumpyExtensionArray:  # not StringArray, a subclass
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        if values.dtype.hasobject:
            inner, cacheable = _objects(values)
            return _combine("column", "object", n, inner), cacheable
        if values.dtype.names is not None:
            return _combine("column", "record", n, _ndarray_digest(values)), True
        return _bits_column(_dtype_text(values.dtype), n, _raw(values)), True
    dtype = _dtype_text(values.dtype)
    if isinstance(values, _DATETIMELIKE):
        return _bits_column(_dtype_text(values.dtype), n, _raw(values._ndarray)), True
    if isinstance(values, _MASKED):
        data, mask = values._data, values._mask
        return _combine("column", dtype, n, "masked", _raw_unmasked(data, mask), _raw(mask)), True
    if isinstance(values, pd.Categorical):
        categories = _index_data(values.categories, run)
        codes = values.codes
        return _combine(
            "column",
            "category",
            n,
            "categorical",
            int(values.ordered),
            categories,
            codes.dtype.str,
            _raw(codes),
        ), True
    if isinstance(values, pd.arrays.StringArray):
        return _combine("column", dtype, n, _strings_python(values._ndarray)), True
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        return _arrow_column(values, dtype, n, run)
    if isinstance(values, pd.arrays.IntervalArray):
        left, right = _uncached(values.left._values, run), _uncached(values.right._values, run)
        return _combine("column", dtype, n, "interval", left, right), True
    if isinstance(values, pd.arrays.SparseArray):
        return _combine("column", dtype, n, "dense", _uncached(np.asarray(values), run)), True
    # any other extension type: its values as Python objects, tagged with its dtype
    inner, cacheable = _objects(np.asarray(values, dtype=object))
    return _combine("column", dtype, n, "objects", inner), cacheable


def _arrow_column(values: Any, dtype: str, n: int, run: _Run) -> tuple[bytes, bool]:
    chunked = values.__arrow_array__()
    kind = chunked.type
    if _is_arrow_text(kind):
        return _combine("column", dtype, n, _strings_arrow(chunked.chunks)), True
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
        return _combine("column", dtype, n, "arrow", bits.digest(), nulls.digest()), True
    inner, cacheable = _objects(np.asarray(values.to_numpy(dtype=object), dtype=object))
    return _combine("column", dtype, n, "objects", inner), cacheable


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
    for start in range(0, n - 1, _ROWS):
        if not (np.diff(values[start : start + _ROWS + 1]) == step).all():
            return None
    return (first, step, n)


def _index_data(index: pd.Index, run: _Run) -> bytes:
    """The dtype and values of an Index, without its names (reused while it lives: pandas
    never writes an Index in place)."""
    key = ("index", id(index))
    digest = run.reuse(key)
    if digest is not None:
        pass
    elif isinstance(index, pd.RangeIndex):
        n = len(index)
        digest = _combine("range", index.start if n else 0, index.step if n > 1 else 1, n)
    elif isinstance(index, pd.MultiIndex):
        levels = [_uncached(index.get_level_values(i)._values, run) for i in range(index.nlevels)]
        digest = _combine("multi", index.nlevels, len(index), *levels)
    else:
        values = index._values
        found = None
        if isinstance(values, np.ndarray) and values.dtype == np.int64:
            found = _progression(values)
        digest = _combine("range", *found) if found else _combine("flat", _uncached(values, run))
    if not run.mutable:
        run.keep(key, digest, (index,))
    return digest


def _index_digest(index: pd.Index, run: _Run) -> bytes:
    names = tuple(index.names)
    return _combine("index", _label(names, "the index names"), _index_data(index, run))


def _blocks(frame: pd.DataFrame | pd.Series) -> tuple:
    """The blocks of the frame's manager (values and the columns they hold)."""
    return frame._mgr.blocks


def _frame_digest(df: pd.DataFrame, blocks: tuple | None, run: _Run) -> bytes:
    nrows, ncols = df.shape
    columns: list[bytes | None] = [None] * ncols
    if blocks is None:  # pandas without the block manager we know: column by column
        for j in range(ncols):
            columns[j] = _column(df.iloc[:, j].array, run)
    for block in blocks or ():
        values, places = block.values, block.mgr_locs.as_array
        try:
            digests = _block_columns(values, run)
        except _Unencodable as exc:
            label = df.columns[places[exc.column or 0]]
            raise _describe(exc, f"column {label!r} of this DataFrame") from exc
        for place, digest in zip(places, digests, strict=True):
            columns[place] = digest
    try:
        index = _index_digest(df.index, run)
        labels = _index_digest(df.columns, run)
    except _Unencodable as exc:
        raise _describe(exc, "an index label") from exc
    return _combine(_VERSION, "DataFrame", nrows, ncols, index, labels, *columns)


def _block_columns(values: Any, run: _Run) -> list[bytes]:
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
            except _Unencodable as exc:
                exc.column = r
                raise
        return digests
    dtype_text = _dtype_text(values.dtype)
    base, (step, stride), n = _address(bits)[0], bits.strides, bits.shape[1]
    digests: list[bytes | None] = []
    missing = []
    keys = [
        ("bits", dtype_text, base + r * step, (n,), (stride,), bits.dtype.str)
        for r in range(bits.shape[0])
    ]
    for r, key in enumerate(keys):
        digests.append(run.reuse(key))
        if digests[-1] is None:
            missing.append(r)
    if missing:
        for r, raw in zip(missing, _raw_rows(bits, missing), strict=True):
            digests[r] = _bits_column(dtype_text, n, raw)
    anchors = (_owner(bits),)
    for key, digest in zip(keys, digests, strict=True):
        run.keep(key, digest, anchors)
    return digests


def _describe(exc: _Unencodable, where: str) -> InvalidInputError:
    value = exc.value
    row = "" if exc.row is None else f" at row {exc.row}"
    return InvalidInputError(
        f"cannot fingerprint {where}: the value {value!r:.80}{row} is a "
        f"{type(value).__module__}.{type(value).__qualname__}, which has no stable content "
        "encoding (strings, numbers, dates, None, bytes, and lists, tuples, dicts and sets "
        "of them do); convert it, e.g. with .astype(str), or leave the object out"
    )


def _digest_pandas(obj: pd.DataFrame | pd.Series | pd.Index, run: _Run, blocks=None) -> bytes:
    if isinstance(obj, pd.Index):
        try:
            return _combine(_VERSION, "Index", _index_digest(obj, run))
        except _Unencodable as exc:
            raise _describe(exc, "an Index") from exc
    if blocks is None:
        try:
            blocks = _blocks(obj)
        except AttributeError:
            blocks = None
    if isinstance(obj, pd.DataFrame):
        try:
            return _frame_digest(obj, blocks, run)
        except _Unencodable as exc:
            raise _describe(exc, "this DataFrame") from exc
    try:
        values = blocks[0].values if blocks else obj.array
        name = _label(obj.name, "the Series name")
        return _combine(
            _VERSION, "Series", name, _index_digest(obj.index, run), _column(values, run)
        )
    except _Unencodable as exc:
        raise _describe(exc, f"Series {obj.name!r}") from exc


# --- the cache -------------------------------------------------------------------------------


_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def _copy_on_write() -> bool:
    """Whether pandas copies a shared block before writing to it: the cache relies on it."""
    return _PANDAS_3 or pd.options.mode.copy_on_write is True


def _names(obj: pd.DataFrame | pd.Series | pd.Index) -> tuple:
    """The names pandas lets a user change in place (they are part of the content)."""
    if isinstance(obj, pd.Index):
        return tuple(obj.names)
    index = tuple(obj.index.names)
    if isinstance(obj, pd.Series):
        return (obj.name, len(index), *index)
    return (len(index), *index, *obj.columns.names)


@dataclass(eq=False)
class _Entry:
    """What proves an object unchanged since it was hashed to ``digest``."""

    ref: weakref.ref
    digest: str
    values: tuple  # weak references to each block's values, in manager order
    places: tuple  # each block's placement (which columns it holds)
    axes: tuple  # weak references to the axes (Index objects)
    names: tuple
    marker: Any  # a block registered as a reference to every block of the object
    columns: list  # column keys this entry vouches for

    def matches(self, obj: Any) -> bool:
        if isinstance(obj, pd.Index):
            return _same(_names(obj), self.names)
        mgr = obj._mgr
        blocks = mgr.blocks
        if len(blocks) != len(self.values):
            return False
        for block, values, place in zip(blocks, self.values, self.places, strict=True):
            if block.values is not values() or block.mgr_locs is not place:
                return False
        return all(a is b() for a, b in zip(mgr.axes, self.axes, strict=True)) and _same(
            _names(obj), self.names
        )


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _new_marker() -> Any:
    # An empty pandas block: pandas' reference tracking takes only blocks, and one that holds
    # no data keeps no memory alive once the blocks it watches are copied away.
    return pd.Series([], dtype="float64")._mgr.blocks[0]


class _Cache:
    """Digests of live pandas objects and of the columns they hold, least recent out first.

    Column digests are filed under where their values live (``_locate``) with weak references
    to the objects that keep that memory alive: a key is only trusted while they live (so the
    memory was not reused) and while an entry whose marker block makes pandas copy before any
    write vouches for it (so the memory was not written).
    """

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.RLock()
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._columns: dict[tuple, tuple[bytes, dict[int, tuple[weakref.ref, ...]]]] = {}
        self.hits = self.misses = 0

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self.hits, self.misses, len(self._entries), len(self._columns))

    def clear(self) -> None:
        with self._lock:
            for key in list(self._entries):
                self._drop(key)
            self.hits = self.misses = 0

    def column(self, key: tuple) -> bytes | None:
        with self._lock:
            found = self._columns.get(key)
            if found is not None and any(
                all(anchor() is not None for anchor in anchors) for anchors in found[1].values()
            ):
                return found[0]
        return None

    def fingerprint(self, obj: pd.DataFrame | pd.Series | pd.Index) -> str:
        cow = _copy_on_write()
        with self._lock:
            old = self._entries.get(id(obj))
            if old is not None and old.ref() is obj and cow and old.matches(obj):
                self._entries.move_to_end(id(obj))
                self.hits += 1
                return old.digest
            self.misses += 1
        # Capture what is hashed, and make pandas copy before writing to it, before hashing:
        # a write during the hashing then leaves these blocks as they were.
        entry = self._watch(obj) if cow else None
        run = _Run(self if cow else None)
        digest = _digest_pandas(obj, run, blocks=entry and entry[0]).hex()
        if entry is not None and not run.mutable:
            self._remember(obj, digest, entry[1], run)
        return digest

    def _watch(self, obj: Any) -> tuple[tuple | None, _Entry] | None:
        try:
            if isinstance(obj, pd.Index):
                blocks, axes, marker = None, (), None
            else:
                mgr = obj._mgr
                blocks, axes, marker = mgr.blocks, tuple(mgr.axes), _new_marker()
                for block in blocks:
                    block.refs.add_reference(marker)
            entry = _Entry(
                ref=weakref.ref(obj),
                digest="",
                values=tuple(weakref.ref(b.values) for b in blocks or ()),
                places=tuple(b.mgr_locs for b in blocks or ()),
                axes=tuple(weakref.ref(axis) for axis in axes),
                names=_names(obj),
                marker=marker,
                columns=[],
            )
        except (AttributeError, TypeError):  # internals this version does not know
            return None
        return blocks, entry

    def _remember(self, obj: Any, digest: str, entry: _Entry, run: _Run) -> None:
        key = id(obj)
        entry.digest = digest
        entry.ref = weakref.ref(obj, lambda ref, key=key: self._expire(key, ref))
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            token = id(entry)
            for column, column_digest, anchors in run.found:
                try:
                    refs = tuple(weakref.ref(anchor) for anchor in anchors)
                except TypeError:  # memory owned by an object we cannot watch
                    continue
                found = self._columns.setdefault(column, (column_digest, {}))
                found[1][token] = refs
                entry.columns.append(column)
            while len(self._entries) > self.max_entries:
                self._drop(next(iter(self._entries)))

    def _expire(self, key: int, ref: weakref.ref) -> None:
        # Called by the garbage collector at any moment: only drop the entry of that object.
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.ref is ref:
                self._drop(key)

    def _drop(self, key: int) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        token = id(entry)
        for column in entry.columns:
            found = self._columns.get(column)
            if found is not None:
                found[1].pop(token, None)
                if not found[1]:
                    del self._columns[column]
        entry.marker = None


_CACHE = _Cache()
