"""The ipywidgets view of runs compared side by side: tabs of HTML tables, matplotlib charts
and a code diff, drawn from :func:`~mlops_jlab.kernel.compare_data.compare_runs`.

The tabs are a row of toggle buttons over a :class:`ipywidgets.Stack`, linked in the browser,
not an :class:`ipywidgets.Tab`: a Tab's bar (a Lumino TabBar) listens for clicks only once
Lumino has told it that it is attached, and JupyterLab 4's default notebook windowing
("contentVisibility") restores an output that is out of view after a page reload without
telling it. That bar then ignored every click (the kernel could still switch it) while the
buttons, which listen from the start, keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from mlops_jlab.kernel.compare_charts import metric_figure, png_bytes
from mlops_jlab.kernel.compare_data import CompareData, compare_runs
from mlops_jlab.kernel.compare_html import (
    MUTED,
    cell,
    code_html,
    escaped,
    metrics_html,
    params_html,
)
from mlops_jlab.tracking import Tracker

if TYPE_CHECKING:
    pass


_TABS = ("Params", "Metrics", "Charts", "Code")
_TAB_TOOLTIPS = (
    "Runs, params and tags side by side",
    "Latest metric values",
    "A chart per metric over steps",
    "Each run's cell against the first run's",
)
CHARTS_TAB = _TABS.index("Charts")


class CompareView(widgets.VBox):
    """Tabs comparing runs: Params, Metrics, Charts (drawn when first opened) and Code.

    Attributes
    ----------
    comparison
        The :class:`CompareData` shown.
    tab_buttons
        The ``ipywidgets.ToggleButtons`` that pick the view shown.
    tabs
        The ``ipywidgets.Stack`` holding the four views (``selected_index`` is the one
        shown, ``titles`` their names).
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
        self.tabs = widgets.Stack(
            children=[
                widgets.VBox([self.differences_only, self.params]),
                self.metrics,
                self.charts,
                self.code,
            ],
            titles=_TABS,
            selected_index=0,
        )
        self.tab_buttons = widgets.ToggleButtons(
            options=_TABS,
            tooltips=_TAB_TOOLTIPS,
            style={"button_width": "auto"},
            layout=widgets.Layout(margin="4px 0 8px"),
        )
        # Linked in the browser: a click shows its view at once, kernel or not, and a view
        # picked from Python (tabs.selected_index = 2) presses its button.
        self._tab_link = widgets.jslink((self.tab_buttons, "index"), (self.tabs, "selected_index"))
        self._charts_drawn = False
        count = len(comparison.runs)
        header = widgets.HTML(
            f'<b style="color: var(--jp-ui-font-color1)">Comparing {count} runs</b>'
        )
        self.children = [header, self.tab_buttons, self.tabs]
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
                widgets.HTML(f'<p style="{MUTED}">None of these runs logged metrics.</p>')
            ]
            return
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.charts.children = [
                widgets.HTML(
                    f'<p style="{MUTED}">Charts need matplotlib: <code>pip install '
                    "matplotlib</code>, then compare again.</p>"
                )
            ]
            return
        self.charts.children = [
            widgets.HTML(f'<p style="{MUTED}">Drawing {len(keys)} charts&hellip;</p>')
        ]
        self.charts.children = [self._chart(key) for key in keys]

    def _chart(self, key: str) -> widgets.Widget:
        try:
            png = png_bytes(metric_figure(self.comparison, key))
        except Exception as exc:  # raised in a tab callback, an error would go unseen
            return widgets.HTML(
                f'<p style="color: var(--jp-error-color1)">The chart of {cell(key)} could not '
                f"be drawn: {escaped(exc)}. Its points are in view.comparison.histories.</p>"
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
