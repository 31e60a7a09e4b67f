"""``MlopsApp``: the Jupyter server extension, configured with traitlets."""

from __future__ import annotations

import os

from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode

from mlops_jlab.config import ARTIFACTS_ENV, DB_URL_ENV, StoreLocation, resolve_store
from mlops_jlab.server.handlers import StatusHandler
from mlops_jlab.server.service import MlopsService

API_PREFIX = "mlops-jlab/api"


class MlopsApp(ExtensionApp):
    """Serves the mlops-jlab REST API under ``{base_url}/mlops-jlab/api/``."""

    name = "mlops_jlab"

    db_url = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the store; empty: resolve it from the server's root directory.",
    )
    artifacts = Unicode(
        "",
        config=True,
        help="Artifact location (folder or fsspec URL); empty: beside the resolved store.",
    )

    def resolve_location(self) -> StoreLocation:
        resolved = resolve_store(self.serverapp.root_dir)
        if self.db_url:
            return StoreLocation(
                self.db_url, self.artifacts or resolved.artifacts, "MlopsApp.db_url"
            )
        if self.artifacts:
            return StoreLocation(resolved.db_url, self.artifacts, resolved.source)
        return resolved

    def initialize_settings(self) -> None:
        location = self.resolve_location()
        # Kernels and jobs started by this server inherit the environment, so a notebook
        # tracked here writes to the store the panel reads.
        os.environ[DB_URL_ENV] = location.db_url
        os.environ[ARTIFACTS_ENV] = location.artifacts
        self.settings["mlops_jlab_service"] = MlopsService(location)
        self.log.info("mlops-jlab store: %s (%s)", location.db_url, location.source)

    def initialize_handlers(self) -> None:
        self.handlers.extend([(rf"/{API_PREFIX}/status", StatusHandler)])
