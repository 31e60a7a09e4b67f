"""The run query language: filters, ordering and keyset pages over runs.

A filter such as ``metrics.acc > 0.9 AND (params.model = 'rf' OR tags.team IN ('a', 'b'))``
is tokenized and parsed here into SQLAlchemy expressions; user text only ever reaches
the database as bound parameters. A condition on a param, metric or tag that matches few
runs collects them through its ``(key, value, run_id)`` index; one that matches many is
checked run by run while the runs are read in the order of the first sort key's index,
so that a page stops the scan early.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
import xxhash
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from mlops_jlab.errors import InvalidInputError, QuerySyntaxError
from mlops_jlab.store.models import (
    BIGINT_MAX,
    BIGINT_MIN,
    EXPERIMENTS,
    LATEST,
    PARAMS,
    RUNS,
    TAGS,
)
from mlops_jlab.store.records import NUMBER_PATTERN, UNSTORABLE_RE, storable

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
_TIME_ATTRIBUTES = {"start_time", "end_time"}
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
DEFAULT_ORDER = ["start_time DESC"]
MAX_PAGE = 1_000_000
# Bounds that keep a filter inside what both databases accept (SQLite's expression depth,
# PostgreSQL's bound parameters, SQLite's 64 tables in a join) and the parser's recursion.
MAX_CONDITIONS = 200
MAX_NESTING = 50
MAX_IN_VALUES = 10_000
MAX_SORT_KEYS = 10
_NUMERIC_ATTRIBUTES = {"duration", "experiment_id"}


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


def _unquote(text: str) -> str:
    """Strip the quotes; a doubled quote or a backslash escapes the next character."""
    quote = text[0]
    return re.sub(rf"\\(.)|{quote}{quote}", lambda m: m.group(1) or quote, text[1:-1])


@dataclass(frozen=True)
class Condition:
    """A filter's SQL condition on runs, with an upper bound on how many runs it matches
    when that is known to be small (None: possibly many)."""

    expression: ColumnElement[bool]
    bound: int | None = None
    # Comparisons every matching run satisfies, as (table, key, column, op, value): an
    # ordered scan over that key's index can start at the range instead of filtering it.
    ranges: tuple[tuple[str, str, str, str, Any], ...] = ()


# Probes a param/metric/tag condition's subquery: the number of rows it matches when that
# is below SELECTIVE_ROWS, else None (many). Without a probe, conditions collect their runs.
Probe = Callable[[sa.Select], "int | None"]
SELECTIVE_ROWS = 2000


class _Parser:
    """Recursive descent over the tokens: OR binds loosest, then AND, then NOT."""

    def __init__(self, text: str, probe: Probe | None):
        self.tokens = tokenize(text)
        self.index = 0
        self.probe = probe
        self.depth = 0
        self.conditions = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, keyword: str) -> bool:
        if self.current.kind == "keyword" and self.current.upper == keyword:
            self.index += 1
            return True
        return False

    def error(self, expected: str) -> QuerySyntaxError:
        token = self.current
        found = repr(token.text) if token.kind != "end" else "the end of the filter"
        return QuerySyntaxError(
            f"expected {expected} at position {token.position}, found {found}",
            token.position,
            token.text,
        )

    def expect_punct(self, char: str) -> None:
        if self.current.kind != "punct" or self.current.text != char:
            raise self.error(repr(char))
        self.index += 1

    def parse(self) -> Condition:
        parsed = self.or_expression()
        if self.current.kind != "end":
            raise self.error("AND, OR or the end of the filter")
        return parsed

    def or_expression(self) -> Condition:
        parts = [self.and_expression()]
        while self.accept("OR"):
            parts.append(self.and_expression())
        if len(parts) == 1:
            return parts[0]
        bounds = [part.bound for part in parts]
        bound = None if None in bounds else sum(bounds)  # type: ignore[arg-type]
        return Condition(sa.or_(*(part.expression for part in parts)), bound)

    def and_expression(self) -> Condition:
        parts = [self.unary()]
        while self.accept("AND"):
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        bounds = [part.bound for part in parts if part.bound is not None]
        bound = min(bounds) if bounds else None
        ranges = tuple(r for part in parts for r in part.ranges)
        return Condition(sa.and_(*(part.expression for part in parts)), bound, ranges)

    def unary(self) -> Condition:
        token = self.current
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QuerySyntaxError(
                f"the filter nests deeper than {MAX_NESTING} levels at position "
                f"{token.position}; remove redundant parentheses or NOTs",
                token.position,
                token.text,
            )
        try:
            if self.accept("NOT"):
                return Condition(sa.not_(self.unary().expression))
            if self.current.kind == "punct" and self.current.text == "(":
                self.advance()
                inner = self.or_expression()
                self.expect_punct(")")
                return inner
            return self.comparison()
        finally:
            self.depth -= 1

    def literal(self) -> Literal:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(float(token.text), token)
        if token.kind == "string":
            self.advance()
            return Literal(_unquote(token.text), token)
        raise self.error("a number or a quoted string")

    def comparison(self) -> Condition:
        field = parse_field(self.current)
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise QuerySyntaxError(
                f"the filter has more than {MAX_CONDITIONS} comparisons (at position "
                f"{self.current.position}); for many values of one field write "
                "field IN ('a', 'b', ...)",
                self.current.position,
                self.current.text,
            )
        self.advance()
        token = self.current
        if token.kind == "op":
            self.advance()
            op = {"==": "=", "<>": "!="}.get(token.text, token.text)
            return condition(field, op, [self.literal()], self.probe)
        if self.accept("IS"):
            negated = self.accept("NOT")
            if not self.accept("NULL"):
                raise self.error("NULL")
            return condition(field, "IS NOT NULL" if negated else "IS NULL", [], self.probe)
        negated = self.accept("NOT")
        if self.current.kind == "keyword" and self.current.upper in ("LIKE", "ILIKE"):
            op = self.advance().upper
            pattern = self.literal()
            if pattern.is_number:
                raise QuerySyntaxError(
                    f"{op} needs a quoted pattern such as '%rf%' at position "
                    f"{pattern.token.position}",
                    pattern.token.position,
                    pattern.token.text,
                )
            return _maybe_not(condition(field, op, [pattern], self.probe), negated)
        if self.accept("IN"):
            self.expect_punct("(")
            values = [self.literal()]
            while self.current.kind == "punct" and self.current.text == ",":
                self.advance()
                values.append(self.literal())
                if len(values) > MAX_IN_VALUES:
                    raise QuerySyntaxError(
                        f"IN takes at most {MAX_IN_VALUES:,} values (position "
                        f"{values[-1].token.position}); filter in several queries",
                        values[-1].token.position,
                        values[-1].token.text,
                    )
            self.expect_punct(")")
            return _maybe_not(condition(field, "IN", values, self.probe), negated)
        raise self.error("a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)")


def _maybe_not(parsed: Condition, negated: bool) -> Condition:
    return Condition(sa.not_(parsed.expression)) if negated else parsed


def _compare(column: Any, op: str, values: list[Any]) -> ColumnElement[bool]:
    if op == "IN":
        return column.in_(values)
    if op == "LIKE":
        return column.like(values[0])
    if op == "ILIKE":
        return column.ilike(values[0])
    return column.operate(
        {
            "=": sa.sql.operators.eq,
            "!=": sa.sql.operators.ne,
            "<": sa.sql.operators.lt,
            "<=": sa.sql.operators.le,
            ">": sa.sql.operators.gt,
            ">=": sa.sql.operators.ge,
        }[op],
        values[0],
    )


def _time_value(literal: Literal) -> float:
    """Times compare as epoch milliseconds, or as ISO dates ('2026-11-01', '...T12:00Z')."""
    if literal.is_number:
        return literal.value  # type: ignore[return-value]
    try:
        moment = datetime.fromisoformat(str(literal.value))
    except ValueError as exc:
        raise QuerySyntaxError(
            f"{literal.token.text} at position {literal.token.position} is not a time; use "
            "epoch milliseconds or an ISO date such as '2026-11-01T12:00'",
            literal.token.position,
            literal.token.text,
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp() * 1000


def _text(literal: Literal) -> str:
    return literal.token.text if literal.is_number else str(literal.value)


def _key_values(
    table: sa.Table, key: str, op: str, values: list[Any], column: str, probe: Probe | None
) -> Condition:
    """A condition on a run's param, metric or tag ``key``, in the form that suits how many
    runs it matches: few runs are collected first (``runs.id IN (SELECT ...)``), many are
    checked one run at a time (``EXISTS``) so that an ordered scan can stop after a page."""
    present = op in ("IS NULL", "IS NOT NULL")
    rows = table.alias()
    where = [rows.c.key == key]
    if not present:
        where.append(_compare(rows.c[column], op, values))
    subquery = sa.select(rows.c.run_id).where(*where)
    bound = probe(subquery) if probe is not None else None
    if probe is not None and bound is None:
        expression = sa.exists().where(rows.c.run_id == RUNS.c.id, *where)
    else:
        expression = RUNS.c.id.in_(subquery)
    if op == "IS NULL":
        return Condition(sa.not_(expression))
    ranges = ()
    if op in ("=", "<", "<=", ">", ">="):
        ranges = ((table.name, key, column, op, values[0]),)
    return Condition(expression, bound, ranges)


def condition(field: Field, op: str, literals: list[Literal], probe: Probe | None) -> Condition:
    """The SQL condition for ``field op literals`` on the runs table."""
    if field.prefix == "metrics":
        for literal in literals:
            if not literal.is_number:
                raise QuerySyntaxError(
                    f"metrics are numbers: compare metrics.{field.key} with a number, not "
                    f"{literal.token.text} (position {literal.token.position})",
                    literal.token.position,
                    literal.token.text,
                )
        if op in ("LIKE", "ILIKE"):
            raise QuerySyntaxError(
                f"metrics are numbers: {op} does not apply to metrics.{field.key}",
                field.token.position,
                field.token.text,
            )
        values = [lit.value for lit in literals]
        return _key_values(LATEST, field.key, op, values, "value", probe)
    if field.prefix == "params":
        if literals and all(lit.is_number for lit in literals) and op not in ("LIKE", "ILIKE"):
            column, values = "value_num", [lit.value for lit in literals]
        else:
            column, values = "value", [_text(lit) for lit in literals]
        return _key_values(PARAMS, field.key, op, values, column, probe)
    if field.prefix == "tags":
        values = [_text(lit) for lit in literals]
        return _key_values(TAGS, field.key, op, values, "value", probe)
    expression = _attribute_condition(field, op, literals)
    if field.key in ("id", "run_id") and op in ("=", "IN"):
        return Condition(expression, len(literals))
    return Condition(expression)


def _attribute_condition(field: Field, op: str, literals: list[Literal]) -> ColumnElement[bool]:
    if op in ("IS NULL", "IS NOT NULL"):
        column = RUNS.c.experiment_id if field.key == "experiment" else attribute_column(field.key)
        return column.is_(None) if op == "IS NULL" else column.is_not(None)
    if field.key == "experiment":
        names = sa.select(EXPERIMENTS.c.id).where(
            _compare(EXPERIMENTS.c.name, op, [_text(lit) for lit in literals])
        )
        return RUNS.c.experiment_id.in_(names)
    column = attribute_column(field.key)
    if field.key in _TIME_ATTRIBUTES:
        values: list[Any] = [_time_value(lit) for lit in literals]
    elif field.key in _NUMERIC_ATTRIBUTES:
        for literal in literals:
            if not literal.is_number or op in ("LIKE", "ILIKE"):
                raise QuerySyntaxError(
                    f"{field.key} is a number: compare it with =, <, >, IN and a number, not "
                    f"{op} {literal.token.text} (position {literal.token.position})",
                    literal.token.position,
                    literal.token.text,
                )
        values = [lit.value for lit in literals]
    else:
        values = [_text(lit) for lit in literals]
    return _compare(column, op, values)


def attribute_column(key: str) -> Any:
    if key == "duration":
        return (RUNS.c.end_time - RUNS.c.start_time) / 1000.0
    if key == "experiment":
        return (
            sa.select(EXPERIMENTS.c.name)
            .where(EXPERIMENTS.c.id == RUNS.c.experiment_id)
            .scalar_subquery()
        )
    return ATTRIBUTES[key]


def parse_filter(text: str | None, probe: Probe | None = None) -> Condition | None:
    """Parse a filter expression; None or blank means every run."""
    if text is not None and not isinstance(text, str):
        raise InvalidInputError(f'a filter is a string such as "metrics.acc > 0.9", not {text!r}')
    if text is None or not text.strip():
        return None
    return _Parser(text, probe).parse()


def _probe(conn: Connection) -> Probe:
    def probe(subquery: sa.Select) -> int | None:
        capped = subquery.limit(SELECTIVE_ROWS).subquery()
        rows = conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
        return rows if rows < SELECTIVE_ROWS else None

    return probe


@dataclass(frozen=True)
class SortKey:
    expression: Any
    descending: bool
    join: int | None = None  # index of the outer join that supplies it, if any
    key: str | None = None  # the param, metric or tag key it sorts by
    label: str = ""  # what it sorts by, e.g. "params.lr value_num": ties a page token to it


def parse_order(
    order_by: Sequence[str] | str | None,
) -> tuple[list[SortKey], list[tuple[sa.Table, Any]]]:
    """Parse ``["metrics.acc DESC", "start_time"]`` into sort keys and the outer joins they
    need. Missing values sort last in both directions."""
    if not order_by or (isinstance(order_by, str) and not order_by.strip()):
        order_by = DEFAULT_ORDER
    if isinstance(order_by, str):
        clauses = _split_on_commas(tokenize(order_by))
    elif isinstance(order_by, Sequence) and all(isinstance(c, str) for c in order_by):
        clauses = [tokenize(clause) for clause in order_by]
    else:
        raise InvalidInputError(
            f"order_by must be a string such as 'metrics.acc DESC' or a list of them, "
            f"not {order_by!r}"
        )
    if len(clauses) > MAX_SORT_KEYS:
        raise InvalidInputError(
            f"order_by has {len(clauses)} fields; at most {MAX_SORT_KEYS} are allowed"
        )
    keys: list[SortKey] = []
    joins: list[tuple[sa.Table, Any]] = []
    for tokens in clauses:
        clause = " ".join(token.text for token in tokens)
        if len(tokens) == 1:
            raise QuerySyntaxError(
                f"empty ordering at position {tokens[0].position}; write a field such as "
                "metrics.acc, then ASC or DESC",
                tokens[0].position,
                tokens[0].text,
            )
        field = parse_field(tokens[0])
        descending = False
        rest = tokens[1:-1]
        if rest and rest[0].kind == "keyword" and rest[0].upper in ("ASC", "DESC"):
            descending = rest[0].upper == "DESC"
            rest = rest[1:]
        if rest:
            raise QuerySyntaxError(
                f"unexpected {rest[0].text!r} at position {rest[0].position} in ordering "
                f"{clause!r}; write a field, then ASC or DESC",
                rest[0].position,
                rest[0].text,
            )
        if field.prefix == "attributes":
            keys.append(SortKey(attribute_column(field.key), descending, label=field.key))
            continue
        table = {"params": PARAMS, "metrics": LATEST, "tags": TAGS}[field.prefix]
        alias = table.alias(f"order_{len(joins)}")
        joins.append((alias, sa.and_(alias.c.run_id == RUNS.c.id, alias.c.key == field.key)))
        label = f"{field.prefix}.{field.key}"
        if field.prefix == "params":
            keys.append(
                SortKey(alias.c.value_num, descending, len(joins) - 1, field.key, label + " num")
            )
        keys.append(SortKey(alias.c.value, descending, len(joins) - 1, field.key, label))
    return keys, joins


def _split_on_commas(tokens: list[Token]) -> list[list[Token]]:
    """``"metrics.acc DESC, start_time"`` as one token list per clause, each ending with an
    end token; a comma inside a quoted or backticked key is part of its token."""
    clauses: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "punct" and token.text == ",":
            clauses[-1].append(Token("end", "", token.position))
            clauses.append([])
        else:
            clauses[-1].append(token)
    return clauses


def _tie_break(keys: list[SortKey], run_id: Any = RUNS.c.id) -> Any:
    """Runs that tie on every key go by run id, in the direction of the first key: the
    (key, value, run_id) indexes then give the whole order, with no sort of tied runs
    (provided ``run_id`` is the indexed table's own column, not the runs table's)."""
    return run_id.desc() if keys[0].descending else run_id.asc()


def _after(keys: list[SortKey], last: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``last`` in the order (keys..., run id), nulls last."""
    alternatives = []
    equal_so_far: list[ColumnElement[bool]] = []
    for key, value in zip(keys, last, strict=False):
        if value is None:
            equal_so_far.append(key.expression.is_(None))
            continue
        beyond = key.expression < value if key.descending else key.expression > value
        alternatives.append(sa.and_(*equal_so_far, sa.or_(beyond, key.expression.is_(None))))
        equal_so_far.append(key.expression == value)
    beyond_id = RUNS.c.id < last[-1] if keys[0].descending else RUNS.c.id > last[-1]
    alternatives.append(sa.and_(*equal_so_far, beyond_id))
    return sa.or_(*alternatives)


