"""The request pipeline of every route: authentication, Kibana's onPostAuth checks, the space."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import Response

from opencases import KIBANA_VERSION
from opencases.kibana.errors import BadRequest, KibanaError
from opencases.kibana.http import (
    PUBLIC_API_VERSION,
    SAFE_METHODS,
    SPACE_KEY,
    ApiRoute,
    Handler,
    error_response,
    refuse_unread_body,
    space_prefix,
)
from opencases.security.authentication import Principal
from opencases.security.context import PublicContext, RequestContext
from opencases.security.sessions import SESSION_ERROR_REASON, cookie_of, request_cookie
from opencases.spaces.schemas import DEFAULT_SPACE_ID
from opencases.spaces.service import active_space
from opencases.state import AppState
from opencases.ui.pages import Page

USER_KEY = "opencases.user"
REQUEST_ID_KEY = "opencases.request_id"
VERSION_HEADER = (b"elastic-api-version", PUBLIC_API_VERSION.encode())

Endpoint = Callable[[Request], Awaitable[Response]]


# One function on purpose: it runs for every request, and each call it made instead would
# cost every request.
def endpoint(route: ApiRoute, state: AppState) -> Endpoint:  # noqa: C901
    """The route's pipeline: authenticate, Kibana's onPostAuth checks, the space, the handler."""
    handler: Handler = route.handler
    version_header = route.access == "public"
    check_xsrf = route.method not in SAFE_METHODS
    internal_only = route.access == "internal" and state.settings.restrict_internal_apis
    # hapi parses the payload of every method but GET and HEAD, even for a route taking none.
    unread_body = route.body is None and route.method not in SAFE_METHODS
    authenticated = route.authentication == "required"
    authenticator = state.authenticator
    sessions = state.sessions

    async def run(request: Request) -> Response:  # noqa: C901
        database = state.db
        assert database is not None, "the database opens at startup"
        # On PostgreSQL the request's reads then wait for one snapshot between them.
        db = database.request_scope()
        scope = request.scope
        # One pass over the raw headers: the six this pipeline reads.
        authorization: str | None = None
        cookie: str | None = None
        has_xsrf = False
        kbn_version: str | None = None
        internal_origin = False
        system_request = False
        for name, value in scope["headers"]:
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"cookie" and cookie is None:
                cookie = cookie_of(value.decode("latin-1"))
            elif name == b"kbn-xsrf":
                has_xsrf = True
            elif name == b"kbn-version":
                has_xsrf = True
                kbn_version = value.decode("latin-1")
            elif name == b"x-elastic-internal-origin":
                internal_origin = True
            elif name == b"kbn-system-request":
                system_request = value == b"true"
        principal: Principal | None = None
        if authenticated:
            # What this process verified and read answers most requests without I/O, while
            # the database's security epoch stands (SQLite's data_version, PostgreSQL's
            # listener). An Authorization header wins over a session cookie, as in Kibana.
            try:
                if authorization is None and cookie is not None:
                    principal = sessions.remembered(db, cookie) or await sessions.authenticate(
                        db, cookie, extend=not system_request
                    )
                else:
                    principal = authenticator.remembered(
                        db, authorization
                    ) or await authenticator.authenticate(db, authorization)
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
            context: RequestContext | PublicContext
            if principal is None:
                context = PublicContext(
                    request_id=scope[REQUEST_ID_KEY], db=db, settings=state.settings
                )
            else:
                space_id = scope.get(SPACE_KEY, DEFAULT_SPACE_ID)
                space = state.spaces.fresh(db, space_id) or await active_space(
                    db=db, cache=state.spaces, space_id=space_id
                )
                context = RequestContext(
                    request_id=scope[REQUEST_ID_KEY],
                    db=db,
                    settings=state.settings,
                    principal=principal,
                    space=space,
                )
            if unread_body:
                await refuse_unread_body(request, limit=state.settings.max_payload_bytes)
            response = await handler(request, context)
        except KibanaError as error:
            response = error_response(error)
        if version_header:
            response.raw_headers.append(VERSION_HEADER)
        return response

    return run


def page_endpoint(page: Page, state: AppState) -> Endpoint:
    """A page's pipeline: for a signed-in user's session, else Kibana's way to its login page."""
    render = page.render
    sessions = state.sessions

    def answer(request: Request) -> Response:
        try:
            return render(request)
        except KibanaError as error:
            return error_response(error)

    async def run(request: Request) -> Response:
        if not page.signed_in:
            return answer(request)
        database = state.db
        assert database is not None, "the database opens at startup"
        db = database.request_scope()
        cookie = request_cookie(request)
        principal: Principal | None = None
        reason: str | None = None
        if cookie is not None:
            try:
                principal = sessions.remembered(db, cookie) or await sessions.authenticate(
                    db, cookie, extend=True
                )
            except KibanaError as error:
                reason = error.headers.get(SESSION_ERROR_REASON)
        if principal is None:
            # Kibana's basic provider sends the browser to its login page, to come back here.
            query = {"next": space_prefix(request) + request.url.path}
            if request.url.query:
                query["next"] += f"?{request.url.query}"
            if reason:
                query["msg"] = reason
            headers = {"location": "/login?" + urlencode(query)}
            if cookie is not None:
                headers["set-cookie"] = sessions.clear_cookie
            return Response(status_code=302, headers=headers)
        request.scope[USER_KEY] = principal.username
        return answer(request)

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
