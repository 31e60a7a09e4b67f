"""Jupyter server for the Galata tests: a fresh store in a temporary folder every start."""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - c is the config object Jupyter provides

store = tempfile.mkdtemp(prefix="mlops-jlab-ui-")
os.environ["MLOPS_JLAB_DB_URL"] = f"sqlite:///{store}/mlops.sqlite"
os.environ["MLOPS_JLAB_ARTIFACTS"] = f"{store}/artifacts"

c.ServerApp.allow_root = True  # noqa: F821 - the tests run as root in CI
