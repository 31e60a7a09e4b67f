"""The ``mlops-jlab`` command."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from mlops_jlab.config import StoreLocation, resolve_store, sqlite_file
from mlops_jlab.errors import InvalidInputError, MlopsError
from mlops_jlab.rules import DEFAULT_MAX_RUNNING_JOBS, DEFAULT_MISFIRE_GRACE


def _info(args: argparse.Namespace) -> int:
    from mlops_jlab._version import __version__
    from mlops_jlab.store import open_store
    from mlops_jlab.store.engine import mask_url
    from mlops_jlab.store.reads import counts

    location = resolve_store(args.folder)
    database = sqlite_file(location.db_url)
    if database is not None and not Path(database).exists():
        # Looking must not write: opening a store creates it.
        print(f"mlops-jlab {__version__}")
        print(f"no store found from {Path(args.folder).resolve()} or the folders above it")
        print(f"the first run, server or notebook here would make {Path(database).parent}")
        return 0
    store = open_store(location)
    with store.read() as conn:
        numbers = counts(conn)
    numbers.pop("runs_complete")  # counted whole here: the CLI may take its time
    print(f"mlops-jlab {__version__}")
    print(f"store:     {mask_url(location.db_url)} ({location.source})")
    print(f"artifacts: {location.artifacts}")
    print("counts:    " + ", ".join(f"{n} {what}" for what, n in numbers.items()))
    return 0


# --- check ------------------------------------------------------------------------------


@dataclass
class Finding:
    """What one step of ``mlops-jlab check`` found: whether all is well, and lines that say
    what it found and, when not, what to do."""

    ok: bool
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckStep:
    """A step of ``mlops-jlab check``. One that ``writes`` into the store is skipped when an
    earlier step found a problem: nothing is written into a damaged store."""

    name: str
    run: Callable[[StoreLocation, float], Finding]
    writes: bool = False


def _check_pages(location: StoreLocation) -> Finding:
    from mlops_jlab.store import integrity, open_store
    from mlops_jlab.store.failures import RESTORE_ADVICE

    database = sqlite_file(location.db_url)
    if database is None:
        open_store(location)  # reachable, and its schema current
        return Finding(
            True,
            [
                "not checked here: PostgreSQL checks each page as it reads it (with data "
                "checksums on); pg_amcheck checks a whole database"
            ],
        )
    started = time.perf_counter()
    found = integrity.check_file(Path(database))
    seconds = time.perf_counter() - started
    if not found:
        size = Path(database).stat().st_size / 1e6
        return Finding(True, [f"ok (SQLite's integrity_check, {size:.1f} MB in {seconds:.1f} s)"])
    return Finding(
        False,
        [
            f"DAMAGED: SQLite's integrity_check found {len(found)} problems"
            + (" (the first ones)" if len(found) >= integrity.MAX_PROBLEMS else ""),
            *(f"  {line}" for line in found),
            "what to do: the Jupyter server and kernels read and write it no more; "
            f"{RESTORE_ADVICE}",
        ],
    )


def _mark_crashed_runs(location: StoreLocation, grace: float) -> Finding:
    from mlops_jlab.store import open_store
    from mlops_jlab.store.crashes import sweep

    marked = sweep(open_store(location), grace)
    if not marked:
        return Finding(True, ["none left running by a process that is gone"])
    return Finding(
        True,
        [
            f"{len(marked)} left running by a process that is gone, marked crashed:",
            *(f"{run.run_id} {run.name}: {run.reason}" for run in marked),
        ],
    )


# The steps of `mlops-jlab check`, in order. A new step is a function of the store's
# location (and the heartbeat's grace period) that returns a Finding, and a line here.
CHECK_STEPS: list[CheckStep] = [
    CheckStep("pages", lambda location, _grace: _check_pages(location)),
    CheckStep("runs", _mark_crashed_runs, writes=True),
]


def _check(args: argparse.Namespace) -> int:
    from mlops_jlab.config import heartbeat_grace
    from mlops_jlab.rules import check_grace
    from mlops_jlab.store.engine import mask_url

    grace = heartbeat_grace() if args.grace is None else check_grace(args.grace, "--grace")
    location = resolve_store(args.folder)
    print(f"store: {mask_url(location.db_url)} ({location.source})")
    healthy = True
    for step in CHECK_STEPS:
        if step.writes and not healthy:
            print(f"{step.name}: skipped (it writes into the store, which has problems)")
            continue
        try:
            finding = step.run(location, grace)
        except MlopsError as exc:
            finding = Finding(False, [str(exc)])
        healthy = healthy and finding.ok
        first, *rest = finding.lines or ["ok" if finding.ok else "problems found"]
        print(f"{step.name}: {first}")
        for line in rest:
            print(f"  {line}")
    return 0 if healthy else 1


# --- backup -----------------------------------------------------------------------------


def _backup(args: argparse.Namespace) -> int:
    from mlops_jlab.store import integrity
    from mlops_jlab.store.engine import mask_url

    location = resolve_store(args.folder)
    database = sqlite_file(location.db_url)
    if database is None:
        url = mask_url(location.db_url).replace("postgresql+psycopg://", "postgresql://")
        print(
            "mlops-jlab backup copies SQLite stores; this store is a database server's. Back "
            "it up with PostgreSQL's own tool, which copies it while it is in use:\n"
            f"  pg_dump --format=custom --file {args.destination} '{url}'\n"
            "and restore it with pg_restore. Copy the artifacts "
            f"({location.artifacts}) as well."
        )
        return 1
    if not Path(database).is_file():
        raise InvalidInputError(f"there is no store at {database!r} to back up")
    destination = Path(args.destination).expanduser()
    if destination.is_dir():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        destination = destination / f"mlops-{stamp}.sqlite"
    size = integrity.backup_sqlite(database, destination)
    print(f"backed up {database} to {destination} ({size / 1e6:.1f} MB)")
    found = integrity.check_file(destination, thorough=False)
    if found:
        print(f"the copy holds the store's damage ({found[0]}): run `mlops-jlab check`")
        return 1
    print(
        f"artifacts are not in it: copy {location.artifacts} as well (a blob never changes "
        "once written, so rsync copies only the new ones)"
    )
    return 0


# --- gc ---------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """``30m``, ``12h``, ``7d``, ``90s`` as seconds."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; write a number and a unit: 90s, 30m, 12h or 7d"
        )
    return float(match.group(1)) * _SECONDS[match.group(2)]


