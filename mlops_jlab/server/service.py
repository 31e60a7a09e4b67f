"""What the REST API does, without HTTP: the handlers only translate to and from JSON.

Every method takes and returns the pydantic models of :mod:`mlops_jlab.server.schemas` (or
plain values) and raises :class:`~mlops_jlab.errors.MlopsError` subclasses for what a
user can fix; the handlers map those to 4xx answers.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mlops_jlab import lineage
from mlops_jlab._version import __version__
from mlops_jlab.artifacts import ArtifactStore, check_digest
from mlops_jlab.config import StoreLocation
from mlops_jlab.errors import InvalidInputError, MlopsError, NotFoundError, RunStateError
from mlops_jlab.lineage import stale_search, staleness
from mlops_jlab.lineage.queries import KINDS, NUMBERED_KINDS
from mlops_jlab.rules import KEY_BAD_RE, KEY_LENGTH, NODE_ID_PATTERN, RUN_ID_RE
from mlops_jlab.server import compare, dataset_views, downloads, histories
from mlops_jlab.server.schemas import (
    ArtifactInfo,
    CompareRuns,
    CountRuns,
    CountRunsQuery,
    DescribeDatasetDiff,
    DescribeDatasetVersion,
    DescribeLineage,
    DescribeMetricHistory,
    DescribeRun,
    DescribeRunComparison,
    DescribeStatus,
    DiffDatasetVersionsQuery,
    EnvironmentInfo,
    ExperimentSummary,
    GetLineageQuery,
    GetMetricHistoryQuery,
    ListDatasets,
    ListDatasetVersions,
    ListExperiments,
    ListRuns,
    ListRunsQuery,
    RunColumns,
    RunSummary,
    StoreCounts,
    StoreInfo,
    UpdateRun,
)
from mlops_jlab.store import Store, crashes, key_hints, open_store, reads, search, writes
from mlops_jlab.store.engine import mask_url

MAX_SELECTED_KEYS = 1000
NODE_ID_RE = re.compile(NODE_ID_PATTERN)


@dataclass(frozen=True)
class Limits:
    """How much one request may ask for (``MlopsApp`` sets these from its traitlets)."""

    default_page_size: int = 100
    max_page_size: int = 1000
    default_history_points: int = 2000
    max_history_points: int = 20_000
    compare_history_points: int = 500
    history_cache_size: int = 64


def check_run_id(run_id: str) -> str:
    """A full run id, or NotFoundError: no run has any other kind of id."""
    if not RUN_ID_RE.fullmatch(run_id):
        raise NotFoundError(
            f"no run with id {run_id[:80]!r}; run ids are the full 32 lowercase hex characters"
        )
    return run_id


def _columns(selection: str, what: str) -> list[str] | None:
    """``*`` -> None (every key), ``""`` -> none, ``a,b`` -> those keys."""
    if selection.strip() == "*":
        return None
    keys = [key.strip() for key in selection.split(",") if key.strip()]
    if len(keys) > MAX_SELECTED_KEYS:
        raise InvalidInputError(
            f"{what} selects {len(keys)} keys; at most {MAX_SELECTED_KEYS} (or * for all)"
        )
    for key in keys:
        if len(key) > KEY_LENGTH or KEY_BAD_RE.search(key):
            raise InvalidInputError(
                f"{what} names {key[:40]!r}, which is not a key: keys are at most {KEY_LENGTH} "
                "characters without control characters"
            )
    return keys


def _summary(row: dict[str, Any], stale_reasons: dict[str, list[str]]) -> RunSummary:
    end, start = row["end_time"], row["start_time"]
    return RunSummary.model_validate(
        {
            **row,
            "duration": (end - start) / 1000 if end is not None else None,
            "stale_reasons": stale_reasons.get(row["id"], []),
        }
    )


def check_version_id(version_id: str) -> int:
    """A dataset version's id from a path, or NotFoundError: ids are positive numbers."""
    if not (version_id.isascii() and version_id.isdecimal()) or not 0 < int(version_id) < 2**31:
        raise NotFoundError(
            f"no dataset version {version_id[:40]!r}; a version's id is a positive number"
        )
    return int(version_id)


