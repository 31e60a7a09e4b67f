"""Thin tornado handlers: authenticate, call the service, answer JSON.

A user's mistake (an :class:`~mlops_jlab.errors.MlopsError`) becomes a 4xx JSON
``{"message": ...}``; anything else is logged and answered without a traceback.
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel

from mlops_jlab.errors import MlopsError
from mlops_jlab.server.service import MlopsService


class BaseHandler(ExtensionHandlerMixin, APIHandler):
    @property
    def service(self) -> MlopsService:
        return self.settings["mlops_jlab_service"]

    def write_json(self, payload: Any, status: int = 200) -> None:
        if isinstance(payload, BaseModel):
            payload = payload.model_dump(mode="json")
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, tornado.web.HTTPError) and error.log_message:
            message = error.log_message
        else:
            message = self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message}))

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, MlopsError):
            return
        super().log_exception(typ, value, tb)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, MlopsError) and not self._finished:
            self.write_json({"message": str(e)}, e.http_status)
            return
        super()._handle_request_exception(e)


class StatusHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self) -> None:
        self.write_json(self.service.status())
