"""The store writes of the REST API's run edits: rename, note, tags, soft delete.

Each function runs on the caller's write transaction, so an edit is applied whole or not
at all. (They belong with the tracking writes in :mod:`mlops_jlab.store.records` once that
module takes them.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.errors import NotFoundError
from mlops_jlab.store import records
from mlops_jlab.store.models import Run, Tag

RUNS = Run.__table__
TAGS = Tag.__table__


def deleted_at(conn: Connection, run_id: str) -> int | None:
    """When the run was deleted (None: it is not); NotFoundError if there is no such run."""
    row = conn.execute(sa.select(RUNS.c.deleted_at).where(RUNS.c.id == run_id)).first()
    if row is None:
        raise NotFoundError(f"no run with id '{run_id}' in this store")
    return row[0]


def set_attributes(conn: Connection, run_id: str, **values: object) -> None:
    """Set the run's ``name``, ``note`` or ``deleted_at``."""
    conn.execute(RUNS.update().where(RUNS.c.id == run_id).values(**values))


def set_tags(conn: Connection, run_id: str, tags: dict[str, str]) -> None:
    """Set tags, replacing the values of keys the run already has."""
    if tags:
        records.upsert_tags(conn, run_id, tags)


def remove_tags(conn: Connection, run_id: str, keys: Sequence[str]) -> None:
    """Remove the run's tags ``keys`` (keys it does not have are ignored)."""
    if keys:
        conn.execute(TAGS.delete().where(TAGS.c.run_id == run_id, TAGS.c.key.in_(list(keys))))


now_ms = records.now_ms
