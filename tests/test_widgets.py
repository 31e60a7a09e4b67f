"""Comparing runs side by side: the data behind ``%compare`` and its ipywidgets view."""

from __future__ import annotations

import math
import uuid

import ipywidgets as widgets
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from ipywidgets.widgets.widget_link import Link

from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.kernel.compare_data import MAX_CHART_POINTS, compare_runs, downsample
from mlops_jlab.kernel.compare_view import CompareView, compare_view
from mlops_jlab.store.tables import Metric

PNG = b"\x89PNG\r\n\x1a\n"

BASELINE_CODE = "import model\nlr = 0.1\ndepth = 3\nfit(lr, depth)\n"
TUNED_CODE = "import model\nlr = 0.01\ndepth = 3\nfit(lr, depth)\nreport()\n"


def make_run(tracker, name, params=None, metrics=None, code=None, tags=None):
    """A finished run; ``metrics`` maps a key to its values at steps 0, 1, 2, ..."""
    run = tracker.start_run(name=name, experiment="compare", code=code, tags=tags)
    if params:
        run.log_params(params)
    for key, values in (metrics or {}).items():
        for step, value in enumerate(values):
            run.log_metrics({key: value}, step=step)
    run.end()
    return run


def html_of(widget) -> str:
    """All the HTML a user sees in a widget and its children."""
    parts = [widget.value] if isinstance(widget, widgets.HTML) else []
    for child in getattr(widget, "children", ()):
        parts.append(html_of(child))
    return "".join(parts)


def is_png(image) -> bool:
    return (
        isinstance(image, widgets.Image)
        and image.format == "png"
        and bytes(image.value).startswith(PNG)
    )


def param_rows(view: CompareView) -> str:
    return view.params.value


@pytest.fixture
def three_runs(tracker):
    base = make_run(
        tracker,
        "baseline",
        {"lr": 0.1, "depth": 3, "model": "rf"},
        {"loss": [0.9, 0.5, 0.3], "acc": [0.8]},
        BASELINE_CODE,
        tags={"team": "risk"},
    )
    tuned = make_run(
        tracker,
        "tuned",
        {"lr": 0.01, "depth": 3, "model": "rf", "seed": 7},
        {"loss": [0.8, 0.4, 0.2, 0.1], "acc": [0.9], "f1": [0.7]},
        TUNED_CODE,
        tags={"team": "risk"},
    )
    same = make_run(tracker, "rerun", {"lr": 0.1, "depth": 3, "model": "rf"}, None, BASELINE_CODE)
    return base, tuned, same


def test_params_sit_side_by_side_and_the_differing_keys_are_named(tracker, three_runs):
    # Given three runs that share some params, differ in one and where one has an extra key
    base, tuned, same = three_runs
    # When they are compared
    data = compare_runs([base.id, tuned.id, same.id], tracker)
    # Then each run is a column labelled with its name and short id, in the order asked for
    assert data.labels == [
        f"baseline ({base.id[:8]})",
        f"tuned ({tuned.id[:8]})",
        f"rerun ({same.id[:8]})",
    ]
    assert data.run_ids == [base.id, tuned.id, same.id]
    assert list(data.params.columns) == data.labels
    # And each param is a row with the value each run logged, none where it did not
    assert list(data.params.index) == ["depth", "lr", "model", "seed"]
    assert data.params.loc["lr"].tolist() == ["0.1", "0.01", "0.1"]
    assert data.params.loc["seed"].tolist() == [None, "7", None]
    # And a key differs when a value does, or when only some runs have it
    assert data.differing_params == ["lr", "seed"]
    # And tags are compared the same way
    assert data.tags.loc["team"].tolist() == ["risk", "risk", None]
    assert data.differing_tags == ["team"]
    assert data.overview.loc["experiment"].tolist() == ["compare"] * 3
    assert data.overview.loc["status"].tolist() == ["finished"] * 3


