"""create_app(settings): the Starlette application with every domain's routes."""

from __future__ import annotations

import gc
import os
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from opencases import KIBANA_VERSION
from opencases import db as database
from opencases.configure import routes as configure_routes
from opencases.connectors import routes as connectors_routes
from opencases.connectors import service as connectors_service
from opencases.connectors.types.base import ConnectorType
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
    connectors: connectors_service.Connectors
    db: database.Database | None = None


async def oas(request: Request, context: RequestContext) -> Response:
    """GET /api/oas: the OpenAPI document of the API."""
    return json_response(request.app.state.openapi)


OAS_ROUTE = ApiRoute(
    method="GET", path="/api/oas", handler=oas, summary="Get the OpenAPI document", tag="system"
)


def api_routes() -> list[ApiRoute]:
    """Every route of the API, as the domains declare them."""
    # Exact paths are found by lookup; path templates are tried in this order.
    return [
        *configure_routes.ROUTES,
        *connectors_routes.ROUTES,
        *spaces_routes.ROUTES,
        *status_routes.ROUTES,
        *security_routes.ROUTES,
        OAS_ROUTE,
    ]


Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(route: ApiRoute, state: AppState) -> Endpoint:
    """The route's pipeline: authenticate, Kibana's onPostAuth checks, the space, the handler."""
    handler: Handler = route.handler
    version_header = route.access == "public"
    check_xsrf = route.method not in SAFE_METHODS
    internal_only = route.access == "internal" and state.settings.restrict_internal_apis

    async def run(request: Request) -> Response:
        db = state.db
        assert db is not None, "the database opens at startup"
        scope = request.scope
        # One pass over the raw headers: the four this pipeline reads.
        authorization: str | None = None
        has_xsrf = False
        kbn_version: str | None = None
        internal_origin = False
        for name, value in scope["headers"]:
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"kbn-xsrf":
                has_xsrf = True
            elif name == b"kbn-version":
                has_xsrf = True
                kbn_version = value.decode("latin-1")
            elif name == b"x-elastic-internal-origin":
                internal_origin = True
        # What this process verified and read lately answers most requests without I/O.
        principal = state.authenticator.remembered(authorization)
        if principal is None:
            try:
                principal = await state.authenticator.authenticate(db, authorization)
            except KibanaError as error:
                return error_response(error)
        scope[USER_KEY] = principal.username
        try:
            # Kibana's onPostAuth handlers, in its order: kbn-xsrf, kbn-version, internal origin.
            if check_xsrf and not has_xsrf:
                raise BadRequest("Request must contain a kbn-xsrf header.")
            if kbn_version and kbn_version != KIBANA_VERSION:
                raise version_mismatch(kbn_version)
            if internal_only and not from_kibana(internal_origin, scope["query_string"]):
                raise BadRequest(
                    f"uri [{scope['path']}] with method [{route.method.lower()}] exists but"
                    " is not available with the current configuration"
                )
            space_id = scope.get(SPACE_KEY, DEFAULT_SPACE_ID)
            space = state.spaces.fresh(space_id) or await active_space(
                db=db, cache=state.spaces, space_id=space_id
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


def version_mismatch(got: str) -> BadRequest:
    """The 400 for a `kbn-version` header naming another Kibana version."""
    # Kibana's onPostAuth version check, registered right after the kbn-xsrf check, runs
    # for every route and method.
    return BadRequest(
        "Browser client is out of date, please refresh the page"
        f' ("kbn-version" header was "{got}" but should be "{KIBANA_VERSION}")',
        attributes={"expected": KIBANA_VERSION, "got": got},
    )


def from_kibana(has_origin_header: bool, query_string: bytes) -> bool:
    """Kibana's `isInternalApiRequest`: the origin header, or the query parameter unless false."""
    values = parse_qs(query_string.decode("latin-1"), keep_blank_values=True).get(
        "elasticInternalOrigin"
    )
    if values is not None and values[0] == "false":
        return False
    return has_origin_header or values is not None


class Router:
    """Finds the endpoints of a path: exact paths by dict lookup, then path templates.

    Like hapi (Kibana's server) and unlike Starlette, a trailing slash is not redirected:
    `/api/cases/configure/` is not a route.
    """

    def __init__(self, routes: Sequence[ApiRoute], state: AppState) -> None:
        by_path: dict[str, dict[str, Endpoint]] = {}
        for route in routes:
            by_path.setdefault(route.path, {})[route.method] = endpoint(route, state)
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

    def __init__(self, router: Router, lifespan: ASGIApp) -> None:
        self.router = router
        self.lifespan = lifespan
        # Request ids need to be unique, not secret: a generator seeded once per process
        # (each worker builds its own handler) spares a system call per request.
        self._request_ids = random.Random(os.urandom(32))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        status = 500
        try:
            try:
                response = await self.respond(scope, receive)
            except Exception:
                log.exception(
                    "unexpected error in %s %s request_id=%s", scope["method"], path, request_id
                )
                response = error_response(InternalServerError())
            status = response.status_code
            headers = response.raw_headers
            headers.append((b"x-request-id", request_id.encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
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
            allow = ", ".join(endpoints)
            return error_response(MethodNotAllowed(headers={"allow": allow}))
        scope["path_params"] = path_params
        return await run(Request(scope, receive))


class OpenCasesApp(Starlette):
    """Starlette for its lifespan and state; RequestHandler answers every HTTP request."""

    def build_middleware_stack(self) -> ASGIApp:
        """RequestHandler in front of the router (which only runs the lifespan)."""
        return RequestHandler(self.state.router, self.router)


def create_app(
    settings: Settings,
    *,
    routes: Sequence[ApiRoute] | None = None,
    connector_types: Iterable[ConnectorType] | None = None,
    connector_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The OpenCases ASGI application for `settings`.

    `connector_types` replaces the shipped connector types and `connector_transport` the
    network for connectors' calls (tests use both).
    """
    routes = list(routes if routes is not None else api_routes())
    state = AppState(
        settings=settings,
        authenticator=Authenticator(ttl=settings.auth_cache_seconds),
        spaces=SpaceCache(ttl=settings.auth_cache_seconds),
        connectors=connectors_service.build(
            settings, connector_types, transport=connector_transport
        ),
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
            await state.connectors.close()
            await state.db.close()

    app = OpenCasesApp(lifespan=lifespan)
    app.state.router = Router(routes, state)
    app.state.opencases = state
    app.state.space_cache = state.spaces
    app.state.connectors = state.connectors
    app.state.api_routes = routes
    app.state.openapi = openapi_document(routes)
    return app


def create_app_from_env() -> Starlette:
    """The application for a server worker: settings from OPENCASES_* variables."""
    settings = load_settings(os.environ.get("OPENCASES_CONFIG"))
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return create_app(settings)
