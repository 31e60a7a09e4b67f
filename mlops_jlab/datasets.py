"""Dataset versions: their roles, what a table holds, and how two versions of it differ.

A dataset version keeps a description of its content, not the data: :func:`describe`
(from :mod:`mlops_jlab.profiling`) gives its schema, counts and a profile per column, and
:func:`diff` (from :mod:`mlops_jlab.drift`) compares two versions with drift statistics.
A version may have a role, one of :data:`ROLES`.

Importing this module loads pandas and NumPy; SciPy is loaded only by :func:`diff`.
"""

from __future__ import annotations

from typing import Any

from mlops_jlab.drift import diff
from mlops_jlab.errors import InvalidInputError
from mlops_jlab.profiling import KINDS, describe

ROLES = ("train", "dev", "test", "realtime")


def check_role(role: Any) -> str | None:
    """The role of a dataset version: one of the four data pillars of Ease.ML.

    Parameters
    ----------
    role
        ``None`` (no role), or ``"train"``, ``"dev"``, ``"test"`` or ``"realtime"``, in any
        case and with surrounding blanks.

    Returns
    -------
    str or None
        The role in lower case, or ``None``.

    Raises
    ------
    InvalidInputError
        For anything else; the message names the four roles.
    """
    if role is None:
        return None
    if isinstance(role, str) and role.strip().lower() in ROLES:
        return role.strip().lower()
    raise InvalidInputError(
        f"a dataset's role is one of {', '.join(ROLES)} (or None), not {role!r}: 'dev' is "
        "the validation set, 'realtime' the data a deployed model sees"
    )


__all__ = ["KINDS", "ROLES", "check_role", "describe", "diff"]
