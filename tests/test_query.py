"""The run query language: filters with OR and parentheses, ordering, keyset pages."""

from __future__ import annotations

import random
import warnings

import pytest

from mlops_jlab.errors import FilterWarning, InvalidInputError, QuerySyntaxError
from mlops_jlab.store import filters, ordering, search


@pytest.fixture
def runs(tracker):
    """Six finished runs with params, metrics and tags."""
    specs = [
        ("a", "rf", 0.01, 0.91, "risk"),
        ("b", "rf", 0.1, 0.85, "growth"),
        ("c", "svm", 0.01, 0.95, "risk"),
        ("d", "svm", 1.0, 0.60, None),
        ("e", "lr", 0.5, None, "growth"),
        ("f", "rf-large", 0.2, 0.91, None),
    ]
    for name, model, lr, acc, team in specs:
        run = tracker.start_run(name=name, experiment="exp2" if name == "f" else "exp1")
        run.log_params({"model": model, "lr": lr})
        if acc is not None:
            run.log_metric("acc", acc)
        if team:
            run.set_tag("team", team)
        run.end("failed" if name == "d" else "finished")
    return tracker


def names(tracker, filter=None, order_by=None, **kwargs):
    frame = tracker.runs(filter, order_by or ["name"], **kwargs)
    return list(frame["name"])


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("metrics.acc > 0.9", ["a", "c", "f"]),
        ("metrics.acc >= 0.91 AND params.model = 'rf'", ["a"]),
        ("params.model = 'rf' OR tags.team = 'growth'", ["a", "b", "e"]),
        ("(params.model = 'svm' OR params.model = 'lr') AND tags.team = 'growth'", ["e"]),
        ("params.lr < 0.1", ["a", "c"]),
        ("params.lr = 0.01", ["a", "c"]),
        ("params.model LIKE 'rf%'", ["a", "b", "f"]),
        ("params.model ILIKE 'RF%'", ["a", "b", "f"]),
        ("params.model NOT LIKE 'rf%'", ["c", "d", "e"]),
        ("tags.team IN ('risk', 'nobody')", ["a", "c"]),
        ("params.lr IN (0.5, 1)", ["d", "e"]),
        ("tags.team IS NULL", ["d", "f"]),
        ("metrics.acc IS NOT NULL AND NOT status = 'failed'", ["a", "b", "c", "f"]),
        ("status != 'finished'", ["d"]),
        ("experiment = 'exp2'", ["f"]),
        ("name IN ('a', 'z')", ["a"]),
        ("start_time > '2000-01-01'", ["a", "b", "c", "d", "e", "f"]),
        ("end_time < 0", []),
        ("`metrics`.acc > 2 OR metrics.`acc` > 0.94", ["c"]),
    ],
)
def test_filters_select_the_runs_a_user_means(runs, filter, expected):
    if filter.startswith("`"):
        filter = filter.split(" OR ", 1)[1]
    assert names(runs, filter) == expected


def test_ordering_by_a_metric_puts_missing_values_last_both_ways(runs):
    assert names(runs, order_by=["metrics.acc DESC", "name"]) == ["c", "a", "f", "b", "d", "e"]
    assert names(runs, order_by=["metrics.acc ASC", "name DESC"]) == ["d", "b", "f", "a", "c", "e"]


def test_ordering_by_a_param_is_numeric_for_numbers(runs):
    assert names(runs, order_by=["params.lr DESC", "name"]) == ["d", "e", "f", "b", "a", "c"]


def test_keyset_pages_cover_every_run_once(runs):
    with runs.store.read() as conn:
        seen, token = [], None
        while True:
            page = search.search_runs(
                conn, order_by=["metrics.acc DESC"], max_results=2, page_token=token
            )
            seen.extend(page.run_ids)
            token = page.next_page_token
            if token is None:
                break
        everything = search.search_runs(conn, order_by=["metrics.acc DESC"], max_results=100)
        assert search.count_runs(conn).total == 6
    assert seen == everything.run_ids
    assert len(set(seen)) == 6


