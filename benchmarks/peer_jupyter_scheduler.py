"""jupyter-scheduler 2.12, the peer of our jobs, in a virtual environment of its own.

Its server runs from that environment (its own Jupyter server and kernel), so neither
package's dependencies touch the other's. The environment is made once, under
``~/.cache/mlops-jlab-bench/jupyter-scheduler-<version>``, with pip from PyPI.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VERSION = "2.12.1"
CACHE = Path.home() / ".cache" / "mlops-jlab-bench"
# A job is STOPPED until its process starts, then IN_PROGRESS.
FINAL = {"COMPLETED", "FAILED"}


def environment() -> Path:
    """The virtual environment holding jupyter-scheduler and a kernel, made when missing."""
    venv = CACHE / f"jupyter-scheduler-{VERSION}"
    python = venv / "bin" / "python"
    if not python.exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                f"jupyter-scheduler=={VERSION}",
                "ipykernel",
            ],
            check=True,
        )
    return venv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Scheduler:
    """A running jupyter-scheduler server: its base URL and token."""

    url: str
    token: str

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, {"body": error.read().decode(errors="replace")[:300]}

    def create_job(self, notebook: str, name: str) -> str:
        status, answer = self.request(
            "POST",
            "/scheduler/jobs",
            {
                "input_uri": notebook,
                "runtime_environment_name": "python3",
                "output_formats": ["ipynb"],
                "name": name,
            },
        )
        if status != 200:
            raise RuntimeError(f"jupyter-scheduler refused a job: {status} {answer}")
        return answer["job_id"]

    def wait(self, job_id: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, job = self.request("GET", f"/scheduler/jobs/{job_id}")
            if job.get("status") in FINAL:
                return job["status"]
            time.sleep(0.05)
        raise TimeoutError(f"jupyter-scheduler job {job_id} did not end in {timeout} s")


@contextlib.contextmanager
def scheduler_server(root: Path) -> Iterator[Scheduler]:
    """jupyter-scheduler's server on loopback, serving ``root``, until the block ends."""
    venv = environment()
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_JLAB", "JUPYTER"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    server = subprocess.Popen(
        [
            str(venv / "bin" / "jupyter"),
            "server",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    scheduler = Scheduler(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if scheduler.request("GET", "/scheduler/config")[0] == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("jupyter-scheduler's server did not start in 60 s")
        yield scheduler
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        if server.poll() is None:
            server.kill()
