"""The server extension on a real Jupyter server: status, authentication, kernels' store."""

from __future__ import annotations

import json

import pytest
import tornado.httpclient

from mlops_jlab import __version__
from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV

ROUTES = ["status"]


@pytest.fixture
def jp_server_config(jp_root_dir, monkeypatch):
    # The server exports its store to the environment for its kernels; monkeypatch
    # restores the test process's environment afterwards.
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    monkeypatch.delenv(ARTIFACTS_ENV, raising=False)
    return {"ServerApp": {"jpserver_extensions": {"mlops_jlab": True}}}


async def test_status_reports_version_store_and_counts(jp_fetch, jp_root_dir):
    # Given a server whose root folder has no store yet
    # When the panel asks for the status
    response = await jp_fetch("mlops-jlab", "api", "status")
    # Then it names the version and the store it created in the root folder
    body = json.loads(response.body)
    assert response.code == 200
    assert body["version"] == __version__
    assert body["store"]["kind"] == "sqlite"
    assert body["store"]["url"] == f"sqlite:///{jp_root_dir.resolve()}/.mlops/mlops.sqlite"
    assert body["store"]["artifacts"] == str(jp_root_dir.resolve() / ".mlops" / "artifacts")
    assert body["counts"] == {"experiments": 0, "runs": 0, "datasets": 0, "models": 0}


@pytest.mark.parametrize("route", ROUTES)
async def test_every_route_refuses_a_request_without_a_token(jp_fetch, route):
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await jp_fetch("mlops-jlab", "api", route, headers={"Authorization": ""})
    assert refused.value.code == 403


async def test_kernels_started_by_the_server_write_to_its_store(jp_serverapp, jp_fetch):
    # Given the server's store, when a real kernel started by the server tracks a run
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel()
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        code = (
            "import mlops_jlab as ml\n"
            "with ml.start_run(name='from-kernel'):\n"
            "    ml.log_metric('acc', 0.5)\n"
        )
        reply = await client.execute_interactive(code, timeout=120)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id)
    # Then the panel's status counts that run
    body = json.loads((await jp_fetch("mlops-jlab", "api", "status")).body)
    assert body["counts"]["runs"] == 1
