"""The ipywidgets view of a transition request: the request and its ease.ml/ci report, and
while it is pending a comment box with **Approve** and **Reject**, which decide it through
the gate (:func:`mlops_jlab.registry.gate.decide`) on the registry the request came from,
as the OS user running the kernel: the same call ``ml.approve`` and ``ml.reject`` make.

A request shown in a notebook (``ml.request_transition(...)`` or
``ml.get_transition_request(n)`` as a cell's last expression) is this view. Its output also
carries the request as an HTML table: JupyterLab renders the widget, and front ends without
the kernel's widgets (nbconvert, GitHub, a notebook exported without widget state) fall back
to the table. In a pipeline job (papermill) no one is there to click, so its output
notebook gets the table alone.
"""

from __future__ import annotations

import html
import os
import sys
from typing import Any

import ipywidgets as widgets

from mlops_jlab.config import JOB_ID_ENV
from mlops_jlab.errors import MlopsError
from mlops_jlab.registry import gate
from mlops_jlab.registry.entities import TransitionRequest, request_html
from mlops_jlab.registry.registry import Registry

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_ERROR = "color: var(--jp-error-color1)"
_DONE = "color: var(--jp-success-color1)"


class RequestView(widgets.VBox):
    """A transition request with its check report and, while it is pending, the controls
    that approve or reject it.

    Attributes
    ----------
    request
        The :class:`TransitionRequest` shown, replaced by the decided one after a decision.
    registry
        Where the decision is recorded.
    details
        The ``ipywidgets.HTML`` of the request, its decision and its report.
    comment
        The ``ipywidgets.Textarea`` whose text goes with the decision (a rejection needs one).
    approve_button, reject_button
        The ``ipywidgets.Button`` s that decide; shown only while the request is pending.
    message
        The ``ipywidgets.HTML`` saying what the last click did, or why it was refused.
    """

    def __init__(self, request: TransitionRequest, registry: Registry | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.request = request
        self.registry = registry if registry is not None else request.registry
        self.details = widgets.HTML()
        self.comment = widgets.Textarea(
            placeholder="Comment (a rejection needs one: say why)",
            rows=2,
            layout=widgets.Layout(width="100%", max_width="640px"),
        )
        self.approve_button = widgets.Button(
            description="Approve",
            button_style="success",
            icon="check",
            tooltip=f"Move @{request.to} of {request.model} to v{request.version}",
        )
        self.reject_button = widgets.Button(
            description="Reject",
            button_style="danger",
            icon="times",
            tooltip="Refuse the move, saying why in the comment",
        )
        self.approve_button.on_click(lambda _button: self.decide(approve=True))
        self.reject_button.on_click(lambda _button: self.decide(approve=False))
        self.message = widgets.HTML()
        self._controls = widgets.VBox(
            [self.comment, widgets.HBox([self.approve_button, self.reject_button])]
        )
        self._show()

    @property
    def pending(self) -> bool:
        """Whether the request still waits for a decision (and the buttons are shown)."""
        return self.request.status == "pending"

    def decide(self, approve: bool) -> None:
        """Approve or reject the request with the comment typed, as this process's user.

        A refusal (a rejection without a comment, one's own approval where the store
        forbids it, a request decided meanwhile) is shown as its message, not raised: it
        comes from a click, where a raised error would go unseen.
        """
        self._enable(False)  # a second click while the first is recorded would be refused
        try:
            decided = gate.decide(
                self.registry, self.request.id, approve, self.comment.value or None
            )
        except MlopsError as exc:
            self._say(str(exc), _ERROR)
            self._reload()
        except Exception as exc:  # the store unreachable, say: still the user must see it
            self._say(f"the decision could not be recorded: {type(exc).__name__}: {exc}", _ERROR)
        else:
            self.request = decided
            self._say(_decided_text(decided), _DONE)
        self._enable(True)
        self._show()

    def _reload(self) -> None:
        """Show the request as recorded now: another person may have decided it."""
        try:
            self.request = gate.get_request(self.registry, self.request.id)
        except Exception:  # the refusal is in view already; keep the request shown
            return

    def _say(self, text: str, style: str) -> None:
        self.message.value = f'<p style="{style}">{html.escape(text)}</p>'

    def _enable(self, enabled: bool) -> None:
        self.approve_button.disabled = self.reject_button.disabled = not enabled

    def _show(self) -> None:
        self.details.value = request_html(self.request)
        shown: list[widgets.Widget] = [self.details]
        if self.pending:
            shown.append(self._controls)
        self.children = [*shown, self.message]


def _decided_text(request: TransitionRequest) -> str:
    if request.status == "approved":
        return f"Approved: @{request.to} of {request.model} now points at v{request.version}."
    return f"Rejected: @{request.to} of {request.model} did not move."


def request_view(request: TransitionRequest | int, registry: Registry | None = None) -> RequestView:
    """The ipywidgets view of a transition request, to approve or reject it in a notebook.

    Parameters
    ----------
    request
        A :class:`TransitionRequest` (as ``ml.request_transition`` returns) or a request id.
    registry
        Where to read it and record the decision; by default the registry the request came
        from (for an id: the store this process tracks to).

    Returns
    -------
    RequestView
        An ``ipywidgets.VBox``; display it, or make it a cell's last expression.
    """
    if not isinstance(request, TransitionRequest):
        from mlops_jlab.registry.api import get_registry

        request = gate.get_request(registry or get_registry(), request)
    return RequestView(request, registry)


def display_bundle(request: TransitionRequest) -> dict[str, Any]:
    """The MIME bundle IPython shows for a request: its text and HTML table, plus, in a
    kernel a person works in, a new :class:`RequestView` of it."""
    bundle: dict[str, Any] = {"text/plain": repr(request), "text/html": request_html(request)}
    if _interactive_kernel():
        bundle[WIDGET_VIEW] = RequestView(request)._repr_mimebundle_()[WIDGET_VIEW]
    return bundle


def _interactive_kernel() -> bool:
    """Whether this process is a Jupyter kernel (a terminal IPython renders no widgets)
    that is not running a pipeline job (whose buttons no one could press)."""
    if os.environ.get(JOB_ID_ENV):
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None