def test_latest_metrics_and_their_histories_are_compared(tracker, three_runs):
    # Given runs with metrics logged over steps, one of them with a key the other lacks
    base, tuned, same = three_runs
    # When they are compared
    data = compare_runs([base.id, tuned.id, same.id], tracker)
    # Then the metrics table holds each run's latest value, NaN where a run has none
    first, second, third = data.labels
    assert data.metrics.loc["loss", first] == pytest.approx(0.3)
    assert data.metrics.loc["loss", second] == pytest.approx(0.1)
    assert math.isnan(data.metrics.loc["f1", first])
    assert data.metrics[third].isna().all()  # the rerun logged no metrics
    assert list(data.metrics.index) == ["acc", "f1", "loss"]
    # And each metric's history has every point, labelled by run
    loss = data.histories["loss"]
    assert list(loss.columns) == ["step", "value", "run"]
    assert loss[loss["run"] == first]["value"].tolist() == pytest.approx([0.9, 0.5, 0.3])
    assert loss[loss["run"] == second]["step"].tolist() == [0, 1, 2, 3]
    assert set(data.histories["f1"]["run"]) == {second}


def test_the_code_of_each_run_is_diffed_against_the_first(tracker, three_runs):
    # Given a baseline, a run with changed code and a rerun of the same code
    base, tuned, same = three_runs
    # When they are compared
    data = compare_runs([base.id, tuned.id, same.id], tracker)
    # Then the diff against the changed run shows the removed and the added lines
    diff = data.code_diffs[data.labels[1]]
    assert diff.startswith(f"--- {data.labels[0]}\n+++ {data.labels[1]}\n")
    assert "-lr = 0.1" in diff and "+lr = 0.01" in diff and "+report()" in diff
    assert " depth = 3" in diff
    # And the rerun's diff is empty, which the view says in words
    assert data.code_diffs[data.labels[2]] == ""
    view = CompareView(data)
    assert "+report()" in view.code.value
    assert "Same code as run 1." in view.code.value
    assert data.labels[0] not in data.code_diffs


def test_runs_without_metrics_or_code_compare_with_plain_messages(tracker):
    # Given two runs that logged only disjoint params, no metrics and no code
    first = make_run(tracker, "a", {"alpha": 1})
    second = make_run(tracker, "b", {"beta": 2})
    # When they are compared
    data = compare_runs([first.id, second.id], tracker)
    view = compare_view([first.id, second.id], tracker)
    # Then every param differs, and there is nothing to chart or diff
    assert data.differing_params == ["alpha", "beta"]
    assert data.metrics.empty and data.histories == {}
    assert data.code_diffs == {data.labels[1]: ""}
    # And the view says so rather than showing empty tables
    assert "None of these runs logged metrics." in view.metrics.value
    view.tabs.selected_index = 2
    assert "None of these runs logged metrics." in html_of(view.charts)
    assert "Neither run recorded code." in view.code.value


def test_a_run_without_code_diffs_as_all_lines_removed(tracker):
    # Given a run with code and one without
    with_code = make_run(tracker, "cell", code="x = 1\ny = 2\n")
    without = make_run(tracker, "script")
    # When they are compared
    view = compare_view([with_code.id, without.id], tracker)
    # Then the diff removes every line and says why
    diff = view.comparison.code_diffs[view.comparison.labels[1]]
    assert "-x = 1" in diff and "-y = 2" in diff
    assert "this run recorded no code" in view.code.value


def test_code_too_long_to_diff_is_compared_by_its_hash(tracker):
    # Given two cells of 600,000 characters each that differ in their last line
    body = "x = 1\n" * 100_000
    first = make_run(tracker, "a", code=body + "y = 1\n")
    second = make_run(tracker, "b", code=body + "y = 2\n")
    # When they are compared
    view = compare_view([first.id, second.id], tracker)
    # Then no diff is attempted, and the user learns the code differs and where to look
    assert view.comparison.code_diffs == {view.comparison.labels[1]: None}
    assert "too long to diff here (600,006 and 600,006 characters)" in view.code.value
    assert "its hashes differ" in view.code.value


