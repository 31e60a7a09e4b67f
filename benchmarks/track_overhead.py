"""What ``%%track`` adds to a cell, against logging the same things to MLflow by hand.

A real IPython shell runs the same small cell (5 literal params, a 10k-row CSV read with
pandas, 3 metrics) 200 times in each of three ways, in blocks of 20 cells in a row (as Run
All runs them) that take turns, so that the machine's drift hits them alike:

- plain: the cell as it is;
- tracked: the cell under ``%%track --metrics ...`` (params found in the code, the CSV
  recorded as a dataset version by its reader hook); also run 0.2 s apart, as by hand;
- MLflow: the cell with ``mlflow.start_run``, ``log_params``, ``log_input`` of the CSV as an
  MLflow dataset and ``log_metrics`` written by hand, on a SQLite tracking store.

The overhead of each is its p50 minus the plain cell's p50, in wall-clock time and in the
CPU time of the cell's thread (which other processes on the machine disturb less; the
machine's load average before and after is kept with the results). Tracked cells run in a
row leave their last writes (one transaction for all of them) and the profiles of the
dataset versions they made to the kernel's idle time; the script makes them between blocks
with ``ml.flush()`` and reports their time per run too, and how many profiles were computed.

The results file keeps two measurements of the code: ``before`` (``--label before``, run on
the code before a change, ``--commit`` naming it) and ``after`` (the default); a run
replaces its own label's and keeps the other's.

Then a long history: a tracked cell logs 100,000 points of one metric with
``ml.log_metric``, and the time from the cell's start until its run and every point are
durable (committed, as another connection sees it polling every 5 ms) is measured, as is
when the cell answered; against it, MLflow's ``MlflowClient.log_batch`` of the same points
in one run (``start_run`` to the end of the ``with`` block: it writes as it goes). The same
cell is then measured on PostgreSQL, a throwaway server started as the tests start theirs
(``tests/services.py``; its PostgreSQL binaries are needed, as for the tests).

Usage: python benchmarks/track_overhead.py [--quick] [--label before|after] [--commit SHA]
Results: benchmarks/results/track_overhead.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import common
import numpy as np
import pandas as pd
import sqlalchemy as sa
from IPython.core.interactiveshell import InteractiveShell

import mlops_jlab as ml

CELLS = 200
WARMUP = 10
BLOCK = 20
PAUSE = 0.2
ROWS = 10_000
POINTS = 100_000
LONG_TRIES = 3

LONG_TRACKED = """\
%%track --name long-history-{try_number}
for step in range(POINTS):
    ml.log_metric("loss", 1 / (step + 1), step=step)
"""

LONG_MLFLOW = """\
with mlflow.start_run() as run:
    now = int(time.time() * 1000)
    points = [Metric("loss", 1 / (step + 1), now, step) for step in range(POINTS)]
    client.log_batch(run.info.run_id, metrics=points)
"""

BODY = """\
lr = 0.01
depth = 6
n_estimators = 100
model = "rf"
seed = 7
frame = pd.read_csv(DATA)
acc = float(frame["x"].mean())
f1 = acc * 0.9
loss = 1 - acc
"""

TRACKED = "%%track --metrics acc,f1,loss\n" + BODY

MLFLOW = """\
with mlflow.start_run():
    lr = 0.01
    depth = 6
    n_estimators = 100
    model = "rf"
    seed = 7
    mlflow.log_params(
        {"lr": lr, "depth": depth, "n_estimators": n_estimators, "model": model, "seed": seed}
    )
    frame = pd.read_csv(DATA)
    mlflow.log_input(mlflow.data.from_pandas(frame, source=DATA), context="training")
    acc = float(frame["x"].mean())
    f1 = acc * 0.9
    loss = 1 - acc
    mlflow.log_metrics({"acc": acc, "f1": f1, "loss": loss})
