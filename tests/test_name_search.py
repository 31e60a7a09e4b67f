"""Runs found by part of their name (the trigram index of migration 0015), on SQLite and
PostgreSQL: the same runs in the same order as a check of every run's name, renamed runs
by their new name only, and a store made before the index keeps its runs when opened."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mlops_jlab.store import migrate, search, writes
from mlops_jlab.store.tables import EXPERIMENTS, LATEST, PARAMS, RUNS
from mlops_jlab.tracking import Tracker

NAMES = [
    "train-1",
    "train-12",
    "train-123",
    "Train-124",
    "eval-123",
    "tr_in-5",
    "Éclair-12x",
    "sweep/lr=0.01",
]


def like(pattern: str, name: str, fold: bool) -> bool:
    """SQL's LIKE (``fold``: ILIKE) in Python: % any run of characters, _ one character."""
    if fold:
        pattern, name = pattern.lower(), name.lower()
    expression = "".join(
        ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern
    )
    return re.fullmatch(expression, name, re.DOTALL) is not None


@pytest.fixture
def named(tracker):
    """A run of each of :data:`NAMES`, oldest first, and one renamed from ``old-name-123``."""
    for name in NAMES:
        run = tracker.start_run(name=name)
        run.log_params({"model": "rf"})
        run.end()
    renamed = tracker.start_run(name="old-name-123")
    renamed.end()
    with tracker.store.write() as conn:
        writes.set_run_attributes(conn, renamed.id, name="train-125")
    return tracker


def run_names(tracker: Tracker, filter: str | None, **kwargs) -> list[str]:
    with tracker.store.read() as conn:
        page = search.search_runs(conn, filter, max_results=100, **kwargs)
        by_id = dict(conn.execute(sa.select(RUNS.c.id, RUNS.c.name)).all())
    return [by_id[run_id] for run_id in page.run_ids]


@pytest.mark.parametrize(
    ("op", "pattern"),
    [
        ("LIKE", "%ain-12%"),
        ("ILIKE", "%AIN-12%"),
        ("LIKE", "train-1_"),
        ("LIKE", "%123"),
        ("=", "train-123"),
        ("LIKE", "%r_in-%"),
        ("ILIKE", "%ÉCLAIR%"),
        ("LIKE", "%lr=0.0%"),
        ("LIKE", "%name-12%"),
        ("LIKE", "%zzz%"),
    ],
)
def test_a_search_of_run_names_finds_every_run_whose_name_matches_newest_first(named, op, pattern):
    # Given runs of many names, one renamed from old-name-123 to train-125
    # When a user filters by a part of a name
    found = run_names(named, f"name {op} '{pattern}'")
    # Then the page holds every run whose name matches and no other, in the order of the
    # page of every run (newest first); the renamed run by its new name only
    everyone = run_names(named, None)
    if op == "=":
        expected = [name for name in everyone if name == pattern]
    else:
        expected = [name for name in everyone if like(pattern, name, op == "ILIKE")]
    assert found == expected
    assert "old-name-123" not in everyone


def test_a_name_search_pages_and_combines_with_other_conditions(named):
    # Given runs of many names
    # When a name search is combined with a param and read in pages of one, by name
    query = "name LIKE '%ain-12%' AND params.model = 'rf'"
    seen, token = [], None
    with named.store.read() as conn:
        while True:
            page = search.search_runs(conn, query, ["name"], max_results=1, page_token=token)
            seen += page.run_ids
            if (token := page.next_page_token) is None:
                break
        names = dict(conn.execute(sa.select(RUNS.c.id, RUNS.c.name)).all())
    # Then the pages hold each matching run once (the renamed run has no params)
    assert sorted(names[run_id] for run_id in seen) == sorted(
        ["train-12", "train-123", "Train-124"]
    )
    everyone = run_names(named, None)
    assert run_names(named, "NOT name LIKE '%ain-12%'") == [
        name for name in everyone if not like("%ain-12%", name, False)
    ]


def test_a_store_made_before_the_name_index_keeps_its_runs_and_finds_them_by_name(location):
    # Given a store at the revision before the index, with runs, params and metrics
    engine = sa.create_engine(location.db_url)
    migrate.upgrade(engine, engine.dialect.name, "0014")
    with engine.begin() as conn:
        experiment = conn.execute(
            EXPERIMENTS.insert().values(name="e", created_at=1).returning(EXPERIMENTS.c.id)
        ).scalar_one()
        for number in range(30):
            conn.execute(
                RUNS.insert().values(
                    id=f"{number:032x}",
                    experiment_id=experiment,
                    name=f"sweep-{number}",
                    kind="script",
                    status="finished",
                    start_time=number,
                )
            )
            conn.execute(
                PARAMS.insert().values(
                    run_id=f"{number:032x}", key="lr", value=str(number), value_num=number
                )
            )
            conn.execute(
                LATEST.insert().values(
                    run_id=f"{number:032x}", key="acc", value=number / 30, step=0, timestamp=1
                )
            )
    engine.dispose()
    # When the current package opens it
    tracker = Tracker(location)
    # Then its runs keep their params and metrics, and are found by part of their name
    frame = tracker.runs("params.lr >= 28 AND metrics.acc > 0.9", ["params.lr DESC"])
    assert list(frame["name"]) == ["sweep-29", "sweep-28"]
    assert run_names(tracker, "name LIKE '%eep-2%'") == [
        f"sweep-{n}" for n in range(29, 19, -1)
    ] + ["sweep-2"]
    # And a run written after the upgrade is found too
    tracker.start_run(name="sweep-new").end()
    assert run_names(tracker, "name ILIKE '%EEP-NEW'") == ["sweep-new"]
    tracker.store.dispose()
