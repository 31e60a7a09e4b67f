"""Fills an example store with real runs, so a newcomer sees something within a minute.

A preparation run splits a dataset scikit-learn ships (breast cancer diagnosis) into a
train and a test set; small scikit-learn models are trained on them with a few settings
each, logging params, per-step metrics, a figure and the model. The datasets are versions
with roles, so the lineage leads from the raw data through the split to every model.
"""

from __future__ import annotations

from collections.abc import Callable

from mlops_jlab.tracking import Tracker

EXPERIMENT = "breast-cancer"


def _trainers() -> list[tuple[str, dict, Callable]]:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def logistic(C: float):
        return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))

    trainers: list[tuple[str, dict, Callable]] = []
    for C in (0.01, 0.1, 1.0, 10.0):
        trainers.append(("logreg", {"C": C}, lambda C=C: logistic(C)))
    for depth in (2, 4, 8):
        trainers.append(
            (
                "random-forest",
                {"max_depth": depth, "n_estimators": 100},
                lambda depth=depth: RandomForestClassifier(
                    max_depth=depth, n_estimators=100, random_state=0
                ),
            )
        )
    for lr in (0.05, 0.2):
        trainers.append(
            (
                "gradient-boosting",
                {"learning_rate": lr, "n_estimators": 60},
                lambda lr=lr: GradientBoostingClassifier(
                    learning_rate=lr, n_estimators=60, random_state=0
                ),
            )
        )
    return trainers


def fill_example_store(tracker: Tracker) -> int:
    """Record the example runs into ``tracker``'s store; returns how many were recorded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_breast_cancer
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    raw = load_breast_cancer(as_frame=True).frame
    with tracker.start_run(name="prepare-split", experiment=EXPERIMENT) as run:
        run.log_dataset(raw, "breast-cancer")
        run.log_params({"test_size": 0.3, "random_state": 0})
        train, test = train_test_split(raw, test_size=0.3, random_state=0, stratify=raw["target"])
        run.log_dataset(train, "breast-cancer-train", direction="output", role="train")
        run.log_dataset(test, "breast-cancer-test", direction="output", role="test")
    x_train, y_train = train.drop(columns="target").to_numpy(), train["target"].to_numpy()
    x_test, y_test = test.drop(columns="target").to_numpy(), test["target"].to_numpy()
    trainers = _trainers()
    for model_name, params, make in trainers:
        with tracker.start_run(
            name=f"{model_name}-" + "-".join(f"{k}{v}" for k, v in params.items()),
            experiment=EXPERIMENT,
            tags={"model": model_name, "dataset": "sklearn.breast_cancer"},
        ) as run:
            run.log_params({"model": model_name, **params, "test_size": 0.3})
            run.log_dataset(train, "breast-cancer-train", role="train")
            run.log_dataset(test, "breast-cancer-test", role="test")
            model = make().fit(x_train, y_train)
            if hasattr(model, "staged_predict"):
                for step, predicted in enumerate(model.staged_predict(x_test)):
                    run.log_metric("staged_accuracy", accuracy_score(y_test, predicted), step)
            predicted = model.predict(x_test)
            scores = model.predict_proba(x_test)[:, 1]
            run.log_metrics(
                {
                    "accuracy": accuracy_score(y_test, predicted),
                    "f1": f1_score(y_test, predicted),
                    "roc_auc": roc_auc_score(y_test, scores),
                }
            )
            figure, axes = plt.subplots(figsize=(4, 3))
            axes.hist([scores[y_test == 0], scores[y_test == 1]], bins=20, label=["0", "1"])
            axes.set_title(f"{model_name}: predicted probability")
            axes.legend(title="class")
            run.log_artifact(figure, name="scores.png")
            plt.close(figure)
            run.log_model(model, "model")
    return len(trainers) + 1