def _size(count: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def _gc(args: argparse.Namespace) -> int:
    from mlops_jlab.garbage import collect

    location = resolve_store(args.folder)
    found = collect(location, args.older_than, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb} {len(found.removed)} unreferenced artifact files from {location.artifacts}, "
        f"{'freeing' if args.dry_run else 'freed'} {_size(found.freed_bytes)}"
    )
    if args.dry_run:
        for item in found.removed:
            print(f"  {item.path} ({_size(item.size)})")
    kept = f"kept {found.referenced} in use and {found.young} written in the grace period"
    if found.undated:
        kept += f", and {found.undated} the storage gives no date for"
    print(kept)
    return 0


# --- demo-data --------------------------------------------------------------------------


def _demo_data(args: argparse.Namespace) -> int:
    from mlops_jlab.demo import (
        TRAIN_NOTEBOOK,
        copy_examples,
        demo_workspace,
        fill_example_store,
        save_workspace,
        workspace_file,
    )
    from mlops_jlab.demo_lifecycle import MODEL, PIPELINE, fill_pipelines, fill_registry
    from mlops_jlab.tracking import Tracker

    folder = Path(args.folder)
    if args.examples is not None:
        examples = Path(args.examples)
        if not examples.is_dir():
            raise InvalidInputError(f"--examples {examples}: no such folder of example notebooks")
        copied = copy_examples(examples, folder)
        if copied:
            print(f"copied {', '.join(copied)} from {examples} to {folder}")
    location = resolve_store(folder)
    tracker = Tracker(location)
    filled = args.force or not len(tracker.runs(max_results=1))
    if filled:
        print(f"running the example notebooks in {folder} with papermill (about two minutes)")
        recorded = fill_example_store(folder, location)
        print(f"recorded {recorded} example runs in {location.db_url}")
        jobs = fill_pipelines(folder, location)
        print(f"promoted {TRAIN_NOTEBOOK} to the pipeline {PIPELINE}: {jobs} jobs, a schedule")
        fill_registry(location)
        print(f"registered three versions of the model {MODEL}: approved, rejected, pending")
    else:
        print(f"{location.db_url} already holds runs; --force adds another set")
    workspaces = Path(args.workspaces_dir or folder / ".mlops" / "workspaces")
    # A workspace JupyterLab has saved since (the user's own layout) is kept unless the
    # runs it shows were just recorded.
    if not filled and workspace_file(workspaces).exists():
        return 0
    workspace = demo_workspace(tracker)
    if workspace is None:
        print("no example runs in the store: no JupyterLab workspace written")
        return 0
    path = save_workspace(workspace, workspaces)
    print(f"wrote the JupyterLab workspace that opens on them to {path}")
    print(f"  jupyter lab --LabApp.workspaces_dir={workspaces}")
    return 0


