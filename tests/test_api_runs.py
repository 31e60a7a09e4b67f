"""The runs REST API on a real Jupyter server and a real store (SQLite and PostgreSQL):
list, describe, edit, delete and restore runs, experiments, metric histories, compare."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from mlops_jlab.lineage import stale_search, staleness
from mlops_jlab.store import writes
from mlops_jlab.store.tables import Run
from tests.api_client import api_caller, server_config


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(location, monkeypatch, max_page_size=50, max_request_bytes=10_000)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


def make_run(tracker, name, experiment="exp", params=None, metrics=None, tags=None, code=None):
    """A finished run; ``metrics`` maps a key to its values at steps 0, 1, 2, ..."""
    run = tracker.start_run(name=name, experiment=experiment, tags=tags, code=code)
    if params:
        run.log_params(params)
    for key, values in (metrics or {}).items():
        for step, value in enumerate(values):
            run.log_metrics({key: value}, step=step)
    run.end()
    return run.id


@pytest.fixture
def runs(tracker):
    """Six runs in two experiments; ``acc`` is 0.5, 0.6, ... in order of creation."""
    ids = []
    for number in range(6):
        ids.append(
            make_run(
                tracker,
                f"run-{number}",
                experiment="churn" if number < 4 else "fraud",
                params={"lr": 0.1 * (number + 1), "model": "rf" if number % 2 else "gbt"},
                metrics={"acc": [0.5 + number / 10], "loss": [1.0, 0.5 - number / 100]},
                tags={"team": "risk" if number < 3 else "growth"},
            )
        )
    return ids


# --- GET runs ---------------------------------------------------------------------------


async def test_list_runs_filters_orders_and_pages_and_counts_apart(api, runs):
    # Given six runs, when a page of two of the best runs... and the next pages are asked
    query = {"filter": "metrics.acc > 0.55", "order_by": "metrics.acc DESC", "page_size": "2"}
    first = await api("GET", "runs", params=query)
    # Then the best two come first, with a token for the rest and no count
    assert first.code == 200, first
    assert [run["name"] for run in first.body["runs"]] == ["run-5", "run-4"]
    assert "total" not in first.body and "total_is_estimate" not in first.body
    assert first.body["next_page_token"]
    names = [run["name"] for run in first.body["runs"]]
    token = first.body["next_page_token"]
    while token:
        page = await api("GET", "runs", params={**query, "page_token": token})
        assert page.code == 200, page
        names += [run["name"] for run in page.body["runs"]]
        token = page.body["next_page_token"]
    assert names == ["run-5", "run-4", "run-3", "run-2", "run-1"]
    # And the count is a request of its own, over the same selection
    count = await api("GET", "runs", "count", params={"filter": "metrics.acc > 0.55"})
    assert count.code == 200, count
    assert count.body == {"total": 5, "complete": True, "is_estimate": False}


async def test_list_runs_reversed_starts_from_the_end_of_the_order(api, runs):
    # Given six runs, when the default order is read reversed, two at a time
    pages = await every_page(api, {"reverse": "true", "page_size": "2"})
    # Then the oldest run comes first and the pages continue toward the newest
    names = [run["name"] for page in pages for run in page["runs"]]
    assert names == [f"run-{number}" for number in range(6)]
    # And reversed by accuracy, the worst of the runs with it come first
    worst = await api("GET", "runs", params={"order_by": "metrics.acc DESC", "reverse": "true"})
    assert [run["name"] for run in worst.body["runs"]][:2] == ["run-0", "run-1"]


async def test_a_page_token_of_the_other_direction_says_which_to_use(api, runs):
    # Given a token of a reversed walk and one of a forward walk
    backward = await api("GET", "runs", params={"reverse": "true", "page_size": "2"})
    forward = await api("GET", "runs", params={"page_size": "2"})
    # When each is used in the other direction, then the answer says which to use
    answer = await api("GET", "runs", params={"page_token": backward.body["next_page_token"]})
    assert answer.code == 400
    assert "continues a reversed walk: ask with reverse=true" in answer.body["message"]
    answer = await api(
        "GET",
        "runs",
        params={"reverse": "true", "page_token": forward.body["next_page_token"]},
    )
    assert answer.code == 400
    assert "continues a forward walk: ask without reverse=true" in answer.body["message"]


async def test_a_count_past_its_limit_says_it_is_incomplete(api, runs):
    # Given six runs, when they are counted up to 4, then up to 6, then exactly
    bounded = await api("GET", "runs", "count", params={"limit": "4"})
    enough = await api("GET", "runs", "count", params={"limit": "6"})
    exact = await api("GET", "runs", "count", params={"limit": "4", "exact": "true"})
    # Then the bounded count says at least 4 match, the others say exactly 6
    assert bounded.body == {"total": 4, "complete": False, "is_estimate": False}
    assert enough.body == {"total": 6, "complete": True, "is_estimate": False}
    assert exact.body == {"total": 6, "complete": True, "is_estimate": False}
    # And the other selections of GET runs apply
    fraud = await api("GET", "runs", "count", params={"experiment": "fraud"})
    assert fraud.body["total"] == 2


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"limit": "0"}, "limit: Input should be greater than or equal to 1"),
        ({"limit": "many"}, "limit: Input should be a valid integer"),
        ({"exact": "maybe"}, "exact: Input should be a valid boolean"),
        ({"page_size": "10"}, "unknown query parameter 'page_size'"),
        ({"filter": "metrics.acc >"}, "expected a number or a quoted string at position 13"),
    ],
)
async def test_count_runs_says_what_is_wrong_with_a_bad_query(api, runs, params, says):
    answer = await api("GET", "runs", "count", params=params)
    assert answer.code == 400, answer
    assert says in answer.body["message"]


async def test_list_runs_answers_rows_with_the_columns_asked_for(api, runs):
    # When only lr, acc and no tags are asked for
    answer = await api(
        "GET", "runs", params={"params": "lr", "metrics": "acc", "tags": "", "page_size": "1"}
    )
    # Then each row has exactly those, and the columns say so
    assert answer.code == 200, answer
    (row,) = answer.body["runs"]
    assert row["name"] == "run-5"  # newest first by default
    assert row["params"] == {"lr": "0.6000000000000001"}
    assert row["metrics"] == {"acc": pytest.approx(1.0)}
    assert row["tags"] == {}
    assert answer.body["columns"] == {"params": ["lr"], "metrics": ["acc"], "tags": []}
    assert row["id"] == runs[5] and row["experiment"] == "fraud" and row["status"] == "finished"
    assert row["duration"] >= 0 and row["deleted_at"] is None
    assert "code" not in row


async def test_list_runs_of_one_experiment_with_all_columns(api, runs):
    # When the runs of one experiment are listed with every column
    answer = await api("GET", "runs", params={"experiment": "fraud"})
    # Then only its runs come, with every param, metric and tag
    assert answer.code == 200, answer
    assert [run["name"] for run in answer.body["runs"]] == ["run-5", "run-4"]
    assert answer.body["columns"] == {
        "params": ["lr", "model"],
        "metrics": ["acc", "loss"],
        "tags": ["team"],
    }
    assert answer.body["next_page_token"] is None


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"filter": "metrics.acc >"}, "expected a number or a quoted string at position 13"),
        ({"filter": "bogus = 1"}, "unknown run attribute 'bogus' at position 0"),
        ({"order_by": "nonsense DESC"}, "unknown run attribute 'nonsense'"),
        ({"order_by": "start_time SIDEWAYS"}, "unexpected 'SIDEWAYS' at position 11"),
        ({"page_size": "ten"}, "page_size: Input should be a valid integer"),
        ({"page_size": "0"}, "page_size: Input should be greater than or equal to 1"),
        ({"page_size": "51"}, "page_size is at most 50 on this server"),
        ({"page_token": "garbage"}, "page_token is not a token this store issued"),
        ({"reverse": "maybe"}, "reverse: Input should be a valid boolean"),
        ({"count": "true"}, "unknown query parameter 'count'"),
        ({"pagesize": "10"}, "unknown query parameter 'pagesize'"),
        ({"params": "a\x01b"}, "params"),
        ({"filter": "name = 'a\x00'"}, "cannot be stored or compared"),
    ],
)
async def test_list_runs_says_what_is_wrong_with_a_bad_query(api, runs, params, says):
    # When the query is wrong, then the answer is a 400 that says what to fix
    answer = await api("GET", "runs", params=params)
    assert answer.code == 400, answer
    assert says in answer.body["message"]
    assert "Traceback" not in json.dumps(answer.body)


async def test_a_filter_syntax_error_names_the_token_and_its_position(api, runs):
    answer = await api("GET", "runs", params={"filter": "metrics.acc > 0.5 AND AND"})
    assert answer.code == 400
    assert answer.body["token"] == "AND" and answer.body["position"] == 22


async def test_a_page_token_of_another_ordering_is_refused(api, runs):
    # Given a token from a page ordered by accuracy
    page = await api("GET", "runs", params={"order_by": "metrics.acc DESC", "page_size": "2"})
    # When it is used with another ordering, then the answer says so
    answer = await api(
        "GET", "runs", params={"order_by": "name", "page_token": page.body["next_page_token"]}
    )
    assert answer.code == 400
    assert "belongs to another order_by" in answer.body["message"]


# --- GET runs?stale=true ----------------------------------------------------------------

# Which of 24 runs (in order of creation) read train.csv v1 before v2 replaced it; run 0 is
# stale for its code instead, and run 11, stale too, is deleted.
STALE_PATTERN = "SS.SSS.S.SSSS..SS.SSS.S."
NO_ACCURACY = {3, 10, 17}  # runs without the metric sort last


@pytest.fixture
def stale_mix(world):
    """24 runs, most of them stale in an irregular pattern (``STALE_PATTERN``), with an
    accuracy (``acc``, in a shuffled order) and a model (``rf`` or ``gbt``); ids in order of
    creation."""
    v1 = world.version("data/train.csv")
    ids = []
    for number in range(len(STALE_PATTERN)):
        cell = {"notebook": "fit.ipynb", "cell": "c1"} if number in (0, 23) else {}
        code = {"code": "fit(v=1)" if number == 0 else "fit(v=2)"} if cell else {}
        ids.append(world.run(f"fit-{number}", **cell, **code))
    with world.store.write() as conn:
        for number, run_id in enumerate(ids):
            writes.insert_params(conn, run_id, {"model": "rf" if number % 3 else "gbt"})
            if number not in NO_ACCURACY:
                accuracy = ((number * 7) % 24) / 24
                writes.insert_metrics(conn, run_id, [("acc", accuracy, 0, 0)])
    # v2 comes after every read of v1, so it is the current version.
    for number, flag in enumerate(STALE_PATTERN):
        if flag == "S" and number != 0:
            world.read(ids[number], v1)
    v2 = world.version("data/train.csv")
    for number, flag in enumerate(STALE_PATTERN):
        if flag == "." and number != 23:
            world.read(ids[number], v2)
    world.delete(ids[11])
    return ids


@pytest.fixture
def small_batches(monkeypatch):
    """Stale runs looked for 4 runs at a time, then 8: pages of 2 or 3 fill in mid-batch."""
    monkeypatch.setattr(stale_search, "FIRST_BATCH", 4)
    monkeypatch.setattr(stale_search, "MAX_BATCH", 8)


async def every_page(api, params):
    """Every page of a listing, following ``next_page_token`` to the end."""
    pages, token = [], None
    for _ in range(100):  # a token that never ends would be a bug, not a long wait
        answer = await api(
            "GET", "runs", params={**params, **({"page_token": token} if token else {})}
        )
        assert answer.code == 200, answer
        pages.append(answer.body)
        token = answer.body["next_page_token"]
        if token is None:
            return pages
    raise AssertionError("the pages never ended")


async def stale_ones_in_order(api, world, params):
    """The runs a listing shows whole, kept where ``is_stale`` says so, in its order."""
    everything = await api("GET", "runs", params={**params, "page_size": "50"})
    assert everything.code == 200 and everything.body["next_page_token"] is None
    with world.read_conn() as conn:
        return [run["id"] for run in everything.body["runs"] if staleness.is_stale(conn, run["id"])]


@pytest.mark.parametrize(
    ("filter", "order_by"),
    [
        ("", ""),
        ("", "metrics.acc DESC"),
        ("params.model = 'rf'", "metrics.acc ASC"),
        ("params.model = 'rf' AND metrics.acc > 0.2", "name"),
    ],
)
async def test_stale_pages_resume_after_their_last_run_with_none_skipped_or_repeated(
    api, world, stale_mix, small_batches, filter, order_by
):
    # Given runs stale in an irregular pattern, examined a few at a time
    query = {"filter": filter, "order_by": order_by}
    expected = await stale_ones_in_order(api, world, query)
    assert len(expected) > 3  # pages enough to resume from
    # When the stale runs are read page by page, 2 at a time
    pages = await every_page(api, {**query, "stale": "true", "page_size": "2"})
    # Then the pages list exactly the stale runs, in the order asked for, each once
    listed = [run["id"] for page in pages for run in page["runs"]]
    assert listed == expected
    # And every page is full but the last, which may come empty
    assert [len(page["runs"]) for page in pages[:-1]] == [2] * (len(pages) - 1)
    assert all(run["stale_reasons"] for page in pages for run in page["runs"])
    assert stale_mix[11] not in listed  # deleted


@pytest.mark.parametrize(
    ("filter", "order_by"), [("", ""), ("params.model = 'rf'", "metrics.acc ASC")]
)
async def test_stale_pages_reversed_are_the_forward_pages_backwards(
    api, world, stale_mix, small_batches, filter, order_by
):
    # Given runs stale in an irregular pattern, examined a few at a time
    query = {"filter": filter, "order_by": order_by, "stale": "true", "page_size": "2"}
    forward = await every_page(api, query)
    # When the stale runs are read reversed, 2 at a time
    backward = await every_page(api, {**query, "reverse": "true"})
    # Then they are the forward list, read from its end
    listed = [run["id"] for page in forward for run in page["runs"]]
    assert [run["id"] for page in backward for run in page["runs"]] == listed[::-1]


async def test_stale_runs_with_include_deleted_still_leave_out_deleted_runs(
    api, world, stale_mix, small_batches
):
    # When deleted runs are included, then a deleted run is still never stale
    pages = await every_page(api, {"stale": "true", "page_size": "3", "include_deleted": "true"})
    listed = [run["id"] for page in pages for run in page["runs"]]
    assert listed == await stale_ones_in_order(api, world, {})


async def test_the_count_of_stale_runs_is_exact_when_the_page_saw_every_run(api, world, stale_mix):
    # When the stale runs are counted, and a first page's walk sees every run
    answer = await api("GET", "runs", "count", params={"stale": "true"})
    # Then the count is exact, and says so
    assert answer.code == 200, answer
    expected = await stale_ones_in_order(api, world, {})
    assert answer.body == {"total": len(expected), "complete": True, "is_estimate": False}


async def test_the_count_of_stale_runs_is_an_estimate_when_the_walk_stopped_early(
    api, world, stale_mix, small_batches, jp_serverapp, monkeypatch
):
    # Given rf runs, of which some but not all are stale, and a server's first page of 3
    query = {"filter": "params.model = 'rf'"}
    matching = (await api("GET", "runs", "count", params=query)).body["total"]
    assert 3 < len(await stale_ones_in_order(api, world, query)) < matching
    service = jp_serverapp.web_app.settings["mlops_jlab_service"]
    monkeypatch.setattr(service, "limits", dataclasses.replace(service.limits, default_page_size=3))
    # When the stale ones are counted
    counted = await api("GET", "runs", "count", params={**query, "stale": "true"})
    # Then the total is an estimate, and says so: no fewer than a page, no more than the
    # runs the filter matches
    assert counted.code == 200, counted
    assert counted.body["is_estimate"] is True and counted.body["complete"] is True
    assert 3 <= counted.body["total"] <= matching
    # And a count bounded below the matching runs is an incomplete estimate
    bounded = await api("GET", "runs", "count", params={**query, "stale": "true", "limit": "5"})
    assert bounded.body["is_estimate"] is True and bounded.body["complete"] is False
    assert bounded.body["total"] <= 5


# --- GET runs/{id} ----------------------------------------------------------------------


async def test_describe_run_answers_everything_recorded(api, tracker):
    # Given a run with code, a note-worthy error, an artifact and a metric
    run = tracker.start_run(name="described", experiment="exp", code="x = 1\n", tags={"t": "1"})
    run.log_params({"lr": 0.1})
    run.log_metric("acc", 0.9)
    digest = run.log_artifact(b"weights", name="model.bin", kind="model")
    run.end("failed", error="ValueError: bad")
    # When the run is asked for
    answer = await api("GET", "runs", run.id)
    # Then all of it is there
    assert answer.code == 200, answer
    body = answer.body
    assert body["name"] == "described" and body["status"] == "failed"
    assert body["code"] == "x = 1\n" and body["error"] == "ValueError: bad"
    assert body["params"] == {"lr": "0.1"} and body["metrics"] == {"acc": 0.9}
    assert body["tags"] == {"t": "1"} and body["note"] is None and body["deleted_at"] is None
    assert body["artifacts"] == [
        {
            "name": "model.bin",
            "digest": digest,
            "kind": "model",
            "size": 7,
            "media_type": "application/octet-stream",
            "created_at": body["artifacts"][0]["created_at"],
        }
    ]
    assert body["environment"]["python_version"].count(".") == 2
    assert body["environment"]["packages"] > 10


def frame(rows: int, shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"x": [i + shift for i in range(rows)], "y": ["a", "b"] * (rows // 2)})


async def test_describe_run_lists_the_datasets_it_read_and_wrote_with_their_previous_versions(
    api, tracker
):
    # Given breast-cancer in two versions, with another dataset's version recorded between
    # them, and a run that read the first version and labels, and wrote the second
    first = tracker.start_run(name="load", experiment="exp")
    first.log_dataset(frame(4), "breast-cancer", direction="output")
    first.end()
    clean = tracker.start_run(name="clean", experiment="exp")
    clean.log_dataset(frame(4), "breast-cancer", direction="input")
    clean.log_dataset(frame(6, 0.5), "labels", direction="input", role="test")
    clean.log_dataset(frame(2, 1.0), "breast-cancer", direction="output", role="train")
    clean.end()
    versions = [int(v) for v in tracker.dataset_versions("breast-cancer")["id"]]
    labels = int(tracker.dataset_versions("labels")["id"][0])
    # When the run is asked for
    answer = await api("GET", "runs", clean.id)
    # Then its datasets come in the order recorded: name, number, role, shape, and the
    # version each one follows (none for a dataset's first)
    assert answer.code == 200, answer
    found = [
        {key: item[key] for key in ("direction", "id", "dataset", "version", "role", "n_rows")}
        | {"previous_id": item["previous_id"], "n_columns": item["n_columns"]}
        for item in answer.body["datasets"]
    ]
    assert found == [
        {"direction": "input", "id": versions[0], "dataset": "breast-cancer", "version": 1,
         "role": None, "n_rows": 4, "n_columns": 2, "previous_id": None},
        {"direction": "input", "id": labels, "dataset": "labels", "version": 1,
         "role": "test", "n_rows": 6, "n_columns": 2, "previous_id": None},
        {"direction": "output", "id": versions[1], "dataset": "breast-cancer", "version": 2,
         "role": "train", "n_rows": 2, "n_columns": 2, "previous_id": versions[0]},
    ]  # fmt: skip
    assert all(len(item["fingerprint"]) == 32 for item in answer.body["datasets"])
    # And a run that used no dataset says so with an empty list
    bare = make_run(tracker, "bare")
    assert (await api("GET", "runs", bare)).body["datasets"] == []


@pytest.mark.parametrize("run_id", [uuid.uuid4().hex, "abc", "ABCDEF" * 6, "..", "%2e%2e"])
async def test_an_unknown_run_is_404(api, runs, run_id):
    answer = await api("GET", "runs", run_id)
    assert answer.code == 404, answer
    assert "no run with id" in answer.body["message"]


async def test_an_unknown_api_path_is_a_json_404(api):
    answer = await api("GET", "nothing", "here")
    assert answer.code == 404
    assert "no such endpoint" in answer.body["message"]


# --- PATCH, DELETE, restore -------------------------------------------------------------


async def test_patch_renames_sets_and_removes_tags_and_writes_a_note(api, tracker):
    # Given a run with two tags
    run_id = make_run(tracker, "old", tags={"keep": "1", "drop": "2"})
    # When it is renamed, a tag removed, one changed, one added and a note written
    answer = await api(
        "PATCH",
        "runs",
        run_id,
        body={"name": "new", "tags": {"drop": None, "keep": "9", "add": "ok"}, "note": "why"},
    )
    # Then the run answers with all of it, and says so again when asked
    assert answer.code == 200, answer
    assert answer.body["name"] == "new"
    assert answer.body["tags"] == {"keep": "9", "add": "ok"}
    assert answer.body["note"] == "why"
    again = await api("GET", "runs", run_id)
    assert again.body["name"] == "new" and again.body["note"] == "why"
    # And a null note removes it, leaving the rest as it is
    cleared = await api("PATCH", "runs", run_id, body={"note": None})
    assert cleared.body["note"] is None and cleared.body["name"] == "new"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{not json", "the body is not valid JSON"),
        ("", "needs a JSON object"),
        ("[]", "Input should be an object"),
        ({"name": 5}, "name: Input should be a valid string"),
        ({"name": ""}, "name: String should have at least 1 character"),
        ({"name": "   "}, "name: must hold a character that is not a space"),
        ({"name": "\u3000\xa0"}, "name: must hold a character that is not a space"),
        ({"name": "a\nb"}, "name: must hold a character that is not a space, and no control"),
        ({"tags": {" ": "blank key"}}, "tags. .[key]: must hold a character that is not a space"),
        ({"tags": {"a\tb": "x"}}, "no control characters"),
        ({"name": "x" * 251}, "name: String should have at most 250 characters"),
        ({"tags": {"k": 1}}, "tags.k"),
        ({"tags": ["k"]}, "tags: Input should be an object"),
        ({"deleted": "soon"}, "deleted: Input should be a valid boolean"),
        ({"colour": "red"}, "colour: not a field of this body"),
        ({"note": "a\x00b"}, "note"),
    ],
)
async def test_patch_says_what_is_wrong_with_a_bad_body(api, tracker, body, says):
    run_id = make_run(tracker, "edited")
    answer = await api("PATCH", "runs", run_id, body=body)
    assert answer.code == 400, answer
    assert says in answer.body["message"]
    assert (await api("GET", "runs", run_id)).body["name"] == "edited"


@pytest.mark.parametrize("given", ["yes", "no", "true", "false", 0, 1, None, [True]])
async def test_deleted_must_be_a_json_boolean_and_nothing_else_changes_the_run(api, tracker, given):
    # Given a run that is not deleted and one that is
    kept, gone = make_run(tracker, "kept"), make_run(tracker, "gone")
    assert (await api("DELETE", "runs", gone)).code == 200
    # When "deleted" is sent as anything but true or false
    answers = [
        await api("PATCH", "runs", run_id, body={"deleted": given}) for run_id in (kept, gone)
    ]
    # Then each request is a 400 naming the field, and neither run changed
    for answer in answers:
        assert answer.code == 400, answer
        assert "deleted: Input should be a valid boolean" in answer.body["message"]
    assert (await api("GET", "runs", kept)).body["deleted_at"] is None
    assert (await api("GET", "runs", gone)).body["deleted_at"] is not None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": 12}, "name: Input should be a valid string"),
        ({"note": False}, "note: Input should be a valid string"),
        ({"tags": {"team": 7}}, "tags.team: Input should be a valid string"),
        ({"tags": {"team": True}}, "tags.team: Input should be a valid string"),
    ],
)
async def test_text_fields_take_json_strings_only(api, tracker, body, says):
    run_id = make_run(tracker, "edited", tags={"team": "risk"})
    answer = await api("PATCH", "runs", run_id, body=body)
    assert answer.code == 400, answer
    assert says in answer.body["message"]
    described = (await api("GET", "runs", run_id)).body
    assert described["name"] == "edited" and described["tags"] == {"team": "risk"}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"max_points": "100"}, "max_points: Input should be a valid integer"),
        ({"max_points": True}, "max_points: Input should be a valid integer"),
        ({"max_points": 100.5}, "max_points: Input should be a valid integer"),
        ({"history_keys": "acc"}, "history_keys: Input should be a valid array"),
        ({"history_keys": [1]}, "history_keys.0: Input should be a valid string"),
    ],
)
async def test_compare_takes_numbers_and_lists_of_their_json_types_only(api, runs, extra, says):
    answer = await api("POST", "runs", "compare", body={"run_ids": runs[:2], **extra})
    assert answer.code == 400, answer
    assert says in answer.body["message"]


async def test_an_oversized_body_is_413(api, tracker):
    run_id = make_run(tracker, "edited")
    answer = await api("PATCH", "runs", run_id, body={"note": "x" * 20_000})
    assert answer.code == 413
    assert "at most 10,000 are accepted" in answer.body["message"]


async def test_delete_is_soft_and_can_be_undone(api, runs):
    # Given six runs, when one is deleted
    deleted = await api("DELETE", "runs", runs[2])
    # Then it answers with when it was deleted, leaves the list and the counts...
    assert deleted.code == 200, deleted
    assert deleted.body["deleted_at"] is not None
    listed = await api("GET", "runs")
    assert runs[2] not in [run["id"] for run in listed.body["runs"]]
    assert (await api("GET", "runs", "count")).body["total"] == 5
    assert (await api("GET", "status")).body["counts"]["runs"] == 5
    experiments = (await api("GET", "experiments")).body["experiments"]
    assert {e["name"]: e["runs"] for e in experiments} == {"churn": 3, "fraud": 2}
    # ... but can still be read, listed when asked, and not edited until restored
    assert (await api("GET", "runs", runs[2])).body["deleted_at"] is not None
    with_deleted = await api("GET", "runs", params={"include_deleted": "true"})
    assert runs[2] in [run["id"] for run in with_deleted.body["runs"]]
    refused = await api("PATCH", "runs", runs[2], body={"name": "renamed"})
    assert refused.code == 409
    assert "restore it first" in refused.body["message"]
    # When it is restored (Undo), it is back as it was
    restored = await api("POST", "runs", runs[2], "restore")
    assert restored.code == 200, restored
    assert restored.body["deleted_at"] is None and restored.body["name"] == "run-2"
    assert (await api("GET", "runs", "count")).body["total"] == 6


async def test_patch_deleted_false_restores_and_edits_at_once(api, runs):
    await api("DELETE", "runs", runs[0])
    # Deleting twice keeps the first time
    first = (await api("GET", "runs", runs[0])).body["deleted_at"]
    again = await api("PATCH", "runs", runs[0], body={"deleted": True})
    assert again.code == 200 and again.body["deleted_at"] == first
    answer = await api("PATCH", "runs", runs[0], body={"deleted": False, "name": "back"})
    assert answer.code == 200, answer
    assert answer.body["deleted_at"] is None and answer.body["name"] == "back"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", ()), ("DELETE", ()), ("POST", ("restore",))],
)
async def test_editing_an_unknown_run_is_404(api, runs, method, path):
    body = {"name": "x"} if method == "PATCH" else None
    answer = await api(method, "runs", uuid.uuid4().hex, *path, body=body)
    assert answer.code == 404, answer


# --- GET experiments --------------------------------------------------------------------


async def test_experiments_are_listed_with_their_run_counts(api, runs):
    answer = await api("GET", "experiments")
    assert answer.code == 200, answer
    listed = answer.body["experiments"]
    assert [(e["name"], e["runs"]) for e in listed] == [("churn", 4), ("fraud", 2)]
    assert all(e["last_run_at"] >= e["created_at"] for e in listed)


# --- GET runs/{id}/metrics/{key} --------------------------------------------------------


def bulk_history(tracker, run_id: str, key: str, values) -> None:
    """Points at steps 0, 1, 2, ... written by the store's own write in batches of 50,000
    (the tracking API, a batch per call, would take minutes for a million)."""
    points = [(key, float(value), step, step) for step, value in enumerate(values)]
    with tracker.store.write() as conn:
        for start in range(0, len(points), 50_000):
            writes.insert_metrics(conn, run_id, points[start : start + 50_000])


async def test_a_short_history_comes_whole(api, tracker):
    run_id = make_run(tracker, "short", metrics={"loss": [0.9, 0.5, 0.3]})
    answer = await api("GET", "runs", run_id, "metrics", "loss")
    assert answer.code == 200, answer
    assert answer.body["count"] == 3 and answer.body["downsampled"] is False
    points = answer.body["points"]
    assert [(p["step"], p["value"]) for p in points] == [(0, 0.9), (1, 0.5), (2, 0.3)]
    assert all(p["time"] > 0 and p["min"] is None for p in points)


async def test_a_long_history_is_downsampled_with_its_envelope(api, tracker):
    # Given a history of 20,000 points with one spike, on an ended run
    run_id = make_run(tracker, "long")
    values = [step % 100 / 100 for step in range(20_000)]
    values[12_345] = 50.0
    bulk_history(tracker, run_id, "loss", values)
    # When it is asked for with at most 500 points
    answer = await api("GET", "runs", run_id, "metrics", "loss", params={"max_points": "500"})
    # Then it comes as at most 500 buckets that keep the spike and count every point
    assert answer.code == 200, answer
    body = answer.body
    assert body["downsampled"] is True and body["count"] == 20_000
    points = body["points"]
    assert 0 < len(points) <= 500
    assert sum(p["count"] for p in points) == 20_000
    assert max(p["max"] for p in points) == 50.0
    assert min(p["min"] for p in points) == 0.0
    steps = [p["step"] for p in points]
    assert steps == sorted(steps) and steps[0] == 0
    spike = next(p for p in points if p["max"] == 50.0)
    assert spike["min"] <= spike["value"] <= spike["max"]
    # And asking again (from the cache of ended runs) answers the same
    again = await api("GET", "runs", run_id, "metrics", "loss", params={"max_points": "500"})
    assert again.body == body


async def test_the_default_downsamples_to_2000_points(api, tracker):
    run_id = make_run(tracker, "long")
    bulk_history(tracker, run_id, "acc", [step / 10_000 for step in range(10_000)])
    answer = await api("GET", "runs", run_id, "metrics", "acc")
    assert answer.body["downsampled"] is True
    assert len(answer.body["points"]) <= 2000
    assert answer.body["count"] == 10_000


async def test_a_history_zooms_into_a_range_of_steps(api, tracker):
    run_id = make_run(tracker, "long")
    bulk_history(tracker, run_id, "acc", range(10_000))
    answer = await api(
        "GET",
        "runs",
        run_id,
        "metrics",
        "acc",
        params={"min_step": "100", "max_step": "149", "max_points": "50"},
    )
    assert answer.code == 200, answer
    assert answer.body["downsampled"] is False and answer.body["count"] == 50
    assert [p["step"] for p in answer.body["points"]] == list(range(100, 150))


async def test_a_metric_key_with_a_slash_is_percent_encoded(
    tracker, http_server_client, jp_base_url, jp_auth_header
):
    # Given a metric whose key holds a slash
    run_id = make_run(tracker, "slashed", metrics={"val/loss": [0.5, 0.4]})
    # When its history is asked for with the slash percent-encoded
    response = await http_server_client.fetch(
        f"{jp_base_url}mlops-jlab/api/runs/{run_id}/metrics/val%2Floss",
        headers=jp_auth_header,
        raise_error=False,
    )
    # Then it is found
    assert response.code == 200, response.body
    assert json.loads(response.body)["key"] == "val/loss"


@pytest.mark.parametrize(
    ("params", "code", "says"),
    [
        ({"max_points": "5"}, 400, "max_points: Input should be greater than or equal to 10"),
        ({"max_points": "100000"}, 400, "max_points is at most 20000"),
        ({"min_step": "9", "max_step": "3"}, 400, "min_step 9 is after max_step 3"),
        ({"min_step": "x"}, 400, "min_step: Input should be a valid integer"),
        ({"min_step": str(2**70)}, 400, "min_step"),
    ],
)
async def test_a_bad_history_query_is_400(api, tracker, params, code, says):
    run_id = make_run(tracker, "h", metrics={"loss": [1.0]})
    answer = await api("GET", "runs", run_id, "metrics", "loss", params=params)
    assert answer.code == code, answer
    assert says in answer.body["message"]


async def test_an_unknown_metric_is_404_naming_the_run_s_metrics(api, tracker):
    run_id = make_run(tracker, "h", metrics={"loss": [1.0], "acc": [0.5]})
    answer = await api("GET", "runs", run_id, "metrics", "f1")
    assert answer.code == 404
    assert "has no metric 'f1'; its metrics are: acc, loss" in answer.body["message"]
    unknown_run = await api("GET", "runs", uuid.uuid4().hex, "metrics", "loss")
    assert unknown_run.code == 404
    for impossible in ("a\x00b", "a\nb", "k" * 251):
        assert (await api("GET", "runs", run_id, "metrics", impossible)).code == 404


# --- POST runs/compare ------------------------------------------------------------------


def use_environment(tracker, run_id: str, python: str, packages: dict[str, str]) -> None:
    """Record that a run ran in another environment (the tracking API records its own)."""
    digest = uuid.uuid4().hex
    with tracker.store.write() as conn:
        writes.ensure_environment(
            conn,
            {
                "hash": digest,
                "python_version": python,
                "platform": "Linux",
                "packages": packages,
            },
        )
        conn.execute(
            sa.update(Run.__table__)
            .where(Run.__table__.c.id == run_id)
            .values(environment_hash=digest)
        )


async def test_compare_shows_runs_side_by_side(api, tracker):
    # Given a baseline and a tuned run in different environments
    base = make_run(
        tracker,
        "baseline",
        params={"lr": 0.1, "depth": 3},
        metrics={"loss": [0.9, 0.5], "acc": [0.8]},
        tags={"team": "risk"},
        code="lr = 0.1\nfit()\n",
    )
    tuned = make_run(
        tracker,
        "tuned",
        params={"lr": 0.01, "depth": 3, "seed": 7},
        metrics={"loss": [0.8, 0.4, 0.2], "f1": [0.7]},
        tags={"team": "risk"},
        code="lr = 0.01\nfit()\n",
    )
    use_environment(tracker, base, "3.11.7", {"numpy": "1.26.0", "pandas": "2.2.0"})
    use_environment(tracker, tuned, "3.12.1", {"numpy": "2.0.0", "pandas": "2.2.0", "x": "1"})
    # When they are compared
    answer = await api("POST", "runs", "compare", body={"run_ids": [base, tuned]})
    # Then params show which differ, metrics their latest values, histories their points
    assert answer.code == 200, answer
    body = answer.body
    assert [run["id"] for run in body["runs"]] == [base, tuned]
    assert body["labels"] == [f"baseline ({base[:8]})", f"tuned ({tuned[:8]})"]
    assert body["params"] == [
        {"key": "depth", "values": ["3", "3"], "differs": False},
        {"key": "lr", "values": ["0.1", "0.01"], "differs": True},
        {"key": "seed", "values": [None, "7"], "differs": True},
    ]
    assert body["tags"] == [{"key": "team", "values": ["risk", "risk"], "differs": False}]
    assert body["metrics"] == [
        {"key": "acc", "values": [0.8, None], "differs": True},
        {"key": "f1", "values": [None, 0.7], "differs": True},
        {"key": "loss", "values": [0.5, 0.2], "differs": True},
    ]
    loss = {h["run_id"]: h for h in body["histories"]["loss"]}
    assert [p["value"] for p in loss[tuned]["points"]] == [0.8, 0.4, 0.2]
    assert loss[base]["count"] == 2 and loss[base]["downsampled"] is False
    assert [h["run_id"] for h in body["histories"]["f1"]] == [tuned]
    # And the code diff and the environment differences
    (diff,) = body["code_diffs"]
    assert diff["run_id"] == tuned and diff["same"] is False
    assert "-lr = 0.1" in diff["diff"] and "+lr = 0.01" in diff["diff"]
    environment = body["environment"]
    assert environment["same"] is False
    assert environment["python_versions"] == ["3.11.7", "3.12.1"]
    assert environment["packages"] == [
        {"name": "numpy", "versions": ["1.26.0", "2.0.0"]},
        {"name": "x", "versions": [None, "1"]},
    ]


async def test_compare_downsamples_long_histories_and_picks_keys(api, tracker):
    a = make_run(tracker, "a", metrics={"acc": [0.1]})
    b = make_run(tracker, "b", metrics={"acc": [0.2]})
    bulk_history(tracker, a, "loss", range(5000))
    answer = await api(
        "POST",
        "runs",
        "compare",
        body={"run_ids": [a, b], "max_points": 100, "history_keys": ["loss"]},
    )
    assert answer.code == 200, answer
    assert list(answer.body["histories"]) == ["loss"]
    (history,) = answer.body["histories"]["loss"]
    assert history["downsampled"] is True and history["count"] == 5000
    assert len(history["points"]) <= 100
    same_environment = answer.body["environment"]
    assert same_environment["same"] is True and same_environment["packages"] == []


@pytest.mark.parametrize(
    ("run_ids", "code", "says"),
    [
        (["one"], 400, "run_ids: List should have at least 2 items"),
        ("not a list", 400, "run_ids: Input should be a valid array"),
        ([uuid.uuid4().hex] * 51, 400, "run_ids: List should have at most 50 items"),
        ("same twice", 400, "is listed more than once"),
        ("unknown", 404, "no run with id"),
    ],
)
async def test_compare_says_what_is_wrong(api, runs, run_ids, code, says):
    if run_ids == "same twice":
        run_ids = [runs[0], runs[0]]
    elif run_ids == "unknown":
        run_ids = [runs[0], uuid.uuid4().hex]
    answer = await api("POST", "runs", "compare", body={"run_ids": run_ids})
    assert answer.code == code, answer
    assert says in answer.body["message"]


async def test_a_filter_on_a_key_no_run_has_answers_a_warning(api, runs):
    # When the panel asks for runs with a metric no run logged
    answer = await api("GET", "runs", params={"filter": "metrics.accuracy > 0.5"})
    # Then no run matches, and the answer says which metric is unknown and what exists
    assert answer.code == 200, answer
    assert answer.body["runs"] == []
    assert answer.body["warnings"] == [
        "no run has the metric 'accuracy'; did you mean metrics.acc?"
    ]
    # And a filter on keys that exist answers no warning
    known = await api("GET", "runs", params={"filter": "metrics.acc > 0.5"})
    assert known.body["warnings"] == []
