"""A real IPython kernel for the tests, driven the way JupyterLab drives it: execute requests
with the cell id in their metadata, outputs collected from the IOPub channel."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

from mlops_jlab.config import StoreLocation
from mlops_jlab.tracking import Tracker

TIMEOUT = 120


def project_tracker(project: Path) -> Tracker:
    """A tracker on the store a kernel started in ``project`` finds: its ``.mlops`` folder,
    made here."""
    (project / ".mlops").mkdir(exist_ok=True)
    location = StoreLocation(
        f"sqlite:///{project / '.mlops' / 'mlops.sqlite'}",
        str(project / ".mlops" / "artifacts"),
        "test",
    )
    return Tracker(location)


@dataclass
class Execution:
    """What a cell showed: its outputs as JupyterLab would render them, and the reply."""

    status: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    msg_id: str = ""

    @property
    def stdout(self) -> str:
        return "".join(o["text"] for o in self.outputs if o.get("name") == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(o["text"] for o in self.outputs if o.get("name") == "stderr")

    def shown(self) -> list[dict[str, Any]]:
        """Outputs without execution counts and warnings of mlops-jlab, to compare cells."""
        kept = []
        for output in self.outputs:
            output = {k: v for k, v in output.items() if k != "execution_count"}
            if output.get("name") == "stderr" and output["text"].startswith("mlops-jlab:"):
                continue
            kept.append(output)
        return kept


class Kernel:
    """An ipykernel process started in ``cwd`` with ``env`` added to its environment, its
    command line after ``prefix`` (e.g. one that drops privileges)."""

    def __init__(self, cwd: Path, env: dict[str, str], prefix: list[str] | None = None):
        self.manager = KernelManager(kernel_name="python3")
        self.manager.kernel_spec.argv[0] = sys.executable
        self.manager.kernel_spec.argv[:0] = prefix or []
        self.manager.start_kernel(cwd=str(cwd), env={**os.environ, **env})
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=TIMEOUT)

    def run(self, code: str, cell_id: str | None = None) -> Execution:
        """Execute ``code`` as a notebook cell and collect what it shows."""
        metadata = {"cellId": cell_id} if cell_id else {}
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        message = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(message)
        return self.collect(message["header"]["msg_id"])

    def send(self, code: str) -> str:
        """Start executing ``code`` without waiting; returns the request id."""
        return self.client.execute(code)

    def collect(self, msg_id: str) -> Execution:
        outputs: list[dict[str, Any]] = []
        error = None
        while True:
            message = self.client.get_iopub_msg(timeout=TIMEOUT)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content["execution_state"] == "idle":
                break
            if kind == "stream":
                outputs.append({"name": content["name"], "text": content["text"]})
            elif kind in ("execute_result", "display_data"):
                outputs.append({"type": kind, "data": content["data"]})
            elif kind == "error":
                error = content
                outputs.append({"type": "error", **content})
        reply = self.client.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.client.get_shell_msg(timeout=TIMEOUT)
        if reply["content"]["status"] == "error" and error is None:
            error = reply["content"]  # UsageError is shown as text, not as a traceback
        for payload in reply["content"].get("payload", []):  # e.g. help shown in the pager
            outputs.append({"type": "payload", **payload})
        return Execution(reply["content"]["status"], outputs, error, msg_id)

    def later_stderr(self, execution: Execution, containing: str) -> str:
        """What the cell of ``execution`` printed to stderr, including what a thread of the
        kernel printed after the cell answered, once a line ``containing`` has arrived:
        JupyterLab shows it under that cell."""
        text = execution.stderr
        while containing not in text:
            message = self.client.get_iopub_msg(timeout=TIMEOUT)
            if message["parent_header"].get("msg_id") != execution.msg_id:
                continue
            content = message["content"]
            if message["msg_type"] == "stream" and content["name"] == "stderr":
                text += content["text"]
        return text

    def value(self, expression: str) -> Any:
        """The value of a Python literal expression in the kernel."""
        import ast

        shown = self.run(f"print(repr({expression}))")
        assert shown.status == "ok", shown.outputs
        return ast.literal_eval(shown.stdout.strip())

    def interrupt(self) -> None:
        self.manager.interrupt_kernel()

    @property
    def pid(self) -> int:
        return self.manager.provisioner.process.pid

    def kill(self) -> None:
        """SIGKILL the kernel process, as the out-of-memory killer does: nothing of it runs
        after, no atexit, no finally. It is reaped, as the server that started it would."""
        process = self.manager.provisioner.process
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=TIMEOUT)
        self.client.stop_channels()

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
