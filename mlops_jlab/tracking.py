"""The Python tracking API: runs, params, metrics, tags and artifacts.

``with start_run() as run: log_param(...)`` feels like MLflow's API; every call writes
through at once in one short transaction, so nothing logged is lost if the process dies.
Tracked notebook cells record through these same functions.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import math
import mimetypes
import numbers
import os
import pickle
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash
from sqlalchemy.engine import Connection

from mlops_jlab.artifacts import ArtifactStore
from mlops_jlab.config import (
    StoreLocation,
    absolute,
    default_artifacts,
    project_folder,
    resolve_store,
)
from mlops_jlab.environment import current_user, git_commit, python_environment
from mlops_jlab.errors import InvalidInputError, NotFoundError, RunStateError
from mlops_jlab.store import Store, open_store, query, reads, records
from mlops_jlab.store.models import BIGINT_MAX, BIGINT_MIN, ID_LENGTH, KEY_LENGTH

if TYPE_CHECKING:  # pandas loads in half a second; only the DataFrame readers need it
    import pandas as pd

RUN_KINDS = ("cell", "job", "script")
END_STATUSES = ("finished", "failed", "crashed", "interrupted")
ARTIFACT_KINDS = ("file", "figure", "model", "notebook")
MAX_VALUE_LENGTH = 8000
# Text a store keeps in any column: anything but NUL and lone surrogates.
_BAD = "NUL characters or lone surrogates (undecodable bytes)"
MAX_CODE_LENGTH = 10_000_000
MAX_TIMESTAMP_MS = BIGINT_MAX // 1_000_000  # the last moment pandas can show (year 2262)
# Control characters have no place in a key or a name; nor has what no store keeps.
_KEY_BAD_RE = re.compile("[\x00-\x1f\ud800-\udfff]")
DEFAULT_EXPERIMENT = "Default"
MAX_RUNS = 100_000
MIN_ID_PREFIX = 6
# A buffered run writes what it collected at least this often, so a long cell shows progress.
FLUSH_SECONDS = 2.0
# An ended cell's last write is made once the kernel has been idle this long ...
WRITE_DELAY = 0.05
# ... or, when cells run one after another, together with the next ones' this much later.
BATCH_SECONDS = 1.0


def _check_key(what: str, key: Any) -> str:
    """``what`` names the thing checked: "param key", "run name", ..."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidInputError(f"a {what} must be a non-empty string, got {key!r}")
    if len(key) > KEY_LENGTH:
        raise InvalidInputError(
            f"{what} '{key[:40]}...' is {len(key)} characters long; at most {KEY_LENGTH} "
            "characters are allowed: shorten it"
        )
    bad = _KEY_BAD_RE.search(key)
    if bad is not None and bad.group() < " ":
        raise InvalidInputError(f"{what} {key!r} contains control characters; remove them")
    if bad is not None:
        raise InvalidInputError(f"{what} {key!r} is not valid Unicode text; remove the {_BAD}")
    return key


def _check_text(what: str, key: str, value: Any, limit: int = MAX_VALUE_LENGTH) -> str:
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError as exc:  # e.g. an integer with more digits than Python prints
        raise InvalidInputError(
            f"{what} '{key}' cannot be written as text ({exc}); log it as an artifact instead"
        ) from exc
    if len(text) > limit:
        raise InvalidInputError(
            f"{what} '{key}' is {len(text)} characters long; values are at most "
            f"{limit}: log long text as an artifact instead"
        )
    if not records.storable(text):
        raise InvalidInputError(f"{what} '{key}' cannot be stored as text; remove the {_BAD}")
    return text


def _check_metric(key: str, value: Any) -> float:
    if not isinstance(value, (str, bytes, bool)):
        number: float | None = None
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        except (TypeError, ValueError):
            pass
        if number is not None:
            if math.isfinite(number):
                return number
            raise InvalidInputError(
                f"metric '{key}' is {number}, which a store cannot compare or sort; log a "
                "finite number (for a diverged run, set a tag such as diverged=true)"
            )
    raise InvalidInputError(
        f"metric '{key}' must be a number, got {type(value).__name__} {value!r}; log text as a "
        "tag or a param instead"
    )


def _is_integer(value: Any, low: int = BIGINT_MIN, high: int = BIGINT_MAX) -> bool:
    """An integer (not a bool) from ``low`` to ``high``; by default one a BIGINT holds."""
    return (
        isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= high
    )


def _check_step(key: str, step: Any) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidInputError(f"step of metric '{key}' must be an integer, got {step!r}")
    if not _is_integer(step):
        raise InvalidInputError(
            f"step of metric '{key}' is {step}, beyond a 64-bit integer; number steps from 0"
        )
    return int(step)


def _check_timestamp(timestamp: Any) -> int:
    if not _is_integer(timestamp, 0, MAX_TIMESTAMP_MS):
        raise InvalidInputError(
            f"timestamp must be an integer count of milliseconds since 1970 (such as "
            f"int(time.time() * 1000)), not {timestamp!r}"
        )
    return int(timestamp)


