"""Schedules say what to do with the fires they missed, and when they last changed.

``catch_up`` (skip, once, all) is applied by a scheduler that finds fires it missed while
no scheduler ran; ``updated_at`` changes with every edit, so a scheduler in another process
notices edits by reading one number; a schedule may pin a pipeline version, give its jobs a
timeout, and records who made it. ``max_concurrency`` is named ``max_concurrent`` as the API
names it.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_FK_VERSION = "fk_schedules_pipeline_version_id_pipeline_versions"


def upgrade() -> None:
    # SQLite adds a foreign key and renames by copying the table
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("pipeline_version_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("catch_up", sa.String(length=8), nullable=False, server_default="skip")
        )
        batch.add_column(sa.Column("timeout", sa.Float(), nullable=True))
        batch.add_column(sa.Column("created_by", sa.String(length=250), nullable=True))
        batch.add_column(
            sa.Column("updated_at", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.alter_column("max_concurrency", new_column_name="max_concurrent")
        batch.create_foreign_key(
            op.f(_FK_VERSION),
            "pipeline_versions",
            ["pipeline_version_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_constraint(op.f(_FK_VERSION), type_="foreignkey")
        batch.alter_column("max_concurrent", new_column_name="max_concurrency")
        for name in ("updated_at", "created_by", "timeout", "catch_up", "pipeline_version_id"):
            batch.drop_column(name)
