"""The OpenAPI 3.1 document of the REST API, written from the route table and the models.

Nothing here is written by hand per endpoint: paths, parameters, bodies and answers come
from :data:`mlops_jlab.server.routes.ROUTES` and the pydantic models the handlers parse and
answer with, so the document describes what the server does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from jupyter_server.utils import url_path_join
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from mlops_jlab._version import __version__
from mlops_jlab.server.routes import ROUTES
from mlops_jlab.server.routing import API_PREFIX, BINARY, Operation, Route
from mlops_jlab.server.schemas import ErrorMessage
from mlops_jlab.server.service import Limits

REF = "#/components/schemas/{model}"
ERRORS = {
    400: "The request does not fit: the message says what to fix.",
    403: "Refused: no valid token (or, for a browser session, no XSRF token).",
    404: "No such run, metric or artifact.",
    409: "The run's state does not allow the change.",
    413: "The body is larger than the server accepts.",
    503: "The store cannot be used (unreachable, read-only for a change, damaged): the "
    "message says what to do.",
}
ALWAYS = (403, 503)


def _models(routes: Sequence[Route]) -> list[tuple[type[BaseModel], str]]:
    found: dict[tuple[type[BaseModel], str], None] = {(ErrorMessage, "serialization"): None}
    for route in routes:
        for operation in route.operations.values():
            if operation.response is not None:
                found[(operation.response, "serialization")] = None
            for model in (operation.query, operation.body):
                if model is not None:
                    found[(model, "validation")] = None
    return list(found)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is left out rather than sent as null."""
    options = schema.get("anyOf")
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return {**kept[0], **rest}
    return {k: v for k, v in schema.items() if not (k == "default" and v is None)}


def _query_parameters(model: type[BaseModel], limits: Limits) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = _without_null(copy.deepcopy(prop))
        description = prop.pop("description", "")
        prop.pop("title", None)
        if name == "page_size":
            prop.update(maximum=limits.max_page_size, default=limits.default_page_size)
        if name == "max_points":
            prop["maximum"] = limits.max_history_points
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description,
                "schema": prop,
            }
        )
    return parameters


def _error_responses(operation: Operation) -> dict[str, Any]:
    codes = sorted({*operation.errors, *ALWAYS})
    return {
        str(code): {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorMessage")}}},
        }
        for code in codes
    }


def _operation(
    route: Route, method: str, operation: Operation, names: dict[Any, Any], limits: Limits
) -> dict[str, Any]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": param.description,
            "schema": param.schema,
        }
        for name, param in route.params.items()
    ]
    if operation.query is not None:
        parameters += _query_parameters(operation.query, limits)
    if operation.response is not None:
        schema = names[(operation.response, "serialization")]
    elif operation.media_type == BINARY:
        schema = {"type": "string", "format": "binary"}
    else:
        schema = {"type": "object"}
    success: dict[str, Any] = {
        "description": operation.summary,
        "content": {operation.media_type: {"schema": schema}},
    }
    if operation.headers:
        success["headers"] = {
            name: {"description": description, "schema": {"type": "string"}}
            for name, description in operation.headers.items()
        }
    described: dict[str, Any] = {
        "operationId": operation.id,
        "summary": operation.summary,
        "parameters": parameters,
        "responses": {str(operation.status): success, **_error_responses(operation)},
    }
    if operation.description:
        described["description"] = operation.description
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": names[(operation.body, "validation")]}},
        }
    return described


def build_spec(routes: Sequence[Route], server_url: str, limits: Limits) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` served at ``server_url`` with ``limits``.

    Parameters
    ----------
    routes
        The route table.
    server_url
        Where the API lives, e.g. ``/mlops-jlab/api`` under the server's base URL.
    limits
        The page and history limits this server applies, stated in the parameters.

    Returns
    -------
    dict
        The document, ready for ``json.dumps``.
    """
    names, definitions = models_json_schema(_models(routes), ref_template=REF)
    paths: dict[str, Any] = {}
    for route in routes:
        paths["/" + route.path] = {
            method: _operation(route, method, operation, names, limits)
            for method, operation in route.operations.items()
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mlops-jlab",
            "version": __version__,
            "description": (
                "Runs, metrics, comparisons and artifacts of the mlops-jlab store. Every "
                'answer that is not a success is JSON {"message": ...}.'
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`token <the Jupyter server's token>`",
                }
            },
        },
    }


if __name__ == "__main__":
    # The document a server at the default base URL serves with the default limits: the
    # frontend's copy, which its API types are generated from (`jlpm generate:api`).
    print(json.dumps(build_spec(ROUTES, url_path_join("/", API_PREFIX), Limits()), indent=2))
