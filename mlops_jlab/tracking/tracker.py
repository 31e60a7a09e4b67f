"""A tracker: tracking bound to one store, and what it reads back as DataFrames."""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from mlops_jlab import processes
from mlops_jlab.artifacts import ArtifactStore
from mlops_jlab.config import (
    StoreLocation,
    heartbeat_grace,
    project_folder,
    resolve_store,
    sqlite_file,
)
from mlops_jlab.environment import current_user, git_commit, python_environment
from mlops_jlab.errors import FilterWarning, InvalidInputError, NotFoundError, StoreError
from mlops_jlab.rules import (
    ID_LENGTH,
    MIN_ID_PREFIX,
    check_key,
    check_text,
)
from mlops_jlab.store import Store, crashes, key_hints, open_store, reads, search, writes
from mlops_jlab.tracking.active_run import ActiveRun
from mlops_jlab.tracking.checks import check_details, check_mapping
from mlops_jlab.tracking.drafts import VersionDraft, described
from mlops_jlab.tracking.frames import RunRecord, runs_frame
from mlops_jlab.tracking.writer import Flusher

if TYPE_CHECKING:  # pandas loads in half a second; only the DataFrame readers need it
    import pandas as pd

# A feasibility run is a study of a dataset before training (mlops_jlab.easeml.api).
RUN_KINDS = ("cell", "job", "script", "feasibility")
DEFAULT_EXPERIMENT = "Default"
MAX_RUNS = 100_000


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
        # Versions queued to be written by the background writer, which the cells after the
        # one that made them must find although the store does not hold them yet (Run All)
        self._drafts: dict[tuple[str, str], VersionDraft] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            store = open_store(self.location)
            self._mark_crashed(store)
            self._store = store
        return self._store

    @staticmethod
    def _mark_crashed(store: Store) -> None:
        """Mark crashed the runs whose process is gone, as the store is opened: a kernel
        killed outright left its runs running. A read finds them, so a store with none
        costs no write."""
        grace = heartbeat_grace()
        # Not this tracker's to report: the server's sweep and mlops-jlab check say why
        with contextlib.suppress(SQLAlchemyError, StoreError):
            crashes.sweep(store, grace)

    @property
    def artifacts(self) -> ArtifactStore:
        if self._artifacts is None:
            self._artifacts = ArtifactStore(self.location.artifacts)
        return self._artifacts

    def read(self) -> contextlib.AbstractContextManager[Connection]:
        """A read transaction that sees everything this process recorded: tracked cells
        hand their last write to a background thread, which is waited for first."""
        Flusher.drain()
        return self.store.read()

    def known_version(self, name: str, fp: str) -> int | VersionDraft | None:
        """A dataset version this process knows: its id when it has seen it or finds it in
        the store, the draft a run of this process queued when it is not written yet
        (a kernel reads its own queued writes), else None."""
        key = (name, fp)
        found: int | VersionDraft | None = self._versions.get(key)
        if found is None:
            found = self._drafts.get(key)
        if found is None:
            with self.store.read() as conn:
                found = writes.find_dataset_version(conn, name, fp)
            if found is not None:
                self._versions[key] = found
        return found

    def draft_version(self, draft: VersionDraft) -> VersionDraft:
        """Remember a version a run queued, until it is written; returns the draft kept
        (the first one queued of the same version, so every run writes the same)."""
        return self._drafts.setdefault((draft.name, draft.fingerprint), draft)

    def write_version(self, conn: Connection, draft: VersionDraft) -> int:
        """In a write transaction: the id of the drafted version, recorded if new."""
        key = (draft.name, draft.fingerprint)
        found = self._versions.get(key)
        if found is None:
            found = writes.ensure_dataset_version(
                conn,
                draft.name,
                draft.fingerprint,
                draft.description(lambda fp: self.known_description(fp, conn)),
                source=draft.source,
                role=draft.role,
            )
            self._versions[key] = found
        return found

    def describe_drafts(self) -> None:
        """Make the profiles of the queued versions not described yet, before a write's
        transaction (which then holds no lock while they are made), off the cells' thread
        when the background writer writes."""
        for draft in list(self._drafts.values()):
            if draft.undescribed:
                draft.description(self.known_description)

    def known_description(self, fp: str, conn: Connection | None = None) -> dict[str, Any] | None:
        """The description of content ``fp`` that a draft of this process made, or that
        the store keeps with a version of any dataset (read in ``conn`` if given)."""
        found = described(list(self._drafts.values()), fp)
        if found is not None:
            return found
        with contextlib.ExitStack() as stack:
            if conn is None:
                conn = stack.enter_context(self.store.read())
            rows = reads.dataset_versions(conn, fingerprint=fp)
        for row in rows:
            if row["profile"]:
                return {key: row[key] for key in ("schema", "n_rows", "n_columns", "profile")}
        return None

    def settle(self) -> None:
        """After a write committed: the drafts it wrote are in the store now."""
        for key in [key for key in list(self._drafts) if key in self._versions]:
            self._drafts.pop(key, None)

    def forget_ids(self) -> None:
        """After a failed write: the ids it made (versions, experiments) were never stored;
        the drafts stay, as the runs that queued them keep their writes."""
        self._versions.clear()
        self._experiment_ids.clear()
        self._environment_saved = False

    def local_folders(self) -> list[str]:
        """The store's own local folders (database and artifacts), which are not data."""
        folders = [self.location.artifacts] if "://" not in self.location.artifacts else []
        database = sqlite_file(self.location.db_url)
        if database is not None:
            folders.append(str(Path(database).parent))
        return folders

    def project_path(self, path: Path) -> str:
        """How a file (a dataset, a notebook) is named in the store: its path relative to the
        project folder (the one holding ``.mlops``) when it lies inside, else absolute."""
        folder = self._project
        text = str(path)
        if folder is not None and text.startswith(folder):
            return Path(text[len(folder) :]).as_posix()
        return text

    @functools.cached_property
    def _project(self) -> str | None:
        """The project folder as text, ending with a separator (named once: every file a
        tracked cell reads or writes is named relative to it)."""
        folder = project_folder(self.location)
        return None if folder is None else os.path.join(str(folder), "")

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
        check_details(notebook_path, cell_id, execution_count, code, parent_id, job_id)
        if experiment is None:
            experiment = default_experiment()
        experiment = check_key("experiment name", experiment)
        run_id = uuid.uuid4().hex
        name = check_key("run name", name) if name is not None else f"run-{run_id[:8]}"
        checked_tags = {
            check_key("tag key", k): check_text("tag", k, v)
            for k, v in check_mapping("tags", tags or {}).items()
        }
        started = writes.now_ms()
        environment = python_environment()

        run = ActiveRun(self, run_id, name, experiment, parent_id)

        def insert(conn: Connection) -> None:
            if parent_id is not None or job_id is not None:
                writes.check_parents(conn, parent_id, job_id)
            experiment_id = self._experiment_ids.get(experiment)
            if experiment_id is None:
                experiment_id = writes.ensure_experiment(conn, experiment)
            if not self._environment_saved:
                writes.ensure_environment(conn, environment)
            writes.insert_run(
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
                    "pid": processes.this_pid(),
                    "host": processes.this_host(),
                },
            )
            if checked_tags:
                writes.upsert_tags(conn, run_id, checked_tags)
            self._experiment_ids[experiment] = experiment_id
            self._environment_saved = True

        if buffered:
            # A store that cannot be opened or written refuses the run now, not in the
            # background writer after the cell has answered; its pages are checked while
            # the cell runs.
            self.store.check_writable()
            self.store.verify_in_background()
            run.buffer(insert)
        else:
            with self.store.write() as conn:
                insert(conn)
            Flusher.watch(run)  # for its heartbeat
        return run

    def resolve_run_id(self, text: str) -> str:
        """A full run id from an id or an unambiguous prefix of at least 6 characters:
        typing 8 characters beats pasting 32."""
        with self.read() as conn:
            return self.find_run_id(conn, text)

    def find_run_id(self, conn: Connection, text: str) -> str:
        """:meth:`resolve_run_id` in the caller's transaction (a write that records
        something of the run finds it in the same snapshot)."""
        given = check_key("run id", text).strip().lower()
        where = "copy ids from mlops_jlab.runs()['run_id']"
        if len(given) >= ID_LENGTH:
            # A whole id: looked up by key, not searched for as a prefix
            if reads.run_exists(conn, given):
                return given
            raise NotFoundError(f"no run with id {text!r} in {self.store!r}; {where}")
        found = reads.run_ids_starting(conn, given, limit=2)
        if not found and not given.isalnum():
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

        check_key("dataset name", name)
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
        latest version) or ``name@vN``; ``same_content`` lists the versions of other
        datasets with the same fingerprint as ``name@vN``."""
        with self.read() as conn:
            if isinstance(ref, int) and not isinstance(ref, bool):
                found = reads.dataset_versions(conn, version_id=ref)
            else:
                name, at, number = check_key("dataset", ref).rpartition("@v")
                if not at or not number.isdigit():
                    name, number = ref, ""
                found = reads.dataset_versions(conn, name)
                if number:
                    found = [row for row in found if row["version"] == int(number)]
                found = found[-1:]
            if not found:
                raise NotFoundError(
                    f"no dataset version {ref!r} in {self.store!r}; give a version id, a "
                    "dataset name (its latest version) or name@vN"
                )
            version = found[0]
            others = reads.dataset_versions(conn, fingerprint=version["fingerprint"])
        version["same_content"] = [
            f"{other['name']}@v{other['version']}"
            for other in others
            if other["id"] != version["id"]
        ]
        return version

    def diff_datasets(self, a: str | int, b: str | int, **thresholds: float) -> dict[str, Any]:
        """Schema, row count, profile and drift of version ``b`` against version ``a``
        (see :func:`mlops_jlab.datasets.drift.diff` for the thresholds)."""
        from mlops_jlab.datasets import drift

        return drift.diff(self.get_dataset_version(a), self.get_dataset_version(b), **thresholds)

    def get_run(self, run_id: str) -> RunRecord:
        """Everything recorded about one run."""
        check_key("run id", run_id)
        with self.read() as conn:
            found = reads.load_runs(conn, [run_id])
            if not found:
                raise NotFoundError(f"no run with id {run_id!r} in {self.store!r}")
            artifacts = reads.run_artifacts(conn, run_id)
        return RunRecord.from_row(found[0], artifacts)

    def get_runs(self, run_ids: Sequence[str]) -> list[RunRecord]:
        """Several runs whole, in the order given, read together."""
        ids = [check_key("run id", run_id) for run_id in run_ids]
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
        check_key("run id", run_id)
        check_key("metric key", key)
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
        """Runs as a DataFrame with ``params.*``, ``metrics.*`` and ``tags.*`` columns; a
        :class:`~mlops_jlab.errors.FilterWarning` for each key the filter names that no run
        has."""
        with self.read() as conn:
            page = search.search_runs(conn, filter, order_by, max_results, experiment=experiment)
            rows = reads.load_runs(conn, page.run_ids)
            hints = key_hints.unknown_keys(conn, filter)
        for hint in hints:
            warnings.warn(hint, FilterWarning, stacklevel=3)
        return runs_frame(rows)
