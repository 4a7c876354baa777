"""The OpenAPI 3.1 document of every public route, generated from the msgspec types.

The wire types carry Kibana's limits as `Annotated` markers (`Text`, `Items`,
`SafeInteger`) that msgspec's JSON Schema does not know. The document is built from copies
of the types in which each marker became the JSON Schema keywords it stands for
(`minLength`, `maxLength`, `pattern`, `minItems`, `maxItems`, `minimum`, `maximum`), so it
states the limits the server enforces, not only the shapes.
"""

from __future__ import annotations

import functools
import operator
import re
import types
import typing
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

import msgspec

from opencases import KIBANA_VERSION
from opencases.kibana.http import ApiRoute

_PATH_PARAMETER = re.compile(r"{(\w+)}")
# The router gives a path parameter one segment of the (percent-decoded) path.
_PATH_SEGMENT = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}

ERROR_SCHEMA = {
    "title": "Error",
    "description": "Kibana's error envelope (every answer that is not a success).",
    "type": "object",
    "required": ["statusCode", "error", "message"],
    "properties": {
        "statusCode": {"type": "integer", "minimum": 400, "maximum": 599},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "attributes": {"type": "object"},
    },
    "additionalProperties": False,
}
_ERROR_RESPONSE = {
    "description": "Kibana's error envelope.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
# granian's answer to a request line and headers over 16 KiB, before any route runs: as
# Node's HTTP server answers for Kibana, a 431 without a body.
_HEAD_TOO_LARGE = {
    "description": "The request line and headers passed 16 KiB: refused with no body, as"
    " Node refuses them for Kibana.",
}
_INTERNAL_ORIGIN = {
    "name": "x-elastic-internal-origin",
    "in": "header",
    "required": False,
    "description": "Needed by the /internal routes (as in Kibana 9, `server.restrictInternalApis`)"
    " unless the query says `elasticInternalOrigin=true`.",
    "schema": {"type": "string"},
}


def openapi_document(routes: Sequence[ApiRoute]) -> dict[str, Any]:
    """An OpenAPI 3.1 document for `routes` (paths for the default space)."""
    wire = [t for route in routes for t in (route.body, route.response) if t is not None]
    # A route may answer one of several types (`list[A] | list[B]`), which msgspec cannot
    # put in one schema: each gets its own, and the route's is their `anyOf`.
    members = {t: _alternatives(t) for t in wire}
    flat = list(
        dict.fromkeys(member for alternatives in members.values() for member in alternatives)
    )
    schemas, components = msgspec.json.schema_components(
        [_DOCUMENTED(t) for t in flat], ref_template="#/components/schemas/{name}"
    )
    by_member = dict(zip(flat, schemas, strict=True))
    by_type = {
        t: by_member[alternatives[0]]
        if len(alternatives) == 1
        else {"anyOf": [by_member[member] for member in alternatives]}
        for t, alternatives in members.items()
    }
    operation_ids = _operation_ids(routes)
    links = _links(routes, operation_ids)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        success: dict[str, Any] = {"description": "Indicates a successful call."}
        if route.response is not None:
            success["content"] = {route.response_media_type: {"schema": by_type[route.response]}}
        elif route.response_media_type != "application/json":
            success["content"] = {
                route.response_media_type: {"schema": {"type": "string", "format": "binary"}}
            }
        if route in links:
            success["links"] = links[route]
        operation: dict[str, Any] = {
            "operationId": operation_ids[route],
            "summary": route.summary,
            "tags": [route.tag],
            "x-access": route.access,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": dict(_PATH_SEGMENT)}
                for name in _PATH_PARAMETER.findall(route.path)
            ],
            "responses": {
                str(route.status): success,
                **{
                    str(status): {"description": "Indicates a successful call without content."}
                    for status in route.bodiless_statuses
                },
                "431": _HEAD_TOO_LARGE,
                "default": _ERROR_RESPONSE,
            },
        }
        if route.query is not None:
            operation["parameters"] += [
                {
                    "name": field.encode_name,
                    "in": "query",
                    "required": field.required,
                    "schema": msgspec.json.schema(_DOCUMENTED(field.type)),
                }
                for field in msgspec.structs.fields(route.query)
            ]
        if route.method not in ("GET", "HEAD", "DELETE"):
            operation["parameters"].append(
                {"name": "kbn-xsrf", "in": "header", "required": True, "schema": {"type": "string"}}
            )
        if route.access == "internal":
            operation["parameters"].append(_INTERNAL_ORIGIN)
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {route.body_media_type: {"schema": by_type[route.body]}},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OpenCases",
            "description": "The Kibana HTTP APIs OpenCases serves. Every path is also served"
            " under /s/{space_id} for a space other than the default one.",
            "version": KIBANA_VERSION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
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


