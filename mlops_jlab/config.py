"""Where the store lives: one resolution rule shared by kernels, the server, jobs and the CLI.

First match wins:

1. ``MLOPS_JLAB_DB_URL`` (any SQLAlchemy URL) and ``MLOPS_JLAB_ARTIFACTS`` (a path or an
   fsspec URL);
2. the nearest ``.mlops/`` folder from the start directory upward, the way git finds ``.git``;
3. a new ``.mlops/`` in the start directory (the server passes its root directory, a kernel
   or the CLI its current directory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DB_URL_ENV = "MLOPS_JLAB_DB_URL"
ARTIFACTS_ENV = "MLOPS_JLAB_ARTIFACTS"
# Seconds without a heartbeat after which a run of another host counts as crashed.
HEARTBEAT_GRACE_ENV = "MLOPS_JLAB_HEARTBEAT_GRACE"
# A kernel's notebook (papermill jobs, plain kernels) and, in a job, the path its runs
# record instead (the pipeline's notebook, not the job's copy of its snapshot).
NOTEBOOK_ENV = "MLOPS_JLAB_NOTEBOOK"
NOTEBOOK_AS_ENV = "MLOPS_JLAB_NOTEBOOK_AS"
# In a job's kernel: the job its runs belong to, and the parameters it was given (JSON).
JOB_ID_ENV = "MLOPS_JLAB_JOB_ID"
JOB_PARAMETERS_ENV = "MLOPS_JLAB_JOB_PARAMETERS"
STORE_DIRNAME = ".mlops"
SQLITE_FILENAME = "mlops.sqlite"
ARTIFACTS_DIRNAME = "artifacts"


@dataclass(frozen=True)
class StoreLocation:
    """A resolved store: the database URL, the artifact root and how they were found."""

    db_url: str
    artifacts: str
    source: str

    def environment(self) -> dict[str, str]:
        """The variables that make another process (kernel, job) resolve this same store."""
        return {DB_URL_ENV: self.db_url, ARTIFACTS_ENV: self.artifacts}


def find_store_dir(start: Path) -> Path | None:
    """Return the nearest ``.mlops`` folder at or above ``start``, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / STORE_DIRNAME
        if candidate.is_dir():
            return candidate
    return None


_SQLITE_PREFIX = "sqlite:///"


def _sqlite_url(path: Path) -> str:
    return f"{_SQLITE_PREFIX}{path}"


def sqlite_file(db_url: str) -> str | None:
    """The database file a SQLite URL names (as written, without the URL's query); None
    for an in-memory database or another kind of database."""
    if not db_url.startswith(_SQLITE_PREFIX):
        return None
    path = db_url.removeprefix(_SQLITE_PREFIX).partition("?")[0]
    return path if path and path != ":memory:" else None


def default_artifacts(db_url: str, base: Path) -> str:
    """Artifacts beside a SQLite file (``db_url`` made :func:`absolute` first); for a
    server database, in ``base/.mlops``."""
    database = sqlite_file(db_url)
    if database is not None:
        return str(Path(database).parent / ARTIFACTS_DIRNAME)
    return str(base.resolve() / STORE_DIRNAME / ARTIFACTS_DIRNAME)


def absolute(location: str, base: Path) -> str:
    """A SQLite URL or artifact folder made absolute against ``base``: a kernel that changes
    folder, or a job started elsewhere, must still find the same store. Other URLs as they are.
    """
    if location.startswith(_SQLITE_PREFIX):
        path = sqlite_file(location)
        if path is not None and not Path(path).is_absolute():
            query_mark, query = location.partition("?")[1:]
            return f"{_sqlite_url((base / path).resolve())}{query_mark}{query}"
        return location
    if "://" in location or "::" in location or Path(location).is_absolute():
        return location
    return str((base / location).resolve())


def project_folder(location: StoreLocation) -> Path | None:
    """The folder holding a SQLite store's ``.mlops`` folder: datasets inside it are named
    by their path relative to it, so the names mean the same on every machine."""
    path = sqlite_file(location.db_url)
    if path is None:
        return None
    database = Path(path)
    if database.parent.name != STORE_DIRNAME:
        return None
    return database.parent.parent


def resolve_store(start: str | os.PathLike[str] | None = None) -> StoreLocation:
    """Resolve the store for a process whose working folder (or server root) is ``start``.

    Parameters
    ----------
    start
        Folder to search from; defaults to the current directory.

    Returns
    -------
    StoreLocation
        The database URL and artifact root. A new ``.mlops`` folder is not created here:
        opening the store does that, so resolving has no side effects.
    """
    env_url = os.environ.get(DB_URL_ENV)
    env_artifacts = os.environ.get(ARTIFACTS_ENV)
    base = Path(start) if start is not None else Path.cwd()
    artifacts = absolute(env_artifacts, base) if env_artifacts else None
    if env_url:
        db_url = absolute(env_url, base)
        return StoreLocation(db_url, artifacts or default_artifacts(db_url, base), f"${DB_URL_ENV}")
    store_dir = find_store_dir(base)
    source = "found"
    if store_dir is None:
        store_dir = base.resolve() / STORE_DIRNAME
        source = "new"
    artifacts = artifacts or str(store_dir / ARTIFACTS_DIRNAME)
    return StoreLocation(
        _sqlite_url(store_dir / SQLITE_FILENAME), artifacts, f"{source} {store_dir}"
    )


def heartbeat_grace() -> float:
    """The grace period in seconds: ``$MLOPS_JLAB_HEARTBEAT_GRACE``, else the default."""
    from mlops_jlab.rules import DEFAULT_HEARTBEAT_GRACE, check_grace

    given = os.environ.get(HEARTBEAT_GRACE_ENV)
    if not given:
        return float(DEFAULT_HEARTBEAT_GRACE)
    return check_grace(given, f"${HEARTBEAT_GRACE_ENV}")
