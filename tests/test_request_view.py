"""A transition request in a notebook: its ipywidgets view shows the request and its
ease.ml/ci report, and approves or rejects it through the gate, as the kernel's OS user."""

from __future__ import annotations

import ipywidgets as widgets
import nbformat
import pytest
from nbconvert import HTMLExporter

import mlops_jlab as ml
from mlops_jlab.config import JOB_ID_ENV, StoreLocation
from mlops_jlab.environment import current_user
from mlops_jlab.kernel.request_view import WIDGET_VIEW, RequestView, request_view
from mlops_jlab.registry import Registry, gate
from mlops_jlab.tracking import Tracker
from tests.kernels import Kernel
from tests.registry_world import Broken, labelled, sqlite_tracking, train_run

__all__ = ["sqlite_tracking"]

CI = {"reliability": 0.99, "adaptivity": "none", "steps": 2}


def html_of(widget) -> str:
    """All the HTML a user sees in a widget and its children."""
    parts = [widget.value] if isinstance(widget, widgets.HTML) else []
    for child in getattr(widget, "children", ()):
        parts.append(html_of(child))
    return "".join(parts)


def shown_widgets(widget) -> list[widgets.Widget]:
    """The widget and every widget it shows."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += shown_widgets(child)
    return found


def buttons_shown(view: RequestView) -> list[str]:
    return [w.description for w in shown_widgets(view) if isinstance(w, widgets.Button)]


@pytest.fixture
def champion_and_challenger(sqlite_tracking):
    """churn v1 is champion (approved by someone else); v2 is asked for with a passing check."""
    ml.register_model(train_run(), "churn")
    first = ml.request_transition("churn", 1, "champion")
    gate.decide(ml.get_registry(), first.id, True, "baseline", actor="bob")
    ml.register_model(train_run(max_iter=300), "churn")
    return ml.request_transition(
        "churn",
        2,
        "champion",
        "n > 0.6 +/- 0.1 /\\ d < 0.5 +/- 0.1",
        labelled(800, seed=3),
        reason="better on recent data",
        **CI,
    )


def test_the_view_shows_the_request_and_its_report(champion_and_challenger):
    # Given a pending request for v2 with a passing check
    request = champion_and_challenger
    # When its view is built
    view = request_view(request)
    shown = view.details.value
    # Then the request is there: model, version, target alias, the version it replaces,
    # who asked, when and why, and its status
    assert f"#{request.id}: churn v2 -&gt; @champion" in shown
    assert ">v1<" in shown and f">{current_user()}<" in shown
    assert " UTC<" in shown and "better on recent data" in shown and ">pending<" in shown
    # And its report: condition, settings, examples, per-clause estimate and interval
    # with outcome, the decision and the budget left
    assert "n &gt; 0.6 +/- 0.1 /\\ d &lt; 0.5 +/- 0.1" in shown
    assert "reliability 0.99, mode fp-free, adaptivity none, 2 steps" in shown
    assert f"{request.report['examples_needed']} needed, 800 used" in shown
    clause = request.report["clauses"][0]
    assert f"<td>{clause['estimate']:.4f}</td>" in shown
    assert f"[{clause['low']:.4f}, {clause['high']:.4f}]" in shown
    assert "pass (decision: pass)" in shown
    assert "1 of 2 evaluations" in shown
    # And while it is pending, a comment box and the two buttons
    assert buttons_shown(view) == ["Approve", "Reject"]
    assert view.comment in shown_widgets(view)


def test_approve_moves_the_alias_and_the_view_shows_the_decision(champion_and_challenger):
    # Given the view of the pending request for v2
    view = request_view(champion_and_challenger)
    # When the user writes a comment and clicks Approve
    view.comment.value = "checked the report"
    view.approve_button.click()
    # Then champion points at v2, approved by the OS user running this process
    assert ml.get_model_version("churn@champion").version == 2
    recorded = ml.get_transition_request(champion_and_challenger.id)
    assert (recorded.status, recorded.decided_by, recorded.comment) == (
        "approved",
        current_user(),
        "checked the report",
    )
    # And the view shows the decision (by whom, when, the comment) and the buttons are gone
    assert view.request.status == "approved"
    shown = view.details.value
    assert ">approved<" in shown and "decided by" in shown and "checked the report" in shown
    assert "decided at" in shown
    assert "Approved: @champion of churn now points at v2." in view.message.value
    assert buttons_shown(view) == [] and view.comment not in shown_widgets(view)


def test_reject_without_a_comment_is_refused_in_the_view(champion_and_challenger):
    # Given the view of the pending request
    view = request_view(champion_and_challenger)
    # When Reject is clicked with no comment
    view.reject_button.click()
    # Then the view says a comment is needed, nothing is raised and nothing changes
    assert "a rejection needs a comment saying why" in view.message.value
    assert ml.get_transition_request(champion_and_challenger.id).status == "pending"
    assert ml.get_model_version("churn@champion").version == 1
    assert buttons_shown(view) == ["Approve", "Reject"]
    assert not view.approve_button.disabled
    # When a comment is given, then the rejection is recorded and champion stays
    view.comment.value = "worse on the holdout of May"
    view.reject_button.click()
    assert ml.get_transition_request(champion_and_challenger.id).status == "rejected"
    assert ml.get_model_version("churn@champion").version == 1
    assert "Rejected: @champion of churn did not move." in view.message.value
    assert buttons_shown(view) == []


def test_ones_own_approval_where_the_store_forbids_it_is_shown_as_refused(sqlite_tracking):
    # Given a store where another person must approve, and the user's own request
    ml.register_model(train_run(), "churn")
    ml.set_registry_settings(allow_self_approval=False)
    view = request_view(ml.request_transition("churn", 1, "champion"))
    # When the user clicks Approve
    view.approve_button.click()
    # Then the view says why, the request still waits and the alias did not move
    assert "another person must approve it" in view.message.value
    assert view.pending and buttons_shown(view) == ["Approve", "Reject"]
    assert ml.get_transition_request(view.request.id).status == "pending"
    assert ml.model_versions("churn")["aliases"].tolist() == [[]]


def test_a_request_decided_elsewhere_shows_its_decision_when_clicked(champion_and_challenger):
    # Given a view opened while the request was pending, then rejected by someone else
    view = request_view(champion_and_challenger)
    ml.reject(champion_and_challenger.id, "not this quarter")
    # When the user clicks Approve in the stale view
    view.approve_button.click()
    # Then the refusal is shown, with the decision that was made, and the buttons go
    assert "already rejected" in view.message.value
    assert view.request.status == "rejected" and "not this quarter" in view.details.value
    assert buttons_shown(view) == []
    assert ml.get_model_version("churn@champion").version == 1


def test_decided_and_failed_requests_show_no_buttons(sqlite_tracking):
    # Given an approved request, and a request whose model's predict raised in the check
    ml.register_model(train_run(), "churn")
    approved = ml.approve(ml.request_transition("churn", 1, "champion").id, "ok")
    with ml.start_run() as run:
        ml.log_model(Broken(), "broken")
    ml.register_model(run.id, "churn")
    failed = ml.request_transition(
        "churn", 2, "staging", "n > 0.6 +/- 0.1", labelled(400, seed=3), **CI
    )
    # When their views are built, then neither has buttons or a comment box
    for request in (approved, failed):
        view = RequestView(request)
        assert buttons_shown(view) == [] and view.comment not in shown_widgets(view)
    # And the failed one shows the error of the model's predict
    shown = RequestView(failed).details.value
    assert ">failed<" in shown
    assert "new model: RuntimeError: the model&#x27;s predict is broken" in shown
    # And a view is built from a request id as well
    assert request_view(approved.id).request.status == "approved"


def test_user_text_is_escaped(sqlite_tracking):
    # Given a request whose reason is markup, approved with a comment that is markup
    ml.register_model(train_run(), "churn")
    request = ml.request_transition(
        "churn", 1, "staging", reason="<script>alert('x')</script> & more"
    )
    view = request_view(request)
    # Then the reason reaches the page as text, not as markup
    assert "<script>" not in html_of(view)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html_of(view)
    view.comment.value = "<b>fine</b>"
    view.approve_button.click()
    assert "<b>" not in html_of(view) and "&lt;b&gt;fine&lt;/b&gt;" in html_of(view)


def test_outside_a_kernel_a_request_displays_as_html_and_text(sqlite_tracking):
    # Given a request shown where no kernel runs (a script, a terminal)
    ml.register_model(train_run(), "churn")
    request = ml.request_transition("churn", 1, "staging")
    # Then its bundle is its text and its HTML table, with no widget made for nobody
    bundle = request._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/html"] == request._repr_html_()
    assert bundle["text/plain"] == repr(request)


@pytest.fixture(scope="module")
def kernel_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("project")
    location = StoreLocation(
        f"sqlite:///{folder / '.mlops' / 'mlops.sqlite'}", str(folder / ".mlops" / "art"), "test"
    )
    tracker = Tracker(location)
    yield tracker
    tracker.store.dispose()


TRAIN = """
import mlops_jlab as ml
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
y = (X.a > 0).astype(int)
with ml.start_run(name="train") as run:
    ml.log_model(LogisticRegression().fit(X, y), "clf")
