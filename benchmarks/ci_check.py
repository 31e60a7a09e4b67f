"""What an ease.ml/ci check adds to the models' own prediction time.

``check_models`` tests ``n - o > 0.02 +/- 0.01 /\\ d < 0.1 +/- 0.01`` (the paper's condition,
reliability 0.9999, fp-free, 32 non-adaptive steps: 66,847 examples needed) on a 100,000-row
test frame of 20 numeric features, for three pairs of scikit-learn models trained on 20,000
other rows: a gradient-boosted model (HistGradientBoostingClassifier) against a logistic
regression, a random forest against the gradient-boosted model, and two logistic regressions
(the cheapest predictions, where the check's share is largest). ``check_models`` times the
``predict`` calls apart from everything else it does (checking the frame and the condition,
selecting the feature columns, comparing predictions and labels, the report): the latter is
the overhead, against a target of at most 10% of the prediction time. Each pair is checked
once untimed and then ``REPEAT`` times; medians.

Usage: python benchmarks/ci_check.py [--quick]
Results: benchmarks/results/ci_check.json
"""

from __future__ import annotations

import argparse
import statistics
from importlib.metadata import version

import common
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from mlops_jlab.easeml.ci import CiSettings, check_models, required_examples

CONDITION = r"n - o > 0.02 +/- 0.01 /\ d < 0.1 +/- 0.01"
SETTINGS = CiSettings(reliability=0.9999, mode="fp-free", adaptivity="none", steps=32)
TEST_ROWS = 100_000
TRAIN_ROWS = 20_000
FEATURES = 20
REPEAT = 7
TARGET_SHARE = 0.10


def frames(test_rows: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    x, y = make_classification(
        n_samples=TRAIN_ROWS + test_rows,
        n_features=FEATURES,
        n_informative=10,
        flip_y=0.02,
        random_state=0,
    )
    columns = [f"f{i}" for i in range(FEATURES)]
    frame = pd.DataFrame(x, columns=columns).assign(label=y)
    train = frame.iloc[:TRAIN_ROWS]
    test = frame.iloc[TRAIN_ROWS:].reset_index(drop=True)
    return train, test, columns


def models(train: pd.DataFrame, columns: list[str]) -> dict[str, object]:
    x, y = train[columns], train["label"]
    return {
        "logreg": LogisticRegression(max_iter=1000).fit(x, y),
        "logreg_c001": LogisticRegression(C=0.001, max_iter=1000).fit(x, y),
        "hgb": HistGradientBoostingClassifier(random_state=0).fit(x, y),
        "rf": RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0).fit(x, y),
    }


def measure(new: object, old: object, test: pd.DataFrame, repeat: int) -> dict:
    check_models(CONDITION, SETTINGS, new, old, test, "label")
    reports = [check_models(CONDITION, SETTINGS, new, old, test, "label") for _ in range(repeat)]
    prediction = statistics.median(r.prediction_seconds for r in reports) * 1000
    overhead = statistics.median(r.check_seconds for r in reports) * 1000
    last = reports[-1]
    return {
        "prediction_ms_p50": round(prediction, 3),
        "overhead_ms_p50": round(overhead, 3),
        "overhead_share": round(overhead / prediction, 4),
        "prediction_ms_all": [round(r.prediction_seconds * 1000, 3) for r in reports],
        "overhead_ms_all": [round(r.check_seconds * 1000, 3) for r in reports],
        "outcome": last.outcome,
        "estimates": {k: round(v, 5) for k, v in last.estimates.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run, nothing written")
    args = parser.parse_args()
    rows = TEST_ROWS if not args.quick else required_examples(CONDITION, SETTINGS)
    repeat = REPEAT if not args.quick else 2
    train, test, columns = frames(rows)
    fitted = models(train, columns)
    pairs = {
        "hgb vs logreg": ("hgb", "logreg"),
        "rf vs hgb": ("rf", "hgb"),
        "logreg vs logreg": ("logreg", "logreg_c001"),
    }
    results: dict = {
        "machine": {
            **common.machine(),
            "scikit-learn": version("scikit-learn"),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "condition": CONDITION,
        "settings": SETTINGS.to_dict(),
        "examples_needed": required_examples(CONDITION, SETTINGS),
        "test_rows": rows,
        "features": FEATURES,
        "repeat": repeat,
        "pairs": {},
    }
    print(f"{'new vs old':<18} {'predict p50':>12} {'overhead p50':>13} {'share':>7}")
    for label, (new, old) in pairs.items():
        measured = measure(fitted[new], fitted[old], test, repeat)
        results["pairs"][label] = measured
        predicted, overhead = measured["prediction_ms_p50"], measured["overhead_ms_p50"]
        print(
            f"{label:<18} {predicted:>9.1f} ms {overhead:>10.2f} ms "
            f"{measured['overhead_share']:>6.1%}"
        )
    worst = max(pair["overhead_share"] for pair in results["pairs"].values())
    results["targets"] = {"overhead_share": TARGET_SHARE, "met": worst <= TARGET_SHARE}
    print(f"worst share {worst:.1%} (target <= {TARGET_SHARE:.0%})")
    if not args.quick:
        print(f"results: {common.write_results('ci_check', results)}")


if __name__ == "__main__":
    main()
