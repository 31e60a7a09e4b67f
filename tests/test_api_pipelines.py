"""The pipelines, jobs and sweeps REST API on a real Jupyter server: promote a notebook
under the server's root, run it as jobs in the server's executor, read what they recorded."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from tests.api_client import api_caller, server_config
from tests.pipeline_notebooks import notebook, training

WAIT_SECONDS = 240


@pytest.fixture
def jp_server_config(location, monkeypatch):
    return server_config(location, monkeypatch)


@pytest.fixture
def api(jp_fetch):
    return api_caller(jp_fetch)


async def ended(api, job_id: str) -> dict:
    for _ in range(int(WAIT_SECONDS / 0.25)):
        answer = await api("GET", "jobs", job_id)
        if answer.body["status"] not in ("queued", "running"):
            return answer.body
        await asyncio.sleep(0.25)
    raise AssertionError(f"job {job_id} did not end: {answer.body}")


async def test_promote_run_and_read_a_job(api, jp_root_dir):
    # Given a notebook under the server's root, promoted through the API
    training(jp_root_dir / "work" / "train.ipynb")
    promoted = await api("POST", "pipelines", body={"notebook_path": "work/train.ipynb"})
    assert promoted.code == 200, promoted
    assert [p["name"] for p in promoted.body["parameters"]] == ["lr", "depth"]
    assert (await api("GET", "pipelines")).body["pipelines"][0]["name"] == "train"
    assert (await api("GET", "pipelines", "train")).body["version"] == 1
    versions = await api("GET", "pipelines", "train", "versions")
    assert [v["version"] for v in versions.body["versions"]] == [1]
    # When it runs as a job with a parameter
    started = await api("POST", "pipelines", "train", "jobs", body={"parameters": {"lr": 0.5}})
    assert started.code == 201, started
    job = await ended(api, started.body["id"])
    # Then it finished, with its log and its output notebook
    assert job["status"] == "finished", job
    log = await api("GET", "jobs", job["id"], "log")
    assert "acc 1.5" in log.body["log"]
    output = await api("GET", "jobs", job["id"], "output")
    assert output.body["notebook"]["nbformat"] == 4
    # and the server writes the output notebook under its root when asked
    saved = await api("POST", "jobs", job["id"], "output", body={"path": "work/out.ipynb"})
    assert saved.body == {"path": "work/out.ipynb"}
    assert json.loads((jp_root_dir / "work" / "out.ipynb").read_text())["nbformat"] == 4
    outside = await api("POST", "jobs", job["id"], "output", body={"path": "../out.ipynb"})
    assert outside.code == 404
    # and it is listed, filtered, and cannot be cancelled once ended
    listed = await api("GET", "jobs", params={"pipeline": "train", "status": "finished"})
    assert [found["id"] for found in listed.body["jobs"]] == [job["id"]]
    assert (await api("POST", "jobs", job["id"], "cancel")).code == 409
    # When it is run again with an edited parameter
    rerun = await api("POST", "jobs", job["id"], "rerun", body={"parameters": {"depth": 1}})
    assert rerun.code == 201
    again = await ended(api, rerun.body["id"])
    assert again["parameters"] == {"lr": 0.5, "depth": 1} and again["status"] == "finished"


async def test_bad_requests_say_what_is_wrong(api, jp_root_dir):
    training(jp_root_dir / "train.ipynb")
    await api("POST", "pipelines", body={"notebook_path": "train.ipynb"})
    # A parameter of the wrong type, or unknown: 400 naming it, and no job
    wrong = await api("POST", "pipelines", "train", "jobs", body={"parameters": {"depth": "x"}})
    assert wrong.code == 400 and "parameter 'depth'" in wrong.body["message"]
    unknown = await api("POST", "pipelines", "train", "jobs", body={"parameters": {"alpha": 1}})
    assert unknown.code == 400 and "unknown parameter 'alpha'" in unknown.body["message"]
    assert (await api("GET", "jobs")).body["jobs"] == []
    # An unknown pipeline, job or sweep: 404
    assert (await api("POST", "pipelines", "nope", "jobs", body={})).code == 404
    assert (await api("GET", "jobs", uuid.uuid4().hex)).code == 404
    assert (await api("GET", "sweeps", uuid.uuid4().hex)).code == 404
    # A notebook outside the server's root, or none: 404
    outside = await api("POST", "pipelines", body={"notebook_path": "../train.ipynb"})
    assert outside.code == 404
    missing = await api("POST", "pipelines", body={"notebook_path": "none.ipynb"})
    assert missing.code == 404
    # A status no job has: 400
    assert (await api("GET", "jobs", params={"status": "done"})).code == 400


async def test_a_sweep_through_the_api(api, jp_root_dir):
    notebook(jp_root_dir / "echo.ipynb", "x = 0", "print(n * 2)", parameters="n = 1")
    await api("POST", "pipelines", body={"notebook_path": "echo.ipynb"})
    created = await api(
        "POST", "pipelines", "echo", "sweeps", body={"grid": {"n": [1, 2]}, "max_parallel": 2}
    )
    assert created.code == 201, created
    for job in created.body["jobs"]:
        assert (await ended(api, job["id"]))["status"] == "finished"
    sweep = await api("GET", "sweeps", created.body["id"])
    assert sweep.body["status"] == {"finished": 2}
    listed = await api("GET", "jobs", params={"sweep": created.body["id"], "page_size": "1"})
    assert len(listed.body["jobs"]) == 1 and listed.body["next_page_token"] == "1"
