"""A tracked cell's error as the notebook shows it: the user's frames only, the cell named
``Cell In[N]``, and the ``%%track`` line where the user wrote it.

IPython runs a tracked cell with its ``%%track`` line blanked (so line numbers stay the
cell's own) from a file it caches under a generated name. Without help a traceback then
shows IPython's own frames above the user's, the generated file names, and an empty line 1.
"""

from __future__ import annotations

import ast
import linecache
import traceback
from typing import Any


def _cell_label(compiler: Any, filename: str) -> str | None:
    """``Cell In[3]`` for a file IPython compiled a cell from, else None."""
    label = compiler.format_code_name(filename) if hasattr(compiler, "format_code_name") else None
    return None if label is None else " ".join(label)


def user_traceback(error: BaseException, compiler: Any) -> str:
    """The traceback of ``error`` from the first frame of a notebook cell on, cells named as
    IPython names them. An error raised before any cell code ran (a syntax error) keeps the
    whole traceback."""
    tb = error.__traceback__
    while tb is not None and _cell_label(compiler, tb.tb_frame.f_code.co_filename) is None:
        tb = tb.tb_next
    shown = traceback.TracebackException(
        type(error), error, tb if tb is not None else error.__traceback__
    )
    for frame in shown.stack:
        label = _cell_label(compiler, frame.filename)
        if label is not None:
            frame.filename = label
    return "".join(shown.format())


class CellSource(ast.NodeTransformer):
    """Puts a tracked cell's own text back in the line cache once IPython has cached the
    blanked version it runs, so tracebacks show the ``%%track`` line on line 1.

    IPython applies its AST transformers after it caches a cell and before it runs it, which
    is the one moment this can be done; :meth:`expect` names the cell to fix."""

    def __init__(self, compiler: Any):
        self.compiler = compiler
        self._pending: tuple[str, str] | None = None

    def expect(self, raw_cell: str, transformed_cell: str) -> None:
        self._pending = (raw_cell.lstrip("\n"), transformed_cell)

    def visit(self, node: ast.AST) -> ast.AST:
        if self._pending is not None:
            raw, transformed = self._pending
            self._pending = None
            self._restore(raw, transformed)
        return node

    def _restore(self, raw: str, transformed: str) -> None:
        lines = transformed.splitlines(keepends=True)
        raw_lines = raw.splitlines(keepends=True)
        if len(raw_lines) != len(lines):  # a second cell magic took the %%track line's place
            return
        # IPython cached the cell moments ago, so it is among the last entries (first from
        # the end, unless the same code ran before under the same name); comparing the
        # lines first keeps this cheap however many cells the session ran.
        for name in reversed(list(linecache.cache)):
            entry = linecache.cache.get(name)
            if entry is None or len(entry) != 4 or entry[2] != lines:
                continue
            if _cell_label(self.compiler, name) is not None:
                linecache.cache[name] = (entry[0], entry[1], raw_lines, entry[3])
                return
