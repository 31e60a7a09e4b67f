"""The store's tables: the whole data model of mlops-jlab, MLMD-shaped and named for users.

Times are integer milliseconds since the epoch (sortable, portable across SQLite and
PostgreSQL, cheap to index). JSON columns hold structured values that are read whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mlops_jlab.rules import ID_LENGTH, KEY_LENGTH

# Stable constraint names, so Alembic migrations can address them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DIGEST_LENGTH = 32


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _run_fk(**kwargs: Any) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), ForeignKey("runs.id", ondelete="CASCADE"), **kwargs)


# On PostgreSQL, the foreign keys of these tables to runs are triggers that keep the same
# rules a statement at a time (migration 0009): checked row by row, the runs of a long
# metric history's points took the server as long as the points themselves.
RUN_KEYS_AS_TRIGGERS = ("metrics", "metric_rollups")


class Experiment(Base):
    __tablename__ = "experiments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Environment(Base):
    """A Python environment, addressed by the hash of its version and package set."""

    __tablename__ = "environments"
    hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True)
    python_version: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(KEY_LENGTH))
    packages: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Run(Base):
    """One execution of a tracked cell, a notebook job or a block of Python code."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    name: Mapped[str] = mapped_column(String(KEY_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    notebook_path: Mapped[str | None] = mapped_column(Text)
    cell_id: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    execution_count: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(Text)
    code_hash: Mapped[str | None] = mapped_column(String(DIGEST_LENGTH))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    start_time: Mapped[int] = mapped_column(BigInteger)
    end_time: Mapped[int | None] = mapped_column(BigInteger)
    heartbeat: Mapped[int | None] = mapped_column(BigInteger)
    # The process that runs it, so that a run whose process is gone is marked crashed.
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    user: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    environment_hash: Mapped[str | None] = mapped_column(ForeignKey("environments.hash"))
    git_commit: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger)


class Param(Base):
    """A run's parameter. ``value_num`` holds the value when it reads as a number, so
    ``params.lr < 0.1`` compares numbers rather than strings."""

    __tablename__ = "params"
    # Stored in the primary key's order on SQLite: no rowid, so no second copy of the key.
    __table_args__ = {"sqlite_with_rowid": False}
    run_id: Mapped[str] = _run_fk(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    value_num: Mapped[float | None] = mapped_column(Float)


class Metric(Base):
    """One point of a metric's history."""

    __tablename__ = "metrics"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[str] = _run_fk()
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    step: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float] = mapped_column(Float)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class LatestMetric(Base):
    """The latest value of each metric of a run (highest step, then newest), kept on write
    so that sorting and filtering tens of thousands of runs by a metric reads one row each."""

    __tablename__ = "latest_metrics"
    __table_args__ = {"sqlite_with_rowid": False}
    run_id: Mapped[str] = _run_fk(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    step: Mapped[int] = mapped_column(BigInteger)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class MetricRollup(Base):
    """Aggregates of a metric's points by ranges of steps, kept on write so that a long
    history is downsampled from a few thousand rows instead of every point.

    A row covers the steps ``s`` with ``s >> shift == bucket`` (``2**shift`` steps, floor
    division, so negative steps and steps up to the BIGINT limits have a bucket). Every
    history has a row of shift 64 (bucket 0: all its steps); a long one also has rows at
    every shift of :data:`mlops_jlab.store.rollups.SHIFTS`.
    """

    __tablename__ = "metric_rollups"
    # Rows are read by ranges of the key: stored in the key's order on SQLite too.
    __table_args__ = {"sqlite_with_rowid": False}
    run_id: Mapped[str] = _run_fk(primary_key=True)
    # Shift before key: the point counts of a run's histories are its whole rows, in a row.
    shift: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
    sum_value: Mapped[float] = mapped_column(Float)
    min_value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float)
    first_step: Mapped[int] = mapped_column(BigInteger)
    last_step: Mapped[int] = mapped_column(BigInteger)
    max_timestamp: Mapped[int] = mapped_column(BigInteger)


