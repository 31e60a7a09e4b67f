"""Lineage: where a result came from, what came of it, which runs are stale, and exports.

The graph
---------
Nodes are runs and the entities runs read or wrote: dataset versions, artifacts and
model versions, with the ids ``run:<run id>``, ``dataset_version:<id>``,
``artifact:<digest>`` and ``model_version:<id>``. Edges point the way data flows:

- ``input``: entity -> run, the run read the entity (a lineage event ``INPUT``);
- ``output``: run -> entity, the run produced it (a lineage event ``OUTPUT``);
- ``derived``: parent version -> version (``dataset_versions.parent_version_id``).

Deleted runs are not in the graph, and no walk passes through one.

:func:`upstream` and :func:`downstream` walk the graph with one recursive SQL query per
direction (:func:`graph` runs both in one statement). Each step looks a node's neighbours
up by index, so the cost follows the size of the lineage found, not of the store (the
step to a version's children wants an index on ``dataset_versions.parent_version_id``).
A row of the walk is a node with the edge that reached it, and ``UNION`` keeps each row
once, so a cycle (a run that reads and rewrites one file) ends the walk. ``depth`` counts
edges from the node: upstream of a dataset version, 1 reaches the run that wrote it (and
the version it was derived from), 2 what that run read, and so on; ``None`` walks to the
end. The result holds the nodes reached and the edges followed to reach them (without a
depth, every edge between them in the direction walked)::

    {"root": "dataset_version:7",
     "nodes": [{"id": "dataset_version:7", "kind": "dataset_version",
                "label": "data/train.csv@v2", "stale": False, ...}, ...],
     "edges": [{"source": "run:5f0c...", "target": "dataset_version:7",
                "kind": "output"}, ...]}

Every node has ``id``, ``kind``, ``label`` and ``stale``; the other fields depend on the
kind (``None`` where nothing is recorded):

- run: ``run_id``, ``status``, ``name``, ``experiment_id``, ``notebook_path``,
  ``cell_id``, ``user``, ``start_time``, ``end_time``, ``stale_reasons``;
- dataset_version: ``version_id``, ``dataset``, ``version`` (1 for a dataset's first
  version, in the order recorded), ``fingerprint``, ``role``, ``n_rows``, ``n_columns``,
  ``parent_version_id``, ``created_at``;
- artifact: ``digest``, ``name`` (as its first run named it), ``artifact_kind``,
  ``media_type``, ``size``, ``fingerprint`` (the digest), ``created_at``;
- model_version: ``version_id``, ``model``, ``version``, ``run_id``, ``fingerprint``
  (the model artifact's digest), ``created_at``.

Times are milliseconds since the epoch, as everywhere in the store.

Staleness
---------
A run is stale when a dataset it read has changed since, or its cell's code has. A
dataset's current version is the one most recently recorded, read or written (so a file
changed back to earlier content is current again under its earlier version; a deleted
run's reads and writes count, as deleting a run does not undo them); a run that read
another version is stale unless it also read or wrote the current one itself. A
cell's current code is that of its latest run (same notebook and cell id); an earlier
run of the cell with other code is stale. :func:`stale_runs` answers for many runs in one
query, with reasons a person can read.

Exports
-------
:func:`openlineage_events` gives OpenLineage 2-0-2 run events (``START``, then
``COMPLETE`` or ``FAIL``) with the inputs and outputs, each with a ``version`` facet (the
content fingerprint) and, for dataset versions with a schema, a ``schema`` facet. The
events are plain dicts shaped as ``openlineage-python`` (1.54) serialises its own
``openlineage.client.event_v2.RunEvent`` (``Serde.to_dict``): the same keys, facet
``_producer``/``_schemaURL`` values and empty ``facets`` objects. That package ships no
JSON Schema file, only the classes generated from the specification's schema, so the
tests validate each event twice against them: with ``jsonschema`` against a schema
derived from the generated classes (fields, types, required fields, no unknown ones,
RFC 3339 times, UUID run ids), and by building the package's typed event from the dict,
which runs the package's own validators, and comparing ``Serde.to_dict`` of it with the
dict. :func:`prov_document` gives W3C PROV-JSON that the ``prov`` package reads back.
"""

from __future__ import annotations

import functools
import numbers
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from mlops_jlab._version import __version__
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.store.models import (
    KEY_LENGTH,
    Artifact,
    Dataset,
    DatasetVersion,
    LineageEvent,
    ModelVersion,
    RegisteredModel,
    Run,
    RunArtifact,
)
from mlops_jlab.store.reads import ID_BATCH

RUNS = Run.__table__
EVENTS = LineageEvent.__table__
VERSIONS = DatasetVersion.__table__
DATASETS = Dataset.__table__
ARTIFACTS = Artifact.__table__
RUN_ARTIFACTS = RunArtifact.__table__
MODEL_VERSIONS = ModelVersion.__table__
MODELS = RegisteredModel.__table__

KINDS = ("run", "dataset_version", "artifact", "model_version")
DIRECTIONS = {
    "upstream": ("upstream",),
    "downstream": ("downstream",),
    "both": ("upstream", "downstream"),
}
MAX_DEPTH = 1000
_NUMBERED_KINDS = ("dataset_version", "model_version")
_INT_MAX = 2**31 - 1  # dataset and model version ids are INTEGER columns

_SETTING = sa.text("SELECT current_setting(:name, true)")
_SET = sa.text("SELECT set_config(:name, :value, true)")
_F = TypeVar("_F", bound=Callable[..., Any])


@contextmanager
def _postgres_settings(conn: Connection, **values: str) -> Iterator[None]:
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


