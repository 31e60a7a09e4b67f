"""Several processes record runs into one SQLite store at once, as kernels, the server and
jobs do. Each process records its runs (5 params, 3 metrics, start and end) as fast as it
can; all start together. Reports the runs, params and metrics that arrived, the errors that
escaped (a "database is locked" would be one) and the throughput; MLflow does the same on
its own SQLite store in the same run, for comparison.

Usage: python benchmarks/concurrent_writers.py [--processes 8] [--runs 1000] [--quick]
Results: benchmarks/results/concurrent_writers.json
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sqlite3
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import common


def _ours(db_url: str, artifacts: str, worker: int, runs: int, barrier, errors) -> None:
    import mlops_jlab as ml

    ml.set_store(db_url, artifacts)
    barrier.wait()
    for params, metrics in common.synthetic_runs(runs, seed=worker):
        try:
            with ml.start_run(experiment="concurrent"):
                ml.log_params(params)
                ml.log_metrics(metrics)
        except Exception as exc:  # counted and reported, never hidden
            errors.put(f"{type(exc).__name__}: {exc}")


def _mlflow(db_url: str, _artifacts: str, worker: int, runs: int, barrier, errors) -> None:
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    mlflow.set_tracking_uri(db_url)
    experiment_id = mlflow.get_experiment_by_name("concurrent").experiment_id
    barrier.wait()
    for params, metrics in common.synthetic_runs(runs, seed=worker):
        try:
            with mlflow.start_run(experiment_id=experiment_id):
                mlflow.log_params(params)
                mlflow.log_metrics(metrics)
        except Exception as exc:
            errors.put(f"{type(exc).__name__}: {str(exc)[:200]}")


def _race(target, db_url: str, artifacts: str, processes: int, runs: int) -> dict:
    context = multiprocessing.get_context("spawn")
    barrier, errors = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(target=target, args=(db_url, artifacts, w, runs, barrier, errors))
        for w in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()  # every process has imported its library and opened the store
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    return {"seconds": round(elapsed, 2), "errors": reported}


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchone()[0]


def _report(path: Path, finished: str, expected: int, race: dict) -> dict:
    stored = _count(path, f"SELECT count(*) FROM runs WHERE status = '{finished}'")
    return {
        "runs_expected": expected,
        "runs_stored": stored,
        "params_stored": _count(path, "SELECT count(*) FROM params"),
        "metrics_stored": _count(path, "SELECT count(*) FROM metrics"),
        "errors": len(race["errors"]),
        "first_errors": race["errors"][:5],
        "seconds": race["seconds"],
        "runs_per_second": round(stored / race["seconds"], 1),
    }


def run_ours(folder: Path, processes: int, runs: int) -> dict:
    import mlops_jlab as ml

    path = folder / "ours.sqlite"
    db_url = f"sqlite:///{path}"
    ml.set_store(db_url, str(folder / "artifacts")).store.dispose()  # create the schema
    race = _race(_ours, db_url, str(folder / "artifacts"), processes, runs)
    return _report(path, "finished", processes * runs, race)


def run_mlflow(folder: Path, processes: int, runs: int) -> dict:
    import mlflow

    path = folder / "mlflow.sqlite"
    db_url = f"sqlite:///{path}"
    mlflow.set_tracking_uri(db_url)
    mlflow.create_experiment("concurrent")
    race = _race(_mlflow, db_url, "", processes, runs)
    return _report(path, "FINISHED", processes * runs, race)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--runs", type=int, default=1000, help="runs per process (ours)")
    parser.add_argument(
        "--mlflow-runs", type=int, default=100, help="runs per process for MLflow (slower)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    if args.quick:
        args.processes, args.runs, args.mlflow_runs = 4, 50, 10
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"mlops-jlab: {args.processes} processes x {args.runs} runs")
        ours = run_ours(folder, args.processes, args.runs)
        print(f"  {ours}")
        print(f"mlflow: {args.processes} processes x {args.mlflow_runs} runs")
        theirs = run_mlflow(folder, args.processes, args.mlflow_runs)
        print(f"  {theirs}")
    results = {
        "machine": {**common.machine(), "mlflow": version("mlflow")},
        "processes": args.processes,
        "mlops_jlab": ours,
        "mlflow": theirs,
        "throughput_ratio_ours_over_mlflow": round(
            ours["runs_per_second"] / max(theirs["runs_per_second"], 0.1), 1
        ),
        "target": "every run stored, 0 errors",
    }
    if not args.quick:
        print(f"results: {common.write_results('concurrent_writers', results)}")
    if ours["runs_stored"] != ours["runs_expected"] or ours["errors"]:
        raise SystemExit("mlops-jlab lost runs or raised errors under concurrent writers")


if __name__ == "__main__":
    main()
