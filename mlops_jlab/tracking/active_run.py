"""A run being recorded: its params, metrics, tags, artifacts and datasets, written through
at once or, for a tracked cell, buffered and handed to the background writer."""

from __future__ import annotations

import io
import mimetypes
import os
import pickle
import threading
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from mlops_jlab.errors import InvalidInputError, NotFoundError, RunStateError
from mlops_jlab.rules import (
    check_key,
    check_text,
)
from mlops_jlab.store import writes
from mlops_jlab.tracking.checks import (
    check_mapping,
    check_metric,
    check_step,
    check_timestamp,
    describable,
)
from mlops_jlab.tracking.drafts import VersionDraft, describe_safely, snapshot
from mlops_jlab.tracking.writer import CHUNK_POINTS, Flusher, write_runs

if TYPE_CHECKING:
    from mlops_jlab.tracking.tracker import Tracker

END_STATUSES = ("finished", "failed", "crashed", "interrupted")
ARTIFACT_KINDS = ("file", "figure", "model", "notebook")


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
        # Its metric points are kept as rows, written in bulk: a cell may log 100k of them.
        # Their own lock is held for moments only, so logging never waits for a write.
        self._points: list[tuple[str, float, int, int]] = []
        self._taken: list[tuple[str, float, int, int]] = []  # those the write being made has
        self._points_lock = threading.Lock()
        self._chunk_asked = False

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
        Flusher.watch(self)

    def flush_in_background(self) -> None:
        """Write what is buffered from the flusher's thread; an error is kept for the user
        (``end`` writes everything again)."""
        try:
            self.flush()
        except Exception as exc:
            Flusher.failed(self, exc)
        else:
            Flusher.written([self])

    def beat(self) -> None:
        """The heartbeat of a run that writes through (not buffered), from the flusher's
        thread: nothing of it is waiting, so a failure loses nothing and is not reported.
        A run that has ended or left the store meanwhile is kept alive no longer."""
        try:
            self.flush()
        except (RunStateError, NotFoundError):
            Flusher.forget(self)
        except Exception:  # the store is out of reach: the next heartbeat tries again
            return

    def _write(self, write: Callable[[Connection], None]) -> None:
        """Write now, or later in one transaction with the run's other writes if buffered."""
        if self.buffered:
            with self._written:
                self._pending.append(write)
            return

        def touch_and_write(conn: Connection) -> None:
            writes.touch_running(conn, self.id)
            write(conn)

        write_runs([(self, touch_and_write)])

    def _saved(self) -> tuple[Any, ...]:
        """The run's state before a write, which takes the metric points logged so far."""
        with self._points_lock:
            self._taken, self._points = self._points, []
            self._chunk_asked = False
        return list(self._pending), set(self._lineage), self._ended_on_insert, self._taken

    def _restore(self, saved: tuple[Any, ...]) -> None:
        """Forget what a transaction that failed taught this run: the database has none of
        it, and its buffered writes are made again next time."""
        self._pending, self._lineage, self._ended_on_insert, taken = saved
        with self._points_lock:
            self._points[:0] = taken
        self._taken = []
        self._new_events = []

    def points_waiting(self) -> int:
        """How many metric points the run holds that are not written yet."""
        return len(self._points)

    def unwritten(self) -> bool:
        """Whether a buffered run holds something not written yet."""
        return bool(self._pending or self._points)

    def _write_into(self, conn: Connection, last: Callable[[Connection], None] | None) -> None:
        """What is buffered (the run's insert first), the metric points in bulk, then
        ``last``, then the lineage events these writes made."""
        pending, self._pending = self._pending, []
        for write in pending:
            write(conn)
        points, self._taken = self._taken, []
        if points:
            writes.insert_metrics(conn, self.id, points)
        if last is not None:
            last(conn)
        else:  # the heartbeat, which also refuses a run that has ended meanwhile
            writes.touch_running(conn, self.id)
        if self._new_events:
            writes.insert_lineage(conn, self.id, self._new_events)
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
        write_runs([(self, finish)])

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
            check_key("param key", k): check_text("param", k, v)
            for k, v in check_mapping("log_params", params).items()
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
        self._write(lambda conn: writes.insert_params(conn, self.id, checked))
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
        moment = writes.now_ms() if timestamp is None else check_timestamp(timestamp)
        points = []
        for key, value in check_mapping("log_metrics", metrics).items():
            key = check_key("metric key", key)
            number = check_metric(key, value)
            this_step = check_step(key, self._next_step.get(key, 0) if step is None else step)
            points.append((key, number, this_step, moment))
        if not points:
            return
        if self.buffered:
            with self._points_lock:
                self._points.extend(points)
                waiting = len(self._points)
            if waiting >= CHUNK_POINTS and not self._chunk_asked:
                self._chunk_asked = True
                Flusher.chunk(self)  # written while the cell runs, not all after it
        else:
            self._write(lambda conn: writes.insert_metrics(conn, self.id, points))
        for key, _value, this_step, _moment in points:
            self._next_step[key] = max(self._next_step.get(key, 0), this_step + 1)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags (unlike params, a tag can be changed later)."""
        self._check_running()
        checked = {
            check_key("tag key", k): check_text("tag", k, v)
            for k, v in check_mapping("set_tags", tags).items()
        }
        if not checked:
            return
        self._write(lambda conn: writes.upsert_tags(conn, self.id, checked))

    def log_artifact(self, obj: Any, name: str | None = None, kind: str | None = None) -> str:
        """Store a file (path), raw bytes or a matplotlib figure (as PNG) with the run.

        Returns the artifact's content digest.
        """
        self._check_running()
        if name is not None:
            check_key("artifact name", name)
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
            name = check_key("artifact name", name or Path(obj).name)
        else:
            raise InvalidInputError(
                f"cannot log a {type(obj).__name__} as an artifact; pass a file path, bytes or "
                "a matplotlib figure"
            )
        kind = kind or "file"
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"

        def link(conn: Connection) -> None:
            writes.link_artifact(conn, self.id, name, blob.digest, blob.size, media_type, kind)
            if kind == "model":  # models are what lineage leads to
                self._link(("artifact", blob.digest, "OUTPUT"))

        self._write(link)
        return blob.digest

    def log_model(self, model: Any, name: str) -> str:
        """Store a model object, pickled, as the run's artifact ``<name>.pkl``.

        Returns the artifact's content digest; the model becomes an output in the lineage.
        """
        self._check_running()
        check_key("model name", name)
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
            ``input`` or ``output``, in either case (``INPUT`` as lineage shows it).
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
        from mlops_jlab.datasets import fingerprint  # loads pandas and NumPy
        from mlops_jlab.datasets.roles import check_role

        self._check_running()
        # Lineage writes INPUT and OUTPUT, the README too: either case is the same direction.
        if not isinstance(direction, str) or direction.lower() not in ("input", "output"):
            raise InvalidInputError(
                f"direction must be 'input' or 'output' (in either case), not {direction!r}"
            )
        direction = direction.lower()
        role = check_role(role)
        if isinstance(data, (str, os.PathLike)):
            path = Path(data).expanduser().resolve()
            return self.log_resolved_file(
                path, name, direction=direction, role=role, content=content
            )
        if name is None:
            raise InvalidInputError(
                "log_dataset needs a name for an object, e.g. log_dataset(df, name='train')"
            )
        name = check_key("dataset name", name)
        fp = fingerprint.fingerprint(data)
        self._record_version(name, fp, data, None, direction, role)
        return fp

    def log_resolved_file(
        self,
        path: Path,
        name: str | None = None,
        *,
        direction: str,
        role: str | None = None,
        content: Any = None,
    ) -> str:
        """:meth:`log_dataset` of a file whose path is resolved already (a tracked cell's
        pandas reads and writes), ``direction`` and ``role`` checked: not resolved again."""
        from mlops_jlab.datasets import fingerprint

        self._check_running()
        fp = fingerprint.fingerprint_file(path)
        name = check_key("dataset name", name or self.tracker.project_path(path))
        self._record_version(name, fp, content, str(path), direction, role)
        return fp

    def _record_version(
        self, name: str, fp: str, frame: Any, source: str | None, direction: str, role: str | None
    ) -> None:
        """Record the event of version ``fp`` of dataset ``name``, the version first if new,
        to be described from ``frame``."""
        known = self.tracker.known_version(name, fp)
        event_direction = direction.upper()
        if isinstance(known, int) and ("dataset_version", str(known), event_direction) in (
            self._lineage
        ):
            return  # the same version the same way again: nothing new to record
        if isinstance(known, VersionDraft):
            draft = known  # queued by an earlier cell: described once, written once
        elif known is not None:
            draft = VersionDraft(name, fp, source, role)  # in the store: nothing to describe
        else:
            # Described later, off this thread, from what the frame holds now (the next
            # cell may change it); a frame holding values that can change unseen, now.
            content = description = None
            if frame is not None and describable(frame):
                content = snapshot(frame)
                if content is None:
                    description = describe_safely(frame)
            draft = VersionDraft(name, fp, source, role, content=content, description=description)
            draft = self.tracker.draft_version(draft)
        self._link_version(draft, event_direction)

    def use_dataset_version(self, name: str, fp: str, direction: str = "input") -> None:
        """Record reading (or writing) a dataset version the store already holds, by its
        dataset's name and fingerprint: a DataFrame read from a file and unchanged since is
        that file's version, whatever the file holds now."""
        self._check_running()
        known = self.tracker.known_version(name, fp)
        if known is None:
            raise NotFoundError(f"no version {fp} of dataset {name!r} in {self.tracker.store!r}")
        if isinstance(known, int):  # written: the draft finds it when the run is written
            known = VersionDraft(name, fp)
        self._link_version(known, direction.upper())

    def _link_version(self, draft: VersionDraft, direction: str) -> None:
        """Record the event, the version first if the store does not hold it yet: in the
        write's own transaction, where a version a cell before this one queued is found
        (or made, if this write comes first) without another connection."""

        def record(conn: Connection) -> None:
            version_id = self.tracker.write_version(conn, draft)
            self._link(("dataset_version", str(version_id), direction))

        self._write(record)

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
        Flusher.forget(self)
        self._ending = {"status": status, "end_time": writes.now_ms(), "error": error}

        def finish(conn: Connection) -> None:
            if not self._ended_on_insert:
                writes.finish_run(conn, self.id, status, error)

        if not wait:
            self._finish = finish
            self.status = status
            pop_active(self)
            Flusher.finish(self)
            return
        try:
            self._write_pending(finish)
            self.status = status
        finally:  # a run that could not be ended must not become the parent of the next
            self._ending = None
            pop_active(self)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.status != "running":
            pop_active(self)
            return
        if exc_type is None:
            self.end("finished")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("interrupted", "KeyboardInterrupt")
        else:
            self.end("failed", "".join(traceback.format_exception(exc_type, exc, tb)))


# The active runs of each thread, innermost last: start_run() pushes, leaving a run pops.
_stack = threading.local()


def active_stack() -> list[ActiveRun]:
    if not hasattr(_stack, "runs"):
        _stack.runs = []
    return _stack.runs


def pop_active(run: ActiveRun) -> None:
    stack = active_stack()
    if run in stack:
        stack.remove(run)
