"""The model registry in use: tags and the artifact name of versions, who moved an alias,
requests with their condition, test set, check outcome and decision comment; an
append-only history of what happened to each model, retraining recommendations, and
store-wide settings (the protected aliases, self-approval).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEY = sa.String(length=250)


def upgrade() -> None:
    op.add_column("registered_models", sa.Column("tags", sa.JSON(), nullable=True))
    op.add_column("model_versions", sa.Column("artifact_name", KEY, nullable=True))
    op.add_column("model_versions", sa.Column("tags", sa.JSON(), nullable=True))
    op.add_column("model_versions", sa.Column("created_by", KEY, nullable=True))
    op.add_column("model_aliases", sa.Column("updated_by", KEY, nullable=True))
    # SQLite adds foreign keys by copying the table: nobody used this one before.
    with op.batch_alter_table("transition_requests") as batch:
        batch.add_column(sa.Column("from_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("condition", sa.Text(), nullable=True))
        batch.add_column(sa.Column("test_version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("check_outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_transition_requests_from_version_id_model_versions"),
            "model_versions",
            ["from_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_transition_requests_test_version_id_dataset_versions"),
            "dataset_versions",
            ["test_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "registry_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", KEY, nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["registered_models.id"],
            name=op.f("fk_registry_events_model_id_registered_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_registry_events_model_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_events")),
    )
    op.create_table(
        "retraining_recommendations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("dataset_version_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("drift", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", KEY, nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_retraining_recommendations_model_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_version_id"],
            ["dataset_versions.id"],
            name=op.f("fk_retraining_recommendations_dataset_version_id_dataset_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retraining_recommendations")),
        sa.UniqueConstraint(
            "model_version_id",
            "dataset_version_id",
            name=op.f("uq_retraining_recommendations_model_version_id"),
        ),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_by", KEY, nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_index("ix_registry_events_model", "registry_events", ["model_id", "id"])
    op.create_index("ix_registry_events_version", "registry_events", ["model_version_id"])
    op.create_index("ix_transition_requests_decision", "transition_requests", ["decision"])
    op.create_index(
        "ix_transition_requests_test",
        "transition_requests",
        ["test_version_id", "model_version_id"],
    )
    op.create_index(
        "ix_retraining_recommendations_status", "retraining_recommendations", ["status"]
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_table("retraining_recommendations")
    op.drop_table("registry_events")
    op.drop_index("ix_transition_requests_test", table_name="transition_requests")
    op.drop_index("ix_transition_requests_decision", table_name="transition_requests")
    with op.batch_alter_table("transition_requests") as batch:
        batch.drop_constraint(
            op.f("fk_transition_requests_test_version_id_dataset_versions"), type_="foreignkey"
        )
        batch.drop_constraint(
            op.f("fk_transition_requests_from_version_id_model_versions"), type_="foreignkey"
        )
        for column in ("comment", "check_outcome", "test_version_id", "condition"):
            batch.drop_column(column)
        batch.drop_column("from_version_id")
    with op.batch_alter_table("model_aliases") as batch:
        batch.drop_column("updated_by")
    with op.batch_alter_table("model_versions") as batch:
        for column in ("created_by", "tags", "artifact_name"):
            batch.drop_column(column)
    with op.batch_alter_table("registered_models") as batch:
        batch.drop_column("tags")
