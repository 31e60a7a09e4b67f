"""Promotion: a notebook becomes a pipeline version, a snapshot with a parameter schema.

The snapshot is the notebook's code and text without outputs or execution counts, so that
running cells again does not make a new version; changed code does. The parameters are
those of the cell tagged ``parameters`` (papermill's tag). A notebook without one gets the
first code cell that assigns, as literals, params its tracked cells recorded: that cell is
tagged in the snapshot (so papermill injects after it) and the version says which it was.
"""

from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_jlab.environment import current_user
from mlops_jlab.errors import InvalidInputError
from mlops_jlab.pipelines import parameters, records
from mlops_jlab.rules import check_key
from mlops_jlab.store import writes
from mlops_jlab.tracking.tracker import Tracker

NOTEBOOK_MEDIA_TYPE = "application/x-ipynb+json"
PARAMETERS_TAG = "parameters"


@dataclass(frozen=True)
class Pipeline:
    """A version of a promoted notebook.

    Attributes
    ----------
    name, version
        The pipeline and its version number (1, 2, ...).
    parameters
        Each parameter: ``name``, ``type``, ``default``, ``help``.
    parameters_cell
        Which cell holds the parameters (``index``, from 0) and how it was found (``how``:
        tagged, inferred or none), with a ``note`` for the user.
    new
        Whether this promotion made the version (False: the notebook was unchanged).
    """

    name: str
    version: int
    version_id: int
    pipeline_id: int
    notebook_path: str
    snapshot_digest: str
    parameters: list[dict[str, Any]]
    parameters_cell: dict[str, Any]
    created_at: int
    created_by: str | None = None
    new: bool = field(default=False, compare=False)

    @classmethod
    def from_row(cls, row: dict[str, Any], new: bool = False) -> Pipeline:
        return cls(
            name=row["pipeline"],
            version=row["version"],
            version_id=row["id"],
            pipeline_id=row["pipeline_id"],
            notebook_path=row["notebook_path"],
            snapshot_digest=row["snapshot_digest"],
            parameters=list(row["parameter_schema"]),
            parameters_cell=dict(row["parameters_cell"] or {}),
            created_at=row["created_at"],
            created_by=row["created_by"],
            new=new,
        )

    def __str__(self) -> str:
        lines = [f"pipeline {self.name} v{self.version} ({self.notebook_path})"]
        if not self.new:
            lines[0] += ", unchanged since it was promoted"
        for item in self.parameters:
            described = f"  {item['name']}: {item['type']} = {item['default_text']}"
            lines.append(described + (f"  # {item['help']}" if item["help"] else ""))
        if self.parameters_cell.get("note"):
            lines.append(self.parameters_cell["note"])
        return "\n".join(lines)


def _read(path: Path):
    import nbformat

    if not path.is_file():
        raise InvalidInputError(f"cannot promote '{path}': no such notebook file")
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and reader errors
        raise InvalidInputError(f"cannot promote '{path}': it is not a notebook ({exc})") from exc


