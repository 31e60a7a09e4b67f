"""Keyset pages of runs: a filter and an ordering run as a scan that stops when the page
is full (from either end of the order), and the count of the runs a filter matches, which
stops at a bound unless asked to go on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import storable
from mlops_jlab.store.filters import Condition, Probe, compare, parse_filter, probe_for
from mlops_jlab.store.ordering import (
    SortKey,
    after,
    decode_page_token,
    encode_page_token,
    parse_order,
    reverse_keys,
    tie_break,
)
from mlops_jlab.store.tables import (
    EXPERIMENTS,
    LATEST,
    PARAMS,
    RUNS,
    TAGS,
)

MAX_PAGE = 1_000_000
# Runs a count goes up to before it stops (unless asked for the exact count): counting a
# broad filter's matches over 1M runs takes seconds, up to this bound milliseconds.
COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class RunPage:
    """Run ids in order, and whether more runs follow the last. The rows' sort values are
    kept so that a page token can be made after any run of the page, not only the last: a
    caller that keeps some of the runs (the stale ones) resumes after the last it kept."""

    run_ids: list[str]
    has_more: bool
    sort_values: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    keys: list[SortKey] = field(default_factory=list, repr=False)

    @property
    def next_page_token(self) -> str | None:
        """The token of the page after this one; None when no runs follow."""
        return self.token_after(len(self.run_ids) - 1) if self.has_more else None

    def token_after(self, index: int) -> str:
        """A page token that resumes right after the run at ``index`` of this page."""
        return encode_page_token(self.keys, [*self.sort_values[index], self.run_ids[index]])


def _base_query(
    filter: str | None,
    experiment: str | None,
    include_deleted: bool,
    probe: Probe | None,
) -> tuple[list[ColumnElement[bool]], Condition]:
    """The conditions on runs, and what the filter tells about the runs it matches."""
    conditions: list[ColumnElement[bool]] = []
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
# the key; a reversed scan reads them the other way round, each backwards. Within a segment
# the sort values are never null, so the (key, value, run_id) indexes give the order as
# they stand.
_SEGMENTS = {
    PARAMS.name: ("numeric", "text", "missing"),
    LATEST.name: ("present", "missing"),
    TAGS.name: ("present", "missing"),
}


def _segments(keys: list[SortKey], joins: list[tuple[sa.Table, Any]], last: list[Any] | None):
    """The segments still to read, from the one the previous page ended in."""
    segments = _SEGMENTS[joins[0][0].element.name]
    if keys[0].nulls_first:
        segments = segments[::-1]
    if last is None:
        return segments
    # The token holds one value per key, then the run id.
    pairs = zip(keys, last[:-1], strict=True)
    first = {key.expression.name: value for key, value in pairs if key.join == 0}
    if first.get("value_num") is not None:
        current = "numeric"
    elif first.get("value") is not None:
        current = "text" if "value_num" in first else "present"
    else:
        current = "missing"
    return segments[segments.index(current) :]


def _anyone_lacks(conn: Connection, table: sa.Table, key: str) -> bool:
    """Whether some run has no ``key`` in ``table``: fewer rows of the key than runs (a run
    has one at most). Two counts of indexes, where looking for the runs that lack the key
    would check every run when none does (as a reversed walk's first page would)."""
    having = sa.select(sa.func.count()).select_from(table).where(table.c.key == key)
    runs = sa.select(sa.func.count()).select_from(RUNS)
    return conn.execute(having).scalar_one() < conn.execute(runs).scalar_one()


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
            compare(first.c[column], op, [value])
            for table, key, column, op, value in ranges
            if table == first.element.name and key == keys[0].key
        ]
    ordering = []
    for key in keys:
        if segment == "missing" and key.join == 0:
            continue  # null for every run of the segment: ordering by it would cost a sort
        direction = key.expression.desc() if key.descending else key.expression.asc()
        if not (inner and key.join == 0):
            direction = direction.nulls_first() if key.nulls_first else direction.nulls_last()
        ordering.append(direction)
    statement = (
        sa.select(RUNS.c.id, *(key.expression for key in keys))
        .select_from(source)
        .where(*conditions)
        .order_by(*ordering, tie_break(keys, first.c.run_id if inner else RUNS.c.id))
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
    reverse: bool = False,
) -> RunPage:
    """One page of run ids matching ``filter`` in ``order_by`` order (then by run id), or
    with ``reverse`` from the end of that order backwards: the last run first, pages
    continuing toward the first (a token of one direction is refused in the other).

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
    conditions, parsed = _base_query(filter, experiment, include_deleted, probe_for(conn))
    keys, joins = parse_order(order_by)
    if reverse:
        keys = reverse_keys(keys)
    last = decode_page_token(page_token, keys) if page_token is not None else None
    if last is not None:
        conditions.append(after(keys, last))
    limit = max_results + 1
    if parsed.bound is not None or keys[0].join != 0:
        rows = _page(conn, keys, joins, conditions, limit)
    else:
        rows = []
        for segment in _segments(keys, joins, last):
            if segment == "missing" and not _anyone_lacks(conn, joins[0][0].element, keys[0].key):
                continue
            rows += _page(conn, keys, joins, conditions, limit - len(rows), segment, parsed.ranges)
            if len(rows) == limit:
                break
    return RunPage(
        [row[0] for row in rows[:max_results]],
        len(rows) > max_results,
        [tuple(row[1:]) for row in rows[:max_results]],
        keys,
    )


@dataclass(frozen=True)
class RunCount:
    """How many runs match: ``total`` exactly when ``complete``, else at least ``total``
    (the count stopped at its bound)."""

    total: int
    complete: bool


def count_runs(
    conn: Connection,
    filter: str | None = None,
    experiment: str | None = None,
    include_deleted: bool = False,
    limit: int | None = None,
) -> RunCount:
    """Count the runs matching ``filter``, up to ``limit`` (every one when None).

    A bounded count reads at most ``limit + 1`` matching runs, so a broad filter over a
    million runs answers in milliseconds, with ``complete=False`` past the bound.
    """
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidInputError(f"limit must be a positive integer, not {limit!r}")
    # A bounded count checks a broad filter run by run, so it stops at the bound.
    probe = probe_for(conn) if limit is not None else None
    conditions, _parsed = _base_query(filter, experiment, include_deleted, probe)
    matching = sa.select(sa.literal(1)).select_from(RUNS).where(*conditions)
    if limit is not None:
        matching = matching.limit(limit + 1)
    counted = sa.select(sa.func.count()).select_from(matching.subquery())
    total = conn.execute(counted).scalar_one()
    if limit is not None and total > limit:
        return RunCount(limit, False)
    return RunCount(total, True)
