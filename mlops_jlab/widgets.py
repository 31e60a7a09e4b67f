"""ipywidgets views for use inside a notebook: runs compared side by side.

:func:`compare_runs` gathers what a comparison shows as plain data (pandas tables, metric
histories, code diffs), so it can be inspected, tested or drawn elsewhere;
:func:`compare_view` draws that data as tabs of HTML tables, matplotlib charts and a diff.
Everything a user wrote (names, values, code) is HTML-escaped before it reaches a widget,
and the styling uses only JupyterLab's theme variables, so the view reads in light and
dark themes alike.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from mlops_jlab.code_diff import code_diff
from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.tracking import RunRecord, Tracker, get_tracker

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MIN_RUNS = 2
MAX_RUNS = 50
_RUN_ID = re.compile(r"[0-9a-f]{32}")
# A chart line of more points than a PNG has pixels only costs time; min and max per
# stretch keep every spike visible.
MAX_CHART_POINTS = 4000
MAX_DIFF_LINES_SHOWN = 3000
CELL_CHARS = 60
LABEL_CHARS = 40
_TABS = ("Params", "Metrics", "Charts", "Code")
CHARTS_TAB = _TABS.index("Charts")


@dataclass
class CompareData:
    """What a comparison of runs shows, as plain data.

    Tables have one column per run, named by the run's label, in the order asked for.

    Attributes
    ----------
    runs
        The runs compared, as stored.
    labels
        One label per run: its name and the first 8 characters of its id.
    overview
        Experiment, status, start, duration, user, notebook and git commit per run.
    params
        Parameter values (text; None where a run did not log the key), index the key.
    differing_params
        Keys whose value is not the same in every run (missing counts as a value).
    tags
        Tag values, like ``params``.
    differing_tags
        Tag keys whose value is not the same in every run.
    metrics
        Latest value of each metric (NaN where a run did not log it), index the key.
    histories
        Metric key -> every logged point of every run that has it: step, value, run
        (the run's label, as a categorical in run order).
    code_diffs
        Label of each run after the first -> unified diff of the first run's code against
        that run's code ("" when the same), or None when the code is too long to diff.
    """

    runs: list[RunRecord]
    labels: list[str]
    overview: pd.DataFrame
    params: pd.DataFrame
    differing_params: list[str]
    tags: pd.DataFrame
    differing_tags: list[str]
    metrics: pd.DataFrame
    histories: dict[str, pd.DataFrame]
    code_diffs: dict[str, str | None]

    @property
    def run_ids(self) -> list[str]:
        return [run.id for run in self.runs]


def compare_runs(run_ids: Iterable[str], tracker: Tracker | None = None) -> CompareData:
    """Gather params, metrics, metric histories and code of 2 to 50 runs for comparison.

    Parameters
    ----------
    run_ids
        Run ids, or unambiguous prefixes of at least 6 characters of them, in the order the
        comparison shows them (the first is the one code is diffed against). A DataFrame
        from :func:`mlops_jlab.runs` works too: its ``run_id`` column is used.
    tracker
        The store to read; by default the one this process resolved.

    Returns
    -------
    CompareData
        Side-by-side tables, the keys that differ, metric histories and code diffs.

    Raises
    ------
    InvalidInputError
        Fewer than 2 or more than 50 runs, a run given twice, a prefix too short or
        matching several runs, or an id that is not text.
    NotFoundError
        An id or prefix that matches no run.
    """
    tracker = tracker or get_tracker()
    runs = _find_runs(run_ids, tracker)
    labels = _labels(runs)
    params, differing_params = _side_by_side([run.params for run in runs], labels, "param")
    tags, differing_tags = _side_by_side([run.tags for run in runs], labels, "tag")
    overview, _ = _side_by_side([_overview(run) for run in runs], labels, "run", False)
    metric_keys = sorted(set().union(*(run.metrics for run in runs)))
    metrics = pd.DataFrame(
        {
            label: [run.metrics.get(key, np.nan) for key in metric_keys]
            for run, label in zip(runs, labels, strict=True)
        },
        index=pd.Index(metric_keys, name="metric", dtype=object),
        dtype=float,
    )
    points = tracker.metric_histories(
        [(run.id, key) for run in runs for key in metric_keys if key in run.metrics]
    )
    histories = {key: _history(points, runs, labels, key) for key in metric_keys}
    code_diffs = {
        label: code_diff(runs[0].code, run.code, labels[0], label)
        for run, label in zip(runs[1:], labels[1:], strict=True)
    }
    return CompareData(
        runs=runs,
        labels=labels,
        overview=overview,
        params=params,
        differing_params=differing_params,
        tags=tags,
        differing_tags=differing_tags,
        metrics=metrics,
        histories=histories,
        code_diffs=code_diffs,
    )


def _find_runs(run_ids: Any, tracker: Tracker) -> list[RunRecord]:
    if isinstance(run_ids, pd.DataFrame) and "run_id" in run_ids.columns:
        run_ids = run_ids["run_id"]
    if isinstance(run_ids, (str, bytes, Mapping)) or not isinstance(run_ids, Iterable):
        raise InvalidInputError(
            f"compare takes a list of run ids, such as ['3f2a9c1e0b7d', '8b41d07a55e2'], not "
            f"{type(run_ids).__name__} {run_ids!r:.80}"
        )
    given = list(run_ids)
    if not MIN_RUNS <= len(given) <= MAX_RUNS:
        raise InvalidInputError(
            f"compare takes {MIN_RUNS} to {MAX_RUNS} runs, got {len(given)}; pick them from "
            "mlops_jlab.runs(), e.g. runs(order_by='metrics.acc DESC').head(10)"
        )
    ids: list[str] = []
    seen: dict[str, Any] = {}
    for position, run_id in enumerate(given, start=1):
        full = _full_id(run_id, position, tracker)
        if full in seen:
            raise InvalidInputError(
                f"run {full} is listed twice (as {seen[full]!r} and {run_id!r}); list each run once"
            )
        seen[full] = run_id
        ids.append(full)
    return tracker.get_runs(ids)


def _full_id(run_id: Any, position: int, tracker: Tracker) -> str:
    """A run's id, from itself or an unambiguous prefix: typing 8 characters beats pasting
    32. A whole id is checked when the runs are read, all at once."""
    if not isinstance(run_id, str):
        raise InvalidInputError(
            f"run id number {position} must be text, not {type(run_id).__name__} {run_id!r:.80}"
        )
    if _RUN_ID.fullmatch(run_id):
        return run_id
    return tracker.resolve_run_id(run_id)


def _labels(runs: list[RunRecord]) -> list[str]:
    labels = [f"{run.name} ({run.id[:8]})" for run in runs]
    if len(set(labels)) < len(labels):  # same name and same id start: only whole ids tell
        labels = [f"{run.name} ({run.id})" for run in runs]
    return labels


_MISSING = object()


def _side_by_side(
    values: list[Mapping[str, Any]], labels: list[str], what: str, ordered: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    """One row per key (sorted, or in order of first appearance unless ``ordered``), one
    column per run; and the keys whose values are not all equal."""
    keys = list(dict.fromkeys(key for run in values for key in run))
    if ordered:
        keys.sort()
    table = pd.DataFrame(
        {label: [run.get(key) for key in keys] for label, run in zip(labels, values, strict=True)},
        index=pd.Index(keys, name=what, dtype=object),
        columns=labels,
        dtype=object,
    )
    differing = [key for key in keys if len({run.get(key, _MISSING) for run in values}) > 1]
    return table, differing


def _overview(run: RunRecord) -> dict[str, str]:
    started = datetime.fromtimestamp(run.start_time / 1000, tz=timezone.utc)
    described = {
        "experiment": run.experiment,
        "status": run.status,
        "kind": run.kind,
        "started": started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "duration": (
            f"{(run.end_time - run.start_time) / 1000:.1f} s" if run.end_time else "still running"
        ),
        "user": run.user,
        "notebook": run.notebook_path,
        "git commit": run.git_commit,
    }
    return {key: value for key, value in described.items() if value is not None}


def _history(
    points: Mapping[tuple[str, str], list[tuple[int, float, int]]],
    runs: list[RunRecord],
    labels: list[str],
    key: str,
) -> pd.DataFrame:
    steps: list[int] = []
    values: list[float] = []
    codes: list[np.ndarray] = []
    for number, run in enumerate(runs):
        found = points.get((run.id, key), [])
        steps += [step for step, _value, _time in found]
        values += [value for _step, value, _time in found]
        codes.append(np.full(len(found), number, dtype=np.int8))  # at most MAX_RUNS runs
    return pd.DataFrame(
        {
            "step": np.array(steps, dtype=np.int64),
            "value": np.array(values, dtype=float),
            # A category per run: a million points do not hold a million strings.
            "run": pd.Categorical.from_codes(np.concatenate(codes), categories=labels),
        }
    )


def downsample(
    steps: np.ndarray, values: np.ndarray, max_points: int = MAX_CHART_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """The points of a long series a chart draws: at most ``max_points`` of them.

    The series is cut into equal stretches and each keeps its lowest and highest point,
    plus the first and last point of the series, so spikes and the end value stay visible.

    Parameters
    ----------
    steps, values
        The series in step order.
    max_points
        At most this many points are returned (at least 4).

    Returns
    -------
    tuple of numpy.ndarray
        The kept steps and values, in their original order.
    """
    steps, values = np.asarray(steps), np.asarray(values, dtype=float)
    count = len(values)
    if count <= max_points:
        return steps, values
    stretch = -(-count // ((max(max_points, 4) - 2) // 2))  # ceiling division
    stretches = -(-count // stretch)
    # Padding repeats the last value, so the last stretch needs no special case.
    grid = np.pad(values, (0, stretches * stretch - count), mode="edge").reshape(stretches, -1)
    starts = np.arange(stretches) * stretch
    kept = np.concatenate(
        ([0, count - 1], starts + grid.argmin(axis=1), starts + grid.argmax(axis=1))
    )
    kept = np.unique(np.minimum(kept, count - 1))
    return steps[kept], values[kept]


def _run_style(number: int) -> dict[str, Any]:
    """The same color (and past 20 runs, dash) for a run in every chart."""
    from matplotlib import colormaps

    return {
        "color": colormaps["tab20" if number >= 10 else "tab10"](number % 20),
        "linestyle": ("-", "--", ":")[number // 20 % 3],
    }


def _drawn(text: str, limit: int) -> str:
    """Text for a chart, cut short; a ``$`` would start matplotlib's math markup (and a
    name like ``cost $\\frac`` would fail to draw), so it is drawn as itself."""
    return _short(text, limit).replace("$", r"\$")


def metric_figure(data: CompareData, key: str) -> Figure:
    """A matplotlib figure of metric ``key`` for every compared run that logged it.

    A line over steps per run; a bar per run when every run logged a single point.
    The figure is made without pyplot, so it never shows up in (or is closed by) the
    notebook's own plotting.

    Parameters
    ----------
    data
        A comparison from :func:`compare_runs`.
    key
        One of ``data.metrics.index``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if key not in data.histories:
        raise NotFoundError(
            f"no compared run logged metric {key!r}; the metrics are: "
            f"{', '.join(data.histories) or 'none'}"
        )
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    history = data.histories[key]
    series = [
        (number, label, history[history["run"] == label])
        for number, label in enumerate(data.labels)
        if (history["run"] == label).any()
    ]
    figure = Figure(figsize=(7, 3.4), dpi=100, facecolor="white")
    axes = figure.add_subplot()
    axes.set_title(_drawn(key, 80))
    axes.set_ylabel("value")
    if all(len(points) == 1 for _, _, points in series):
        # One number per run: bars compare them better than lone dots at step 0.
        count = len(series)
        bars = axes.bar(
            range(count),
            [float(points["value"].iloc[0]) for _, _, points in series],
            width=0.6,
            color=[_run_style(number)["color"] for number, _, _ in series],
        )
        axes.bar_label(bars, fmt="%.4g", fontsize="small")
        axes.margins(y=0.15)
        # A bar keeps its width when only two or three runs are compared.
        half = max(count, 4) / 2
        axes.set_xlim((count - 1) / 2 - half, (count - 1) / 2 + half)
        axes.set_xticks(
            range(count),
            [_drawn(label, 25) for _, label, _ in series],
            rotation=30 if count <= 12 else 75,
            ha="right",
            fontsize="small" if count <= 12 else "x-small",
        )
        return figure
    shortened = False
    for number, label, points in series:
        steps, values = downsample(points["step"].to_numpy(), points["value"].to_numpy())
        shortened = shortened or len(values) < len(points)
        axes.plot(
            steps,
            values,
            label=_drawn(label, LABEL_CHARS),
            marker="o" if len(values) <= 30 else None,
            markersize=3,
            linewidth=1.2,
            **_run_style(number),
        )
    axes.set_xlabel("step")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    axes.grid(alpha=0.3)
    axes.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize="small",
        ncols=-(-len(series) // 18),
        frameon=False,
    )
    if shortened:
        axes.annotate(
            f"long series drawn from at most {MAX_CHART_POINTS:,} points each "
            "(the lowest and highest of each stretch)",
            xy=(0, -0.28),
            xycoords="axes fraction",
            fontsize="x-small",
            color="#555555",
        )
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