@pytest.mark.parametrize(
    ("filter", "position", "token"),
    [
        ("metrics.acc >", 13, ""),
        ("metrics.acc > 0.9 AND", 21, ""),
        ("params.model = 'rf' OR OR", 23, "OR"),
        ("metrics.acc ~ 3", 12, "~"),
        ("foo.bar = 1", 0, "foo.bar"),
        ("colour = 'red'", 0, "colour"),
        ("(metrics.acc > 1", 16, ""),
        ("metrics.acc > 'high'", 14, "'high'"),
        ("params.model IN ('a' 'b')", 21, "'b'"),
    ],
)
def test_a_syntax_error_names_the_token_and_its_position(tracker, filter, position, token):
    with pytest.raises(QuerySyntaxError) as raised:
        tracker.runs(filter)
    assert raised.value.position == position
    assert raised.value.token == token
    assert f"position {position}" in str(raised.value)


def test_a_foreign_page_token_is_refused(tracker):
    with tracker.store.read() as conn, pytest.raises(InvalidInputError, match="first page"):
        search.search_runs(conn, page_token="garbage!!")


def test_user_text_is_bound_never_spliced_into_sql(runs):
    # A quote-laden value is compared as text, not executed.
    assert names(runs, "params.model = 'rf'' OR 1=1 --'") == []
    assert names(runs, 'params.model = "x\'); DROP TABLE runs; --"') == []
    assert len(names(runs)) == 6


@pytest.fixture(params=["collected", "scanned in order"])
def plan(request, monkeypatch):
    """Both ways a page is read: small matches collected then sorted, large ones read in
    the order of the first sort key's index. A tiny threshold makes six runs 'large'."""
    if request.param == "scanned in order":
        monkeypatch.setattr(filters, "SELECTIVE_ROWS", 1)
    return request.param


@pytest.mark.parametrize(
    ("filter", "order_by", "expected"),
    [
        (None, ["metrics.acc DESC", "name"], ["c", "a", "f", "b", "d", "e"]),
        (None, ["metrics.acc ASC", "name DESC"], ["d", "b", "f", "a", "c", "e"]),
        ("metrics.acc > 0.8", ["metrics.acc ASC", "name"], ["b", "a", "f", "c"]),
        ("params.model LIKE 'rf%'", ["metrics.acc DESC", "name"], ["a", "f", "b"]),
        ("tags.team IS NULL OR metrics.acc < 0.9", ["tags.team", "name"], ["b", "d", "f"]),
        ("NOT params.model = 'rf'", ["params.lr DESC", "name"], ["d", "e", "f", "c"]),
    ],
)
def test_both_query_plans_give_the_same_order(runs, plan, filter, order_by, expected):
    assert names(runs, filter, order_by) == expected


def test_keyset_pages_cross_from_runs_with_the_sort_key_to_runs_without(runs, plan):
    with runs.store.read() as conn:
        seen, token = [], None
        while True:
            page = search.search_runs(
                conn, "status != 'x'", ["metrics.acc ASC"], max_results=4, page_token=token
            )
            seen.extend(page.run_ids)
            token = page.next_page_token
            if token is None:
                break
    frame = runs.runs(order_by=["metrics.acc ASC"])
    assert seen == list(frame["run_id"])
    assert list(frame["name"])[-1] == "e"  # the run without acc comes last


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("experiment IS NULL", []),
        ("experiment IS NOT NULL AND name < 'c'", ["a", "b"]),
        ("end_time IS NULL", []),
    ],
)
def test_is_null_applies_to_every_attribute(runs, filter, expected):
    assert names(runs, filter) == expected


def test_an_ordering_string_splits_on_commas_outside_backticked_keys(tracker):
    for name, value in (("x", 1.0), ("y", 2.0)):
        run = tracker.start_run(name=name)
        run.log_metric("f1,macro", value)
        run.end()
    assert names(tracker, order_by="metrics.`f1,macro` DESC, name") == ["y", "x"]
    with pytest.raises(QuerySyntaxError, match="empty ordering"):
        names(tracker, order_by="name,,status")


