"""Indexes for lineage: walking from a dataset version to the versions derived from it,
and finding the latest run of a notebook cell (whether a run's code is stale).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_dataset_versions_parent": ("dataset_versions", ["parent_version_id"]),
    "ix_runs_cell": ("runs", ["notebook_path", "cell_id", "start_time"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
