"""The query paths made for a million runs give what a check of every run gives, on SQLite
and PostgreSQL: an experiment's pages read from its part of the index, and orderings by a
key few or no runs have."""

from __future__ import annotations

import sqlalchemy as sa

from mlops_jlab.store import search, writes
from mlops_jlab.store.tables import RUNS


def walk(tracker, page_size: int, **query) -> list[str]:
    """Every run id of a query, a page of ``page_size`` at a time."""
    seen, token = [], None
    with tracker.store.read() as conn:
        while True:
            page = search.search_runs(conn, max_results=page_size, page_token=token, **query)
            seen += page.run_ids
            if (token := page.next_page_token) is None:
                return seen


def test_an_experiments_pages_hold_its_runs_newest_first_and_nothing_else(tracker):
    # Given runs of two experiments, some started in the same millisecond, one deleted
    ids = {"a": [], "b": []}
    for number in range(24):
        experiment = "a" if number % 3 else "b"
        run = tracker.start_run(name=f"r{number}", experiment=experiment)
        run.end()
        ids[experiment].append(run.id)
    with tracker.store.write() as conn:
        writes.set_run_attributes(conn, ids["a"][0], deleted_at=writes.now_ms())
        rows = conn.execute(sa.select(RUNS.c.id, RUNS.c.start_time)).all()
    start = dict(rows)
    # When an experiment's runs are read in pages of 5, and with its deleted runs
    live = walk(tracker, 5, experiment="a")
    every = walk(tracker, 5, experiment="a", include_deleted=True)

    # Then they are its runs, newest first (then by id, descending), each once
    def newest_first(run_ids):
        return sorted(run_ids, key=lambda run_id: (start[run_id], run_id), reverse=True)

    assert live == newest_first(ids["a"][1:])
    assert every == newest_first(ids["a"])
    assert walk(tracker, 5, experiment="b") == newest_first(ids["b"])
    # And an experiment that does not exist has no runs
    assert walk(tracker, 5, experiment="nobody") == []


def test_an_ordering_by_a_key_few_runs_have_puts_them_first_then_every_other_run(tracker):
    # Given 20 runs, of which 3 have the param warm_start and none the metric nope
    runs = []
    for number in range(20):
        run = tracker.start_run(name=f"r{number}")
        run.log_params({"model": "rf"} | ({"warm_start": str(number)} if number % 7 == 0 else {}))
        run.end()
        runs.append(run.id)
    # When they are read in pages of 4 by warm_start descending, and by the missing metric
    by_rare = walk(tracker, 4, order_by=["params.warm_start DESC"])
    by_missing = walk(tracker, 4, order_by=["metrics.nope DESC"])
    # Then the runs with the param come first, by its value, then every other run (ties go
    # by run id, in the direction of the ordering); by a key no run has, every run so
    having = [runs[14], runs[7], runs[0]]
    others = sorted((run_id for run_id in runs if run_id not in having), reverse=True)
    assert by_rare == having + others
    assert by_missing == sorted(runs, reverse=True)
    # And the other way round, from the end of the order
    assert walk(tracker, 4, order_by=["params.warm_start DESC"], reverse=True) == by_rare[::-1]


def test_a_bounded_count_of_one_comparison_counts_what_a_check_of_every_run_counts(tracker):
    # Given 30 runs with a metric, a numeric and a text param, a tag on some; none deleted
    runs = []
    for number in range(30):
        run = tracker.start_run(name=f"r{number}", experiment="a" if number % 2 else "b")
        run.log_params({"depth": number % 7, "model": "rf" if number % 3 else "svm"})
        run.log_metric("acc", number / 30)
        if number % 4 == 0:
            run.set_tag("team", "risk")
        run.end()
        runs.append(run.id)
    filters = [
        "metrics.acc > 0.1",
        "metrics.acc <= 0.5",
        "params.depth >= 3",
        "params.model = 'rf'",
        "tags.team IS NOT NULL",
        "(metrics.acc > 0.1)",
        "metrics.acc > 0.1 AND params.model = 'rf'",
        "NOT metrics.acc > 0.1",
    ]

    def counts(**kwargs):
        with tracker.store.read() as conn:
            return [
                (
                    search.count_runs(conn, text, limit=10, **kwargs),
                    search.count_runs(conn, text, **kwargs),
                )
                for text in filters
            ]

    def check(**kwargs):
        for bounded, exact in counts(**kwargs):
            # Then the bounded count is the exact one, or stops at its bound below it
            assert bounded.complete == (exact.total <= 10)
            assert bounded.total == min(exact.total, 10)

    def by_check(text: str, **kwargs) -> int:
        return len(walk(tracker, 7, filter=text, **kwargs))

    # When each filter is counted up to a bound of 10, and every match counted
    check()
    check(experiment="a")
    # And with deleted runs, with and without them
    with tracker.store.write() as conn:
        for run_id in runs[20:]:
            writes.set_run_attributes(conn, run_id, deleted_at=writes.now_ms())
    check()
    check(include_deleted=True)
    with tracker.store.read() as conn:
        for text in filters:
            exact = search.count_runs(conn, text)
            assert exact.total == by_check(text)
            every = search.count_runs(conn, text, include_deleted=True, limit=1000)
            assert every.total == by_check(text, include_deleted=True)
