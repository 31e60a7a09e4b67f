"""Checks of what the tracking API is given: metrics, steps, times, mappings and where a
run came from. Keys and text follow :mod:`mlops_jlab.rules`."""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import (
    BIGINT_MAX,
    BIGINT_MIN,
    MAX_CODE_LENGTH,
    check_key,
    check_text,
)

if TYPE_CHECKING:  # pandas loads in half a second; only the DataFrame readers need it
    pass

MAX_TIMESTAMP_MS = BIGINT_MAX // 1_000_000  # the last moment pandas can show (year 2262)


def check_metric(key: str, value: Any) -> float:
    if not isinstance(value, (str, bytes, bool)):
        number: float | None = None
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        except (TypeError, ValueError):
            pass
        if number is not None:
            if math.isfinite(number):
                return number
            raise InvalidInputError(
                f"metric '{key}' is {number}, which a store cannot compare or sort; log a "
                "finite number (for a diverged run, set a tag such as diverged=true)"
            )
    raise InvalidInputError(
        f"metric '{key}' must be a number, got {type(value).__name__} {value!r}; log text as a "
        "tag or a param instead"
    )


def is_integer(value: Any, low: int = BIGINT_MIN, high: int = BIGINT_MAX) -> bool:
    """An integer (not a bool) from ``low`` to ``high``; by default one a BIGINT holds."""
    return (
        isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= high
    )


def check_step(key: str, step: Any) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidInputError(f"step of metric '{key}' must be an integer, got {step!r}")
    if not is_integer(step):
        raise InvalidInputError(
            f"step of metric '{key}' is {step}, beyond a 64-bit integer; number steps from 0"
        )
    return int(step)


def check_timestamp(timestamp: Any) -> int:
    if not is_integer(timestamp, 0, MAX_TIMESTAMP_MS):
        raise InvalidInputError(
            f"timestamp must be an integer count of milliseconds since 1970 (such as "
            f"int(time.time() * 1000)), not {timestamp!r}"
        )
    return int(timestamp)


def check_mapping(what: str, values: Any) -> Mapping[str, Any]:
    if not isinstance(values, Mapping):
        raise InvalidInputError(
            f"{what} takes a dict of key to value, such as {{'lr': 0.01}}, not "
            f"{type(values).__name__}"
        )
    return values


def check_details(notebook_path, cell_id, execution_count, code, parent_id, job_id) -> None:
    """What a cell run says about where it came from must fit the store as it is."""
    for what, value in (("parent_id", parent_id), ("job_id", job_id), ("cell_id", cell_id)):
        if value is not None:
            check_key(what, value)
    for what, value in (("notebook_path", notebook_path), ("code", code)):
        if value is not None:
            if not isinstance(value, str):
                raise InvalidInputError(f"{what} must be a string, not {type(value).__name__}")
            check_text("run", what, value, limit=MAX_CODE_LENGTH)
    if execution_count is not None and not is_integer(execution_count, 0, 2**31 - 1):
        raise InvalidInputError(
            f"execution_count must be a non-negative integer, not {execution_count!r}"
        )


def describable(obj: Any) -> bool:
    """A DataFrame or Series, whose schema and profile a dataset version keeps."""
    pandas = sys.modules.get("pandas")  # no frame exists unless pandas was imported
    return pandas is not None and isinstance(obj, (pandas.DataFrame, pandas.Series))
