"""Jupyter server for the Galata tests: a fresh root folder every start, whose own
``.mlops`` store the server creates, as it does for a user who starts JupyterLab in a
project folder (so files are named relative to it)."""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - c is the config object Jupyter provides
# Another checkout's tests may hold 8888: MLOPS_JLAB_UI_PORT picks another (playwright.config.js
# reads the same variable).
c.ServerApp.port = int(os.environ.get("MLOPS_JLAB_UI_PORT", "8888"))  # noqa: F821

# A checkout's own build, ahead of the one installed in the environment (which another
# checkout may have built): a folder holding it as mlops-jlab/, beside Galata's own.
if os.environ.get("MLOPS_JLAB_LABEXTENSIONS"):
    galata = c.LabServerApp.extra_labextensions_path  # noqa: F821 - set just above
    c.LabServerApp.extra_labextensions_path = [  # noqa: F821
        os.environ["MLOPS_JLAB_LABEXTENSIONS"],
        *([galata] if isinstance(galata, str) else galata),
    ]

for variable in ("MLOPS_JLAB_DB_URL", "MLOPS_JLAB_ARTIFACTS"):
    os.environ.pop(variable, None)

c.ServerApp.allow_root = True  # noqa: F821 - the tests run as root in CI