def _ordering_signature(keys: list[SortKey]) -> str:
    described = "\n".join(f"{key.label} {'DESC' if key.descending else 'ASC'}" for key in keys)
    return xxhash.xxh3_64_hexdigest(described.encode())


def encode_page_token(keys: list[SortKey], values: list[Any]) -> str:
    """A token for the page after the row whose sort values and run id are ``values``."""
    payload = [_ordering_signature(keys), *values]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_page_token(token: Any, keys: list[SortKey]) -> list[Any]:
    """The sort values and run id a token holds; it must come from the same ordering."""
    foreign = InvalidInputError(
        "page_token is not a token this store issued; request the first page again"
    )
    if not isinstance(token, str):
        raise foreign
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise foreign from exc
    if not isinstance(payload, list) or len(payload) != len(keys) + 2:
        raise foreign
    signature, *values = payload
    if signature != _ordering_signature(keys):
        raise InvalidInputError(
            "page_token belongs to another order_by; request the first page again with this "
            "order_by, or keep the order_by the token came with"
        )
    if not (isinstance(values[-1], str) and values[-1]) or not all(
        map(_is_sort_value, values[:-1])
    ):
        raise foreign
    return values


def _is_sort_value(value: Any) -> bool:
    """What a sort key can hold: text, a finite number a database column can store, null."""
    if value is None:
        return True
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return BIGINT_MIN <= value <= BIGINT_MAX
    return isinstance(value, float) and math.isfinite(value)


