"""Dataset versions a run recorded that may not be written yet, and their profiles, which
are made once per content and off the cell's thread.

A tracked cell that reads new content keeps a snapshot of the DataFrame it read (a lazy
copy: pandas' copy-on-write makes any later write to the user's frame copy what it writes
first, so the snapshot stays what was fingerprinted, whatever the next cells do) and
answers at once. The profile (:func:`mlops_jlab.datasets.profiling.describe`) is made from
the snapshot by whoever writes the version: the background writer, before its transaction,
or a read of this process that waits for what is queued. Content the store already holds
under another name, or that a draft of this process described, is not profiled again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

# Kinds of values pandas' copy-on-write cannot see change: an object column holding
# anything else (lists, dicts, a user's objects) is profiled as the cell reads it.
_IMMUTABLE_OBJECTS = frozenset(
    (
        "empty",
        "string",
        "bytes",
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
        "complex",
        "boolean",
        "datetime64",
        "datetime",
        "date",
        "timedelta64",
        "timedelta",
        "time",
        "period",
    )
)


class ProfileCounts(NamedTuple):
    """How this process's dataset versions got their profiles."""

    computed: int  # described from their content
    reused: int  # the same content's description, from the store or another draft
    failed: int  # describe() raised: the version keeps an empty profile


_counts = {"computed": 0, "reused": 0, "failed": 0}
_counts_lock = threading.Lock()


def _count(what: str) -> None:
    with _counts_lock:
        _counts[what] += 1


def profile_counts() -> ProfileCounts:
    """How many dataset profiles this process computed, reused and failed to compute since
    it started: a version's profile is computed once, however often its content is read."""
    with _counts_lock:
        return ProfileCounts(**_counts)


def snapshot(frame: Any) -> Any:
    """What ``frame`` (a DataFrame or Series) holds now, kept so for a later profile: a
    lazy copy under copy-on-write, else a full one. None when the frame holds values that
    can change without pandas knowing (profile it now instead)."""
    import pandas as pd

    from mlops_jlab.datasets.fingerprint.cache import copy_on_write

    is_object = pd.api.types.is_object_dtype
    if isinstance(frame, pd.Series):
        objects = [frame] if is_object(frame.dtype) else []
    else:  # by position: names may repeat, and a wide frame's other columns are not touched
        kinds = frame.dtypes.to_numpy()
        objects = [frame.iloc[:, i] for i, kind in enumerate(kinds) if is_object(kind)]
    for series in objects:
        if pd.api.types.infer_dtype(series, skipna=True) not in _IMMUTABLE_OBJECTS:
            return None
    return frame.copy(deep=not copy_on_write())


def describe_safely(frame: Any) -> dict[str, Any]:
    """The description a version keeps; if profiling fails outright, an empty one (a
    column that cannot be profiled already says why in its own profile)."""
    from mlops_jlab.datasets import profiling

    try:
        description = profiling.describe(frame)
    except Exception:  # a user's data may fail in any way; the version is kept
        _count("failed")
        return {}
    _count("computed")
    return description


class VersionDraft:
    """A dataset version a run recorded that may not be written yet: what writing it needs.

    Its description is made at most once, from ``content`` (a :func:`snapshot`) when first
    asked for, or given as made already; a version the store holds needs none.
    """

    def __init__(
        self,
        name: str,
        fingerprint: str,
        source: str | None = None,
        role: str | None = None,
        *,
        content: Any = None,
        description: dict[str, Any] | None = None,
    ):
        self.name = name
        self.fingerprint = fingerprint
        self.source = source
        self.role = role
        self._content = content
        self._description = description
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<VersionDraft {self.name!r} {self.fingerprint}>"

    @property
    def undescribed(self) -> bool:
        """Whether a profile is still to be made from the content kept."""
        return self._content is not None

    def description(
        self, known: Callable[[str], dict[str, Any] | None] | None = None
    ) -> dict[str, Any] | None:
        """The version's schema, counts and profile, made now if not yet (once, whichever
        thread asks first; the others wait for it). ``known(fingerprint)`` may give the
        description of the same content recorded already, which is then kept instead."""
        with self._lock:
            if self._content is not None:
                found = known(self.fingerprint) if known is not None else None
                if found is not None:
                    _count("reused")
                    self._description = found
                else:
                    self._description = describe_safely(self._content)
                self._content = None  # the snapshot's memory goes with it
            return self._description


def described(drafts: Iterable[VersionDraft], fingerprint: str) -> dict[str, Any] | None:
    """The description a draft of the same content has made already, if any."""
    for draft in drafts:
        if draft.fingerprint == fingerprint and not draft.undescribed:
            found = draft.description()
            if found:
                return found
    return None
