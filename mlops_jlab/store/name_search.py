"""Runs found by part of their name: the candidates of a name filter from the trigram index.

On SQLite, migration 0015 keeps the trigrams of every run's name in the FTS5 table
``run_names``; a ``LIKE``, ``ILIKE`` or ``=`` filter on ``name`` whose pattern holds three
characters in a row reads its candidates there (the runs whose name holds all its trigrams,
in any case: a superset of the runs that match) instead of checking every run's name. The
filter's own condition still decides. PostgreSQL's planner uses the ``pg_trgm`` index of
the same migration by itself.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

TABLE = sa.table("run_names", sa.column("name"), sa.column("run_id"))
PG_INDEX = "ix_runs_name_trigrams"
# A trigram index narrows a pattern by its runs of at least three literal characters.
_LITERAL = re.compile(r"[^%_]{3,}")


def indexed(conn: Connection) -> bool:
    """Whether the store's run names have the trigram table (SQLite built with FTS5's
    trigram tokenizer); asked once per database connection."""
    if conn.dialect.name != "sqlite":
        return False
    info = conn.connection.info
    if "run_names" not in info:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_names'"
        ).first()
        info["run_names"] = found is not None
    return info["run_names"]


def candidates(op: str, value: str) -> sa.Select | None:
    """The ids of the runs whose name may match ``name op value``, from the trigram table;
    None when the index cannot narrow it (no three literal characters in a row, or an
    ILIKE of other letters than ASCII's, which FTS5 and the store fold differently)."""
    if op not in ("LIKE", "ILIKE", "=") or not _LITERAL.search(value):
        return None
    if op == "ILIKE" and not value.isascii():
        return None
    # Every trigram of the value's literal runs (% and _ split them; for = too, which
    # only makes fewer trigrams), each a one-token phrase, as the table folds case: the
    # names holding them all include every name that matches, in any case. Not FTS5's
    # LIKE: SQLite checks its rows again with the store's LIKE, which minds case.
    trigrams = sorted(
        {run[at : at + 3] for run in _LITERAL.findall(value) for at in range(len(run) - 2)}
    )
    query = " AND ".join('"' + trigram.replace('"', '""') + '"' for trigram in trigrams)
    return sa.select(TABLE.c.run_id).where(sa.literal_column(TABLE.name).op("MATCH")(query))


def outside_the_model(difference: tuple[Any, ...]) -> bool:
    """Whether a difference Alembic finds between a store and the data model is the names'
    trigram index (an FTS5 table and its own tables, a pg_trgm index), which the model
    does not describe."""
    kind, item = difference[0], difference[1]
    if kind == "remove_table":
        return item.name == TABLE.name or item.name.startswith(f"{TABLE.name}_")
    return kind == "remove_index" and item.name == PG_INDEX


__all__ = ["PG_INDEX", "TABLE", "candidates", "indexed", "outside_the_model"]