@dataclass(frozen=True)
class RunPage:
    run_ids: list[str]
    next_page_token: str | None


def _base_query(
    filter: str | None,
    experiment: str | None,
    include_deleted: bool,
    probe: Probe | None,
    among: sa.Select | None = None,
) -> tuple[list[ColumnElement[bool]], Condition]:
    """The conditions on runs, and what the filter tells about the runs it matches."""
    conditions: list[ColumnElement[bool]] = [] if among is None else [RUNS.c.id.in_(among)]
    parsed = parse_filter(filter, probe) or Condition(sa.true())
    if filter is not None and filter.strip():
        conditions.append(parsed.expression)
    if experiment is not None:
        if not isinstance(experiment, str) or not storable(experiment):
            raise InvalidInputError(f"experiment is an experiment's name, not {experiment!r}")
        conditions.append(
            RUNS.c.experiment_id.in_(
                sa.select(EXPERIMENTS.c.id).where(EXPERIMENTS.c.name == experiment)
            )
        )
    if not include_deleted:
        conditions.append(RUNS.c.deleted_at.is_(None))
    return conditions, parsed


# Segments of an ordered scan by a param, metric or tag: runs whose value is a number, then
# runs whose value is text (params only: metrics are numbers, tags text), then runs without
# the key. Within a segment the sort values are never null, so the (key, value, run_id)
# indexes give the order as they stand.
_SEGMENTS = {
    PARAMS.name: ("numeric", "text", "missing"),
    LATEST.name: ("present", "missing"),
    TAGS.name: ("present", "missing"),
}


