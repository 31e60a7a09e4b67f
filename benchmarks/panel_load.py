"""The side panel and the lineage view in a real browser, on a store of 10k runs.

A store is seeded with 10,000 finished runs (5 params, 3 metrics and 3 tags each) through
the store's write functions, among them a lineage of 500 nodes around one dataset version: a
split run reads a raw version and writes the train version; 248 training runs read it and
each write a model; an evaluation run reads the first model. JupyterLab is started on it (a
free port, no token, its own settings and workspaces folders, the store passed through
``MLOPS_JLAB_DB_URL`` and ``MLOPS_JLAB_ARTIFACTS``), and ``panel_load.mjs`` drives Debian's
Chromium through Playwright, each try in a fresh page on a reset workspace:

1. open panel -> first rows painted: from clicking the panel's icon in the left sidebar to
   the first run row being visible and painted (target <= 1 s);
2. scroll to the end: from scrolling the runs table to its bottom, again as it grows, to the
   row of the oldest run (the 10,000th, newest first) being painted;
3. lineage of 500 nodes laid out: from executing ``mlops-jlab:open-lineage`` on the
   dataset version to the view saying it laid out its 500 nodes, painted (target <= 1 s).

MLflow's UI (``mlflow server`` on the same 10,000 runs logged into an MLflow store) is timed
from opening the experiment's page to its first run rows being painted, for the ratio.

With ``--million``, the runs panel is measured on the 1M-run store instead (``panel_million.py``:
first rows, a broad filter, End, the JS heap), on SQLite, PostgreSQL or both; the 10k-run
measures in the results stay as they were.

Usage: python benchmarks/panel_load.py [--quick] [--tries N] [--no-mlflow] [--mlflow-store DIR]
       python benchmarks/panel_load.py --million {sqlite,postgresql,both} [--tries N]
Results: benchmarks/results/panel_load.json
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib.metadata import version
from itertools import islice
from pathlib import Path
from typing import Any

import common
import requests
from api_queries import free_port
from million import T0, Seeder
from million import counts as store_counts

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, StoreLocation
from mlops_jlab.store import writes
from mlops_jlab.store.tables import Artifact, RunArtifact

HERE = Path(__file__).parent
SCRIPT = HERE / "panel_load.mjs"
CHROMIUM = "/usr/bin/chromium"
BUILD_LOCK = Path("/tmp/mlops-build.lock")  # held while the frontend is built
TRANSACTION = 5_000
LINEAGE_TRAINING_RUNS = 248  # with the split, raw, train, models and evaluation: 500 nodes
LINEAGE_NODES = 3 + 2 * LINEAGE_TRAINING_RUNS + 1
TARGETS_MS = {"open_panel": 1000, "lineage": 1000}
TEAMS = ["forecasting", "churn", "search", "fraud"]
STAGES = ["explore", "tune", "candidate"]
# MLflow's runs table: each run's row (its name cell links to the run's page).
MLFLOW_ROW = '[role="row"]:has(a[href*="/runs/"])'
ARTIFACTS = Artifact.__table__
RUN_ARTIFACTS = RunArtifact.__table__


@dataclass(frozen=True)
class Sizes:
    runs: int
    mlflow_runs: int
    tries: int


FULL = Sizes(runs=10_000, mlflow_runs=10_000, tries=5)
QUICK = Sizes(runs=1_000, mlflow_runs=300, tries=2)


def tags_of(rng: random.Random, params: dict[str, str]) -> dict[str, str]:
    return {"model": params["model"], "team": rng.choice(TEAMS), "stage": rng.choice(STAGES)}


# --- seeding ------------------------------------------------------------------------------


def seed_store(folder: Path, n: int) -> tuple[Seeder, dict[str, Any]]:
    """``n`` runs of ``common.synthetic_runs`` with 3 tags each, one a second apart, the
    first the oldest; from the middle on, the runs of the 500-node lineage."""
    seeder = Seeder(folder, "panel")
    rng = random.Random(13)
    runs = enumerate(common.synthetic_runs(n))
    first = n // 2  # the split run; the lineage's other runs follow it
    seeded: dict[str, Any] = {}
    train = first_model = None
    while batch := list(islice(runs, TRANSACTION)):
        artifacts, run_artifacts = [], []
        with seeder.write() as conn:
            for index, (params, metrics) in batch:
                position = index - first
                if position == 0:
                    name = "split"
                elif position == LINEAGE_TRAINING_RUNS + 1:
                    name = "evaluate"
                else:
                    name = f"train-{index}"
                run_id, started = seeder.insert_run(conn, name)
                writes.insert_params(conn, run_id, params)
                writes.insert_metrics(
                    conn, run_id, [(k, v, 0, started + 400) for k, v in metrics.items()]
                )
                writes.upsert_tags(conn, run_id, tags_of(rng, params))
                if index == 0:
                    seeded["oldest_run"] = run_id
                if position == 0:
                    raw = seeder.version(conn, "data/raw.parquet", None, 100_000)
                    train = seeder.version(conn, "data/train.parquet", None, 80_000)
                    writes.insert_lineage(
                        conn,
                        run_id,
                        [
                            ("dataset_version", str(raw), "INPUT"),
                            ("dataset_version", str(train), "OUTPUT"),
                        ],
                    )
                    seeded["lineage"] = {"kind": "dataset_version", "nodeId": str(train)}
                elif 0 < position <= LINEAGE_TRAINING_RUNS:
                    digest = f"{seeder.rng.getrandbits(128):032x}"
                    first_model = first_model or digest
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
                            "run_id": run_id,
                            "name": "model.pkl",
                            "digest": digest,
                            "kind": "model",
                            "created_at": started + 450,
                        }
                    )
                    writes.insert_lineage(
                        conn,
                        run_id,
                        [("dataset_version", str(train), "INPUT"), ("artifact", digest, "OUTPUT")],
                    )
                elif position == LINEAGE_TRAINING_RUNS + 1:
                    writes.insert_lineage(conn, run_id, [("artifact", first_model, "INPUT")])
            if artifacts:
                conn.execute(ARTIFACTS.insert(), artifacts)
                conn.execute(RUN_ARTIFACTS.insert(), run_artifacts)
    return seeder, seeded


def seed_mlflow(folder: Path, n: int) -> tuple[str, str, float]:
    """The same ``n`` runs (params, metrics, tags, times) logged with ``MlflowClient``, in
    memory (/dev/shm: MLflow commits three times a run with SQLite's full sync) and moved
    to ``folder``. Returns the database URL, the experiment's id and the seconds taken."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    logging.getLogger("mlflow").setLevel(logging.ERROR)  # MLflow sets its level on import
    scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else folder
    seeded = scratch / f"mlflow-panel-{os.getpid()}.sqlite"
    client = MlflowClient(f"sqlite:///{seeded}")
    experiment_id = client.create_experiment("panel", artifact_location=str(folder / "mlruns"))
    rng = random.Random(13)
    started = time.perf_counter()
    for index, (params, metrics) in enumerate(common.synthetic_runs(n)):
        begun = T0 + index * 1000
        run = client.create_run(experiment_id, start_time=begun, run_name=f"train-{index}")
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, begun + 400, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags_of(rng, params).items()],
        )
        client.set_terminated(run.info.run_id, end_time=begun + 500)
    seconds = time.perf_counter() - started
    client._tracking_client.store.engine.dispose()
    database = folder / "mlflow.sqlite"
    shutil.move(seeded, database)
    return f"sqlite:///{database}", experiment_id, seconds


