"""Kibana's user profile routes that the Cases UI uses for assignees."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.http import ApiRoute, OptOut, Requires, decode_query, json_response, read_body
from opencases.kibana.validation import parse_json_object, validate
from opencases.security.context import RequestContext
from opencases.security.profiles import service
from opencases.security.profiles.schemas import (
    BulkGetRequest,
    CurrentUserProfile,
    ProfileQuery,
    UserProfile,
)

BULK_GET_PATH = "/internal/security/user_profile/_bulk_get"


async def bulk_get(request: Request, context: RequestContext) -> Response:
    """POST /internal/security/user_profile/_bulk_get."""
    # hapi parses the body before the route's privilege check, and validates it after.
    raw = parse_json_object(await read_body(request, limit=context.settings.max_payload_bytes))
    await service.ensure_api_privilege(
        context=context, api=f"POST {BULK_GET_PATH}", privilege="bulkGetUserProfiles"
    )
    body = validate(BulkGetRequest, raw, style="config-schema")
    return json_response(await service.bulk_get(db=context.db, uids=body.uids))


async def current_profile(request: Request, context: RequestContext) -> Response:
    """GET /internal/security/user_profile."""
    decode_query(request, ProfileQuery, style="config-schema")
    return json_response(await service.current(db=context.db, principal=context.principal))


ROUTES = [
    ApiRoute(
        method="POST",
        path=BULK_GET_PATH,
        handler=bulk_get,
        summary="Get user profiles by uid",
        tag="security",
        authz=Requires("api", "bulkGetUserProfiles"),
        access="internal",
        body=BulkGetRequest,
        response=list[UserProfile],
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/user_profile",
        handler=current_profile,
        summary="Get the current user's profile",
        tag="security",
        authz=OptOut("a currently authenticated user is required, nothing more"),
        access="internal",
        query=ProfileQuery,
        response=CurrentUserProfile,
    ),
]
