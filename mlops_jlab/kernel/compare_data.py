"""Runs compared side by side as plain data: pandas tables, metric histories and code
diffs, which can be inspected, tested or drawn elsewhere. The rules (how many runs,
labels, differences) are :mod:`mlops_jlab.tracking.compare`'s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.rules import RUN_ID_RE, utc_text
from mlops_jlab.tracking import RunRecord, Tracker, get_tracker
from mlops_jlab.tracking.compare import check_count, code_diff, side_by_side
from mlops_jlab.tracking.compare import labels as run_labels

if TYPE_CHECKING:
    pass


# A chart line of more points than a PNG has pixels only costs time; min and max per
# stretch keep every spike visible.
MAX_CHART_POINTS = 4000


@dataclass
class CompareData:
    """What a comparison of runs shows, as plain data.

    Tables have one column per run, named by the run's label, in the order asked for.

    Attributes
    ----------
    runs
        The runs compared, as stored.
    labels
        One label per run: its name and the first 8 characters of its id.
    overview
        Experiment, status, start, duration, user, notebook and git commit per run.
    params
        Parameter values (text; None where a run did not log the key), index the key.
    differing_params
        Keys whose value is not the same in every run (missing counts as a value).
    tags
        Tag values, like ``params``.
    differing_tags
        Tag keys whose value is not the same in every run.
    metrics
        Latest value of each metric (NaN where a run did not log it), index the key.
    histories
        Metric key -> every logged point of every run that has it: step, value, run
        (the run's label, as a categorical in run order).
    code_diffs
        Label of each run after the first -> unified diff of the first run's code against
        that run's code ("" when the same), or None when the code is too long to diff.
    """

    runs: list[RunRecord]
    labels: list[str]
    overview: pd.DataFrame
    params: pd.DataFrame
    differing_params: list[str]
    tags: pd.DataFrame
    differing_tags: list[str]
    metrics: pd.DataFrame
    histories: dict[str, pd.DataFrame]
    code_diffs: dict[str, str | None]

    @property
    def run_ids(self) -> list[str]:
        return [run.id for run in self.runs]


def compare_runs(run_ids: Iterable[str], tracker: Tracker | None = None) -> CompareData:
    """Gather params, metrics, metric histories and code of 2 to 50 runs for comparison.

    Parameters
    ----------
    run_ids
        Run ids, or unambiguous prefixes of at least 6 characters of them, in the order the
        comparison shows them (the first is the one code is diffed against). A DataFrame
        from :func:`mlops_jlab.runs` works too: its ``run_id`` column is used.
    tracker
        The store to read; by default the one this process resolved.

    Returns
    -------
    CompareData
        Side-by-side tables, the keys that differ, metric histories and code diffs.

    Raises
    ------
    InvalidInputError
        Fewer than 2 or more than 50 runs, a run given twice, a prefix too short or
        matching several runs, or an id that is not text.
    NotFoundError
        An id or prefix that matches no run.
    """
    tracker = tracker or get_tracker()
    runs = _find_runs(run_ids, tracker)
    labels = run_labels((run.name, run.id) for run in runs)
    params, differing_params = _side_by_side([run.params for run in runs], labels, "param")
    tags, differing_tags = _side_by_side([run.tags for run in runs], labels, "tag")
    overview, _ = _side_by_side([_overview(run) for run in runs], labels, "run", False)
    metric_keys = sorted(set().union(*(run.metrics for run in runs)))
    metrics = pd.DataFrame(
        {
            label: [run.metrics.get(key, np.nan) for key in metric_keys]
            for run, label in zip(runs, labels, strict=True)
        },
        index=pd.Index(metric_keys, name="metric", dtype=object),
        dtype=float,
    )
    points = tracker.metric_histories(
        [(run.id, key) for run in runs for key in metric_keys if key in run.metrics]
    )
    histories = {key: _history(points, runs, labels, key) for key in metric_keys}
    code_diffs = {
        label: code_diff(runs[0].code, run.code, labels[0], label)
        for run, label in zip(runs[1:], labels[1:], strict=True)
    }
    return CompareData(
        runs=runs,
        labels=labels,
        overview=overview,
        params=params,
        differing_params=differing_params,
        tags=tags,
        differing_tags=differing_tags,
        metrics=metrics,
        histories=histories,
        code_diffs=code_diffs,
    )


def _find_runs(run_ids: Any, tracker: Tracker) -> list[RunRecord]:
    if isinstance(run_ids, pd.DataFrame) and "run_id" in run_ids.columns:
        run_ids = run_ids["run_id"]
    if isinstance(run_ids, (str, bytes, Mapping)) or not isinstance(run_ids, Iterable):
        raise InvalidInputError(
            f"compare takes a list of run ids, such as ['3f2a9c1e0b7d', '8b41d07a55e2'], not "
            f"{type(run_ids).__name__} {run_ids!r:.80}"
        )
    given = list(run_ids)
    check_count(len(given))
    ids: list[str] = []
    seen: dict[str, Any] = {}
    for position, run_id in enumerate(given, start=1):
        full = _full_id(run_id, position, tracker)
        if full in seen:
            raise InvalidInputError(
                f"run {full} is listed twice (as {seen[full]!r} and {run_id!r}); list each run once"
            )
        seen[full] = run_id
        ids.append(full)
    return tracker.get_runs(ids)


def _full_id(run_id: Any, position: int, tracker: Tracker) -> str:
    """A run's id, from itself or an unambiguous prefix: typing 8 characters beats pasting
    32. A whole id is checked when the runs are read, all at once."""
    if not isinstance(run_id, str):
        raise InvalidInputError(
            f"run id number {position} must be text, not {type(run_id).__name__} {run_id!r:.80}"
        )
    if RUN_ID_RE.fullmatch(run_id):
        return run_id
    return tracker.resolve_run_id(run_id)


def _side_by_side(
    values: list[Mapping[str, Any]], labels: list[str], what: str, ordered: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    """One row per key, one column per run; and the keys whose values are not all equal."""
    rows = side_by_side(values, ordered)
    keys = [key for key, _, _ in rows]
    table = pd.DataFrame(
        [run_values for _, run_values, _ in rows] or None,
        index=pd.Index(keys, name=what, dtype=object),
        columns=labels,
        dtype=object,
    )
    return table, [key for key, _, differs in rows if differs]


def _overview(run: RunRecord) -> dict[str, str]:
    described = {
        "experiment": run.experiment,
        "status": run.status,
        "kind": run.kind,
        "started": utc_text(run.start_time),
        "duration": (
            f"{(run.end_time - run.start_time) / 1000:.1f} s" if run.end_time else "still running"
        ),
        "user": run.user,
        "notebook": run.notebook_path,
        "git commit": run.git_commit,
    }
    return {key: value for key, value in described.items() if value is not None}


def _history(
    points: Mapping[tuple[str, str], list[tuple[int, float, int]]],
    runs: list[RunRecord],
    labels: list[str],
    key: str,
) -> pd.DataFrame:
    steps: list[int] = []
    values: list[float] = []
    codes: list[np.ndarray] = []
    for number, run in enumerate(runs):
        found = points.get((run.id, key), [])
        steps += [step for step, _value, _time in found]
        values += [value for _step, value, _time in found]
        codes.append(np.full(len(found), number, dtype=np.int8))  # at most MAX_RUNS runs
    return pd.DataFrame(
        {
            "step": np.array(steps, dtype=np.int64),
            "value": np.array(values, dtype=float),
            # A category per run: a million points do not hold a million strings.
            "run": pd.Categorical.from_codes(np.concatenate(codes), categories=labels),
        }
    )


def downsample(
    steps: np.ndarray, values: np.ndarray, max_points: int = MAX_CHART_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """The points of a long series a chart draws: at most ``max_points`` of them.

    The series is cut into equal stretches and each keeps its lowest and highest point,
    plus the first and last point of the series, so spikes and the end value stay visible.

    Parameters
    ----------
    steps, values
        The series in step order.
    max_points
        At most this many points are returned (at least 4).

    Returns
    -------
    tuple of numpy.ndarray
        The kept steps and values, in their original order.
    """
    steps, values = np.asarray(steps), np.asarray(values, dtype=float)
    count = len(values)
    if count <= max_points:
        return steps, values
    stretch = -(-count // ((max(max_points, 4) - 2) // 2))  # ceiling division
    stretches = -(-count // stretch)
    # Padding repeats the last value, so the last stretch needs no special case.
    grid = np.pad(values, (0, stretches * stretch - count), mode="edge").reshape(stretches, -1)
    starts = np.arange(stretches) * stretch
    kept = np.concatenate(
        ([0, count - 1], starts + grid.argmin(axis=1), starts + grid.argmax(axis=1))
    )
    kept = np.unique(np.minimum(kept, count - 1))
    return steps[kept], values[kept]