def mlflow_store(folder: Path, n: int) -> tuple[str, str, float]:
    """MLflow's store of ``n`` runs in ``folder``: the one seeded there before if it holds
    as many runs (seeding takes 5 to 20 minutes here), else a new one."""
    folder.mkdir(parents=True, exist_ok=True)
    seeded = folder / "seeded.json"
    if seeded.exists():
        found = json.loads(seeded.read_text())
        if found["runs"] == n and (folder / "mlflow.sqlite").exists():
            print(f"  reusing {folder / 'mlflow.sqlite'}, seeded before in:")
            return found["db_url"], found["experiment_id"], found["seconds"]
    db_url, experiment_id, seconds = seed_mlflow(folder, n)
    found = {"runs": n, "db_url": db_url, "experiment_id": experiment_id}
    seeded.write_text(json.dumps({**found, "seconds": round(seconds, 1)}))
    return db_url, experiment_id, round(seconds, 1)


# --- servers ------------------------------------------------------------------------------


def wait_for(url: str, process: subprocess.Popen, log_path: Path, what: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{what} exited ({process.returncode}):\n" + log_path.read_text()[-3000:]
            )
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        # Not up yet, or its first answer slow (a big store read from a cold disk cache).
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer in 3 minutes:\n" + log_path.read_text()[-3000:])


