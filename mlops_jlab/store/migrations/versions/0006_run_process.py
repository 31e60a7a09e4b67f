"""The process that runs a run (its id and host), so that a run whose process is gone can
be marked crashed: on its own host when the process no longer exists, elsewhere when its
heartbeat is older than a grace period. Runs written before have neither, and are judged
by their heartbeat alone.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on both backends: no copy of the runs table
    op.add_column("runs", sa.Column("pid", sa.Integer(), nullable=True))
    op.add_column("runs", sa.Column("host", sa.String(length=250), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:  # SQLite drops columns by copying the table
        batch.drop_column("host")
        batch.drop_column("pid")
