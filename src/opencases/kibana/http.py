"""Requests and responses the Kibana way: JSON bodies, size limit, error envelope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.errors import KibanaError, PayloadTooLarge
from opencases.kibana.validation import (
    Style,
    is_ascii_digits,
    parse_json_object,
    query_values,
    validate,
)
from opencases.kibana.validation.parsing import parse_json

T = TypeVar("T")
JSON = "application/json; charset=utf-8"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Kibana's public, versioned routes answer with the version they served.
PUBLIC_API_VERSION = "2023-10-31"

_encoder = msgspec.json.Encoder()
_CONTENT_TYPE = (b"content-type", JSON.encode())


class JSONResponse(Response):
    """A JSON response whose headers are built directly (Starlette's are generic, and slower)."""

    media_type = JSON

    def __init__(
        self, body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        self.raw_headers = [(b"content-length", str(len(body)).encode()), _CONTENT_TYPE]
        if headers:
            self.raw_headers.extend(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in headers.items()
            )


def json_response(
    content: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response, encoded by msgspec."""
    return JSONResponse(_encoder.encode(content), status, headers)


def no_content() -> Response:
    """204 without a body."""
    return Response(status_code=204)


def error_response(error: KibanaError) -> Response:
    """Kibana's error envelope for an error."""
    return json_response(error.body(), status=error.status_code, headers=error.headers)


def quoted_api(request: Request) -> str:
    """The request as Kibana's API privilege check quotes it: `<METHOD> <path>[?<query>]`."""
    query = request.scope["query_string"].decode("latin-1")
    return f"{request.method} {request.scope['path']}{'?' + query if query else ''}"


async def read_body(request: Request, *, limit: int) -> bytes:
    """The raw body, refused with 413 beyond `limit` bytes (hapi's maxBytes)."""
    message = f"Payload content length greater than maximum allowed: {limit}"
    length = request.headers.get("content-length")
    if length is not None and is_ascii_digits(length) and int(length) > limit:
        raise PayloadTooLarge(message)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(message)
        chunks.append(chunk)
    return b"".join(chunks)


async def decode_body(request: Request, tp: type[T], *, limit: int, style: Style = "io-ts") -> T:
    """The body decoded as `tp`, with Kibana's 400/413 errors."""
    return validate(tp, parse_json_object(await read_body(request, limit=limit)), style=style)


async def refuse_unread_body(request: Request, *, limit: int) -> None:
    """Refuse a body the route does not read as hapi does: too large (413) or not JSON (400).

    hapi parses the payload of every method but GET and HEAD, whether or not the route
    takes one; the route then ignores what parsed.
    """
    raw = await read_body(request, limit=limit)
    if raw:
        parse_json(raw)


def decode_query(request: Request, tp: type[T], *, style: Style = "io-ts") -> T:
    """The query string decoded as `tp` (a repeated key is an array)."""
    if not request.scope["query_string"]:
        # Most requests carry no query; a type whose keys are all optional takes that as is.
        try:
            return msgspec.convert({}, tp)
        except msgspec.ValidationError:
            pass
    values = query_values(request.query_params.multi_items())
    return validate(tp, values, style=style, where="request query")


# Where the router keeps the space of a `/s/{space_id}/...` request (the path without it).
SPACE_KEY = "opencases.space_id"


def space_prefix(request: Request) -> str:
    """The `/s/{space_id}` the request's path began with, or nothing for the default space."""
    space_id = request.scope.get(SPACE_KEY)
    return f"/s/{space_id}" if space_id else ""


Handler = Callable[[Request, Any], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Requires:
    """The privilege a route needs (Kibana's route `security.authz`): a caller without it gets 403.

    A declaration, not a second check: the route's service checks it where Kibana's client
    does, in Kibana's order and words. `feature` names what grants it: a Kibana feature
    (`cases`: the Cases feature of some owner, `actions`, `spaces`), `api` for a Kibana API
    privilege checked at the route (Kibana's `requiredPrivileges`), or `cluster` for an
    Elasticsearch cluster privilege.
    """

    feature: Literal["cases", "actions", "spaces", "api", "cluster"]
    privilege: str


@dataclass(frozen=True, slots=True)
class OptOut:
    """Kibana's `authz: {enabled: false, reason}`: every authenticated caller is answered."""

    reason: str


Authz: TypeAlias = Requires | OptOut


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRoute:
    """One route of the API: what it does, what it needs, and what it takes and gives (OAS).

    `authz` is required, as Kibana 9 requires every route to declare its authorization.
    """

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    authz: Authz
    access: Literal["public", "internal"] = "public"
    # Kibana's route option `authRequired`: "none" for the login and logout routes, whose
    # handlers get a `PublicContext` (no caller, no space).
    authentication: Literal["required", "none"] = "required"
    body: Any = None
    query: Any = None
    response: Any = None
    status: int = 200
    # Other successes, answered without a body (the session's state, when there is none).
    bodiless_statuses: tuple[int, ...] = ()
    body_media_type: str = "application/json"
    response_media_type: str = "application/json"
