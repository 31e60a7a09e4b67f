"""The server extension on a real Jupyter server: status, authentication, kernels' store."""

from __future__ import annotations

import json
import re
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import tornado.httpclient
import tornado.web

from mlops_jlab import __version__
from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV
from mlops_jlab.server.routes import ROUTES

# A value for each path parameter of the route table.
SAMPLES = {
    "run_id": uuid.uuid4().hex,
    "key": "loss",
    "digest": "0" * 32,
    "name": "data%2Ftrain.csv",
    "version_id": "1",
    "kind": "run",
    "node_id": uuid.uuid4().hex,
    "model": "churn",
    "version": "1",
    "alias": "champion",
    "request_id": "1",
    "job_id": uuid.uuid4().hex,
    "sweep_id": uuid.uuid4().hex,
    "recommendation_id": "1",
    "schedule_id": "1",
}
EVERY_OPERATION = [
    (method.upper(), re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], route.path))
    for route in ROUTES
    for method in route.operations
]


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
    assert body["counts"] == {
        "experiments": 0,
        "runs": 0,
        "runs_complete": True,
        "datasets": 0,
        "models": 0,
    }


@pytest.mark.parametrize(("method", "path"), EVERY_OPERATION)
async def test_every_route_refuses_a_request_without_a_token(jp_fetch, method, path):
    # Given a request to any operation of the API without the server's token
    body = "{}" if method in ("POST", "PATCH", "PUT") else None
    # When it is sent, then it is refused
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await jp_fetch(
            "mlops-jlab", "api", path, method=method, body=body, headers={"Authorization": ""}
        )
    assert refused.value.code == 403


def test_every_handler_method_is_authenticated():
    # The route table's operations are the handlers' methods, each behind authentication
    for route in ROUTES:
        for method in route.operations:
            handler_method = getattr(route.handler, method)
            wrapper = handler_method.__code__
            assert wrapper.co_filename == tornado.web.__file__, (route.path, method)
            assert wrapper.co_qualname.startswith("authenticated."), (route.path, method)


def cookies_of(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


async def test_a_browser_session_needs_the_xsrf_token_to_change_anything(
    jp_serverapp, http_server_client, jp_base_url
):
    # Given a browser that logged in with the token and holds the session cookie
    login_page = await http_server_client.fetch(f"{jp_base_url}login", raise_error=False)
    cookies = cookies_of(login_page)
    xsrf = cookies["_xsrf"]
    login = await http_server_client.fetch(
        f"{jp_base_url}login",
        method="POST",
        body=urlencode({"_xsrf": xsrf, "password": jp_serverapp.identity_provider.token}),
        headers={"Cookie": cookie_header(cookies)},
        follow_redirects=False,
        raise_error=False,
    )
    assert login.code == 302, login.body
    cookies.update(cookies_of(login))
    session = {"Cookie": cookie_header(cookies)}
    api = f"{jp_base_url}mlops-jlab/api"
    # When it reads, the session is enough
    status = await http_server_client.fetch(f"{api}/status", headers=session, raise_error=False)
    assert status.code == 200
    # But a change without the XSRF token (what a cross-site form would send) is refused
    for method, path, body in [
        ("PATCH", f"runs/{uuid.uuid4().hex}", '{"name": "x"}'),
        ("DELETE", f"runs/{uuid.uuid4().hex}", None),
        ("POST", "runs/compare", '{"run_ids": []}'),
    ]:
        refused = await http_server_client.fetch(
            f"{api}/{path}",
            method=method,
            body=body,
            headers=session,
            raise_error=False,
            allow_nonstandard_methods=True,
        )
        assert refused.code == 403, (method, path, refused.body)
        assert "_xsrf" in json.loads(refused.body)["message"]
    # And with the XSRF token the same change gets through to the API (which finds no run)
    allowed = await http_server_client.fetch(
        f"{api}/runs/{uuid.uuid4().hex}",
        method="PATCH",
        body='{"name": "x"}',
        headers={**session, "X-XSRFToken": xsrf},
        raise_error=False,
    )
    assert allowed.code == 404, allowed.body


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
