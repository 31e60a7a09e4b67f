"""What the lineage queries share: the node kinds and how an id is checked, named and
ordered; a list of ids as one statement parameter, read in batches; and planner settings
for a block on PostgreSQL.

A node is ``(kind, id)`` with the id as text: a run or job id, an artifact's digest, or
the number of a dataset, model or pipeline version or of a registry event
(``"dataset_version:12"`` as one string).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.rules import KEY_LENGTH, storable
from mlops_jlab.store.reads import ID_BATCH
from mlops_jlab.store.tables import EVENTS, RUNS, VERSIONS

KINDS = (
    "run",
    "dataset_version",
    "artifact",
    "model_version",
    "registry_event",
    "pipeline_version",
    "job",
)
NUMBERED_KINDS = ("dataset_version", "model_version", "registry_event", "pipeline_version")
_INT_MAX = 2**31 - 1  # version and event ids are INTEGER columns
_ID_NAMES = {"run": "run id", "job": "job id", "artifact": "artifact digest"}

_SETTING = sa.text("SELECT current_setting(:name, true)")
_SET = sa.text("SELECT set_config(:name, :value, true)")


def check_node(kind: Any, id: Any) -> tuple[str, str]:
    """``(kind, id)`` as the graph spells them; an id that cannot exist is not found."""
    if kind not in KINDS:
        raise InvalidInputError(
            f"a lineage node's kind is one of {', '.join(KINDS)}, not {kind!r}; e.g. "
            "upstream(conn, 'dataset_version', 12)"
        )
    if kind in NUMBERED_KINDS:
        if isinstance(id, bool) or not (
            isinstance(id, numbers.Integral)
            or (isinstance(id, str) and id.isascii() and id.isdecimal())
        ):
            raise InvalidInputError(f"a {kind} id is a whole number such as 12, not {id!r}")
        if not 0 < int(id) <= _INT_MAX:
            raise NotFoundError(f"there is no {kind} {int(id)} in the store")
        return kind, str(int(id))
    if not isinstance(id, str) or not id:
        raise InvalidInputError(f"a {_ID_NAMES[kind]} is a non-empty string, not {id!r}")
    if len(id) > KEY_LENGTH or not storable(id):  # PostgreSQL cannot even compare a NUL
        raise NotFoundError(f"there is no {kind} {id[:40]!r} in the store")
    return kind, id


def split_node_id(node_id: str) -> tuple[str, str]:
    """``"dataset_version:12"`` -> ``("dataset_version", "12")``, checked."""
    kind, colon, key = node_id.partition(":") if isinstance(node_id, str) else ("", "", "")
    if not colon:
        raise InvalidInputError(
            f"a lineage node id reads <kind>:<id>, such as 'dataset_version:12' or "
            f"'run:<run id>', not {node_id!r}"
        )
    return check_node(kind, key)


def well_formed(key: tuple[str, str]) -> bool:
    """Whether an event names a node as the graph knows them (a kind it knows, a number
    for a version)."""
    kind, value = key
    return kind in KINDS and (kind not in NUMBERED_KINDS or (value.isascii() and value.isdecimal()))


def not_found(kind: str, key: str) -> str:
    """The message for a node that does not exist (or is a deleted run)."""
    if kind == "run":
        return f"there is no run {key!r} (or it was deleted); list runs with mlops_jlab.runs()"
    if kind == "job":
        return f"there is no job {key!r} in the store; list jobs with mlops_jlab.jobs()"
    return f"there is no {kind} {key!r} in the store"


def order(key: tuple[str, str]) -> tuple[int, int, str]:
    """Nodes in a stable order: by kind, then versions by number, others by id."""
    kind, value = key
    return KINDS.index(kind), int(value) if kind in NUMBERED_KINDS else 0, value


def version_key(kind: ColumnElement[str], key: ColumnElement[str]) -> ColumnElement[int]:
    """A dataset version node's id as the integer it is; CASE keeps PostgreSQL from
    casting a run id."""
    return number_key(kind, key, "dataset_version")


def number_key(kind: ColumnElement[str], key: ColumnElement[str], of: str) -> ColumnElement[int]:
    """A node's id as the integer it is when the node is of kind ``of``; CASE keeps
    PostgreSQL from casting a run id."""
    return sa.case((kind == of, sa.cast(key, sa.Integer)))


def unindexed(column: ColumnElement[str]) -> ColumnElement[str]:
    """A text column as an expression no index serves. Without table statistics SQLite
    takes an equality on the first column of an index for selective; on ``entity_kind``,
    which a few values fill, it then reads every dataset event instead of the few of the
    runs a query names (400 ms against 0.2 ms at 100k runs)."""
    return column.concat("")


class AmongIds(ColumnElement[bool]):
    """``column IN (:ids)``, a list given when the statement runs; ``column = ANY(:ids)``
    on PostgreSQL, one array parameter that keeps the statement's text the same (and
    psycopg from parsing thousands of placeholders) whatever the number of ids."""

    inherit_cache = True
    # Not Boolean: SQLite would then compare the whole condition with 1, which no index
    # serves.
    type = sa.types.NullType()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]):
        self.column = column


@compiles(AmongIds)
def _among_ids(element: AmongIds, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column.in_(sa.bindparam("ids", expanding=True)), **kw)


@compiles(AmongIds, "postgresql")
def _among_ids_array(element: AmongIds, compiler: Any, **kw: Any) -> str:
    ids = sa.bindparam("ids", type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(ids), **kw)


def batched(conn: Connection, statement: sa.Select, ids: Sequence[Any]) -> list[Any]:
    """The rows of ``statement`` (which selects :class:`AmongIds` ``ids``) for ``ids``, one
    execution per 10,000 ids."""
    rows: list[Any] = []
    for start in range(0, len(ids), ID_BATCH):
        rows.extend(conn.execute(statement, {"ids": list(ids[start : start + ID_BATCH])}).all())
    return rows


_RUN_ROWS = sa.select(RUNS).where(AmongIds(RUNS.c.id), RUNS.c.deleted_at.is_(None))


def run_rows(conn: Connection, run_ids: Sequence[str]) -> dict[str, Any]:
    """The runs among ``run_ids`` that exist and are not deleted, whole, by id."""
    return {row.id: row for row in batched(conn, _RUN_ROWS, run_ids)}


_RUN_EVENTS = (
    sa.select(
        EVENTS.c.run_id,
        EVENTS.c.entity_kind,
        EVENTS.c.entity_id,
        EVENTS.c.direction,
        EVENTS.c.created_at,
    )
    .where(AmongIds(EVENTS.c.run_id), EVENTS.c.direction.in_(("INPUT", "OUTPUT")))
    .order_by(EVENTS.c.id)
)


def run_events(conn: Connection, run_ids: Sequence[str]) -> list[Any]:
    """The runs' INPUT and OUTPUT events, in the order recorded."""
    return batched(conn, _RUN_EVENTS, run_ids)


_SCHEMAS = sa.select(VERSIONS.c.id, VERSIONS.c.schema).where(AmongIds(VERSIONS.c.id))


def version_schemas(conn: Connection, version_ids: Sequence[int]) -> dict[str, Any]:
    """The schema of each dataset version, by its id as lineage events name it."""
    return {str(row.id): row.schema for row in batched(conn, _SCHEMAS, version_ids)}


@contextmanager
def postgres_settings(conn: Connection, **values: str) -> Iterator[None]:
    """PostgreSQL planner settings for a block, put back afterwards (they are local to
    the transaction in any case); nothing on other databases."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = {name: conn.execute(_SETTING, {"name": name}).scalar() for name in values}
    changed = [name for name, value in values.items() if before[name] not in (None, value)]
    for name in changed:
        conn.execute(_SET, {"name": name, "value": values[name]})
    try:
        yield
    finally:
        for name in changed:
            conn.execute(_SET, {"name": name, "value": before[name]})
