"""Calling the REST API of a real Jupyter server from tests: the server's configuration
for a test store, and ``api``, which answers a status and a JSON body."""

from __future__ import annotations

import json
from typing import Any

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV

API = ("mlops-jlab", "api")


def server_config(location, monkeypatch, **mlops: Any) -> dict[str, Any]:
    """``jp_server_config`` for a server on the test's store (``mlops``: more MlopsApp
    settings)."""
    # The server exports its store to the environment for its kernels; monkeypatch
    # restores the test process's environment afterwards (delenv of a variable that is not
    # set records nothing to restore: setenv first records it).
    for name in (DB_URL_ENV, ARTIFACTS_ENV):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return {
        "ServerApp": {"jpserver_extensions": {"mlops_jlab": True}},
        "MlopsApp": {"db_url": location.db_url, "artifacts": location.artifacts, **mlops},
    }


class Answer:
    def __init__(self, response):
        self.code = response.code
        self.headers = response.headers
        self.body = json.loads(response.body) if response.body else None

    def __repr__(self) -> str:
        return f"<{self.code} {self.body!r:.300}>"


def api_caller(jp_fetch):
    """``await api("GET", "runs", params=...)``: the answer's status and JSON body."""

    async def call(method: str, *path: str, params=None, body: Any = None, **kwargs) -> Answer:
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PATCH"):
            body = ""
        response = await jp_fetch(
            *API, *path, method=method, params=params, body=body, raise_error=False, **kwargs
        )
        return Answer(response)

    return call
