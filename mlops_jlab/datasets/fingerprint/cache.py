"""The fingerprint cache: digests of live pandas objects that copy-on-write proves
unchanged, and of the columns they hold, by the memory those live in.

How it knows an object is unchanged is told in :mod:`mlops_jlab.datasets.fingerprint`.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pandas._libs.internals import BlockPlacement
from pandas.core.internals.blocks import new_block

from mlops_jlab.datasets.fingerprint.frames import Hashing, digest_pandas

MAX_ENTRIES = 256


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    entries: int
    columns: int


_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def copy_on_write() -> bool:
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


_NO_VALUES = np.empty(0)
_NO_PLACE = BlockPlacement(slice(0, 0))


def _new_marker() -> Any:
    # An empty pandas block: pandas' reference tracking takes only blocks, and one that holds
    # no data keeps no memory alive once the blocks it watches are copied away. Made
    # directly: taking one from a new empty Series costs 40 times more, on every cell.
    return new_block(_NO_VALUES, _NO_PLACE, ndim=1)


class Cache:
    """Digests of live pandas objects and of the columns they hold, least recent out first.

    Column digests are filed under where their values live (as :mod:`fingerprint_pandas`
    locates them) with weak references to the objects that keep that memory alive: a key is
    only trusted while they live (so the memory was not reused) and while an entry whose
    marker block makes pandas copy before any write vouches for it (so the memory was not
    written).
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
        cow = copy_on_write()
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
        run = Hashing(self if cow else None)
        digest = digest_pandas(obj, run, blocks=entry and entry[0]).hex()
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

    def _remember(self, obj: Any, digest: str, entry: _Entry, run: Hashing) -> None:
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


class Guard:
    """Proof that a DataFrame or Series is as it was when guarded, without hashing it:
    the same copy-on-write marker the cache uses makes any write replace what it saw."""

    def __init__(self, entry: _Entry):
        self._entry = entry

    def unchanged(self, obj: Any) -> bool:
        return self._entry.ref() is obj and copy_on_write() and self._entry.matches(obj)


def guard(obj: pd.DataFrame | pd.Series) -> Guard | None:
    """A :class:`Guard` of ``obj``, or None where pandas gives no such proof."""
    if not copy_on_write() or isinstance(obj, pd.Index):
        return None
    watched = CACHE._watch(obj)
    return None if watched is None else Guard(watched[1])


CACHE = Cache()