def _normalized(notebook) -> None:
    """Code and text only: outputs and counts are not what a version is made of."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)


def _blanked(source: str) -> list[str]:
    """A cell's lines with IPython's (``%%track``, ``%magic``, ``!cmd``) blanked, so
    Python parses it with its line numbers."""
    return ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]


def _literal_assignments(source: str, wanted: dict[str, str]) -> list[tuple[str, int, int]]:
    """Top-level literal assignments (``lr = 0.1``) of names in ``wanted``, each as
    ``(name, first line, last line)`` (from 1)."""
    try:
        tree = ast.parse("\n".join(_blanked(source)))
    except SyntaxError:
        return []
    found = []
    for statement in tree.body:
        target, value = None, None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        if not isinstance(target, ast.Name) or target.id not in wanted:
            continue
        try:
            ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        found.append((target.id, statement.lineno, statement.end_lineno or statement.lineno))
    return found


def choose_parameters_cell(notebook, tracked: dict[str, str]) -> dict[str, Any]:
    """The cell that holds the parameters. Without a tagged one, the literal assignments of
    tracked params in the first code cell that has any move to a new cell before it,
    tagged ``parameters``: papermill injects its values after that cell, before the code
    that uses them."""
    import nbformat

    for index, cell in enumerate(notebook.cells):
        if PARAMETERS_TAG in cell.metadata.get("tags", []):
            return {"index": index, "how": "tagged", "note": ""}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        assignments = _literal_assignments(cell.source, tracked)
        if not assignments:
            continue
        lines = cell.source.splitlines()
        moved = {number for _, first, last in assignments for number in range(first, last + 1)}
        parameters_cell = nbformat.v4.new_code_cell(
            "\n".join(lines[number - 1] for number in sorted(moved))
        )
        parameters_cell.metadata["tags"] = [PARAMETERS_TAG]
        # An id of its own that does not change, so that the same notebook makes the same
        # snapshot (a notebook older than format 4.5 has no cell ids)
        if "id" in cell:
            parameters_cell.id = f"{cell.id[:50]}-parameters"
        else:
            parameters_cell.pop("id", None)
        cell.source = "\n".join(line for number, line in enumerate(lines, 1) if number not in moved)
        notebook.cells.insert(index, parameters_cell)
        names = ", ".join(name for name, _, _ in assignments)
        return {
            "index": index,
            "how": "inferred",
            "note": (
                f"no cell is tagged 'parameters': cell {index + 1} was chosen, as it sets "
                f"{names}, which tracked runs of this notebook recorded as params; the pipeline "
                "sets them in a parameters cell before it. Tag a cell 'parameters' to choose "
                "another"
            ),
        }
    return {
        "index": None,
        "how": "none",
        "note": (
            "no cell is tagged 'parameters' and no tracked run of this notebook recorded "
            "params: the pipeline takes no parameters. Tag a cell 'parameters' to give it some"
        ),
    }


def _schema(notebook) -> list[dict[str, Any]]:
    """The parameters papermill finds in the snapshot's ``parameters`` cell."""
    import nbformat
    import papermill

    with tempfile.TemporaryDirectory(prefix="mlops-promote-") as folder:
        path = Path(folder) / "snapshot.ipynb"
        nbformat.write(notebook, str(path))
        return parameters.describe(papermill.inspect_notebook(str(path)))


def promote(tracker: Tracker, notebook_path: str | Path, name: str | None = None) -> Pipeline:
    """Promote a notebook to a pipeline version (see :func:`mlops_jlab.promote`)."""
    import nbformat

    if not isinstance(notebook_path, (str, Path)) or not str(notebook_path).strip():
        raise InvalidInputError(f"promote takes a notebook's path, not {notebook_path!r}")
    path = Path(notebook_path).expanduser().resolve()
    if path.suffix != ".ipynb":
        raise InvalidInputError(f"cannot promote '{path}': only .ipynb notebooks are pipelines")
    name = check_key("pipeline name", name if name is not None else path.stem)
    notebook = _read(path)
    _normalized(notebook)
    where = tracker.project_path(path)
    with tracker.read() as conn:
        tracked = records.tracked_params(conn, where)
    cell = choose_parameters_cell(notebook, tracked)
    schema = _schema(notebook)
    blob = tracker.artifacts.put_bytes(nbformat.writes(notebook).encode("utf-8"))
    values = {
        "snapshot_digest": blob.digest,
        "parameter_schema": schema,
        "parameters_cell": cell,
        "notebook_path": where,
        "created_by": current_user(),
    }
    with tracker.store.write() as conn:
        writes.ensure_artifact(conn, blob.digest, blob.size, NOTEBOOK_MEDIA_TYPE)
        row, new = records.save_version(conn, name, values, writes.now_ms())
    return Pipeline.from_row(row, new)


def get_pipeline(tracker: Tracker, name: str, version: int | None = None) -> Pipeline:
    """A pipeline's latest version, or version ``version``."""
    from mlops_jlab.errors import NotFoundError

    try:
        check_key("pipeline name", name)
    except InvalidInputError:  # no pipeline has a name that cannot be one
        found = None
    else:
        with tracker.read() as conn:
            found = records.pipeline(conn, name)
    with tracker.read() as conn:
        if found is None:
            raise NotFoundError(
                f"no pipeline named {name!r}; promote a notebook first (ml.promote or %promote)"
            )
        rows = records.versions(conn, found["id"])
    if version is not None:
        rows = [row for row in rows if row["version"] == version]
        if not rows:
            raise NotFoundError(f"pipeline {name!r} has no version {version!r}")
    row = {**rows[-1], "pipeline": name}
    return Pipeline.from_row(row)