class Tag(Base):
    __tablename__ = "tags"
    run_id: Mapped[str] = _run_fk(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Artifact(Base):
    """A blob in the artifact store, addressed by the xxh3-128 of its content."""

    __tablename__ = "artifacts"
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)


class RunArtifact(Base):
    """A named artifact of a run: a model file, a figure, an output notebook."""

    __tablename__ = "run_artifacts"
    run_id: Mapped[str] = _run_fk(primary_key=True)
    name: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    digest: Mapped[str] = mapped_column(ForeignKey("artifacts.digest"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[int] = mapped_column(BigInteger)


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)


class DatasetVersion(Base):
    """A version of a dataset: its full-content fingerprint, schema, profile and origin."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "fingerprint"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    role: Mapped[str | None] = mapped_column(String(16))
    schema: Mapped[list[Any]] = mapped_column(JSON)
    n_rows: Mapped[int | None] = mapped_column(BigInteger)
    n_columns: Mapped[int | None] = mapped_column(Integer)
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)
    query: Mapped[str | None] = mapped_column(Text)
    parent_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="SET NULL")
    )
    created_at: Mapped[int] = mapped_column(BigInteger)


class LineageEvent(Base):
    """A run read (INPUT) or produced (OUTPUT) an entity: a dataset version, an artifact
    or a model version. Upstream and downstream are graph walks over these rows."""

    __tablename__ = "lineage_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = _run_fk()
    entity_kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(KEY_LENGTH))
    direction: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[int] = mapped_column(BigInteger)


class RegisteredModel(Base):
    __tablename__ = "registered_models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registered_models.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    artifact_digest: Mapped[str | None] = mapped_column(ForeignKey("artifacts.digest"))
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    training_dataset_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="SET NULL")
    )
    description: Mapped[str | None] = mapped_column(Text)
    # The run artifact the version was made from (``<name>.pkl``), as the run named it.
    artifact_name: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    tags: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)


class ModelAlias(Base):
    """A stage or alias (staging, production, archived, or a user's own) of a model."""

    __tablename__ = "model_aliases"
    model_id: Mapped[int] = mapped_column(
        ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE")
    )
    updated_at: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))


class TransitionRequest(Base):
    """A request to move a model version to a stage, with its check report and the
    human decision on it: nothing reaches production without one."""

    __tablename__ = "transition_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE")
    )
    to_stage: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(KEY_LENGTH))
    requested_at: Mapped[int] = mapped_column(BigInteger)
    check_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    decided_at: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    # The version that held the alias when asked (the "old" model of a ci condition).
    from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL")
    )
    condition: Mapped[str | None] = mapped_column(Text)
    test_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="SET NULL")
    )
    # The check's decided outcome (pass | fail): what the test set's budget has spent.
    check_outcome: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)


class RegistryEvent(Base):
    """What happened to a model, for good: a version registered, an alias moved or removed,
    a request made, approved or rejected, a recommendation made or decided. Append-only:
    the audit history is never rewritten."""

    __tablename__ = "registry_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registered_models.id", ondelete="CASCADE"))
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class RetrainingRecommendation(Base):
    """Retrain or keep a model version, judged by the drift of new data against its training
    dataset version; it waits for a person to accept or dismiss it. One per (model version,
    data version) it was judged on."""

    __tablename__ = "retraining_recommendations"
    __table_args__ = (UniqueConstraint("model_version_id", "dataset_version_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE")
    )
    dataset_version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="CASCADE")
    )
    # The version the model was trained on, which the new data was compared with (0012).
    training_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="SET NULL")
    )
    trigger: Mapped[str] = mapped_column(String(32))
    recommendation: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    drift: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    decided_at: Mapped[int | None] = mapped_column(BigInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    # Who asked for the check (or listed the recommendations that found new data), what
    # accepting it did (a job started, retraining requested), and the job it started (0012).
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    outcome: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))