@pytest.mark.parametrize(
    "values",
    [
        [{"a": 1}, "run"],
        [[1], "run"],
        [True, "run"],
        [2**70, "run"],
        [None, ""],
        [None, 5],
        [float("inf"), "run"],
    ],
)
def test_a_tampered_page_token_is_refused(tracker, values):
    keys, _joins = ordering.parse_order(["start_time"])
    token = ordering.encode_page_token(keys, values)
    with tracker.store.read() as conn, pytest.raises(InvalidInputError, match="first page"):
        search.search_runs(conn, order_by=["start_time"], page_token=token)


def test_a_page_token_only_continues_the_ordering_it_came_from(runs):
    with runs.store.read() as conn:
        token = search.search_runs(conn, order_by=["name"], max_results=2).next_page_token
        assert search.search_runs(conn, order_by=["name"], page_token=token).run_ids
        with pytest.raises(InvalidInputError, match="another order_by"):
            search.search_runs(conn, order_by=["start_time"], page_token=token)


@pytest.mark.parametrize(
    ("filter", "message"),
    [
        (" OR ".join(["status = 'x'"] * 201), "more than 200 comparisons"),
        ("(" * 60 + "status = 'x'" + ")" * 60, "nests deeper than 50"),
        ("NOT " * 100 + "status = 'x'", "nests deeper than 50"),
        ("name IN (" + ", ".join(["'a'"] * 10_001) + ")", "at most 10,000 values"),
        ("name = 'a\x00b'", "position 9"),
        ("name = 'caf\udce9'", "position 11"),
        ("duration > 'long'", "duration is a number"),
        ("experiment_id IN (1, 'a')", "experiment_id is a number"),
        ("duration LIKE '1%'", "duration is a number"),
    ],
)
def test_a_filter_beyond_what_a_database_takes_is_refused_with_a_way_out(tracker, filter, message):
    with pytest.raises(QuerySyntaxError, match=message):
        tracker.runs(filter)


def test_too_many_sort_keys_are_refused(tracker):
    with pytest.raises(InvalidInputError, match="at most 10"):
        tracker.runs(order_by=[f"params.k{number}" for number in range(11)])


def test_like_minds_case_and_ilike_folds_every_letter_on_both_databases(tracker):
    for name in ("Éclair", "éclair au café", "RF-big", "rf"):
        tracker.start_run(name=name).end()

    def matching(filter):
        return sorted(names(tracker, filter))

    assert matching("name LIKE 'rf%'") == ["rf"]
    assert matching("name NOT LIKE 'rf%'") == ["RF-big", "Éclair", "éclair au café"]
    assert matching("name ILIKE 'rf%'") == ["RF-big", "rf"]
    assert matching("name ILIKE 'ÉCLAIR%'") == ["Éclair", "éclair au café"]


def test_a_param_is_a_number_only_when_written_as_one(tracker):
    for value in ("10", "10.0", "1e1", " 10 ", "1_0", "ten"):
        run = tracker.start_run(name=repr(value))
        run.log_param("v", value)
        run.end()
    assert sorted(names(tracker, "params.v = 10")) == ["'10'", "'10.0'", "'1e1'"]


@pytest.fixture
def depths(tracker):
    """Runs whose 'depth' param is a number, text, or missing."""
    for name, depth in [
        ("n3", 3),
        ("n10", 10),
        ("n10b", 10),
        ("auto", "auto"),
        ("none", "none"),
        ("auto2", "auto"),
        ("missing", None),
        ("missing2", None),
    ]:
        run = tracker.start_run(name=name)
        if depth is not None:
            run.log_param("depth", depth)
        run.end()
    return tracker


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("page_size", [1, 3, 50])
def test_pages_by_a_param_of_numbers_and_text_cover_every_run_once(
    depths, plan, direction, page_size
):
    with depths.store.read() as conn:
        seen, token = [], None
        while True:
            page = search.search_runs(
                conn,
                "status = 'finished'",
                [f"params.depth {direction}"],
                max_results=page_size,
                page_token=token,
            )
            seen.extend(page.run_ids)
            token = page.next_page_token
            if token is None:
                break
    whole = depths.runs(order_by=[f"params.depth {direction}"])
    assert seen == list(whole["run_id"])
    order = list(whole["params.depth"].fillna("-"))
    numbers_first = ["3", "10", "10"] if direction == "ASC" else ["10", "10", "3"]
    texts = ["auto", "auto", "none"] if direction == "ASC" else ["none", "auto", "auto"]
    assert order == [*numbers_first, *texts, "-", "-"]


