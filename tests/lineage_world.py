"""A lineage written into a store, for the lineage, staleness and export tests: the
``world`` fixture (a :class:`Lineage` on the test's store) and the ``pipeline`` fixture,
loaded for every test module by ``conftest.py``.

The rows are written straight to the store (runs through the tracking API), on SQLite
and on PostgreSQL, with a clock of the test's own so that "newer" never depends on how
fast the machine is.
"""

from __future__ import annotations

import itertools
import types
import uuid

import pytest
import sqlalchemy as sa

from mlops_jlab.store.tables import (
    RUNS,
    Artifact,
    Dataset,
    DatasetVersion,
    LineageEvent,
    ModelVersion,
    RegisteredModel,
    RunArtifact,
)

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z


class Lineage:
    """Writes a lineage into the store: runs, dataset versions, artifacts, model versions
    and the events between them, each a second after the last."""

    def __init__(self, tracker):
        self.tracker = tracker
        self.store = tracker.store
        self.clock = itertools.count(T0, 1000)

    def run(
        self,
        name,
        *,
        status="finished",
        notebook=None,
        cell=None,
        code=None,
        error=None,
        parent=None,
    ):
        run = self.tracker.start_run(
            name,
            "lineage",
            kind="cell" if cell else "script",
            notebook_path=notebook,
            cell_id=cell,
            code=code,
            parent_id=parent,
        )
        if status != "running":
            run.end(status, error)
        started = next(self.clock)
        with self.store.write() as conn:
            conn.execute(
                RUNS.update()
                .where(RUNS.c.id == run.id)
                .values(start_time=started, end_time=None if status == "running" else started + 500)
            )
        return run.id

    def version(self, dataset, *, parent=None, schema=(), n_rows=None, fingerprint=None):
        """A new version of ``dataset``; returns its id."""
        datasets, versions = Dataset.__table__, DatasetVersion.__table__
        moment = next(self.clock)
        with self.store.write() as conn:
            dataset_id = conn.execute(
                sa.select(datasets.c.id).where(datasets.c.name == dataset)
            ).scalar()
            if dataset_id is None:
                dataset_id = conn.execute(
                    datasets.insert().values(name=dataset, created_at=moment)
                ).inserted_primary_key[0]
            return conn.execute(
                versions.insert().values(
                    dataset_id=dataset_id,
                    fingerprint=fingerprint or uuid.uuid4().hex,
                    schema=list(schema),
                    n_rows=n_rows,
                    n_columns=len(schema) if schema else None,
                    parent_version_id=parent,
                    created_at=moment,
                )
            ).inserted_primary_key[0]

    def event(self, run_id, kind, entity_id, direction):
        with self.store.write() as conn:
            conn.execute(
                LineageEvent.__table__.insert().values(
                    run_id=run_id,
                    entity_kind=kind,
                    entity_id=str(entity_id),
                    direction=direction,
                    created_at=next(self.clock),
                )
            )

    def read(self, run_id, version_id):
        self.event(run_id, "dataset_version", version_id, "INPUT")

    def wrote(self, run_id, version_id):
        self.event(run_id, "dataset_version", version_id, "OUTPUT")

    def artifact(self, run_id, name, kind="model", size=1234):
        """An artifact the run produced; returns its digest."""
        digest = uuid.uuid4().hex
        moment = next(self.clock)
        with self.store.write() as conn:
            conn.execute(
                Artifact.__table__.insert().values(
                    digest=digest, size=size, media_type="application/octet-stream",
                    created_at=moment,
                )
            )  # fmt: skip
            conn.execute(
                RunArtifact.__table__.insert().values(
                    run_id=run_id, name=name, digest=digest, kind=kind, created_at=moment
                )
            )
        self.event(run_id, "artifact", digest, "OUTPUT")
        return digest

    def model_version(self, model, run_id, digest):
        """Version 1 of registered model ``model``, registered by ``run_id``."""
        models, model_versions = RegisteredModel.__table__, ModelVersion.__table__
        moment = next(self.clock)
        with self.store.write() as conn:
            model_id = conn.execute(
                models.insert().values(name=model, created_at=moment, updated_at=moment)
            ).inserted_primary_key[0]
            version_id = conn.execute(
                model_versions.insert().values(
                    model_id=model_id,
                    version=1,
                    run_id=run_id,
                    artifact_digest=digest,
                    created_at=moment,
                )
            ).inserted_primary_key[0]
        self.event(run_id, "model_version", version_id, "OUTPUT")
        return version_id

    def delete(self, run_id):
        with self.store.write() as conn:
            conn.execute(
                RUNS.update().where(RUNS.c.id == run_id).values(deleted_at=next(self.clock))
            )

    def read_conn(self):
        return self.store.read()


@pytest.fixture
def world(tracker):
    return Lineage(tracker)


def node_of(graph, node_id):
    return next(node for node in graph["nodes"] if node["id"] == node_id)


def dv(version_id):
    return f"dataset_version:{version_id}"


def run_node(run_id):
    return f"run:{run_id}"


@pytest.fixture
def pipeline(world):
    """raw.csv -> clean (derived) -> train -> model artifact -> registered model, and an
    unrelated run on other data."""
    raw = world.version("data/raw.csv", schema=[{"name": "age", "dtype": "int64"}], n_rows=100)
    clean_run = world.run("clean", notebook="prep.ipynb", cell="c1", code="df = load()")
    world.read(clean_run, raw)
    clean = world.version("df_clean", parent=raw, n_rows=90)
    world.wrote(clean_run, clean)
    train_run = world.run("train", notebook="train.ipynb", cell="t1", code="fit(df_clean)")
    world.read(train_run, clean)
    model = world.artifact(train_run, "model.pkl")
    model_version = world.model_version("churn", train_run, model)
    other = world.version("data/other.csv")
    other_run = world.run("other")
    world.read(other_run, other)
    return types.SimpleNamespace(**locals())