ml.register_model(run.id, "churn")
"""


def test_a_request_in_a_notebook_is_a_widget_with_an_html_fallback(kernel_store, tmp_path):
    # Given a kernel on a store with a registered model
    folder = kernel_store.location.artifacts.rsplit("/", 2)[0]
    kernel = Kernel(folder, kernel_store.location.environment())
    try:
        trained = kernel.run(TRAIN)
        assert trained.status == "ok", trained.outputs
        # When a cell asks for a transition, the request its last expression
        cell = kernel.run("r = ml.request_transition('churn', 1, 'champion', reason='first')\nr")
        assert cell.status == "ok", cell.outputs
        # Then the output is a widget view, with the HTML table and the text beside it
        data = cell.outputs[-1]["data"]
        assert set(data) == {WIDGET_VIEW, "text/html", "text/plain"}
        model_id = data[WIDGET_VIEW]["model_id"]
        assert "churn v1 -&gt; @champion" in data["text/html"]
        # And clicking its Approve button in the kernel moves the alias, as the kernel's user
        clicked = kernel.run(
            "import ipywidgets\n"
            f"view = ipywidgets.Widget.widgets[{model_id!r}]\n"
            "view.approve_button.click()\n"
            "print(view.request.status, view.request.decided_by)"
        )
        assert clicked.stdout.split() == ["approved", str(current_user())]
        assert Registry(kernel_store).version("churn", "@champion").version == 1
        # And in a pipeline job, where no one can click, a request shows as the table alone
        in_job = kernel.run(
            f"import os\nos.environ[{JOB_ID_ENV!r}] = 'job-1'\nml.get_transition_request(r.id)"
        )
        assert set(in_job.outputs[-1]["data"]) == {"text/html", "text/plain"}
        assert "approved" in in_job.outputs[-1]["data"]["text/html"]
    finally:
        kernel.stop()
    # And a notebook holding that output, exported without widget state (as nbconvert does
    # a papermill output notebook whose widgets were not saved), shows the HTML table
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "r",
                outputs=[nbformat.v4.new_output("execute_result", data, execution_count=1)],
            )
        ]
    )
    body, _ = HTMLExporter().from_notebook_node(notebook)
    assert "mlops-request" in body and "churn v1 -&gt; @champion" in body
