"""Schema migrations, run automatically when a store is opened.

``HEAD`` is the newest revision this package knows; a store already at ``HEAD`` opens
without loading Alembic at all, so opening a store stays cheap in every kernel.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mlops_jlab.errors import StoreVersionError

HEAD = "0015"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Serializes concurrent first opens of one PostgreSQL store (any constant works).
_PG_MIGRATION_LOCK = 0x6D6C6F7073


def current_revision(conn: Connection) -> str | None:
    """The revision a store is at, or None for an empty database."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(connection: Connection | None = None):
    """An Alembic configuration for this package's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def upgrade(engine: Engine, kind: str, revision: str = "head") -> None:
    """Bring the store to ``revision`` in one transaction that holds the write lock, so
    two processes opening a new store at once do not both create it."""
    from alembic import command

    with engine.begin() as conn:
        if kind == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        current = current_revision(conn)
        if current is not None and current not in known_revisions():
            raise StoreVersionError(
                f"this store was written by a newer mlops-jlab (schema revision {current}); "
                "upgrade mlops-jlab (pip install -U mlops-jlab) to open it"
            )
        if current == revision:
            return
        command.upgrade(alembic_config(conn), revision)