class Setting(Base):
    """A store-wide setting every process reads alike (the protected aliases, whether one
    may approve one's own request), as JSON."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    updated_at: Mapped[int] = mapped_column(BigInteger)


class Pipeline(Base):
    """A promoted notebook. Its versions are its snapshots (:class:`PipelineVersion`); the
    path, snapshot and parameter schema here are those of its latest version."""

    __tablename__ = "pipelines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    notebook_path: Mapped[str] = mapped_column(Text)
    snapshot_digest: Mapped[str] = mapped_column(ForeignKey("artifacts.digest"))
    parameter_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)


class PipelineVersion(Base):
    """One snapshot of a promoted notebook (v1, v2, ...): promoting unchanged code again
    finds the same version, so (pipeline, snapshot) is unique."""

    __tablename__ = "pipeline_versions"
    __table_args__ = (
        UniqueConstraint("pipeline_id", "version", name="uq_pipeline_versions_number"),
        UniqueConstraint("pipeline_id", "snapshot_digest", name="uq_pipeline_versions_snapshot"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    snapshot_digest: Mapped[str] = mapped_column(ForeignKey("artifacts.digest"))
    # [{"name", "type", "default", "help"}, ...] in the order the notebook assigns them
    parameter_schema: Mapped[list[Any]] = mapped_column(JSON)
    # Which cell holds the parameters and how it was found: {"index", "how", "note"}
    parameters_cell: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notebook_path: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)


class Sweep(Base):
    """Jobs of one pipeline version over a grid of parameters, run in parallel."""

    __tablename__ = "sweeps"
    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    pipeline_version_id: Mapped[int] = mapped_column(
        ForeignKey("pipeline_versions.id", ondelete="CASCADE")
    )
    combinations: Mapped[list[Any]] = mapped_column(JSON)
    max_parallel: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)


class Schedule(Base):
    """A pipeline run on a cron in a timezone. ``next_fire_at`` is the earliest fire not
    yet dealt with (null while paused): a scheduler that finds it in the past after a
    downtime applies ``catch_up`` to the fires between it and now. ``updated_at`` changes
    with every edit, so schedulers of other processes notice edits cheaply."""

    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    # A version to run; null: the pipeline's latest version at each fire
    pipeline_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("pipeline_versions.id", ondelete="CASCADE")
    )
    cron: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    catch_up: Mapped[str] = mapped_column(String(8), server_default="skip")
    max_concurrent: Mapped[int] = mapped_column(Integer)
    retries: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[float | None] = mapped_column(Float)
    next_fire_at: Mapped[int | None] = mapped_column(BigInteger)
    last_fire_at: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Job(Base):
    """One execution of a pipeline version; (schedule, fire time) is unique so no fire is
    doubled. A retried job keeps its row: ``attempt`` counts, ``retry_at`` says when the
    next may start."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("schedule_id", "fire_time"),)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    pipeline_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("pipeline_versions.id", ondelete="CASCADE")
    )
    sweep_id: Mapped[str | None] = mapped_column(ForeignKey("sweeps.id", ondelete="SET NULL"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    fire_time: Mapped[int | None] = mapped_column(BigInteger)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer)
    retries: Mapped[int] = mapped_column(Integer, server_default="0")
    retry_at: Mapped[int | None] = mapped_column(BigInteger)
    timeout: Mapped[float | None] = mapped_column(Float)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # {"cell": k, "cells": n, "source": the current cell's first line}
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    output_digest: Mapped[str | None] = mapped_column(ForeignKey("artifacts.digest"))
    log_digest: Mapped[str | None] = mapped_column(ForeignKey("artifacts.digest"))
    failing_cell: Mapped[int | None] = mapped_column(Integer)
    failing_source: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)
    # The process that runs it, so that a job whose process is gone is marked crashed.
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    heartbeat: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[int | None] = mapped_column(BigInteger)
    ended_at: Mapped[int | None] = mapped_column(BigInteger)