def test_the_view_escapes_every_user_written_text(tracker):
    # Given runs whose name, param value, tag and code hold HTML and an ampersand
    hostile = "<script>alert('x')</script> & <b>"
    first = make_run(
        tracker,
        f"{hostile} $\\frac$ run",
        {"note": hostile, hostile[:20]: "key"},
        {"m<i>": [1.0]},
        code=f"print('{hostile}')\n",
        tags={"who": hostile},
    )
    second = make_run(tracker, "plain", {"note": "fine"}, {"m<i>": [2.0]}, code="pass\n")
    # When the view is built
    view = compare_view([first.id, second.id], tracker)
    shown = html_of(view)
    # Then no user text reaches the page as markup, only as escaped text
    assert "<script>" not in shown and "<b>" not in shown and "<i>" not in shown
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in shown
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt; $\\frac$ run" in shown
    assert "m&lt;i&gt;" in shown
    # And the charts draw the name as it is, not as markup (here matplotlib's math)
    view.draw_charts()
    assert is_png(view.charts.children[0])


def test_differences_only_hides_the_rows_every_run_shares(tracker, three_runs):
    # Given the view of runs that share depth and model but differ in lr and seed
    base, tuned, same = three_runs
    view = compare_view([base.id, tuned.id, same.id], tracker)
    assert ">depth</th>" in param_rows(view) and ">lr</th>" in param_rows(view)
    # And the differing rows are marked as such
    assert param_rows(view).count('title="differs between runs"') >= 3  # lr, seed, team, ...
    # When "differences only" is ticked
    assert view.differences_only.description == "Differences only"
    view.differences_only.value = True
    # Then the shared rows are gone and the differing ones stay
    assert ">depth</th>" not in param_rows(view) and ">model</th>" not in param_rows(view)
    assert ">lr</th>" in param_rows(view) and ">seed</th>" in param_rows(view)
    assert ">experiment</th>" not in param_rows(view)
    # When it is unticked, then every row is back
    view.differences_only.value = False
    assert ">depth</th>" in param_rows(view) and ">experiment</th>" in param_rows(view)


def test_differences_only_says_when_all_params_are_equal(tracker):
    # Given two runs with the same params
    first = make_run(tracker, "a", {"lr": 0.1, "depth": 3})
    second = make_run(tracker, "b", {"lr": 0.1, "depth": 3})
    view = compare_view([first.id, second.id], tracker)
    # When only differences are shown, then the user reads that the params all agree
    view.differences_only.value = True
    assert "All 2 parameters are the same in every run." in param_rows(view)


def test_long_values_are_cut_in_the_table_with_the_whole_value_as_a_tooltip(tracker):
    # Given a param value of 2,000 characters
    long_value = "abc&" * 500
    first = make_run(tracker, "a", {"features": long_value})
    second = make_run(tracker, "b", {"features": "short"})
    # When the view shows it
    table = compare_view([first.id, second.id], tracker).params.value
    # Then the cell shows a short escaped start, and its tooltip the whole value
    assert f'title="{long_value.replace("&", "&amp;")}"' in table
    assert "abc&amp;abc&amp;" in table and "\u2026</span>" in table
    assert table.count("abc&amp;") < 500 * 2  # once whole in the title, once cut short


def test_the_view_has_four_tabs_styled_with_theme_variables(tracker, three_runs):
    base, tuned, _ = three_runs
    view = compare_view([base.id, tuned.id], tracker)
    assert isinstance(view, widgets.Widget)
    assert view.tabs.titles == ("Params", "Metrics", "Charts", "Code")
    # Colors come from the JupyterLab theme, so dark themes stay readable
    shown = html_of(view)
    assert "var(--jp-" in shown
    assert "#fff" not in shown.lower() and "black" not in shown


def test_the_tabs_are_buttons_linked_in_the_browser_to_the_views(tracker, three_runs):
    # Given the view of two runs
    base, tuned, _ = three_runs
    view = compare_view([base.id, tuned.id], tracker)
    # Then its tabs are toggle buttons (which take clicks however the notebook restores
    # its outputs after a reload) shown above the stack of views
    assert isinstance(view.tab_buttons, widgets.ToggleButtons)
    assert view.tab_buttons.options == ("Params", "Metrics", "Charts", "Code")
    assert view.children[1:] == (view.tab_buttons, view.tabs)
    assert isinstance(view.tabs, widgets.Stack) and view.tabs.selected_index == 0
    # And a button picks its view in the browser itself, with no round trip to the kernel
    link = view._tab_link
    assert isinstance(link, Link)
    assert link.source == (view.tab_buttons, "index")
    assert link.target == (view.tabs, "selected_index")


