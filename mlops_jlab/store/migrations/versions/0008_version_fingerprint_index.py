"""Dataset versions by fingerprint: the same content recorded under two names (a file
and the notebook variable a teammate named otherwise) is found from either, in one index
seek.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dataset_versions_fingerprint", "dataset_versions", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_dataset_versions_fingerprint", table_name="dataset_versions")