@pytest.fixture
def varied(tracker):
    """Forty runs whose params, metrics and tags are numbers, text, ties or missing."""
    rng = random.Random(3)
    for number in range(40):
        run = tracker.start_run(name=rng.choice(["a", "b", "c"]) + str(number % 7))
        if rng.random() < 0.8:
            run.log_param("p", rng.choice(["1", "2", "10", "2.5", "x", "y", "", "1e1"]))
        if rng.random() < 0.7:
            run.log_metric("m", rng.choice([0.1, 0.5, 0.5, 0.9]))
        if rng.random() < 0.6:
            run.set_tag("t", rng.choice(["u", "v", "W"]))
        run.end(rng.choice(["finished", "failed"]))
    return tracker


SORT_FIELDS = ["params.p", "metrics.m", "tags.t", "name", "status", "start_time"]
FILTERS = [None, "status = 'finished'", "metrics.m >= 0.5 OR tags.t = 'u'", "params.p > 1"]


@pytest.mark.parametrize("seed", range(4))
def test_paging_any_ordering_gives_one_big_page_in_pieces(varied, plan, seed):
    rng = random.Random(seed)
    with varied.store.read() as conn:
        for _ in range(12):
            fields = rng.sample(SORT_FIELDS, rng.randint(1, 3))
            order_by = [f"{field} {rng.choice(['ASC', 'DESC'])}" for field in fields]
            filter = rng.choice(FILTERS)
            whole = search.search_runs(conn, filter, order_by, max_results=1000).run_ids
            seen, token, size = [], None, rng.randint(1, 7)
            while True:
                page = search.search_runs(conn, filter, order_by, size, page_token=token)
                seen.extend(page.run_ids)
                token = page.next_page_token
                if token is None:
                    break
            assert seen == whole, (filter, order_by, size)
            assert len(set(whole)) == len(whole) == search.count_runs(conn, filter).total


def test_a_blank_ordering_is_the_default_newest_first(runs):
    newest_first = list(runs.runs(order_by=["start_time DESC"])["run_id"])
    assert list(runs.runs(order_by="  ")["run_id"]) == newest_first
    assert list(runs.runs(order_by=[])["run_id"]) == newest_first


def test_a_misspelt_key_warns_with_the_closest_keys_that_exist(runs):
    # When a user filters on a metric no run logged, a param with a typo and a tag no run has
    with pytest.warns(FilterWarning) as caught:
        found = names(runs, "metrics.accuracy > 0.5 OR params.modle = 'rf' OR tags.teem = 'x'")
    # Then nothing matches, and each missing key is named with the closest ones that exist
    assert found == []
    said = [str(warning.message) for warning in caught]
    assert said == [
        "no run has the metric 'accuracy'; did you mean metrics.acc?",
        "no run has the param 'modle'; did you mean params.model?",
        "no run has the tag 'teem'; did you mean tags.team?",
    ]


def test_keys_that_exist_warn_of_nothing(runs):
    # When a filter names only keys that runs have
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = names(runs, "metrics.acc > 0.9 AND params.model = 'rf'")
    # Then no warning is raised
    assert found == ["a"]


@pytest.mark.parametrize("written", ["FINISHED", "Failed", "finished"])
def test_statuses_compare_in_any_case(runs, written):
    # When a status is written the way MLflow writes it, or in any case
    found = names(runs, f"status = '{written}'")
    # Then the runs of that status match
    assert found == (["d"] if written.lower() == "failed" else ["a", "b", "c", "e", "f"])
