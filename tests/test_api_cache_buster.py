"""GET requests from JupyterLab's frontend carry a cache buster (`?<milliseconds>`, added by
ServerConnection to every GET of a browser session): endpoints that take a query accept it."""

from __future__ import annotations

import pytest

from tests.api_client import api_caller, server_config


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(location, monkeypatch)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


@pytest.fixture
def run_id(tracker):
    run = tracker.start_run(name="buster", experiment="exp")
    for step, value in enumerate([1.0, 0.5, 0.25]):
        run.log_metrics({"loss": value}, step=step)
    run.end()
    return run.id


async def test_a_get_from_jupyterlab_with_its_cache_buster_is_answered(api, run_id):
    # Given the query JupyterLab sends: a bare number of milliseconds
    buster = {"1795676322288": ""}
    # When runs and a metric history are read with it, then they are answered
    runs = await api("GET", "runs", params={**buster, "page_size": "5"})
    assert runs.code == 200, runs
    assert [run["id"] for run in runs.body["runs"]] == [run_id]
    history = await api("GET", "runs", run_id, "metrics", "loss", params=buster)
    assert history.code == 200, history
    assert [point["value"] for point in history.body["points"]] == [1.0, 0.5, 0.25]


async def test_an_unknown_parameter_that_only_starts_with_digits_is_still_refused(api, run_id):
    answer = await api("GET", "runs", params={"123abc": ""})
    assert answer.code == 400
    assert "unknown query parameter '123abc'" in answer.body["message"]
    answer = await api("GET", "runs", params={"123": "5"})
    assert answer.code == 400
