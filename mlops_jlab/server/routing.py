"""The types of the route table: a route, its path parameters and its operations.

They live apart from the table (:mod:`mlops_jlab.server.routes`) so that the handlers,
which read their route's operation, and the table, which names the handlers, do not import
each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from tornado.web import RequestHandler

from mlops_jlab.server.schemas import Request

API_PREFIX = "mlops-jlab/api"
BINARY = "*/*"


@dataclass(frozen=True)
class Operation:
    """One HTTP method of a route.

    Attributes
    ----------
    id
        The OpenAPI operationId (a typed client names its method after it).
    summary
        One line for the document.
    response
        The model answered with ``status``; None for a document or a download.
    query, body
        The models the query string and the JSON body are parsed into.
    errors
        Statuses besides 403 (refused) and 503 (store unavailable) the operation can give.
    media_type
        Of the answer: JSON, or :data:`BINARY` for downloads.
    """

    id: str
    summary: str
    response: type[BaseModel] | None
    query: type[Request] | None = None
    body: type[Request] | None = None
    errors: tuple[int, ...] = ()
    status: int = 200
    media_type: str = "application/json"
    description: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PathParam:
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class Route:
    """A path (``runs/{run_id}``), its handler and its operations by lowercase method."""

    path: str
    handler: type[RequestHandler]
    operations: dict[str, Operation]
    params: dict[str, PathParam] = field(default_factory=dict)

    @property
    def pattern(self) -> str:
        """The tornado pattern: each ``{name}`` is one path segment, passed by name."""
        escaped = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        return f"/{API_PREFIX}/{escaped}"
