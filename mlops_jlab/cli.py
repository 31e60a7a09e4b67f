"""The ``mlops-jlab`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlops_jlab.config import resolve_store, sqlite_file
from mlops_jlab.errors import MlopsError


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
    print(f"mlops-jlab {__version__}")
    print(f"store:     {mask_url(location.db_url)} ({location.source})")
    print(f"artifacts: {location.artifacts}")
    print("counts:    " + ", ".join(f"{n} {what}" for what, n in numbers.items()))
    return 0


def _check(args: argparse.Namespace) -> int:
    from mlops_jlab.config import heartbeat_grace
    from mlops_jlab.rules import check_grace
    from mlops_jlab.store import open_store
    from mlops_jlab.store.crashes import sweep

    grace = heartbeat_grace() if args.grace is None else check_grace(args.grace, "--grace")
    store = open_store(resolve_store(args.folder))
    marked = sweep(store, grace)
    if not marked:
        print("runs: none left running by a process that is gone")
    else:
        print(f"runs: {len(marked)} left running by a process that is gone, marked crashed:")
        for run in marked:
            print(f"  {run.run_id} {run.name}: {run.reason}")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from mlops_jlab.demo import demo_workspace, fill_example_store, save_workspace, workspace_file
    from mlops_jlab.tracking import Tracker

    folder = Path(args.folder)
    location = resolve_store(folder)
    tracker = Tracker(location)
    filled = args.force or not len(tracker.runs(max_results=1))
    if filled:
        recorded = fill_example_store(tracker)
        print(f"recorded {recorded} example runs in {location.db_url}")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlops-jlab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="show the store this folder resolves to")
    info.add_argument("folder", nargs="?", default=".", help="folder to resolve from")
    info.set_defaults(run=_info)
    check = commands.add_parser(
        "check",
        help="check the store of FOLDER: runs left running by a process that is gone are "
        "marked crashed",
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
    demo.add_argument("folder", nargs="?", default=".", help="folder whose store to fill")
    demo.add_argument("--force", action="store_true", help="add runs even if some exist")
    demo.add_argument(
        "--workspaces-dir",
        help="where to write the JupyterLab workspace that opens on the example runs "
        "(default FOLDER/.mlops/workspaces; pass it to jupyter lab --LabApp.workspaces_dir)",
    )
    demo.set_defaults(run=_demo_data)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except MlopsError as exc:
        print(f"mlops-jlab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