def _segments(keys: list[SortKey], joins: list[tuple[sa.Table, Any]], last: list[Any] | None):
    """The segments still to read, from the one the previous page ended in."""
    segments = _SEGMENTS[joins[0][0].element.name]
    if last is None:
        return segments
    # The token holds one value per key, then the run id.
    pairs = zip(keys, last[:-1], strict=True)
    first = {key.expression.name: value for key, value in pairs if key.join == 0}
    if first.get("value_num") is not None:
        return segments
    if first.get("value") is not None:
        return segments[-2:]  # "text" or "present", then "missing"
    return segments[-1:]


def _page(
    conn: Connection,
    keys: list[SortKey],
    joins: list[tuple[sa.Table, Any]],
    conditions: list[ColumnElement[bool]],
    limit: int,
    segment: str | None = None,
    ranges: Sequence[tuple[str, str, str, str, Any]] = (),
) -> list[Any]:
    """Rows ``(run id, sort values...)`` in order, of one segment if ``segment`` is given
    (see ``_SEGMENTS``)."""
    first = joins[0][0] if joins else None
    inner = segment in ("numeric", "text", "present")
    source: Any = RUNS
    for number, (alias, on) in enumerate(joins):
        source = source.join(alias, on) if number == 0 and inner else source.outerjoin(alias, on)
    if segment == "missing":
        conditions = [*conditions, first.c.run_id.is_(None)]
    if inner:
        if segment != "present":
            numeric = first.c.value_num.is_not(None)
            conditions = [*conditions, numeric if segment == "numeric" else sa.not_(numeric)]
        conditions += [
            _compare(first.c[column], op, [value])
            for table, key, column, op, value in ranges
            if table == first.element.name and key == keys[0].key
        ]
    ordering = []
    for key in keys:
        if segment == "missing" and key.join == 0:
            continue  # null for every run of the segment: ordering by it would cost a sort
        direction = key.expression.desc() if key.descending else key.expression.asc()
        ordering.append(direction if inner and key.join == 0 else direction.nulls_last())
    statement = (
        sa.select(RUNS.c.id, *(key.expression for key in keys))
        .select_from(source)
        .where(*conditions)
        .order_by(*ordering, _tie_break(keys, first.c.run_id if inner else RUNS.c.id))
        .limit(limit)
    )
    return list(conn.execute(statement).all())


