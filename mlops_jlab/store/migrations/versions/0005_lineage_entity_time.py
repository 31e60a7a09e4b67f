"""When a dataset version was last read or written, from the index alone: staleness finds
each version's latest event with one index seek instead of reading every event of a
version that hundreds of runs read.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_lineage_entity", table_name="lineage_events")
    op.create_index(
        "ix_lineage_entity", "lineage_events", ["entity_kind", "entity_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_lineage_entity", table_name="lineage_events")
    op.create_index("ix_lineage_entity", "lineage_events", ["entity_kind", "entity_id"])
