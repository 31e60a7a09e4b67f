"""Compared runs as HTML tables and a code diff. Everything a user wrote (names, values,
code) is HTML-escaped, and the styling uses only JupyterLab's theme variables, so the
tables read in light and dark themes alike."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlops_jlab.kernel.compare_data import CompareData

if TYPE_CHECKING:
    pass


MAX_DIFF_LINES_SHOWN = 3000
CELL_CHARS = 60
LABEL_CHARS = 40
_TABLE = (
    "border-collapse: collapse; margin: 4px 0 12px; font-size: var(--jp-ui-font-size1); "
    "color: var(--jp-ui-font-color1); font-family: var(--jp-ui-font-family)"
)
_TH = (
    "border: 1px solid var(--jp-border-color2); padding: 3px 8px; text-align: left; "
    "background: var(--jp-layout-color2); font-weight: 600; vertical-align: bottom"
)
_TD = "border: 1px solid var(--jp-border-color2); padding: 3px 8px; text-align: left"
_NUMBER_TD = _TD.replace("text-align: left", "text-align: right") + "; font-variant: tabular-nums"
# A translucent warning tint reads on white and on near-black; browsers without
# color-mix() keep the first, plain background.
_DIFFERING_TR = (
    "background: var(--jp-layout-color2); "
    "background: color-mix(in srgb, var(--jp-warn-color1) 16%, transparent); "
    "box-shadow: inset 3px 0 0 var(--jp-warn-color1)"
)
MUTED = "color: var(--jp-ui-font-color2)"
_ABSENT = f'<span style="{MUTED}" title="not logged">&mdash;</span>'


def escaped(value: Any) -> str:
    return html.escape(str(value), quote=True)


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def cell(value: Any, limit: int = CELL_CHARS) -> str:
    """Escaped text cut to ``limit`` characters, with the whole of it as a tooltip."""
    text = str(value)
    if len(text) <= limit:
        return escaped(text)
    return f'<span title="{escaped(text)}">{escaped(short(text, limit))}</span>'


def _header_row(labels: list[str], first: str) -> str:
    cells = "".join(
        f'<th style="{_TH}">{number}. {cell(label, LABEL_CHARS)}</th>'
        for number, label in enumerate(labels, start=1)
    )
    return f'<tr><th style="{_TH}">{escaped(first)}</th>{cells}</tr>'


def _table_html(
    title: str,
    table: pd.DataFrame,
    differing: list[str],
    differences_only: bool,
    noun: str,
    none_logged: str = "",
) -> str:
    heading = f'<h4 style="margin: 8px 0 2px">{escaped(title)}</h4>'
    if table.empty:
        return f'{heading}<p style="{MUTED}">{escaped(none_logged)}</p>'
    keys = differing if differences_only else list(table.index)
    if not keys:
        same = f"All {len(table.index)} {noun} are the same in every run."
        return f'{heading}<p style="{MUTED}">{same}</p>'
    marked = set(differing)
    rows = []
    for key in keys:
        cells = "".join(
            f'<td style="{_TD}">{_ABSENT if value is None else cell(value)}</td>'
            for value in table.loc[key].tolist()
        )
        style = f' style="{_DIFFERING_TR}" title="differs between runs"' if key in marked else ""
        rows.append(f'<tr{style}><th style="{_TD}">{cell(key)}</th>{cells}</tr>')
    return (
        f'{heading}<table style="{_TABLE}">'
        f"{_header_row(list(table.columns), table.index.name)}{''.join(rows)}</table>"
    )


def params_html(data: CompareData, differences_only: bool = False) -> str:
    """The run overview, parameters and tags of a comparison as HTML tables.

    Rows whose values are not the same in every run are highlighted; with
    ``differences_only`` the others are left out.
    """
    differing_overview = [
        key for key in data.overview.index if len({value for value in data.overview.loc[key]}) > 1
    ]
    return "".join(
        (
            _table_html("Runs", data.overview, differing_overview, differences_only, "attributes"),
            _table_html(
                "Parameters",
                data.params,
                data.differing_params,
                differences_only,
                "parameters",
                "No run logged parameters.",
            ),
            _table_html(
                "Tags", data.tags, data.differing_tags, differences_only, "tags", "No run has tags."
            ),
        )
    )


def metrics_html(data: CompareData) -> str:
    """The latest value of each metric of each run as an HTML table."""
    if data.metrics.empty:
        return f'<p style="{MUTED}">None of these runs logged metrics.</p>'
    rows = []
    for key, values in data.metrics.iterrows():
        cells = "".join(
            f'<td style="{_NUMBER_TD}">'
            + (_ABSENT if pd.isna(value) else f'<span title="{float(value)!r}">{value:.6g}</span>')
            + "</td>"
            for value in values
        )
        rows.append(f'<tr><th style="{_TD}">{cell(key)}</th>{cells}</tr>')
    return (
        f'<h4 style="margin: 8px 0 2px">Latest values</h4><table style="{_TABLE}">'
        f"{_header_row(data.labels, 'metric')}{''.join(rows)}</table>"
    )


_PRE = (
    "font-family: var(--jp-code-font-family); font-size: var(--jp-code-font-size); "
    "color: var(--jp-content-font-color1); background: var(--jp-layout-color2); "
    "padding: 6px 8px; margin: 2px 0 12px; max-height: 32em; overflow: auto; "
    "white-space: pre"
)


def _diff_line(line: str) -> str:
    if line.startswith(("+++", "---")):
        style = "font-weight: 600"
    elif line.startswith("+"):
        style = "color: var(--jp-success-color1)"
    elif line.startswith("-"):
        style = "color: var(--jp-error-color1)"
    elif line.startswith("@@"):
        style = MUTED
    else:
        return escaped(line)
    return f'<span style="{style}">{escaped(line)}</span>'


def code_html(data: CompareData) -> str:
    """The code of each run after the first, diffed against the first run's code."""
    first, base = data.runs[0], data.labels[0]
    parts = [
        f'<p style="{MUTED}">Each run\'s cell against run 1, {cell(base, LABEL_CHARS)}'
        f"{' (which recorded no code)' if first.code is None else ''}.</p>"
    ]
    for number, (run, label) in enumerate(
        zip(data.runs[1:], data.labels[1:], strict=True), start=2
    ):
        diff = data.code_diffs[label]
        note = " (this run recorded no code)" if run.code is None and first.code else ""
        heading = (
            f'<h4 style="margin: 8px 0 2px">1 &rarr; {number}. {cell(label, LABEL_CHARS)}'
            f"{note}</h4>"
        )
        if diff == "":
            note = "Neither run recorded code." if run.code is None else "Same code as run 1."
            parts.append(f'{heading}<p style="{MUTED}">{note}</p>')
            continue
        if diff is None:
            same = run.code_hash == first.code_hash
            parts.append(
                f'{heading}<p style="{MUTED}">The code is too long to diff here '
                f"({len(first.code or ''):,} and {len(run.code or ''):,} characters); "
                f"its hashes {'match' if same else 'differ'}. Diff the texts of "
                "<code>get_run(id).code</code> outside the notebook.</p>"
            )
            continue
        lines = diff.split("\n")
        shown = "\n".join(_diff_line(line) for line in lines[:MAX_DIFF_LINES_SHOWN])
        more = len(lines) - MAX_DIFF_LINES_SHOWN
        tail = (
            f'<p style="{MUTED}">{more:,} more lines in view.comparison.code_diffs.</p>'
            if more > 0
            else ""
        )
        parts.append(f'{heading}<pre style="{_PRE}">{shown}</pre>{tail}')
    return "".join(parts)
