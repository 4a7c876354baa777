"""Kibana's user routes and the current user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.http import ApiRoute, OptOut, Requires, decode_body, json_response, no_content
from opencases.security.context import RequestContext
from opencases.security.users import service
from opencases.security.users.schemas import (
    CurrentUser,
    PasswordChangeRequest,
    User,
    UserRequest,
    UserSaved,
)


async def put_user(request: Request, context: RequestContext) -> Response:
    """POST /internal/security/users/{username}."""
    body = await decode_body(
        request, UserRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    saved = await service.put_user(
        db=context.db,
        principal=context.principal,
        username=request.path_params["username"],
        request=body,
    )
    return json_response(saved)


async def list_users(request: Request, context: RequestContext) -> Response:
    """GET /internal/security/users."""
    return json_response(await service.list_users(db=context.db, principal=context.principal))


async def get_user(request: Request, context: RequestContext) -> Response:
    """GET /internal/security/users/{username}."""
    user = await service.get_user(
        db=context.db, principal=context.principal, username=request.path_params["username"]
    )
    return json_response(user)


async def delete_user(request: Request, context: RequestContext) -> Response:
    """DELETE /internal/security/users/{username}."""
    await service.delete_user(
        db=context.db,
        principal=context.principal,
        username=request.path_params["username"],
    )
    return no_content()


async def change_password(request: Request, context: RequestContext) -> Response:
    """POST /internal/security/users/{username}/password."""
    body = await decode_body(
        request,
        PasswordChangeRequest,
        limit=context.settings.max_payload_bytes,
        style="config-schema",
    )
    await service.change_password(
        db=context.db,
        principal=context.principal,
        username=request.path_params["username"],
        request=body,
    )
    return no_content()


async def me(request: Request, context: RequestContext) -> Response:
    """GET /internal/security/me."""
    return json_response(service.current_user(principal=context.principal))


ROUTES = [
    ApiRoute(
        method="POST",
        path="/internal/security/users/{username}",
        handler=put_user,
        summary="Create or update a user",
        tag="security",
        authz=Requires("cluster", "manage_security"),
        access="internal",
        body=UserRequest,
        response=UserSaved,
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/users",
        handler=list_users,
        summary="Get all users",
        tag="security",
        authz=Requires("cluster", "manage_security"),
        access="internal",
        response=list[User],
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/users/{username}",
        handler=get_user,
        summary="Get a user",
        tag="security",
        authz=Requires("cluster", "manage_security"),
        access="internal",
        response=User,
    ),
    ApiRoute(
        method="DELETE",
        path="/internal/security/users/{username}",
        handler=delete_user,
        summary="Delete a user",
        tag="security",
        authz=Requires("cluster", "manage_security"),
        access="internal",
        status=204,
    ),
    ApiRoute(
        method="POST",
        path="/internal/security/users/{username}/password",
        handler=change_password,
        summary="Change a user's password",
        tag="security",
        authz=Requires("cluster", "manage_security"),
        access="internal",
        body=PasswordChangeRequest,
        status=204,
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/me",
        handler=me,
        summary="Get the current user",
        tag="security",
        authz=OptOut("the caller itself"),
        access="internal",
        response=CurrentUser,
    ),
]