def _check_mapping(what: str, values: Any) -> Mapping[str, Any]:
    if not isinstance(values, Mapping):
        raise InvalidInputError(
            f"{what} takes a dict of key to value, such as {{'lr': 0.01}}, not "
            f"{type(values).__name__}"
        )
    return values


def _check_details(notebook_path, cell_id, execution_count, code, parent_id, job_id) -> None:
    """What a cell run says about where it came from must fit the store as it is."""
    for what, value in (("parent_id", parent_id), ("job_id", job_id), ("cell_id", cell_id)):
        if value is not None:
            _check_key(what, value)
    for what, value in (("notebook_path", notebook_path), ("code", code)):
        if value is not None:
            if not isinstance(value, str):
                raise InvalidInputError(f"{what} must be a string, not {type(value).__name__}")
            _check_text("run", what, value, limit=MAX_CODE_LENGTH)
    if execution_count is not None and not _is_integer(execution_count, 0, 2**31 - 1):
        raise InvalidInputError(
            f"execution_count must be a non-negative integer, not {execution_count!r}"
        )


def _describable(obj: Any) -> bool:
    """A DataFrame or Series, whose schema and profile a dataset version keeps."""
    pandas = sys.modules.get("pandas")  # no frame exists unless pandas was imported
    return pandas is not None and isinstance(obj, (pandas.DataFrame, pandas.Series))


def default_experiment() -> str:
    """``$MLOPS_JLAB_EXPERIMENT``, else the notebook's name, else ``Default``."""
    explicit = os.environ.get("MLOPS_JLAB_EXPERIMENT")
    if explicit:
        return explicit
    notebook = os.environ.get("JPY_SESSION_NAME")
    if notebook:
        return Path(notebook).stem
    return DEFAULT_EXPERIMENT


