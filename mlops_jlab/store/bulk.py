"""Many rows into one table at once: a long metric history is written in a few statements,
not a statement per point.

SQLite takes a multi-row ``INSERT ... VALUES (...), (...)`` of as many rows as its limit of
bound variables allows (about twice as fast as running a one-row statement per row, which
also pays for every row's call into the driver); PostgreSQL takes them by ``COPY``, which
streams the rows without a statement at all.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Bound variables in one statement: SQLite's default limit (32766 since 3.32, 999 before).
# A build may allow more, which makes no faster statement, only longer SQL; or fewer, which
# Python 3.11 and later can ask a connection for.
_SQLITE_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999


def _sqlite_variables(driver_connection: Any) -> int:
    getlimit = getattr(driver_connection, "getlimit", None)
    if getlimit is None:
        return _SQLITE_VARIABLES
    return min(_SQLITE_VARIABLES, getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


@functools.lru_cache(maxsize=32)
def _values_sql(into: str, width: int, rows: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return f"{into} VALUES {', '.join([row] * rows)}"


def _target(conn: Connection, table: str, columns: tuple[str, ...]) -> str:
    """``table (columns)``, quoted where the dialect needs it (``key``, ``timestamp``)."""
    return _quoted(conn.dialect.identifier_preparer, table, columns)


@functools.lru_cache(maxsize=32)
def _quoted(preparer: Any, table: str, columns: tuple[str, ...]) -> str:
    quote = preparer.quote
    return f"{quote(table)} ({', '.join(quote(name) for name in columns)})"


def insert_rows(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    types: Sequence[str] | None = None,
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` in the caller's
    transaction. ``table`` and ``columns`` are the store's own names, never user input;
    ``types``, PostgreSQL's names of the columns' types, let it take them by ``COPY``."""
    columns = tuple(columns)
    dialect = conn.dialect
    if dialect.name == "sqlite":
        into = f"INSERT INTO {_target(conn, table, columns)}"
        driver = conn.connection.driver_connection
        per_statement = _sqlite_variables(driver) // len(columns)
        cursor = driver.cursor()
        try:
            iterator = iter(rows)
            while chunk := list(itertools.islice(iterator, per_statement)):
                sql = _values_sql(into, len(columns), len(chunk))
                cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
        finally:
            cursor.close()
    elif dialect.name == "postgresql" and dialect.driver == "psycopg" and types is not None:
        # Binary: a third of the time of text, which is formatted and parsed value by value
        copy_sql = f"COPY {_target(conn, table, columns)} FROM STDIN (FORMAT BINARY)"
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
    else:
        statement = sa.table(table, *(sa.column(name) for name in columns)).insert()
        conn.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])


def stage(
    conn: Connection, like: str, columns: Sequence[str], types: Sequence[str], rows: Iterable
) -> str:
    """PostgreSQL: ``rows`` copied into a temporary table shaped like table ``like``, for
    one ``INSERT ... SELECT ... ON CONFLICT`` in place of a statement per row (which is
    what an executemany of an upsert is). The table is this connection's, and is emptied
    when the transaction ends. Returns its name."""
    name = f"{like}_batch"
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} (LIKE {like}) ON COMMIT DELETE ROWS"
    )
    insert_rows(conn, name, columns, rows, types)
    return name
