"""Routing every HTTP request: its id, the space prefix, the route, the response, the log line."""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections.abc import Sequence

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opencases.kibana.errors import (
    BadRequest,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestTimeout,
)
from opencases.kibana.http import SAFE_METHODS, SPACE_KEY, ApiRoute, error_response
from opencases.logs import access_log, log
from opencases.pipeline import REQUEST_ID_KEY, USER_KEY, Endpoint, endpoint, page_endpoint
from opencases.state import AppState
from opencases.ui.pages import Page

# Kibana's spaces plugin reads the space from a `/s/{id}` prefix and strips it.
_SPACE_PREFIX = re.compile(r"^/s/([a-z0-9_\-]+)(/.*)?$")


class Router:
    """Finds the endpoints of a path: exact paths by dict lookup, then path templates.

    Like hapi (Kibana's server) and unlike Starlette, a trailing slash is not redirected:
    `/api/cases/configure/` is not a route.
    """

    def __init__(
        self, routes: Sequence[ApiRoute], state: AppState, pages: Sequence[Page] = ()
    ) -> None:
        by_path: dict[str, dict[str, Endpoint]] = {}
        for route in routes:
            by_path.setdefault(route.path, {})[route.method] = endpoint(route, state)
        for page in pages:
            by_path.setdefault(page.path, {})["GET"] = page_endpoint(page, state)
        self.exact: dict[str, dict[str, Endpoint]] = {}
        self.templates: list[tuple[re.Pattern[str], dict[str, Endpoint]]] = []
        for path, endpoints in by_path.items():
            if "GET" in endpoints:
                endpoints["HEAD"] = endpoints["GET"]
            if "{" in path:
                self.templates.append((_template(path), endpoints))
            else:
                self.exact[path] = endpoints

    def match(self, path: str) -> tuple[dict[str, Endpoint], dict[str, str]] | None:
        """The endpoints by method and the path parameters, or None for an unknown path."""
        endpoints = self.exact.get(path)
        if endpoints is not None:
            return endpoints, {}
        for pattern, endpoints in self.templates:
            match = pattern.fullmatch(path)
            if match:
                return endpoints, match.groupdict()
        return None


def _template(path: str) -> re.Pattern[str]:
    """`/api/x/{id}` as a pattern whose groups are the parameters (one segment each)."""
    parts = re.split(r"\{(\w+)\}", path)
    pattern = "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(pattern)


class RequestHandler:
    """Every HTTP request: its id, the space prefix, routing, the response, the log line.

    Endpoints return a Response and this sends it, so the status, the `x-request-id`
    header and the 500 of last resort are handled in one place for every route.
    """

    def __init__(self, router: Router, lifespan: ASGIApp, *, body_timeout: float) -> None:
        self.router = router
        self.lifespan = lifespan
        self.body_timeout = body_timeout
        # Request ids need to be unique, not secret: a generator seeded once per process
        # (each worker builds its own handler) spares a system call per request.
        self._request_ids = random.Random(os.urandom(32))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request (and hand the lifespan to Starlette)."""
        if scope["type"] != "http":
            await self.lifespan(scope, receive, send)
            return
        started_at = time.perf_counter_ns()
        request_id = f"{self._request_ids.getrandbits(128):032x}"
        scope[REQUEST_ID_KEY] = request_id
        path = scope["path"]
        match = _SPACE_PREFIX.match(path)
        if match:
            scope[SPACE_KEY] = match.group(1)
            scope["path"] = match.group(2) or "/"
            scope["raw_path"] = scope["path"].encode()
        if scope["method"] not in SAFE_METHODS:
            receive = _within(receive, self.body_timeout)
        status = 500
        try:
            try:
                response = await self.respond(scope, receive)
            except ClientDisconnect:
                # hapi logs a request whose client left as aborted (nginx's 499). granian
                # also reports a body it cannot read (a malformed chunk) as a disconnect,
                # and that client is still there: it gets the 400 Node gives it, which a
                # client that left never reads.
                log.debug(
                    "client disconnected: %s %s request_id=%s", scope["method"], path, request_id
                )
                status = 499
                response = error_response(BadRequest())
                await send(
                    {"type": "http.response.start", "status": 400, "headers": response.raw_headers}
                )
                await send({"type": "http.response.body", "body": response.body})
                return
            except Exception:
                log.exception(
                    "unexpected error in %s %s request_id=%s", scope["method"], path, request_id
                )
                response = error_response(InternalServerError())
            status = response.status_code
            headers = response.raw_headers
            headers.append((b"x-request-id", request_id.encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            if isinstance(response, StreamingResponse):
                # A file, sent piece by piece as it is read (never whole in memory).
                async for piece in response.body_iterator:
                    await send({"type": "http.response.body", "body": piece, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            else:
                await send({"type": "http.response.body", "body": response.body})
        finally:
            access_log.write(
                method=scope["method"],
                path=path,
                status=status,
                duration_ns=time.perf_counter_ns() - started_at,
                user=scope.get(USER_KEY),
                request_id=request_id,
            )

    async def respond(self, scope: Scope, receive: Receive) -> Response:
        """The response of the route the request names (or Kibana's 404/405)."""
        found = self.router.match(scope["path"])
        if found is None:
            return error_response(NotFound())
        endpoints, path_params = found
        run = endpoints.get(scope["method"])
        if run is None:
            if any("\x00" in value for value in path_params.values()):
                return error_response(NotFound())  # a path holding U+0000 names nothing
            allow = ", ".join(endpoints)
            return error_response(MethodNotAllowed(headers={"allow": allow}))
        for name, value in path_params.items():
            if "\x00" in value:
                return error_response(_nul_in_path(scope, name, value))
        scope["path_params"] = path_params
        return await run(Request(scope, receive))


def _nul_in_path(scope: Scope, name: str, value: str) -> BadRequest | NotFound:
    """The answer for a path id holding U+0000, which no stored object can have."""
    # Bodies holding U+0000 are refused (PostgreSQL cannot store it). Such an id names
    # nothing, so reading, running, changing or deleting it is a 404; choosing it for a new
    # object (the id ending the path of a POST or PUT) is refused as a body string is.
    if scope["method"] in ("POST", "PUT") and scope["path"].endswith(value):
        return BadRequest(
            f"[request params.{name}]: the NUL character (\\u0000) is not allowed in strings"
        )
    return NotFound()


def _within(receive: Receive, seconds: float) -> Receive:
    """`receive`, failing with hapi's 408 once the body has taken `seconds` in all."""
    deadline = asyncio.get_running_loop().time() + seconds

    async def receive_in_time() -> Message:
        try:
            async with asyncio.timeout_at(deadline):
                return await receive()
        except TimeoutError:
            raise RequestTimeout() from None

    return receive_in_time
