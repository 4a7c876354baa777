"""Requests and responses the Kibana way: JSON bodies, size limit, error envelope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.errors import KibanaError, PayloadTooLarge
from opencases.kibana.validation import Style, parse_json_object, query_values, validate

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


async def read_body(request: Request, *, limit: int) -> bytes:
    """The raw body, refused with 413 beyond `limit` bytes (hapi's maxBytes)."""
    message = f"Payload content length greater than maximum allowed: {limit}"
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
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


Handler = Callable[[Request, Any], Awaitable[Response]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRoute:
    """One route of the API: what it does, and what it takes and gives (for the OAS)."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    access: Literal["public", "internal"] = "public"
    body: Any = None
    query: Any = None
    response: Any = None
    status: int = 200