class Tracker:
    """Tracking bound to one store; the module-level functions use a default one."""

    def __init__(self, location: StoreLocation | None = None):
        self.location = location or resolve_store()
        self._store: Store | None = None
        self._artifacts: ArtifactStore | None = None
        self._experiment_ids: dict[str, int] = {}
        self._environment_saved = False
        # (dataset name, fingerprint) -> version id: a version is described and looked up once
        self._versions: dict[tuple[str, str], int] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.location)
        return self._store

    @property
    def artifacts(self) -> ArtifactStore:
        if self._artifacts is None:
            self._artifacts = ArtifactStore(self.location.artifacts)
        return self._artifacts

    def read(self) -> contextlib.AbstractContextManager[Connection]:
        """A read transaction that sees everything this process recorded: tracked cells
        hand their last write to a background thread, which is waited for first."""
        _Flusher.drain()
        return self.store.read()

    def known_version(self, name: str, fp: str) -> int | None:
        """The id of a dataset version this tracker has seen or finds in the store."""
        key = (name, fp)
        if key not in self._versions:
            with self.store.read() as conn:
                found = records.find_dataset_version(conn, name, fp)
            if found is None:
                return None
            self._versions[key] = found
        return self._versions[key]

    def seen_version(self, name: str, fp: str) -> int | None:
        """The id of a dataset version this tracker has seen, without asking the store."""
        return self._versions.get((name, fp))

    def remember_version(self, name: str, fp: str, version_id: int) -> None:
        self._versions[(name, fp)] = version_id

    def forget_ids(self) -> None:
        """After a failed write: the ids it made (versions, experiments) were never stored."""
        self._versions.clear()
        self._experiment_ids.clear()
        self._environment_saved = False

    def local_folders(self) -> list[str]:
        """The store's own local folders (database and artifacts), which are not data."""
        folders = [self.location.artifacts] if "://" not in self.location.artifacts else []
        if self.location.db_url.startswith("sqlite:///"):
            database = self.location.db_url.removeprefix("sqlite:///").partition("?")[0]
            if database and database != ":memory:":
                folders.append(str(Path(database).parent))
        return folders

    def project_path(self, path: Path) -> str:
        """How a file (a dataset, a notebook) is named in the store: its path relative to the
        project folder (the one holding ``.mlops``) when it lies inside, else absolute."""
        folder = project_folder(self.location)
        if folder is not None and path.is_relative_to(folder):
            return path.relative_to(folder).as_posix()
        return str(path)

    def start_run(
        self,
        name: str | None = None,
        experiment: str | None = None,
        *,
        kind: str = "script",
        parent_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        notebook_path: str | None = None,
        cell_id: str | None = None,
        execution_count: int | None = None,
        code: str | None = None,
        job_id: str | None = None,
        buffered: bool = False,
    ) -> ActiveRun:
        """Create a run in status ``running`` and return it (not made active: see
        :func:`start_run` for the active-run stack).

        A ``buffered`` run (a tracked cell) writes nothing yet: it writes itself with all
        it recorded in one transaction when it ends, or after ``FLUSH_SECONDS`` if it runs
        longer, so a short cell costs one transaction and a long one shows up while it runs.
        """
        if kind not in RUN_KINDS:
            raise InvalidInputError(f"run kind must be one of {', '.join(RUN_KINDS)}, not {kind!r}")
        _check_details(notebook_path, cell_id, execution_count, code, parent_id, job_id)
        if experiment is None:
            experiment = default_experiment()
        experiment = _check_key("experiment name", experiment)
        run_id = uuid.uuid4().hex
        name = _check_key("run name", name) if name is not None else f"run-{run_id[:8]}"
        checked_tags = {
            _check_key("tag key", k): _check_text("tag", k, v)
            for k, v in _check_mapping("tags", tags or {}).items()
        }
        started = records.now_ms()
        environment = python_environment()

        run = ActiveRun(self, run_id, name, experiment, parent_id)

        def insert(conn: Connection) -> None:
            if parent_id is not None or job_id is not None:
                records.check_parents(conn, parent_id, job_id)
            experiment_id = self._experiment_ids.get(experiment)
            if experiment_id is None:
                experiment_id = records.ensure_experiment(conn, experiment)
            if not self._environment_saved:
                records.ensure_environment(conn, environment)
            records.insert_run(
                conn,
                {
                    **run.insert_as_ended(started),
                    "id": run_id,
                    "experiment_id": experiment_id,
                    "name": name,
                    "kind": kind,
                    "notebook_path": notebook_path,
                    "cell_id": cell_id,
                    "execution_count": execution_count,
                    "code": code,
                    "code_hash": xxhash.xxh3_128_hexdigest(code.encode()) if code else None,
                    "parent_id": parent_id,
                    "job_id": job_id,
                    "start_time": started,
                    "user": current_user(),
                    "environment_hash": environment["hash"],
                    "git_commit": git_commit(),
                },
            )
            if checked_tags:
                records.upsert_tags(conn, run_id, checked_tags)
            self._experiment_ids[experiment] = experiment_id
            self._environment_saved = True

        if buffered:
            _ = self.store  # opened now: a store that cannot be used refuses the run at once
            run.buffer(insert)
        else:
            with self.store.write() as conn:
                insert(conn)
        return run

    def resolve_run_id(self, text: str) -> str:
        """A full run id from an id or an unambiguous prefix of at least 6 characters:
        typing 8 characters beats pasting 32."""
        given = _check_key("run id", text).strip().lower()
        where = "copy ids from mlops_jlab.runs()['run_id']"
        with self.read() as conn:
            found = reads.run_ids_starting(conn, given, limit=2)
        if given in found:
            return given
        if len(given) >= ID_LENGTH or (not found and not given.isalnum()):
            raise NotFoundError(f"no run with id {text!r} in {self.store!r}; {where}")
        if len(given) < MIN_ID_PREFIX:
            raise InvalidInputError(
                f"run id {text!r} is too short to pick one run: give at least {MIN_ID_PREFIX} "
                f"characters of the id ({where})"
            )
        if not found:
            raise NotFoundError(f"no run whose id starts with {text!r} in {self.store!r}")
        if len(found) > 1:
            raise InvalidInputError(
                f"run id prefix {text!r} matches several runs ({', '.join(found)}, ...); give "
                "more characters of the id"
            )
        return found[0]

    def list_datasets(self) -> pd.DataFrame:
        """Every dataset: name, source, number of versions, when the latest was seen."""
        import pandas as pd

        with self.read() as conn:
            rows = reads.list_datasets(conn)
        frame = pd.DataFrame(rows, columns=["name", "source", "versions", "latest_at"])
        frame["latest_at"] = pd.to_datetime(frame["latest_at"], unit="ms", utc=True)
        return frame

    def dataset_versions(self, name: str) -> pd.DataFrame:
        """The versions of one dataset, oldest first: number, fingerprint, role, shape."""
        import pandas as pd

        _check_key("dataset name", name)
        with self.read() as conn:
            rows = reads.dataset_versions(conn, name)
        if not rows:
            raise NotFoundError(f"no dataset named {name!r} in {self.store!r}")
        columns = ["version", "id", "fingerprint", "role", "n_rows", "n_columns", "source"]
        frame = pd.DataFrame(rows)
        frame["created_at"] = pd.to_datetime(frame["created_at"], unit="ms", utc=True)
        return frame[[*columns, "created_at"]]

    def get_dataset_version(self, ref: str | int) -> dict[str, Any]:
        """One dataset version whole (schema, profile, ...), from its id, ``name`` (the
        latest version) or ``name@vN``."""
        with self.read() as conn:
            if isinstance(ref, int) and not isinstance(ref, bool):
                found = reads.dataset_versions(conn, version_id=ref)
            else:
                name, at, number = _check_key("dataset", ref).rpartition("@v")
                if not at or not number.isdigit():
                    name, number = ref, ""
                found = reads.dataset_versions(conn, name)
                if number:
                    found = [row for row in found if row["version"] == int(number)]
                found = found[-1:]
        if not found:
            raise NotFoundError(
                f"no dataset version {ref!r} in {self.store!r}; give a version id, a dataset "
                "name (its latest version) or name@vN"
            )
        return found[0]

    def diff_datasets(self, a: str | int, b: str | int, **thresholds: float) -> dict[str, Any]:
        """Schema, row count, profile and drift of version ``b`` against version ``a``
        (see :func:`mlops_jlab.datasets.diff` for the thresholds)."""
        from mlops_jlab import datasets

        return datasets.diff(self.get_dataset_version(a), self.get_dataset_version(b), **thresholds)

    def get_run(self, run_id: str) -> RunRecord:
        """Everything recorded about one run."""
        _check_key("run id", run_id)
        with self.read() as conn:
            found = reads.load_runs(conn, [run_id])
            if not found:
                raise NotFoundError(f"no run with id {run_id!r} in {self.store!r}")
            artifacts = reads.run_artifacts(conn, run_id)
        return RunRecord.from_row(found[0], artifacts)

    def get_runs(self, run_ids: Sequence[str]) -> list[RunRecord]:
        """Several runs whole, in the order given, read together."""
        ids = [_check_key("run id", run_id) for run_id in run_ids]
        with self.read() as conn:
            found = {row["id"]: row for row in reads.load_runs(conn, ids)}
            missing = [run_id for run_id in ids if run_id not in found]
            if missing:
                raise NotFoundError(
                    f"no run with id {missing[0]!r} in {self.store!r}; copy ids from "
                    "mlops_jlab.runs()['run_id']"
                )
            artifacts = {run_id: reads.run_artifacts(conn, run_id) for run_id in ids}
        return [RunRecord.from_row(found[run_id], artifacts[run_id]) for run_id in ids]

    def metric_histories(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[tuple[int, float, int]]]:
        """Every point ``(step, value, timestamp)`` of each (run id, metric key) history,
        by step, read together."""
        with self.read() as conn:
            return reads.metric_histories(conn, pairs)

    def metric_history(self, run_id: str, key: str) -> pd.DataFrame:
        """Every logged point of metric ``key`` of run ``run_id``: step, value, timestamp."""
        _check_key("run id", run_id)
        _check_key("metric key", key)
        with self.read() as conn:
            points = reads.metric_history(conn, run_id, key)
            if not points and not reads.run_exists(conn, run_id):
                raise NotFoundError(f"no run with id {run_id!r} in {self.store!r}")
        import pandas as pd

        frame = pd.DataFrame(points, columns=["step", "value", "timestamp"])
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="ms", utc=True)
        return frame

    def runs(
        self,
        filter: str | None = None,
        order_by: Sequence[str] | str | None = None,
        max_results: int = MAX_RUNS,
        experiment: str | None = None,
    ) -> pd.DataFrame:
        """Runs as a DataFrame with ``params.*``, ``metrics.*`` and ``tags.*`` columns."""
        with self.read() as conn:
            page = query.search_runs(conn, filter, order_by, max_results, experiment=experiment)
            rows = reads.load_runs(conn, page.run_ids)
        return runs_frame(rows)


