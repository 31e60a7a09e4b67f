"""mlops-jlab against MLflow, both on SQLite, on the same machine in one run.

1. The cost of recording one run with 5 params and 3 metrics (start, log, end), p50 and p95.
2. A filtered and ordered top-100 query (``params.model = 'rf' AND metrics.accuracy > 0.8``
   ordered by ``metrics.accuracy DESC``) returned as a DataFrame, over stores of growing size:
   ours at 1k, 5k, 10k and 100k runs, MLflow at 1k and 5k runs (the same synthetic runs).

Usage: python benchmarks/tracking_vs_mlflow.py [--quick]
Results: benchmarks/results/tracking_vs_mlflow.json
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import uuid
import warnings
from importlib.metadata import version
from itertools import islice
from pathlib import Path

import common

import mlops_jlab as ml
from mlops_jlab.store import search, writes
from mlops_jlab.store.tables import LATEST, METRICS, PARAMS, RUNS

SEED_BATCH = 5_000


def record_cost_ours(folder: Path, n: int) -> list[float]:
    ml.set_store(f"sqlite:///{folder / 'ours.sqlite'}", str(folder / "ours-artifacts"))
    runs = list(common.synthetic_runs(n + 20))

    def one(params, metrics):
        with ml.start_run(experiment="cost"):
            ml.log_params(params)
            ml.log_metrics(metrics)

    for params, metrics in runs[:20]:  # warm caches, connections and the experiment id
        one(params, metrics)
    samples = iter(runs[20:])
    return common.timed(lambda: one(*next(samples)), n)


def record_cost_mlflow(folder: Path, n: int) -> list[float]:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow-cost.sqlite'}")
    mlflow.set_experiment("cost")
    runs = list(common.synthetic_runs(n + 5))

    def one(params, metrics):
        with mlflow.start_run():
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)

    for params, metrics in runs[:5]:
        one(params, metrics)
    samples = iter(runs[5:])
    return common.timed(lambda: one(*next(samples)), n)


def seed_ours(store, runs, first_index: int) -> None:
    """Bulk-insert finished runs with their params and metrics (the tracking API would take
    minutes for 100k runs; the rows it writes are the same)."""
    with store.write() as conn:
        experiment_id = writes.ensure_experiment(conn, "query")
    batch = list(islice(runs, SEED_BATCH))
    index = first_index
    while batch:
        run_rows, param_rows, metric_rows = [], [], []
        for params, metrics in batch:
            run_id = uuid.uuid4().hex
            started = 1_700_000_000_000 + index * 1000
            run_rows.append(
                {
                    "id": run_id,
                    "experiment_id": experiment_id,
                    "name": f"run-{index}",
                    "kind": "script",
                    "status": "finished",
                    "start_time": started,
                    "end_time": started + 500,
                    "heartbeat": started + 500,
                }
            )
            param_rows += [
                {"run_id": run_id, "key": k, "value": v, "value_num": writes.as_number(v)}
                for k, v in params.items()
            ]
            metric_rows += [
                {"run_id": run_id, "key": k, "value": v, "step": 0, "timestamp": started}
                for k, v in metrics.items()
            ]
            index += 1
        with store.write() as conn:
            conn.execute(RUNS.insert(), run_rows)
            conn.execute(PARAMS.insert(), param_rows)
            conn.execute(METRICS.insert(), metric_rows)
            conn.execute(LATEST.insert(), metric_rows)
        batch = list(islice(runs, SEED_BATCH))


def seed_mlflow(client, experiment_id: str, runs) -> None:
    from mlflow.entities import Metric, Param

    for params, metrics in runs:
        run = client.create_run(experiment_id)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, 0, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
        )
        client.set_terminated(run.info.run_id)


def query_ours(folder: Path, sizes: list[int], repeat: int) -> dict[str, dict]:
    tracker = ml.set_store(f"sqlite:///{folder / 'query.sqlite'}", str(folder / "query-art"))
    runs = common.synthetic_runs(max(sizes))
    results, seeded = {}, 0
    for size in sizes:
        seed_ours(tracker.store, islice(runs, size - seeded), seeded)
        seeded = size
        frame = ml.runs(filter=common.FILTER, order_by=common.ORDER_BY, max_results=common.TOP_K)
        assert len(frame) == common.TOP_K, len(frame)

        def page_only():
            with tracker.store.read() as conn:
                search.search_runs(conn, common.FILTER, common.ORDER_BY, common.TOP_K)

        results[str(size)] = {
            "dataframe": common.summary(
                common.timed(
                    lambda: ml.runs(
                        filter=common.FILTER, order_by=common.ORDER_BY, max_results=common.TOP_K
                    ),
                    repeat,
                )
            ),
            "page_of_ids": common.summary(common.timed(page_only, repeat)),
        }
        print(f"  ours   {size:>7} runs: {results[str(size)]['dataframe']['p50_ms']:8.2f} ms p50")
    results["other_orderings"] = other_orderings(tracker, max(sizes), repeat)
    return results


def other_orderings(tracker, size: int, repeat: int) -> dict[str, dict]:
    """Page of ids at the largest size for orderings other than the headline one, with and
    without the headline filter: what a user sorting the runs table by a column waits."""
    results = {}
    for filter in (None, common.FILTER):
        for order_by in common.OTHER_ORDERINGS:

            def page(filter=filter, order_by=order_by):
                with tracker.store.read() as conn:
                    search.search_runs(conn, filter, order_by, common.TOP_K)

            label = f"{order_by} | {filter or 'no filter'}"
            results[label] = common.summary(common.timed(page, repeat))
            print(f"  ours   {size:>7} runs, {label}: {results[label]['p50_ms']:8.2f} ms p50")
    return results


def query_mlflow(folder: Path, sizes: list[int], repeat: int) -> dict[str, dict]:
    import mlflow
    from mlflow import MlflowClient

    uri = f"sqlite:///{folder / 'mlflow-query.sqlite'}"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    experiment_id = client.create_experiment("query")
    runs = common.synthetic_runs(max(sizes))
    results, seeded = {}, 0
    for size in sizes:
        seed_mlflow(client, experiment_id, islice(runs, size - seeded))
        seeded = size

        def search():
            return mlflow.search_runs(
                experiment_ids=[experiment_id],
                filter_string=common.FILTER,
                order_by=[common.ORDER_BY],
                max_results=common.TOP_K,
            )

        assert len(search()) == common.TOP_K
        results[str(size)] = {"dataframe": common.summary(common.timed(search, repeat))}
        print(f"  mlflow {size:>7} runs: {results[str(size)]['dataframe']['p50_ms']:8.2f} ms p50")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    if args.quick:
        cost_n, mlflow_cost_n, ours_sizes, mlflow_sizes, repeat = 100, 20, [1000, 5000], [1000], 5
    else:
        cost_n, mlflow_cost_n = 1000, 200
        ours_sizes, mlflow_sizes, repeat = [1_000, 5_000, 10_000, 100_000], [1_000, 5_000], 20

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"recording one run with 5 params and 3 metrics ({cost_n} / {mlflow_cost_n} runs)")
        ours = common.summary(record_cost_ours(folder, cost_n))
        theirs = common.summary(record_cost_mlflow(folder, mlflow_cost_n))
        ratio = round(theirs["p50_ms"] / ours["p50_ms"], 1)
        print(f"  ours {ours['p50_ms']:.2f} ms p50, {ours['p95_ms']:.2f} ms p95")
        print(f"  mlflow {theirs['p50_ms']:.2f} ms p50, {theirs['p95_ms']:.2f} ms p95")
        print(f"  mlflow / ours = {ratio}x")
        print(f"top-{common.TOP_K} query: {common.FILTER} ORDER BY {common.ORDER_BY}")
        ours_query = query_ours(folder, ours_sizes, repeat)
        mlflow_query = query_mlflow(folder, mlflow_sizes, max(3, repeat // 4))
    shared = [size for size in map(str, mlflow_sizes) if size in ours_query]
    results = {
        "machine": {**common.machine(), "mlflow": version("mlflow")},
        "quick": args.quick,
        "record_one_run": {
            "what": "start_run, log 5 params, log 3 metrics, end_run; SQLite store",
            "mlops_jlab": ours,
            "mlflow": theirs,
            "mlflow_over_ours_p50": ratio,
            "target": "ours <= 3 ms p50",
        },
        "top_k_query": {
            "filter": common.FILTER,
            "order_by": common.ORDER_BY,
            "max_results": common.TOP_K,
            "what": "runs as a DataFrame with params and metrics (ml.runs / mlflow.search_runs)",
            "mlops_jlab": ours_query,
            "mlflow": mlflow_query,
            "mlflow_over_ours_p50": {
                size: round(
                    mlflow_query[size]["dataframe"]["p50_ms"]
                    / ours_query[size]["dataframe"]["p50_ms"],
                    1,
                )
                for size in shared
            },
            "target": "ours <= 50 ms at 100k runs",
        },
    }
    if not args.quick:
        print(f"results: {common.write_results('tracking_vs_mlflow', results)}")


if __name__ == "__main__":
    main()
