"""Stale runs: a run that read data changed since, or whose cell's code changed since."""

from __future__ import annotations

import pytest

from mlops_jlab import lineage
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.lineage import staleness
from tests.lineage_world import node_of, run_node


def test_a_run_that_read_an_older_version_is_stale(world):
    # Given a run read train.csv v1, then a later run wrote v2
    v1 = world.version("data/train.csv")
    fit = world.run("fit")
    world.read(fit, v1)
    refresh = world.run("refresh")
    v2 = world.version("data/train.csv")
    world.wrote(refresh, v2)
    refit = world.run("refit")
    world.read(refit, v2)
    with world.read_conn() as conn:
        # Then only the first run is stale, and it says why
        assert staleness.stale_runs(conn) == {fit: ["read data/train.csv v1; v2 is newer"]}
        assert staleness.is_stale(conn, fit) == ["read data/train.csv v1; v2 is newer"]
        assert staleness.is_stale(conn, refit) == []
        # And the graph marks it
        graph = lineage.downstream(conn, "dataset_version", v1)
        assert node_of(graph, run_node(fit))["stale"] is True
        assert node_of(graph, run_node(fit))["stale_reasons"] == [
            "read data/train.csv v1; v2 is newer"
        ]


def test_data_changed_back_makes_its_old_version_current_again(world):
    # Given v1, then v2, then v1's content read again later
    v1 = world.version("data/train.csv")
    first = world.run("first")
    world.read(first, v1)
    v2 = world.version("data/train.csv")
    second = world.run("second")
    world.read(second, v2)
    third = world.run("third")
    world.read(third, v1)
    with world.read_conn() as conn:
        # Then the run that read v2 is the stale one
        assert staleness.stale_runs(conn) == {
            second: ["read data/train.csv v2; it has changed back to v1 since"]
        }
        # And the page of runs says the same (its windows are taken in Python)
        assert staleness.stale_runs(conn, [first, second, third]) == staleness.stale_runs(conn)


def test_a_run_that_rewrote_its_own_input_is_not_stale(world):
    v1 = world.version("data/train.csv")
    impute = world.run("impute in place")
    world.read(impute, v1)
    world.wrote(impute, world.version("data/train.csv"))
    with world.read_conn() as conn:
        assert staleness.is_stale(conn, impute) == []
        assert staleness.stale_runs(conn) == {}


def test_a_cell_run_with_code_that_has_changed_since_is_stale(world):
    # Given a cell run three times: old code, new code, old code again
    first = world.run("a", notebook="eda.ipynb", cell="c7", code="x = 1")
    second = world.run("b", notebook="eda.ipynb", cell="c7", code="x = 2")
    third = world.run("c", notebook="eda.ipynb", cell="c7", code="x = 1")
    elsewhere = world.run("d", notebook="other.ipynb", cell="c7", code="x = 3")
    with world.read_conn() as conn:
        stale = staleness.stale_runs(conn)
    # Then only the run whose code is not the cell's code now is stale
    assert stale == {
        second: ["the cell's code changed since (a later run of cell c7 in eda.ipynb)"]
    }
    assert first not in stale and third not in stale and elsewhere not in stale


def test_stale_runs_of_some_runs_answer_as_for_all(world):
    # Given a stale run (older data, older code) and a deleted one that read the same data
    v1 = world.version("data/train.csv")
    old = world.run("old", notebook="nb.ipynb", cell="c1", code="read()")
    world.read(old, v1)
    gone = world.run("gone")
    world.read(gone, v1)
    world.delete(gone)
    world.version("data/train.csv")
    world.run("new", notebook="nb.ipynb", cell="c1", code="read(); clean()")
    # When staleness is asked of all runs, and of some (one deleted, one unknown)
    with world.read_conn() as conn:
        everything = staleness.stale_runs(conn)
        chosen = staleness.stale_runs(conn, [old, gone, "no-such-run"])
        with pytest.raises(InvalidInputError, match="is_stale"):
            staleness.stale_runs(conn, old)
        with pytest.raises(NotFoundError):
            staleness.is_stale(conn, gone)
    # Then both answers name the stale run and every reason, and nothing of the others
    assert (
        everything
        == chosen
        == {
            old: [
                "read data/train.csv v1; v2 is newer",
                "the cell's code changed since (a later run of cell c1 in nb.ipynb)",
            ]
        }
    )


def test_stale_runs_of_every_run_come_a_batch_at_a_time_by_the_page_rule(world, monkeypatch):
    # Given runs that read either of two versions, one of them since deleted, and runs that
    # read nothing; every run is looked at 2 at a time
    monkeypatch.setattr(staleness, "ID_BATCH", 2)
    v1 = world.version("data/train.csv")
    readers = [world.run(f"fit-{number}") for number in range(5)]
    for run_id in readers[:3]:
        world.read(run_id, v1)
    v2 = world.version("data/train.csv")
    for run_id in readers[3:]:
        world.read(run_id, v2)
    world.delete(readers[1])
    idle = [world.run(f"idle-{number}") for number in range(2)]
    # When staleness is asked of all runs
    with world.read_conn() as conn:
        everything = staleness.stale_runs(conn)
        one_by_one = {
            run_id: staleness.is_stale(conn, run_id)
            for run_id in readers + idle
            if run_id != readers[1]
        }
    # Then it answers as each run's own staleness does, in order of run id
    assert everything == {run_id: why for run_id, why in one_by_one.items() if why}
    assert sorted(everything) == sorted([readers[0], readers[2]])
    assert list(everything) == sorted(everything)
