"""The REST API over HTTP against a real Jupyter server, on the 1M-run store, on SQLite and
on PostgreSQL.

The store is :mod:`million`'s (1,000,000 finished runs of 5 params and 3 metrics, three
experiments, about 90% of the runs stale), cached under ``~/.cache/mlops-jlab-bench/``. On
each database a Jupyter server with the extension is started on a copy of it, and a
keep-alive HTTP client times, p50 and p95 after a warm-up, every request the runs panel
sends (:data:`PAGES`: pages of runs filtered and ordered as a user would, pages 1-20, the
count, a run's detail, 10 runs compared, "Stale only", a search of run names, an
experiment's page, the end of the table, filters and orderings by keys few or no runs
have); then a writer logs runs with ``ml.start_run``/``log_params``/``log_metrics`` alone
and while a client pages through the runs and counts them: its time per run, and whether
every run it logged is there. The machine's load is taken before and after each database.

The lineage of a run and of a dataset version are timed on the same store; a 1M-point
metric history on a store of its own. MLflow's ``MlflowClient.search_runs`` answers the
query of ``common.FILTER`` on 5k and 20k of the same runs, and our ``GET runs`` on a
server over a store of those runs, for the ratio (MLflow's stores are cached too: it
takes some 20 ms to log a run).

Usage: python benchmarks/api_queries.py [--quick] [--kind sqlite|postgresql|both]
Results: benchmarks/results/api_queries.json (--quick: api_queries_quick.json)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import common
import million
import requests

from mlops_jlab.config import StoreLocation

API = "mlops-jlab/api"
PAGE = common.TOP_K
# The panel's bound on a request (issue 18): every request answers within it, p50.
PANEL_MS = 50
STALE_MS = 100


@dataclass(frozen=True)
class Sizes:
    runs: int
    history_points: int
    mlflow_runs: tuple[int, ...]
    tries: int
    writer_runs: int


FULL = Sizes(
    runs=million.RUNS,
    history_points=1_000_000,
    mlflow_runs=(5_000, 20_000),
    tries=20,
    writer_runs=300,
)
QUICK = Sizes(runs=20_000, history_points=100_000, mlflow_runs=(500,), tries=5, writer_runs=30)


# --- MLflow -------------------------------------------------------------------------------


def mlflow_stores(sizes: tuple[int, ...]) -> dict[int, Path]:
    """MLflow stores of the first ``n`` of ``common.synthetic_runs(max(sizes))`` for each
    ``n`` of ``sizes``, logged with ``MlflowClient.log_batch`` once and cached. MLflow
    commits three times a run with SQLite's full sync (140 ms a run on this machine's
    disk), so it is written in memory (/dev/shm) and copied to the cache at each size."""
    cache = million.CACHE / f"mlflow-{version('mlflow')}"
    wanted = {n: cache / f"runs-{n}.sqlite" for n in sizes}
    if all(path.exists() for path in wanted.values()):
        return wanted
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    logging.getLogger("mlflow").setLevel(logging.ERROR)  # MLflow sets its level on import
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else cache
    seeded = scratch / f"mlflow-seed-{os.getpid()}.sqlite"
    client = MlflowClient(f"sqlite:///{seeded}")
    experiment_id = client.create_experiment("churn")
    started = time.perf_counter()
    try:
        for index, (params, metrics) in enumerate(common.synthetic_runs(max(sizes))):
            begun = million.T0 + index * 1000
            run = client.create_run(experiment_id, start_time=begun)
            client.log_batch(
                run.info.run_id,
                metrics=[Metric(k, v, begun + 400, 0) for k, v in metrics.items()],
                params=[Param(k, v) for k, v in params.items()],
            )
            client.set_terminated(run.info.run_id, end_time=begun + 500)
            if index + 1 in wanted:
                shutil.copyfile(seeded, wanted[index + 1])
                seconds = time.perf_counter() - started
                wanted[index + 1].with_suffix(".json").write_text(
                    json.dumps({"experiment_id": experiment_id, "seed_seconds": seconds})
                )
    finally:
        client._tracking_client.store.engine.dispose()
        seeded.unlink(missing_ok=True)
    return wanted


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyter_server(folder: Path, location: StoreLocation) -> Iterator[Client]:
    """A Jupyter server with the extension on ``location``, as a subprocess with its own
    configuration and runtime folders; stopped on the way out, whatever happens."""
    root = folder / "server-root"
    for name in ("server-root", "config", "runtime"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "config")}
    env["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
    env.pop("MLOPS_JLAB_DB_URL", None)
    env.pop("MLOPS_JLAB_ARTIFACTS", None)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",  # harmless for others; CI machines run as root
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--MlopsApp.db_url={location.db_url}",
        f"--MlopsApp.artifacts={location.artifacts}",
    ]
    log_path = folder / "server.log"
    with open(log_path, "ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = Client(f"http://127.0.0.1:{port}/{API}/", token)
        client.wait_until_up(process, log_path)
        client.start_seconds = round(time.perf_counter() - started, 2)
        yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    """A keep-alive HTTP session to the API with the token in the Authorization header."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"
        self.start_seconds = 0.0

    def wait_until_up(self, process: subprocess.Popen, log_path: Path) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the Jupyter server exited ({process.returncode}):\n"
                    + log_path.read_text()[-3000:]
                )
            try:
                if self.session.get(self.base + "status", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            "the Jupyter server did not answer in 2 minutes:\n" + log_path.read_text()[-3000:]
        )

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=120, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of a request that must succeed."""
        response = self.request(method, path, **kwargs)
        if response.status_code != 200:
            raise RuntimeError(
                f"{method} {path} answered {response.status_code}: {response.text[:500]}"
            )
        return response.json()

    def timed(self, method: str, path: str, tries: int, warmup: int = 5, **kwargs: Any) -> dict:
        """p50/p95 of ``tries`` requests after ``warmup`` untimed ones; the time is from
        sending the request to having its whole body (not parsing the JSON)."""
        for _ in range(warmup):
            self.ok(method, path, **kwargs)
        samples = []
        for _ in range(tries):
            started = time.perf_counter()
            response = self.request(method, path, **kwargs)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{method} {path} answered {response.status_code}")
        return {**common.summary(samples), "answer_bytes": len(response.content)}


# --- the measures -------------------------------------------------------------------------


def spec_of(client: Client) -> dict[str, Any]:
    return client.ok("GET", "openapi.json")


def has_route(spec: dict[str, Any], path: str) -> bool:
    return any(route.endswith(path) for route in spec.get("paths", {}))


def runs_query_params(spec: dict[str, Any]) -> set[str]:
    for route, item in spec.get("paths", {}).items():
        if route.endswith("/runs") and "get" in item:
            return {param["name"] for param in item["get"].get("parameters", [])}
    return set()


@dataclass(frozen=True)
class Request:
    """A request the panel sends, what it must show, and its bound (None: reported only)."""

    what: str
    path: str
    query: dict[str, Any]
    target_ms: float | None = PANEL_MS
    check: Callable[[dict[str, Any]], None] | None = None
    method: str = "GET"
    body: dict[str, Any] | None = None


def ordered_by(key: str, descending: bool) -> Callable[[dict[str, Any]], None]:
    """A check that a page is ordered by metric ``key`` (runs without it last)."""

    def check(page: dict[str, Any]) -> None:
        values = [run["metrics"][key] for run in page["runs"] if key in run["metrics"]]
        assert values == sorted(values, reverse=descending), f"not ordered by {key}"

    return check


def full_page(page: dict[str, Any]) -> None:
    assert len(page["runs"]) == PAGE, len(page["runs"])


def empty_page(page: dict[str, Any]) -> None:
    assert page["runs"] == [] and page["next_page_token"] is None, page


def pages(facts: dict[str, Any], spec: dict[str, Any]) -> dict[str, Request]:
    """The requests of the runs panel over the store ``facts`` describes, by name."""
    listing = {"page_size": PAGE}
    newest = facts["training_runs"] - 1
    one_name = f"train-{newest - 123_457 % facts['training_runs']}"
    found: dict[str, Request] = {
        "default_page": Request(
            "the panel's first page: 100 runs, newest first, no count",
            "runs",
            listing,
            check=full_page,
        ),
        "metric_filter_ordered": Request(
            "metrics.accuracy > 0.5 ordered by metrics.accuracy DESC",
            "runs",
            listing | {"filter": "metrics.accuracy > 0.5", "order_by": "metrics.accuracy DESC"},
            check=ordered_by("accuracy", True),
        ),
        "param_equality_by_metric": Request(
            "params.model = 'rf' ordered by metrics.loss ASC",
            "runs",
            listing | {"filter": "params.model = 'rf'", "order_by": "metrics.loss ASC"},
            check=ordered_by("loss", False),
        ),
        "metric_or_by_metric": Request(
            "metrics.accuracy > 0.95 OR metrics.loss < 0.03, ordered by metrics.f1 DESC",
            "runs",
            listing
            | {
                "filter": "metrics.accuracy > 0.95 OR metrics.loss < 0.03",
                "order_by": "metrics.f1 DESC",
            },
            check=ordered_by("f1", True),
        ),
        "ordered_by_param": Request(
            "ordered by params.depth ASC", "runs", listing | {"order_by": "params.depth ASC"}
        ),
        "run_name_search_many": Request(
            "name LIKE '%77%': a term in the names of many runs",
            "runs",
            listing | {"filter": "name LIKE '%77%'"},
        ),
        "run_name_search_one": Request(
            f"name LIKE '%{one_name}%': a term in the name of one run",
            "runs",
            listing | {"filter": f"name LIKE '%{one_name}%'"},
        ),
        "run_name_search_one_ilike": Request(
            f"name ILIKE '%{one_name.upper()}%': the same, minding no case",
            "runs",
            listing | {"filter": f"name ILIKE '%{one_name.upper()}%'"},
        ),
        "experiment_page": Request(
            "an experiment's first page (experiment=ablation, 10% of the runs)",
            "runs",
            listing | {"experiment": "ablation"},
            check=full_page,
        ),
        "stale_page": Request(
            '"Stale only": the first page of 100 stale runs',
            "runs",
            listing | {"stale": "true"},
            STALE_MS,
            check=stale_page,
        ),
        "filter_key_no_run_has": Request(
            "a filter on a key no run has: metrics.no_such_metric > 0.5",
            "runs",
            listing | {"filter": "metrics.no_such_metric > 0.5"},
            check=empty_page,
        ),
        "order_by_rare_key": Request(
            f"ordered by params.{million.RARE_PARAM} DESC, a param one run in "
            f"{million.RARE_EVERY:,} has",
            "runs",
            listing | {"order_by": f"params.{million.RARE_PARAM} DESC"},
        ),
        "order_by_key_no_run_has": Request(
            "ordered by metrics.no_such_metric DESC, a key no run has",
            "runs",
            listing | {"order_by": "metrics.no_such_metric DESC"},
        ),
    }
    if "reverse" in runs_query_params(spec):
        found["reverse_page"] = Request(
            "the end of the table: the oldest 100 runs (reverse=true)",
            "runs",
            listing | {"reverse": "true"},
        )
    if has_route(spec, "runs/count"):
        found |= {
            "count_default": Request(
                "GET runs/count, no filter, the default bound", "runs/count", {}
            ),
            "count_filtered": Request(
                "GET runs/count of metrics.accuracy > 0.1, the default bound",
                "runs/count",
                {"filter": "metrics.accuracy > 0.1"},
            ),
            "count_exact": Request(
                "GET runs/count?exact=true, no filter", "runs/count", {"exact": "true"}, None
            ),
            "count_exact_filtered": Request(
                "GET runs/count?exact=true of metrics.accuracy > 0.1",
                "runs/count",
                {"filter": "metrics.accuracy > 0.1", "exact": "true"},
                None,
            ),
        }
    return found


def stale_page(page: dict[str, Any]) -> None:
    full_page(page)
    assert all(run["stale_reasons"] for run in page["runs"]), "a run that is not stale"


def timed_request(client: Client, name: str, request: Request, tries: int) -> dict[str, Any]:
    answer = client.ok(request.method, request.path, params=request.query, json=request.body)
    if request.check is not None:
        request.check(answer)
    timing = client.timed(
        request.method, request.path, tries, params=request.query, json=request.body
    )
    result: dict[str, Any] = {
        "what": request.what,
        "request": f"{request.method} {request.path}",
        "query": request.query,
        "mlops_jlab": timing,
    }
    if "runs" in answer:
        result["runs_on_page"] = len(answer["runs"])
    if request.path == "runs/count":
        fields = ("total", "complete", "is_estimate")
        result["answer"] = {key: answer[key] for key in fields if key in answer}
    note = ""
    if "answer" in result:
        note = json.dumps(result["answer"])
    elif "runs_on_page" in result:
        note = f"{result['runs_on_page']} runs"
    report(name, timing["p50_ms"], timing["p95_ms"], request.target_ms, note)
    if request.target_ms is not None:
        result["target_ms"] = request.target_ms
        result["met"] = timing["p50_ms"] <= request.target_ms
    return result


def walk_pages(client: Client, tries: int, count: int = 20) -> dict[str, Any]:
    """Pages 1 to ``count`` of the default order through ``next_page_token``, ``tries``
    walks: the time of each page."""
    samples = []
    for _ in range(max(1, tries)):
        token = None
        for _ in range(count):
            query = {"page_size": PAGE} | ({"page_token": token} if token else {})
            started = time.perf_counter()
            page = client.ok("GET", "runs", params=query)
            samples.append((time.perf_counter() - started) * 1000)
            token = page["next_page_token"]
    timing = common.summary(samples)
    report("pages_1_to_20", timing["p50_ms"], timing["p95_ms"], PANEL_MS, "a page")
    return {
        "pages_1_to_20": {
            "what": f"pages 1-{count} of 100 runs through next_page_token, ms a page",
            "request": "GET runs",
            "mlops_jlab": timing,
            "target_ms": PANEL_MS,
            "met": timing["p50_ms"] <= PANEL_MS,
        }
    }


def run_detail_and_compare(client: Client, tries: int) -> dict[str, Any]:
    page = client.ok("GET", "runs", params={"page_size": PAGE, "params": "", "metrics": ""})
    ids = [run["id"] for run in page["runs"]]
    requests_ = {
        "run_detail": Request("a run's detail (the newest run)", f"runs/{ids[0]}", {}),
        "compare_10": Request(
            "10 runs side by side (params, metrics, histories, code)",
            "runs/compare",
            {},
            method="POST",
            body={"run_ids": ids[:10]},
        ),
    }
    return {
        name: timed_request(client, name, request, tries) for name, request in requests_.items()
    }


def measure_lineage(client: Client, facts: dict[str, Any], tries: int) -> dict[str, Any]:
    """Upstream of a training run (its train split, back through every increment of its
    pipeline) and downstream of a train split (the runs that read it)."""
    cases = {
        "lineage_upstream": Request(
            f"upstream of a training run, up to {million.INCREMENTS} pipeline increments deep",
            f"lineage/run/{facts['train_reader']}",
            {"direction": "upstream"},
        ),
        "lineage_downstream": Request(
            f"downstream of a train split read by {million.RUNS_PER_VERSION} runs",
            f"lineage/dataset_version/{facts['train']}",
            {"direction": "downstream"},
        ),
    }
    spec = spec_of(client)
    for path, item in spec.get("paths", {}).items():
        if "lineage/{kind}/" in path and "get" in item:
            for param in item["get"].get("parameters", []):
                if param.get("name") == "direction":
                    names = param.get("schema", {}).get("enum", [])
                    for case in cases.values():
                        wanted = case.query["direction"][:2]
                        case.query["direction"] = next(
                            (n for n in names if n.startswith(wanted)), wanted
                        )
    return {name: timed_request(client, name, case, tries) for name, case in cases.items()}


WRITER = """
import json, sys, time
import mlops_jlab as ml
ml.set_store(sys.argv[1], sys.argv[2])
runs, tag = int(sys.argv[3]), sys.argv[4]
samples, ids = [], []
for index in range(runs + 5):
    started = time.perf_counter()
    with ml.start_run(name=f"{tag}-{index}", experiment=tag) as run:
        ml.log_params({"model": "rf", "lr": "0.01", "depth": "6", "n_estimators": "200",
                       "seed": str(index)})
        ml.log_metrics({"accuracy": 0.9, "f1": 0.88, "loss": 0.1})
    if index >= 5:  # the first runs open the store
        samples.append((time.perf_counter() - started) * 1000)
    ids.append(run.id)