def _run(args: argparse.Namespace) -> int:
    """``mlops-jlab run PIPELINE -p key=value``: a job, waited for; exit 0 if it finished."""
    from mlops_jlab.pipelines import jobs, parameters, promotion
    from mlops_jlab.tracking import Tracker

    tracker = Tracker(resolve_store(args.folder))
    version = promotion.get_pipeline(tracker, args.pipeline, args.version)
    given = parameters.parse(version.parameters, args.parameter)
    job = jobs.run_job(
        tracker, version, given, timeout=args.timeout, retries=args.retries, wait=False
    )
    print(f"job {job.id}: {version.name} v{version.version} {given or ''}".rstrip())
    job.wait()
    print(f"{job.status}" + (f": {job.error}" if job.error else ""))
    if job.failing_cell is not None:
        print(f"failing cell {job.failing_cell + 1}:\n{job.failing_source or ''}")
    return 0 if job.status == "finished" else 1


def _scheduler(args: argparse.Namespace) -> int:
    """``mlops-jlab scheduler``: fire the store's schedules until interrupted."""
    import signal
    import threading

    from mlops_jlab.pipelines import schedules
    from mlops_jlab.pipelines.executor import LocalExecutor
    from mlops_jlab.pipelines.scheduler import Scheduler
    from mlops_jlab.store.engine import mask_url
    from mlops_jlab.tracking import Tracker

    location = resolve_store(args.folder)
    found = schedules.list_schedules(Tracker(location))
    executor = LocalExecutor(location, max_running=args.max_running)
    scheduler = Scheduler(location, executor, misfire_grace=args.misfire_grace)
    stop = threading.Event()
    # An interrupt (Ctrl-C) and SIGTERM (a service manager) stop it alike
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    scheduler.start()
    active = sum(not item.paused for item in found)
    print(f"scheduler on {mask_url(location.db_url)}: {active} active schedules", flush=True)
    while not stop.wait(1.0):  # a timed wait lets the main thread run the signal handlers
        pass
    scheduler.stop()
    print("scheduler stopped; jobs already started run on, queued ones wait for a scheduler")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlops-jlab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="show the store this folder resolves to")
    info.add_argument("folder", nargs="?", default=".", help="folder to resolve from")
    info.set_defaults(run=_info)
    check = commands.add_parser(
        "check",
        help="check the store of FOLDER: SQLite's integrity check of every page (exit 1 if a "
        "problem is found, with what to do), then runs left running by a process that is "
        "gone are marked crashed",
    )
    check.add_argument("folder", nargs="?", default=".", help="folder to resolve from")
    check.add_argument(
        "--grace",
        help="seconds without a heartbeat after which a run of another host counts as "
        "crashed (default $MLOPS_JLAB_HEARTBEAT_GRACE, else 120)",
    )
    check.set_defaults(run=_check)
    demo = commands.add_parser(
        "demo-data", help="fill the store of FOLDER with example runs (needs mlops-jlab[demo])"
    )
    demo.add_argument(
        "folder",
        nargs="?",
        default=".",
        help="folder whose store to fill, by running its example notebooks with papermill",
    )
    demo.add_argument(
        "--examples",
        help="copy the example notebooks FOLDER lacks from this folder first (make demo "
        "copies examples/ into demo/, so running them leaves the checkout as it was)",
    )
    demo.add_argument("--force", action="store_true", help="add runs even if some exist")
    demo.add_argument(
        "--workspaces-dir",
        help="where to write the JupyterLab workspace that opens on the example runs "
        "(default FOLDER/.mlops/workspaces; pass it to jupyter lab --LabApp.workspaces_dir)",
    )
    demo.set_defaults(run=_demo_data)
    backup = commands.add_parser(
        "backup",
        help="copy a SQLite store while it is in use (SQLite's backup API); for PostgreSQL, "
        "say how pg_dump does it",
    )
    backup.add_argument("destination", help="a new file, or a folder to put a dated copy in")
    backup.add_argument("folder", nargs="?", default=".", help="folder to resolve from")
    backup.set_defaults(run=_backup)
    gc = commands.add_parser(
        "gc",
        help="remove artifact files no run refers to (their run was never written), "
        "older than a grace period, and say how much space that freed",
    )
    gc.add_argument("folder", nargs="?", default=".", help="folder to resolve from")
    gc.add_argument(
        "--older-than",
        type=duration,
        default=duration("1d"),
        metavar="DURATION",
        help="only files written longer ago than this: 90s, 30m, 12h, 7d (default 1d)",
    )
    gc.add_argument("--dry-run", action="store_true", help="list what would go; remove nothing")
    gc.set_defaults(run=_gc)
    run = commands.add_parser(
        "run", help="run a pipeline as a job (papermill) and wait for it; exit 1 unless it finished"
    )
    run.add_argument("pipeline", help="the pipeline's name")
    run.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter, read as the type its schema says (lr=0.1 is a float); repeat it",
    )
    run.add_argument("--version", type=int, help="the pipeline's version (default: the latest)")
    run.add_argument("--timeout", type=float, help="seconds after which the job is stopped")
    run.add_argument("--retries", type=int, default=0, help="tries again when it fails")
    run.add_argument("--folder", default=".", help="folder to resolve the store from")
    run.set_defaults(run=_run)
    scheduler = commands.add_parser(
        "scheduler",
        help="fire the store's schedules until interrupted (beside or instead of the Jupyter "
        "server's scheduler: no fire is doubled)",
    )
    scheduler.add_argument("--folder", default=".", help="folder to resolve the store from")
    scheduler.add_argument(
        "--max-running",
        type=int,
        default=DEFAULT_MAX_RUNNING_JOBS,
        help=f"at most this many jobs running in the store (default {DEFAULT_MAX_RUNNING_JOBS})",
    )
    scheduler.add_argument(
        "--misfire-grace",
        type=float,
        default=DEFAULT_MISFIRE_GRACE,
        help="seconds after its time within which a fire counts as on time; older ones were "
        f"missed and the schedule's catch_up decides (default {DEFAULT_MISFIRE_GRACE:g})",
    )
    scheduler.set_defaults(run=_scheduler)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except MlopsError as exc:
        print(f"mlops-jlab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
