"""``MlopsApp``: the Jupyter server extension, configured with traitlets."""

from __future__ import annotations

import asyncio
import os
import threading

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Float, Integer, List, Type, Unicode

from mlops_jlab.config import (
    ARTIFACTS_ENV,
    DB_URL_ENV,
    HEARTBEAT_GRACE_ENV,
    StoreLocation,
    heartbeat_grace,
    resolve_store,
)
from mlops_jlab.errors import MlopsError
from mlops_jlab.pipelines.executor import Executor, LocalExecutor
from mlops_jlab.pipelines.scheduler import Scheduler
from mlops_jlab.rules import (
    DEFAULT_KEEP_OUTPUTS,
    DEFAULT_MAX_RUNNING_JOBS,
    DEFAULT_MISFIRE_GRACE,
    check_grace,
)
from mlops_jlab.server.handlers import DEFAULT_MAX_BODY_BYTES, NotFoundHandler
from mlops_jlab.server.openapi import build_spec
from mlops_jlab.server.pipeline_service import PipelineService
from mlops_jlab.server.registry_service import RegistryService
from mlops_jlab.server.routes import ROUTES
from mlops_jlab.server.routing import API_PREFIX
from mlops_jlab.server.service import Limits, MlopsService


class MlopsApp(ExtensionApp):
    """Serves the mlops-jlab REST API under ``{base_url}/mlops-jlab/api/``."""

    name = "mlops_jlab"

    service_class = Type(
        default_value=MlopsService,
        klass=MlopsService,
        config=True,
        help="The service the REST handlers call: a subclass of MlopsService, built with the "
        "store's location and the limits (e.g. --MlopsApp.service_class=pkg.module.Service).",
    )
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
    default_page_size = Integer(
        Limits.default_page_size, config=True, help="Runs per page when a request names none."
    )
    max_page_size = Integer(
        Limits.max_page_size, config=True, help="The most runs one page may ask for."
    )
    default_history_points = Integer(
        Limits.default_history_points,
        config=True,
        help="A metric history longer than this is downsampled unless max_points says more.",
    )
    max_history_points = Integer(
        Limits.max_history_points, config=True, help="The largest max_points a request may ask."
    )
    compare_history_points = Integer(
        Limits.compare_history_points,
        config=True,
        help="Points per history in a comparison unless max_points says otherwise.",
    )
    history_cache_size = Integer(
        Limits.history_cache_size,
        config=True,
        help="Downsampled histories of ended runs kept in memory (0: none).",
    )
    max_request_bytes = Integer(
        DEFAULT_MAX_BODY_BYTES, config=True, help="Larger request bodies are refused with 413."
    )
    crash_sweep_seconds = Float(
        30.0,
        config=True,
        help="How often the server marks crashed the runs left running by a process that is "
        "gone (a kernel killed outright); 0: never.",
    )
    heartbeat_grace = Float(
        None,
        allow_none=True,
        config=True,
        help="Seconds without a heartbeat after which a run of another host counts as "
        "crashed; default $MLOPS_JLAB_HEARTBEAT_GRACE, else 120. Passed on to kernels.",
    )
    max_running_jobs = Integer(
        DEFAULT_MAX_RUNNING_JOBS,
        config=True,
        help="At most this many pipeline jobs run at once in the store; more wait queued.",
    )
    keep_job_outputs = Integer(
        DEFAULT_KEEP_OUTPUTS,
        config=True,
        help="Per pipeline, the ended jobs whose output notebook and log are kept.",
    )
    executor_class = Type(
        default_value=LocalExecutor,
        klass=Executor,
        config=True,
        help="Runs the jobs started through the REST API: built with the store's location, "
        "max_running and keep_outputs.",
    )
    protected_aliases = List(
        Unicode(),
        default_value=None,
        allow_none=True,
        config=True,
        help="The model aliases that move only through an approved transition request; "
        "written to the store's settings when the server starts, so kernels obey them too. "
        "Default: the store's setting (champion and production unless changed).",
    )
    scheduler = Bool(
        True,
        config=True,
        help="Fire the store's schedules from this server (other servers and `mlops-jlab "
        "scheduler` on the same store may too: no fire is doubled).",
    )
    misfire_grace = Float(
        DEFAULT_MISFIRE_GRACE,
        config=True,
        help="Seconds after its time within which a schedule's fire still counts as on time; "
        "older ones were missed while no scheduler ran, and the schedule's catch_up decides.",
    )
    _sweeper: PeriodicCallback | None = None
    _scheduler: Scheduler | None = None
    _sweeping = False

    def resolve_location(self) -> StoreLocation:
        resolved = resolve_store(self.serverapp.root_dir)
        if self.db_url:
            return StoreLocation(
                self.db_url, self.artifacts or resolved.artifacts, "MlopsApp.db_url"
            )
        if self.artifacts:
            return StoreLocation(resolved.db_url, self.artifacts, resolved.source)
        return resolved

    @property
    def limits(self) -> Limits:
        return Limits(
            default_page_size=min(self.default_page_size, self.max_page_size),
            max_page_size=self.max_page_size,
            default_history_points=min(self.default_history_points, self.max_history_points),
            max_history_points=self.max_history_points,
            compare_history_points=min(self.compare_history_points, self.max_history_points),
            history_cache_size=self.history_cache_size,
        )

    def initialize_settings(self) -> None:
        location = self.resolve_location()
        # Kernels and jobs started by this server inherit the environment, so a notebook
        # tracked here writes to the store the panel reads.
        os.environ[DB_URL_ENV] = location.db_url
        os.environ[ARTIFACTS_ENV] = location.artifacts
        if self.heartbeat_grace is not None:
            grace = check_grace(self.heartbeat_grace, "MlopsApp.heartbeat_grace")
        else:
            grace = heartbeat_grace()
        os.environ[HEARTBEAT_GRACE_ENV] = f"{grace:g}"  # kernels judge runs by the same
        limits = self.limits
        service = self.service_class(location, limits)
        self.settings["mlops_jlab_service"] = service
        executor = self.executor_class(
            location, max_running=self.max_running_jobs, keep_outputs=self.keep_job_outputs
        )
        pipelines = PipelineService(location, executor, self.serverapp.root_dir)
        self.settings["mlops_jlab_pipelines"] = pipelines
        self._start_sweeping(service, grace)
        if self.scheduler:
            self._scheduler = Scheduler(
                location,
                executor,
                misfire_grace=self.misfire_grace,
                crash_grace=grace,
                logger=self.log,
            ).start()
        # Jobs left running by a process that is gone are crashed (or queued again when
        # they may retry), and queued jobs run here
        threading.Thread(
            target=self._recover_jobs, args=(pipelines, grace), name="mlops-jobs", daemon=True
        ).start()
        # The store is opened and its pages checked now, beside the server's start, so that
        # the log says at once when it is damaged (requests are then refused with a 503).
        registry = RegistryService(location, executor)
        self.settings["mlops_jlab_registry_service"] = registry
        threading.Thread(
            target=self._open_store,
            args=(service, registry),
            name="mlops-store-check",
            daemon=True,
        ).start()
        self.settings["mlops_jlab_max_body_bytes"] = self.max_request_bytes
        server_url = url_path_join(self.serverapp.base_url, API_PREFIX)
        self.settings["mlops_jlab_openapi"] = build_spec(ROUTES, server_url, limits)
        self.log.info("mlops-jlab store: %s (%s)", location.db_url, location.source)

    def _start_sweeping(self, service: MlopsService, grace: float) -> None:
        """Mark crashed runs every ``crash_sweep_seconds``, off the event loop."""
        if self.crash_sweep_seconds <= 0:
            return

        async def sweep() -> None:
            if self._sweeping:  # the last one is still at it (a locked store, say)
                return
            self._sweeping = True
            try:
                loop = asyncio.get_running_loop()
                marked = await loop.run_in_executor(None, service.mark_crashed_runs, grace)
                for run in marked:
                    self.log.warning(
                        "mlops-jlab: run %s (%s) crashed: %s", run.run_id, run.name, run.reason
                    )
                pipelines = self.settings["mlops_jlab_pipelines"]
                for job in await loop.run_in_executor(None, pipelines.recover, grace):
                    self.log.warning("mlops-jlab: job %s %s: %s", job.id, job.status, job.error)
            except Exception as exc:  # the next sweep tries again; the server keeps serving
                self.log.warning("mlops-jlab: could not look for crashed runs: %s", exc)
            finally:
                self._sweeping = False

        self._sweeper = PeriodicCallback(sweep, self.crash_sweep_seconds * 1000)
        self._sweeper.start()

    async def stop_extension(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
            self._scheduler = None
        if self._sweeper is not None:
            self._sweeper.stop()
            self._sweeper = None
        # The store's pooled connections end with the server: a database server's are few.
        pipelines = self.settings.get("mlops_jlab_pipelines")
        if pipelines is not None:
            pipelines.close()
        service = self.settings.get("mlops_jlab_service")
        if service is not None:
            service.close()

    def _recover_jobs(self, pipelines: PipelineService, grace: float) -> None:
        try:
            for job in pipelines.recover(grace):
                self.log.warning("mlops-jlab: job %s %s: %s", job.id, job.status, job.error)
        except MlopsError as exc:
            self.log.warning("mlops-jlab: could not look for crashed jobs: %s", exc)

    def _open_store(self, service: MlopsService, registry: RegistryService) -> None:
        try:
            service.store.verify()
        except MlopsError as exc:
            self.log.error("mlops-jlab: %s", exc)
            return
        self.log.info("mlops-jlab store opened, its pages sound")
        if self.protected_aliases is not None:
            try:
                registry.registry.set_settings(protected_aliases=self.protected_aliases)
            except MlopsError as exc:
                self.log.error("mlops-jlab: MlopsApp.protected_aliases: %s", exc)

    def initialize_handlers(self) -> None:
        self.handlers.extend((route.pattern, route.handler, {"route": route}) for route in ROUTES)
        self.handlers.append((rf"/{API_PREFIX}/.*", NotFoundHandler))
