"""The OpenAPI 3 document of every public route, generated from the msgspec types."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from opencases import KIBANA_VERSION
from opencases.kibana.http import ApiRoute

_PATH_PARAMETER = re.compile(r"{(\w+)}")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["statusCode", "error", "message"],
    "properties": {
        "statusCode": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
    },
}


def openapi_document(routes: Sequence[ApiRoute]) -> dict[str, Any]:
    """An OpenAPI 3.0 document for `routes` (paths for the default space)."""
    types = [t for route in routes for t in (route.body, route.response) if t is not None]
    schemas, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    by_type = dict(zip(types, schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "tags": [route.tag],
            "x-access": route.access,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PATH_PARAMETER.findall(route.path)
            ],
            "responses": {
                str(route.status): {"description": "Indicates a successful call."}
                | (
                    {"content": {"application/json": {"schema": by_type[route.response]}}}
                    if route.response is not None
                    else {}
                ),
                "default": {
                    "description": "Kibana's error envelope.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
        if route.query is not None:
            operation["parameters"] += [
                {
                    "name": field.encode_name,
                    "in": "query",
                    "required": field.required,
                    "schema": msgspec.json.schema(field.type),
                }
                for field in msgspec.structs.fields(route.query)
            ]
        if route.method not in ("GET", "HEAD", "DELETE"):
            operation["parameters"].append(
                {"name": "kbn-xsrf", "in": "header", "required": True, "schema": {"type": "string"}}
            )
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": by_type[route.body]}},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "OpenCases",
            "description": "The Kibana HTTP APIs OpenCases serves. Every path is also served"
            " under /s/{space_id} for a space other than the default one.",
            "version": KIBANA_VERSION,
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": "http://127.0.0.1:5601"}],
        "security": [{"basicAuth": []}, {"apiKeyAuth": []}],
        "paths": paths,
        "components": {
            "schemas": {**components, "Error": ERROR_SCHEMA},
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "Authorization"},
            },
        },
    }
