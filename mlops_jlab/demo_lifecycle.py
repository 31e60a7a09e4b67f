"""The rest of the example store: the training notebook as a pipeline, and its models
behind the registry's gate, so that the Jobs and Models tabs have something to show.

After :func:`mlops_jlab.demo.fill_example_store` has run the notebooks, the training
notebook is promoted to the pipeline ``train-model``; a sweep runs it over three
regularisation strengths of logistic regression, two jobs at a time; one job asks for a
model the notebook does not know and fails in its settings cell (the Jobs tab shows that
cell and the error); and a weekly schedule retrains gradient boosting on Monday mornings.

Then the best model of the first round is registered and, after an ease.ml/ci check on the
test split, approved as ``champion``; the runner-up of the refreshed round is proposed for
``production`` and rejected by its reviewer; the best refreshed model is proposed for
``champion`` with its check report, and waits for a person in the Models tab.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import mlops_jlab as ml
from mlops_jlab.config import StoreLocation
from mlops_jlab.demo import EXPERIMENT, REFRESHED, TEST, TRAIN_NOTEBOOK, DemoError

PIPELINE = "train-model"
SWEEP_SUFFIX = "-sweep"
SWEEP_GRID = {"model": ["logreg"], "C": [0.03, 0.3, 3.0], "suffix": [SWEEP_SUFFIX]}
# A model the training notebook has no settings for: the job fails in its settings cell.
UNKNOWN_MODEL = "svm"
WEEKLY = "0 6 * * 1"
MODEL = "breast-cancer"
# The test split holds about 180 cases: a check at reliability 0.95 over 4 evaluations
# that tells accuracy to within 0.12 needs 152 of them.
CHECK = {
    "test": TEST,
    "reliability": 0.95,
    "adaptivity": "none",
    "steps": 4,
    "target": "target",
}


@contextlib.contextmanager
def _store(location: StoreLocation) -> Iterator[None]:
    """The module-level API on ``location`` for the block, resolved again afterwards."""
    ml.set_store(location.db_url, location.artifacts)
    try:
        yield
    finally:
        ml.set_store()


def fill_pipelines(folder: Path, location: StoreLocation) -> int:
    """Promote the training notebook of ``folder``, run a sweep and a failing job, and
    schedule it weekly. Returns how many jobs ran."""
    with _store(location):
        pipeline = ml.promote(folder / TRAIN_NOTEBOOK, name=PIPELINE)
        sweep = ml.sweep(pipeline, SWEEP_GRID, max_parallel=2).wait()
        unfinished = [job for job in sweep.jobs if job.status != "finished"]
        if unfinished:
            raise DemoError(
                f"a job of the demo's sweep ended {unfinished[0].status}: {unfinished[0].error}"
            )
        ml.run_job(pipeline, {"model": UNKNOWN_MODEL}, wait=True)
        ml.schedule(
            PIPELINE,
            WEEKLY,
            {"model": "gradient-boosting", "learning_rate": 0.2, "suffix": "-weekly"},
        )
    return len(sweep.jobs) + 1


def fill_registry(location: StoreLocation) -> None:
    """Register three trained models and leave one request approved, one rejected and one
    pending."""
    with _store(location):
        runs = ml.runs("metrics.roc_auc > 0", ["metrics.roc_auc DESC"], experiment=EXPERIMENT)
        first = runs[~runs["name"].str.endswith((REFRESHED, SWEEP_SUFFIX))]
        refreshed = runs[runs["name"].str.endswith(REFRESHED)]
        if first.empty or len(refreshed) < 2:
            raise DemoError("the example runs lack the trained models the registry needs")
        served = ml.register_model(
            first["run_id"].iloc[0], MODEL, description=f"{first['name'].iloc[0]}, first extract"
        )
        approved = ml.request_transition(
            MODEL,
            served.version,
            "champion",
            condition="n > 0.8 +/- 0.12",
            reason="the best model of the first extract",
            **CHECK,
        )
        ml.approve(approved.id, "the check passes; first model in service")
        runner_up = ml.register_model(refreshed["run_id"].iloc[1], MODEL)
        rejected = ml.request_transition(
            MODEL, runner_up.version, "production", reason="serve the refreshed runner-up"
        )
        ml.reject(rejected.id, "its ROC AUC is below the champion's; wait for the best one")
        best = ml.register_model(
            refreshed["run_id"].iloc[0], MODEL, description=f"{refreshed['name'].iloc[0]}"
        )
        ml.request_transition(
            MODEL,
            best.version,
            "champion",
            condition="n > 0.85 +/- 0.12",
            reason="retrained on the later extract",
            **CHECK,
        )
