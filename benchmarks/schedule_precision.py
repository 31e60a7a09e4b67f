"""How soon after its due time a scheduled job starts.

A trivial notebook is promoted into a SQLite store and scheduled on a seconds cron
(``*/2 * * * * *``, max_concurrent 4); one scheduler with the local executor runs until 20
fires have been recorded. For each fire: due time -> job recorded (the fire written under
its (schedule, fire time) key) and due time -> job started (claimed by the executor, its
process about to start), p50 and max. A fire that finds 4 of the schedule's jobs still at
work (each starts a kernel: seconds on 2 cores) is recorded skipped and starts nothing.
Target: <= 1 s for both.

Usage: python benchmarks/schedule_precision.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import common

from mlops_jlab.config import StoreLocation
from mlops_jlab.pipelines import promotion, records, schedules
from mlops_jlab.pipelines.executor import LocalExecutor
from mlops_jlab.pipelines.scheduler import Scheduler
from mlops_jlab.tracking import Tracker

CRON = "*/2 * * * * *"
TARGET_MS = 1000.0


def trivial_notebook(path: Path) -> Path:
    import nbformat

    document = nbformat.v4.new_notebook()
    document.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    document.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(document, str(path))
    return path


def measure(folder: Path, fires: int) -> dict:
    location = StoreLocation(
        f"sqlite:///{folder / 'mlops.sqlite'}", str(folder / "artifacts"), "benchmark"
    )
    tracker = Tracker(location)
    promotion.promote(tracker, trivial_notebook(folder / "tick.ipynb"))
    made = schedules.create_schedule(tracker, "tick", CRON, max_concurrent=4)
    executor = LocalExecutor(location)
    scheduler = Scheduler(location, executor).start()
    try:
        while True:
            with tracker.read() as conn:
                found = records.list_jobs(conn, schedule_id=made.id)
            started = [job for job in found if job["started_at"] is not None]
            if len(found) >= fires and len(started) >= min(fires, len(found)):
                break
            time.sleep(0.5)
        made.pause()
    finally:
        scheduler.stop()
        executor.shutdown()
    found = sorted(found, key=lambda job: job["fire_time"])[:fires]
    while not all(records.ended(job["status"]) for job in found):
        time.sleep(0.5)
        with tracker.read() as conn:
            found = [records.job(conn, job["id"]) for job in found]
    recorded = [float(job["created_at"] - job["fire_time"]) for job in found]
    started = [float(job["started_at"] - job["fire_time"]) for job in found if job["started_at"]]
    return {
        "cron": CRON,
        "fires": len(found),
        "statuses": sorted({job["status"] for job in found}),
        "skipped": sum(job["status"] == "skipped" for job in found),
        "due_to_recorded": {**common.summary(recorded), "max_ms": max(recorded)},
        "due_to_started": {**common.summary(started), "max_ms": max(started)},
        "due_to_started_all_ms": started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 fires, no results written")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-bench-schedule-") as folder:
        found = measure(Path(folder), 5 if args.quick else 20)
    started, recorded = found["due_to_started"], found["due_to_recorded"]
    found["target_ms"] = TARGET_MS
    found["met"] = started["p50_ms"] <= TARGET_MS and started["max_ms"] <= TARGET_MS
    results = {"machine": common.machine(), "schedule_precision": found}
    print(
        f"{found['fires']} fires of {CRON!r}: due -> recorded p50 {recorded['p50_ms']:.1f} ms, "
        f"max {recorded['max_ms']:.1f} ms; due -> started p50 {started['p50_ms']:.1f} ms, "
        f"max {started['max_ms']:.1f} ms "
        f"(target <= {TARGET_MS:g} ms: {'met' if found['met'] else 'missed'})"
    )
    if not args.quick:
        print(f"written {common.write_results('schedule_precision', results)}")


if __name__ == "__main__":
    main()
