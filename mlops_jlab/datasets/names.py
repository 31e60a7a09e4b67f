"""How a dataset is named: a file by its path, a variable by where it lives.

Two notebooks that both call a DataFrame ``X_train`` hold different data; named by the
variable alone, they would be versions of one dataset, and each notebook's runs would look
stale whenever the other ran. A variable's dataset is therefore scoped to its notebook (or
script); a name the user gives (``log_dataset(name=...)``, ``--inputs NAME``) is kept as is.
"""

from __future__ import annotations

SCOPE_SEPARATOR = ":"


def variable_dataset(where: str | None, variable: str) -> str:
    """The dataset of ``variable`` in the notebook or script ``where`` (its path as the
    store names it); the variable alone where the code runs in no file."""
    return f"{where}{SCOPE_SEPARATOR}{variable}" if where else variable
