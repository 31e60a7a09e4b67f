"""The roles of a dataset version: the four data pillars of Ease.ML."""

from __future__ import annotations

from typing import Any

from mlops_jlab.errors import InvalidInputError

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
