"""Many rows into one table at once: a long metric history is written in a few statements,
not a statement per point.

SQLite takes a multi-row ``INSERT ... VALUES (...), (...)`` of as many rows as its limit of
bound variables allows (about twice as fast as running a one-row statement per row, which
also pays for every row's call into the driver); PostgreSQL takes them by ``COPY``, which
streams the rows without a statement at all.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
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
        _sqlite_insert(conn, table, columns, itertools.chain.from_iterable(rows))
    elif copies(conn) and types is not None:
        # Binary: a third of the time of text, which is formatted and parsed value by value
        with _copy(conn, table, columns) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
    else:
        statement = sa.table(table, *(sa.column(name) for name in columns)).insert()
        conn.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])


# A block of rows: per column, one value that every row has (a run id, a key) or a NumPy
# array of the rows' values; the arrays of a block are as long as each other.
Block = Sequence[Any]


def insert_blocks(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    blocks: Iterable[Block],
    types: Sequence[str],
) -> None:
    """Insert blocks of rows (:data:`Block`) into ``table``, as :func:`insert_rows` does,
    without making a Python object per row where the driver needs none: PostgreSQL gets
    the binary COPY data made by NumPy, in one piece. A long metric history is written so:
    a tuple per row made the writer's thread take longer than the server, mostly in the
    garbage collections so many new objects set off, each walking the kernel's objects."""
    columns = tuple(columns)
    if conn.dialect.name == "sqlite":
        _sqlite_insert(conn, table, columns, _flat(blocks))
    elif copies(conn):
        encoding = conn.connection.driver_connection.info.encoding
        with _copy(conn, table, columns) as copy:  # the whole format, trailer included
            copy.write(_COPY_HEADER)
            for block in blocks:
                copy.write(_binary_rows(block, types, encoding))
            copy.write(_COPY_TRAILER)
    else:
        insert_rows(conn, table, columns, rows_of(blocks))


def _block_length(block: Block) -> int:
    return next(len(column) for column in block if isinstance(column, np.ndarray))


def _columns_of(block: Block) -> list[Iterable[Any]]:
    """The block's columns as Python values (ints and floats, not NumPy's)."""
    length = _block_length(block)
    return [
        column.tolist() if isinstance(column, np.ndarray) else itertools.repeat(column, length)
        for column in block
    ]


def rows_of(blocks: Iterable[Block]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``blocks``, as tuples of Python values."""
    for block in blocks:
        yield from zip(*_columns_of(block), strict=True)


def _flat(blocks: Iterable[Block]) -> Iterator[Any]:
    # Each row's tuple is let go before the next is made, so zip makes it once, not per row
    for block in blocks:
        yield from itertools.chain.from_iterable(zip(*_columns_of(block), strict=True))


def _sqlite_insert(conn: Connection, table: str, columns: tuple[str, ...], values: Iterator):
    """Insert the rows whose values ``values`` gives one after another, row by row."""
    into = f"INSERT INTO {_target(conn, table, columns)}"
    driver = conn.connection.driver_connection
    per_statement = _sqlite_variables(driver) // len(columns)
    cursor = driver.cursor()
    try:
        while chunk := list(itertools.islice(values, per_statement * len(columns))):
            sql = _values_sql(into, len(columns), len(chunk) // len(columns))
            cursor.execute(sql, chunk)
    finally:
        cursor.close()


def copies(conn: Connection) -> bool:
    """Whether the connection takes rows by ``COPY`` (PostgreSQL through psycopg)."""
    dialect = conn.dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@contextlib.contextmanager
def _copy(conn: Connection, table: str, columns: tuple[str, ...]) -> Iterator[Any]:
    copy_sql = f"COPY {_target(conn, table, columns)} FROM STDIN (FORMAT BINARY)"
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        yield copy


# PostgreSQL's binary COPY format: a signature, flags and header extension, then per row
# its number of fields and, per field, its length and its bytes (big-endian); -1 ends it.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_BINARY = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float4": ">f4", "float8": ">f8"}
_TEXT = ("varchar", "text")


def _binary_rows(block: Block, types: Sequence[str], encoding: str) -> bytes:
    """The block's rows in PostgreSQL's binary COPY format: one NumPy record per row, its
    fields' lengths and values side by side, values big-endian as the format has them."""
    length = _block_length(block)
    fields: list[tuple[str, str]] = [("count", ">i2")]
    values: dict[str, Any] = {"count": len(block)}
    for index, (column, kind) in enumerate(zip(block, types, strict=True)):
        if kind in _TEXT:
            if isinstance(column, np.ndarray):
                raise TypeError("a text column of a block has one value for every row")
            data = column.encode(encoding)
            fields.append((f"size{index}", ">i4"))
            values[f"size{index}"] = len(data)
            if data:
                fields.append((f"value{index}", f"S{len(data)}"))
                values[f"value{index}"] = data
            continue
        dtype = np.dtype(_BINARY[kind])
        fields.append((f"size{index}", ">i4"))
        values[f"size{index}"] = dtype.itemsize
        fields.append((f"value{index}", dtype.str))
        values[f"value{index}"] = column
    records = np.empty(length, dtype=fields)
    for name, value in values.items():
        records[name] = value
    return records.tobytes()


def stage(
    conn: Connection, like: str, columns: Sequence[str], types: Sequence[str], rows: Iterable
) -> str:
    """PostgreSQL: ``rows`` copied into a temporary table shaped like table ``like``, for
    one ``INSERT ... SELECT ... ON CONFLICT`` in place of a statement per row (which is
    what an executemany of an upsert is). The table is this connection's, and is emptied
    when the transaction ends. Returns its name."""
    name = _staging_table(conn, like)
    insert_rows(conn, name, columns, rows, types)
    return name


def stage_blocks(
    conn: Connection, like: str, columns: Sequence[str], types: Sequence[str], blocks: Iterable
) -> str:
    """:func:`stage` of blocks of rows (:func:`insert_blocks`)."""
    name = _staging_table(conn, like)
    insert_blocks(conn, name, columns, blocks, types)
    return name


def _staging_table(conn: Connection, like: str) -> str:
    name = f"{like}_batch"
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} (LIKE {like}) ON COMMIT DELETE ROWS"
    )
    return name