class MlopsService:
    """Operations of the panel and the REST API on one store.

    Parameters
    ----------
    location
        The store to serve.
    limits
        Page sizes and history lengths a request may ask for.
    """

    def __init__(self, location: StoreLocation, limits: Limits | None = None):
        self.location = location
        self.limits = limits or Limits()
        self.history_cache = histories.HistoryCache(self.limits.history_cache_size)

    @property
    def store(self) -> Store:
        return open_store(self.location)

    def close(self) -> None:
        """Close the store's pooled connections (it opens new ones if used again)."""
        with contextlib.suppress(MlopsError):  # a store never opened has none
            self.store.dispose()

    @cached_property
    def artifacts(self) -> ArtifactStore:
        return ArtifactStore(self.location.artifacts)

    def mark_crashed_runs(self, grace_seconds: float) -> list[crashes.CrashedRun]:
        """Mark crashed the runs whose process is gone (the server's periodic sweep)."""
        return crashes.sweep(self.store, grace_seconds)

    # --- status -----------------------------------------------------------------------

    def status(self) -> DescribeStatus:
        """The server's version, its store and what the store holds."""
        store = self.store
        with store.read() as conn:
            numbers = reads.counts(conn)
        return DescribeStatus(
            version=__version__,
            store=StoreInfo(
                kind=store.kind,
                url=mask_url(store.url),
                artifacts=self.location.artifacts,
                source=self.location.source,
            ),
            counts=StoreCounts(**numbers),
        )

    # --- runs -------------------------------------------------------------------------

    def list_runs(self, request: ListRunsQuery) -> ListRuns:
        """One page of runs matching a filter, in order, with the columns asked for.

        Raises
        ------
        InvalidInputError, QuerySyntaxError
            A page size over the limit, a bad filter, ordering, page token or key.
        """
        size = request.page_size or self.limits.default_page_size
        if size > self.limits.max_page_size:
            raise InvalidInputError(
                f"page_size is at most {self.limits.max_page_size} on this server, not {size}; "
                "read further pages with page_token"
            )
        selected = {
            field: _columns(getattr(request, field), field)
            for field in ("params", "metrics", "tags")
        }
        experiment = request.experiment or None
        which = {"experiment": experiment, "include_deleted": request.include_deleted}
        order = {
            "order_by": request.order_by or None,
            "page_token": request.page_token,
            "reverse": request.reverse,
        }
        with self.store.read() as conn:
            if request.stale:
                stale = stale_search.search_stale_runs(
                    conn, request.filter, **order, **which, max_results=size
                )
                run_ids, token, reasons = stale.run_ids, stale.next_page_token, stale.reasons
            else:
                page = search.search_runs(conn, request.filter, **order, **which, max_results=size)
                run_ids, token = page.run_ids, page.next_page_token
                reasons = staleness.stale_runs(conn, run_ids) if run_ids else {}
            rows = reads.load_run_summaries(conn, run_ids, **selected)
            hints = key_hints.unknown_keys(conn, request.filter) if not request.page_token else []
        runs = [_summary(row, reasons) for row in rows]
        return ListRuns(
            runs=runs,
            next_page_token=token,
            warnings=hints,
            columns=RunColumns(
                params=sorted({key for run in runs for key in run.params}),
                metrics=sorted({key for run in runs for key in run.metrics}),
                tags=sorted({key for run in runs for key in run.tags}),
            ),
        )

    def count_runs(self, request: CountRunsQuery) -> CountRuns:
        """How many runs match, up to ``request.limit`` unless ``request.exact``.

        With ``stale``, the runs of a first page's walk are examined: when the walk saw
        every matching run its count is exact, else the share of stale runs it found is
        applied to the (bounded) count of matching runs, as an estimate.
        """
        which = {
            "experiment": request.experiment or None,
            "include_deleted": request.include_deleted,
        }
        limit = None if request.exact else request.limit
        with self.store.read() as conn:
            if request.stale:
                walk = stale_search.search_stale_runs(
                    conn, request.filter, max_results=self.limits.default_page_size, **which
                )
                if walk.stale_total is not None:
                    complete = limit is None or walk.stale_total <= limit
                    total = walk.stale_total if complete else limit
                    return CountRuns(total=total, complete=complete, is_estimate=False)
            counted = search.count_runs(conn, request.filter, **which, limit=limit)
        if not request.stale:
            return CountRuns(total=counted.total, complete=counted.complete, is_estimate=False)
        # Counting every stale run would mean examining every run: the share of stale runs
        # among those the walk examined, applied.
        estimate = walk.estimated_total(counted.total)
        return CountRuns(total=estimate, complete=counted.complete, is_estimate=True)

    def describe_run(self, run_id: str) -> DescribeRun:
        """Everything recorded about a run, deleted or not, with the dataset versions it
        read and wrote."""
        check_run_id(run_id)
        with self.store.read() as conn:
            found = reads.load_runs(conn, [run_id])
            if not found:
                raise NotFoundError(f"no run with id {run_id!r} in this store")
            row = found[0]
            artifacts = reads.run_artifact_details(conn, run_id)
            digest = row["environment_hash"]
            environment = reads.environments(conn, [digest]).get(digest) if digest else None
            reasons = staleness.stale_runs(conn, [run_id])
            datasets = dataset_views.run_datasets(conn, run_id)
        summary = _summary(row, reasons)
        return DescribeRun(
            **summary.model_dump(),
            execution_count=row["execution_count"],
            code=row["code"],
            code_hash=row["code_hash"],
            heartbeat=row["heartbeat"],
            error=row["error"],
            note=row["note"],
            environment=(
                EnvironmentInfo(
                    hash=environment["hash"],
                    python_version=environment["python_version"],
                    platform=environment["platform"],
                    packages=len(environment["packages"] or {}),
                )
                if environment
                else None
            ),
            artifacts=[ArtifactInfo(**artifact) for artifact in artifacts],
            datasets=datasets,
        )

    def update_run(self, run_id: str, update: UpdateRun) -> DescribeRun:
        """Rename a run, set or remove tags, write its note, delete or restore it.

        Raises
        ------
        NotFoundError
            No such run.
        RunStateError
            The run is deleted and the update does not restore it.
        """
        check_run_id(run_id)
        given = update.model_fields_set
        with self.store.write() as conn:
            was_deleted = writes.deleted_at(conn, run_id)
            edits = given - {"deleted"}
            if was_deleted is not None and update.deleted is not False and edits:
                raise RunStateError(
                    f'run {run_id} is deleted; restore it first (PATCH {{"deleted": false}} '
                    f"or POST runs/{run_id}/restore), then edit it"
                )
            values: dict[str, Any] = {}
            if update.name is not None:
                values["name"] = update.name
            if "note" in given:
                values["note"] = update.note
            if update.deleted is True and was_deleted is None:
                values["deleted_at"] = writes.now_ms()
            elif update.deleted is False:
                values["deleted_at"] = None
            if values:
                writes.set_run_attributes(conn, run_id, **values)
            if update.tags:
                tags = update.tags
                kept = {key: value for key, value in tags.items() if value is not None}
                if kept:
                    writes.upsert_tags(conn, run_id, kept)
                writes.remove_tags(conn, run_id, [k for k, v in tags.items() if v is None])
        return self.describe_run(run_id)

    def delete_run(self, run_id: str) -> DescribeRun:
        """Delete a run softly: it leaves the lists and can be restored."""
        return self.update_run(run_id, UpdateRun(deleted=True))

    def restore_run(self, run_id: str) -> DescribeRun:
        """Undo a delete."""
        return self.update_run(run_id, UpdateRun(deleted=False))

    def list_experiments(self) -> ListExperiments:
        """Every experiment with its number of runs and its latest start."""
        with self.store.read() as conn:
            rows = reads.list_experiments(conn)
        return ListExperiments(experiments=[ExperimentSummary(**row) for row in rows])

    # --- metric histories -------------------------------------------------------------

    def _history_points(self, max_points: int | None, default: int) -> int:
        points = max_points or default
        if points > self.limits.max_history_points:
            raise InvalidInputError(
                f"max_points is at most {self.limits.max_history_points} on this server, not "
                f"{points}; zoom in with min_step and max_step for more detail"
            )
        return points

    def metric_history(
        self, run_id: str, key: str, request: GetMetricHistoryQuery
    ) -> DescribeMetricHistory:
        """A metric's history by step, downsampled with min/max envelopes when long.

        Raises
        ------
        NotFoundError
            No such run, or the run has no metric ``key``.
        InvalidInputError
            ``max_points`` over the limit, or ``min_step`` after ``max_step``.
        """
        check_run_id(run_id)
        if len(key) > KEY_LENGTH or KEY_BAD_RE.search(key):
            raise NotFoundError(f"run {run_id} has no metric {key[:80]!r}: no key looks like it")
        max_points = self._history_points(request.max_points, self.limits.default_history_points)
        low, high = request.min_step, request.max_step
        if low is not None and high is not None and low > high:
            raise InvalidInputError(f"min_step {low} is after max_step {high}; swap them")
        with self.store.read() as conn:
            status = reads.run_status(conn, run_id)
            if status is None:
                raise NotFoundError(f"no run with id {run_id!r} in this store")
            found = histories.history(
                conn, self.history_cache, run_id, status, key, max_points, low, high
            )
            if not found.count and not reads.metric_point_counts(conn, [run_id], [key]):
                known = reads.metric_point_counts(conn, [run_id])
                names = ", ".join(sorted(name for _, name in known)[:50]) or "none"
                raise NotFoundError(
                    f"run {run_id} has no metric {key[:80]!r}; its metrics are: {names}"
                )
        return DescribeMetricHistory(
            run_id=run_id,
            key=key,
            count=found.count,
            downsampled=found.downsampled,
            points=found.as_json(),
        )

    # --- compare ----------------------------------------------------------------------

    def compare_runs(self, request: CompareRuns) -> DescribeRunComparison:
        """2 to 50 runs side by side: params and tags with differing keys flagged, latest
        metrics, downsampled histories, code diffs against the first run and the packages
        whose versions differ.

        Raises
        ------
        InvalidInputError
            A run listed twice.
        NotFoundError
            An id of no run.
        """
        ids = [check_run_id(run_id) for run_id in request.run_ids]
        repeated = sorted({run_id for run_id in ids if ids.count(run_id) > 1})
        if repeated:
            raise InvalidInputError(
                f"run {repeated[0]} is listed more than once; list each run once"
            )
        max_points = self._history_points(request.max_points, self.limits.compare_history_points)
        with self.store.read() as conn:
            runs = reads.load_runs(conn, ids)
            loaded = {run["id"] for run in runs}
            missing = [run_id for run_id in ids if run_id not in loaded]
            if missing:
                raise NotFoundError(f"no run with id {missing[0]!r} in this store")
            statuses = {run["id"]: run["status"] for run in runs}
            found = histories.histories(
                conn, self.history_cache, statuses, request.history_keys, max_points
            )
            environments = reads.environments(
                conn, [run["environment_hash"] for run in runs if run["environment_hash"]]
            )
            reasons = staleness.stale_runs(conn, ids)
            datasets = dataset_views.compared_inputs(conn, ids)
        summaries = [_summary(run, reasons) for run in runs]
        return compare.comparison(runs, summaries, found, environments, datasets)

    # --- datasets ---------------------------------------------------------------------

    def list_datasets(self) -> ListDatasets:
        """Every dataset with its number of versions."""
        with self.store.read() as conn:
            return dataset_views.list_datasets(conn)

    def dataset_versions(self, name: str) -> ListDatasetVersions:
        """A dataset's versions, oldest first (NotFoundError for an unknown name)."""
        with self.store.read() as conn:
            return dataset_views.dataset_versions(conn, name)

    def describe_dataset_version(self, version_id: str) -> DescribeDatasetVersion:
        """A dataset version with its schema, profile and the runs that used it."""
        number = check_version_id(version_id)
        with self.store.read() as conn:
            return dataset_views.describe_version(conn, number)

    def diff_dataset_versions(self, request: DiffDatasetVersionsQuery) -> DescribeDatasetDiff:
        """Version ``b`` against version ``a``: schema, counts, profiles and drift."""
        thresholds = {
            name: getattr(request, name)
            for name in ("psi_threshold", "ks_alpha", "js_threshold")
            if getattr(request, name) is not None
        }
        with self.store.read() as conn:
            return dataset_views.diff_versions(conn, request.a, request.b, thresholds)

    # --- lineage ----------------------------------------------------------------------

    def lineage(self, kind: str, node_id: str, request: GetLineageQuery) -> DescribeLineage:
        """What a node came from (up), what came of it (down), or both, as nodes and
        edges ready to draw.

        Raises
        ------
        InvalidInputError
            An unknown kind of node, or a malformed id.
        NotFoundError
            No such node (or a deleted run).
        """
        direction = {"up": "upstream", "down": "downstream", "both": "both"}[request.direction]
        if kind in KINDS and (
            not NODE_ID_RE.fullmatch(node_id)
            or (kind in NUMBERED_KINDS and not node_id.isdecimal())
        ):
            # Well formed as a node id, but not this kind's: no such node, as for any other
            # id of none (the document types node_id for every kind at once).
            raise NotFoundError(f"there is no {kind} {node_id[:80]!r} in the store")
        with self.store.read() as conn:
            found = lineage.graph(conn, kind, node_id, direction, request.depth)
        return DescribeLineage.model_validate(found)

    # --- artifacts --------------------------------------------------------------------

    def open_artifact(self, digest: str) -> downloads.ArtifactDownload:
        """An artifact's content as verified chunks, with its media type and file name.

        Raises
        ------
        InvalidInputError
            Not a digest (32 lowercase hex characters): no path is ever made of it.
        ArtifactNotFoundError
            No such artifact, or its content is gone.
        """
        check_digest(digest)
        with self.store.read() as conn:
            record = reads.artifact_record(conn, digest)
        if record is None:
            raise NotFoundError(f"no artifact {digest} in this store")
        return downloads.open_download(
            self.artifacts, digest, record["size"], record["media_type"], record["name"]
        )
