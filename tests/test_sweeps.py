"""Sweeps: one job per combination, in parallel, each kernel on sockets of its own."""

from __future__ import annotations

import pytest

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.pipelines import promotion, sweeps
from tests.pipeline_notebooks import training

WAIT = 600


def test_sixteen_jobs_four_at_a_time_all_finish(sqlite_tracker, tmp_path):
    # Given a promoted notebook and a grid of sixteen combinations (on SQLite: the kernels'
    # sockets are what is tested, and slots are claimed in the store the same way on both)
    tracker = sqlite_tracker
    pipeline = promotion.promote(tracker, training(tmp_path / "train.ipynb"))
    grid = {"lr": [0.1, 0.2, 0.3, 0.4], "depth": [1, 2, 3, 4]}
    # When they run as a sweep, four at a time (sixteen papermill processes in all)
    sweep = sweeps.sweep(tracker, pipeline, grid, max_parallel=4).wait(WAIT)
    # Then every job finished: no two kernels collided on their sockets
    assert sweep.status == {"finished": 16}, [job.error for job in sweep.jobs]
    # and never more than four ran at once
    moments = sorted(
        [(job.started_at, 1) for job in sweep.jobs] + [(job.ended_at, -1) for job in sweep.jobs],
        key=lambda moment: (moment[0], moment[1]),
    )
    running, most = 0, 0
    for _, change in moments:
        running += change
        most = max(most, running)
    assert most <= 4
    # and their runs, one per combination, open side by side in Compare
    runs = sweep.runs()
    pairs = zip(runs["params.lr"], runs["params.depth"], strict=True)
    combos = {(float(lr), int(depth)) for lr, depth in pairs}
    assert len(runs) == 16 and len(combos) == 16
    assert set(runs["kind"]) == {"job"}


def test_a_list_of_dicts_and_bad_grids(tracker, tmp_path):
    pipeline = promotion.promote(tracker, training(tmp_path / "train.ipynb"))
    assert sweeps.combinations([{"lr": 0.1}, {"lr": 0.2, "depth": 5}]) == [
        {"lr": 0.1},
        {"lr": 0.2, "depth": 5},
    ]
    with pytest.raises(InvalidInputError, match="non-empty list"):
        sweeps.sweep(tracker, pipeline, {"lr": []})
    # A combination of the wrong type is refused before any job is recorded
    with pytest.raises(InvalidInputError, match="parameter 'depth'"):
        sweeps.sweep(tracker, pipeline, {"lr": [0.1], "depth": [1, "deep"]})
    with pytest.raises(InvalidInputError, match="max_parallel"):
        sweeps.sweep(tracker, pipeline, {"lr": [0.1]}, max_parallel=0)
    from mlops_jlab.pipelines import jobs

    assert jobs.jobs_frame(tracker).empty
