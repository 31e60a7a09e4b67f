"""The rules every layer shares: id patterns, key and text limits, comparison bounds.

The store's columns, the tracking API's checks, the REST schemas and the query language take
them from here, and the frontend reads them from the OpenAPI document the REST schemas make,
so a limit changes in one place.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from mlops_jlab.errors import InvalidInputError

# Run ids are uuid4 hex strings; a run may be named by an unambiguous prefix this long.
ID_LENGTH = 32
RUN_ID_PATTERN = "[0-9a-f]{32}"
RUN_ID_RE = re.compile(RUN_ID_PATTERN)
MIN_ID_PREFIX = 6
# Artifacts are named by their content's xxh3-128 digest, 32 lowercase hex characters.
DIGEST_PATTERN = "[0-9a-f]{32}"
DIGEST_RE = re.compile(DIGEST_PATTERN)
# A lineage node's id: a run id or an artifact digest (32 hex characters), or a dataset or
# model version's number.
NODE_ID_PATTERN = f"(?:{RUN_ID_PATTERN}|[0-9]+)"

# A key (param, metric, tag, run or experiment name) and a value (param or tag).
KEY_LENGTH = 250
MAX_VALUE_LENGTH = 8000
MAX_CODE_LENGTH = 10_000_000
MAX_NOTE_LENGTH = 100_000
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
# The largest id of an Integer column (PostgreSQL's integer): schedules are numbered so.
INTEGER_MAX = 2**31 - 1

# Characters neither database stores: NUL (PostgreSQL refuses it) and lone surrogates
# (undecodable bytes, which no UTF-8 column holds).
UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE = "NUL characters or lone surrogates (undecodable bytes)"
# Control characters have no place in a key or a name; nor has what no store keeps.
KEY_BAD_RE = re.compile("[\x00-\x1f\ud800-\udfff]")
# The same rules as JSON Schema patterns, for the REST API's request bodies (a JSON string
# holds no lone surrogate, so only the control characters and NUL are named). A key also
# holds a character that is not a space (what Python's str.isspace() calls one), else it
# is blank: so the schema refuses exactly the keys the API refuses. Escapes that Python's,
# Rust's (pydantic) and ECMAScript's regular expressions read alike.
KEY_PATTERN = (
    r"^[^\x00-\x1f]*"
    r"[^\x00-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    r"[^\x00-\x1f]*$"
)
TEXT_PATTERN = r"^[^\x00]*$"
# What a value that does not match a pattern lacks, in words.
PATTERN_RULES = {
    KEY_PATTERN: "must hold a character that is not a space, and no control characters "
    "(tabs, newlines)",
    TEXT_PATTERN: "must not hold NUL characters",
}

# What a number looks like, in a param's value and in a filter alike: Python's float()
# would also take "1_0", " 10 " and digits of other scripts.
NUMBER_PATTERN = r"(?a:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"

# A running run's process refreshes its heartbeat this often (a tracked cell's, every
# time the background writer writes it, every two seconds). A run whose process is on
# another host is crashed once its heartbeat is older than the grace period, which is
# several heartbeats at least, so a busy or briefly suspended process is not taken for gone.
HEARTBEAT_SECONDS = 10
DEFAULT_HEARTBEAT_GRACE = 120
MIN_HEARTBEAT_GRACE = 3 * HEARTBEAT_SECONDS

# A model's alias or stage: a word that cannot be taken for a version number, so that
# "name@alias" and "name/3" name a version unambiguously.
ALIAS_LENGTH = 64
ALIAS_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
ALIAS_RE = re.compile(ALIAS_PATTERN)
# The stages a model version goes through, kept as aliases with these reserved names.
STAGES = ("staging", "production", "archived")
# The aliases that move only through an approved request, unless the store says otherwise.
DEFAULT_PROTECTED_ALIASES = ("champion", "production")
# A comment on a decision, a reason for a request.
MAX_COMMENT_LENGTH = 10_000

# An ease.ml/ci condition (``n - o > 0.02 +/- 0.01 /\ d < 0.1 +/- 0.01``): a few clauses.
MAX_CONDITION_LENGTH = 2000

# Runs shown side by side: fewer is no comparison, more is no longer readable.
COMPARE_MIN_RUNS = 2
COMPARE_MAX_RUNS = 50


def storable(text: str) -> bool:
    """Whether both databases can keep ``text`` as it is."""
    return UNSTORABLE_RE.search(text) is None


def check_key(what: str, key: Any) -> str:
    """A key or a name as a store keeps it; ``what`` names it in the error ("param key",
    "run name", ...)."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidInputError(f"a {what} must be a non-empty string, got {key!r}")
    if len(key) > KEY_LENGTH:
        raise InvalidInputError(
            f"{what} '{key[:40]}...' is {len(key)} characters long; at most {KEY_LENGTH} "
            "characters are allowed: shorten it"
        )
    bad = KEY_BAD_RE.search(key)
    if bad is not None and bad.group() < " ":
        raise InvalidInputError(f"{what} {key!r} contains control characters; remove them")
    if bad is not None:
        raise InvalidInputError(
            f"{what} {key!r} is not valid Unicode text; remove the {_UNSTORABLE}"
        )
    return key


