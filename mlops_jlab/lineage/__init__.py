"""Lineage: where a result came from and what came of it.

:mod:`~mlops_jlab.lineage.walks` walks the graph, :mod:`~mlops_jlab.lineage.nodes` describes
its nodes, :mod:`~mlops_jlab.lineage.staleness` says which runs are stale,
:mod:`~mlops_jlab.lineage.stale_search` pages through the stale runs of a search and
:mod:`~mlops_jlab.lineage.export` writes OpenLineage events and PROV documents; their SQL
helpers are :mod:`~mlops_jlab.lineage.queries`. This package offers their functions.
"""

from mlops_jlab.lineage.export import openlineage_events, prov_document
from mlops_jlab.lineage.nodes import describe_nodes
from mlops_jlab.lineage.queries import KINDS, split_node_id
from mlops_jlab.lineage.staleness import is_stale, stale_runs
from mlops_jlab.lineage.walks import DIRECTIONS, MAX_DEPTH, downstream, graph, node, upstream

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "MAX_DEPTH",
    "describe_nodes",
    "downstream",
    "graph",
    "is_stale",
    "node",
    "openlineage_events",
    "prov_document",
    "split_node_id",
    "stale_runs",
    "upstream",
]
