"""Retraining recommendations record what they compared and what accepting them did.

A recommendation now names the training dataset version the new data was compared with
(the model version's may be gone later), who asked for it, what accepting it did (a job
started, retraining requested) and the job it started.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = [
    ("training_version_id", sa.Integer()),
    ("created_by", sa.String(length=250)),
    ("outcome", sa.Text()),
    ("job_id", sa.String(length=32)),
]


def upgrade() -> None:
    # SQLite adds foreign keys by copying the table
    with op.batch_alter_table("retraining_recommendations") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.create_foreign_key(
            op.f("fk_retraining_recommendations_training_version_id_dataset_versions"),
            "dataset_versions",
            ["training_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_retraining_recommendations_job_id_jobs"),
            "jobs",
            ["job_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_retraining_recommendations_job", "retraining_recommendations", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_retraining_recommendations_job", table_name="retraining_recommendations")
    with op.batch_alter_table("retraining_recommendations") as batch:
        batch.drop_constraint(op.f("fk_retraining_recommendations_job_id_jobs"), type_="foreignkey")
        batch.drop_constraint(
            op.f("fk_retraining_recommendations_training_version_id_dataset_versions"),
            type_="foreignkey",
        )
        for name, _kind in reversed(_COLUMNS):
            batch.drop_column(name)