print(json.dumps({"samples": samples, "ids": ids}))
"""


def write_runs(location: StoreLocation, runs: int, tag: str) -> dict[str, Any]:
    """``runs`` runs logged by a process of their own, as a notebook's kernel logs them."""
    done = subprocess.run(
        [sys.executable, "-c", WRITER, location.db_url, location.artifacts, str(runs), tag],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the writer failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_writer(client: Client, location: StoreLocation, runs: int) -> dict[str, Any]:
    """A writer logging ``runs`` runs alone, then while a client pages through the store
    (next_page_token, 100 runs a page) and counts it: the writer's ms a run, and whether
    every run it logged is there."""
    alone = write_runs(location, runs, "writer-alone")
    stop = threading.Event()
    panel = {"pages": 0, "counts": 0, "errors": []}
    counting = has_route(spec_of(client), "runs/count")

    def scroll() -> None:
        token = None
        while not stop.is_set():
            query = {"page_size": PAGE} | ({"page_token": token} if token else {})
            response = client.request("GET", "runs", params=query)
            if response.status_code != 200:
                panel["errors"].append(response.text[:200])
                return
            panel["pages"] += 1
            token = response.json()["next_page_token"]
            counted = counting and panel["pages"] % 10 == 0
            if counted and client.request("GET", "runs/count").status_code == 200:
                panel["counts"] += 1

    scroller = threading.Thread(target=scroll)
    scroller.start()
    try:
        busy = write_runs(location, runs, "writer-busy")
    finally:
        stop.set()
        scroller.join()
    results: dict[str, Any] = {"runs": runs}
    for name, written in (("alone", alone), ("with_panel", busy)):
        tag = "writer-alone" if name == "alone" else "writer-busy"
        listed = client.ok("GET", "runs", params={"experiment": tag, "page_size": 1000})
        there = {run["id"] for run in listed["runs"]}
        results[name] = {
            "ms_a_run": common.summary(written["samples"]),
            "logged": len(written["ids"]),
            "all_there": there == set(written["ids"]),
        }
        timing = results[name]["ms_a_run"]
        report(
            f"writer_{name}", timing["p50_ms"], timing["p95_ms"], None,
            f"all {len(written['ids'])} runs there: {there == set(written['ids'])}",
        )  # fmt: skip
    results["panel"] = {"pages_read": panel["pages"], "counts": panel["counts"]}
    results["panel_errors"] = panel["errors"]
    return results


def measure_history(folder: Path, points: int, tries: int) -> dict[str, Any]:
    """The first request of a ``points``-point history on a store of its own (nothing
    cached), then requests that miss the server's cache (each another ``max_points``) and
    that hit it."""
    seeder = million.Seeder(folder, "history")
    run_id = seeder.long_history(points)
    seeder.store.dispose()
    path = f"runs/{run_id}/metrics/{million.HISTORY_KEY}"
    with jupyter_server(folder / "history-server", seeder.location) as client:
        started = time.perf_counter()
        first = client.ok("GET", path)
        first_ms = round((time.perf_counter() - started) * 1000, 3)
        assert first["downsampled"] and first["count"] == points, (first["count"], points)
        samples = []
        for index in range(tries):
            started = time.perf_counter()
            answer = client.ok("GET", path, params={"max_points": 1999 - index})
            samples.append((time.perf_counter() - started) * 1000)
            assert answer["count"] == points
        uncached = common.summary(samples)
        cached = client.timed("GET", path, tries, warmup=0)
    report("history_first", first_ms, None, 100, f"{len(first['points'])} of {points:,} points")
    report("history_uncached", uncached["p50_ms"], uncached["p95_ms"])
    report("history_cached", cached["p50_ms"], cached["p95_ms"])
    return {
        "history_first": {
            "what": f"the first request of a {points:,}-point history, downsampled to "
            f"{len(first['points'])} buckets",
            "mlops_jlab": {"ms": first_ms},
            "target_ms": 100,
            "met": first_ms <= 100,
        },
        "history_uncached": {
            "what": "later requests that miss the cache: max_points 1999, 1998, ...",
            "mlops_jlab": uncached,
        },
        "history_cached": {
            "what": "later requests of the default max_points (the server's cache)",
            "mlops_jlab": cached,
        },
    }


def report(
    name: str, p50: float, p95: float | None, target: float | None = None, note: str = ""
) -> None:
    spread = f", {p95:8.2f} ms p95" if p95 is not None else ""
    bound = f"  (target <= {target:g} ms)" if target is not None else ""
    flag = "" if target is None or p50 <= target else "  NOT MET"
    print(
        f"  {name:28} {p50:8.2f} ms{' p50' if p95 is not None else '    '}{spread}{bound}{flag}"
        f" {note}",
        flush=True,
    )


def measure_database(
    kind: str, folder: Path, sizes: Sizes, facts: dict[str, Any]
) -> dict[str, Any]:
    """Every measure of the panel's requests on the store of ``kind``, with the load."""
    results: dict[str, Any] = {"load_before": os.getloadavg()}
    with (
        million.store(kind, sizes.runs, folder / kind) as location,
        jupyter_server(folder / f"{kind}-server", location) as client,
    ):
        print(f"  the server answered after {client.start_seconds} s", flush=True)
        results["server_start_seconds"] = client.start_seconds
        spec = spec_of(client)
        measures: dict[str, Any] = {}
        for name, request in pages(facts, spec).items():
            measures[name] = timed_request(client, name, request, sizes.tries)
        measures |= walk_pages(client, max(1, sizes.tries // 5))
        measures |= run_detail_and_compare(client, sizes.tries)
        measures |= measure_lineage(client, facts, sizes.tries)
        results["measures"] = measures
        results["writer"] = measure_writer(client, location, sizes.writer_runs)
    results["load_after"] = os.getloadavg()
    return results


def measure_against_mlflow(folder: Path, sizes: Sizes) -> dict[str, Any]:
    """``common.FILTER`` ordered by ``common.ORDER_BY``, top 100: MLflow's ``search_runs``
    in this process and our ``GET runs`` over HTTP, on the same runs, at each size."""
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    stores = mlflow_stores(sizes.mlflow_runs)
    results = {}
    query = {"filter": common.FILTER, "order_by": common.ORDER_BY, "page_size": PAGE}
    for runs, cached in stores.items():
        seeding = json.loads(cached.with_suffix(".json").read_text())
        database = folder / f"mlflow-{runs}.sqlite"
        shutil.copyfile(cached, database)
        client = MlflowClient(f"sqlite:///{database}")

        def search(client: Any = client, experiment: str = seeding["experiment_id"]) -> Any:
            return client.search_runs(
                [experiment], filter_string=common.FILTER, order_by=[common.ORDER_BY],
                max_results=PAGE,
            )  # fmt: skip

        theirs_page = search()
        tries = max(5, sizes.tries // 2)
        for _ in range(3):
            search()
        theirs = common.summary(common.timed(search, tries))
        started = time.perf_counter()
        ours = million.Seeder(folder, f"ours-{runs}")
        ours.training_runs(runs, lineage=False)
        ours.store.dispose()
        ours_seconds = time.perf_counter() - started
        with jupyter_server(folder / f"ours-{runs}-server", ours.location) as server:
            page = server.ok("GET", "runs", params=query)
            mine = server.timed("GET", "runs", tries, params=query)
        # The same runs, in the same order: the seeds (run numbers) of both pages agree.
        assert [run["params"]["seed"] for run in page["runs"]] == [
            run.data.params["seed"] for run in theirs_page
        ], "MLflow and mlops-jlab disagree on the page"
        ratio = round(theirs["p50_ms"] / mine["p50_ms"], 1)
        print(f"  {runs:,} runs: ours over HTTP {mine['p50_ms']:8.2f} ms p50, "
              f"MLflow search_runs {theirs['p50_ms']:8.2f} ms p50: {ratio}x")  # fmt: skip
        results[str(runs)] = {
            "runs": runs,
            "mlops_jlab": {"what": "GET runs over HTTP", **mine},
            "mlflow": {"what": "MlflowClient.search_runs in this process (Run objects)", **theirs},
            "mlflow_over_ours_p50": ratio,
            "seed_seconds": {
                "mlops_jlab": round(ours_seconds, 1),
                "mlflow": round(seeding["seed_seconds"], 1),
            },
        }
    return {"filter": common.FILTER, "order_by": common.ORDER_BY, "max_results": PAGE, **results}


def code_state() -> dict[str, Any]:
    """The commit of the package measured (the server imports the same one), and its files
    that differed from that commit then."""
    import mlops_jlab

    package = Path(mlops_jlab.__file__).resolve().parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=package, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = git("status", "--porcelain", "--", ".")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": sorted(line[3:] for line in changed.splitlines()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a store of 20k runs, in a minute")
    parser.add_argument("--kind", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--no-mlflow", action="store_true", help="skip MLflow and the history")
    args = parser.parse_args()
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    sizes = QUICK if args.quick else FULL
    kinds = ["sqlite", "postgresql"] if args.kind == "both" else [args.kind]
    results: dict[str, Any] = {
        "machine": {
            **common.machine(),
            "mlflow": version("mlflow"),
            "jupyter_server": version("jupyter_server"),
        },
        "code": code_state(),
        "quick": args.quick,
        "client": "requests.Session (keep-alive), token in the Authorization header",
    }
    seeded = million.seed_sqlite(sizes.runs)
    if "postgresql" in kinds:
        seeded = million.seed_postgres(sizes.runs)
    results["store"] = seeded.facts
    print(f"store: {json.dumps(seeded.facts)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in kinds:
            print(f"REST API on {seeded.facts['runs']:,} runs, {kind}", flush=True)
            results[kind] = measure_database(kind, folder, sizes, seeded.facts)
        if not args.no_mlflow:
            print(f"a {sizes.history_points:,}-point history", flush=True)
            results["history"] = measure_history(folder, sizes.history_points, sizes.tries)
            print(f"top-{PAGE} of {common.FILTER}: ours over HTTP, MLflow in process", flush=True)
            results["vs_mlflow"] = measure_against_mlflow(folder, sizes)
    name = "api_queries_quick" if args.quick else "api_queries"
    print(f"results: {common.write_results(name, results)}")


if __name__ == "__main__":
    main()
