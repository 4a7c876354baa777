"""Kibana's login, logout and session routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.errors import BadRequest
from opencases.kibana.http import ApiRoute, OptOut, decode_body, json_response, no_content
from opencases.security.context import PublicContext, RequestContext
from opencases.security.login import service
from opencases.security.login.schemas import LoginRequest, LoginResponse, SessionInfo
from opencases.security.sessions import Sessions, request_cookie


def routes(*, sessions: Sessions) -> list[ApiRoute]:
    """The routes, bound to the process's sessions."""

    async def login(request: Request, context: PublicContext) -> Response:
        """POST /internal/security/login."""
        body = await decode_body(
            request, LoginRequest, limit=context.settings.max_payload_bytes, style="config-schema"
        )
        answer, value = await service.login(
            db=context.db, sessions=sessions, request=body, previous=request_cookie(request)
        )
        return json_response(answer, headers={"set-cookie": sessions.cookie(value)})

    async def logout(request: Request, context: PublicContext) -> Response:
        """GET /api/security/logout."""
        # Kibana's `canRedirectRequest`: a client that sends these cannot follow a redirect.
        if "kbn-xsrf" in request.headers or "kbn-version" in request.headers:
            raise BadRequest("Client should be able to process redirect response.")
        await sessions.logout(context.db, request_cookie(request))
        return Response(
            status_code=302,
            headers={
                "location": service.logged_out_url(request.query_params),
                "set-cookie": sessions.clear_cookie,
            },
        )

    async def session_info(request: Request, context: RequestContext) -> Response:
        """GET /internal/security/session."""
        info = await service.session_info(
            db=context.db, principal=context.principal, now=sessions.now()
        )
        return no_content() if info is None else json_response(info)

    async def extend_session(request: Request, context: RequestContext) -> Response:
        """POST /internal/security/session."""
        # The request's authentication moved the session's idle expiry already.
        return Response(status_code=302, headers={"location": "/internal/security/session"})

    return [
        ApiRoute(
            method="POST",
            path="/internal/security/login",
            handler=login,
            summary="Sign in with a username and password",
            tag="security",
            authz=OptOut("the login itself authenticates the caller"),
            access="internal",
            authentication="none",
            body=LoginRequest,
            response=LoginResponse,
        ),
        ApiRoute(
            method="GET",
            path="/api/security/logout",
            handler=logout,
            summary="Sign out",
            tag="security",
            authz=OptOut("anyone may end the session they hold"),
            authentication="none",
            status=302,
        ),
        ApiRoute(
            method="GET",
            path="/internal/security/session",
            handler=session_info,
            summary="Get when the current session ends",
            tag="security",
            authz=OptOut("the caller's own session"),
            access="internal",
            response=SessionInfo,
            bodiless_statuses=(204,),
        ),
        ApiRoute(
            method="POST",
            path="/internal/security/session",
            handler=extend_session,
            summary="Extend the current session",
            tag="security",
            authz=OptOut("the caller's own session"),
            access="internal",
            status=302,
        ),
    ]
