"""Runs side by side for ``POST runs/compare``.

The rules (how many runs, their labels, which values differ, the code diff) are
:mod:`mlops_jlab.tracking.compare`'s, which the notebook's comparison follows too. The
notebook keeps every point of every history (its charts downsample them); here long
histories are downsampled by the database, so an answer never carries a million points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mlops_jlab.server.histories import History
from mlops_jlab.server.schemas import (
    CodeDiff,
    CompareDatasetRow,
    CompareMetricRow,
    CompareRow,
    DescribeRunComparison,
    EnvironmentComparison,
    PackageRow,
    RunHistory,
)
from mlops_jlab.tracking.compare import code_diff, labels, side_by_side


def environment_comparison(
    hashes: Sequence[str | None], environments: Mapping[str, Mapping[str, Any]]
) -> EnvironmentComparison:
    """Python versions and platforms per run, and the packages whose versions differ."""
    found = [environments.get(digest) if digest else None for digest in hashes]
    packages = [dict(env["packages"]) if env else {} for env in found]
    names = sorted({name for listed in packages for name in listed})
    differing = []
    for name in names:
        versions = [listed.get(name) for listed in packages]
        if len(set(versions)) > 1:
            differing.append(PackageRow(name=name, versions=versions))
    return EnvironmentComparison(
        same=None not in hashes and len(set(hashes)) == 1,
        python_versions=[env["python_version"] if env else None for env in found],
        platforms=[env["platform"] if env else None for env in found],
        packages=differing,
    )


def comparison(
    runs: Sequence[Mapping[str, Any]],
    summaries: Sequence[Any],
    histories: Mapping[tuple[str, str], History],
    environments: Mapping[str, Mapping[str, Any]],
    datasets: Sequence[CompareDatasetRow],
) -> DescribeRunComparison:
    """The comparison of ``runs`` (rows of :func:`mlops_jlab.store.reads.load_runs`, in the
    order asked for), given their summaries, histories, environments and input datasets."""
    names = labels((run["name"], run["id"]) for run in runs)
    metric_rows = side_by_side([run["metrics"] for run in runs])
    by_key: dict[str, list[RunHistory]] = {}
    for key in sorted({key for _, key in histories}):
        for run in runs:
            found = histories.get((run["id"], key))
            if found is not None:
                by_key.setdefault(key, []).append(
                    RunHistory(
                        run_id=run["id"],
                        count=found.count,
                        downsampled=found.downsampled,
                        points=found.as_json(),
                    )
                )
    first = runs[0]
    return DescribeRunComparison(
        runs=list(summaries),
        labels=names,
        params=[
            CompareRow(key=key, values=values, differs=differs)
            for key, values, differs in side_by_side([run["params"] for run in runs])
        ],
        tags=[
            CompareRow(key=key, values=values, differs=differs)
            for key, values, differs in side_by_side([run["tags"] for run in runs])
        ],
        metrics=[
            CompareMetricRow(key=key, values=values, differs=differs)
            for key, values, differs in metric_rows
        ],
        histories=by_key,
        code_diffs=[
            CodeDiff(
                run_id=run["id"],
                same=run["code"] == first["code"],
                diff=code_diff(first["code"], run["code"], names[0], label),
            )
            for run, label in zip(runs[1:], names[1:], strict=True)
        ],
        environment=environment_comparison([run["environment_hash"] for run in runs], environments),
        datasets=list(datasets),
    )