# --- HTML: every user-provided string goes through _text or _cell ----------------------

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
_MUTED = "color: var(--jp-ui-font-color2)"
_ABSENT = f'<span style="{_MUTED}" title="not logged">&mdash;</span>'


def _text(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _cell(value: Any, limit: int = CELL_CHARS) -> str:
    """Escaped text cut to ``limit`` characters, with the whole of it as a tooltip."""
    text = str(value)
    if len(text) <= limit:
        return _text(text)
    return f'<span title="{_text(text)}">{_text(_short(text, limit))}</span>'


def _header_row(labels: list[str], first: str) -> str:
    cells = "".join(
        f'<th style="{_TH}">{number}. {_cell(label, LABEL_CHARS)}</th>'
        for number, label in enumerate(labels, start=1)
    )
    return f'<tr><th style="{_TH}">{_text(first)}</th>{cells}</tr>'


def _table_html(
    title: str,
    table: pd.DataFrame,
    differing: list[str],
    differences_only: bool,
    noun: str,
    none_logged: str = "",
) -> str:
    heading = f'<h4 style="margin: 8px 0 2px">{_text(title)}</h4>'
    if table.empty:
        return f'{heading}<p style="{_MUTED}">{_text(none_logged)}</p>'
    keys = differing if differences_only else list(table.index)
    if not keys:
        same = f"All {len(table.index)} {noun} are the same in every run."
        return f'{heading}<p style="{_MUTED}">{same}</p>'
    marked = set(differing)
    rows = []
    for key in keys:
        cells = "".join(
            f'<td style="{_TD}">{_ABSENT if value is None else _cell(value)}</td>'
            for value in table.loc[key].tolist()
        )
        style = f' style="{_DIFFERING_TR}" title="differs between runs"' if key in marked else ""
        rows.append(f'<tr{style}><th style="{_TD}">{_cell(key)}</th>{cells}</tr>')
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
        return f'<p style="{_MUTED}">None of these runs logged metrics.</p>'
    rows = []
    for key, values in data.metrics.iterrows():
        cells = "".join(
            f'<td style="{_NUMBER_TD}">'
            + (_ABSENT if pd.isna(value) else f'<span title="{float(value)!r}">{value:.6g}</span>')
            + "</td>"
            for value in values
        )
        rows.append(f'<tr><th style="{_TD}">{_cell(key)}</th>{cells}</tr>')
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
        style = _MUTED
    else:
        return _text(line)
    return f'<span style="{style}">{_text(line)}</span>'


def code_html(data: CompareData) -> str:
    """The code of each run after the first, diffed against the first run's code."""
    first, base = data.runs[0], data.labels[0]
    parts = [
        f'<p style="{_MUTED}">Each run\'s cell against run 1, {_cell(base, LABEL_CHARS)}'
        f"{' (which recorded no code)' if first.code is None else ''}.</p>"
    ]
    for number, (run, label) in enumerate(
        zip(data.runs[1:], data.labels[1:], strict=True), start=2
    ):
        diff = data.code_diffs[label]
        note = " (this run recorded no code)" if run.code is None and first.code else ""
        heading = (
            f'<h4 style="margin: 8px 0 2px">1 &rarr; {number}. {_cell(label, LABEL_CHARS)}'
            f"{note}</h4>"
        )
        if diff == "":
            note = "Neither run recorded code." if run.code is None else "Same code as run 1."
            parts.append(f'{heading}<p style="{_MUTED}">{note}</p>')
            continue
        if diff is None:
            same = run.code_hash == first.code_hash
            parts.append(
                f'{heading}<p style="{_MUTED}">The code is too long to diff here '
                f"({len(first.code or ''):,} and {len(run.code or ''):,} characters); "
                f"its hashes {'match' if same else 'differ'}. Diff the texts of "
                "<code>get_run(id).code</code> outside the notebook.</p>"
            )
            continue
        lines = diff.split("\n")
        shown = "\n".join(_diff_line(line) for line in lines[:MAX_DIFF_LINES_SHOWN])
        more = len(lines) - MAX_DIFF_LINES_SHOWN
        tail = (
            f'<p style="{_MUTED}">{more:,} more lines in view.comparison.code_diffs.</p>'
            if more > 0
            else ""
        )
        parts.append(f'{heading}<pre style="{_PRE}">{shown}</pre>{tail}')
    return "".join(parts)


class CompareView(widgets.VBox):
    """Tabs comparing runs: Params, Metrics, Charts (drawn when first opened) and Code.

    Attributes
    ----------
    comparison
        The :class:`CompareData` shown.
    tabs
        The ``ipywidgets.Tab`` holding the four views.
    differences_only
        The checkbox that hides rows equal in every run.
    params, metrics, charts, code
        The widget of each tab.
    """

    def __init__(self, comparison: CompareData, **kwargs: Any):
        super().__init__(**kwargs)
        self.comparison = comparison
        self.differences_only = widgets.Checkbox(
            value=False, description="Differences only", indent=False
        )
        self.params = widgets.HTML()
        self.metrics = widgets.HTML(metrics_html(comparison))
        self.charts = widgets.VBox()
        self.code = widgets.HTML(code_html(comparison))
        self.tabs = widgets.Tab(
            children=[
                widgets.VBox([self.differences_only, self.params]),
                self.metrics,
                self.charts,
                self.code,
            ],
            titles=_TABS,
        )
        self._charts_drawn = False
        count = len(comparison.runs)
        header = widgets.HTML(
            f'<b style="color: var(--jp-ui-font-color1)">Comparing {count} runs</b>'
        )
        self.children = [header, self.tabs]
        self.differences_only.observe(self._show_params, names="value")
        # Charts cost a figure per metric: draw them only for someone who looks.
        self.tabs.observe(self._tab_opened, names="selected_index")
        self._show_params()

    def _show_params(self, _change: Any = None) -> None:
        self.params.value = params_html(self.comparison, self.differences_only.value)

    def _tab_opened(self, change: Mapping[str, Any]) -> None:
        if change["new"] == CHARTS_TAB:
            self.draw_charts()

    def draw_charts(self) -> None:
        """Draw one chart per metric into the Charts tab (once)."""
        if self._charts_drawn:
            return
        self._charts_drawn = True
        keys = list(self.comparison.histories)
        if not keys:
            self.charts.children = [
                widgets.HTML(f'<p style="{_MUTED}">None of these runs logged metrics.</p>')
            ]
            return
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.charts.children = [
                widgets.HTML(
                    f'<p style="{_MUTED}">Charts need matplotlib: <code>pip install '
                    "matplotlib</code>, then compare again.</p>"
                )
            ]
            return
        self.charts.children = [
            widgets.HTML(f'<p style="{_MUTED}">Drawing {len(keys)} charts&hellip;</p>')
        ]
        self.charts.children = [self._chart(key) for key in keys]

    def _chart(self, key: str) -> widgets.Widget:
        try:
            png = _png(metric_figure(self.comparison, key))
        except Exception as exc:  # raised in a tab callback, an error would go unseen
            return widgets.HTML(
                f'<p style="color: var(--jp-error-color1)">The chart of {_cell(key)} could not '
                f"be drawn: {_text(exc)}. Its points are in view.comparison.histories.</p>"
            )
        return widgets.Image(
            value=png, format="png", layout=widgets.Layout(max_width="100%", height="auto")
        )


def compare_view(run_ids: Iterable[str], tracker: Tracker | None = None) -> CompareView:
    """An ipywidgets view comparing 2 to 50 runs: what ``%compare`` shows.

    Tabs: **Params** (run overview, params and tags side by side, differing rows
    highlighted, a "Differences only" checkbox), **Metrics** (latest values), **Charts**
    (a chart per metric over steps, drawn when the tab is first opened) and **Code**
    (each run's cell diffed against the first run's).

    Parameters
    ----------
    run_ids
        Run ids or unambiguous prefixes of at least 6 characters (see :func:`compare_runs`).
    tracker
        The store to read; by default the one this process resolved.

    Returns
    -------
    CompareView
        An ``ipywidgets.VBox``; display it, or make it a cell's last expression.
    """
    return CompareView(compare_runs(run_ids, tracker))
