"""What the benchmarks share: the synthetic runs both tools record, statistics, results files."""

from __future__ import annotations

import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
MODELS = ["rf", "gbt", "svm", "logreg"]

# The query both tools answer: a param equality and a metric range, ordered by a metric.
FILTER = "params.model = 'rf' AND metrics.accuracy > 0.8"
ORDER_BY = "metrics.accuracy DESC"
TOP_K = 100
# Further orderings timed on our side only (a runs table sorted by another column).
OTHER_ORDERINGS = ["start_time DESC", "metrics.loss ASC", "params.depth ASC", "params.depth DESC"]


def synthetic_runs(n: int, seed: int = 7) -> Iterator[tuple[dict[str, str], dict[str, float]]]:
    """``n`` runs of 5 params and 3 metrics; the same seed gives the same runs."""
    rng = random.Random(seed)
    for i in range(n):
        params = {
            "model": rng.choice(MODELS),
            "lr": f"{rng.choice([0.001, 0.003, 0.01, 0.03, 0.1])}",
            "depth": str(rng.randint(2, 12)),
            "n_estimators": str(rng.choice([50, 100, 200, 400])),
            "seed": str(i),
        }
        accuracy = rng.uniform(0.5, 1.0)
        metrics = {
            "accuracy": accuracy,
            "f1": accuracy - rng.uniform(0, 0.1),
            "loss": 1 - accuracy + rng.uniform(0, 0.05),
        }
        yield params, metrics


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls of ``fn``."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "mlops_jlab": version("mlops-jlab"),
    }


def write_results(name: str, results: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def postgres_server(data: Path | None = None) -> Any:
    """A throwaway PostgreSQL server started as the tests start theirs (``tests/services.py``:
    loopback, a temporary folder, fsync off), as a context manager yielding its base URL
    (no database name); with ``data``, on that data directory (made when absent, kept).
    Benchmarks run from a checkout, whose root holds ``tests``."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.services import postgres_server as start

    return start(data)
