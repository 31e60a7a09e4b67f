"""Runs left ``running`` by a process that is gone (killed outright, its machine lost) are
marked ``crashed``, ending at their last heartbeat.

Whoever notices first marks them: the server's periodic sweep, the next tracker to open
the store, ``mlops-jlab check``. A run's process is gone when, on this host, it no longer
exists (or its id belongs to a newer process); a run of another host (or one written
before runs recorded their process) is taken for gone once its heartbeat is older than a
grace period. Each run is marked by an UPDATE that matches only the heartbeat it was
judged on, so two sweepers mark it once, and a run whose process wrote a heartbeat in the
meantime stays running.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab import processes
from mlops_jlab.store.tables import RUNS

if TYPE_CHECKING:
    from mlops_jlab.store.engine import Store


@dataclass(frozen=True)
class CrashedRun:
    """A run marked crashed: when it was last known alive (its end time now) and why."""

    run_id: str
    name: str
    pid: int | None
    host: str | None
    last_heartbeat: int
    reason: str


def _when(ms: int) -> str:
    moment = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _why_gone(
    row: sa.Row,
    last: int,
    now: int,
    grace_ms: float,
    host: str,
    alive: Callable[[int, int | None], bool],
) -> str | None:
    """Why the run's process is gone, or None while it may still be running it."""
    if row.host == host and row.pid is not None:
        if alive(row.pid, row.start_time):
            return None
        return (
            f"its process (pid {row.pid} on {host}) ended without ending the run; "
            f"last heartbeat {_when(last)} UTC"
        )
    if now - last <= grace_ms:
        return None
    where = f"pid {row.pid} on {row.host}" if row.host else "a process that recorded no host"
    return (
        f"no heartbeat from its process ({where}) since {_when(last)} UTC, more than "
        f"{grace_ms / 1000:g} s ago (the grace period, $MLOPS_JLAB_HEARTBEAT_GRACE)"
    )


def find_crashed_runs(
    conn: Connection,
    grace_seconds: float,
    *,
    now: int | None = None,
    alive: Callable[[int, int | None], bool] = processes.alive,
) -> list[CrashedRun]:
    """The running runs whose process is gone, without marking them (a read)."""
    now = time.time_ns() // 1_000_000 if now is None else now
    host = processes.this_host()
    rows = conn.execute(
        sa.select(
            RUNS.c.id,
            RUNS.c.name,
            RUNS.c.pid,
            RUNS.c.host,
            RUNS.c.heartbeat,
            RUNS.c.start_time,
        ).where(RUNS.c.status == "running")
    ).all()
    found = []
    for row in rows:
        last = row.heartbeat if row.heartbeat is not None else row.start_time
        reason = _why_gone(row, last, now, grace_seconds * 1000, host, alive)
        if reason is not None:
            found.append(CrashedRun(row.id, row.name, row.pid, row.host, last, reason))
    return found


_MARK = (
    RUNS.update()
    .where(
        RUNS.c.id == sa.bindparam("run_id"),
        RUNS.c.status == "running",
        sa.func.coalesce(RUNS.c.heartbeat, RUNS.c.start_time) == sa.bindparam("last"),
    )
    .values(status="crashed", end_time=sa.bindparam("last"), error=sa.bindparam("reason"))
)


def mark_crashed_runs(
    conn: Connection,
    grace_seconds: float,
    *,
    now: int | None = None,
    alive: Callable[[int, int | None], bool] = processes.alive,
) -> list[CrashedRun]:
    """Mark ``crashed``, in ``conn``'s transaction, the running runs whose process is gone,
    ending each at its last heartbeat with the reason as its error; returns those marked.

    Parameters
    ----------
    grace_seconds
        How long a run of another host may go without a heartbeat before it counts as
        crashed (see :func:`mlops_jlab.config.heartbeat_grace`).
    now
        The time to judge by, in epoch milliseconds (default: now).
    alive
        Whether a process of this host is running: ``alive(pid, run start)``.
    """
    marked = []
    for run in find_crashed_runs(conn, grace_seconds, now=now, alive=alive):
        changed = conn.execute(
            _MARK, {"run_id": run.run_id, "last": run.last_heartbeat, "reason": run.reason}
        ).rowcount
        if changed == 1:  # else another sweeper marked it, or its process was heard from
            marked.append(run)
    return marked


def sweep(store: Store, grace_seconds: float) -> list[CrashedRun]:
    """:func:`mark_crashed_runs` in a transaction of its own, after a read finds any: a
    store with none (nearly always) costs no write lock."""
    with store.read() as conn:
        if not find_crashed_runs(conn, grace_seconds):
            return []
    with store.write() as conn:
        return mark_crashed_runs(conn, grace_seconds)
