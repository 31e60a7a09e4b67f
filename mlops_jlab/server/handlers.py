"""Thin tornado handlers: authenticate, parse with the route's models, call the service,
answer JSON.

A user's mistake (an :class:`~mlops_jlab.errors.MlopsError`, a request that does not fit
the route's models) becomes a 4xx JSON ``{"message": ...}``; anything else is logged and
answered with a 500 that holds no traceback. Service calls run on a worker thread, so a
long query never stalls the server's kernels and terminals.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError

from mlops_jlab.errors import InvalidInputError, MlopsError, QuerySyntaxError
from mlops_jlab.rules import PATTERN_RULES
from mlops_jlab.server.registry_service import RegistryService
from mlops_jlab.server.service import MlopsService

if TYPE_CHECKING:
    from mlops_jlab.server.routing import Operation, Route
    from mlops_jlab.server.schemas import Request

T = TypeVar("T")
# Query arguments Jupyter itself reads (token login, XSRF form field, activity tracking).
_JUPYTER_ARGUMENTS = {"token", "_xsrf", "no_track_activity"}
DEFAULT_MAX_BODY_BYTES = 1 << 20


class RequestTooLargeError(MlopsError):
    http_status = 413


def describe_validation_error(error: ValidationError, where: str) -> str:
    """One line per problem: where it is and what is wrong, e.g.
    ``page_size: Input should be a valid integer (got 'ten')``."""
    problems = []
    for item in error.errors(include_url=False):
        place = ".".join(str(part) for part in item["loc"]) or where
        if item["type"] == "json_invalid":
            return f"the {where} is not valid JSON: {item['ctx'].get('error', item['msg'])}"
        if item["type"] == "extra_forbidden":
            problems.append(f"{place}: not a field of this {where}")
            continue
        given = item.get("input")
        shown = f" (got {given!r:.60})" if isinstance(given, (str, int, float)) else ""
        message = item["msg"]
        if item["type"] == "string_pattern_mismatch":
            message = PATTERN_RULES.get(item["ctx"]["pattern"], message)
        problems.append(f"{place}: {message}{shown}")
    extra = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return f"invalid {where}: " + "; ".join(problems[:5]) + extra


class BaseHandler(ExtensionHandlerMixin, APIHandler):
    """Parses requests with the models its route names and answers errors as JSON."""

    route: Route | None = None

    def initialize(self, name: str, route: Route | None = None, **kwargs: Any) -> None:
        super().initialize(name, **kwargs)
        self.route = route

    @property
    def service(self) -> MlopsService:
        return self.settings["mlops_jlab_service"]

    @property
    def registry_service(self) -> RegistryService:
        return self.settings["mlops_jlab_registry_service"]

    @property
    def user_name(self) -> str | None:
        """Who acts: the server's authenticated user (its username, else its name)."""
        user = self.current_user
        return getattr(user, "username", None) or getattr(user, "name", None) or None

    @property
    def operation(self) -> Operation:
        assert self.route is not None, "a handler serves a route of the route table"
        return self.route.operations[self.request.method.lower()]

    def parse_query(self) -> Request:
        """The query string as the operation's query model (400 if it does not fit)."""
        model = self.operation.query
        assert model is not None
        given: dict[str, str] = {}
        for name, values in self.request.query_arguments.items():
            if name in _JUPYTER_ARGUMENTS:
                continue
            # JupyterLab's ServerConnection ends every GET of a browser session with
            # `?<milliseconds>` to defeat caches: a bare number is no parameter.
            if name.isdigit() and values == [b""]:
                continue
            if name not in model.model_fields:
                accepted = ", ".join(model.model_fields)
                raise InvalidInputError(
                    f"unknown query parameter {name[:40]!r}; this endpoint takes {accepted}"
                )
            # Repeated: the last one counts (as in tornado's get_argument).
            given[name] = self.decode_argument(values[-1], name=name)
        try:
            return model.model_validate(given)
        except ValidationError as exc:
            raise InvalidInputError(describe_validation_error(exc, "query")) from exc

    def parse_body(self) -> Request:
        """The JSON body as the operation's body model (400 if it does not fit, 413 if it is
        larger than ``MlopsApp.max_request_bytes``)."""
        model = self.operation.body
        assert model is not None
        limit = self.settings.get("mlops_jlab_max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        body = self.request.body
        if len(body) > limit:
            raise RequestTooLargeError(
                f"the request body is {len(body):,} bytes; at most {limit:,} are accepted"
            )
        if not body.strip():
            raise InvalidInputError("this request needs a JSON object as its body")
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidInputError(describe_validation_error(exc, "body")) from exc

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run a service call on a worker thread: store queries block."""
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    def write_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        if isinstance(payload, BaseModel):
            self.finish(payload.model_dump_json())
        else:
            self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, tornado.web.HTTPError) and error.log_message:
            message = error.log_message % error.args if error.args else error.log_message
        elif status_code >= 500:
            message = "the server failed to answer this request; its log says why"
        else:
            message = self._reason
        self.finish(json.dumps({"message": message}), set_content_type="application/json")

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, MlopsError) and value.http_status < 500:
            return
        super().log_exception(typ, value, tb)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, MlopsError) and not self._finished and not self._headers_written:
            if e.http_status >= 500:
                self.log_exception(type(e), e, e.__traceback__)
            answer: dict[str, Any] = {"message": str(e)}
            if isinstance(e, QuerySyntaxError):
                answer.update(token=e.token, position=e.position)
            # A download that failed before its first byte leaves no headers of its own.
            for header in ("Content-Disposition", "Content-Length"):
                self.clear_header(header)
            self.set_status(e.http_status)
            self.finish(json.dumps(answer), set_content_type="application/json")
            return
        super()._handle_request_exception(e)


class StatusHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(await self.call(self.service.status))


class OpenAPIHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(self.settings["mlops_jlab_openapi"])


class ExperimentsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(await self.call(self.service.list_experiments))


class RunsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.service.list_runs, query))


class RunCountHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.service.count_runs, query))


class RunHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.write_json(await self.call(self.service.describe_run, run_id))

    @tornado.web.authenticated
    async def patch(self, run_id: str) -> None:
        update = self.parse_body()
        self.write_json(await self.call(self.service.update_run, run_id, update))

    @tornado.web.authenticated
    async def delete(self, run_id: str) -> None:
        self.write_json(await self.call(self.service.delete_run, run_id))


class RunRestoreHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        self.write_json(await self.call(self.service.restore_run, run_id))


class CompareHandler(BaseHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        request = self.parse_body()
        self.write_json(await self.call(self.service.compare_runs, request))


class MetricHistoryHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str, key: str) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.service.metric_history, run_id, key, query))


class DatasetsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.write_json(await self.call(self.service.list_datasets))


class DatasetVersionsHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        self.write_json(await self.call(self.service.dataset_versions, name))


class DatasetVersionHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, version_id: str) -> None:
        self.write_json(await self.call(self.service.describe_dataset_version, version_id))


class DatasetDiffHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.service.diff_dataset_versions, query))


class LineageHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, kind: str, node_id: str) -> None:
        query = self.parse_query()
        self.write_json(await self.call(self.service.lineage, kind, node_id, query))


class ArtifactHandler(BaseHandler):
    """Streams an artifact; the content is never run by the browser as a page."""

    @property
    def content_security_policy(self) -> str:
        return super().content_security_policy + "; sandbox"

    @tornado.web.authenticated
    async def get(self, digest: str) -> None:
        download = await self.call(self.service.open_artifact, digest)
        self.set_header("Content-Type", download.media_type)
        self.set_header("Content-Disposition", download.content_disposition)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Length", download.size)
        try:
            # Each chunk is read and hashed on a worker thread. A corrupt blob fails before
            # its last chunk: a JSON error if nothing was sent yet, else tornado closes the
            # connection short of Content-Length, so the download fails instead of ending.
            while (chunk := await self.call(next, download.chunks, None)) is not None:
                self.write(chunk)
                await self.flush()
        finally:
            download.chunks.close()
        self.finish(set_content_type=download.media_type)


class NotFoundHandler(BaseHandler):
    """Any other path under the API: a JSON 404 rather than Jupyter's HTML page."""

    def _refuse(self) -> None:
        self.write_json({"message": f"no such endpoint: {self.request.path[:200]}"}, 404)

    @tornado.web.authenticated
    def get(self, *args: str) -> None:
        self._refuse()

    @tornado.web.authenticated
    def post(self, *args: str) -> None:
        self._refuse()

    @tornado.web.authenticated
    def patch(self, *args: str) -> None:
        self._refuse()

    @tornado.web.authenticated
    def put(self, *args: str) -> None:
        self._refuse()

    @tornado.web.authenticated
    def delete(self, *args: str) -> None:
        self._refuse()
