"""What a run reads back as: a :class:`RunRecord`, and runs as a DataFrame shaped like
``mlflow.search_runs``'s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_jlab.store.reads import SUMMARY_COLUMNS

if TYPE_CHECKING:  # pandas loads in half a second; only the DataFrame readers need it
    import pandas as pd

# The runs table's columns, as mlflow.search_runs names the id, with the experiment's name;
# the job and deletion time, which a notebook user does not filter on, are left out.
_BASE_COLUMNS = [
    "run_id",
    "experiment",
    *(column for column in SUMMARY_COLUMNS if column not in ("id", "job_id", "deleted_at")),
]


def runs_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The DataFrame shape ``mlflow.search_runs`` users know."""
    import pandas as pd

    records_: list[dict[str, Any]] = []
    for row in rows:
        flat = {column: row.get(column) for column in _BASE_COLUMNS if column != "run_id"}
        flat["run_id"] = row["id"]
        for prefix in ("params", "metrics", "tags"):
            for key, value in row[prefix].items():
                flat[f"{prefix}.{key}"] = value
        records_.append(flat)
    frame = pd.DataFrame.from_records(records_)
    extra = sorted(column for column in frame.columns if column not in _BASE_COLUMNS)
    frame = frame.reindex(columns=_BASE_COLUMNS + extra)
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


@dataclass
class RunRecord:
    """A run as stored: attributes plus params, latest metrics, tags and artifacts."""

    id: str
    name: str
    experiment: str
    kind: str
    status: str
    start_time: int
    end_time: int | None
    user: str | None
    notebook_path: str | None
    cell_id: str | None
    execution_count: int | None
    code: str | None
    code_hash: str | None
    parent_id: str | None
    job_id: str | None
    environment_hash: str | None
    git_commit: str | None
    error: str | None
    note: str | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], artifacts: dict[str, str]) -> RunRecord:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in row.items() if k in names}, artifacts=artifacts)
