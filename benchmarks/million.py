"""The 1M-run store the benchmarks of the runs table query, on SQLite and on PostgreSQL.

1,000,000 finished training runs of ``common.synthetic_runs`` (5 params and 3 metrics each;
one in :data:`RARE_EVERY` has a param the others lack), named ``train-<n>``, in three
experiments (``churn`` about 70% of the runs, ``pricing`` 20%, ``ablation`` 10%), written
with the functions the tracking API writes with (``mlops_jlab.store.writes``),
:data:`TRANSACTION` runs per transaction. Groups of
:data:`RUNS_PER_VERSION` runs read the train split of an increment of a data pipeline
(ingest, clean, split runs of their own); a pipeline has :data:`INCREMENTS` increments, each
a newer version of the same train dataset, so the runs of all but a pipeline's last increment
are stale: about 90% of the runs.

The PostgreSQL store holds the same rows: they are copied from the SQLite store with ``COPY``
(seeding only: the tracking path writes each run by its statements), then vacuumed and
analyzed as autovacuum would have done on a store this size.

Both are cached under ``~/.cache/mlops-jlab-bench/``, keyed by the store's migration head and
the seeder's parameters: the SQLite file, and PostgreSQL's data directory (copied out to a
scratch folder the server's user can reach, and started, when a benchmark asks for it).

Usage: python benchmarks/million.py [--runs N] [--kind sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import pwd
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import common
import sqlalchemy as sa

from mlops_jlab.config import StoreLocation
from mlops_jlab.store import open_store, writes
from mlops_jlab.store.migrate import HEAD
from mlops_jlab.store.tables import Base

CACHE = Path.home() / ".cache" / "mlops-jlab-bench"
RUNS = 1_000_000
T0 = 1_700_000_000_000  # epoch ms of the first run
TRANSACTION = 5_000  # runs per write transaction while seeding
RUNS_PER_VERSION = 300  # training runs that read one train split
INCREMENTS = 10  # versions of a pipeline's train split (each increment replaces the last)
# Experiments and the share of runs in each, by run number modulo 10.
EXPERIMENTS = {"churn": range(0, 7), "pricing": range(7, 9), "ablation": range(9, 10)}
HISTORY_KEY = "train_loss"
# One run in this many has a param the others lack (an ordering by it: a key most runs miss).
RARE_EVERY = 1_000
RARE_PARAM = "warm_start"
# What the stores are made of: a change to it is a new store, not the cached one.
SEEDER_VERSION = 1


def experiment_of(index: int) -> str:
    """The experiment of training run number ``index``."""
    return next(name for name, share in EXPERIMENTS.items() if index % 10 in share)


# --- seeding ------------------------------------------------------------------------------


class Seeder:
    """Writes runs, params, metrics, dataset versions and lineage events with the functions
    the tracking API writes them with (``mlops_jlab.store.writes``), many runs per
    transaction, into a new SQLite store at ``folder / name``."""

    def __init__(self, folder: Path, name: str = "store"):
        self.location = StoreLocation(
            f"sqlite:///{folder / name / 'mlops.sqlite'}", str(folder / name / "artifacts"), "bench"
        )
        self.store = open_store(self.location)  # a new store: the migrations run
        self.rng = random.Random(5)
        self.clock = T0
        self.environment = {
            "hash": f"{self.rng.getrandbits(128):032x}",
            "python_version": "3.11.7",
            "platform": "Linux-x86_64",
            "packages": {"scikit-learn": "1.5.2", "pandas": "2.2.3", "numpy": "2.1.3"},
        }
        with self.store.write() as conn:
            writes.ensure_environment(conn, self.environment)
            self.experiments = {name: writes.ensure_experiment(conn, name) for name in EXPERIMENTS}
        self.runs = 0

    @contextmanager
    def write(self) -> Iterator[Any]:
        """A write transaction of the store with a page cache of 256 MB on its connection
        (SQLite's default of 2 MB makes every insert into the big indexes read the disk)."""
        with self.store.write() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            yield conn

    def tick(self) -> int:
        self.clock += 1000
        return self.clock

    def insert_run(self, conn, name: str, experiment: str = "churn") -> tuple[str, int]:
        """A finished run as ``ml.start_run`` records one (kind ``script``, its user, host,
        process and environment), with a random id."""
        started = self.tick()
        new_id = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
        writes.insert_run(
            conn,
            {
                "id": new_id,
                "experiment_id": self.experiments[experiment],
                "name": name,
                "kind": "script",
                "status": "finished",
                "start_time": started,
                "end_time": started + 500,
                "heartbeat": started + 500,
                "user": "bench",
                "host": "bench-host",
                "pid": 4242,
                "environment_hash": self.environment["hash"],
            },
        )
        self.runs += 1
        return new_id, started

    def version(self, conn, dataset: str, parent: int | None, n_rows: int) -> int:
        description = {
            "schema": [
                {"name": "customer_id", "dtype": "int64"},
                {"name": "tenure", "dtype": "float64"},
                {"name": "plan", "dtype": "object"},
                {"name": "churned", "dtype": "bool"},
            ],
            "n_rows": n_rows,
            "n_columns": 4,
        }
        version_id = writes.ensure_dataset_version(
            conn, dataset, f"{self.rng.getrandbits(128):032x}", description, source=dataset
        )
        if parent is not None:
            conn.execute(
                writes.VERSIONS.update()
                .where(writes.VERSIONS.c.id == version_id)
                .values(parent_version_id=parent)
            )
        return version_id

    def pipeline(self, conn, group: int, previous_clean: int | None) -> tuple[int, int, int]:
        """One increment of a data pipeline: an ingest run reads a lake extract and writes
        the raw version; a clean run reads it and the previous clean version and writes the
        new clean version (derived from raw); a split run writes train and test (derived
        from clean). Returns the ids of the clean, train and test versions."""
        project = group // INCREMENTS
        events = self.version(conn, f"lake/events-{project}", None, 1_000_000)
        raw = self.version(conn, f"data/raw-{project}.parquet", None, 100_000)
        ingest, _ = self.insert_run(conn, f"ingest-{group}")
        writes.insert_lineage(
            conn,
            ingest,
            [("dataset_version", str(events), "INPUT"), ("dataset_version", str(raw), "OUTPUT")],
        )
        clean = self.version(conn, f"data/clean-{project}.parquet", raw, 90_000)
        cleaning, _ = self.insert_run(conn, f"clean-{group}")
        reads = [("dataset_version", str(raw), "INPUT")]
        if previous_clean is not None:
            reads.append(("dataset_version", str(previous_clean), "INPUT"))
        writes.insert_lineage(conn, cleaning, [*reads, ("dataset_version", str(clean), "OUTPUT")])
        train = self.version(conn, f"data/train-{project}.parquet", clean, 72_000)
        test = self.version(conn, f"data/test-{project}.parquet", clean, 18_000)
        split, _ = self.insert_run(conn, f"split-{group}")
        writes.insert_lineage(
            conn,
            split,
            [
                ("dataset_version", str(clean), "INPUT"),
                ("dataset_version", str(train), "OUTPUT"),
                ("dataset_version", str(test), "OUTPUT"),
            ],
        )
        return clean, train, test

    def training_runs(self, n: int, lineage: bool = True) -> dict[str, Any]:
        """``n`` training runs of ``common.synthetic_runs``; with ``lineage``, each group of
        :data:`RUNS_PER_VERSION` runs reads the train split of its own pipeline increment.
        Returns what the benchmarks look up: the last pipeline's train version and a run
        that read it, the first clean version."""
        runs = common.synthetic_runs(n)
        found: dict[str, Any] = {"groups": 0}
        previous_clean = train = None
        index = 0
        while batch := list(islice(runs, TRANSACTION)):
            with self.write() as conn:
                for params, metrics in batch:
                    if lineage and index % RUNS_PER_VERSION == 0:
                        group = index // RUNS_PER_VERSION
                        fresh = group % INCREMENTS == 0
                        previous_clean, train, _ = self.pipeline(
                            conn, group, None if fresh else previous_clean
                        )
                        found["groups"] = group + 1
                        found.setdefault("first_clean", previous_clean)
                    new_id, started = self.insert_run(conn, f"train-{index}", experiment_of(index))
                    if index % RARE_EVERY == 0:
                        params = params | {RARE_PARAM: str(index // RARE_EVERY)}
                    writes.insert_params(conn, new_id, params)
                    writes.insert_metrics(
                        conn, new_id, [(k, v, 0, started + 400) for k, v in metrics.items()]
                    )
                    if lineage:
                        writes.insert_lineage(
                            conn, new_id, [("dataset_version", str(train), "INPUT")]
                        )
                        if index % RUNS_PER_VERSION == 0:
                            found["train"], found["train_reader"] = train, new_id
                    index += 1
        return found

    def long_history(self, points: int) -> str:
        """One finished run with a metric logged at every step from 0 to ``points - 1``."""
        with self.store.write() as conn:
            new_id, started = self.insert_run(conn, "long-training")
        rng = random.Random(3)
        chunk = 100_000
        for first in range(0, points, chunk):
            with self.write() as conn:
                writes.insert_metrics(
                    conn,
                    new_id,
                    [
                        (HISTORY_KEY, 2.0 / math.sqrt(1 + step / 1000) + rng.gauss(0, 0.02),
                         step, started + step)
                        for step in range(first, min(points, first + chunk))
                    ],
                )  # fmt: skip
        return new_id


# --- the cache ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """A cached store: where it is and what the seeder wrote into it."""

    folder: Path
    facts: dict[str, Any]  # counts, seconds, bytes, the ids the benchmarks look up

    @property
    def sqlite(self) -> Path:
        return self.folder / "store" / "mlops.sqlite"

    @property
    def pgdata(self) -> Path:
        return self.folder / "pgdata"


def cache_folder(runs: int, head: str = HEAD) -> Path:
    """The cache's folder for a store of ``runs`` training runs at migration ``head``."""
    key = json.dumps(
        {
            "seeder": SEEDER_VERSION,
            "runs": runs,
            "per_version": RUNS_PER_VERSION,
            "increments": INCREMENTS,
            "rare_every": RARE_EVERY,
            "transaction": TRANSACTION,
            "experiments": {name: list(share) for name, share in EXPERIMENTS.items()},
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return CACHE / f"runs-{runs}-{digest}" / f"head-{head}"


def _facts_path(folder: Path) -> Path:
    return folder / "facts.json"


def seed_sqlite(runs: int) -> Seeded:
    """The cached SQLite store of ``runs`` training runs, seeded first when absent; or,
    when the cache holds it at an earlier migration head, a copy of that one brought to
    this head by opening it (the migrations run, as on a user's store)."""
    folder = cache_folder(runs)
    if _facts_path(folder).exists():
        return Seeded(folder, json.loads(_facts_path(folder).read_text()))
    shutil.rmtree(folder, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="seeding-", dir=CACHE))
    earlier = sorted(
        (path for path in folder.parent.glob("head-*") if _facts_path(path).exists()),
        key=lambda path: path.name,
    )
    try:
        started = time.perf_counter()
        if earlier:
            facts = json.loads(_facts_path(earlier[-1]).read_text())
            facts = {k: v for k, v in facts.items() if not k.startswith("postgresql")}
            copied = scratch / "store" / "mlops.sqlite"
            copied.parent.mkdir()
            shutil.copyfile(earlier[-1] / "store" / "mlops.sqlite", copied)
            location = StoreLocation(f"sqlite:///{copied}", str(scratch / "artifacts"), "bench")
            open_store(location).dispose()
            facts["migrated_from_head"] = earlier[-1].name.removeprefix("head-")
            facts["migration_seconds"] = round(time.perf_counter() - started, 1)
        else:
            seeder = Seeder(scratch)
            facts = seeder.training_runs(runs)
            seeder.store.dispose()
            location = seeder.location
            seconds = time.perf_counter() - started
            facts |= {"training_runs": runs, "sqlite_seed_seconds": round(seconds, 1)}
        facts |= counts(location)
        database = Path(location.db_url.removeprefix("sqlite:///"))
        checkpoint(database)
        facts["sqlite_bytes"] = database.stat().st_size
        facts["sqlite_bytes_per_run"] = round(facts["sqlite_bytes"] / facts["runs"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(scratch / "store", folder / "store")
        _facts_path(folder).write_text(json.dumps(facts, indent=2) + "\n")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Seeded(folder, facts)


def checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the database file, so its size is the store's."""
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def counts(location: StoreLocation) -> dict[str, int]:
    """Rows of the store's tables, and its stale runs as the rule counts them."""
    tables = ["runs", "params", "metrics", "latest_metrics", "metric_rollups"]
    tables += ["dataset_versions", "lineage_events"]
    store = open_store(location)
    try:
        with store.read() as conn:
            found = {
                table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                for table in tables
            }
    finally:
        store.dispose()
    return found


def _postgres_user() -> tuple[int, int] | None:
    """The uid and gid PostgreSQL runs as when the benchmark runs as root, else None."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _scratch_for_postgres() -> Path:
    """A new folder the server's user owns (PostgreSQL refuses to run as root)."""
    scratch = Path(tempfile.mkdtemp(prefix="million-pg-"))
    owner = _postgres_user()
    if owner is not None:
        os.chown(scratch, *owner)
    return scratch


def seed_postgres(runs: int) -> Seeded:
    """The cached PostgreSQL data directory holding the SQLite store's rows, made first
    when absent (the SQLite store too)."""
    seeded = seed_sqlite(runs)
    if seeded.pgdata.exists() and "postgresql_bytes" in seeded.facts:
        return seeded
    scratch = _scratch_for_postgres()
    try:
        data = scratch / "pgdata"
        started = time.perf_counter()
        with common.postgres_server(data) as base:
            copy_to_postgres(seeded.sqlite, base)
            with sa.create_engine(f"{base}/postgres").connect() as conn:
                size = conn.exec_driver_sql("SELECT pg_database_size('bench')").scalar_one()
        seconds = time.perf_counter() - started
        shutil.rmtree(seeded.pgdata, ignore_errors=True)
        subprocess.run(["cp", "-a", str(data), str(seeded.pgdata)], check=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    facts = seeded.facts | {
        "postgresql_seed_seconds": round(seconds, 1),
        "postgresql_bytes": size,
        "postgresql_bytes_per_run": round(size / seeded.facts["runs"]),
    }
    _facts_path(seeded.folder).write_text(json.dumps(facts, indent=2) + "\n")
    return Seeded(seeded.folder, facts)


def copy_to_postgres(sqlite_file: Path, base: str) -> None:
    """Create database ``bench`` at ``base``, migrate it (opening it as a store does) and
    copy every table of the SQLite store into it with ``COPY``; then set its sequences past
    the copied ids and vacuum and analyze it."""
    import sqlite3

    with sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE bench")
    location = StoreLocation(f"{base}/bench", "/nonexistent-artifacts", "bench")
    open_store(location).dispose()  # the migrations run
    source = sqlite3.connect(sqlite_file)
    engine = sa.create_engine(f"{base}/bench")
    try:
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            for table in Base.metadata.sorted_tables:
                columns = [column.name for column in table.columns]
                quoted = ", ".join(f'"{name}"' for name in columns)
                rows = source.execute(f'SELECT {quoted} FROM "{table.name}"')
                with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    while chunk := rows.fetchmany(50_000):
                        for row in chunk:
                            copy.write_row(row)
                sequence = None
                if "id" in table.c:
                    sequence = conn.exec_driver_sql(
                        f"SELECT pg_get_serial_sequence('{table.name}', 'id')"
                    ).scalar()
                if sequence is not None:
                    # The next id a writer takes follows the copied ones.
                    conn.exec_driver_sql(
                        f"SELECT setval('{sequence}', coalesce(max(id), 0) + 1, false) "
                        f'FROM "{table.name}"'
                    )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    finally:
        source.close()
        engine.dispose()


@contextmanager
def postgres_copy(seeded: Seeded) -> Iterator[str]:
    """A PostgreSQL server on a copy of the cached data directory; yields the store's URL.
    The copy is removed when the server stops, so the cache stays as it was seeded."""
    scratch = _scratch_for_postgres()
    try:
        data = scratch / "pgdata"
        subprocess.run(["cp", "-a", str(seeded.pgdata), str(data)], check=True)
        with common.postgres_server(data) as base:
            yield f"{base}/bench"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def sqlite_copy(seeded: Seeded, folder: Path) -> StoreLocation:
    """A copy of the cached SQLite store in ``folder`` (what the benchmarks write to, such
    as the writer's runs, leaves the cache as it was seeded)."""
    target = folder / "store"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded.sqlite, target / "mlops.sqlite")
    return StoreLocation(f"sqlite:///{target / 'mlops.sqlite'}", str(target / "artifacts"), "bench")


@contextmanager
def store(kind: str, runs: int = RUNS, folder: Path | None = None) -> Iterator[StoreLocation]:
    """A store of ``runs`` training runs (seeded, or from the cache), as a context manager:
    ``kind`` ``"sqlite"`` (a copy of the cached file in ``folder``, a new temporary folder
    when None) or ``"postgresql"`` (a server on a copy of the cached data directory, stopped
    on the way out). Its facts (:func:`facts`) say what it holds."""
    if kind == "sqlite":
        seeded = seed_sqlite(runs)
        with tempfile.TemporaryDirectory() as tmp:
            yield sqlite_copy(seeded, folder or Path(tmp))
    elif kind == "postgresql":
        seeded = seed_postgres(runs)
        with postgres_copy(seeded) as url:
            yield StoreLocation(url, str((folder or CACHE) / "pg-artifacts"), "bench")
    else:
        raise ValueError(f"kind is 'sqlite' or 'postgresql', not {kind!r}")


def facts(runs: int = RUNS) -> dict[str, Any]:
    """What the seeder wrote into the cached store of ``runs`` runs: counts, seeding seconds,
    bytes and bytes per run on each database seeded so far, the ids benchmarks look up."""
    folder = cache_folder(runs)
    return json.loads(_facts_path(folder).read_text()) if _facts_path(folder).exists() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--kind", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.ERROR)
    seeded = seed_sqlite(args.runs)
    if args.kind != "sqlite":
        seeded = seed_postgres(args.runs)
    print(json.dumps(seeded.facts, indent=2))


if __name__ == "__main__":
    main()