"""


def make_data(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "x": rng.random(ROWS),
            "y": rng.integers(0, 100, ROWS),
            "label": rng.choice(["a", "b", "c"], ROWS),
        }
    )
    path = folder / "data.csv"
    frame.to_csv(path, index=False)
    return path


def run_cell(shell: InteractiveShell, code: str) -> float:
    return timed_cell(shell, code)[0]


def timed_cell(shell: InteractiveShell, code: str) -> tuple[float, float]:
    """Milliseconds a cell took: wall-clock, and CPU time of the thread that ran it."""
    started, cpu = time.perf_counter(), time.thread_time()
    result = shell.run_cell(code, store_history=True)
    elapsed = (time.perf_counter() - started) * 1000
    used = (time.thread_time() - cpu) * 1000
    if not result.success:
        raise RuntimeError(f"benchmark cell failed: {result.error_in_exec!r}")
    return elapsed, used


def profiles_computed() -> int | None:
    """Dataset profiles this process computed (None for code that does not count them)."""
    try:
        from mlops_jlab.tracking.drafts import profile_counts
    except ImportError:
        return None
    return profile_counts().computed


def head_commit() -> str:
    root = Path(__file__).resolve().parent.parent
    found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    return found.stdout.strip()


def with_other_label(label: str, results: dict) -> dict:
    """The results file's measurements: this one under ``label``, the other label's kept."""
    path = common.RESULTS / "track_overhead.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    other = "after" if label == "before" else "before"
    kept = {name: previous[name] for name in (other,) if name in previous}
    merged = {**kept, label: results}
    if "before" in merged and "after" in merged:
        merged["overhead_p50_ms"] = {
            name: merged[name]["overhead_p50_ms"]["mlops_jlab"] for name in ("before", "after")
        }
    return {key: merged[key] for key in ("overhead_p50_ms", "before", "after") if key in merged}


def durable(url: str, name: str, started: float) -> float:
    """Milliseconds from ``started`` until run ``name`` is finished and holds every point,
    as another connection sees the store at ``url`` (read-only on SQLite)."""
    if url.startswith("sqlite"):
        url = f"sqlite:///file:{url.partition(':///')[2]}?mode=ro&uri=true"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    query = sa.text(
        "SELECT r.status, m.n FROM runs r LEFT JOIN metric_rollups m ON m.run_id = r.id "
        "AND m.shift = 64 AND m.key = 'loss' WHERE r.name = :name"
    )
    try:
        with engine.connect() as reader:
            while True:
                row = reader.execute(query, {"name": name}).first()
                if row is not None and row[0] == "finished" and row[1] == POINTS:
                    return (time.perf_counter() - started) * 1000
                time.sleep(0.005)
    finally:
        engine.dispose()


def long_history(
    shell: InteractiveShell, url: str, tries: int, mlflow: bool = True
) -> dict[str, object]:
    """The 100,000-point cell on the store at ``url``: when it answered and when it was
    durable, ours and (``mlflow``) MLflow's."""
    ours_answer, ours_durable, theirs = [], [], []
    for number in range(tries):
        ml.flush()
        started = time.perf_counter()
        ours_answer.append(run_cell(shell, LONG_TRACKED.format(try_number=number)))
        ours_durable.append(durable(url, f"long-history-{number}", started))
        if mlflow:
            theirs.append(run_cell(shell, LONG_MLFLOW))
    answer, kept = statistics.median(ours_answer), statistics.median(ours_durable)
    after = statistics.median(d - a for a, d in zip(ours_answer, ours_durable, strict=True))
    results: dict[str, object] = {
        "points": POINTS,
        "tries": tries,
        "mlops_jlab_answer_ms": [round(v, 1) for v in ours_answer],
        "mlops_jlab_durable_ms": [round(v, 1) for v in ours_durable],
        "median_ms": {
            "mlops_jlab_answer": round(answer, 1),
            "mlops_jlab_durable": round(kept, 1),
            "mlops_jlab_durable_after_answer": round(after, 1),
        },
    }
    if mlflow:
        mlflow_ms = statistics.median(theirs)
        results["mlflow_log_batch_ms"] = [round(v, 1) for v in theirs]
        results["median_ms"]["mlflow_log_batch_durable"] = round(mlflow_ms, 1)  # type: ignore[index]
        results["mlflow_over_ours_durable"] = round(mlflow_ms / kept, 1)
    return results


