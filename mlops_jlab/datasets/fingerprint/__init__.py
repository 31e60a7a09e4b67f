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

A file is hashed again unless this process hashed it before and its inode, size and
modification and change times are still those it had then (see :func:`fingerprint_file`):
a notebook reads the same data file cell after cell.

Writes that go around pandas cannot be seen without reading the data, and pandas' own
copy-on-write does not see them either: a NumPy array handed to pandas with ``copy=False``
and written afterwards, a write through the object returned by ``Series.array`` or by
``.values`` of an extension dtype (pandas issue 63099), a read-only view made writeable, or
a memory-mapped file changed by another program. After such a write pass ``cache=False`` or
call :func:`clear_cache`. NumPy arrays have no
copy-on-write at all, so they are hashed on every call.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xxhash

from mlops_jlab.datasets.fingerprint.cache import CACHE, CacheInfo
from mlops_jlab.datasets.fingerprint.encoding import (
    VERSION,
    Unencodable,
    combine,
    ndarray_digest,
    unencodable_error,
)
from mlops_jlab.datasets.fingerprint.frames import Hashing, digest_pandas
from mlops_jlab.errors import InvalidInputError, NotFoundError

FILE_CHUNK = 4 << 20
# A file's digest is reused while its identity, size and times are those it was hashed with,
# if it had not changed for this long then: a write later than that moves its change time
# (which no program can set back), while writes within one tick of the file system's clock
# may leave the times as they were, so a file that recent is read again every time.
SETTLED_NS = 2_000_000_000
MAX_FILES = 256
_files: dict[str, tuple[tuple[int, ...], str]] = {}
_files_lock = threading.Lock()
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
            return combine(VERSION, "ndarray", ndarray_digest(obj)).hex()
        except Unencodable as exc:
            raise unencodable_error(exc, "this array") from exc
    if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        return CACHE.fingerprint(obj) if cache else digest_pandas(obj, Hashing(None)).hex()
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


def fingerprint_file(path: str | os.PathLike[str], *, cache: bool = True) -> str:
    """The fingerprint of a file's full content, read in chunks (files may be many GB).

    The digest is the xxh3-128 of the bytes, the same as ``fingerprint(path.read_bytes())``
    and as the artifact store's address of the file.

    With ``cache``, a file this process hashed before is not read again while its device,
    inode, size, modification and change times are the same, provided it had not changed
    for :data:`SETTLED_NS` when it was hashed (``clear_cache`` forgets them).

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
        key = os.fspath(where)
        seen = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
        seen += (status.st_ctime_ns,)
        known = _files.get(key) if cache else None
        if known is not None and known[0] == seen:
            return known[1]
        hasher = xxhash.xxh3_128()
        # A small file's buffer is its size: zeroing 4 MiB costs more than hashing 100 kB.
        buffer = bytearray(max(1, min(FILE_CHUNK, status.st_size + 1)))
        view = memoryview(buffer)
        with where.open("rb", buffering=0) as stream:
            while size := stream.readinto(buffer):
                hasher.update(view[:size])
        digest = hasher.hexdigest()
        if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > SETTLED_NS:
            with _files_lock:
                if len(_files) >= MAX_FILES:
                    _files.pop(next(iter(_files)))
                _files[key] = (seen, digest)
        return digest
    except FileNotFoundError as exc:
        raise NotFoundError(
            f"cannot fingerprint '{where}': no such file (relative paths start at '{os.getcwd()}')"
        ) from exc
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read '{where}' to fingerprint it: {exc.strerror or exc}"
        ) from exc


def cache_info() -> CacheInfo:
    """Hits and misses of the fingerprint cache since it was last cleared, and its size."""
    return CACHE.info()


def clear_cache() -> None:
    """Forget every remembered digest, e.g. after a write that went around pandas."""
    CACHE.clear()
    with _files_lock:
        _files.clear()


__all__ = [
    "CacheInfo",
    "cache_info",
    "can_fingerprint",
    "clear_cache",
    "fingerprint",
    "fingerprint_file",
]
