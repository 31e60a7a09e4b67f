"""Schedules fire once without a lease: the table for one goes.

A fire is claimed by an update of its schedule's ``next_fire_at`` that only succeeds while
it holds the value the scheduler read, and its job is written under the unique (schedule,
fire time) key, so any number of schedulers on one store never double a fire, and none
waits for another's lease to expire after a crash.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("scheduler_leases")


def downgrade() -> None:
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=250), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
