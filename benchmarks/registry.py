"""mlops-jlab's model registry against MLflow's, both on SQLite, on the same model in one run.

The model is a scikit-learn logistic regression on the iris data, logged once by a run of
each tool (``ml.log_model`` / ``mlflow.sklearn.log_model``). Then, for each tool:

1. register a version of it, 1,000 times (p50 and p95 of each registration);
2. point an alias at a version (an unprotected alias: ours moves it at once, like MLflow's);
3. load the model by its alias (``models:/name@alias``), the blob read and its digest checked;
4. list the versions of a model with 1,000 versions registered, as a DataFrame for ours
   (``ml.model_versions``) and as MLflow's ``search_model_versions`` answer.

Usage: python benchmarks/registry.py [--quick]
Results: benchmarks/results/registry.json
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path

import common

import mlops_jlab as ml

VERSIONS = 1_000
REPEAT = 200
ALIAS = "candidate"


def iris_model():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, labels = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(features, labels)


def measure_ours(folder: Path, model, versions: int, repeat: int) -> dict:
    ml.set_store(f"sqlite:///{folder / 'ours.sqlite'}", str(folder / "ours-artifacts"))
    with ml.start_run(name="train", experiment="registry") as run:
        ml.log_model(model, "model")
    ml.flush()
    registered = iter(range(versions))

    def register():
        next(registered)
        ml.register_model(run.id, "iris")

    register_ms = common.timed(register, versions)
    numbers = iter(range(repeat))
    alias_ms = common.timed(lambda: ml.set_alias("iris", ALIAS, 1 + next(numbers)), repeat)
    load_ms = common.timed(lambda: ml.load_model(f"models:/iris@{ALIAS}"), repeat)
    list_ms = common.timed(lambda: ml.model_versions("iris"), repeat)
    listed = len(ml.model_versions("iris"))
    return {
        "register": common.summary(register_ms),
        "set_alias": common.summary(alias_ms),
        "load_by_alias": common.summary(load_ms),
        f"list_{versions}_versions": common.summary(list_ms),
        "versions_listed": listed,
    }


def measure_mlflow(folder: Path, model, versions: int, repeat: int) -> dict:
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.sqlite'}")
    # Its artifacts in the temporary folder, not in ./mlruns of the working directory.
    mlflow.set_experiment(
        experiment_id=mlflow.create_experiment(
            "registry", artifact_location=(folder / "mlflow-artifacts").as_uri()
        )
    )
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model")
    client = MlflowClient()
    registered = iter(range(versions))

    def register():
        next(registered)
        mlflow.register_model(info.model_uri, "iris")

    register_ms = common.timed(register, versions)
    numbers = iter(range(repeat))
    alias_ms = common.timed(
        lambda: client.set_registered_model_alias("iris", ALIAS, str(1 + next(numbers))), repeat
    )
    load_ms = common.timed(lambda: mlflow.sklearn.load_model(f"models:/iris@{ALIAS}"), repeat)
    list_ms = common.timed(lambda: client.search_model_versions("name='iris'"), repeat)
    listed = len(client.search_model_versions("name='iris'"))
    return {
        "register": common.summary(register_ms),
        "set_alias": common.summary(alias_ms),
        "load_by_alias": common.summary(load_ms),
        f"list_{versions}_versions": common.summary(list_ms),
        "versions_listed": listed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run, no results")
    args = parser.parse_args()
    versions, repeat = (50, 20) if args.quick else (VERSIONS, REPEAT)
    model = iris_model()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours = measure_ours(folder, model, versions, repeat)
        theirs = measure_mlflow(folder, model, versions, repeat)
    ratios = {
        what: round(theirs[what]["p50_ms"] / ours[what]["p50_ms"], 1)
        for what in ours
        if isinstance(ours[what], dict)
    }
    results = {
        "machine": {**common.machine(), "mlflow": version("mlflow")},
        "versions": versions,
        "repeat": repeat,
        "mlops_jlab": ours,
        "mlflow": theirs,
        "mlflow_over_ours_p50": ratios,
    }
    for what, ratio in ratios.items():
        print(
            f"{what:>22}: ours {ours[what]['p50_ms']:8.2f} ms  "
            f"MLflow {theirs[what]['p50_ms']:8.2f} ms  {ratio}x"
        )
    if not args.quick:
        print(f"results: {common.write_results('registry', results)}")


if __name__ == "__main__":
    main()
