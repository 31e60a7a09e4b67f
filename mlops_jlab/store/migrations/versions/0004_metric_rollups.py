"""Metric rollups, so a long history is downsampled from a few thousand rows rather than
every point, filled from the points a store already holds; and a covering index for the
experiments list (runs counted per experiment without reading the runs table).

Revision ID: 0004
Revises: 0003
"""

import itertools

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# What mlops_jlab.store.rollups held when this revision was written (WHOLE, LONG,
# SHIFTS): a migration keeps its own copy, so changing the package later leaves it as is.
WHOLE = 64
LONG = 1024
SHIFTS = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)


def upgrade() -> None:
    op.create_table(
        "metric_rollups",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("shift", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("bucket", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("sum_value", sa.Float(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("first_step", sa.BigInteger(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        sa.Column("max_timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_metric_rollups_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "shift", "key", "bucket", name=op.f("pk_metric_rollups")),
        sqlite_with_rowid=False,
    )
    _backfill()
    op.create_index(
        "ix_runs_experiment_live", "runs", ["experiment_id", "deleted_at", "start_time"]
    )


def _backfill() -> None:
    """Roll up the points already stored: every history's whole row in one pass over the
    points; for long histories the finest shift in another, each coarser shift from the
    one before it (a quarter as many rows each time)."""
    columns = (
        "run_id, shift, key, bucket, n, sum_value, min_value, max_value, "
        "first_step, last_step, max_timestamp"
    )
    aggregates = (
        "count(*), sum(value), min(value), max(value), min(step), max(step), max(timestamp)"
    )
    op.execute(
        f"INSERT INTO metric_rollups ({columns}) "
        f"SELECT run_id, {WHOLE}, key, 0, {aggregates} FROM metrics GROUP BY run_id, key"
    )
    first = SHIFTS[0]
    op.execute(
        f"INSERT INTO metric_rollups ({columns}) "
        f"SELECT metrics.run_id, {first}, metrics.key, step >> {first}, {aggregates} "
        f"FROM metrics JOIN metric_rollups AS history ON history.run_id = metrics.run_id "
        f"AND history.shift = {WHOLE} AND history.key = metrics.key AND history.n > {LONG} "
        f"GROUP BY metrics.run_id, metrics.key, step >> {first}"
    )
    for finer, shift in itertools.pairwise(SHIFTS):
        by = f"bucket >> {shift - finer}"
        op.execute(
            f"INSERT INTO metric_rollups ({columns}) "
            f"SELECT run_id, {shift}, key, {by}, sum(n), sum(sum_value), min(min_value), "
            f"max(max_value), min(first_step), max(last_step), max(max_timestamp) "
            f"FROM metric_rollups WHERE shift = {finer} GROUP BY run_id, key, {by}"
        )


def downgrade() -> None:
    op.drop_index("ix_runs_experiment_live", table_name="runs")
    op.drop_table("metric_rollups")