def check_text(what: str, key: str, value: Any, limit: int = MAX_VALUE_LENGTH) -> str:
    """A value (param, tag, code) as text a store keeps, at most ``limit`` characters."""
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError as exc:  # e.g. an integer with more digits than Python prints
        raise InvalidInputError(
            f"{what} '{key}' cannot be written as text ({exc}); log it as an artifact instead"
        ) from exc
    if len(text) > limit:
        raise InvalidInputError(
            f"{what} '{key}' is {len(text)} characters long; values are at most "
            f"{limit}: log long text as an artifact instead"
        )
    if not storable(text):
        raise InvalidInputError(
            f"{what} '{key}' cannot be stored as text; remove the {_UNSTORABLE}"
        )
    return text


def check_alias(alias: Any) -> str:
    """A model's alias or stage name: a letter or ``_`` first, then letters, digits, ``_``,
    ``.`` or ``-``, at most :data:`ALIAS_LENGTH` characters."""
    if not isinstance(alias, str) or not ALIAS_RE.fullmatch(alias):
        raise InvalidInputError(
            f"an alias is a letter or '_' followed by at most {ALIAS_LENGTH - 1} letters, "
            f"digits, '_', '.' or '-' (such as 'champion' or 'staging'), not {alias!r}"
        )
    return alias


def check_grace(seconds: Any, where: str = "the heartbeat grace period") -> float:
    """A grace period in seconds: a number of at least :data:`MIN_HEARTBEAT_GRACE`."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"{where} must be a number of seconds, such as {DEFAULT_HEARTBEAT_GRACE}, "
            f"not {seconds!r}"
        ) from None
    if not value >= MIN_HEARTBEAT_GRACE or value == float("inf"):
        raise InvalidInputError(
            f"{where} must be at least {MIN_HEARTBEAT_GRACE} seconds (runs refresh their "
            f"heartbeat every {HEARTBEAT_SECONDS} s), not {seconds!r}"
        )
    return value


# A job's statuses: waiting its turn (or its retry), running, and how it ended. A schedule's
# fire that found its schedule's max_concurrent jobs still at work is recorded ``skipped``.
JOB_STATUSES = (
    "queued",
    "running",
    "finished",
    "failed",
    "cancelled",
    "timed_out",
    "crashed",
    "skipped",
)
JOB_ENDED = ("finished", "failed", "cancelled", "timed_out", "crashed", "skipped")
# Jobs one sweep may run at once, and combinations one sweep may hold.
MAX_SWEEP_PARALLEL = 64
MAX_SWEEP_JOBS = 1000
# Jobs running at once in a store unless the executor is told otherwise, and the ended
# jobs per pipeline whose output notebooks and logs are kept.
DEFAULT_MAX_RUNNING_JOBS = 8
DEFAULT_KEEP_OUTPUTS = 50

# What a schedule does with the fires it missed while no scheduler ran: none of them run,
# the latest runs once, or every one runs (the newest MAX_CATCH_UP_FIRES at most).
CATCH_UP_POLICIES = ("skip", "once", "all")
MAX_CATCH_UP_FIRES = 100
# Seconds after its time within which a schedule's fire still counts as on time (a
# scheduler held up by a busy machine or store); an older one was missed.
DEFAULT_MISFIRE_GRACE = 5.0
# A cron expression and an IANA timezone name, at most this long.
CRON_LENGTH = 128
TIMEZONE_LENGTH = 64
# Jobs of one schedule at work at once, at most.
MAX_SCHEDULE_CONCURRENT = 64


def utc_text(ms: int) -> str:
    """A time in ms since the epoch as people read it in a notebook: ``2024-05-01 12:00:00 UTC``."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
