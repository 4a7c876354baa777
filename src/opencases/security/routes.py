"""Kibana's security routes: users, roles, API keys and the current user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.http import (
    ApiRoute,
    decode_body,
    decode_query,
    json_response,
    no_content,
)
from opencases.kibana.validation import RequestStruct
from opencases.security import service
from opencases.security.context import RequestContext
from opencases.security.schemas import (
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRequest,
    CurrentUser,
    InvalidateRequest,
    InvalidateResult,
    PasswordChangeRequest,
    Role,
    RoleRequest,
    User,
    UserRequest,
)


class RoleQuery(RequestStruct, kw_only=True):
    """Query of PUT /api/security/role/{name}."""

    createOnly: bool = False


async def put_user(request: Request, context: RequestContext) -> Response:
    """POST /internal/security/users/{username}."""
    body = await decode_body(
        request, UserRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    answer = await service.put_user(
        db=context.db,
        authenticator=context.authenticator,
        principal=context.principal,
        username=request.path_params["username"],
        request=body,
    )
    return json_response(answer)


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
        authenticator=context.authenticator,
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
        authenticator=context.authenticator,
        principal=context.principal,
        username=request.path_params["username"],
        request=body,
    )
    return no_content()


async def me(request: Request, context: RequestContext) -> Response:
    """GET /internal/security/me."""
    return json_response(service.current_user(context.principal))


async def put_role(request: Request, context: RequestContext) -> Response:
    """PUT /api/security/role/{name}."""
    query = decode_query(request, RoleQuery, style="config-schema")
    body = await decode_body(
        request, RoleRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    await service.put_role(
        db=context.db,
        principal=context.principal,
        name=request.path_params["name"],
        request=body,
        create_only=query.createOnly,
    )
    return no_content()


async def list_roles(request: Request, context: RequestContext) -> Response:
    """GET /api/security/role."""
    return json_response(await service.list_roles(db=context.db, principal=context.principal))


async def get_role(request: Request, context: RequestContext) -> Response:
    """GET /api/security/role/{name}."""
    role = await service.get_role(
        db=context.db, principal=context.principal, name=request.path_params["name"]
    )
    return json_response(role)


async def delete_role(request: Request, context: RequestContext) -> Response:
    """DELETE /api/security/role/{name}."""
    await service.delete_role(
        db=context.db, principal=context.principal, name=request.path_params["name"]
    )
    return no_content()


async def create_api_key(request: Request, context: RequestContext) -> Response:
    """POST /internal/security/api_key."""
    body = await decode_body(
        request, ApiKeyRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    created = await service.create_api_key(db=context.db, principal=context.principal, request=body)
    return json_response(created)


async def list_api_keys(request: Request, context: RequestContext) -> Response:
    """GET /internal/security/api_key."""
    keys = await service.list_api_keys(db=context.db, principal=context.principal)
    return json_response(keys)


async def invalidate_api_keys(request: Request, context: RequestContext) -> Response:
    """POST /internal/security/api_key/invalidate."""
    body = await decode_body(
        request, InvalidateRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    result = await service.invalidate_api_keys(
        db=context.db,
        authenticator=context.authenticator,
        principal=context.principal,
        request=body,
    )
    return json_response(result)


ROUTES = [
    ApiRoute(
        method="POST",
        path="/internal/security/users/{username}",
        handler=put_user,
        summary="Create or update a user",
        tag="security",
        access="internal",
        body=UserRequest,
        response=UserRequest,
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/users",
        handler=list_users,
        summary="Get all users",
        tag="security",
        access="internal",
        response=list[User],
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/users/{username}",
        handler=get_user,
        summary="Get a user",
        tag="security",
        access="internal",
        response=User,
    ),
    ApiRoute(
        method="DELETE",
        path="/internal/security/users/{username}",
        handler=delete_user,
        summary="Delete a user",
        tag="security",
        access="internal",
        status=204,
    ),
    ApiRoute(
        method="POST",
        path="/internal/security/users/{username}/password",
        handler=change_password,
        summary="Change a user's password",
        tag="security",
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
        access="internal",
        response=CurrentUser,
    ),
    ApiRoute(
        method="PUT",
        path="/api/security/role/{name}",
        handler=put_role,
        summary="Create or update a role",
        tag="roles",
        body=RoleRequest,
        query=RoleQuery,
        status=204,
    ),
    ApiRoute(
        method="GET",
        path="/api/security/role",
        handler=list_roles,
        summary="Get all roles",
        tag="roles",
        response=list[Role],
    ),
    ApiRoute(
        method="GET",
        path="/api/security/role/{name}",
        handler=get_role,
        summary="Get a role",
        tag="roles",
        response=Role,
    ),
    ApiRoute(
        method="DELETE",
        path="/api/security/role/{name}",
        handler=delete_role,
        summary="Delete a role",
        tag="roles",
        status=204,
    ),
    ApiRoute(
        method="POST",
        path="/internal/security/api_key",
        handler=create_api_key,
        summary="Create an API key",
        tag="security",
        access="internal",
        body=ApiKeyRequest,
        response=ApiKeyCreated,
    ),
    ApiRoute(
        method="GET",
        path="/internal/security/api_key",
        handler=list_api_keys,
        summary="Get the caller's API keys",
        tag="security",
        access="internal",
        response=ApiKeyList,
    ),
    ApiRoute(
        method="POST",
        path="/internal/security/api_key/invalidate",
        handler=invalidate_api_keys,
        summary="Invalidate API keys",
        tag="security",
        access="internal",
        body=InvalidateRequest,
        response=InvalidateResult,
    ),
]
