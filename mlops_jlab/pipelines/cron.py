"""Cron expressions: checked, described in words, and their fire times in a timezone.

A cron has 5 fields (minute hour day month weekday) or 6 with seconds first (second
minute ...), as cron-descriptor and Quartz read them. croniter computes the fires on
timezone-aware datetimes, so a fire in the hour a DST change skips moves to the first time
that exists, and one in the hour it repeats happens once. Times are ms since the epoch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import CRON_LENGTH, TIMEZONE_LENGTH

CRON_HELP = (
    "a cron is 5 fields (minute hour day-of-month month day-of-week, e.g. '0 2 * * 1' for "
    "02:00 every Monday) or 6 with seconds first (e.g. '*/10 * * * * *' for every 10 s)"
)
_ONE_MS = timedelta(milliseconds=1)


def check_timezone(name: object) -> ZoneInfo:
    """The IANA timezone ``name`` (``UTC``, ``Europe/Paris``), or InvalidInputError."""
    if not isinstance(name, str) or not name.strip() or len(name) > TIMEZONE_LENGTH:
        raise InvalidInputError(
            f"timezone is an IANA name such as 'UTC' or 'Europe/Paris', not {name!r:.80}"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown timezone {name!r}; use an IANA name such as 'UTC', 'Europe/Paris' or "
            "'America/New_York'"
        ) from None


def _iterator(cron: str, start: datetime):
    from croniter import croniter

    return croniter(cron, start, second_at_beginning=len(cron.split()) == 6)


def check_cron(cron: object) -> str:
    """``cron`` with its fields separated by single spaces, once it is known to fire;
    InvalidInputError naming what to fix otherwise."""
    from croniter import CroniterError

    if not isinstance(cron, str) or len(cron) > CRON_LENGTH:
        raise InvalidInputError(f"cron {cron!r:.80} is not a cron expression: {CRON_HELP}")
    fields = cron.split()
    if len(fields) not in (5, 6):
        raise InvalidInputError(f"cron {cron!r} has {len(fields)} fields; {CRON_HELP}")
    normalized = " ".join(fields)
    try:
        _iterator(normalized, datetime.now(ZoneInfo("UTC"))).get_next(datetime)
    except CroniterError as exc:
        # CroniterBadDateError: a valid expression that never fires (31 February)
        problem = "never fires" if "find" in str(exc) else str(exc).strip()
        raise InvalidInputError(f"cron {cron!r}: {problem}; {CRON_HELP}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"cron {cron!r}: {exc}; {CRON_HELP}") from None
    return normalized


def describe(cron: str) -> str:
    """The cron in words, e.g. "At 02:00 AM, only on Monday"."""
    from cron_descriptor import Options, get_description

    options = Options()
    options.throw_exception_on_parse_error = True
    try:
        return get_description(cron, options)
    except Exception:  # a cron croniter takes but cron-descriptor cannot word: say it as is
        return cron


def _at(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, zone)


def _ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def _repeated(cron: str, fire: datetime) -> bool:
    """Whether ``fire`` is the second time a DST change shows a wall-clock time the cron
    fired at already: croniter yields both, and a job at 01:30 would run twice the night
    the clocks go back (a cron of every second still fires through the repeated hour)."""
    first = fire.replace(fold=0)
    if first.utcoffset() == fire.replace(fold=1).utcoffset() or fire.utcoffset() == (
        first.utcoffset()
    ):
        return False
    before = _iterator(cron, fire).get_prev(datetime)
    return before.replace(tzinfo=None) == fire.replace(tzinfo=None)


def next_fires(cron: str, zone: ZoneInfo, since_ms: int, count: int = 1) -> list[int]:
    """The first ``count`` fires at or after ``since_ms``."""
    found = _iterator(cron, _at(since_ms, zone) - _ONE_MS)
    fires: list[int] = []
    while len(fires) < count:
        fire = found.get_next(datetime)
        if not _repeated(cron, fire):
            fires.append(_ms(fire))
    return fires


def latest_fires(cron: str, zone: ZoneInfo, since_ms: int, until_ms: int, limit: int) -> list[int]:
    """The fires from ``since_ms`` to ``until_ms`` (both included), newest first, at most
    ``limit`` of them: walking back from ``until_ms`` costs nothing for a long downtime."""
    found = _iterator(cron, _at(until_ms, zone) + _ONE_MS)
    fires: list[int] = []
    while len(fires) < limit:
        fire = found.get_prev(datetime)
        if _ms(fire) < since_ms:
            break
        if not _repeated(cron, fire):
            fires.append(_ms(fire))
    return fires
