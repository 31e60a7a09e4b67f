"""Tiny notebooks for pipeline tests: a parameters cell and a few code cells each."""

from __future__ import annotations

from pathlib import Path

import nbformat

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """Write a notebook of ``cells`` (code) at ``path``; ``parameters`` becomes a cell
    tagged ``parameters`` after the first."""
    document = nbformat.v4.new_notebook()
    document.metadata["kernelspec"] = KERNELSPEC
    made = [nbformat.v4.new_code_cell(source) for source in cells]
    for number, cell in enumerate(made):
        cell.id = f"cell-{number}"
    if parameters is not None:
        tagged = nbformat.v4.new_code_cell(parameters)
        tagged.id = "params"
        tagged.metadata["tags"] = ["parameters"]
        made.insert(1, tagged)
    document.cells = made
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(document, str(path))
    return path


def training(path: Path, extra: str = "") -> Path:
    """A notebook that trains nothing but tracks like one: lr and depth as parameters."""
    return notebook(
        path,
        "%load_ext mlops_jlab",
        "%%track\nimport mlops_jlab as ml\nacc = lr * depth\nml.log_metric('acc', acc)\n"
        f"print('acc', acc)\n{extra}",
        parameters="lr = 0.1  # learning rate\ndepth = 3",
    )
