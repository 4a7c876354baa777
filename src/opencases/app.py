"""create_app(settings): the Starlette application with every domain's routes."""

from __future__ import annotations

import gc
import os
import re
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opencases import db as database
from opencases.configure import routes as configure_routes
from opencases.kibana.errors import (
    BadRequest,
    InternalServerError,
    KibanaError,
    MethodNotAllowed,
    NotFound,
)
from opencases.kibana.http import (
    PUBLIC_API_VERSION,
    SAFE_METHODS,
    ApiRoute,
    Handler,
    error_response,
    json_response,
)
from opencases.kibana.oas import openapi_document
from opencases.logs import access_log, configure_logging, log
from opencases.security import routes as security_routes
from opencases.security.authentication import Authenticator
from opencases.security.context import RequestContext
from opencases.settings import Settings, load_settings
from opencases.spaces import routes as spaces_routes
from opencases.spaces.schemas import DEFAULT_SPACE_ID
from opencases.spaces.service import SpaceCache, active_space
from opencases.status import routes as status_routes

# Kibana's spaces plugin reads the space from a `/s/{id}` prefix and strips it.
_SPACE_PREFIX = re.compile(r"^/s/([a-z0-9_\-]+)(/.*)?$")
SPACE_KEY = "opencases.space_id"
USER_KEY = "opencases.user"
REQUEST_ID_KEY = "opencases.request_id"
VERSION_HEADER = (b"elastic-api-version", PUBLIC_API_VERSION.encode())


@dataclass(slots=True)
class AppState:
    """What the process holds between requests."""

    settings: Settings
    authenticator: Authenticator
    spaces: SpaceCache
    db: database.Database | None = None


async def oas(request: Request, context: RequestContext) -> Response:
    """GET /api/oas: the OpenAPI document of the API."""
    return json_response(request.app.state.openapi)


OAS_ROUTE = ApiRoute(
    method="GET", path="/api/oas", handler=oas, summary="Get the OpenAPI document", tag="system"
)


def api_routes() -> list[ApiRoute]:
    """Every route of the API, as the domains declare them."""
    # Starlette tries routes in order: the busiest come first.
    return [
        *configure_routes.ROUTES,
        *spaces_routes.ROUTES,
        *status_routes.ROUTES,
        *security_routes.ROUTES,
        OAS_ROUTE,
    ]


def endpoint(route: ApiRoute, state: AppState) -> Any:
    """A Starlette endpoint: authenticate, check kbn-xsrf, resolve the space, run the handler."""
    handler: Handler = route.handler
    version_header = route.access == "public"

    async def run(request: Request) -> Response:
        db = state.db
        assert db is not None, "the database opens at startup"
        scope = request.scope
        try:
            principal = await state.authenticator.authenticate(
                db, request.headers.get("authorization")
            )
        except KibanaError as error:
            return error_response(error)
        scope[USER_KEY] = principal.username
        try:
            # Kibana checks kbn-xsrf after authentication (an onPostAuth handler).
            if request.method not in SAFE_METHODS and not (
                "kbn-xsrf" in request.headers or "kbn-version" in request.headers
            ):
                raise BadRequest("Request must contain a kbn-xsrf header.")
            space = await active_space(
                db=db, cache=state.spaces, space_id=scope.get(SPACE_KEY, DEFAULT_SPACE_ID)
            )
            context = RequestContext(
                request_id=scope[REQUEST_ID_KEY],
                db=db,
                settings=state.settings,
                authenticator=state.authenticator,
                principal=principal,
                space=space,
            )
            response = await handler(request, context)
        except KibanaError as error:
            response = error_response(error)
        if version_header:
            response.raw_headers.append(VERSION_HEADER)
        return response

    return run


class RequestMiddleware:
    """Per request: an id, the space prefix, the one log line, and the 500 of last resort."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter_ns()
        request_id = os.urandom(16).hex()
        scope[REQUEST_ID_KEY] = request_id
        path = scope["path"]
        match = _SPACE_PREFIX.match(path)
        if match:
            scope[SPACE_KEY] = match.group(1)
            scope["path"] = match.group(2) or "/"
            scope["raw_path"] = scope["path"].encode()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except HTTPException as exc:
            await http_error(exc)(scope, receive, send_with_id)
        except Exception:
            log.exception(
                "unexpected error in %s %s request_id=%s", scope["method"], path, request_id
            )
            if not response_started:
                await error_response(InternalServerError())(scope, receive, send_with_id)
        finally:
            access_log.write(
                method=scope["method"],
                path=path,
                status=status,
                duration_ns=time.perf_counter_ns() - started_at,
                user=scope.get(USER_KEY),
                request_id=request_id,
            )


def starlette_routes(routes: Sequence[ApiRoute], state: AppState) -> list[Route]:
    """One Starlette route per path, so a wrong method's 405 lists every allowed one."""
    by_path: dict[str, dict[str, Any]] = {}
    for route in routes:
        by_path.setdefault(route.path, {})[route.method] = endpoint(route, state)
    return [_path_route(path, endpoints) for path, endpoints in by_path.items()]


class _PathEndpoints:
    """The ASGI app of one path: picks the endpoint of the request's method.

    An ASGI app rather than a function, so Starlette does not wrap every request in its
    per-route exception handling: RequestMiddleware handles errors for all routes.
    """

    def __init__(self, endpoints: dict[str, Any]) -> None:
        if "GET" in endpoints:
            endpoints = {**endpoints, "HEAD": endpoints["GET"]}
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response = await self.endpoints[request.method](request)
        await response(scope, receive, send)


def _path_route(path: str, endpoints: dict[str, Any]) -> Route:
    app = _PathEndpoints(endpoints)
    return Route(path, app, methods=list(app.endpoints))


def http_error(exc: HTTPException) -> Response:
    """The router's own 404 and 405, in Kibana's envelope."""
    error: KibanaError
    if exc.status_code == 405:
        error = MethodNotAllowed(headers=dict(exc.headers or {}))
    elif exc.status_code == 404:
        error = NotFound()
    else:
        error = KibanaError(exc.detail)
        error.status_code = exc.status_code
    return error_response(error)


class OpenCasesApp(Starlette):
    """Starlette with RequestMiddleware as the whole middleware stack.

    RequestMiddleware answers every error in Kibana's envelope, so Starlette's own error
    layers would only add their cost to every request.
    """

    def build_middleware_stack(self) -> ASGIApp:
        """The router behind RequestMiddleware."""
        return RequestMiddleware(self.router)


def create_app(settings: Settings, *, routes: Sequence[ApiRoute] | None = None) -> Starlette:
    """The OpenCases ASGI application for `settings`."""
    routes = list(routes if routes is not None else api_routes())
    state = AppState(
        settings=settings,
        authenticator=Authenticator(ttl=settings.auth_cache_seconds),
        spaces=SpaceCache(ttl=settings.auth_cache_seconds),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.db = await database.connect(
            settings.database_url, pool_size=settings.database_pool_size
        )
        # What startup made lives as long as the process: the collector need not walk it
        # again and again (its full passes are what long request tails are made of).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            access_log.flush()
            await state.db.close()

    app = OpenCasesApp(routes=starlette_routes(routes, state), lifespan=lifespan)
    app.state.opencases = state
    app.state.space_cache = state.spaces
    app.state.api_routes = routes
    app.state.openapi = openapi_document(routes)
    return app


def create_app_from_env() -> Starlette:
    """The application for a server worker: settings from OPENCASES_* variables."""
    settings = load_settings(os.environ.get("OPENCASES_CONFIG"))
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return create_app(settings)
