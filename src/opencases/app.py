"""create_app(settings): the Starlette application with every domain's routes."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Lifespan

from opencases import db as database
from opencases.cases import routes as cases_routes
from opencases.cases import service as cases_service
from opencases.cases.attachments import routes as attachment_routes
from opencases.cases.push import routes as push_routes
from opencases.configure import routes as configure_routes
from opencases.configure import service as configure_service
from opencases.connectors import routes as connectors_routes
from opencases.connectors import runtime as connectors_runtime
from opencases.connectors.types.base import ConnectorType
from opencases.kibana.http import ApiRoute, OptOut, json_response
from opencases.kibana.oas import openapi_document
from opencases.kibana.time import SYSTEM_CLOCK, Clock
from opencases.logs import access_log, configure_logging
from opencases.router import RequestHandler, Router
from opencases.security import routes as security_routes
from opencases.security.authentication import Authenticator
from opencases.security.context import RequestContext
from opencases.security.login import routes as login_routes
from opencases.security.sessions import Sessions
from opencases.settings import Settings, load_settings
from opencases.spaces import routes as spaces_routes
from opencases.spaces.service import SpaceCache
from opencases.state import AppState
from opencases.status import routes as status_routes
from opencases.ui.pages import pages


def api_routes(state: AppState) -> list[ApiRoute]:
    """Every route of the API, as the domains declare them, bound to this process's state."""

    async def oas(request: Request, context: RequestContext) -> Response:
        """GET /api/oas: the OpenAPI document of the API."""
        # Built at the first ask, not at start: it takes longer (about 50 ms) than the rest
        # of create_app, and most processes are never asked.
        if state.openapi is None:
            state.openapi = openapi_document(state.routes)
        return json_response(state.openapi)

    # Exact paths are found by lookup; path templates are tried in this order.
    return [
        *cases_routes.routes(),
        *attachment_routes.routes(),
        *push_routes.routes(connectors=state.connectors),
        *configure_routes.routes(connectors=state.connectors),
        *connectors_routes.routes(connectors=state.connectors),
        *spaces_routes.routes(spaces=state.spaces),
        *status_routes.ROUTES,
        *security_routes.ROUTES,
        *login_routes.routes(sessions=state.sessions),
        ApiRoute(
            method="GET",
            path="/api/oas",
            handler=oas,
            summary="Get the OpenAPI document",
            tag="system",
            authz=OptOut("the API's description, for every authenticated caller"),
        ),
    ]


class OpenCasesApp(Starlette):
    """Starlette for its lifespan; RequestHandler answers every HTTP request."""

    def __init__(self, state: AppState, lifespan: Lifespan[Starlette]) -> None:
        self.opencases = state
        self.request_router = Router(state.routes, state, pages())
        super().__init__(lifespan=lifespan)
        # Tests and tools reach the process's state through Starlette's usual place too.
        self.state.opencases = state

    def build_middleware_stack(self) -> ASGIApp:
        """RequestHandler in front of the router (which only runs the lifespan)."""
        return RequestHandler(
            self.request_router,
            self.router,
            body_timeout=self.opencases.settings.body_read_timeout_seconds,
        )


def create_app(
    settings: Settings,
    *,
    extra_routes: Sequence[ApiRoute] = (),
    connector_types: Iterable[ConnectorType] | None = None,
    connector_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> OpenCasesApp:
    """The OpenCases ASGI application for `settings`.

    `extra_routes` are served besides the API's, `connector_types` replace the shipped
    connector types, `connector_transport` the network for connectors' calls and `clock`
    their time (tests).
    """
    authenticator = Authenticator(ttl=settings.auth_cache_seconds)
    state = AppState(
        settings=settings,
        authenticator=authenticator,
        sessions=Sessions(settings=settings, authenticator=authenticator, clock=clock),
        spaces=SpaceCache(ttl=settings.auth_cache_seconds),
        connectors=connectors_runtime.build(
            settings, connector_types, transport=connector_transport, clock=clock
        ),
    )
    state.connectors.register_reference_counter(configure_service.count_connector_references)
    state.connectors.register_reference_counter(cases_service.count_connector_references)

    state.routes = [*api_routes(state), *extra_routes]

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

    return OpenCasesApp(state, lifespan)


def create_app_from_env() -> OpenCasesApp:
    """The application for a server worker: settings from OPENCASES_* variables."""
    settings = load_settings(os.environ.get("OPENCASES_CONFIG"))
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    return create_app(settings)
