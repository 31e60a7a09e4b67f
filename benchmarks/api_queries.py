"""The REST API over HTTP against a real Jupyter server, on a store of 100k runs.

A store is seeded with 100k training runs (10 params and 10 metrics each: 1M params and 1M
metric points), one run with a 1M-step metric history, and a lineage of incremental data
pipelines that the training runs read from and write models to. A Jupyter server with the
extension is started on it, and a keep-alive HTTP client times, p50 and p95 after a warm-up:

1. a filtered, ordered page of 100 runs (``GET runs``, the filter of ``common.FILTER``);
2. 10 runs side by side (``POST runs/compare``);
3. the lineage upstream of a model-producing run and downstream of a dataset version read
   by a few hundred runs (``GET lineage/{kind}/{id}``);
4. the 1M-point history, downsampled (``GET runs/{id}/metrics/{key}``): the first request,
   then others that miss the server's cache (another ``max_points``) and that hit it;
5. the first page of 100 stale runs (``GET runs?stale=true``), without and with the count.

MLflow's ``MlflowClient.search_runs`` answers the same query on 5k of the same runs, and our
``GET runs`` on a second server over a store of those 5k runs, for the ratio.

Usage: python benchmarks/api_queries.py [--quick]
Results: benchmarks/results/api_queries.json
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from itertools import islice
from pathlib import Path
from typing import Any

import common
import requests
import sqlalchemy as sa

from mlops_jlab.config import StoreLocation
from mlops_jlab.store import open_store, writes
from mlops_jlab.store.tables import Artifact, RunArtifact

T0 = 1_700_000_000_000  # epoch ms of the first run
TRANSACTION = 5_000  # runs per write transaction while seeding
RUNS_PER_VERSION = 300  # training runs that read one train/test split
INCREMENTS = 10  # versions in one incremental pipeline (each clean reads the last one)
HISTORY_KEY = "train_loss"
API = "mlops-jlab/api"
TARGETS_MS = {
    "runs_page": 50,
    "compare_10": 30,
    "lineage_upstream": 50,
    "lineage_downstream": 50,
    "history_first": 100,
    "stale_page": 100,
    "stale_page_count": 100,
}
ARTIFACTS = Artifact.__table__
RUN_ARTIFACTS = RunArtifact.__table__


@dataclass(frozen=True)
class Sizes:
    runs: int
    history_points: int
    mlflow_runs: int
    tries: int


FULL = Sizes(runs=100_000, history_points=1_000_000, mlflow_runs=5_000, tries=30)
QUICK = Sizes(runs=5_000, history_points=100_000, mlflow_runs=500, tries=10)


def runs_of_ten(n: int) -> Iterator[tuple[dict[str, str], dict[str, float]]]:
    """``common.synthetic_runs`` with 5 more params and 7 more metrics: 10 of each. The
    first five params and three metrics are the same, so ``common.FILTER`` means the same."""
    rng = random.Random(11)
    for params, metrics in common.synthetic_runs(n):
        accuracy = metrics["accuracy"]
        params |= {
            "batch_size": str(rng.choice([32, 64, 128, 256])),
            "dropout": f"{rng.choice([0.0, 0.1, 0.2, 0.5])}",
            "optimizer": rng.choice(["adam", "sgd", "rmsprop"]),
            "epochs": str(rng.randint(5, 50)),
            "features": rng.choice(["base", "base+time", "all"]),
        }
        metrics |= {
            "precision": accuracy - rng.uniform(0, 0.08),
            "recall": accuracy - rng.uniform(0, 0.12),
            "auc": min(1.0, accuracy + rng.uniform(0, 0.05)),
            "val_loss": metrics["loss"] + rng.uniform(0, 0.1),
            "val_accuracy": accuracy - rng.uniform(0, 0.05),
            "train_seconds": rng.uniform(5, 600),
            "log_loss": rng.uniform(0.1, 1.5),
        }
        yield params, metrics


def run_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


# --- seeding ------------------------------------------------------------------------------


class Seeder:
    """Writes runs, params, metrics, dataset versions, artifacts and lineage events with the
    functions the tracking API writes them with (``mlops_jlab.store.writes``), many runs per
    transaction; artifacts, which the tracking path writes one by one, in bulk."""

    def __init__(self, folder: Path, name: str):
        self.location = StoreLocation(
            f"sqlite:///{folder / name / 'mlops.sqlite'}", str(folder / name / "artifacts"), "bench"
        )
        self.store = open_store(self.location)  # a new store: the migrations run
        self.rng = random.Random(5)
        self.clock = T0
        with self.store.write() as conn:
            self.experiment_id = writes.ensure_experiment(conn, "churn")
        self.runs = 0

    @contextmanager
    def write(self) -> Iterator[Any]:
        """A write transaction of the store with a page cache of 256 MB on its connection
        (SQLite's default of 2 MB makes every insert into the big indexes read the disk)."""
        with self.store.write() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            yield conn

    def tick(self) -> int:
        self.clock += 1000
        return self.clock

    def insert_run(self, conn, name: str, notebook: str) -> tuple[str, int]:
        started = self.tick()
        new_id = run_id(self.rng)
        writes.insert_run(
            conn,
            {
                "id": new_id,
                "experiment_id": self.experiment_id,
                "name": name,
                "kind": "cell",
                "status": "finished",
                "notebook_path": notebook,
                "start_time": started,
                "end_time": started + 500,
                "heartbeat": started + 500,
                "user": "bench",
            },
        )
        self.runs += 1
        return new_id, started

    def version(self, conn, dataset: str, parent: int | None, n_rows: int) -> int:
        description = {
            "schema": [
                {"name": "customer_id", "dtype": "int64"},
                {"name": "tenure", "dtype": "float64"},
                {"name": "plan", "dtype": "object"},
                {"name": "churned", "dtype": "bool"},
            ],
            "n_rows": n_rows,
            "n_columns": 4,
        }
        version_id = writes.ensure_dataset_version(
            conn, dataset, f"{self.rng.getrandbits(128):032x}", description, source=dataset
        )
        if parent is not None:
            conn.execute(
                writes.VERSIONS.update()
                .where(writes.VERSIONS.c.id == version_id)
                .values(parent_version_id=parent)
            )
        return version_id

    def pipeline(self, conn, group: int, previous_clean: int | None) -> tuple[int, int, int]:
        """One increment of a data pipeline: an ingest run reads a lake extract and writes
        the raw version; a clean run reads it and the previous clean version and writes the
        new clean version (derived from raw); a split run writes train and test (derived
        from clean). Returns the ids of the clean, train and test versions."""
        project = group // INCREMENTS
        events = self.version(conn, f"lake/events-{project}", None, 1_000_000)
        raw = self.version(conn, f"data/raw-{project}.parquet", None, 100_000)
        ingest, _ = self.insert_run(conn, f"ingest-{group}", "pipelines/ingest.ipynb")
        writes.insert_lineage(
            conn,
            ingest,
            [("dataset_version", str(events), "INPUT"), ("dataset_version", str(raw), "OUTPUT")],
        )
        clean = self.version(conn, f"data/clean-{project}.parquet", raw, 90_000)
        cleaning, _ = self.insert_run(conn, f"clean-{group}", "pipelines/clean.ipynb")
        reads = [("dataset_version", str(raw), "INPUT")]
        if previous_clean is not None:
            reads.append(("dataset_version", str(previous_clean), "INPUT"))
        writes.insert_lineage(conn, cleaning, [*reads, ("dataset_version", str(clean), "OUTPUT")])
        train = self.version(conn, f"data/train-{project}.parquet", clean, 72_000)
        test = self.version(conn, f"data/test-{project}.parquet", clean, 18_000)
        split, _ = self.insert_run(conn, f"split-{group}", "pipelines/split.ipynb")
        writes.insert_lineage(
            conn,
            split,
            [
                ("dataset_version", str(clean), "INPUT"),
                ("dataset_version", str(train), "OUTPUT"),
                ("dataset_version", str(test), "OUTPUT"),
            ],
        )
        return clean, train, test

    def training_runs(self, n: int, lineage: bool) -> dict[str, Any]:
        """``n`` training runs of :func:`runs_of_ten`; with ``lineage``, each group of
        ``RUNS_PER_VERSION`` runs reads the train and test split of its own pipeline increment
        and writes a model artifact, and an evaluation run reads the group's first model."""
        runs = runs_of_ten(n)
        found: dict[str, Any] = {"groups": 0}
        previous_clean = train = test = None
        index = 0
        while batch := list(islice(runs, TRANSACTION)):
            artifacts, run_artifacts = [], []
            with self.write() as conn:
                for params, metrics in batch:
                    new_id, started = self.insert_run(conn, f"train-{index}", "train.ipynb")
                    writes.insert_params(conn, new_id, params)
                    writes.insert_metrics(
                        conn, new_id, [(k, v, 0, started + 400) for k, v in metrics.items()]
                    )
                    if lineage:
                        group, position = divmod(index, RUNS_PER_VERSION)
                        if position == 0:
                            fresh = group % INCREMENTS == 0
                            clean, train, test = self.pipeline(
                                conn, group, None if fresh else previous_clean
                            )
                            previous_clean = clean
                            found["groups"] = group + 1
                            found.setdefault("first_clean", clean)
                            if (
                                group % INCREMENTS == INCREMENTS - 1
                                and index + RUNS_PER_VERSION <= n
                            ):
                                # The last increment of a pipeline, read by a full group:
                                # upstream goes back through every increment.
                                found["train"], found["model_run"] = train, new_id
                        digest = f"{self.rng.getrandbits(128):032x}"
                        artifacts.append(
                            {
                                "digest": digest,
                                "size": 250_000,
                                "media_type": "application/octet-stream",
                                "created_at": started + 450,
                            }
                        )
                        run_artifacts.append(
                            {
                                "run_id": new_id,
                                "name": "model.pkl",
                                "digest": digest,
                                "kind": "model",
                                "created_at": started + 450,
                            }
                        )
                        writes.insert_lineage(
                            conn,
                            new_id,
                            [
                                ("dataset_version", str(train), "INPUT"),
                                ("dataset_version", str(test), "INPUT"),
                                ("artifact", digest, "OUTPUT"),
                            ],
                        )
                        if position == 0:
                            found["first_model"] = digest
                        if position == RUNS_PER_VERSION - 1:
                            self.evaluate(conn, found["first_model"], test, index)
                    index += 1
                if artifacts:
                    conn.execute(ARTIFACTS.insert(), artifacts)
                    conn.execute(RUN_ARTIFACTS.insert(), run_artifacts)
        return found

    def evaluate(self, conn, model_digest: str, test: int, index: int) -> None:
        evaluation, _ = self.insert_run(conn, f"evaluate-{index}", "pipelines/evaluate.ipynb")
        writes.insert_lineage(
            conn,
            evaluation,
            [("artifact", model_digest, "INPUT"), ("dataset_version", str(test), "INPUT")],
        )

    def long_history(self, points: int) -> str:
        """One finished run with a metric logged at every step from 0 to ``points - 1``."""
        with self.store.write() as conn:
            new_id, started = self.insert_run(conn, "long-training", "train.ipynb")
        rng = random.Random(3)
        chunk = 100_000
        for first in range(0, points, chunk):
            with self.write() as conn:
                writes.insert_metrics(
                    conn,
                    new_id,
                    [
                        (HISTORY_KEY, 2.0 / math.sqrt(1 + step / 1000) + rng.gauss(0, 0.02),
                         step, started + step)
                        for step in range(first, min(points, first + chunk))
                    ],
                )  # fmt: skip
        return new_id

    def counts(self) -> dict[str, int]:
        tables = {
            "runs": "runs",
            "params": "params",
            "metric_points": "metrics",
            "dataset_versions": "dataset_versions",
            "artifacts": "artifacts",
            "lineage_events": "lineage_events",
            "metric_rollup_rows": "metric_rollups",
        }
        with self.store.read() as conn:
            present = set(sa.inspect(conn).get_table_names())
            found = {
                label: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                for label, table in tables.items()
                if table in present
            }
        database = Path(self.location.db_url.removeprefix("sqlite:///"))
        found["file_megabytes"] = round(
            sum(path.stat().st_size for path in database.parent.glob("mlops.sqlite*")) / 1e6
        )
        return found


def seed_mlflow(folder: Path, n: int) -> tuple[str, str, float]:
    """``n`` runs of :func:`runs_of_ten` logged with ``MlflowClient.log_batch``. MLflow commits
    three times a run with SQLite's full sync; on this machine's disk that is 140 ms a run, so
    the database is written in memory (/dev/shm) and moved to ``folder`` for the queries."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    logging.getLogger("mlflow").setLevel(logging.ERROR)  # MLflow sets its level on import
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else folder
    seeded = scratch / f"mlflow-seed-{os.getpid()}.sqlite"
    client = MlflowClient(f"sqlite:///{seeded}")
    experiment_id = client.create_experiment("churn")
    started = time.perf_counter()
    for index, (params, metrics) in enumerate(runs_of_ten(n)):
        begun = T0 + index * 1000
        run = client.create_run(experiment_id, start_time=begun)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, begun + 400, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
        )
        client.set_terminated(run.info.run_id, end_time=begun + 500)
    seconds = time.perf_counter() - started
    client._tracking_client.store.engine.dispose()
    database = folder / "mlflow.sqlite"
    shutil.move(seeded, database)
    return f"sqlite:///{database}", experiment_id, seconds


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


def runs_page_path(page_size: int = common.TOP_K) -> tuple[str, dict[str, Any]]:
    return "runs", {"filter": common.FILTER, "order_by": common.ORDER_BY, "page_size": page_size}


def check_page(page: dict[str, Any]) -> None:
    """The page is what the filter and order ask for."""
    accuracies = [run["metrics"]["accuracy"] for run in page["runs"]]
    assert accuracies == sorted(accuracies, reverse=True), "not ordered by accuracy"
    assert all(a > 0.8 for a in accuracies), "a run with accuracy <= 0.8"
    assert all(run["params"]["model"] == "rf" for run in page["runs"]), "a model other than rf"
    assert all(len(run["params"]) == 10 and len(run["metrics"]) == 10 for run in page["runs"])


def lineage_route(client: Client) -> dict[str, str] | None:
    """The values of ``direction`` for upstream and downstream, as the server's OpenAPI
    document names them; None when the server has no lineage route."""
    spec = client.ok("GET", "openapi.json")
    for path, item in spec.get("paths", {}).items():
        if "lineage/{kind}/" not in path or "get" not in item:
            continue
        names: list[str] = []
        for param in item["get"].get("parameters", []):
            if param.get("name") == "direction":
                names = param.get("schema", {}).get("enum", [])
        up = next((name for name in names if name.startswith("up")), "up")
        down = next((name for name in names if name.startswith("down")), "down")
        return {"up": up, "down": down}
    return None


def measure_lineage(client: Client, seeded: dict[str, Any], tries: int) -> dict[str, Any]:
    directions = lineage_route(client)
    if directions is None:
        probe = client.request("GET", f"lineage/dataset_version/{seeded['train']}")
        if probe.status_code == 404 and "no such endpoint" in probe.text:
            print("  lineage: SKIPPED, the server has no lineage route yet (404 no such endpoint)")
            return {"skipped": "the server has no GET lineage/{kind}/{node_id} route yet"}
        directions = {"up": "up", "down": "down"}
    results = {}
    cases = {
        "lineage_upstream": (
            f"upstream of a model-producing run, {INCREMENTS} pipeline increments deep, whole",
            f"lineage/run/{seeded['model_run']}",
            {"direction": directions["up"]},
        ),
        "lineage_downstream": (
            f"downstream of a train split read by {RUNS_PER_VERSION} runs, whole",
            f"lineage/dataset_version/{seeded['train']}",
            {"direction": directions["down"]},
        ),
        "lineage_downstream_depth_3": (
            f"downstream of the first clean version ({INCREMENTS} increments follow), depth 3",
            f"lineage/dataset_version/{seeded['first_clean']}",
            {"direction": directions["down"], "depth": 3},
        ),
    }
    for name, (what, path, query) in cases.items():
        answer = client.ok("GET", path, params=query)
        timing = client.timed("GET", path, tries, params=query)
        results[name] = {
            "what": what,
            "request": f"GET {path}",
            "query": query,
            "nodes": len(answer["nodes"]),
            "edges": len(answer["edges"]),
            "mlops_jlab": timing,
        }
        report(name, timing["p50_ms"], timing["p95_ms"], f"{len(answer['nodes'])} nodes")
    return results


def measure_history(client: Client, history_run: str, points: int, tries: int) -> dict:
    """The first request of the history (nothing cached), then requests that miss the
    cache (each another ``max_points``, so another bucketing) and requests that hit it."""
    path = f"runs/{history_run}/metrics/{HISTORY_KEY}"
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
    report("history_first", first_ms, None, f"{len(first['points'])} of {points:,} points")
    report("history_uncached", uncached["p50_ms"], uncached["p95_ms"])
    report("history_cached", cached["p50_ms"], cached["p95_ms"])
    return {
        "history_first": {
            "what": f"the first request of a {points:,}-point history, downsampled to "
            f"{len(first['points'])} buckets",
            "request": f"GET {path}",
            "mlops_jlab": {"ms": first_ms},
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


def measure_stale(client: Client, tries: int) -> dict[str, Any]:
    """The first page of stale runs in the default order (newest first), as the panel's
    "Stale only" asks for it, without and with the count. Every run of a pipeline increment
    but the newest of its pipeline read a train/test split a later increment replaced, so
    most runs are stale; the newest runs read the current splits and are not."""
    results = {}
    cases = {
        "stale_page": ("a first page of 100 stale runs", {}),
        "stale_page_count": ("the same with count=true", {"count": "true"}),
    }
    for name, (what, extra) in cases.items():
        query = {"stale": "true", "page_size": common.TOP_K, **extra}
        page = client.ok("GET", "runs", params=query)
        assert len(page["runs"]) == common.TOP_K, len(page["runs"])
        assert all(run["stale_reasons"] for run in page["runs"]), "a run that is not stale"
        starts = [run["start_time"] for run in page["runs"]]
        assert starts == sorted(starts, reverse=True), "not newest first"
        timing = client.timed("GET", "runs", tries, params=query)
        results[name] = {
            "what": what,
            "request": "GET runs",
            "query": query,
            "total": page["total"],
            "total_is_estimate": page.get("total_is_estimate"),
            "mlops_jlab": timing,
        }
        counted = f"total {page['total']:,}" if page["total"] is not None else ""
        if page.get("total_is_estimate"):
            counted += " (an estimate)"
        report(name, timing["p50_ms"], timing["p95_ms"], counted)
    return results


def stale_share(location: StoreLocation) -> dict[str, Any]:
    """How many of the store's runs are stale, by the Python API (every run examined)."""
    from mlops_jlab.lineage import stale_runs

    store = open_store(location)
    try:
        with store.read() as conn:
            stale = len(stale_runs(conn))
            runs = conn.exec_driver_sql(
                "SELECT count(*) FROM runs WHERE deleted_at IS NULL"
            ).scalar_one()
    finally:
        store.dispose()
    return {"stale_runs": stale, "stale_share": round(stale / runs, 3)}


def report(name: str, p50: float, p95: float | None, note: str = "") -> None:
    spread = f", {p95:8.2f} ms p95" if p95 is not None else ""
    target = f"  (target <= {TARGETS_MS[name]} ms)" if name in TARGETS_MS else ""
    print(
        f"  {name:28} {p50:8.2f} ms{' p50' if p95 is not None else '    '}{spread}{target} {note}"
    )


def measure_main(client: Client, seeded: dict[str, Any], sizes: Sizes) -> dict[str, Any]:
    path, query = runs_page_path()
    page = client.ok("GET", path, params=query)
    assert len(page["runs"]) == common.TOP_K, len(page["runs"])
    check_page(page)
    results: dict[str, Any] = {}
    timing = client.timed("GET", path, sizes.tries, params=query)
    results["runs_page"] = {
        "what": f"a page of {common.TOP_K} runs with their 10 params and 10 metrics",
        "request": f"GET {path}",
        "query": query,
        "mlops_jlab": timing,
    }
    report("runs_page", timing["p50_ms"], timing["p95_ms"])
    body = {"run_ids": [run["id"] for run in page["runs"][:10]]}
    comparison = client.ok("POST", "runs/compare", json=body)
    assert len(comparison["metrics"]) == 10, comparison.keys()
    timing = client.timed("POST", "runs/compare", sizes.tries, json=body)
    results["compare_10"] = {
        "what": "the page's first 10 runs side by side (params, metrics, histories, code)",
        "request": "POST runs/compare",
        "mlops_jlab": timing,
    }
    report("compare_10", timing["p50_ms"], timing["p95_ms"])
    results |= measure_lineage(client, seeded, sizes.tries)
    results |= measure_history(
        client, seeded["history_run"], sizes.history_points, max(5, sizes.tries // 2)
    )
    results |= measure_stale(client, sizes.tries)
    for name, target in TARGETS_MS.items():
        if name in results and "mlops_jlab" in results[name]:
            measured = results[name]["mlops_jlab"]
            value = measured.get("p50_ms", measured.get("ms"))
            results[name]["target_ms"] = target
            results[name]["met"] = value <= target
    return results


def measure_against_mlflow(
    folder: Path, sizes: Sizes, mlflow_url: str, experiment_id: str, ours: StoreLocation
) -> dict[str, Any]:
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_url)

    def search():
        return client.search_runs(
            [experiment_id],
            filter_string=common.FILTER,
            order_by=[common.ORDER_BY],
            max_results=common.TOP_K,
        )

    theirs_page = search()
    tries = max(5, sizes.tries // 2)
    for _ in range(3):
        search()
    theirs = common.summary(common.timed(search, tries))
    path, query = runs_page_path()
    with jupyter_server(folder / "small-server", ours) as server:
        page = server.ok("GET", path, params=query)
        mine = server.timed("GET", path, tries, params=query)
    # The same runs, in the same order: the seeds (run numbers) of both pages agree.
    assert [run["params"]["seed"] for run in page["runs"]] == [
        run.data.params["seed"] for run in theirs_page
    ], "MLflow and mlops-jlab disagree on the page"
    ratio = round(theirs["p50_ms"] / mine["p50_ms"], 1)
    print(f"  ours over HTTP     {mine['p50_ms']:8.2f} ms p50, {mine['p95_ms']:8.2f} ms p95")
    print(f"  MLflow search_runs {theirs['p50_ms']:8.2f} ms p50, {theirs['p95_ms']:8.2f} ms p95")
    print(f"  mlflow / ours = {ratio}x")
    return {
        "runs": sizes.mlflow_runs,
        "filter": common.FILTER,
        "order_by": common.ORDER_BY,
        "max_results": common.TOP_K,
        "matching_on_page": len(page["runs"]),
        "mlops_jlab": {"what": f"GET {path} over HTTP (a second server)", **mine},
        "mlflow": {"what": "MlflowClient.search_runs in this process (Run objects)", **theirs},
        "mlflow_over_ours_p50": ratio,
    }


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
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    sizes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"seeding {sizes.runs:,} runs of 10 params and 10 metrics, with lineage")
        started = time.perf_counter()
        main_store = Seeder(folder, "main")
        seeded = main_store.training_runs(sizes.runs, lineage=True)
        runs_seconds = time.perf_counter() - started
        seeded["history_run"] = main_store.long_history(sizes.history_points)
        seed_seconds = time.perf_counter() - started
        counts = main_store.counts()
        main_store.store.dispose()
        counts |= stale_share(main_store.location)
        print(f"  {seed_seconds:.1f} s ({runs_seconds:.1f} s without the long history): {counts}")

        print(f"seeding {sizes.mlflow_runs:,} of the same runs for mlops-jlab and MLflow")
        started = time.perf_counter()
        small_store = Seeder(folder, "small")
        small_store.training_runs(sizes.mlflow_runs, lineage=False)
        small_store.store.dispose()
        small_seconds = time.perf_counter() - started
        mlflow_url, experiment_id, mlflow_seconds = seed_mlflow(folder, sizes.mlflow_runs)
        print(f"  ours {small_seconds:.1f} s, MLflow {mlflow_seconds:.1f} s")

        print(f"REST API on {sizes.runs:,} runs")
        with jupyter_server(folder / "main-server", main_store.location) as server:
            status = server.ok("GET", "status")
            assert status["counts"]["runs"] == counts["runs"], status
            print(f"  the server answered after {server.start_seconds} s")
            measures = measure_main(server, seeded, sizes)
            start_seconds = server.start_seconds

        print(
            f"top-{common.TOP_K} on {sizes.mlflow_runs:,} runs: ours over HTTP, MLflow in process"
        )
        versus = measure_against_mlflow(
            folder, sizes, mlflow_url, experiment_id, small_store.location
        )

    results = {
        "machine": {
            **common.machine(),
            "mlflow": version("mlflow"),
            "jupyter_server": version("jupyter_server"),
        },
        "code": code_state(),
        "quick": args.quick,
        "store": {
            "training_runs": sizes.runs,
            "params_per_run": 10,
            "metrics_per_run": 10,
            "history_points": sizes.history_points,
            "runs_per_train_version": RUNS_PER_VERSION,
            "pipeline_increments": INCREMENTS,
            "pipeline_groups": seeded["groups"],
            **counts,
        },
        "seed_seconds": {
            "mlops_jlab": round(seed_seconds, 1),
            "mlops_jlab_without_long_history": round(runs_seconds, 1),
            f"mlops_jlab_{sizes.mlflow_runs}": round(small_seconds, 1),
            f"mlflow_{sizes.mlflow_runs}": round(mlflow_seconds, 1),
        },
        "server_start_seconds": start_seconds,
        "client": "requests.Session (keep-alive), token in the Authorization header",
        "measures": measures,
        "vs_mlflow": versus,
    }
    if not args.quick:
        print(f"results: {common.write_results('api_queries', results)}")


if __name__ == "__main__":
    main()
