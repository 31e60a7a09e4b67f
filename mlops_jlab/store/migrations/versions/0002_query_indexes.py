"""Indexes for the hot queries: ordered top-k and filters over runs, one run's metric
history, lineage walks in both directions.

The (key, value, run_id) indexes of params, latest metrics and tags serve both ways a
filter runs: collecting the few runs that match (covering, no table lookups) and reading
runs in the order of a sort key until a page is full.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_runs_start_time": ("runs", ["start_time"]),
    "ix_runs_experiment_start": ("runs", ["experiment_id", "start_time"]),
    "ix_runs_status": ("runs", ["status"]),
    "ix_runs_parent": ("runs", ["parent_id"]),
    "ix_runs_job": ("runs", ["job_id"]),
    "ix_params_key_num": ("params", ["key", "value_num", "value", "run_id"]),
    "ix_params_key_value": ("params", ["key", "value", "run_id"]),
    "ix_metrics_run_key_step": ("metrics", ["run_id", "key", "step"]),
    "ix_latest_metrics_key_value": ("latest_metrics", ["key", "value", "run_id"]),
    "ix_tags_key_value": ("tags", ["key", "value", "run_id"]),
    "ix_run_artifacts_digest": ("run_artifacts", ["digest"]),
    "ix_dataset_versions_dataset": ("dataset_versions", ["dataset_id", "created_at"]),
    "ix_lineage_run": ("lineage_events", ["run_id", "direction"]),
    "ix_lineage_entity": ("lineage_events", ["entity_kind", "entity_id"]),
    "ix_model_versions_run": ("model_versions", ["run_id"]),
    "ix_transition_requests_version": ("transition_requests", ["model_version_id"]),
    "ix_jobs_pipeline_created": ("jobs", ["pipeline_id", "created_at"]),
    "ix_jobs_status": ("jobs", ["status"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