def test_opening_the_charts_tab_draws_a_png_per_metric(tracker, three_runs):
    # Given the view of runs with a metric over steps and metrics of a single point
    base, tuned, same = three_runs
    view = compare_view([base.id, tuned.id, same.id], tracker)
    # Then nothing is drawn before the tab is opened
    assert view.charts.children == ()
    # When the Charts tab is opened
    view.tabs.selected_index = 2
    # Then there is one PNG image per metric: acc, f1 (bars) and loss (lines)
    images = view.charts.children
    assert [type(image) for image in images] == [widgets.Image] * 3
    assert all(is_png(image) for image in images)


def test_charts_leave_the_notebooks_pyplot_figures_alone(tracker, three_runs):
    # Given a notebook session with a pyplot figure of its own
    pyplot = pytest.importorskip("matplotlib.pyplot")
    figure = pyplot.figure()
    before = pyplot.get_fignums()
    base, tuned, _ = three_runs
    # When charts are drawn, then pyplot knows of no new figure (and a tracked cell
    # collecting the session's figures would not pick them up)
    compare_view([base.id, tuned.id], tracker).draw_charts()
    assert pyplot.get_fignums() == before
    pyplot.close(figure)


def log_many_points(tracker, run, key, count, spike_step, spike):
    """Points 0..count-2 in one statement (logging them one by one takes a while),
    then the last through the API so the run's latest value is kept as usual."""
    steps = sa.select(sa.literal(0).label("step")).cte("steps", recursive=True)
    steps = steps.union_all(sa.select(steps.c.step + 1).where(steps.c.step < count - 2))
    value = sa.case((steps.c.step == spike_step, spike), else_=1.0 - steps.c.step * (1.0 / count))
    with tracker.store.write() as conn:
        conn.execute(
            Metric.__table__.insert().from_select(
                ["run_id", "key", "step", "value", "timestamp"],
                sa.select(sa.literal(run.id), sa.literal(key), steps.c.step, value, sa.literal(0)),
            )
        )
    run.log_metrics({key: 1.0 / count}, step=count - 1)


def test_a_long_metric_history_is_charted_from_a_few_thousand_points(tracker):
    # Given a run with 200,000 loss points and one spike, and a short run
    count, spike_step = 200_000, 123_457
    long_run = tracker.start_run(name="long", experiment="compare")
    log_many_points(tracker, long_run, "loss", count, spike_step, 5.0)
    long_run.end()
    short_run = make_run(tracker, "short", metrics={"loss": [1.0, 0.5]})
    # When the runs are compared
    view = compare_view([long_run.id, short_run.id], tracker)
    history = view.comparison.histories["loss"]
    long_points = history[history["run"] == view.comparison.labels[0]]
    # Then the data holds every point
    assert len(long_points) == count
    # And the chart draws at most a few thousand of them, keeping the spike and the end
    steps, values = downsample(long_points["step"].to_numpy(), long_points["value"].to_numpy())
    assert len(values) <= MAX_CHART_POINTS
    assert values.max() == 5.0 and steps[values.argmax()] == spike_step
    assert steps[0] == 0 and steps[-1] == count - 1
    view.draw_charts()
    assert is_png(view.charts.children[0])


def test_downsampling_keeps_short_series_whole_and_the_extremes_of_long_ones():
    # Given a short series, then it is drawn point for point
    steps, values = downsample(np.arange(10), np.linspace(0, 1, 10), max_points=10)
    assert len(values) == 10
    # Given noisy series of awkward lengths, then each keeps its extremes within the limit
    rng = np.random.default_rng(0)
    for count in (11, 4001, 10_007, 123_456):
        noisy = rng.normal(size=count)
        steps, values = downsample(np.arange(count), noisy, max_points=1000)
        assert len(values) <= 1000
        assert values.min() == noisy.min() and values.max() == noisy.max()
        assert np.all(np.diff(steps) > 0)  # in order, no point twice
        assert steps[-1] == count - 1