def _without_jit(function: _F) -> _F:
    """Run ``function(conn, ...)`` with PostgreSQL's JIT compiler off: its cost estimates
    for these queries (window functions, lookups per row) pass the JIT threshold on any
    sizeable store, and compiling then takes seconds for a query that runs in
    milliseconds."""

    @functools.wraps(function)
    def wrapper(conn: Connection, *args: Any, **kwargs: Any) -> Any:
        with _postgres_settings(conn, jit="off"):
            return function(conn, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------
# Walks


def _word(text: str) -> ColumnElement[str]:
    """A constant of ours, typed VARCHAR: PostgreSQL wants one type per recursive column."""
    return sa.cast(sa.literal_column(f"'{text}'"), sa.String)


def _version_key(kind: ColumnElement[str], key: ColumnElement[str]) -> ColumnElement[int]:
    """A dataset version node's id as the integer it is; CASE keeps PostgreSQL from
    casting a run id."""
    return sa.case((kind == "dataset_version", sa.cast(key, sa.Integer)))


def _steps(walk: sa.Alias, direction: str) -> list[sa.Select]:
    """The nodes one edge from the walk's row, with the kind of that edge: one SELECT per
    kind, each found by index (a run's events by ``ix_lineage_run``, an entity's by
    ``ix_lineage_entity``, a version's parent by its key, its children by
    ``parent_version_id``)."""
    upstream = direction == "upstream"
    # Upstream, a run leads to what it read and an entity to the runs that wrote it.
    run_side, entity_side = ("INPUT", "OUTPUT") if upstream else ("OUTPUT", "INPUT")
    events = EVENTS.alias("le")
    runs = RUNS.alias("r")
    versions = VERSIONS.alias("dv")
    of_run = sa.select(
        events.c.entity_kind.label("kind"),
        events.c.entity_id.label("id"),
        _word(run_side.lower()).label("edge"),
    ).where(walk.c.kind == "run", events.c.run_id == walk.c.id, events.c.direction == run_side)
    of_entity = (
        sa.select(
            _word("run").label("kind"),
            events.c.run_id.label("id"),
            _word(entity_side.lower()).label("edge"),
        )
        .select_from(events.join(runs, runs.c.id == events.c.run_id))
        .where(
            events.c.entity_kind == walk.c.kind,
            events.c.entity_id == walk.c.id,
            events.c.direction == entity_side,
            runs.c.deleted_at.is_(None),
        )
    )
    version = _version_key(walk.c.kind, walk.c.id)
    if upstream:
        neighbour = versions.c.parent_version_id
        found = sa.and_(versions.c.id == version, versions.c.parent_version_id.is_not(None))
    else:
        neighbour, found = versions.c.id, versions.c.parent_version_id == version
    derived = sa.select(
        _word("dataset_version").label("kind"),
        sa.cast(neighbour, sa.String).label("id"),
        _word("derived").label("edge"),
    ).where(found)
    return [of_run, of_entity, derived]


def _all_edges() -> sa.Subquery:
    """Every edge of the graph as (source, target, edge) rows: the walk of databases with
    neither LATERAL nor several recursive SELECTs joins to this (correct, but it reads
    every event)."""
    runs = RUNS.alias("r")
    selects = []
    for direction in ("INPUT", "OUTPUT"):
        events = EVENTS.alias(f"le_{direction.lower()}")
        entity = (events.c.entity_kind, events.c.entity_id)
        run = (_word("run"), events.c.run_id)
        source, target = (entity, run) if direction == "INPUT" else (run, entity)
        selects.append(
            sa.select(
                source[0].label("source_kind"),
                source[1].label("source_id"),
                target[0].label("target_kind"),
                target[1].label("target_id"),
                _word(direction.lower()).label("edge"),
            )
            .select_from(events.join(runs, runs.c.id == events.c.run_id))
            .where(events.c.direction == direction, runs.c.deleted_at.is_(None))
        )
    versions = VERSIONS.alias("dv")
    selects.append(
        sa.select(
            _word("dataset_version"),
            sa.cast(versions.c.parent_version_id, sa.String),
            _word("dataset_version"),
            sa.cast(versions.c.id, sa.String),
            _word("derived"),
        ).where(versions.c.parent_version_id.is_not(None))
    )
    return sa.union_all(*selects).subquery("edges")


def _walk(direction: str, bounded: bool, assembly: str) -> sa.CTE:
    """The recursive CTE of the nodes reachable from ``(:kind, :id)`` in ``direction``,
    each row with the node it was reached from (``via_kind``, ``via_id``) and the kind of
    that edge; when ``bounded``, with its distance too, at most ``:depth`` edges."""
    columns = [
        sa.cast(sa.bindparam("kind", type_=sa.String), sa.String).label("kind"),
        sa.cast(sa.bindparam("id", type_=sa.String), sa.String).label("id"),
        sa.cast(sa.null(), sa.String).label("via_kind"),
        sa.cast(sa.null(), sa.String).label("via_id"),
        sa.cast(sa.null(), sa.String).label("edge"),
    ]
    if bounded:
        columns.append(sa.literal_column("0", sa.Integer).label("depth"))
    walk = sa.select(*columns).cte(f"{direction}_walk", recursive=True)
    w = walk.alias(f"{direction}_w")

    def step(select: sa.Select) -> sa.Select:
        """A row for each neighbour: the neighbour, then where it was reached from."""
        select = select.add_columns(w.c.kind.label("via_kind"), w.c.id.label("via_id"))
        if not bounded:
            return select
        return select.add_columns((w.c.depth + 1).label("depth")).where(
            w.c.depth < sa.bindparam("depth", type_=sa.Integer)
        )

    if assembly == "join":
        edges = _all_edges()
        near, far = ("target", "source") if direction == "upstream" else ("source", "target")
        found = sa.select(
            edges.c[f"{far}_kind"].label("kind"),
            edges.c[f"{far}_id"].label("id"),
            edges.c.edge,
        ).select_from(
            w.join(
                edges,
                sa.and_(edges.c[f"{near}_kind"] == w.c.kind, edges.c[f"{near}_id"] == w.c.id),
            )
        )
        return walk.union(_reorder(step(found), bounded))
    steps = [step(select) for select in _steps(w, direction)]
    if assembly == "lateral":
        # PostgreSQL allows one reference to the recursive table: a LATERAL union keeps
        # each kind of edge on its own index.
        found = sa.union_all(*steps).lateral("s")
        return walk.union(
            _reorder(sa.select(*found.c).select_from(w.join(found, sa.true())), bounded)
        )
    # SQLite runs the recursive SELECTs once per row taken from the queue, so the walk
    # table holds one row each time; saying so keeps it from building a Bloom filter over
    # the whole events table on every step when ANALYZE statistics exist. The step to a
    # version's children goes without: having no index on parent_version_id, it is
    # better off with the automatic index SQLite then builds once for the query.
    one_row = sa.func.likelihood(w.c.id.is_not(None), sa.literal_column("0.000001"))
    hinted = [step.where(one_row) for step in steps[:2]]
    derived = steps[2] if direction == "downstream" else steps[2].where(one_row)
    return walk.union(*[_reorder(select, bounded) for select in (*hinted, derived)])


def _reorder(select: sa.Select, bounded: bool) -> sa.Select:
    """The step's columns in the walk's order: kind, id, via_kind, via_id, edge[, depth]."""
    names = ["kind", "id", "via_kind", "via_id", "edge"] + (["depth"] if bounded else [])
    return select.with_only_columns(*(select.selected_columns[name] for name in names))


@functools.cache
def _graph_statement(directions: tuple[str, ...], bounded: bool, assembly: str) -> sa.Select:
    """Walks in ``directions``: one row per edge followed, (kind, id, via_kind, via_id,
    edge, direction), and one for the start with nulls."""
    selects = [
        sa.select(
            walk.c.kind, walk.c.id, walk.c.via_kind, walk.c.via_id, walk.c.edge, _word(direction)
        )
        for direction, walk in ((d, _walk(d, bounded, assembly)) for d in directions)
    ]
    return sa.union(*selects) if len(selects) > 1 else selects[0].distinct()


def _assembly(conn: Connection) -> str:
    """How this database can look up each kind of edge by index inside one recursion."""
    dialect = conn.dialect
    if dialect.name == "postgresql":
        return "lateral"
    if dialect.name == "sqlite" and (dialect.server_version_info or (0,)) >= (3, 34, 0):
        return "sqlite"  # several recursive SELECTs: SQLite 3.34 and later
    return "join"


def _check_node(kind: Any, id: Any) -> tuple[str, str]:
    """``(kind, id)`` as the graph spells them; an id that cannot exist is not found."""
    if kind not in KINDS:
        raise InvalidInputError(
            f"a lineage node's kind is one of {', '.join(KINDS)}, not {kind!r}; e.g. "
            "upstream(conn, 'dataset_version', 12)"
        )
    if kind in _NUMBERED_KINDS:
        if isinstance(id, bool) or not (
            isinstance(id, numbers.Integral)
            or (isinstance(id, str) and id.isascii() and id.isdecimal())
        ):
            raise InvalidInputError(f"a {kind} id is a whole number such as 12, not {id!r}")
        if not 0 < int(id) <= _INT_MAX:
            raise NotFoundError(f"there is no {kind} {int(id)} in the store")
        return kind, str(int(id))
    if not isinstance(id, str) or not id:
        what = "run id" if kind == "run" else "artifact digest"
        raise InvalidInputError(f"a {what} is a non-empty string, not {id!r}")
    if len(id) > KEY_LENGTH:
        raise NotFoundError(f"there is no {kind} {id[:40]!r}...")
    return kind, id


def _check_depth(depth: Any) -> int | None:
    if depth is None:
        return None
    if (
        isinstance(depth, bool)
        or not isinstance(depth, numbers.Integral)
        or not 0 <= depth <= MAX_DEPTH
    ):
        raise InvalidInputError(
            f"depth counts edges from the node: a whole number from 0 to {MAX_DEPTH}, or None "
            f"for the whole lineage; not {depth!r}"
        )
    return int(depth)


def split_node_id(node_id: str) -> tuple[str, str]:
    """``"dataset_version:12"`` -> ``("dataset_version", "12")``, checked."""
    kind, colon, key = node_id.partition(":") if isinstance(node_id, str) else ("", "", "")
    if not colon:
        raise InvalidInputError(
            f"a lineage node id reads <kind>:<id>, such as 'dataset_version:12' or "
            f"'run:<run id>', not {node_id!r}"
        )
    return _check_node(kind, key)


@_without_jit
def graph(
    conn: Connection, kind: str, id: str | int, direction: str = "both", depth: int | None = None
) -> dict[str, Any]:
    """The lineage of a node: what it came from, what came of it, or both.

    Parameters
    ----------
    conn
        A connection to the store (``Store.read()``).
    kind, id
        The node: ``"run"`` and a run id, ``"dataset_version"`` or ``"model_version"`` and
        its number, or ``"artifact"`` and its digest.
    direction
        ``"upstream"``, ``"downstream"`` or ``"both"``.
    depth
        How many edges to follow from the node (``None``: all).

    Returns
    -------
    dict
        ``{"root": node id, "nodes": [...], "edges": [...]}``, as the module describes.

    Raises
    ------
    InvalidInputError
        For an unknown kind or direction, or a depth out of range.
    NotFoundError
        When the node does not exist (or is a deleted run).
    """
    kind, key = _check_node(kind, id)
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise InvalidInputError(
            f"direction is 'upstream', 'downstream' or 'both', not {direction!r}"
        )
    depth = _check_depth(depth)
    statement = _graph_statement(DIRECTIONS[direction], depth is not None, _assembly(conn))
    params: dict[str, Any] = {"kind": kind, "id": key}
    if depth is not None:
        params["depth"] = depth
    # PostgreSQL plans the recursive step without knowing that it runs once per node
    # reached: on small tables it would pick sequential scans, then run them hundreds of
    # times. The indexes are there for each step.
    with _postgres_settings(conn, enable_seqscan="off"):
        rows = conn.execute(statement, params).all()
    root = (kind, key)
    keys = {root}
    edges = set()
    for found_kind, found_id, via_kind, via_id, edge, way in rows:
        found, via = (found_kind, found_id), (via_kind, via_id)
        if via_kind is None or not (_well_formed(found) and _well_formed(via)):
            continue
        source, target = (found, via) if way == "upstream" else (via, found)
        keys.update((found, via))
        edges.add((f"{source[0]}:{source[1]}", f"{target[0]}:{target[1]}", edge))
    described = describe_nodes(conn, keys)
    if root not in described:
        raise NotFoundError(_not_found(kind, key))
    ordered = [root, *sorted(keys - {root}, key=_order)]
    return {
        "root": f"{kind}:{key}",
        "nodes": [described.get(node) or _placeholder(*node) for node in ordered],
        "edges": [
            {"source": source, "target": target, "kind": edge}
            for source, target, edge in sorted(edges)
        ],
    }


def upstream(
    conn: Connection, kind: str, id: str | int, depth: int | None = None
) -> dict[str, Any]:
    """Everything the node came from: see :func:`graph`."""
    return graph(conn, kind, id, "upstream", depth)


def downstream(
    conn: Connection, kind: str, id: str | int, depth: int | None = None
) -> dict[str, Any]:
    """Everything that came of the node: see :func:`graph`."""
    return graph(conn, kind, id, "downstream", depth)


@_without_jit
def node(conn: Connection, kind: str, id: str | int) -> dict[str, Any]:
    """One node as :func:`graph` shows it; NotFoundError if it does not exist."""
    kind, key = _check_node(kind, id)
    found = describe_nodes(conn, [(kind, key)]).get((kind, key))
    if found is None:
        raise NotFoundError(_not_found(kind, key))
    return found


def _well_formed(key: tuple[str, str]) -> bool:
    """Whether an event names a node as the graph knows them (a kind it knows, a number
    for a version)."""
    kind, value = key
    return kind in KINDS and (
        kind not in _NUMBERED_KINDS or (value.isascii() and value.isdecimal())
    )


def _not_found(kind: str, key: str) -> str:
    if kind == "run":
        return f"there is no run {key!r} (or it was deleted); list runs with mlops_jlab.runs()"
    return f"there is no {kind} {key!r} in the store"


def _order(key: tuple[str, str]) -> tuple[int, int, str]:
    kind, value = key
    return KINDS.index(kind), int(value) if kind in _NUMBERED_KINDS else 0, value


# ---------------------------------------------------------------------------------------
# Nodes


class _AmongIds(ColumnElement[bool]):
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


@compiles(_AmongIds)
def _among_ids(element: _AmongIds, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column.in_(sa.bindparam("ids", expanding=True)), **kw)


@compiles(_AmongIds, "postgresql")
def _among_ids_array(element: _AmongIds, compiler: Any, **kw: Any) -> str:
    ids = sa.bindparam("ids", type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(ids), **kw)


def _numbered(dataset_ids: Any) -> sa.Select:
    """The versions of the datasets ``dataset_ids`` selects, each with its ``number``: 1
    for a dataset's first version, in the order versions were recorded."""
    return sa.select(
        VERSIONS,
        sa.func.row_number()
        .over(partition_by=VERSIONS.c.dataset_id, order_by=VERSIONS.c.id)
        .label("number"),
    ).where(VERSIONS.c.dataset_id.in_(dataset_ids))


_RUN_NODES = sa.select(
    RUNS.c.id,
    RUNS.c.name,
    RUNS.c.status,
    RUNS.c.experiment_id,
    RUNS.c.notebook_path,
    RUNS.c.cell_id,
    RUNS.c.user,
    RUNS.c.start_time,
    RUNS.c.end_time,
).where(_AmongIds(RUNS.c.id), RUNS.c.deleted_at.is_(None))
_ASKED = VERSIONS.alias("asked")
_NUMBERED = _numbered(sa.select(_ASKED.c.dataset_id).where(_AmongIds(_ASKED.c.id))).subquery()
_VERSION_NODES = (
    sa.select(
        _NUMBERED.c.id,
        DATASETS.c.name.label("dataset"),
        _NUMBERED.c.number.label("version"),
        _NUMBERED.c.fingerprint,
        _NUMBERED.c.role,
        _NUMBERED.c.n_rows,
        _NUMBERED.c.n_columns,
        _NUMBERED.c.parent_version_id,
        _NUMBERED.c.created_at,
    )
    .join(DATASETS, DATASETS.c.id == _NUMBERED.c.dataset_id)
    .where(_AmongIds(_NUMBERED.c.id))
)
_FIRST_NAMED = (
    sa.select(RUN_ARTIFACTS.c.name, RUN_ARTIFACTS.c.kind)
    .where(RUN_ARTIFACTS.c.digest == ARTIFACTS.c.digest)
    .order_by(RUN_ARTIFACTS.c.created_at, RUN_ARTIFACTS.c.name)
    .limit(1)
)
_ARTIFACT_NODES = sa.select(
    ARTIFACTS.c.digest,
    _FIRST_NAMED.with_only_columns(RUN_ARTIFACTS.c.name).scalar_subquery().label("name"),
    _FIRST_NAMED.with_only_columns(RUN_ARTIFACTS.c.kind).scalar_subquery().label("kind"),
    ARTIFACTS.c.media_type,
    ARTIFACTS.c.size,
    ARTIFACTS.c.created_at,
).where(_AmongIds(ARTIFACTS.c.digest))
_MODEL_NODES = (
    sa.select(
        MODEL_VERSIONS.c.id,
        MODELS.c.name.label("model"),
        MODEL_VERSIONS.c.version,
        MODEL_VERSIONS.c.run_id,
        MODEL_VERSIONS.c.artifact_digest,
        MODEL_VERSIONS.c.created_at,
    )
    .join(MODELS, MODELS.c.id == MODEL_VERSIONS.c.model_id)
    .where(_AmongIds(MODEL_VERSIONS.c.id))
)


def _run_node(row: Sequence[Any], reasons: list[str]) -> dict[str, Any]:
    run_id, name, status, experiment_id, notebook_path, cell_id, user, start, end = row
    return {
        "id": f"run:{run_id}",
        "kind": "run",
        "label": name,
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "run_id": run_id,
        "status": status,
        "name": name,
        "experiment_id": experiment_id,
        "notebook_path": notebook_path,
        "cell_id": cell_id,
        "user": user,
        "start_time": start,
        "end_time": end,
    }


def _version_node(row: Sequence[Any]) -> dict[str, Any]:
    version_id, dataset, number, fingerprint, role, n_rows, n_columns, parent, created = row
    return {
        "id": f"dataset_version:{version_id}",
        "kind": "dataset_version",
        "label": f"{dataset}@v{number}",
        "stale": False,
        "version_id": version_id,
        "dataset": dataset,
        "version": number,
        "fingerprint": fingerprint,
        "role": role,
        "n_rows": n_rows,
        "n_columns": n_columns,
        "parent_version_id": parent,
        "created_at": created,
    }


def _artifact_node(row: Sequence[Any]) -> dict[str, Any]:
    digest, name, kind, media_type, size, created = row
    return {
        "id": f"artifact:{digest}",
        "kind": "artifact",
        "label": name or digest[:12],
        "stale": False,
        "digest": digest,
        "name": name,
        "artifact_kind": kind,
        "media_type": media_type,
        "size": size,
        "fingerprint": digest,
        "created_at": created,
    }


def _model_node(row: Sequence[Any]) -> dict[str, Any]:
    version_id, model, number, run_id, digest, created = row
    return {
        "id": f"model_version:{version_id}",
        "kind": "model_version",
        "label": f"{model} v{number}",
        "stale": False,
        "version_id": version_id,
        "model": model,
        "version": number,
        "run_id": run_id,
        "fingerprint": digest,
        "created_at": created,
    }


_PLACEHOLDER_FIELDS = {
    "run": ("stale_reasons", "run_id", "status", "name", "experiment_id", "notebook_path",
            "cell_id", "user", "start_time", "end_time"),
    "dataset_version": ("version_id", "dataset", "version", "fingerprint", "role", "n_rows",
                        "n_columns", "parent_version_id", "created_at"),
    "artifact": ("digest", "name", "artifact_kind", "media_type", "size", "fingerprint",
                 "created_at"),
    "model_version": ("version_id", "model", "version", "run_id", "fingerprint", "created_at"),
}  # fmt: skip


def _placeholder(kind: str, key: str) -> dict[str, Any]:
    """A node a lineage event names but whose own row is gone: same fields, unknown."""
    fields: dict[str, Any] = dict.fromkeys(_PLACEHOLDER_FIELDS[kind])
    if kind == "run":
        fields.update(run_id=key, stale_reasons=[])
    elif kind == "artifact":
        fields.update(digest=key, fingerprint=key)
    else:
        fields["version_id"] = int(key)
    return {"id": f"{kind}:{key}", "kind": kind, "label": key, "stale": False, **fields}


@_without_jit
def describe_nodes(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The nodes ``(kind, id)`` that exist, as :func:`graph` shows them (runs with their
    staleness); one query per kind per 10,000 nodes, and one for staleness."""
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, key in keys:
        by_kind[kind].append(key)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    run_rows = _batched(conn, _RUN_NODES, by_kind["run"])
    reasons = stale_runs(conn, [row[0] for row in run_rows]) if run_rows else {}
    for row in run_rows:
        found["run", row[0]] = _run_node(row, reasons.get(row[0], []))
    numbered = {
        "dataset_version": (_VERSION_NODES, _version_node),
        "model_version": (_MODEL_NODES, _model_node),
    }
    for kind, (statement, make) in numbered.items():
        numbers = [int(key) for key in by_kind[kind]]
        for row in _batched(conn, statement, numbers):
            found[kind, str(row[0])] = make(row)
    for row in _batched(conn, _ARTIFACT_NODES, by_kind["artifact"]):
        found["artifact", row[0]] = _artifact_node(row)
    return found


def _batched(conn: Connection, statement: sa.Select, ids: Sequence[Any]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(ids), ID_BATCH):
        rows.extend(conn.execute(statement, {"ids": list(ids[start : start + ID_BATCH])}).all())
    return rows


# ---------------------------------------------------------------------------------------
# Staleness


@functools.cache
def _stale_statement(some: bool) -> sa.CompoundSelect:
    """Why runs are stale, one row per reason: (run_id, dataset, number of the version
    read, number of the current version, cell_id, notebook_path); the dataset columns are
    null for a code change. ``some`` limits it to the runs in ``:ids``.

    Both halves are window functions over one row source each, with index lookups and no
    joins between derived tables, so that neither planner can pick a nested scan.
    """
    events, runs, read = EVENTS.alias("ev"), RUNS.alias("rr"), VERSIONS.alias("dv")
    reads = (
        sa.select(
            read.c.dataset_id,
            read.c.id.label("version_id"),
            sa.literal_column("1", sa.Integer).label("is_read"),
            events.c.run_id,
            sa.cast(sa.null(), sa.BigInteger).label("seen"),
        )
        .select_from(
            events.join(runs, runs.c.id == events.c.run_id).join(
                read, read.c.id == _version_key(events.c.entity_kind, events.c.entity_id)
            )
        )
        .where(
            events.c.direction == "INPUT",
            events.c.entity_kind == "dataset_version",
            runs.c.deleted_at.is_(None),
            *([_AmongIds(events.c.run_id)] if some else []),
        )
        .cte("reads")
    )
    # Every version of the datasets read, with when it was last seen: read or written by
    # a run, else recorded (its events come after its recording). A deleted run's events
    # count: deleting a run does not undo what it wrote.
    version, seen_by = VERSIONS.alias("sv"), EVENTS.alias("se")
    used_at = (
        sa.select(sa.func.max(seen_by.c.created_at))
        .where(
            seen_by.c.entity_kind == "dataset_version",
            seen_by.c.entity_id == sa.cast(version.c.id, sa.String),
        )
        .scalar_subquery()
    )
    versions = sa.select(
        version.c.dataset_id,
        version.c.id,
        sa.literal_column("0", sa.Integer),
        sa.cast(sa.null(), sa.String),
        sa.func.coalesce(used_at, version.c.created_at),
    ).where(version.c.dataset_id.in_(sa.select(reads.c.dataset_id)))
    rows = sa.union_all(sa.select(reads), versions).subquery("rows")
    # A version's number counts the versions up to it; a version's row sorts before the
    # reads of it.
    numbered = sa.select(
        rows,
        sa.func.sum(sa.case((rows.c.is_read == 0, 1), else_=0))
        .over(
            partition_by=rows.c.dataset_id,
            order_by=(rows.c.version_id, rows.c.is_read),
            rows=(None, 0),
        )
        .label("number"),
    ).subquery("numbered")
    latest_first = (
        numbered.c.is_read,
        numbered.c.seen.desc(),
        numbered.c.version_id.desc(),
    )
    current = sa.select(
        numbered,
        sa.func.first_value(numbered.c.version_id)
        .over(partition_by=numbered.c.dataset_id, order_by=latest_first)
        .label("current_id"),
        sa.func.first_value(numbered.c.number)
        .over(partition_by=numbered.c.dataset_id, order_by=latest_first)
        .label("current_number"),
    ).subquery("current")
    own = EVENTS.alias("own")
    changed_data = sa.select(
        current.c.run_id,
        sa.select(DATASETS.c.name).where(DATASETS.c.id == current.c.dataset_id).scalar_subquery(),
        current.c.number,
        current.c.current_number,
        sa.cast(sa.null(), sa.String),
        sa.cast(sa.null(), sa.Text),
    ).where(
        current.c.is_read == 1,
        current.c.version_id != current.c.current_id,
        ~sa.exists().where(  # the run read or wrote the current version itself
            own.c.run_id == current.c.run_id,
            own.c.entity_kind == "dataset_version",
            own.c.entity_id == sa.cast(current.c.current_id, sa.String),
        ),
    )
    # The latest run of each cell carries the cell's current code.
    cells, cell_of = RUNS.alias("cr"), RUNS.alias("cw")
    newest_first = (cells.c.start_time.desc(), cells.c.id.desc())
    same_cell = (cells.c.notebook_path, cells.c.cell_id)
    latest = (
        sa.select(
            cells.c.id,
            cells.c.notebook_path,
            cells.c.cell_id,
            cells.c.code_hash,
            sa.func.first_value(cells.c.id)
            .over(partition_by=same_cell, order_by=newest_first)
            .label("newest_id"),
            sa.func.first_value(cells.c.code_hash)
            .over(partition_by=same_cell, order_by=newest_first)
            .label("newest_hash"),
        )
        .where(
            cells.c.deleted_at.is_(None),
            cells.c.notebook_path.is_not(None),
            cells.c.cell_id.is_not(None),
            *(
                [
                    sa.tuple_(*same_cell).in_(
                        sa.select(cell_of.c.notebook_path, cell_of.c.cell_id).where(
                            _AmongIds(cell_of.c.id)
                        )
                    )
                ]
                if some
                else []
            ),
        )
        .subquery("latest")
    )
    changed_code = sa.select(
        latest.c.id,
        sa.cast(sa.null(), sa.String),
        sa.cast(sa.null(), sa.Integer),
        sa.cast(sa.null(), sa.Integer),
        latest.c.cell_id,
        latest.c.notebook_path,
    ).where(
        latest.c.newest_id != latest.c.id,
        latest.c.newest_hash != latest.c.code_hash,
        *([_AmongIds(latest.c.id)] if some else []),
    )
    return sa.union_all(changed_data, changed_code)


@_without_jit
def stale_runs(conn: Connection, run_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The stale runs among ``run_ids`` (all runs when ``None``), with why.

    Parameters
    ----------
    conn
        A connection to the store.
    run_ids
        The runs to check; ids of unknown or deleted runs are ignored.

    Returns
    -------
    dict
        Run id -> reasons, e.g. ``"read data/train.csv v2; v3 is newer"`` or ``"the
        cell's code changed since (a later run of cell 7f3a in analysis.ipynb)"``; runs
        that are not stale are left out.
    """
    if run_ids is None:
        rows = list(conn.execute(_stale_statement(False)))
    else:
        if isinstance(run_ids, str):
            raise InvalidInputError(
                "run_ids is a list of run ids; for one run use is_stale(conn, run_id)"
            )
        ids = list(dict.fromkeys(run_id for run_id in run_ids if isinstance(run_id, str)))
        # Every step from the runs is an index lookup; PostgreSQL, which cannot tell how
        # few rows each yields, would otherwise scan small tables over and over.
        with _postgres_settings(conn, enable_seqscan="off"):
            rows = _batched(conn, _stale_statement(True), ids)
    data: dict[str, list[tuple[str, str]]] = {}
    code: dict[str, str] = {}
    for run_id, dataset, read, now, cell_id, notebook in rows:
        if dataset is None:
            code[run_id] = (
                f"the cell's code changed since (a later run of cell {cell_id} in {notebook})"
            )
        elif now > read:
            data.setdefault(run_id, []).append(
                (dataset, f"read {dataset} v{read}; v{now} is newer")
            )
        else:
            data.setdefault(run_id, []).append(
                (dataset, f"read {dataset} v{read}; it has changed back to v{now} since")
            )
    result = {}
    for run_id in sorted(data.keys() | code.keys()):
        reasons = [reason for _, reason in sorted(data.get(run_id, []))]
        result[run_id] = reasons + ([code[run_id]] if run_id in code else [])
    return result


@_without_jit
def is_stale(conn: Connection, run_id: str) -> list[str]:
    """Why the run is stale (an empty list when it is not); see :func:`stale_runs`.

    Raises
    ------
    NotFoundError
        When there is no such run, or it was deleted.
    """
    _check_node("run", run_id)
    if _run_rows(conn, [run_id]) == {}:
        raise NotFoundError(_not_found("run", run_id))
    return stale_runs(conn, [run_id]).get(run_id, [])


# ---------------------------------------------------------------------------------------
# Exports

_RUN_ROWS = sa.select(RUNS).where(_AmongIds(RUNS.c.id), RUNS.c.deleted_at.is_(None))
_RUN_EVENTS = (
    sa.select(
        EVENTS.c.run_id,
        EVENTS.c.entity_kind,
        EVENTS.c.entity_id,
        EVENTS.c.direction,
        EVENTS.c.created_at,
    )
    .where(_AmongIds(EVENTS.c.run_id), EVENTS.c.direction.in_(("INPUT", "OUTPUT")))
    .order_by(EVENTS.c.id)
)
_SCHEMAS = sa.select(VERSIONS.c.id, VERSIONS.c.schema).where(_AmongIds(VERSIONS.c.id))


def _run_rows(conn: Connection, run_ids: Sequence[str]) -> dict[str, Any]:
    return {row.id: row for row in _batched(conn, _RUN_ROWS, run_ids)}


def _events(conn: Connection, run_ids: Sequence[str]) -> list[Any]:
    """The run's lineage events in the order recorded, each entity once per direction."""
    rows = _batched(conn, _RUN_EVENTS, run_ids)
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for row in rows:
        key = (row.run_id, row.entity_kind, row.entity_id, row.direction)
        if key not in seen and row.entity_kind != "run" and _well_formed(key[1:3]):
            seen.add(key)
            unique.append(row)
    return unique


def _iso(ms: int) -> str:
    """Milliseconds since the epoch as ISO 8601 in UTC, e.g. 2024-05-01T09:30:00.250+00:00."""
    moment = datetime.fromtimestamp(ms // 1000, timezone.utc).replace(microsecond=ms % 1000 * 1000)
    return moment.isoformat(timespec="milliseconds")


PRODUCER = f"https://pypi.org/project/mlops-jlab/{__version__}/"
OPENLINEAGE_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACETS = "https://openlineage.io/spec/facets"
# The schema each facet declares, as the generated classes of openlineage-python 1.54 do.
FACET_SCHEMAS = {
    "version": f"{_FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
    "schema": f"{_FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "outputStatistics": f"{_FACETS}/1-0-2/OutputStatisticsOutputDatasetFacet.json"
    "#/$defs/OutputStatisticsOutputDatasetFacet",
    "jobType": f"{_FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "sourceCode": f"{_FACETS}/1-0-1/SourceCodeJobFacet.json#/$defs/SourceCodeJobFacet",
    "errorMessage": f"{_FACETS}/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
    "parent": f"{_FACETS}/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
}
_JOB_TYPES = {"cell": "NOTEBOOK_CELL", "job": "NOTEBOOK", "script": "SCRIPT"}
_FAILED = ("failed", "crashed", "interrupted")
_HEX_ID = re.compile("[0-9a-f]{32}")


def _run_uuid(run_id: str) -> str:
    """A run id (32 hex digits) as the UUID OpenLineage wants; any other id maps to a
    stable name-based UUID."""
    if _HEX_ID.fullmatch(run_id):
        return str(uuid.UUID(hex=run_id))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:mlops-jlab:run:{run_id}"))


def _job_name(run: Any) -> str:
    """The job a run is one execution of: its notebook cell, its notebook, or its name."""
    if run.notebook_path and run.cell_id:
        return f"{run.notebook_path}#{run.cell_id}"
    return run.notebook_path or run.name


def _facet(name: str, producer: str, **fields: Any) -> dict[str, Any]:
    return {
        "_producer": producer,
        "_schemaURL": FACET_SCHEMAS[name],
        **{key: value for key, value in fields.items() if value is not None},
    }


def _schema_fields(schema: Any) -> list[dict[str, Any]]:
    """A dataset version's ``[{"name", "dtype"}, ...]`` as schema facet fields."""
    fields = []
    for position, column in enumerate(schema if isinstance(schema, list) else [], start=1):
        if isinstance(column, dict) and isinstance(column.get("name"), str):
            field: dict[str, Any] = {"name": column["name"]}
            if column.get("dtype") is not None:
                field["type"] = str(column["dtype"])
            fields.append({**field, "ordinal_position": position, "fields": []})
    return fields


def _ol_dataset(
    entity: dict[str, Any], schema: Any, output: bool, namespace: str, producer: str
) -> dict[str, Any]:
    kind = entity["kind"]
    if kind == "dataset_version":
        name = entity["dataset"] or entity["id"]
        version = entity["fingerprint"] or str(entity["version_id"])
    elif kind == "artifact":
        name = f"artifacts/{entity['name'] or entity['digest']}"
        version = entity["digest"]
    else:
        name = f"models/{entity['model'] or entity['version_id']}"
        version = str(entity["version"] or entity["version_id"])
    facets = {"version": _facet("version", producer, datasetVersion=version)}
    fields = _schema_fields(schema)
    if fields:
        facets["schema"] = _facet("schema", producer, fields=fields)
    dataset = {"namespace": namespace, "name": name, "facets": facets}
    if not output:
        return {**dataset, "inputFacets": {}}
    counts = {"rowCount": entity.get("n_rows"), "size": entity.get("size")}
    statistics = {k: v for k, v in counts.items() if v is not None}
    return {
        **dataset,
        "outputFacets": (
            {"outputStatistics": _facet("outputStatistics", producer, **statistics)}
            if statistics
            else {}
        ),
    }


@_without_jit
def openlineage_events(
    conn: Connection, run_id: str, namespace: str = "mlops-jlab", producer: str = PRODUCER
) -> list[dict[str, Any]]:
    """The run as OpenLineage run events: ``START``, then ``COMPLETE`` (finished) or
    ``FAIL`` (failed, crashed or interrupted); a running run has only ``START``.

    Parameters
    ----------
    conn
        A connection to the store.
    run_id
        The run.
    namespace
        The OpenLineage namespace of the job and of the datasets.
    producer
        The URI that names what produced the events.

    Returns
    -------
    list of dict
        JSON-able events, as ``openlineage-python`` serialises them. The job is the
        notebook cell (``<notebook>#<cell id>``), else the notebook, else the run name;
        START lists the inputs (and, while the run runs, the outputs so far), the last
        event the inputs and outputs. Each dataset carries a ``version`` facet (the
        content fingerprint, an artifact's digest or a model's version number) and, when
        its schema is known, a ``schema`` facet; outputs their row count or size.

    Raises
    ------
    NotFoundError
        When there is no such run, or it was deleted.
    """
    _check_node("run", run_id)
    run = _run_rows(conn, [run_id]).get(run_id)
    if run is None:
        raise NotFoundError(_not_found("run", run_id))
    events = _events(conn, [run_id])
    described = describe_nodes(conn, {(e.entity_kind, e.entity_id) for e in events})
    version_ids = [int(e.entity_id) for e in events if e.entity_kind == "dataset_version"]
    schemas = {str(row.id): row.schema for row in _batched(conn, _SCHEMAS, version_ids)}

    def datasets(direction: str) -> list[dict[str, Any]]:
        return [
            _ol_dataset(
                described.get((e.entity_kind, e.entity_id))
                or _placeholder(e.entity_kind, e.entity_id),
                schemas.get(e.entity_id) if e.entity_kind == "dataset_version" else None,
                direction == "OUTPUT",
                namespace,
                producer,
            )
            for e in events
            if e.direction == direction
        ]

    inputs, outputs = datasets("INPUT"), datasets("OUTPUT")
    job_facets = {
        "jobType": _facet(
            "jobType",
            producer,
            processingType="BATCH",
            integration="MLOPS_JLAB",
            jobType=_JOB_TYPES.get(run.kind, "TASK"),
        )
    }
    if run.code:
        job_facets["sourceCode"] = _facet(
            "sourceCode", producer, language="python", sourceCode=run.code
        )
    run_facets: dict[str, Any] = {}
    parent = _run_rows(conn, [run.parent_id]).get(run.parent_id) if run.parent_id else None
    if parent is not None:
        run_facets["parent"] = _facet(
            "parent",
            producer,
            run={"runId": _run_uuid(parent.id), "facets": {}},
            job={"namespace": namespace, "name": _job_name(parent), "facets": {}},
        )

    def event(kind: str, ms: int, facets: dict, inputs: list, outputs: list) -> dict[str, Any]:
        return {
            "eventTime": _iso(ms),
            "producer": producer,
            "schemaURL": OPENLINEAGE_SCHEMA,
            "eventType": kind,
            "run": {"runId": _run_uuid(run.id), "facets": facets},
            "job": {"namespace": namespace, "name": _job_name(run), "facets": job_facets},
            "inputs": inputs,
            "outputs": outputs,
        }

    if run.status == "running":
        return [event("START", run.start_time, run_facets, inputs, outputs)]
    ended = run.end_time or run.heartbeat or run.start_time
    final_facets = dict(run_facets)
    if run.status in _FAILED:
        lines = [line for line in (run.error or "").splitlines() if line.strip()]
        final_facets["errorMessage"] = _facet(
            "errorMessage",
            producer,
            message=lines[-1].strip() if lines else f"the run {run.status}",
            programmingLanguage="python",
            stackTrace=run.error or None,
        )
    final = "FAIL" if run.status in _FAILED else "COMPLETE"
    return [
        event("START", run.start_time, run_facets, inputs, []),
        event(final, ended, final_facets, inputs, outputs),
    ]


PROV_PREFIXES = {
    "mlops": "urn:mlops-jlab:",
    **{kind: f"urn:mlops-jlab:{kind}:" for kind in KINDS},
    "user": "urn:mlops-jlab:user:",
}
_PROV_TYPES = {
    "dataset_version": "mlops:DatasetVersion",
    "artifact": "mlops:Artifact",
    "model_version": "mlops:ModelVersion",
}
# Node fields a PROV entity keeps, as mlops:<field>.
_PROV_FIELDS = {
    "dataset_version": ("dataset", "version", "fingerprint", "role", "n_rows", "n_columns"),
    "artifact": ("name", "artifact_kind", "media_type", "size", "fingerprint"),
    "model_version": ("model", "version", "run_id", "fingerprint"),
}


def _qname(value: str) -> dict[str, str]:
    return {"$": value, "type": "xsd:QName"}


@_without_jit
def prov_document(conn: Connection, run_ids: Iterable[str]) -> dict[str, Any]:
    """The runs and what they read and wrote as a W3C PROV-JSON document.

    Runs are activities (``run:<id>``) associated with their user as an agent
    (``user:<name>``); dataset versions, artifacts and model versions are entities, with
    ``used`` and ``wasGeneratedBy`` from the lineage events and ``wasDerivedFrom`` from a
    dataset version to its parent version.

    Raises
    ------
    NotFoundError
        When one of the runs does not exist or was deleted.
    """
    if isinstance(run_ids, str):
        raise InvalidInputError("run_ids is a list of run ids, e.g. prov_document(conn, [id])")
    ids = list(dict.fromkeys(run_ids))
    for run_id in ids:
        _check_node("run", run_id)
    runs = _run_rows(conn, ids)
    missing = [run_id for run_id in ids if run_id not in runs]
    if missing:
        raise NotFoundError(_not_found("run", missing[0]))
    events = _events(conn, ids)
    used = {(e.entity_kind, e.entity_id) for e in events}
    entities = describe_nodes(conn, used)
    entities.update({key: _placeholder(*key) for key in used - entities.keys()})
    derived = {
        key: ("dataset_version", str(node["parent_version_id"]))
        for key, node in entities.items()
        if key[0] == "dataset_version" and node["parent_version_id"] is not None
    }
    parents = set(derived.values()) - entities.keys()
    entities.update(describe_nodes(conn, parents))
    entities.update({key: _placeholder(*key) for key in parents - entities.keys()})

    document: dict[str, Any] = {"prefix": dict(PROV_PREFIXES)}
    sections: dict[str, dict[str, Any]] = {}
    counter = iter(range(1, 1 << 62))

    def relation(name: str, **fields: Any) -> None:
        sections.setdefault(name, {})[f"_:{name}{next(counter)}"] = fields

    activities = document["activity"] = {}
    agents: dict[str, Any] = {}
    for run_id in ids:
        run = runs[run_id]
        activity = {
            "prov:type": _qname("mlops:Run"),
            "prov:label": run.name,
            "prov:startTime": _iso(run.start_time),
            "mlops:status": run.status,
        }
        if run.end_time is not None:
            activity["prov:endTime"] = _iso(run.end_time)
        for field, value in (
            ("notebook_path", run.notebook_path),
            ("cell_id", run.cell_id),
            ("code_hash", run.code_hash),
        ):
            if value is not None:
                activity[f"mlops:{field}"] = value
        activities[f"run:{run_id}"] = activity
        if run.user:
            agent = f"user:{quote(run.user, safe='')}"
            agents[agent] = {"prov:type": _qname("prov:Person"), "prov:label": run.user}
            relation("wasAssociatedWith", **{"prov:activity": f"run:{run_id}", "prov:agent": agent})
    document["entity"] = {
        node["id"]: {
            "prov:type": _qname(_PROV_TYPES[kind]),
            "prov:label": node["label"],
            **{
                f"mlops:{field}": node[field]
                for field in _PROV_FIELDS[kind]
                if node.get(field) is not None
            },
        }
        for (kind, _), node in sorted(entities.items(), key=lambda item: _order(item[0]))
    }
    if agents:
        document["agent"] = agents
    for e in events:
        entity, activity = f"{e.entity_kind}:{e.entity_id}", f"run:{e.run_id}"
        if e.direction == "INPUT":
            relation(
                "used",
                **{
                    "prov:activity": activity,
                    "prov:entity": entity,
                    "prov:time": _iso(e.created_at),
                },
            )
        else:
            relation(
                "wasGeneratedBy",
                **{
                    "prov:entity": entity,
                    "prov:activity": activity,
                    "prov:time": _iso(e.created_at),
                },
            )
    for (_, key), (_, parent) in sorted(derived.items(), key=lambda item: _order(item[0])):
        relation(
            "wasDerivedFrom",
            **{
                "prov:generatedEntity": f"dataset_version:{key}",
                "prov:usedEntity": f"dataset_version:{parent}",
            },
        )
    document.update(sections)
    return document


__all__ = [
    "DIRECTIONS",
    "KINDS",
    "MAX_DEPTH",
    "describe_nodes",
    "downstream",
    "graph",
    "is_stale",
    "node",
    "openlineage_events",
    "prov_document",
    "split_node_id",
    "stale_runs",
    "upstream",
]
