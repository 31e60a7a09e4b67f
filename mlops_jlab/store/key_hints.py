"""Hints for a filter that names a param, metric or tag no run has: a misspelt key
(``metrics.acc`` where runs log ``accuracy``) matches nothing, and an empty page alone does
not say why."""

from __future__ import annotations

import difflib

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlops_jlab.errors import QuerySyntaxError
from mlops_jlab.store.query_tokens import parse_field, tokenize
from mlops_jlab.store.tables import LATEST, PARAMS, TAGS

_TABLES = {"params": PARAMS, "metrics": LATEST, "tags": TAGS}
_WHAT = {"params": "param", "metrics": "metric", "tags": "tag"}
# Keys listed to find the closest ones; a store with more distinct keys than this is
# searched among its first ones in order.
MAX_KEYS_LISTED = 2000
CLOSEST = 3


def _exists(conn: Connection, prefix: str, key: str) -> bool:
    table = _TABLES[prefix]
    return (
        conn.execute(sa.select(table.c.key).where(table.c.key == key).limit(1)).first() is not None
    )


def _keys(conn: Connection, prefix: str) -> list[str]:
    """The distinct keys of one kind, each found by one seek of the key's index (a loose
    index scan), so a store of a million runs lists its few keys in milliseconds."""
    table = _TABLES[prefix]
    keys: list[str] = []
    key = conn.execute(sa.select(sa.func.min(table.c.key))).scalar()
    while key is not None and len(keys) < MAX_KEYS_LISTED:
        keys.append(key)
        key = conn.execute(sa.select(sa.func.min(table.c.key)).where(table.c.key > key)).scalar()
    return keys


def unknown_keys(conn: Connection, filter: str | None) -> list[str]:
    """One warning per param, metric or tag the filter names that no run has, naming the
    closest keys that exist; none for a filter that is blank or does not parse (its error
    says more)."""
    if not isinstance(filter, str) or not filter.strip():
        return []
    try:
        fields = [parse_field(token) for token in tokenize(filter) if token.kind == "name"]
    except QuerySyntaxError:
        return []
    warnings = []
    asked = dict.fromkeys((f.prefix, f.key) for f in fields if f.prefix in _TABLES)
    for prefix, key in asked:
        if _exists(conn, prefix, key):
            continue
        known = _keys(conn, prefix)
        what = _WHAT[prefix]
        closest = difflib.get_close_matches(key, known, n=CLOSEST, cutoff=0.5) or known[:CLOSEST]
        if closest:
            names = ", ".join(f"{prefix}.{name}" for name in closest)
            warnings.append(f"no run has the {what} {key!r}; did you mean {names}?")
        else:
            warnings.append(f"no run has the {what} {key!r}; no run has logged any {what} yet")
    return warnings
