"""PostgreSQL: the run of every metric point and rollup row checked once per statement,
not once per row.

A foreign key makes PostgreSQL look its row up in ``runs`` for every row inserted: about
half of what a long metric history costs the server to take (a hundred thousand points,
and a third as many rollup rows, per cell). The foreign keys of ``metrics`` and
``metric_rollups`` to ``runs`` become triggers that keep the same rules a statement at a
time:

- rows inserted (or given another run) must name runs that exist, which are locked
  (``FOR KEY SHARE``, as the foreign key does) so that none is deleted before the writer
  commits;
- deleting runs deletes their points and rollup rows (the foreign key's ``ON DELETE
  CASCADE``), truncating ``runs`` truncates them too, and a run's id cannot change while
  points name it.

SQLite keeps its foreign keys: it checks them for little, and has no statement triggers
with the rows of the statement.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("metrics", "metric_rollups")

_CHECK_ADDED = """
CREATE FUNCTION mlops_runs_of_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named text[] := ARRAY(SELECT DISTINCT run_id FROM added);
    locked integer;
BEGIN
    -- Lock the runs (a deleter waits for the commit); one that is missing, or was deleted
    -- meanwhile, is not locked.
    PERFORM 1 FROM runs WHERE id = ANY (named) FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < cardinality(named) THEN
        RAISE foreign_key_violation USING
            MESSAGE = format(
                'insert or update on table "%s" names a run not in table "runs" (of %s)',
                TG_TABLE_NAME, array_to_string(named, ', ')
            );
    END IF;
    RETURN NULL;
END $$
"""

_CHECK_CHANGED = """
CREATE FUNCTION mlops_run_of_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM runs WHERE id = NEW.run_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format(
                'update on table "%s" names run %L, which is not in table "runs"',
                TG_TABLE_NAME, NEW.run_id
            );
    END IF;
    RETURN NULL;
END $$
"""

_DELETE_POINTS = """
CREATE FUNCTION mlops_delete_points_of_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metrics WHERE run_id IN (SELECT id FROM removed);
    DELETE FROM metric_rollups WHERE run_id IN (SELECT id FROM removed);
    RETURN NULL;
END $$
"""

_TRUNCATE_POINTS = """
CREATE FUNCTION mlops_truncate_points() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE metrics, metric_rollups;
    RETURN NULL;
END $$
"""

_KEEP_RUN_IDS = """
CREATE FUNCTION mlops_keep_run_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM metrics WHERE run_id = OLD.id)
        OR EXISTS (SELECT 1 FROM metric_rollups WHERE run_id = OLD.id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('run %L has metric points: its id cannot change', OLD.id);
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in (_CHECK_ADDED, _CHECK_CHANGED, _DELETE_POINTS, _TRUNCATE_POINTS):
        op.execute(statement)
    op.execute(_KEEP_RUN_IDS)
    for table in TABLES:
        op.drop_constraint(f"fk_{table}_run_id_runs", table, type_="foreignkey")
        op.execute(
            f"CREATE TRIGGER {table}_runs_of_added AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
            "EXECUTE FUNCTION mlops_runs_of_added()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_run_of_changed AFTER UPDATE OF run_id ON {table} "
            "FOR EACH ROW WHEN (OLD.run_id IS DISTINCT FROM NEW.run_id) "
            "EXECUTE FUNCTION mlops_run_of_changed()"
        )
    op.execute(
        "CREATE TRIGGER runs_delete_points AFTER DELETE ON runs "
        "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
        "EXECUTE FUNCTION mlops_delete_points_of_runs()"
    )
    op.execute(
        "CREATE TRIGGER runs_truncate_points AFTER TRUNCATE ON runs "
        "FOR EACH STATEMENT EXECUTE FUNCTION mlops_truncate_points()"
    )
    op.execute(
        "CREATE TRIGGER runs_keep_ids_of_points AFTER UPDATE OF id ON runs "
        "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
        "EXECUTE FUNCTION mlops_keep_run_ids()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in ("runs_delete_points", "runs_truncate_points", "runs_keep_ids_of_points"):
        op.execute(f"DROP TRIGGER {trigger} ON runs")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_runs_of_added ON {table}")
        op.execute(f"DROP TRIGGER {table}_run_of_changed ON {table}")
        op.create_foreign_key(
            f"fk_{table}_run_id_runs", table, "runs", ["run_id"], ["id"], ondelete="CASCADE"
        )
    for function in (
        "mlops_runs_of_added",
        "mlops_run_of_changed",
        "mlops_delete_points_of_runs",
        "mlops_truncate_points",
        "mlops_keep_run_ids",
    ):
        op.execute(f"DROP FUNCTION {function}()")