@contextmanager
def stopped_at_exit(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """Stop ``process``, started in a session of its own, and every process it started."""
    try:
        yield process
    finally:
        group = os.getpgid(process.pid) if process.poll() is None else None
        if group is not None:
            with suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            # What is left of the group (MLflow's workers outlive their parent's SIGTERM).
            with suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        process.wait()


@contextmanager
def jupyter_lab(
    folder: Path, location: StoreLocation, ready: str = "mlops-jlab/api/status"
) -> Iterator[tuple[str, float]]:
    """JupyterLab with the extension on ``location``: a free port, no token, and its own
    configuration, runtime, settings and workspaces folders. Yields its URL and how long
    it took to answer ``ready`` (a path under it)."""
    for name in ("root", "config", "runtime", "settings", "workspaces"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    # No news check: its question would float over the page in every fresh context.
    notification = folder / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port = free_port()
    env = {**os.environ, **location.environment()}
    env["JUPYTER_CONFIG_DIR"] = str(folder / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",  # harmless for others; CI machines run as root
        f"--ServerApp.root_dir={folder / 'root'}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        # window.jupyterapp, through which the script runs the lineage command
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={folder / 'settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
    ]
    log_path = folder / "lab.log"
    started = time.perf_counter()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=folder / "root",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with stopped_at_exit(process):
        url = f"http://127.0.0.1:{port}/"
        wait_for(url + ready, process, log_path, "JupyterLab")
        yield url, round(time.perf_counter() - started, 2)


@contextmanager
def mlflow_server(folder: Path, db_url: str) -> Iterator[str]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "server",
        "--backend-store-uri",
        db_url,
        "--default-artifact-root",
        str(folder / "mlruns"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    # Without the job runner and its queue consumers (GenAI jobs; none here), which would
    # be a dozen more processes on the cores the browser is timed on.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log_path = folder / "mlflow.log"
    folder.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with stopped_at_exit(process):
        url = f"http://127.0.0.1:{port}/"
        wait_for(url + "health", process, log_path, "mlflow server")
        yield url


# --- measuring ----------------------------------------------------------------------------


def wait_for_no_build(limit_seconds: float = 600) -> float:
    """Wait while the frontend is being built (the build holds ``BUILD_LOCK``): a build
    would take the cores the browser is timed on. Returns the seconds waited."""
    if not BUILD_LOCK.exists():
        return 0.0
    started = time.monotonic()
    with open(BUILD_LOCK) as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() - started > limit_seconds:
                    break
                time.sleep(2)
                continue
            fcntl.flock(lock, fcntl.LOCK_UN)
            break
    return round(time.monotonic() - started, 1)


def browse(config: dict[str, Any], folder: Path) -> dict[str, Any]:
    """One run of ``panel_load.mjs`` with ``config``; its JSON answer."""
    path = folder / "browse.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        ["node", str(SCRIPT), str(path)], stdout=subprocess.PIPE, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"panel_load.mjs failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians(samples: list[dict[str, Any]], target_ms: int | None = None) -> dict[str, Any]:
    """The median, least and most of the tries' times, and the medians of their parts: the
    API requests made meanwhile (their total, and of it the wait for the first byte, which
    is the server's time and the loopback's) and, for the lineage, the view's layout."""
    times = [sample["ms"] for sample in samples]
    found = {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": min(times),
        "max_ms": max(times),
        "tries_ms": times,
        "api_requests_median_ms": round(
            statistics.median(sample["api"]["ms_total"] for sample in samples), 1
        ),
        "api_waiting_median_ms": round(
            statistics.median(sample["api"]["waiting_ms_total"] for sample in samples), 1
        ),
    }
    layouts = [sample["layout_ms"] for sample in samples if sample.get("layout_ms") is not None]
    if layouts:
        found["layout_median_ms"] = round(statistics.median(layouts), 1)
    if target_ms is not None:
        found |= {"target_ms": target_ms, "met": found["median_ms"] <= target_ms}
    return found


def check_server(lab: str, seeded: dict[str, Any], runs: int) -> dict[str, Any]:
    """What the page will be shown is what was seeded: the run count, the oldest run, the
    lineage's node count. Returns the lineage answer's size."""
    api = lab + "mlops-jlab/api/"
    status = requests.get(api + "status", timeout=60).json()
    assert status["counts"]["runs"] == runs, status
    oldest = requests.get(
        api + "runs", params={"order_by": "start_time ASC", "page_size": 1}, timeout=60
    ).json()
    assert oldest["runs"][0]["id"] == seeded["oldest_run"], oldest["runs"][0]
    lineage = seeded["lineage"]
    graph = requests.get(api + f"lineage/{lineage['kind']}/{lineage['nodeId']}", timeout=60).json()
    assert len(graph["nodes"]) == LINEAGE_NODES, len(graph["nodes"])
    return {"nodes": len(graph["nodes"]), "edges": len(graph["edges"])}


def code_state() -> dict[str, Any]:
    """The commit measured, and the files of the package and of the frontend (its source,
    styles and built labextension come from the same tree) that differed from it."""
    repository = HERE.parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=repository, capture_output=True, text=True, check=True
            ).stdout.rstrip()  # a status line starts with a space
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = git("status", "--porcelain", "--", "mlops_jlab", "src", "style", "schema")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": sorted(line[3:] for line in changed.splitlines()),
    }


def extension_build() -> dict[str, str]:
    """The labextension served: built for development (``jlpm build``, as the editable
    install builds it) or production (``jlpm build:prod``), and its entry point's name,
    which carries a hash of its content."""
    import mlops_jlab

    static = Path(mlops_jlab.__file__).parent / "labextension" / "static"
    entries = sorted(path.name for path in static.glob("remoteEntry.*.js"))
    return {
        "mode": "development" if any(static.glob("*.js.map")) else "production",
        "remote_entry": ", ".join(entries),
    }


def browser_machine(browser: str, loads: list[Any], waited: float) -> dict[str, Any]:
    """The machine of a browser measure: its versions, the load before each try and the
    seconds waited for another checkout's build of the frontend."""
    node = subprocess.run(["node", "--version"], capture_output=True, text=True)
    return {
        **common.machine(),
        "jupyterlab": version("jupyterlab"),
        "chromium": browser,
        "node": node.stdout.strip(),
        "load_average_before_each_try": loads,
        "seconds_waited_for_builds": waited,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--tries", type=int, help="tries of each measure (default 5)")
    parser.add_argument("--no-mlflow", action="store_true", help="skip MLflow's UI")
    parser.add_argument("--no-scroll", action="store_true", help="skip the scroll to the end")
    parser.add_argument(
        "--mlflow-store",
        metavar="DIR",
        help="keep MLflow's seeded store in DIR and reuse it on the next run",
    )
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for each thing timed"
    )
    parser.add_argument(
        "--million",
        choices=["sqlite", "postgresql", "both"],
        help="measure the runs panel on the 1M-run store of million.py instead",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="with --million: trace the panel's opening and the filter in Chromium (where "
        "its main thread spends its time; the trace slows the page a little)",
    )
    args = parser.parse_args()
    # Stopped from outside, still stop the servers (their sessions are their own).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    sizes = QUICK if args.quick else FULL
    tries = args.tries or sizes.tries
    with_mlflow = not args.no_mlflow
    for variable in (DB_URL_ENV, ARTIFACTS_ENV):
        os.environ.pop(variable, None)
    if args.million:
        import panel_million

        kinds = ["sqlite", "postgresql"] if args.million == "both" else [args.million]
        print(f"results: {panel_million.run(kinds, args.tries or 3, args.timeout, args.trace)}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"seeding {sizes.runs:,} runs of 5 params, 3 metrics and 3 tags, with a lineage")
        started = time.perf_counter()
        seeder, seeded = seed_store(folder, sizes.runs)
        seed_seconds = round(time.perf_counter() - started, 1)
        counts = store_counts(seeder.location)
        seeder.store.dispose()
        print(f"  {seed_seconds} s: {counts}")
        mlflow_seed = None
        if with_mlflow:
            print(f"seeding MLflow with {sizes.mlflow_runs:,} of the same runs")
            mlflow_url, experiment_id, mlflow_seed = mlflow_store(
                Path(args.mlflow_store) if args.mlflow_store else folder, sizes.mlflow_runs
            )
            print(f"  {mlflow_seed} s")

        config: dict[str, Any] = {
            "oldestRunId": seeded["oldest_run"],
            "lineage": seeded["lineage"],
            "tries": 1,
            "timeoutMs": int(args.timeout * 1000),
            "scroll": not args.no_scroll,
        }
        tries_found: list[dict[str, Any]] = []
        loads: dict[str, list[list[float]]] = {"mlops_jlab": [], "mlflow": []}
        waited = 0.0
        code, build = code_state(), extension_build()
        print(f"JupyterLab on {sizes.runs:,} runs, {tries} tries in Chromium")
        with jupyter_lab(folder / "lab", seeder.location) as (lab, lab_seconds):
            answer = check_server(lab, seeded, sizes.runs)
            print(f"  the server answered after {lab_seconds} s; lineage {answer}")
            for number in range(1, tries + 1):
                # A try during which the labextension was rebuilt (the tree is shared with
                # its developers) is made again: its pages may have loaded either build.
                for _ in range(3):
                    waited += wait_for_no_build()
                    before = extension_build()
                    load = [round(value, 2) for value in os.getloadavg()]
                    found = browse({**config, "lab": lab, "number": number}, folder)
                    if extension_build() == before:
                        break
                    print("  the labextension was rebuilt during this try: once more")
                (found_try,) = found["tries"]
                tries_found.append({**found_try, "remote_entry": before["remote_entry"]})
                loads["mlops_jlab"].append(load)
                browser = found["browser"]
        code_after = code_state()
        mlflow_tries: list[dict[str, Any]] = []
        if with_mlflow:
            print(f"MLflow's UI on {sizes.mlflow_runs:,} runs, {tries} tries")
            with mlflow_server(folder / "mlflow-server", mlflow_url) as url:
                for number in range(1, tries + 1):
                    waited += wait_for_no_build()
                    loads["mlflow"].append([round(value, 2) for value in os.getloadavg()])
                    found = browse(
                        {
                            **config,
                            "number": number,
                            "tries": 0,
                            "mlflow": {
                                "tries": 1,
                                "url": url,
                                "experimentId": experiment_id,
                                "rowSelector": MLFLOW_ROW,
                            },
                        },
                        folder,
                    )
                    mlflow_tries.extend(found["mlflow"])

    # The build the tries loaded (the tree may have been rebuilt since the start).
    entries = sorted({found_try["remote_entry"] for found_try in tries_found})
    build["remote_entry"] = ", ".join(entries)
    if len(entries) > 1:
        print(f"note: the labextension was rebuilt between tries: {entries}")
    if code_after != code:
        code = {"before_the_tries": code, "after_the_tries": code_after}
    measures: dict[str, Any] = {
        "open_panel": {
            "what": "click on the panel's icon in the left sidebar -> the first run row "
            "visible and painted",
            **medians([t["open_panel"] for t in tries_found], TARGETS_MS["open_panel"]),
            "tries": [t["open_panel"] for t in tries_found],
        },
        "lineage": {
            "what": f"execute mlops-jlab:open-lineage on a dataset version with {LINEAGE_NODES} "
            "nodes around it -> the view laid out (data-laid-out) and painted",
            **medians([t["lineage"] for t in tries_found], TARGETS_MS["lineage"]),
            "nodes": answer["nodes"],
            "edges": answer["edges"],
            "tries": [t["lineage"] for t in tries_found],
        },
    }
    if not args.no_scroll:
        measures["scroll_to_end"] = {
            "what": f"scroll the runs table to its bottom, again as it grows -> the row of the "
            f"oldest of {sizes.runs:,} runs painted",
            **medians([t["scroll_to_end"] for t in tries_found]),
            "tries": [t["scroll_to_end"] for t in tries_found],
        }
    versus = None
    if with_mlflow:
        theirs = medians(mlflow_tries)
        versus = {
            "what": "MLflow's UI: navigate to the experiment's page -> its first run rows "
            "painted (the app's scripts already loaded)",
            "runs": sizes.mlflow_runs,
            "mlflow": {**theirs, "tries": mlflow_tries},
            "mlops_jlab_open_panel_median_ms": measures["open_panel"]["median_ms"],
            "mlflow_over_ours": round(theirs["median_ms"] / measures["open_panel"]["median_ms"], 1),
        }
    for name, measure in measures.items():
        extra = f" (target <= {measure['target_ms']} ms)" if "target_ms" in measure else ""
        print(f"  {name:14} median {measure['median_ms']:8.1f} ms{extra}  {measure['tries_ms']}")
    if versus:
        print(f"  MLflow first rows median {versus['mlflow']['median_ms']} ms: ")
        print(f"  MLflow / ours = {versus['mlflow_over_ours']}x")
    results = {
        "machine": {
            **browser_machine(browser, loads, waited),
            **({"mlflow": version("mlflow")} if with_mlflow else {}),
        },
        "code": code,
        "extension_build": build,
        "quick": args.quick,
        "store": {
            "runs": sizes.runs,
            "params_per_run": 5,
            "metrics_per_run": 3,
            "tags_per_run": 3,
            "lineage_nodes": LINEAGE_NODES,
            **counts,
        },
        "seed_seconds": {"mlops_jlab": seed_seconds, "mlflow": mlflow_seed},
        "server_start_seconds": lab_seconds,
        "tries": tries,
        "measures": measures,
        "vs_mlflow": versus if with_mlflow else "skipped (--no-mlflow)",
    }
    if not args.quick:
        print(f"results: {common.write_results('panel_load', results)}")


if __name__ == "__main__":
    main()
