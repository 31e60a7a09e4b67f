"""Graph walks: the lineage around a node, upstream, downstream or both.

The graph
---------
Nodes are runs and the entities runs read or wrote: dataset versions, artifacts and
model versions, with the ids ``run:<run id>``, ``dataset_version:<id>``,
``artifact:<digest>`` and ``model_version:<id>``; what the registry recorded of a
model version (``registry_event:<id>``: an alias moved, a request made or decided); and
the pipeline versions (``pipeline_version:<id>``) whose jobs (``job:<job id>``) ran the
notebooks whose tracked cells became runs. Edges point the way data flows:

- ``input``: entity -> run, the run read the entity (a lineage event ``INPUT``);
- ``output``: run -> entity, the run produced it (a lineage event ``OUTPUT``);
- ``derived``: parent version -> version (``dataset_versions.parent_version_id``);
- ``registry``: model version -> registry event (``registry_events.model_version_id``).
- ``pipeline``: pipeline version -> job, the job ran it (``jobs.pipeline_version_id``);
- ``job``: job -> run, a tracked cell of the job (``runs.job_id``).

Deleted runs are not in the graph, and no walk passes through one.

:func:`upstream` and :func:`downstream` walk the graph with one recursive SQL query per
direction (:func:`graph` runs both in one statement). Each step looks a node's neighbours
up by index, so the cost follows the size of the lineage found, not of the store.
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

The fields of each kind of node are listed in :mod:`mlops_jlab.lineage.nodes`.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.lineage.nodes import describe_nodes, placeholder
from mlops_jlab.lineage.queries import (
    check_node,
    not_found,
    number_key,
    order,
    postgres_settings,
    version_key,
    well_formed,
)
from mlops_jlab.store.tables import (
    EVENTS,
    JOBS,
    REGISTRY_EVENTS,
    RUNS,
    VERSIONS,
)

DIRECTIONS = {
    "upstream": ("upstream",),
    "downstream": ("downstream",),
    "both": ("upstream", "downstream"),
}
MAX_DEPTH = 1000


def _word(text: str) -> ColumnElement[str]:
    """A constant of ours, typed VARCHAR: PostgreSQL wants one type per recursive column."""
    return sa.cast(sa.literal_column(f"'{text}'"), sa.String)


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
    version = version_key(walk.c.kind, walk.c.id)
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
    events_of = REGISTRY_EVENTS.alias("re")
    if upstream:
        registry = sa.select(
            _word("model_version").label("kind"),
            sa.cast(events_of.c.model_version_id, sa.String).label("id"),
            _word("registry").label("edge"),
        ).where(
            events_of.c.id == number_key(walk.c.kind, walk.c.id, "registry_event"),
            events_of.c.model_version_id.is_not(None),
        )
    else:
        registry = sa.select(
            _word("registry_event").label("kind"),
            sa.cast(events_of.c.id, sa.String).label("id"),
            _word("registry").label("edge"),
        ).where(
            events_of.c.model_version_id == number_key(walk.c.kind, walk.c.id, "model_version"),
            events_of.c.kind != "registered",
        )
    jobs = JOBS.alias("j")
    job_runs = RUNS.alias("jr")
    if upstream:
        # A run leads to its job, a job to the pipeline version it ran.
        of_job = sa.select(
            _word("job").label("kind"),
            job_runs.c.job_id.label("id"),
            _word("job").label("edge"),
        ).where(
            walk.c.kind == "run",
            job_runs.c.id == walk.c.id,
            job_runs.c.job_id.is_not(None),
            job_runs.c.deleted_at.is_(None),
        )
        pipeline = sa.select(
            _word("pipeline_version").label("kind"),
            sa.cast(jobs.c.pipeline_version_id, sa.String).label("id"),
            _word("pipeline").label("edge"),
        ).where(
            walk.c.kind == "job",
            jobs.c.id == walk.c.id,
            jobs.c.pipeline_version_id.is_not(None),
        )
    else:
        # A pipeline version leads to the jobs that ran it (``ix_jobs_version``), a job to
        # its runs (``ix_runs_job``).
        of_job = sa.select(
            _word("run").label("kind"),
            job_runs.c.id.label("id"),
            _word("job").label("edge"),
        ).where(
            walk.c.kind == "job",
            job_runs.c.job_id == walk.c.id,
            job_runs.c.deleted_at.is_(None),
        )
        pipeline = sa.select(
            _word("job").label("kind"),
            sa.cast(jobs.c.id, sa.String).label("id"),
            _word("pipeline").label("edge"),
        ).where(
            jobs.c.pipeline_version_id == number_key(walk.c.kind, walk.c.id, "pipeline_version")
        )
    return [of_run, of_entity, derived, registry, of_job, pipeline]


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
    events_of = REGISTRY_EVENTS.alias("re")
    selects.append(
        sa.select(
            _word("model_version"),
            sa.cast(events_of.c.model_version_id, sa.String),
            _word("registry_event"),
            sa.cast(events_of.c.id, sa.String),
            _word("registry"),
        ).where(events_of.c.model_version_id.is_not(None), events_of.c.kind != "registered")
    )
    jobs = JOBS.alias("j")
    selects.append(
        sa.select(
            _word("pipeline_version"),
            sa.cast(jobs.c.pipeline_version_id, sa.String),
            _word("job"),
            sa.cast(jobs.c.id, sa.String),
            _word("pipeline"),
        ).where(jobs.c.pipeline_version_id.is_not(None))
    )
    job_runs = RUNS.alias("jr")
    selects.append(
        sa.select(
            _word("job"),
            sa.cast(job_runs.c.job_id, sa.String),
            _word("run"),
            sa.cast(job_runs.c.id, sa.String),
            _word("job"),
        ).where(job_runs.c.job_id.is_not(None), job_runs.c.deleted_at.is_(None))
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
    # the whole events table on every step when ANALYZE statistics exist.
    one_row = sa.func.likelihood(w.c.id.is_not(None), sa.literal_column("0.000001"))
    return walk.union(*[_reorder(select.where(one_row), bounded) for select in steps])


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


def graph(
    conn: Connection, kind: str, id: str | int, direction: str = "both", depth: int | None = None
) -> dict[str, Any]:
    """The lineage of a node: what it came from, what came of it, or both.

    Parameters
    ----------
    conn
        A connection to the store (``Store.read()``).
    kind, id
        The node: ``"run"`` or ``"job"`` and its id, ``"dataset_version"``,
        ``"model_version"``, ``"pipeline_version"`` or ``"registry_event"`` and its number,
        or ``"artifact"`` and its digest.
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
    kind, key = check_node(kind, id)
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
    # reached. Before a table has statistics (a new store, until autovacuum analyzes it),
    # it takes a runs table of a few hundred rows for cheaper to scan than to look up by
    # key, then scans it for every node: up to eight times slower. Each step has its index.
    with postgres_settings(conn, enable_seqscan="off"):
        rows = conn.execute(statement, params).all()
    root = (kind, key)
    keys = {root}
    edges = set()
    for found_kind, found_id, via_kind, via_id, edge, way in rows:
        found, via = (found_kind, found_id), (via_kind, via_id)
        if via_kind is None or not (well_formed(found) and well_formed(via)):
            continue
        source, target = (found, via) if way == "upstream" else (via, found)
        keys.update((found, via))
        edges.add((f"{source[0]}:{source[1]}", f"{target[0]}:{target[1]}", edge))
    described = describe_nodes(conn, keys)
    if root not in described:
        raise NotFoundError(not_found(kind, key))
    ordered = [root, *sorted(keys - {root}, key=order)]
    return {
        "root": f"{kind}:{key}",
        "nodes": [described.get(node) or placeholder(*node) for node in ordered],
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


def node(conn: Connection, kind: str, id: str | int) -> dict[str, Any]:
    """One node as :func:`graph` shows it; NotFoundError if it does not exist."""
    kind, key = check_node(kind, id)
    found = describe_nodes(conn, [(kind, key)]).get((kind, key))
    if found is None:
        raise NotFoundError(not_found(kind, key))
    return found