_BASE_COLUMNS = [
    "run_id",
    "experiment",
    "name",
    "status",
    "kind",
    "start_time",
    "end_time",
    "user",
    "notebook_path",
    "cell_id",
    "parent_id",
    "git_commit",
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


class ActiveRun:
    """A run being recorded. Usable as a context manager: leaving the block ends the run
    ``finished``, or ``failed`` (``interrupted`` for Ctrl-C) with the error recorded."""

    def __init__(self, tracker: Tracker, run_id: str, name: str, experiment: str, parent_id):
        self.tracker = tracker
        self.id = run_id
        self.name = name
        self.experiment = experiment
        self.parent_id = parent_id
        self.status = "running"
        self._next_step: dict[str, int] = {}
        self._params: dict[str, str] = {}
        self._lineage: set[tuple[str, str, str]] = set()  # events recorded or being recorded
        self._new_events: list[tuple[str, str, str]] = []  # this transaction's, in one insert
        self._ending: dict[str, Any] | None = None  # how the run ends, while it is ending
        self._finish: Callable[[Connection], None] | None = None  # a queued last write
        self._ended_on_insert = False
        # A buffered run (a tracked cell) collects its writes, its own insert first, and
        # writes them in one transaction when it ends or every FLUSH_SECONDS meanwhile.
        self.buffered = False
        self._pending: list[Callable[[Connection], None]] = []
        self._written = threading.RLock()

    def __repr__(self) -> str:
        return f"<ActiveRun {self.name!r} id={self.id} status={self.status}>"

    def _check_running(self) -> None:
        if self.status != "running":
            raise RunStateError(
                f"run {self.id} has ended ({self.status}); start a new run to log more to it"
            )

    def buffer(self, insert: Callable[[Connection], None]) -> None:
        """Make this run buffered; ``insert`` writes the run itself."""
        self.buffered = True
        self._pending.append(insert)
        _Flusher.watch(self)

    def flush_in_background(self) -> None:
        """Write what is buffered from the flusher's thread; an error is kept for the user
        (``end`` writes everything again)."""
        try:
            self.flush()
        except Exception as exc:
            _Flusher.errors[self.id] = f"run {self.id} ({self.name}) is not written yet: {exc}"

    def _write(self, write: Callable[[Connection], None]) -> None:
        """Write now, or later in one transaction with the run's other writes if buffered."""
        if self.buffered:
            with self._written:
                self._pending.append(write)
            return

        def touch_and_write(conn: Connection) -> None:
            records.touch_running(conn, self.id)
            write(conn)

        _write_runs([(self, touch_and_write)])

    def _saved(self) -> tuple[Any, ...]:
        return list(self._pending), set(self._lineage), self._ended_on_insert

    def _restore(self, saved: tuple[Any, ...]) -> None:
        """Forget what a transaction that failed taught this run: the database has none of
        it, and its buffered writes are made again next time."""
        self._pending, self._lineage, self._ended_on_insert = saved
        self._new_events = []

    def _write_into(self, conn: Connection, last: Callable[[Connection], None] | None) -> None:
        """What is buffered, then ``last``, then the lineage events these writes made."""
        pending, self._pending = self._pending, []
        for write in pending:
            write(conn)
        if last is not None:
            last(conn)
        elif pending:
            records.touch_running(conn, self.id)
        if self._new_events:
            records.insert_lineage(conn, self.id, self._new_events)
            self._new_events = []

    def insert_as_ended(self, started: int) -> dict[str, Any]:
        """The run's status columns for its insert: ``running``, or how it ended when the
        run is written only as it ends (a short buffered run: one statement, not two)."""
        if self._ending is None:
            return {"status": "running", "heartbeat": started}
        self._ended_on_insert = True
        return {**self._ending, "heartbeat": self._ending["end_time"]}

    def _write_pending(self, finish: Callable[[Connection], None] | None = None) -> None:
        """Write what is buffered, then ``finish``, in one transaction; if it fails, the
        writes stay buffered so that nothing recorded is lost."""
        _write_runs([(self, finish)])

    def flush(self) -> None:
        """Write what a buffered run has collected so far."""
        if self.status == "running":
            self._write_pending()

    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record parameters (stored as text; numbers are also comparable as numbers)."""
        self._check_running()
        checked = {
            _check_key("param key", k): _check_text("param", k, v)
            for k, v in _check_mapping("log_params", params).items()
        }
        for key, value in checked.items():
            if self._params.get(key, value) != value:
                raise InvalidInputError(
                    f"param '{key}' of run {self.id} is already {self._params[key]!r}, cannot "
                    f"change it to {value!r}; params are fixed once logged: start a new run or "
                    "use a tag"
                )
        if not checked:
            return
        self._write(lambda conn: records.insert_params(conn, self.id, checked))
        self._params.update(checked)

    def log_metric(
        self, key: str, value: Any, step: int | None = None, timestamp: int | None = None
    ) -> None:
        self.log_metrics({key: value}, step=step, timestamp=timestamp)

    def log_metrics(
        self, metrics: Mapping[str, Any], step: int | None = None, timestamp: int | None = None
    ) -> None:
        """Record metric values. Without ``step`` each key counts its own steps from 0."""
        self._check_running()
        moment = records.now_ms() if timestamp is None else _check_timestamp(timestamp)
        points = []
        for key, value in _check_mapping("log_metrics", metrics).items():
            key = _check_key("metric key", key)
            number = _check_metric(key, value)
            this_step = _check_step(key, self._next_step.get(key, 0) if step is None else step)
            points.append((key, number, this_step, moment))
        if not points:
            return
        self._write(lambda conn: records.insert_metrics(conn, self.id, points))
        for key, _value, this_step, _moment in points:
            self._next_step[key] = max(self._next_step.get(key, 0), this_step + 1)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags (unlike params, a tag can be changed later)."""
        self._check_running()
        checked = {
            _check_key("tag key", k): _check_text("tag", k, v)
            for k, v in _check_mapping("set_tags", tags).items()
        }
        if not checked:
            return
        self._write(lambda conn: records.upsert_tags(conn, self.id, checked))

    def log_artifact(self, obj: Any, name: str | None = None, kind: str | None = None) -> str:
        """Store a file (path), raw bytes or a matplotlib figure (as PNG) with the run.

        Returns the artifact's content digest.
        """
        self._check_running()
        if name is not None:
            _check_key("artifact name", name)
        if kind is not None and kind not in ARTIFACT_KINDS:
            raise InvalidInputError(
                f"artifact kind must be one of {', '.join(ARTIFACT_KINDS)}, not {kind!r}"
            )
        store = self.tracker.artifacts
        if hasattr(obj, "savefig"):
            buffer = io.BytesIO()
            obj.savefig(buffer, format="png", bbox_inches="tight")
            blob = store.put_bytes(buffer.getvalue())
            name = name or f"figure-{blob.digest[:8]}.png"
            kind = kind or "figure"
        elif isinstance(obj, (bytes, bytearray, memoryview)):
            if not name:
                raise InvalidInputError("log_artifact(bytes) needs a name, e.g. name='model.bin'")
            blob = store.put_bytes(bytes(obj))
        elif isinstance(obj, (str, os.PathLike)):
            blob = store.put_file(obj)
            name = _check_key("artifact name", name or Path(obj).name)
        else:
            raise InvalidInputError(
                f"cannot log a {type(obj).__name__} as an artifact; pass a file path, bytes or "
                "a matplotlib figure"
            )
        kind = kind or "file"
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"

        def link(conn: Connection) -> None:
            records.link_artifact(conn, self.id, name, blob.digest, blob.size, media_type, kind)
            if kind == "model":  # models are what lineage leads to
                self._link(("artifact", blob.digest, "OUTPUT"))

        self._write(link)
        return blob.digest

    def log_model(self, model: Any, name: str) -> str:
        """Store a model object, pickled, as the run's artifact ``<name>.pkl``.

        Returns the artifact's content digest; the model becomes an output in the lineage.
        """
        self._check_running()
        _check_key("model name", name)
        try:
            data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # pickling runs arbitrary __reduce__ code
            raise InvalidInputError(
                f"model '{name}' ({type(model).__name__}) cannot be pickled ({exc}); save it "
                "to a file with its library's own format and log_artifact(path, kind='model')"
            ) from exc
        return self.log_artifact(data, name=f"{name}.pkl", kind="model")

    def log_dataset(
        self,
        data: Any,
        name: str | None = None,
        *,
        direction: str = "input",
        role: str | None = None,
        content: Any = None,
    ) -> str:
        """Record that the run read (``direction="input"``) or wrote (``"output"``) a dataset.

        Parameters
        ----------
        data
            A DataFrame, Series or NumPy array, or the path of a file.
        name
            The dataset's name; a file's defaults to its path (relative to the project
            folder holding ``.mlops``), and objects need one.
        direction
            ``input`` or ``output``.
        role
            ``train``, ``dev``, ``test`` or ``realtime``.
        content
            For a file, the DataFrame it was read into or written from: its schema and
            profile are kept with the version.

        Returns
        -------
        str
            The version's full-content fingerprint.
        """
        from mlops_jlab import datasets, fingerprint  # both load pandas and NumPy

        self._check_running()
        if direction not in ("input", "output"):
            raise InvalidInputError(f"direction must be 'input' or 'output', not {direction!r}")
        role = datasets.check_role(role)
        source = None
        if isinstance(data, (str, os.PathLike)):
            path = Path(data).expanduser().resolve()
            fp = fingerprint.fingerprint_file(path)
            source = str(path)
            name = _check_key("dataset name", name or self.tracker.project_path(path))
            frame = content
        else:
            if name is None:
                raise InvalidInputError(
                    "log_dataset needs a name for an object, e.g. log_dataset(df, name='train')"
                )
            name = _check_key("dataset name", name)
            fp = fingerprint.fingerprint(data)
            frame = data
        version = self.tracker.known_version(name, fp)
        description = None
        if version is None and frame is not None and _describable(frame):
            description = datasets.describe(frame)
        event_direction = direction.upper()
        if version is not None and ("dataset_version", str(version), event_direction) in (
            self._lineage
        ):
            return fp  # the same version the same way again: nothing new to record

        def record(conn: Connection) -> None:
            # In the write's own transaction: a version the tracker has not seen is found
            # or made by ensure_dataset_version, not looked up on another connection.
            version_id = self.tracker.seen_version(name, fp)
            if version_id is None:
                version_id = records.ensure_dataset_version(
                    conn, name, fp, description, source=source, role=role
                )
            self._link(("dataset_version", str(version_id), event_direction))
            self.tracker.remember_version(name, fp, version_id)

        self._write(record)
        return fp

    def use_dataset_version(self, name: str, fp: str, direction: str = "input") -> None:
        """Record reading (or writing) a dataset version the store already holds, by its
        dataset's name and fingerprint: a DataFrame read from a file and unchanged since is
        that file's version, whatever the file holds now."""
        self._check_running()
        version = self.tracker.known_version(name, fp)
        if version is None:
            raise NotFoundError(f"no version {fp} of dataset {name!r} in {self.tracker.store!r}")
        event = ("dataset_version", str(version), direction.upper())
        self._write(lambda conn: self._link(event))

    def _link(self, event: tuple[str, str, str]) -> None:
        """Record a lineage event once per run (written when the transaction ends)."""
        if event not in self._lineage:
            self._new_events.append(event)
            self._lineage.add(event)

    def end(self, status: str = "finished", error: str | None = None, *, wait: bool = True) -> None:
        """End the run with ``status`` (finished, failed, crashed or interrupted).

        With ``wait=False`` (tracked cells) the last write is handed to a background thread,
        so the cell's answer does not wait for the database; reads in this process wait for
        it (:meth:`Tracker.read`), and so does the process's exit.
        """
        if status not in END_STATUSES:
            raise InvalidInputError(
                f"a run ends as one of {', '.join(END_STATUSES)}, not {status!r}"
            )
        self._check_running()
        _Flusher.forget(self)
        self._ending = {"status": status, "end_time": records.now_ms(), "error": error}

        def finish(conn: Connection) -> None:
            if not self._ended_on_insert:
                records.finish_run(conn, self.id, status, error)

        if not wait:
            self._finish = finish
            self.status = status
            _pop(self)
            _Flusher.finish(self)
            return
        try:
            self._write_pending(finish)
            self.status = status
        finally:  # a run that could not be ended must not become the parent of the next
            self._ending = None
            _pop(self)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.status != "running":
            _pop(self)
            return
        if exc_type is None:
            self.end("finished")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("interrupted", "KeyboardInterrupt")
        else:
            self.end("failed", "".join(traceback.format_exception(exc_type, exc, tb)))


def _write_runs(writes: list[tuple[ActiveRun, Callable[[Connection], None] | None]]) -> None:
    """Each run's buffered writes, then its last write, in one transaction (the runs share
    a store). If it fails, every run forgets what the transaction taught it and keeps its
    buffered writes, so that nothing recorded is lost."""
    runs = [run for run, _last in writes]
    with contextlib.ExitStack() as locks:
        for run in runs:
            locks.enter_context(run._written)
        saved = [run._saved() for run in runs]
        try:
            with runs[0].tracker.store.write() as conn:
                for run, last in writes:
                    run._write_into(conn, last)
        except BaseException:
            for run, state in zip(runs, saved, strict=True):
                run._restore(state)
            runs[0].tracker.forget_ids()
            raise


class _Flusher:
    """One thread that writes what buffered runs collected: every FLUSH_SECONDS for long
    ones, so a cell that runs for minutes shows up while it runs, and the last writes of
    ended ones while the kernel is idle, so a cell's answer does not wait for the database
    (a thread per cell would cost every short cell a thread start).

    Cells run one after another (Run All) leave the kernel no idle time: their last writes
    wait, at most BATCH_SECONDS, and are then made together, in one transaction, because a
    commit costs more than a short cell's rows.
    """

    _runs: dict[ActiveRun, float] = {}  # buffered runs running, and when last written
    _ended: list[ActiveRun] = []  # their last write queued, in order
    _oldest = 0.0  # when the oldest queued last write was queued
    _last_end = 0.0  # when a buffered run last ended
    errors: dict[str, str] = {}  # run id -> why its write failed (it stays queued)
    _lock = threading.Lock()
    _draining = threading.Lock()
    _wake = threading.Event()
    _thread: threading.Thread | None = None

    @classmethod
    def _start(cls) -> None:
        if cls._thread is None or not cls._thread.is_alive():
            cls._thread = threading.Thread(target=cls._loop, name="mlops-flush", daemon=True)
            cls._thread.start()

    @classmethod
    def watch(cls, run: ActiveRun) -> None:
        with cls._lock:
            cls._runs[run] = time.monotonic()
            cls._start()

    @classmethod
    def forget(cls, run: ActiveRun) -> None:
        with cls._lock:
            cls._runs.pop(run, None)

    @classmethod
    def finish(cls, run: ActiveRun) -> None:
        with cls._lock:
            now = time.monotonic()
            if not cls._ended:
                cls._oldest = now
            cls._ended.append(run)
            cls._last_end = now
            cls._start()
        cls._wake.set()

    @classmethod
    def drain(cls) -> None:
        """Write every queued last write now, in the calling thread (after the flusher's
        own, if it is writing); a run that cannot be written stays queued and is reported
        in ``errors``."""
        with cls._draining:
            with cls._lock:
                queued = list(cls._ended)
            by_store: dict[int, list[ActiveRun]] = {}
            for run in queued:
                by_store.setdefault(id(run.tracker.store), []).append(run)
            written: list[ActiveRun] = []
            for runs in by_store.values():
                try:
                    cls._write_last(runs)
                    written += runs
                except Exception:
                    # One at a time, so that a run that cannot be written holds back no other
                    for run in runs:
                        try:
                            cls._write_last([run])
                            written.append(run)
                        except Exception as exc:
                            cls.errors[run.id] = (
                                f"run {run.id} ({run.name}) is not written yet: {exc}"
                            )
            with cls._lock:
                done = set(written)
                cls._ended = [run for run in cls._ended if run not in done]
                cls._oldest = time.monotonic()  # what failed is tried again BATCH_SECONDS on

    @staticmethod
    def _write_last(runs: list[ActiveRun]) -> None:
        runs = [run for run in runs if run._finish is not None]
        if runs:
            _write_runs([(run, run._finish) for run in runs])
            for run in runs:
                run._finish = None

    @classmethod
    def _due_in(cls) -> float:
        """Seconds until the queued last writes are due: once the kernel has been idle for
        WRITE_DELAY (a write beside a running cell slows it more than the write costs, as
        both compete for the interpreter), or BATCH_SECONDS after the oldest was queued."""
        with cls._lock:
            if not cls._ended:
                return FLUSH_SECONDS / 4
            now = time.monotonic()
            due = cls._oldest + BATCH_SECONDS
            if not cls._runs:
                due = min(due, cls._last_end + WRITE_DELAY)
            return max(0.0, due - now)

    @classmethod
    def _loop(cls) -> None:
        while True:
            cls._wake.wait(min(cls._due_in(), FLUSH_SECONDS / 4))
            cls._wake.clear()
            if cls._due_in() == 0.0:
                cls.drain()
            now = time.monotonic()
            with cls._lock:
                due = [run for run, since in cls._runs.items() if now - since >= FLUSH_SECONDS]
                for run in due:
                    cls._runs[run] = now
            for run in due:
                run.flush_in_background()


atexit.register(_Flusher.drain)


def flush() -> None:
    """Write now what tracked cells left to be written in the background. It is written
    anyway once the kernel is idle (within a second while cells run one after another), when
    this process reads the store and as it exits; flush before it ends some other way, such
    as ``os._exit``."""
    _Flusher.drain()


def write_problems() -> list[str]:
    """Why writes of this process's tracked cells failed since last asked (they are kept
    and tried again)."""
    with _Flusher._lock:
        problems = list(_Flusher.errors.values())
        _Flusher.errors.clear()
    return problems


_default: Tracker | None = None
_stack = threading.local()


def _active_stack() -> list[ActiveRun]:
    if not hasattr(_stack, "runs"):
        _stack.runs = []
    return _stack.runs


def _pop(run: ActiveRun) -> None:
    stack = _active_stack()
    if run in stack:
        stack.remove(run)


def get_tracker() -> Tracker:
    """The tracker of the store resolved for this process (see :mod:`mlops_jlab.config`)."""
    global _default
    if _default is None:
        _default = Tracker()
    return _default


def set_store(db_url: str | None = None, artifacts: str | None = None) -> Tracker:
    """Point this process's tracking at another store (None: resolve it again)."""
    global _default
    for what, value in (("db_url", db_url), ("artifacts", artifacts)):
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(
                f"set_store takes {what} as a string such as 'sqlite:///runs.sqlite' or "
                f"'/data/artifacts', not {type(value).__name__}"
            )
    if db_url is None:
        _default = Tracker()
    else:
        here = Path.cwd()
        db_url = absolute(db_url, here)
        artifacts = absolute(artifacts, here) if artifacts else default_artifacts(db_url, here)
        _default = Tracker(StoreLocation(db_url, artifacts, "set_store"))
    return _default


def active_run() -> ActiveRun | None:
    """The innermost active run of this thread, or None."""
    stack = _active_stack()
    return stack[-1] if stack else None


def start_run(
    name: str | None = None,
    experiment: str | None = None,
    *,
    nested: bool = False,
    tags: Mapping[str, Any] | None = None,
    kind: str = "script",
    **details: Any,
) -> ActiveRun:
    """Start a run and make it the active one; use it as a context manager to end it.

    Parameters
    ----------
    name
        A display name; defaults to ``run-<id prefix>``.
    experiment
        The experiment's name; defaults to the notebook's name (or ``Default``).
    nested
        Start a child of the active run instead of refusing while one is active.
    tags
        Tags to set at once.
    """
    parent = active_run()
    if parent is not None and not nested:
        raise RunStateError(
            f"run {parent.id} ({parent.name}) is still active; end it with end_run() first, "
            "or pass nested=True to start a child run"
        )
    run = get_tracker().start_run(
        name,
        parent.experiment if experiment is None and parent else experiment,
        kind=kind,
        parent_id=parent.id if parent else None,
        tags=tags,
        **details,
    )
    _active_stack().append(run)
    return run


def _require_active() -> ActiveRun:
    run = active_run()
    if run is None:
        raise RunStateError("no active run: call start_run() first")
    return run


def end_run(status: str = "finished") -> None:
    """End the active run."""
    _require_active().end(status)


def log_param(key: str, value: Any) -> None:
    _require_active().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    _require_active().log_params(params)


def log_metric(key: str, value: Any, step: int | None = None) -> None:
    _require_active().log_metric(key, value, step)


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    _require_active().log_metrics(metrics, step)


def set_tag(key: str, value: Any) -> None:
    _require_active().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    _require_active().set_tags(tags)


def log_artifact(obj: Any, name: str | None = None, kind: str | None = None) -> str:
    return _require_active().log_artifact(obj, name, kind)


def log_model(model: Any, name: str) -> str:
    return _require_active().log_model(model, name)


def log_dataset(
    data: Any,
    name: str | None = None,
    *,
    direction: str = "input",
    role: str | None = None,
    content: Any = None,
) -> str:
    return _require_active().log_dataset(
        data, name, direction=direction, role=role, content=content
    )


def get_run(run_id: str) -> RunRecord:
    return get_tracker().get_run(run_id)


def list_datasets() -> pd.DataFrame:
    return get_tracker().list_datasets()


def dataset_versions(name: str) -> pd.DataFrame:
    return get_tracker().dataset_versions(name)


def get_dataset_version(ref: str | int) -> dict[str, Any]:
    return get_tracker().get_dataset_version(ref)


def diff_datasets(a: str | int, b: str | int, **thresholds: float) -> dict[str, Any]:
    return get_tracker().diff_datasets(a, b, **thresholds)


def metric_history(run_id: str, key: str) -> pd.DataFrame:
    return get_tracker().metric_history(run_id, key)


def runs(
    filter: str | None = None,
    order_by: Sequence[str] | str | None = None,
    max_results: int = MAX_RUNS,
    experiment: str | None = None,
) -> pd.DataFrame:
    """Search runs, like ``mlflow.search_runs``.

    Parameters
    ----------
    filter
        E.g. ``"metrics.acc > 0.9 AND (params.model = 'rf' OR tags.team IN ('a', 'b'))"``.
    order_by
        E.g. ``["metrics.acc DESC", "start_time"]``; default newest first.
    max_results
        At most this many runs (100,000 unless told, as in MLflow).
    experiment
        Only runs of this experiment.
    """
    return get_tracker().runs(filter, order_by, max_results, experiment)
