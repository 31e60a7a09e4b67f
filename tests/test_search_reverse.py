"""Reversed walks of runs: for any store, ordering, filter and page size, the pages read
from the end of the order are the forward list backwards, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.store import filters, search, writes

ORDERINGS = [
    None,
    "start_time",
    "end_time DESC",
    "name, start_time DESC",
    "params.p",
    "params.p DESC",
    "params.p DESC, metrics.m",
    "metrics.m",
    "metrics.m DESC, name",
    "tags.t DESC",
    "tags.t, params.q DESC",
    "end_time, params.q DESC",
]
FILTERS = [None, "name != 'c'", "metrics.m > 0.25", "params.p = 'x' OR metrics.m >= 0.5"]

# Few distinct values, so that ties, missing keys, numbers and text mix in every store.
RUN = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["a", "b", "c"]),
        "start_time": st.integers(1, 4),
        "end_time": st.none() | st.integers(5, 7),
        "p": st.none() | st.sampled_from(["1", "2", "10", "-0.5", "x", "y", "1e3"]),
        "q": st.none() | st.sampled_from(["3", "z"]),
        "m": st.none() | st.sampled_from([0.0, 0.25, 0.5, 1.0]),
        "t": st.none() | st.sampled_from(["u", "v"]),
        "deleted": st.booleans(),
    }
)

_experiments = itertools.count()


def plain(number: int) -> dict:
    """A run with every key, none deleted."""
    return {
        "name": "a",
        "start_time": number,
        "end_time": None,
        "p": str(number),
        "q": None,
        "m": 0.5,
        "t": "u",
        "deleted": False,
    }


def seed(store, runs: list[dict]) -> str:
    """The runs, in an experiment of their own (stores are shared across examples)."""
    experiment = f"e{next(_experiments)}"
    with store.write() as conn:
        experiment_id = writes.ensure_experiment(conn, experiment)
        for run in runs:
            run_id = uuid.uuid4().hex
            writes.insert_run(
                conn,
                {
                    "id": run_id,
                    "experiment_id": experiment_id,
                    "name": run["name"],
                    "kind": "script",
                    "status": "finished",
                    "start_time": run["start_time"],
                    "end_time": run["end_time"],
                    "deleted_at": 9 if run["deleted"] else None,
                },
            )
            params = {key: run[key] for key in ("p", "q") if run[key] is not None}
            if params:
                writes.insert_params(conn, run_id, params)
            if run["m"] is not None:
                writes.insert_metrics(conn, run_id, [("m", run["m"], 0, 0)])
            if run["t"] is not None:
                writes.upsert_tags(conn, run_id, {"t": run["t"]})
    return experiment


def walk(conn, size: int, **query) -> list[str]:
    """Every run id of a walk, page by page."""
    seen, token = [], None
    for _ in range(1000):
        page = search.search_runs(conn, max_results=size, page_token=token, **query)
        seen += page.run_ids
        token = page.next_page_token
        if token is None:
            return seen
    raise AssertionError("the pages never ended")


@pytest.fixture
def store(tracker):
    return tracker.store


@pytest.mark.parametrize("selective_rows", [filters.SELECTIVE_ROWS, 1])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    runs=st.lists(RUN, max_size=12),
    order_by=st.sampled_from(ORDERINGS),
    filter=st.sampled_from(FILTERS),
    include_deleted=st.booleans(),
    size=st.integers(1, 4),
)
def test_reversed_pages_are_the_forward_list_backwards(
    store, monkeypatch, selective_rows, runs, order_by, filter, include_deleted, size
):
    # Given a store of runs with ties, missing keys, numeric and text params, deleted runs
    # (and filters answered by collecting few runs, or, with selective_rows=1, by a scan)
    monkeypatch.setattr(filters, "SELECTIVE_ROWS", selective_rows)
    experiment = seed(store, runs)
    query = {
        "filter": filter,
        "order_by": order_by,
        "experiment": experiment,
        "include_deleted": include_deleted,
    }
    with store.read() as conn:
        # When every page is read forward and every page reversed
        forward = walk(conn, size, **query)
        backward = walk(conn, size, reverse=True, **query)
        # Then the reversed walk is the forward list read backwards
        assert backward == forward[::-1]
        assert len(set(forward)) == len(forward) == search.count_runs(conn, **query_of(query)).total


def query_of(query: dict) -> dict:
    return {key: query[key] for key in ("filter", "experiment", "include_deleted")}


def test_a_token_of_one_direction_is_refused_in_the_other(store):
    # Given a few runs and a token of each direction
    experiment = seed(store, [plain(number) for number in range(3)])
    with store.read() as conn:
        forward = search.search_runs(conn, experiment=experiment, max_results=1)
        backward = search.search_runs(conn, experiment=experiment, max_results=1, reverse=True)
        # When each is used in the other direction, then the error says what to do
        with pytest.raises(InvalidInputError, match="continues a forward walk: ask without"):
            search.search_runs(conn, page_token=forward.next_page_token, reverse=True)
        with pytest.raises(InvalidInputError, match="continues a reversed walk: ask with"):
            search.search_runs(conn, page_token=backward.next_page_token)


def test_a_bounded_count_stops_past_its_limit(store):
    # Given five runs
    experiment = seed(store, [plain(number) for number in range(5)])
    with store.read() as conn:
        # When they are counted up to 3, up to 5, and with no bound
        assert search.count_runs(conn, experiment=experiment, limit=3) == search.RunCount(3, False)
        assert search.count_runs(conn, experiment=experiment, limit=5) == search.RunCount(5, True)
        assert search.count_runs(conn, experiment=experiment) == search.RunCount(5, True)
        # And a limit that is no positive number is refused
        with pytest.raises(InvalidInputError, match="limit must be a positive integer"):
            search.count_runs(conn, limit=0)