# --- the limits as JSON Schema ----------------------------------------------------------


class _Documented:
    """Copies of wire types whose validation markers are msgspec JSON Schema metadata.

    A Struct's copy has its name, docstring, fields and tag, and is closed (no other keys,
    `additionalProperties: false`): a request's unknown keys are refused (io-ts's
    exactCheck, config-schema's unknown keys) and an answer is encoded from its Struct.
    Each Struct is copied once, so one used in several places stays one component.
    """

    def __init__(self) -> None:
        self._structs: dict[type[msgspec.Struct], Any] = {}

    def __call__(self, tp: Any) -> Any:
        """`tp` with every marker it holds, at any depth, as JSON Schema metadata."""
        origin = get_origin(tp)
        if origin is typing.Annotated:
            inner, *extras = get_args(tp)
            keywords: dict[str, Any] = {}
            for extra in extras:
                json_schema = getattr(extra, "json_schema", None)
                if callable(json_schema):
                    keywords.update(json_schema())
            # The markers' keywords first: a type's own msgspec.Meta has the last word.
            metadata = [msgspec.Meta(extra_json_schema=keywords)] if keywords else []
            metadata += [extra for extra in extras if isinstance(extra, msgspec.Meta)]
            inner = self(inner)
            if not metadata:
                return inner
            return typing.Annotated.__class_getitem__((inner, *metadata))
        if origin in (Union, types.UnionType):
            return functools.reduce(operator.or_, [self(member) for member in get_args(tp)])
        if origin is list:
            return types.GenericAlias(list, (self(get_args(tp)[0]),))
        if origin is dict:
            key, value = get_args(tp)
            return types.GenericAlias(dict, (key, self(value)))
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            return self._struct(tp)
        return tp

    def _struct(self, tp: type[msgspec.Struct]) -> Any:
        if tp in self._structs:
            return self._structs[tp]
        # A Struct holding itself refers to the original (without its limits).
        self._structs[tp] = tp
        fields = msgspec.structs.fields(tp)
        rebuilt = [self(field.type) for field in fields]
        config = tp.__struct_config__
        copy = msgspec.defstruct(
            tp.__name__,
            [
                (field.name, new_type, _field(field))
                for field, new_type in zip(fields, rebuilt, strict=True)
            ],
            module=tp.__module__,
            namespace={"__doc__": tp.__doc__},
            kw_only=True,
            tag=config.tag,
            tag_field=config.tag_field,
            forbid_unknown_fields=True,
        )
        self._structs[tp] = copy
        return copy


# Copies depend on the types alone: one cache serves every document the process builds.
_DOCUMENTED = _Documented()


def _alternatives(tp: Any) -> tuple[Any, ...]:
    """The types a route's body or answer may be: the members of a union of lists, or itself."""
    if get_origin(tp) in (Union, types.UnionType) and all(
        get_origin(member) is list for member in get_args(tp)
    ):
        return get_args(tp)
    return (tp,)


def _required_in_document(field: msgspec.structs.FieldInfo) -> bool:
    """Whether a field the type lets be missing is one the server requires.

    Such a field says so with `msgspec.Meta(extra={"required": True})`: it has a default
    only so that its own check, not decoding, words the error when it is missing.
    """
    if field.required or get_origin(field.type) is not typing.Annotated:
        return False
    return any(
        isinstance(extra, msgspec.Meta) and (extra.extra or {}).get("required") is True
        for extra in get_args(field.type)[1:]
    )


