"""A store made before variables' datasets were scoped to their notebook is re-scoped when
it is opened, on SQLite and PostgreSQL, and its runs' staleness follows."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from mlops_jlab.datasets import profiling
from mlops_jlab.lineage import stale_runs
from mlops_jlab.store import migrate
from mlops_jlab.store.tables import DATASETS, EVENTS, EXPERIMENTS, RUNS, VERSIONS
from mlops_jlab.tracking import Tracker


def _run(conn, run_id: str, notebook: str | None, start: int) -> None:
    conn.execute(
        RUNS.insert().values(
            id=run_id,
            experiment_id=1,
            name=run_id,
            kind="cell" if notebook else "script",
            status="finished",
            start_time=start,
            end_time=start + 1,
            notebook_path=notebook,
        )
    )


def _version(conn, dataset_id: int, frame: pd.DataFrame, fingerprint: str, at: int) -> int:
    described = profiling.describe(frame)
    return conn.execute(
        VERSIONS.insert()
        .values(
            dataset_id=dataset_id,
            fingerprint=fingerprint,
            schema=described["schema"],
            n_rows=described["n_rows"],
            n_columns=described["n_columns"],
            profile=described["profile"],
            created_at=at,
        )
        .returning(VERSIONS.c.id)
    ).scalar_one()


def _event(conn, run_id: str, version_id: int, direction: str, at: int) -> None:
    conn.execute(
        EVENTS.insert().values(
            run_id=run_id,
            entity_kind="dataset_version",
            entity_id=str(version_id),
            direction=direction,
            created_at=at,
        )
    )


def test_variables_of_two_notebooks_become_datasets_of_their_own(location):
    # Given a store at the revision before scoping, written the way that code wrote it:
    # iris.ipynb and wine.ipynb both made an X_train, which became v1 and v2 of one
    # dataset, so iris's run read as stale; a script used the same name; and a file
    engine = sa.create_engine(location.db_url)
    migrate.upgrade(engine, engine.dialect.name, "0006")
    iris = pd.DataFrame({f"c{i}": [1.0, 2.0] for i in range(4)})
    wine = pd.DataFrame({f"w{i}": [3.0] for i in range(13)})
    with engine.begin() as conn:
        conn.execute(EXPERIMENTS.insert().values(id=1, name="e", created_at=1))
        _run(conn, "iris-split", "iris.ipynb", 10)
        _run(conn, "iris-fit", "iris.ipynb", 20)
        _run(conn, "wine-split", "wine.ipynb", 30)
        _run(conn, "script", None, 40)
        shared = conn.execute(
            DATASETS.insert().values(name="X_train", created_at=10).returning(DATASETS.c.id)
        ).scalar_one()
        csv = conn.execute(
            DATASETS.insert()
            .values(name="data/x.csv", source="/p/data/x.csv", created_at=5)
            .returning(DATASETS.c.id)
        ).scalar_one()
        v1 = _version(conn, shared, iris, "a" * 32, 10)
        v2 = _version(conn, shared, wine, "b" * 32, 30)
        raw = _version(conn, csv, iris, "c" * 32, 5)
        _event(conn, "iris-split", raw, "INPUT", 10)
        _event(conn, "iris-split", v1, "OUTPUT", 10)
        _event(conn, "iris-fit", v1, "INPUT", 20)
        _event(conn, "wine-split", v2, "OUTPUT", 30)
        _event(conn, "script", v2, "INPUT", 40)
    with engine.connect() as conn:
        assert "iris-fit" in stale_runs(conn)
    engine.dispose()
    # When the current package opens it
    tracker = Tracker(location)
    store = tracker.store
    # Then each notebook's X_train is a dataset of its own, holding what that notebook made
    iris_versions = tracker.dataset_versions("iris.ipynb:X_train")
    wine_versions = tracker.dataset_versions("wine.ipynb:X_train")
    assert list(iris_versions["n_columns"]) == [4]
    assert list(wine_versions["n_columns"]) == [13]
    # And what a script used stays under the name it had; the file is untouched
    assert list(tracker.dataset_versions("X_train")["n_columns"]) == [13]
    assert list(tracker.dataset_versions("data/x.csv")["fingerprint"]) == ["c" * 32]
    # And the lineage follows: iris's runs read and wrote iris's X_train, and no run is
    # stale any more (iris's X_train has one version, wine's too)
    with store.read() as conn:
        linked = conn.execute(
            sa.select(EVENTS.c.run_id, DATASETS.c.name)
            .join(VERSIONS, sa.cast(VERSIONS.c.id, sa.String) == EVENTS.c.entity_id)
            .join(DATASETS, DATASETS.c.id == VERSIONS.c.dataset_id)
            .where(EVENTS.c.entity_kind == "dataset_version")
        ).all()
        assert sorted(linked) == [
            ("iris-fit", "iris.ipynb:X_train"),
            ("iris-split", "data/x.csv"),
            ("iris-split", "iris.ipynb:X_train"),
            ("script", "X_train"),
            ("wine-split", "wine.ipynb:X_train"),
        ]
        assert stale_runs(conn) == {}
    store.dispose()
