"""Metric histories of compared runs drawn with matplotlib, as PNG images for a widget."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from mlops_jlab.errors import NotFoundError
from mlops_jlab.kernel.compare_data import MAX_CHART_POINTS, CompareData, downsample
from mlops_jlab.kernel.compare_html import LABEL_CHARS, short

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    return short(text, limit).replace("$", r"\$")


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


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


# --- HTML: every user-provided string goes through escaped or cell ----------------------