def search_runs(
    conn: Connection,
    filter: str | None = None,
    order_by: Sequence[str] | str | None = None,
    max_results: int = 100,
    page_token: str | None = None,
    experiment: str | None = None,
    include_deleted: bool = False,
    among: sa.Select | None = None,
) -> RunPage:
    """One page of run ids matching ``filter`` in ``order_by`` order (then by run id);
    only among the ids ``among`` selects, when given.

    A filter that matches few runs is answered by collecting them and sorting. Otherwise,
    when the first sort key is a param, metric or tag, the runs that have it are read in
    the order of its index until the page is full (for a param: numbers, then text), and
    only then the runs that lack it (they sort last): a top-100 over 100k runs reads a few
    hundred rows, not 100k.
    """
    if not isinstance(max_results, int) or isinstance(max_results, bool) or max_results < 1:
        raise InvalidInputError(f"max_results must be a positive integer, not {max_results!r}")
    if max_results > MAX_PAGE:
        raise InvalidInputError(
            f"max_results is at most {MAX_PAGE:,}; read more runs page by page with page_token"
        )
    conditions, parsed = _base_query(filter, experiment, include_deleted, _probe(conn), among)
    keys, joins = parse_order(order_by)
    last = decode_page_token(page_token, keys) if page_token is not None else None
    if last is not None:
        conditions.append(_after(keys, last))
    limit = max_results + 1
    if parsed.bound is not None or keys[0].join != 0:
        rows = _page(conn, keys, joins, conditions, limit)
    else:
        rows = []
        for segment in _segments(keys, joins, last):
            rows += _page(conn, keys, joins, conditions, limit - len(rows), segment, parsed.ranges)
            if len(rows) == limit:
                break
    token = None
    if len(rows) > max_results:
        rows = rows[:max_results]
        token = encode_page_token(keys, [*rows[-1][1:], rows[-1][0]])
    return RunPage([row[0] for row in rows], token)


def count_runs(
    conn: Connection,
    filter: str | None = None,
    experiment: str | None = None,
    include_deleted: bool = False,
    among: sa.Select | None = None,
) -> int:
    conditions, _parsed = _base_query(filter, experiment, include_deleted, None, among)
    return conn.execute(
        sa.select(sa.func.count()).select_from(RUNS).where(*conditions)
    ).scalar_one()
