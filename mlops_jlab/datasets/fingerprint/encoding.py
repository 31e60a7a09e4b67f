"""How content is encoded into a fingerprint: Python values, NumPy arrays, strings and
object arrays, each as typed, self-delimiting bytes or as the digest of its raw buffers.

Every encoding here is part of the digests users store: changing one (a tag, an order, a
piece length) changes every fingerprint it touches, which the pinned digests in the tests
catch. How pandas objects are taken apart into these is
:mod:`mlops_jlab.datasets.fingerprint.frames`.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import struct
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xxhash

from mlops_jlab.errors import InvalidInputError

# A pandas object inside an object column holds values in turn, so the encodings of values
# and of pandas objects call each other. :mod:`~mlops_jlab.datasets.fingerprint.frames`,
# which imports this module, registers its digest here instead of being imported back.
PANDAS_DIGEST: list[Callable[[Any], bytes]] = []

try:  # optional: pandas' default string columns live in pyarrow when it is installed
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - exercised only where pyarrow is missing
    pa = pc = None

VERSION = "mlops-jlab fingerprint 1"
# Bytes per piece when an array is copied to be hashed (strided, big-endian, masked): large
# enough that per-piece overhead vanishes, small enough to stay in the CPU caches.
_PIECE = 1 << 20
# Rows per piece when strings or Python objects are encoded (bounds the memory it takes).
ROWS = 1 << 20
_Q = struct.Struct("<q")
_D = struct.Struct("<d")
_DD = struct.Struct("<dd")


def combine(*fields: int | str | bytes) -> bytes:
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


class Unencodable(Exception):
    """A value in an object column or a label has no stable encoding."""

    def __init__(self, value: Any, row: int | None = None):
        super().__init__(value)
        self.value, self.row = value, row
        self.column: int | None = None  # position in its block, when in a DataFrame


def unencodable_error(exc: Unencodable, where: str) -> InvalidInputError:
    value = exc.value
    row = "" if exc.row is None else f" at row {exc.row}"
    return InvalidInputError(
        f"cannot fingerprint {where}: the value {value!r:.80}{row} is a "
        f"{type(value).__module__}.{type(value).__qualname__}, which has no stable content "
        "encoding (strings, numbers, dates, None, bytes, and lists, tuples, dicts and sets "
        "of them do); convert it, e.g. with .astype(str), or leave the object out"
    )


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
            out += b"a" + ndarray_digest(x)
            self.mutable = True
        elif isinstance(x, (pd.DataFrame, pd.Series, pd.Index)) and PANDAS_DIGEST:
            out += b"P" + PANDAS_DIGEST[0](x)
            self.mutable = True
        else:
            raise Unencodable(x)


def encode_label(x: Any, what: str) -> bytes:
    """The encoding of a name (of a Series or of index levels)."""
    values = _Values()
    try:
        values.add(x)
    except (Unencodable, RecursionError) as exc:
        raise InvalidInputError(
            f"cannot fingerprint {what} {x!r} of type {type(x).__name__}: only strings, "
            "numbers, dates, None and tuples of them have a stable encoding; rename it"
        ) from exc
    return bytes(values.out)


# --- arrays ----------------------------------------------------------------------------------


def _little_endian(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("<") if dtype.byteorder in "=<>" else dtype


def dtype_text(dtype: Any) -> str:
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


def raw(a: np.ndarray) -> bytes:
    hasher = xxhash.xxh3_128()
    _feed(hasher, a)
    return hasher.digest()


def raw_unmasked(data: np.ndarray, mask: np.ndarray) -> bytes:
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


def raw_rows(values: np.ndarray, rows: list[int]) -> list[bytes]:
    """Raw digests of rows of a 2D block (each row one column of a frame).

    A block whose rows are strided (a frame made from a C-ordered array without a copy) is
    read in column pieces, transposed a piece at a time into one hasher per row: reading each
    strided row on its own would read the whole block once per row.
    """
    if values.strides[1] == values.itemsize or len(rows) == 1:
        return [raw(values[r]) for r in rows]
    hashers = [xxhash.xxh3_128() for _ in rows]
    little = _little_endian(values.dtype)
    take = np.asarray(rows)
    width = max(1, _PIECE // (values.itemsize * len(rows)))
    for start in range(0, values.shape[1], width):
        piece = values[take, start : start + width].astype(little, copy=False)
        for hasher, row in zip(hashers, piece, strict=True):
            hasher.update(row.view(np.uint8))
    return [h.digest() for h in hashers]


def bits_column(dtype_text: str, n: int, raw: bytes) -> bytes:
    return combine("column", dtype_text, n, "bits", raw)


def address(a: np.ndarray) -> tuple:
    """Where ``a``'s values live: equal addresses of live, unwritten memory, equal values."""
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def ndarray_digest(a: np.ndarray) -> bytes:
    """dtype, shape and values of any NumPy array, whatever its memory order."""
    if isinstance(a, np.ma.MaskedArray):
        data, mask = np.ma.getdata(a), np.ma.getmaskarray(a)
        if mask.any():  # what lies under a mask is arbitrary, not content
            data = data.copy()
            data[mask] = np.zeros((), a.dtype)
        return combine("masked", ndarray_digest(np.asarray(data)), raw(mask))
    head = ("ndarray", dtype_text(a.dtype), a.ndim, *a.shape)
    if a.dtype.names is not None:  # structured: field by field, padding bytes are not data
        return combine(*head, *(ndarray_digest(a[name]) for name in a.dtype.names))
    if a.dtype.hasobject:
        flat = a.ravel(order="C")
        return combine(*head, objects(flat)[0])
    return combine(*head, raw(a))


