"""Orderings of runs (``metrics.acc DESC, start_time``), their reverse (the end of the order
read backwards), and the page tokens that resume them where a page ended."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
import xxhash
from sqlalchemy.sql.elements import ColumnElement

from mlops_jlab.errors import InvalidInputError, QuerySyntaxError
from mlops_jlab.rules import BIGINT_MAX, BIGINT_MIN, storable
from mlops_jlab.store.filters import attribute_column
from mlops_jlab.store.query_tokens import MAX_SORT_KEYS, Token, parse_field, tokenize
from mlops_jlab.store.tables import (
    LATEST,
    PARAMS,
    RUNS,
    TAGS,
)

DEFAULT_ORDER = ["start_time DESC"]


@dataclass(frozen=True)
class SortKey:
    expression: Any
    descending: bool
    join: int | None = None  # index of the outer join that supplies it, if any
    key: str | None = None  # the param, metric or tag key it sorts by
    label: str = ""  # what it sorts by, e.g. "params.lr value_num": ties a page token to it
    nulls_first: bool = False  # a reversed key: missing values, last forward, come first


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


def reverse_keys(keys: list[SortKey]) -> list[SortKey]:
    """The same ordering read from its end: every key and the tie-break flip direction, and
    missing values come first. A database reads the same indexes backwards for it."""
    return [
        replace(key, descending=not key.descending, nulls_first=not key.nulls_first) for key in keys
    ]


def tie_break(keys: list[SortKey], run_id: Any = RUNS.c.id) -> Any:
    """Runs that tie on every key go by run id, in the direction of the first key: the
    (key, value, run_id) indexes then give the whole order, with no sort of tied runs
    (provided ``run_id`` is the indexed table's own column, not the runs table's)."""
    return run_id.desc() if keys[0].descending else run_id.asc()


def after(keys: list[SortKey], last: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``last`` in the order (keys..., run id), nulls last (first for
    reversed keys)."""
    alternatives = []
    equal_so_far: list[ColumnElement[bool]] = []
    for key, value in zip(keys, last, strict=False):
        if value is None:
            if key.nulls_first:  # every value follows a missing one
                alternatives.append(sa.and_(*equal_so_far, key.expression.is_not(None)))
            equal_so_far.append(key.expression.is_(None))
            continue
        beyond = key.expression < value if key.descending else key.expression > value
        if not key.nulls_first:  # missing values follow every value
            beyond = sa.or_(beyond, key.expression.is_(None))
        alternatives.append(sa.and_(*equal_so_far, beyond))
        equal_so_far.append(key.expression == value)
    beyond_id = RUNS.c.id < last[-1] if keys[0].descending else RUNS.c.id > last[-1]
    alternatives.append(sa.and_(*equal_so_far, beyond_id))
    return sa.or_(*alternatives)


def _ordering_signature(keys: list[SortKey]) -> str:
    described = "\n".join(
        f"{key.label} {'DESC' if key.descending else 'ASC'}{' NULLS FIRST' * key.nulls_first}"
        for key in keys
    )
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
    if signature == _ordering_signature(reverse_keys(keys)):
        walk = "a forward walk: ask without" if keys[0].nulls_first else "a reversed walk: ask with"
        raise InvalidInputError(
            f"page_token continues {walk} reverse=true, or request the first page again"
        )
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