# Indexes that make the hot queries cheap: ordered top-k and filters over runs, metric
# history of one run, lineage walks in both directions. Added by migration 0002.
QUERY_INDEXES = [
    Index("ix_runs_start_time", Run.start_time),
    Index("ix_runs_experiment_start", Run.experiment_id, Run.start_time),
    Index("ix_runs_experiment_live", Run.experiment_id, Run.deleted_at, Run.start_time),
    Index("ix_runs_status", Run.status),
    Index("ix_runs_parent", Run.parent_id),
    Index("ix_runs_job", Run.job_id),
    Index("ix_params_key_num", Param.key, Param.value_num, Param.value, Param.run_id),
    Index("ix_params_key_value", Param.key, Param.value, Param.run_id),
    Index("ix_metrics_run_key_step", Metric.run_id, Metric.key, Metric.step),
    Index("ix_latest_metrics_key_value", LatestMetric.key, LatestMetric.value, LatestMetric.run_id),
    Index("ix_tags_key_value", Tag.key, Tag.value, Tag.run_id),
    Index("ix_run_artifacts_digest", RunArtifact.digest),
    Index("ix_dataset_versions_dataset", DatasetVersion.dataset_id, DatasetVersion.created_at),
    Index("ix_dataset_versions_parent", DatasetVersion.parent_version_id),
    Index("ix_dataset_versions_fingerprint", DatasetVersion.fingerprint),
    Index("ix_runs_cell", Run.notebook_path, Run.cell_id, Run.start_time),
    Index("ix_lineage_run", LineageEvent.run_id, LineageEvent.direction),
    Index(
        "ix_lineage_entity",
        LineageEvent.entity_kind,
        LineageEvent.entity_id,
        LineageEvent.created_at,
    ),
    Index("ix_model_versions_run", ModelVersion.run_id),
    Index("ix_transition_requests_version", TransitionRequest.model_version_id),
    Index("ix_jobs_pipeline_created", Job.pipeline_id, Job.created_at),
    Index("ix_jobs_status", Job.status),
]

# Added by migration 0011: a version's jobs (lineage), a sweep's jobs, jobs waiting their turn.
PIPELINE_INDEXES = [
    Index("ix_jobs_version", Job.pipeline_version_id),
    Index("ix_jobs_sweep", Job.sweep_id),
    Index("ix_jobs_status_created", Job.status, Job.created_at),
]

# The registry's lookups by model, added by migration 0010.
REGISTRY_INDEXES = [
    Index("ix_registry_events_model", RegistryEvent.model_id, RegistryEvent.id),
    Index("ix_registry_events_version", RegistryEvent.model_version_id),
    Index("ix_transition_requests_decision", TransitionRequest.decision),
    Index(
        "ix_transition_requests_test",
        TransitionRequest.test_version_id,
        TransitionRequest.model_version_id,
    ),
    Index("ix_retraining_recommendations_status", RetrainingRecommendation.status),
]

# Added by migration 0012: a job's recommendation (what started it).
RECOMMENDATION_INDEXES = [
    Index("ix_retraining_recommendations_job", RetrainingRecommendation.job_id),
]

# The tables, for statements written with SQLAlchemy Core.
RUNS = Run.__table__
EXPERIMENTS = Experiment.__table__
PARAMS = Param.__table__
METRICS = Metric.__table__
LATEST = LatestMetric.__table__
ROLLUPS = MetricRollup.__table__
TAGS = Tag.__table__
DATASETS = Dataset.__table__
VERSIONS = DatasetVersion.__table__
EVENTS = LineageEvent.__table__
ARTIFACTS = Artifact.__table__
RUN_ARTIFACTS = RunArtifact.__table__
ENVIRONMENTS = Environment.__table__
MODEL_VERSIONS = ModelVersion.__table__
MODELS = RegisteredModel.__table__
PIPELINES = Pipeline.__table__
PIPELINE_VERSIONS = PipelineVersion.__table__
SWEEPS = Sweep.__table__
JOBS = Job.__table__
ALIASES = ModelAlias.__table__
REQUESTS = TransitionRequest.__table__
REGISTRY_EVENTS = RegistryEvent.__table__
RECOMMENDATIONS = RetrainingRecommendation.__table__
SETTINGS = Setting.__table__
SCHEDULES = Schedule.__table__
