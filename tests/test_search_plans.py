"""The first page of runs, read from either end of the order, comes from an index read
forwards or backwards: the database's plan holds no sort of all runs (SQLite's EXPLAIN
QUERY PLAN, PostgreSQL's EXPLAIN with sorting priced out wherever an index can do)."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import event

from mlops_jlab.store import search, writes

ORDERS = [None, "start_time", "metrics.acc DESC", "metrics.acc", "params.lr", "params.lr DESC"]
# A sort of every matching run; SQLite's "RIGHT PART OF ORDER BY" and PostgreSQL's
# incremental sort only order the runs that tie on an indexed key.
FULL_SORT = re.compile(r"USE TEMP B-TREE FOR ORDER BY|^\s*(->\s+)?Sort\s+\(", re.MULTILINE)


@pytest.fixture
def store(tracker):
    with tracker.store.write() as conn:
        experiment = writes.ensure_experiment(conn, "plans")
        for number in range(50):
            run_id = uuid.uuid4().hex
            writes.insert_run(
                conn,
                {
                    "id": run_id,
                    "experiment_id": experiment,
                    "name": f"run-{number}",
                    "kind": "script",
                    "status": "finished",
                    "start_time": number,
                },
            )
            writes.insert_params(conn, run_id, {"lr": str(number / 100)})
            writes.insert_metrics(conn, run_id, [("acc", number / 50, 0, 0)])
    return tracker.store


def plans(store, order_by: str | None, reverse: bool) -> list[str]:
    """The plan of each query a first page runs."""
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(store._read_engine, "before_cursor_execute", keep)
    try:
        with store.read() as conn:
            search.search_runs(conn, order_by=order_by, max_results=10, reverse=reverse)
    finally:
        event.remove(store._read_engine, "before_cursor_execute", keep)
    found = []
    with store.read() as conn:
        if store.kind == "postgresql":
            conn.exec_driver_sql("SET enable_sort = off")
        for statement, parameters in statements:
            explain = "EXPLAIN QUERY PLAN " if store.kind == "sqlite" else "EXPLAIN "
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            found.append("\n".join(str(row[-1 if store.kind == "sqlite" else 0]) for row in rows))
        if store.kind == "postgresql":
            conn.exec_driver_sql("RESET enable_sort")
    return found


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("order_by", ORDERS)
def test_a_first_page_reads_an_index_in_either_direction(store, order_by, reverse):
    # Given runs with a param and a metric, when a first page is read from either end
    found = plans(store, order_by, reverse)
    # Then no query of it sorts every run: an index gives the order
    assert found
    for plan in found:
        assert not FULL_SORT.search(plan), plan
