"""Pipelines with versions, sweeps, and jobs that record how they ran.

A pipeline's name is unique, so its snapshots become rows of ``pipeline_versions`` (v1,
v2, ... each with its parameter schema and the cell that holds the parameters). ``sweeps``
groups the jobs of a grid of parameters. A job now names the version it runs and its
sweep, and records its progress, log, failing cell and traceback, its process (so that
one whose process is gone is marked crashed), its timeout, retries and a cancel request.
(schedule_id, fire_time) stays unique on jobs: the scheduler relies on it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JOB_COLUMNS = [
    ("pipeline_version_id", sa.Integer()),
    ("sweep_id", sa.String(length=32)),
    ("retries", sa.Integer()),
    ("retry_at", sa.BigInteger()),
    ("timeout", sa.Float()),
    ("cancel_requested", sa.Boolean()),
    ("progress", sa.JSON()),
    ("log_digest", sa.String(length=32)),
    ("failing_source", sa.Text()),
    ("traceback", sa.Text()),
    ("pid", sa.Integer()),
    ("host", sa.String(length=250)),
    ("heartbeat", sa.BigInteger()),
    ("created_by", sa.String(length=250)),
]
_DEFAULTS = {"retries": "0", "cancel_requested": sa.false()}


def upgrade() -> None:
    op.create_table(
        "pipeline_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot_digest", sa.String(length=32), nullable=False),
        sa.Column("parameter_schema", sa.JSON(), nullable=False),
        sa.Column("parameters_cell", sa.JSON(), nullable=True),
        sa.Column("notebook_path", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=250), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_versions_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_digest"],
            ["artifacts.digest"],
            name=op.f("fk_pipeline_versions_snapshot_digest_artifacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_versions")),
        sa.UniqueConstraint("pipeline_id", "version", name="uq_pipeline_versions_number"),
        sa.UniqueConstraint("pipeline_id", "snapshot_digest", name="uq_pipeline_versions_snapshot"),
    )
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("pipeline_version_id", sa.Integer(), nullable=False),
        sa.Column("combinations", sa.JSON(), nullable=False),
        sa.Column("max_parallel", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=250), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_version_id"],
            ["pipeline_versions.id"],
            name=op.f("fk_sweeps_pipeline_version_id_pipeline_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweeps")),
    )
    # SQLite adds foreign keys by copying the table (jobs held no rows before this release)
    with op.batch_alter_table("jobs") as batch:
        for name, kind in _JOB_COLUMNS:
            default = _DEFAULTS.get(name)
            batch.add_column(
                sa.Column(name, kind, nullable=default is None, server_default=default)
            )
        batch.create_foreign_key(
            op.f("fk_jobs_pipeline_version_id_pipeline_versions"),
            "pipeline_versions",
            ["pipeline_version_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            op.f("fk_jobs_sweep_id_sweeps"), "sweeps", ["sweep_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            op.f("fk_jobs_log_digest_artifacts"), "artifacts", ["log_digest"], ["digest"]
        )
    op.create_index("ix_jobs_version", "jobs", ["pipeline_version_id"])
    op.create_index("ix_jobs_sweep", "jobs", ["sweep_id"])
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_status_created", table_name="jobs")
    op.drop_index("ix_jobs_sweep", table_name="jobs")
    op.drop_index("ix_jobs_version", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(op.f("fk_jobs_log_digest_artifacts"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_jobs_sweep_id_sweeps"), type_="foreignkey")
        batch.drop_constraint(
            op.f("fk_jobs_pipeline_version_id_pipeline_versions"), type_="foreignkey"
        )
        for name, _kind in reversed(_JOB_COLUMNS):
            batch.drop_column(name)
    op.drop_table("sweeps")
    op.drop_table("pipeline_versions")