def long_history_on_postgresql(shell: InteractiveShell, folder: Path, tries: int) -> dict:
    """The 100,000-point cell on a throwaway PostgreSQL server (no MLflow beside it)."""
    with common.postgres_server() as base:
        admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE track_overhead"))
        admin.dispose()
        url = f"{base}/track_overhead"
        ml.set_store(url, str(folder / "pg-artifacts"))
        try:
            return long_history(shell, url, tries, mlflow=False)
        finally:
            ml.flush()
            ml.get_tracker().store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few cells, no results written")
    parser.add_argument(
        "--label", choices=("before", "after"), default="after", help="which measurement this is"
    )
    parser.add_argument("--commit", help="the commit of the code measured (default: HEAD)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    cells = 20 if args.quick else CELLS
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = make_data(folder)
        (folder / ".mlops").mkdir()
        ml.set_store(f"sqlite:///{folder / '.mlops' / 'mlops.sqlite'}")
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.sqlite'}")
        mlflow.set_experiment("overhead")

        shell = InteractiveShell.instance()
        shell.run_cell("%load_ext mlops_jlab")
        from mlflow.entities import Metric
        from mlflow.tracking import MlflowClient

        shell.user_ns.update(
            {
                "pd": pd,
                "mlflow": mlflow,
                "DATA": str(data),
                "ml": ml,
                "time": time,
                "POINTS": POINTS,
                "Metric": Metric,
                "client": MlflowClient(),
            }
        )
        # Each kind runs in blocks of BLOCK cells in a row, as Run All runs a notebook, and
        # the blocks take turns so that the machine's drift hits every kind alike. "by_hand"
        # runs cells PAUSE apart, as a person runs them (against plain cells run so too): a
        # tracked cell's last write is made while the kernel is idle, which Run All leaves
        # it no time for.
        variants = {
            "plain": BODY,
            "tracked": TRACKED,
            "mlflow": MLFLOW,
            "plain_by_hand": BODY,
            "by_hand": TRACKED,
        }
        samples: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for code in variants.values():
            for _ in range(WARMUP):
                run_cell(shell, code)
        ml.flush()
        profiled = profiles_computed()
        # Tracked cells run in a row leave their last writes for the kernel's idle time;
        # they are made here, between blocks, so that they slow no other block's cells,
        # and timed, so that what they cost is on record too.
        deferred_ms = 0.0
        for _ in range(max(1, cells // BLOCK)):
            for name, code in variants.items():
                for _ in range(BLOCK):
                    if name.endswith("by_hand"):
                        time.sleep(PAUSE)
                    wall, used = timed_cell(shell, code)
                    samples[name].append(wall)
                    cpu[name].append(used)
                started = time.perf_counter()
                ml.flush()
                if name == "tracked":
                    deferred_ms += (time.perf_counter() - started) * 1000
        recorded = len(ml.runs())
        if profiled is not None:
            profiled = profiles_computed() - profiled
        tries = 1 if args.quick else LONG_TRIES
        history = long_history(shell, f"sqlite:///{folder / '.mlops' / 'mlops.sqlite'}", tries)
        ml.flush()
        ml.get_tracker().store.dispose()
        history_pg = long_history_on_postgresql(shell, folder, tries)

    stats = {name: common.summary(values) for name, values in samples.items()}
    cpu_stats = {name: common.summary(values) for name, values in cpu.items()}
    plain = stats["plain"]["p50_ms"]
    ours = round(stats["tracked"]["p50_ms"] - plain, 3)
    by_hand = round(stats["by_hand"]["p50_ms"] - stats["plain_by_hand"]["p50_ms"], 3)
    theirs = round(stats["mlflow"]["p50_ms"] - plain, 3)
    ours_cpu = round(cpu_stats["tracked"]["p50_ms"] - cpu_stats["plain"]["p50_ms"], 3)
    results = {
        "commit": args.commit or head_commit(),
        "machine": {**common.machine(), "mlflow": version("mlflow")},
        "load_average": {
            "before": [round(v, 2) for v in load_before],
            "after": [round(v, 2) for v in os.getloadavg()],
        },
        "cells": cells,
        "csv_rows": ROWS,
        "cell_ms": stats,
        "cell_cpu_ms": cpu_stats,
        "overhead_p50_ms": {"mlops_jlab": ours, "mlops_jlab_by_hand": by_hand, "mlflow": theirs},
        "overhead_p95_ms": {
            "mlops_jlab": round(stats["tracked"]["p95_ms"] - stats["plain"]["p95_ms"], 3)
        },
        "overhead_cpu_p50_ms": {"mlops_jlab": ours_cpu},
        "idle_write_ms_per_run": round(deferred_ms / len(samples["tracked"]), 3),
        "profiles_computed": profiled,
        "mlflow_over_ours": round(theirs / ours, 1) if ours > 0 else None,
        "runs_recorded": recorded,
        "long_history": history,
        "long_history_postgresql": history_pg,
    }
    print(
        f"plain cell p50 {plain:.2f} ms; overhead p50: %%track {ours:.2f} ms in a row "
        f"({ours_cpu:.2f} ms of CPU; {by_hand:.2f} ms run by hand), written later while idle "
        f"{results['idle_write_ms_per_run']:.2f} ms a run, "
        f"MLflow by hand {theirs:.2f} ms ({results['mlflow_over_ours']}x); load "
        f"{results['load_average']['before'][0]} -> {results['load_average']['after'][0]}"
    )
    long = history["median_ms"]
    print(
        f"{POINTS:,}-point cell: answered in {long['mlops_jlab_answer']:.0f} ms, durable "
        f"after {long['mlops_jlab_durable']:.0f} ms ({long['mlops_jlab_durable_after_answer']:.0f} "
        f"ms after the answer); MLflow log_batch {long['mlflow_log_batch_durable']:.0f} ms "
        f"({history['mlflow_over_ours_durable']}x)"
    )
    long_pg = history_pg["median_ms"]
    print(
        f"{POINTS:,}-point cell on PostgreSQL: answered in {long_pg['mlops_jlab_answer']:.0f} "
        f"ms, durable after {long_pg['mlops_jlab_durable']:.0f} ms "
        f"({long_pg['mlops_jlab_durable_after_answer']:.0f} ms after the answer)"
    )
    if not args.quick:
        merged = with_other_label(args.label, results)
        print(f"written {common.write_results('track_overhead', merged)}")


if __name__ == "__main__":
    main()
