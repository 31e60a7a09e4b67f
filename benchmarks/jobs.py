"""Our jobs against papermill alone and jupyter-scheduler 2.12, on the same notebook, in one run.

The notebook is trivial (a ``parameters`` cell and a cell that prints), so what is timed is
what each tool adds around one execution. Each sample is from asking for a job to seeing it
ended, as its user would:

1. papermill alone: ``python -m papermill IN OUT`` in a process of its own (a job in its
   own process, as ours and jupyter-scheduler's are);
2. ours through the Python API: ``ml.run_job(pipeline, wait=True)``, created -> finished;
3. ours through REST against a real Jupyter server: ``POST pipelines/{name}/jobs``, then
   ``GET jobs/{id}`` until it has ended;
4. jupyter-scheduler's REST API on its own server, in its own virtual environment:
   ``POST /scheduler/jobs``, then ``GET /scheduler/jobs/{id}`` until COMPLETED;

then 16 jobs of a sweep 4 at a time (``ml.sweep(..., max_parallel=4)``) against 16 times one
job, and 16 jobs given to jupyter-scheduler at once (it has no limit of its own). Samples
take turns between the tools, so a busy moment of the machine falls on all of them alike.

Usage: python benchmarks/jobs.py [--quick]
Results: benchmarks/results/jobs.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import common
import peer_jupyter_scheduler as peer
from api_queries import jupyter_server

import mlops_jlab as ml
from mlops_jlab.config import StoreLocation

SAMPLES = 15
SWEEP = 16
SWEEP_PARALLEL = 4
POLL_SECONDS = 0.02

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "parameters",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": ["x = 1  # a number to print"],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "work",
            "metadata": {},
            "outputs": [],
            "source": ["print(x + 1)"],
        },
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def papermill_alone(folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "papermill", "-k", "python3", "trivial.ipynb", "out.ipynb"],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def ours_python(pipeline: str) -> float:
    started = time.perf_counter()
    job = ml.run_job(pipeline, wait=True)
    if job.status != "finished":
        raise RuntimeError(f"our job ended {job.status}: {job.error}")
    return time.perf_counter() - started


def ours_rest(client, pipeline: str) -> float:
    started = time.perf_counter()
    answer = client.request("POST", f"pipelines/{pipeline}/jobs", json={})
    if answer.status_code != 201:
        raise RuntimeError(f"POST pipelines/{pipeline}/jobs answered {answer.status_code}")
    job = answer.json()
    while job["status"] in ("queued", "running"):
        time.sleep(POLL_SECONDS)
        job = client.ok("GET", f"jobs/{job['id']}")
    if job["status"] != "finished":
        raise RuntimeError(f"our job ended {job['status']}: {job.get('error')}")
    return time.perf_counter() - started


def theirs_rest(scheduler: peer.Scheduler, index: int) -> float:
    started = time.perf_counter()
    job_id = scheduler.create_job("trivial.ipynb", f"bench-{index}")
    status = scheduler.wait(job_id)
    if status != "COMPLETED":
        raise RuntimeError(f"jupyter-scheduler's job ended {status}")
    return time.perf_counter() - started


def seconds(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_s": round(statistics.median(ordered), 3),
        "min_s": round(ordered[0], 3),
        "max_s": round(ordered[-1], 3),
    }


def sweep_ours(pipeline: str) -> dict:
    started = time.perf_counter()
    sweep = ml.sweep(pipeline, {"x": list(range(SWEEP))}, max_parallel=SWEEP_PARALLEL).wait()
    wall = time.perf_counter() - started
    statuses = [job.status for job in sweep.jobs]
    return {
        "jobs": len(statuses),
        "finished": statuses.count("finished"),
        "wall_s": round(wall, 2),
    }


def burst_theirs(scheduler: peer.Scheduler) -> dict:
    started = time.perf_counter()
    ids = [scheduler.create_job("trivial.ipynb", f"burst-{i}") for i in range(SWEEP)]
    statuses = [scheduler.wait(job_id, timeout=600) for job_id in ids]
    return {
        "jobs": len(statuses),
        "completed": statuses.count("COMPLETED"),
        "wall_s": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run, no results")
    args = parser.parse_args()
    samples = 3 if args.quick else SAMPLES
    peer.environment()  # made before anything is timed
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        root = folder / "root"
        root.mkdir()
        (root / "trivial.ipynb").write_text(json.dumps(NOTEBOOK))
        location = StoreLocation(
            f"sqlite:///{folder / 'ours.sqlite'}", str(folder / "artifacts"), "benchmark"
        )
        ml.set_store(location.db_url, location.artifacts)
        pipeline = ml.promote(root / "trivial.ipynb", name="trivial").name
        times: dict[str, list[float]] = {
            "papermill_alone": [],
            "ours_python": [],
            "ours_rest": [],
            "jupyter_scheduler_rest": [],
        }
        with (
            jupyter_server(folder / "ours-server", location) as client,
            peer.scheduler_server(root) as scheduler,
        ):
            # One untimed job each: kernelspecs found, modules imported, databases made.
            papermill_alone(root)
            ours_python(pipeline)
            ours_rest(client, pipeline)
            theirs_rest(scheduler, -1)
            for index in range(samples):
                times["papermill_alone"].append(papermill_alone(root))
                times["ours_python"].append(ours_python(pipeline))
                times["ours_rest"].append(ours_rest(client, pipeline))
                times["jupyter_scheduler_rest"].append(theirs_rest(scheduler, index))
            one_job = statistics.median(times["ours_python"])
            ours_sweep = sweep_ours(pipeline)
            theirs_burst = burst_theirs(scheduler)
    summary = {what: seconds(values) for what, values in times.items()}
    alone = summary["papermill_alone"]["p50_s"]
    results = {
        "machine": {
            **common.machine(),
            "papermill": version("papermill"),
            "jupyter_scheduler": peer.VERSION,
        },
        "samples": samples,
        "create_to_finished": summary,
        "overhead_beyond_papermill_p50_s": {
            "ours_python": round(summary["ours_python"]["p50_s"] - alone, 3),
            "ours_rest": round(summary["ours_rest"]["p50_s"] - alone, 3),
            "jupyter_scheduler_rest": round(summary["jupyter_scheduler_rest"]["p50_s"] - alone, 3),
        },
        "sweep": {
            **ours_sweep,
            "max_parallel": SWEEP_PARALLEL,
            "sixteen_times_one_job_s": round(SWEEP * one_job, 2),
        },
        "jupyter_scheduler_16_at_once": theirs_burst,
    }
    for what, figures in summary.items():
        print(f"{what:>24}: p50 {figures['p50_s']:.2f} s (min {figures['min_s']:.2f})")
    print(f"overhead beyond papermill, p50: {results['overhead_beyond_papermill_p50_s']}")
    print(f"sweep: {results['sweep']}; jupyter-scheduler, 16 at once: {theirs_burst}")
    if not args.quick:
        print(f"results: {common.write_results('jobs', results)}")


if __name__ == "__main__":
    main()
