"""The words of the run query language: tokens, field names and literals, shared by
filters and orderings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlops_jlab.errors import QuerySyntaxError
from mlops_jlab.rules import NUMBER_PATTERN, UNSTORABLE_RE
from mlops_jlab.store.tables import (
    RUNS,
)

_TOKEN_RE = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<number>{NUMBER_PATTERN})
  | (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
  | (?P<op><=|>=|!=|<>|==|=|<|>)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][\w\-/:]*(?:\.(?:[\w\-/:]+|`[^`]*`))*)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL", "ASC", "DESC"}

# Run attributes a filter or an ordering may name, with their aliases.
ATTRIBUTES: dict[str, Any] = {
    "run_id": RUNS.c.id,
    "id": RUNS.c.id,
    "name": RUNS.c.name,
    "run_name": RUNS.c.name,
    "status": RUNS.c.status,
    "kind": RUNS.c.kind,
    "experiment_id": RUNS.c.experiment_id,
    "user": RUNS.c.user,
    "notebook": RUNS.c.notebook_path,
    "notebook_path": RUNS.c.notebook_path,
    "cell_id": RUNS.c.cell_id,
    "start_time": RUNS.c.start_time,
    "end_time": RUNS.c.end_time,
    "git_commit": RUNS.c.git_commit,
    "code_hash": RUNS.c.code_hash,
    "parent_id": RUNS.c.parent_id,
    "job_id": RUNS.c.job_id,
}
TIME_ATTRIBUTES = {"start_time", "end_time"}
_PREFIXES = {
    "params": "params",
    "param": "params",
    "metrics": "metrics",
    "metric": "metrics",
    "tags": "tags",
    "tag": "tags",
    "attributes": "attributes",
    "attribute": "attributes",
    "attr": "attributes",
    "run": "attributes",
}
# Bounds that keep a filter inside what both databases accept (SQLite's expression depth,
# PostgreSQL's bound parameters, SQLite's 64 tables in a join) and the parser's recursion.
MAX_CONDITIONS = 200
MAX_NESTING = 50
MAX_IN_VALUES = 10_000
MAX_SORT_KEYS = 10
NUMERIC_ATTRIBUTES = {"duration", "experiment_id"}


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, op, punct, name, keyword, end
    text: str
    position: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; anything unrecognizable is a syntax error at its position."""
    _check_characters(text)
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise QuerySyntaxError(
                f"unexpected character {text[position]!r} at position {position}",
                position,
                text[position],
            )
        kind = match.lastgroup
        if kind != "space":
            word = match.group()
            if kind == "name" and word.upper() in _KEYWORDS:
                kind = "keyword"
            tokens.append(Token(kind, word, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _check_characters(text: str) -> None:
    """Name the first character a database cannot store."""
    found = UNSTORABLE_RE.search(text)
    if found is not None:
        raise QuerySyntaxError(
            f"character {found.group()!r} at position {found.start()} cannot be stored or "
            "compared; remove it",
            found.start(),
            found.group(),
        )


@dataclass(frozen=True)
class Field:
    """A thing a filter or an ordering names: ``params.lr``, ``metrics.acc``, ``status``."""

    prefix: str
    key: str
    token: Token


def parse_field(token: Token) -> Field:
    if token.kind != "name":
        raise QuerySyntaxError(
            f"expected a field such as params.lr, metrics.acc, tags.team or status at position "
            f"{token.position}, found {token.text or 'the end'!r}",
            token.position,
            token.text,
        )
    head, dot, rest = token.text.partition(".")
    if dot and head.lower() in _PREFIXES:
        prefix, key = _PREFIXES[head.lower()], rest
    elif not dot:
        prefix, key = "attributes", head
    else:
        raise QuerySyntaxError(
            f"unknown field prefix {head!r} at position {token.position}; use params., "
            "metrics., tags. or a run attribute",
            token.position,
            token.text,
        )
    if key.startswith("`") and key.endswith("`") and len(key) >= 2:
        key = key[1:-1]
    if not key:
        raise QuerySyntaxError(
            f"{token.text!r} at position {token.position} names no key",
            token.position,
            token.text,
        )
    if prefix == "attributes" and key not in ATTRIBUTES and key not in ("experiment", "duration"):
        names = ", ".join(sorted({*ATTRIBUTES, "experiment", "duration"}))
        raise QuerySyntaxError(
            f"unknown run attribute {key!r} at position {token.position}; known: {names}. "
            "For a param, metric or tag write params.<key>, metrics.<key> or tags.<key>",
            token.position,
            token.text,
        )
    return Field(prefix, key, token)


@dataclass(frozen=True)
class Literal:
    value: str | float
    token: Token

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, float)


def unquote(text: str) -> str:
    """Strip the quotes; a doubled quote or a backslash escapes the next character."""
    quote = text[0]
    return re.sub(rf"\\(.)|{quote}{quote}", lambda m: m.group(1) or quote, text[1:-1])
