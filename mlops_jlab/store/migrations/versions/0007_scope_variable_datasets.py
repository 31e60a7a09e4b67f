"""Variables' datasets scoped to their notebook: earlier versions named a DataFrame's dataset
by the variable alone, so two notebooks' ``X_train`` were versions of one dataset and each
notebook's runs looked stale whenever the other ran.

A dataset that is neither a file (it has no source), a SQL table or query (``sql:``) nor a
URL, and whose name is a Python identifier, was named after a variable. Its versions move to
``<notebook>:<variable>``, one dataset per notebook whose runs read or wrote them; a version
used from several notebooks is copied into each, with each notebook's runs pointing at its
copy. Versions only runs outside any notebook used stay where they are, and a dataset left
without versions is removed. Staleness is computed from the versions when asked, so it
follows at once.

The naming rule is written out here rather than imported, so this migration keeps doing
what it did when the package's code moves on.

Revision ID: 0007
Revises: 0006
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEY_LENGTH = 250

_meta = sa.MetaData()
datasets = sa.Table(
    "datasets",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("source", sa.Text),
    sa.Column("created_at", sa.BigInteger),
)
versions = sa.Table(
    "dataset_versions",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dataset_id", sa.Integer),
    sa.Column("fingerprint", sa.String),
    sa.Column("role", sa.String),
    sa.Column("schema", sa.JSON),
    sa.Column("n_rows", sa.BigInteger),
    sa.Column("n_columns", sa.Integer),
    sa.Column("profile", sa.JSON),
    sa.Column("source", sa.Text),
    sa.Column("query", sa.Text),
    sa.Column("parent_version_id", sa.Integer),
    sa.Column("created_at", sa.BigInteger),
)
events = sa.Table(
    "lineage_events",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.String),
    sa.Column("entity_kind", sa.String),
    sa.Column("entity_id", sa.String),
)
runs = sa.Table("runs", _meta, sa.Column("id", sa.String), sa.Column("notebook_path", sa.Text))
_COPIED = [column.name for column in versions.columns if column.name not in ("id", "dataset_id")]


def _variable_datasets(conn: sa.Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        sa.select(datasets.c.id, datasets.c.name).where(datasets.c.source.is_(None))
    ).all()
    return [(id_, name) for id_, name in rows if name.isidentifier()]


def _uses(conn: sa.Connection, dataset_id: int) -> dict[int, dict[str | None, list[int]]]:
    """Version id -> notebook (None: no notebook) -> the lineage events of its runs."""
    rows = conn.execute(
        sa.select(versions.c.id, runs.c.notebook_path, events.c.id)
        .select_from(
            versions.join(
                events,
                sa.and_(
                    events.c.entity_kind == "dataset_version",
                    events.c.entity_id == sa.cast(versions.c.id, sa.String),
                ),
            ).join(runs, runs.c.id == events.c.run_id)
        )
        .where(versions.c.dataset_id == dataset_id)
    ).all()
    uses: dict[int, dict[str | None, list[int]]] = defaultdict(lambda: defaultdict(list))
    for version_id, notebook, event_id in rows:
        uses[version_id][notebook].append(event_id)
    return uses


def _dataset_for(conn: sa.Connection, name: str, created_at: int, made: dict[str, int]) -> int:
    if name not in made:
        found = conn.execute(sa.select(datasets.c.id).where(datasets.c.name == name)).scalar()
        if found is None:
            found = conn.execute(
                datasets.insert()
                .values(name=name, source=None, created_at=created_at)
                .returning(datasets.c.id)
            ).scalar_one()
        made[name] = found
    return made[name]


def _move(conn: sa.Connection, version: sa.Row, target: int, event_ids: list[int]) -> None:
    """The version into dataset ``target``: moved when nothing else uses it, else copied and
    the given events pointed at the copy. A version of that content already there is used."""
    existing = conn.execute(
        sa.select(versions.c.id).where(
            versions.c.dataset_id == target, versions.c.fingerprint == version.fingerprint
        )
    ).scalar()
    if existing is None:
        values = {name: getattr(version, name) for name in _COPIED}
        existing = conn.execute(
            versions.insert().values(dataset_id=target, **values).returning(versions.c.id)
        ).scalar_one()
    conn.execute(events.update().where(events.c.id.in_(event_ids)).values(entity_id=str(existing)))


def upgrade() -> None:
    conn = op.get_bind()
    made: dict[str, int] = {}
    for dataset_id, variable in _variable_datasets(conn):
        uses = _uses(conn, dataset_id)
        rows = conn.execute(sa.select(versions).where(versions.c.dataset_id == dataset_id)).all()
        for version in rows:
            by_notebook = uses.get(version.id, {})
            for notebook, event_ids in by_notebook.items():
                name = f"{notebook}:{variable}"
                if notebook is None or len(name) > KEY_LENGTH:
                    continue
                target = _dataset_for(conn, name, version.created_at, made)
                _move(conn, version, target, event_ids)
            if by_notebook and None not in by_notebook:
                # Every run that used it now points at a notebook's copy.
                left = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(events)
                    .where(
                        events.c.entity_kind == "dataset_version",
                        events.c.entity_id == str(version.id),
                    )
                ).scalar_one()
                if left == 0:
                    conn.execute(
                        versions.update()
                        .where(versions.c.parent_version_id == version.id)
                        .values(parent_version_id=None)
                    )
                    conn.execute(versions.delete().where(versions.c.id == version.id))
        remaining = conn.execute(
            sa.select(sa.func.count())
            .select_from(versions)
            .where(versions.c.dataset_id == dataset_id)
        ).scalar_one()
        if remaining == 0:
            conn.execute(datasets.delete().where(datasets.c.id == dataset_id))


def downgrade() -> None:
    """Names are not merged back: the scoped datasets stay, as a later version made them."""