def test_runs_can_be_named_by_an_id_prefix_or_a_runs_table(tracker, three_runs):
    base, tuned, _ = three_runs
    # When runs are given by the first 8 characters of their ids
    data = compare_runs([base.id[:8], tuned.id[:8].upper()], tracker)
    # Then they are found
    assert data.run_ids == [base.id, tuned.id]
    # When a DataFrame from runs() is given, then its run_id column is used
    table = tracker.runs("name = 'baseline' OR name = 'tuned'", order_by="name")
    assert compare_runs(table, tracker).run_ids == [base.id, tuned.id]


def test_an_ambiguous_prefix_is_refused_with_the_matching_ids(tracker, monkeypatch):
    # Given two runs whose ids share their first 10 characters
    ids = iter(["abcdef0123" + "1" * 22, "abcdef0123" + "2" * 22])
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(next(ids)))
    first = make_run(tracker, "a")
    second = make_run(tracker, "b")
    # When the shared prefix names a run, then the user is asked for more characters
    with pytest.raises(InvalidInputError, match=r"matches several runs.*more characters"):
        compare_runs(["abcdef0123", first.id], tracker)
    # And one more character is enough
    assert compare_runs(["abcdef01231", "abcdef01232"], tracker).run_ids == [first.id, second.id]


@pytest.mark.parametrize(
    ("given", "error", "advice"),
    [
        (lambda a, b: [a], InvalidInputError, "2 to 50 runs, got 1"),
        (lambda a, b: [], InvalidInputError, "2 to 50 runs, got 0"),
        (lambda a, b: [a, b] + ["0" * 32] * 49, InvalidInputError, "2 to 50 runs, got 51"),
        (lambda a, b: [a, b, a], InvalidInputError, "listed twice.*list each run once"),
        (lambda a, b: [a, a[:8]], InvalidInputError, "listed twice"),
        (lambda a, b: [a, "f" * 32], NotFoundError, "no run with id 'f{32}'.*mlops_jlab.runs"),
        (lambda a, b: [a, "fedcba98"], NotFoundError, "no run whose id starts with 'fedcba98'"),
        (lambda a, b: [a, "no-such-run"], NotFoundError, "no run with id 'no-such-run'"),
        (lambda a, b: [a, a[:4]], InvalidInputError, "too short.*at least 6 characters"),
        (lambda a, b: [a, 42], InvalidInputError, "run id number 2 must be text"),
        (lambda a, b: a, InvalidInputError, "takes a list of run ids"),
        (lambda a, b: None, InvalidInputError, "takes a list of run ids"),
    ],
    ids=[
        "one run",
        "no runs",
        "51 runs",
        "duplicate",
        "duplicate by prefix",
        "unknown id",
        "unknown prefix",
        "not an id",
        "short prefix",
        "not text",
        "a single string",
        "None",
    ],
)
def test_bad_run_lists_are_refused_with_advice(tracker, given, error, advice):
    # Given two runs
    first = make_run(tracker, "a")
    second = make_run(tracker, "b")
    run_ids = given(first.id, second.id)
    # When a comparison is asked with a bad list, then the error says what to do
    with pytest.raises(error, match=advice):
        compare_runs(run_ids, tracker)
    with pytest.raises(error, match=advice):
        compare_view(run_ids, tracker)


def test_fifty_runs_compare_with_a_color_each(tracker):
    # Given fifty runs with one accuracy each
    runs = [make_run(tracker, f"trial-{i}", {"i": i}, {"acc": [i / 50]}) for i in range(50)]
    # When they are compared
    view = compare_view(pd.Series([run.id for run in runs]), tracker)
    # Then every run has a column and the bar chart is drawn
    assert len(view.comparison.params.columns) == 50
    assert view.comparison.differing_params == ["i"]
    view.draw_charts()
    assert is_png(view.charts.children[0])