def _field(field: msgspec.structs.FieldInfo) -> Any:
    """The field's default and wire name, as `msgspec.field` declares them."""
    if _required_in_document(field):
        return msgspec.field(name=field.encode_name)
    if field.default is not msgspec.NODEFAULT:
        return msgspec.field(default=field.default, name=field.encode_name)
    if field.default_factory is not msgspec.NODEFAULT:
        return msgspec.field(default_factory=field.default_factory, name=field.encode_name)
    return msgspec.field(name=field.encode_name)


# --- operation ids and links -------------------------------------------------------------


def _operation_ids(routes: Sequence[ApiRoute]) -> dict[ApiRoute, str]:
    """A unique camelCase id per route, from its summary (`Add case settings`: addCaseSettings)."""
    ids: dict[ApiRoute, str] = {}
    taken: set[str] = set()
    for route in routes:
        words = re.sub(r"[^A-Za-z0-9 ]", "", route.summary).split()
        base = words[0].lower() + "".join(word[:1].upper() + word[1:] for word in words[1:])
        operation_id = base if base not in taken else f"{base}{route.method.title()}"
        taken.add(operation_id)
        ids[route] = operation_id
    return ids


def _field_names(tp: Any) -> set[str]:
    """The wire names of a Struct type's fields (none for other types)."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return {field.encode_name for field in msgspec.structs.fields(tp)}
    return set()


def _object_of(route: ApiRoute) -> tuple[set[str], str, set[str]] | None:
    """(paths, JSON pointer, fields) of the object a route answers with, if it names one.

    A POST, PUT or PATCH answers the object it made or changed, whose routes are under its
    own path; a GET of a list answers objects whose routes are under its path, or under
    its path less a final `s` (`/api/actions/connectors`: `/api/actions/connector/{id}`).
    """
    if route.method in ("POST", "PUT", "PATCH"):
        return {route.path}, "", _field_names(route.response)
    answer = _alternatives(route.response)[0]
    if route.method == "GET" and get_origin(answer) is list:
        (item,) = get_args(answer)
        return {route.path, route.path.removesuffix("s")}, "/0", _field_names(item)
    return None


def _links(
    routes: Sequence[ApiRoute], operation_ids: dict[ApiRoute, str]
) -> dict[ApiRoute, dict[str, Any]]:
    """OpenAPI links from the routes that answer an object to the routes of that object.

    A target route under the object's path gets the path parameters it shares with the
    source from the request, and the one it adds from the answer: the field of that name,
    else `id`. A target body with a required `version` gets the answer's (the object's
    current version).
    """
    links: dict[ApiRoute, dict[str, Any]] = {}
    for source in routes:
        found = _object_of(source)
        if found is None:
            continue
        paths, pointer, answered = found
        given = set(_PATH_PARAMETER.findall(source.path))
        for target in routes:
            parameters = _PATH_PARAMETER.findall(target.path)
            added = [name for name in parameters if name not in given]
            if (
                target is source
                or not parameters
                or len(added) > 1
                or not any(target.path == p or target.path.startswith(p + "/") for p in paths)
            ):
                continue
            expressions = {f"path.{name}": f"$request.path.{name}" for name in given}
            if added:
                (name,) = added
                field = name if name in answered else "id"
                if field not in answered:
                    continue
                expressions[f"path.{name}"] = f"$response.body#{pointer}/{field}"
            link: dict[str, Any] = {"operationId": operation_ids[target], "parameters": expressions}
            if "version" in answered and "version" in _required_fields(target.body):
                link["requestBody"] = {"version": f"$response.body#{pointer}/version"}
            links.setdefault(source, {})[operation_ids[target]] = link
    return links


def _required_fields(tp: Any) -> set[str]:
    """The wire names of a Struct type's required fields (none for other types)."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return {field.encode_name for field in msgspec.structs.fields(tp) if field.required}
    return set()
