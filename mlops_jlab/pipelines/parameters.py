"""A pipeline's parameters: the schema read from its ``parameters`` cell, and the values a
job is given, checked against it and made the types the notebook expects.

A schema is a list of ``{"name", "type", "default", "help"}`` in the order the cell assigns
them. ``type`` is one of :data:`TYPES`: the annotation when the cell has one
(``depth: int = 3``), else the type of the literal default; ``any`` when the default is
not a literal (``None``, an expression), which takes any JSON value.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import check_key

TYPES = ("int", "float", "bool", "str", "list", "dict", "any")
_PYTHON_TYPES = {int: "int", float: "float", bool: "bool", str: "str", list: "list", dict: "dict"}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _literal(text: str) -> tuple[bool, Any]:
    """``(True, value)`` for a literal that JSON holds, else ``(False, None)``."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False, None
    return True, value


def describe(inspected: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A schema from papermill's ``inspect_notebook`` answer."""
    schema = []
    for name, found in inspected.items():
        is_literal, default = _literal(str(found.get("default", "")))
        annotated = str(found.get("inferred_type_name") or "None").lower()
        if annotated in TYPES:
            kind = annotated
        elif is_literal and default is not None:
            kind = _PYTHON_TYPES.get(type(default), "any")
        else:
            kind = "any"
        schema.append(
            {
                "name": name,
                "type": kind,
                "default": default if is_literal else None,
                "default_text": str(found.get("default", "")),
                "help": str(found.get("help") or ""),
            }
        )
    return schema


def _wrong(name: str, kind: str, value: Any) -> InvalidInputError:
    return InvalidInputError(
        f"parameter '{name}' takes a {kind}, not {value!r} ({type(value).__name__})"
    )


def _typed(name: str, kind: str, value: Any) -> Any:
    """``value`` as a ``kind``, or InvalidInputError naming the parameter."""
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise _wrong(name, kind, value)
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(name, kind, value)
        if not math.isfinite(value):
            raise InvalidInputError(f"parameter '{name}' takes a finite number, not {value!r}")
        return float(value)
    expected = {"bool": bool, "str": str, "list": (list, tuple), "dict": dict}.get(kind)
    if expected is not None and not isinstance(value, expected):
        raise _wrong(name, kind, value)
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"parameter '{name}' must be a JSON value (numbers, text, lists, dicts), "
            f"not {type(value).__name__}"
        ) from None
    return list(value) if isinstance(value, tuple) else value


def check(schema: Sequence[Mapping[str, Any]], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters a job is given, checked against ``schema`` and typed; parameters
    left out keep the notebook's defaults (papermill injects only those given).

    Raises
    ------
    InvalidInputError
        Naming the first parameter the schema does not know or whose value has the wrong
        type.
    """
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise InvalidInputError(
            f"parameters are a mapping of name to value, not {type(given).__name__}"
        )
    kinds = {item["name"]: item["type"] for item in schema}
    checked = {}
    for name, value in given.items():
        check_key("parameter name", name)
        if name not in kinds:
            known = ", ".join(kinds) or "none: its notebook has no parameters cell"
            raise InvalidInputError(
                f"unknown parameter '{name}'; this pipeline's parameters are {known}"
            )
        checked[name] = _typed(name, kinds[name], value)
    return checked


def parse(schema: Sequence[Mapping[str, Any]], pairs: Sequence[str]) -> dict[str, Any]:
    """``["lr=0.1", "name=rf"]`` (the command line's ``-p``) as values of the schema's
    types: ``lr=0.1`` is a float for a float parameter, ``"0.1"`` for a str one."""
    kinds = {item["name"]: item["type"] for item in schema}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InvalidInputError(f"a parameter is given as name=value, not {pair!r}")
        if name not in kinds:
            known = ", ".join(kinds) or "none"
            raise InvalidInputError(
                f"unknown parameter '{name}'; this pipeline's parameters are {known}"
            )
        values[name] = _parse_one(name, kinds[name], text)
    return check(schema, values)


def _parse_one(name: str, kind: str, text: str) -> Any:
    if kind == "str":
        return text
    if kind == "bool":
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise InvalidInputError(f"parameter '{name}' takes true or false, not {text!r}")
    try:
        value = json.loads(text)
    except ValueError:
        if kind == "any":
            return text  # a word: the text itself
        is_literal, value = _literal(text)
        if not is_literal:
            raise InvalidInputError(f"parameter '{name}' takes a {kind}, not {text!r}") from None
    return value