# --- strings and objects ---------------------------------------------------------------------


def strings_arrow(chunks: list) -> bytes:
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
        for start in range(0, len(chunk), ROWS):
            piece = chunk.slice(start, ROWS)
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
    return combine("strings", n, lengths.digest(), data.digest(), nulls.digest())


def _encode_strings(strings: list) -> tuple[np.ndarray, bytes]:
    """UTF-8 byte lengths and bytes of Python strings; ASCII text (the usual case) is joined
    and encoded at once instead of string by string."""
    joined = "".join(strings)
    if joined.isascii():
        return np.fromiter(map(len, strings), np.int64, len(strings)), joined.encode("ascii")
    encoded = [x.encode("utf-8", "surrogatepass") for x in strings]
    return np.fromiter(map(len, encoded), np.int64, len(encoded)), b"".join(encoded)


def strings_python(values: np.ndarray) -> bytes:
    """The encoding of :func:`strings_arrow`, for an object array of strings and missing
    values (a string column stored as Python objects)."""
    lengths, data, nulls = xxhash.xxh3_128(), xxhash.xxh3_128(), xxhash.xxh3_128()
    for start in range(0, len(values), ROWS):
        part = values[start : start + ROWS]
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
    return combine("strings", len(values), lengths.digest(), data.digest(), nulls.digest())


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


def objects(values: np.ndarray) -> tuple[bytes, bool]:
    """The encoding of a 1D object array, and whether it may be cached (no mutable values).

    Each value gets a class (missing, str, int, float, bool, other) by its type and, for NaN,
    big integers and other missing markers, by its value; then each class has a stream: a
    text record per piece of rows for strings, int64 for integers, float64 bits for floats, a
    byte for bools, and tagged bytes (:class:`_Values`) for the rest. From the classes and
    streams the values can be read back, so different values never share an encoding. (The
    pieces are ``ROWS`` long: changing that constant changes digests.)
    """
    classes_h, text_h, ints_h, floats_h, bools_h, others_h = (xxhash.xxh3_128() for _ in range(6))
    others = _Values()
    for start in range(0, len(values), ROWS):
        part = values[start : start + ROWS]
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
                except (Unencodable, RecursionError) as exc:
                    raise Unencodable(x, start + i) from exc
            others_h.update(others.out)
            others.out.clear()
        classes_h.update(classes)
    digests = (h.digest() for h in (classes_h, text_h, ints_h, floats_h, bools_h, others_h))
    return combine("objects", len(values), *digests), not others.mutable
