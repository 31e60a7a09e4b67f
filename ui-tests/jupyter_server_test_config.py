"""Jupyter server for the Galata tests: a fresh root folder every start, whose own
``.mlops`` store the server creates, as it does for a user who starts JupyterLab in a
project folder (so files are named relative to it)."""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - c is the config object Jupyter provides
# Another checkout's tests may hold 8888: MLOPS_JLAB_UI_PORT picks another (playwright.config.js
# reads the same variable).
c.ServerApp.port = int(os.environ.get("MLOPS_JLAB_UI_PORT", "8888"))  # noqa: F821

for variable in ("MLOPS_JLAB_DB_URL", "MLOPS_JLAB_ARTIFACTS"):
    os.environ.pop(variable, None)

c.ServerApp.allow_root = True  # noqa: F821 - the tests run as root in CI
