"""Run names are found by any part of them; params and latest metrics take less room on SQLite.

A search of run names (``name LIKE '%-1234%'``) scanned every run: at a million runs, most
of a second. Names get a trigram index: on SQLite an FTS5 table of the runs' names by
trigrams (``run_names``), kept by triggers on ``runs``; on PostgreSQL a GIN index of
``pg_trgm`` on ``runs.name`` (when the server has the extension, a contrib module Debian's
``postgresql`` package ships; without it names are searched as before). The filter still
checks every candidate's name, so the index only ever narrows the runs read.

On SQLite, ``params`` and ``latest_metrics`` become WITHOUT ROWID tables, stored in their
primary key's order: the primary key's own index, a copy of every row's key, goes (about
420 bytes a run of 5 params and 3 metrics), and so does a lookup from it to the row.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The tables rebuilt on SQLite, with their columns and their secondary indexes.
_PARAMS = """
CREATE TABLE {name} (
    run_id VARCHAR(32) NOT NULL,
    "key" VARCHAR(250) NOT NULL,
    value TEXT NOT NULL,
    value_num FLOAT,
    CONSTRAINT pk_params PRIMARY KEY (run_id, "key"),
    CONSTRAINT fk_params_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE
){rowid}"""
_LATEST = """
CREATE TABLE {name} (
    run_id VARCHAR(32) NOT NULL,
    "key" VARCHAR(250) NOT NULL,
    value FLOAT NOT NULL,
    step BIGINT NOT NULL,
    timestamp BIGINT NOT NULL,
    CONSTRAINT pk_latest_metrics PRIMARY KEY (run_id, "key"),
    CONSTRAINT fk_latest_metrics_run_id_runs FOREIGN KEY(run_id)
        REFERENCES runs (id) ON DELETE CASCADE
){rowid}"""
_TABLES = {
    "params": (
        _PARAMS,
        'run_id, "key", value, value_num',
        [
            'CREATE INDEX ix_params_key_num ON params ("key", value_num, value, run_id)',
            'CREATE INDEX ix_params_key_value ON params ("key", value, run_id)',
        ],
    ),
    "latest_metrics": (
        _LATEST,
        'run_id, "key", value, step, timestamp',
        [
            'CREATE INDEX ix_latest_metrics_key_value ON latest_metrics ("key", value, run_id)',
        ],
    ),
}

# Trigrams of names, with the run each is of: a run's row is added when it is written and
# when it is renamed (a former name's row stays behind: it only makes a candidate the
# filter then turns down). No rowid of runs is kept, as VACUUM may renumber them.
_SQLITE_NAMES = [
    "CREATE VIRTUAL TABLE run_names USING fts5(name, run_id UNINDEXED, "
    "tokenize='trigram', detail='none', columnsize=0)",
    "INSERT INTO run_names (name, run_id) SELECT name, id FROM runs",
    "CREATE TRIGGER run_names_insert AFTER INSERT ON runs BEGIN "
    "INSERT INTO run_names (name, run_id) VALUES (new.name, new.id); END",
    "CREATE TRIGGER run_names_rename AFTER UPDATE OF name ON runs "
    "WHEN new.name IS NOT old.name BEGIN "
    "INSERT INTO run_names (name, run_id) VALUES (new.name, new.id); END",
]


def _sqlite_has_trigrams(conn: sa.Connection) -> bool:
    """Whether this SQLite builds FTS5 tables with the trigram tokenizer (3.34 and later)."""
    try:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')"
        )
    except sa.exc.OperationalError:
        return False
    conn.exec_driver_sql("DROP TABLE temp.trigram_probe")
    return True


def _rebuild(conn: sa.Connection, table: str, rowid: str) -> None:
    ddl, columns, indexes = _TABLES[table]
    conn.exec_driver_sql(ddl.format(name=f"{table}_rebuilt", rowid=rowid))
    conn.exec_driver_sql(
        f"INSERT INTO {table}_rebuilt ({columns}) SELECT {columns} FROM {table} ORDER BY run_id"
    )
    conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
    for statement in indexes:
        conn.exec_driver_sql(statement)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for table in _TABLES:
            _rebuild(conn, table, " WITHOUT ROWID")
        if _sqlite_has_trigrams(conn):
            for statement in _SQLITE_NAMES:
                conn.exec_driver_sql(statement)
        return
    # pg_trgm is a trusted extension (PostgreSQL 13 and later): the store's owner may
    # create it. A server without it keeps searching names by a scan.
    available = conn.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).first()
    if available is None:
        return
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.ProgrammingError:
        return  # not ours to create on this server (a role without CREATE on the database)
    conn.exec_driver_sql("CREATE INDEX ix_runs_name_trigrams ON runs USING gin (name gin_trgm_ops)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS run_names_rename")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS run_names_insert")
        conn.exec_driver_sql("DROP TABLE IF EXISTS run_names")
        for table in _TABLES:
            _rebuild(conn, table, "")
        return
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_runs_name_trigrams")
