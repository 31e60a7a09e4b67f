"""The papermill engine jobs run with: nbclient's, with a kernel of its own transport and
hooks for progress and stopping.

Kernels talk over IPC sockets in the job's own folder: TCP ports picked by parallel
papermill processes collide (papermill#511), and IPC sockets made in one shared folder
collide on their file names. A unique folder per job gives every kernel its own sockets.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "mlops_jlab"


class KernelHandle:
    """What a job's watcher needs of the kernel papermill runs: a way to stop it, and the
    cell it is at. ``on_cell(index, cells, source)`` is called as each cell starts."""

    def __init__(self, folder: Path, on_cell: Callable[[int, int, str], None]):
        self.folder = folder
        self.on_cell = on_cell
        self.client: PapermillNotebookClient | None = None

    def kill(self) -> None:
        """Kill the kernel and what it started (it leads a session of its own); nbclient
        then finds it dead and papermill raises in the job's thread."""
        client = self.client
        km = getattr(client, "km", None)
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


class MlopsEngine(NBClientEngine):
    """nbclient's engine with the kernel on IPC sockets in the job's folder."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs: Any):
        handle: KernelHandle = kwargs.pop("kernel_handle")
        cells = len(nb_man.nb.cells)
        cell_start = nb_man.cell_start

        def started(cell, cell_index=None, **more):
            handle.on_cell(cell_index or 0, cells, cell.source)
            return cell_start(cell, cell_index, **more)

        nb_man.cell_start = started
        from traitlets.config import Config

        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.connection_file = str(handle.folder / "kernel.json")
        start_timeout = kwargs.pop("start_timeout", 60)
        kwargs.pop("execution_timeout", None)  # a job's timeout is the job's, not a cell's
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs, startup_timeout=start_timeout, kernel_name=kernel_name, config=config
        )
        client = PapermillNotebookClient(nb_man, **final)
        handle.client = client
        return client.execute()


papermill_engines.register(ENGINE_NAME, MlopsEngine)
