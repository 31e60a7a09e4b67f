"""``%lineage``'s text: a run or a dataset version found from what the user typed, and its
lineage graph as an indented tree of lines."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from mlops_jlab import tracking
from mlops_jlab.errors import MlopsError


def lineage_node(tracker: tracking.Tracker, target: str) -> tuple[str, str]:
    """``%lineage``'s target as a graph node: a run (id or prefix), else a dataset version."""
    try:
        return "run", tracker.resolve_run_id(target)
    except MlopsError:
        pass
    try:
        return "dataset_version", str(tracker.get_dataset_version(target)["id"])
    except MlopsError:
        raise UsageError(
            f"{target!r} is neither a run id (or a prefix of 6+ characters) nor a dataset "
            "name; %runs lists runs and mlops_jlab.list_datasets() datasets"
        ) from None


def node_text(node: dict[str, Any]) -> str:
    kind = node["kind"]
    if kind == "run":
        stale = ", stale: " + "; ".join(node["stale_reasons"]) if node.get("stale") else ""
        return f"run {node['label']} ({node['run_id'][:8]}, {node['status']}{stale})"
    if kind == "dataset_version":
        rows = f", {node['n_rows']} rows" if node.get("n_rows") is not None else ""
        return f"dataset {node['label']} ({node['fingerprint'][:8]}{rows})"
    return f"{kind.replace('_', ' ')} {node['label']}"


def tree_lines(graph: dict[str, Any], upstream: bool) -> list[str]:
    """The graph as an indented tree from its root; a node reached twice is shown once."""
    nodes = {node["id"]: node for node in graph["nodes"]}
    following: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        start, end = (
            (edge["target"], edge["source"]) if upstream else (edge["source"], edge["target"])
        )
        following.setdefault(start, []).append(end)
    lines: list[str] = []
    shown = {graph["root"]}
    stack = [(child, 2) for child in sorted(following.get(graph["root"], []), reverse=True)]
    while stack:
        node_id, indent = stack.pop()
        arrow = "<- " if upstream else "-> "
        text = "  " * indent + arrow + node_text(nodes[node_id])
        if node_id in shown:
            lines.append(text + " (shown above)")
            continue
        shown.add(node_id)
        lines.append(text)
        stack.extend(
            (child, indent + 1) for child in sorted(following.get(node_id, []), reverse=True)
        )
    return lines
