"""The diff of two runs' code, as the notebook's and the panel's comparisons show it."""

from __future__ import annotations

import difflib

# difflib can be quadratic on very different texts; past this the code is not diffed.
MAX_DIFF_CHARS = 1_000_000


def code_diff(first: str | None, other: str | None, first_label: str, label: str) -> str | None:
    """Unified diff of two runs' code; "" when the same, None when too long to diff."""
    if first == other:
        return ""
    if len(first or "") + len(other or "") > MAX_DIFF_CHARS:
        return None
    lines = difflib.unified_diff(
        (first or "").splitlines(),
        (other or "").splitlines(),
        fromfile=first_label,
        tofile=label,
        lineterm="",
    )
    return "\n".join(lines)
