"""Filters of the run query language, parsed into SQLAlchemy conditions.

A filter such as ``metrics.acc > 0.9 AND (params.model = 'rf' OR tags.team IN ('a', 'b'))``
is tokenized and parsed here into SQLAlchemy expressions; user text only ever reaches
the database as bound parameters. A condition on a param, metric or tag that matches few
runs collects them through its ``(key, value, run_id)`` index; one that matches many is
checked run by run while the runs are read in the order of the first sort key's index,
so that a page stops the scan early.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from mlops_jlab.errors import InvalidInputError, QuerySyntaxError
from mlops_jlab.store import name_search
from mlops_jlab.store.query_tokens import (
    ATTRIBUTES,
    MAX_CONDITIONS,
    MAX_IN_VALUES,
    MAX_NESTING,
    NUMERIC_ATTRIBUTES,
    TIME_ATTRIBUTES,
    Field,
    Literal,
    Token,
    parse_field,
    tokenize,
    unquote,
)
from mlops_jlab.store.tables import (
    EXPERIMENTS,
    LATEST,
    PARAMS,
    RUNS,
    TAGS,
)


@dataclass(frozen=True)
class Condition:
    """A filter's SQL condition on runs, with an upper bound on how many runs it matches
    when that is known to be small (None: possibly many)."""

    expression: ColumnElement[bool]
    bound: int | None = None
    # Comparisons every matching run satisfies, as (table, key, column, op, value): an
    # ordered scan over that key's index can start at the range instead of filtering it.
    ranges: tuple[tuple[str, str, str, str, Any], ...] = ()


SELECTIVE_ROWS = 2000


@dataclass(frozen=True)
class Probe:
    """Probes a param/metric/tag condition's subquery: the number of rows it matches when
    that is below SELECTIVE_ROWS, else None (many). Without a probe, conditions collect
    their runs. ``names``: the run names' trigram table can narrow a name filter
    (:mod:`mlops_jlab.store.name_search`)."""

    rows: Callable[[sa.Select], int | None]
    names: bool = False

    def __call__(self, subquery: sa.Select) -> int | None:
        return self.rows(subquery)


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
            return Literal(unquote(token.text), token)
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


def compare(column: Any, op: str, values: list[Any]) -> ColumnElement[bool]:
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
        where.append(compare(rows.c[column], op, values))
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
    if field.key == "name" and probe is not None and probe.names:
        return _by_name(expression, op, _text(literals[0]) if literals else "", probe)
    return Condition(expression)


def _by_name(expression: ColumnElement[bool], op: str, value: str, probe: Probe) -> Condition:
    """A condition on run names that few runs match starts from the candidates of the
    names' trigram index (their names are then checked by ``expression``); one that many
    match is checked run by run, as the runs are read in order, until a page is full."""
    candidates = name_search.candidates(op, value)
    bound = probe(candidates) if candidates is not None else None
    if bound is None:
        return Condition(expression)
    return Condition(sa.and_(RUNS.c.id.in_(candidates), expression), bound)


def _attribute_condition(field: Field, op: str, literals: list[Literal]) -> ColumnElement[bool]:
    if op in ("IS NULL", "IS NOT NULL"):
        column = RUNS.c.experiment_id if field.key == "experiment" else attribute_column(field.key)
        return column.is_(None) if op == "IS NULL" else column.is_not(None)
    if field.key == "experiment":
        names = sa.select(EXPERIMENTS.c.id).where(
            compare(EXPERIMENTS.c.name, op, [_text(lit) for lit in literals])
        )
        return RUNS.c.experiment_id.in_(names)
    column = attribute_column(field.key)
    if field.key in TIME_ATTRIBUTES:
        values: list[Any] = [_time_value(lit) for lit in literals]
    elif field.key in NUMERIC_ATTRIBUTES:
        for literal in literals:
            if not literal.is_number or op in ("LIKE", "ILIKE"):
                raise QuerySyntaxError(
                    f"{field.key} is a number: compare it with =, <, >, IN and a number, not "
                    f"{op} {literal.token.text} (position {literal.token.position})",
                    literal.token.position,
                    literal.token.text,
                )
        values = [lit.value for lit in literals]
    elif field.key == "status":
        # Statuses are stored in lower case; MLflow users write them upper case.
        values = [_text(lit).lower() for lit in literals]
    else:
        values = [_text(lit) for lit in literals]
    return compare(column, op, values)


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


def probe_for(conn: Connection) -> Probe:
    def probe(subquery: sa.Select) -> int | None:
        capped = subquery.limit(SELECTIVE_ROWS).subquery()
        rows = conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
        return rows if rows < SELECTIVE_ROWS else None

    return Probe(probe, name_search.indexed(conn))
