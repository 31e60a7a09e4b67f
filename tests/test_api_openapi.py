"""The OpenAPI document: served by the live server, complete, true of the server, and the
one the frontend's API types are generated from.

Schemathesis loads the document from the running server, generates requests for every
operation from it (valid ones, ones with the ids of real runs, and invalid ones) and checks
that no answer is a 5xx and every answer (status, media type, body) is one the document
describes. Examples are bounded and derandomized, so the run is reproducible.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import hypothesis
import pandas as pd
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from mlops_jlab.pipelines import promotion, schedules
from mlops_jlab.registry import Registry, advice, gate
from mlops_jlab.server.routes import ROUTES
from tests.api_client import server_config
from tests.pipeline_notebooks import notebook

MAX_EXAMPLES = 30
# The frontend's copy of the document, which its API types are generated from.
COMMITTED = Path(__file__).parents[1] / "src" / "api" / "openapi.json"
# Operations that may refuse a request their document allows (400), for what JSON Schema
# cannot say: a filter or ordering in the query language, a page token of another
# ordering, a run listed twice, a step range given backwards. Every other operation
# accepts whatever its document allows.
# A notebook to promote must exist under the server's root, a job's parameters must fit
# its pipeline's schema, and an output is saved as a new .ipynb file.
# The registry's changes refuse what the store's state forbids (409: a protected alias, a
# decided request), a condition's syntax or a test set JSON Schema cannot judge (400), and
# one's own approval where the store forbids it (403). A recommendation is decided once
# (409), a dismissal's reason is not blank, and drift is checked on a recorded dataset
# version, by a version or an alias (not both).
# A cron's syntax is as far beyond JSON Schema as the query language is.
BEYOND_THE_SCHEMA = {
    "GET /runs",
    "GET /runs/count",
    "POST /runs/compare",
    "GET /runs/{run_id}/metrics/{key}",
    "POST /pipelines",
    "POST /pipelines/{name}/jobs",
    "POST /pipelines/{name}/sweeps",
    "POST /jobs/{job_id}/output",
    "POST /jobs/{job_id}/rerun",
    "PUT /models/{model}/aliases/{alias}",
    "DELETE /models/{model}/aliases/{alias}",
    "POST /requests",
    "POST /requests/{request_id}/approve",
    "POST /requests/{request_id}/reject",
    "POST /models/{model}/drift",
    "POST /recommendations/{recommendation_id}/accept",
    "POST /recommendations/{recommendation_id}/dismiss",
    "POST /schedules",
    "PATCH /schedules/{schedule_id}",
    "GET /cron/describe",
}
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def jp_server_config(location, monkeypatch):
    # No scheduler: an edit schemathesis makes to the seeded schedule must not start jobs
    return server_config(location, monkeypatch, scheduler=False)


@pytest.fixture
def seeded(tracker, tmp_path):
    """A few runs with params, metrics (one history long enough to be downsampled), tags,
    code, a note-worthy failure, an artifact and dataset versions they read and wrote;
    returns the path parameters and the query of a dataset diff that name real things."""
    ids, digest = [], None
    for number in range(4):
        run = tracker.start_run(
            name=f"run-{number}",
            experiment="churn" if number % 2 else "fraud",
            code=f"lr = {number}\nfit(lr)\n",
            tags={"team": "risk"},
        )
        run.log_params({"lr": 0.1 * number, "model": "rf"})
        for step in range(3000 if number == 0 else 5):
            run.log_metrics({"loss": 1 / (step + 1)}, step=step)
        if number == 1:
            digest = run.log_artifact(b"weights", name="model.bin", kind="model")
        frame = pd.DataFrame({"x": [1.5 * number, 2.0, None], "label": ["a", "b", "a"]})
        run.log_dataset(frame, "data/train.csv", role="train")
        run.log_dataset(frame.dropna(), "clean", direction="output")
        run.end("failed" if number == 3 else "finished", error="boom" if number == 3 else None)
        ids.append(run.id)
    versions = list(tracker.dataset_versions("data/train.csv")["id"])
    registry = Registry(tracker)
    registry.register(ids[1], "churn")
    registry.set_alias("churn", "staging", 1)
    request = gate.request_transition(registry, "churn", 1, "champion", actor="ann")
    (recommendation,) = advice.detect(registry, actor="ann")
    promotion.promote(tracker, notebook(tmp_path / "quick.ipynb", "x = 1"))
    schedule = schedules.create_schedule(tracker, "quick", "0 2 * * 1")
    known = {
        "run_id": ids[0],
        "digest": digest,
        "key": "loss",
        "name": "data/train.csv",
        "version_id": str(versions[0]),
        "kind": "run",
        "node_id": ids[1],
        "schedule_id": str(schedule.id),
        # No job runs here (each would start a kernel): ids of none answer 404
        "job_id": "0" * 32,
        "sweep_id": "0" * 32,
        "model": "churn",
        "version": "1",
        "alias": "staging",
        "request_id": str(request.id),
        "recommendation_id": str(recommendation),
    }
    return ids, known, {"a": int(versions[0]), "b": int(versions[-1])}


async def test_the_document_describes_every_route_and_its_errors(jp_fetch, jp_base_url):
    # When the document is asked for
    response = await jp_fetch("mlops-jlab", "api", "openapi.json")
    spec = json.loads(response.body)
    # Then it is OpenAPI 3.1, served under the server's base URL, with every route of the
    # route table and every error an operation can give, each as {"message": ...}
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": f"{jp_base_url}mlops-jlab/api"}]
    assert set(spec["paths"]) == {f"/{route.path}" for route in ROUTES}
    error = {"$ref": "#/components/schemas/ErrorMessage"}
    for route in ROUTES:
        described = spec["paths"][f"/{route.path}"]
        assert set(described) == set(route.operations)
        for method, operation in route.operations.items():
            responses = described[method]["responses"]
            for code in {403, *operation.errors}:
                assert responses[str(code)]["content"]["application/json"]["schema"] == error
            assert all(
                int(code) < 300 or code in map(str, (403, 503, *operation.errors))
                for code in responses
            )
            if operation.query is not None or operation.body is not None:
                assert "400" in responses
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorMessage"]["required"] == ["message"]
    limits = spec["paths"]["/runs"]["get"]["parameters"]
    page_size = next(p for p in limits if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
    counted = spec["paths"]["/runs/count"]["get"]["parameters"]
    limit = next(p for p in counted if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "default": 100_000}


async def test_the_frontends_copy_of_the_document_is_the_servers(jp_fetch):
    # Given the document the frontend's types are generated from
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    # When the live server is asked for its own
    response = await jp_fetch("mlops-jlab", "api", "openapi.json")
    served = json.loads(response.body)
    # Then they are the same. Only `servers` may differ: it names the API's URL under the
    # base URL each server is started with (this test server's is not the default "/").
    served.pop("servers")
    committed.pop("servers")
    assert served == committed, (
        "src/api/openapi.json is not the document the server serves: "
        "run `jlpm generate:api` and commit src/api/openapi.json and src/api/schema.ts"
    )


def examples(strategy, base_url: str, auth: dict[str, str], checks) -> None:
    """Send up to MAX_EXAMPLES requests drawn from ``strategy`` and check each answer."""

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy)
    def send(case):
        case.call_and_validate(base_url=base_url, headers=dict(auth), checks=checks)

    send()


def exercise(schema, base_url: str, auth: dict[str, str], seeded) -> list[str]:
    """Every operation with generated requests; returns the failures found."""
    failures: list[str] = []
    ids, fixed_parameters, diff_query = seeded
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        accepted = CONFORMANCE
        if operation.label not in BEYOND_THE_SCHEMA:
            accepted = [*CONFORMANCE, positive_data_acceptance]
        passes = [(GenerationMode.POSITIVE, None, accepted)]
        if names:
            # Generated ids are nearly always unknown: also use ids the store holds.
            known = {name: fixed_parameters[name] for name in names}
            passes.append((GenerationMode.POSITIVE, known, accepted))
        if operation.query or operation.body:
            passes.append((GenerationMode.NEGATIVE, None, [*CONFORMANCE, negative_data_rejection]))
        for mode, path_parameters, checks in passes:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            if operation.label == "POST /runs/compare" and mode == GenerationMode.POSITIVE:
                # Generated ids name no run: compare the store's own as well.
                strategy = strategy | operation.as_strategy(body={"run_ids": ids})
            if operation.label == "GET /dataset-versions/diff" and mode == GenerationMode.POSITIVE:
                strategy = strategy | operation.as_strategy(query=diff_query)
            try:
                examples(strategy, base_url, auth, checks)
            except Exception as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


async def test_the_server_answers_as_its_document_says(
    seeded, http_server, http_server_port, jp_base_url, jp_auth_header
):
    # Given the live server with a few runs and datasets, and its document loaded from it
    port = http_server_port[1]
    base_url = f"http://127.0.0.1:{port}{jp_base_url}mlops-jlab/api"

    def check() -> list[str]:
        schema = schemathesis.openapi.from_url(
            f"{base_url}/openapi.json", headers=dict(jp_auth_header), timeout=30
        )
        return exercise(schema, base_url, jp_auth_header, seeded)

    # When schemathesis sends what it generates from the document (from a thread: the
    # server answers on this thread's event loop)
    failures = await asyncio.to_thread(check)
    # Then no answer is a server error and every answer is one the document describes
    assert not failures, "\n\n".join(failures)
