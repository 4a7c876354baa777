"""Kibana's role routes: /api/security/role."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.http import (
    ApiRoute,
    Requires,
    decode_body,
    decode_query,
    json_response,
    no_content,
)
from opencases.security.context import RequestContext
from opencases.security.roles import service
from opencases.security.roles.schemas import Role, RoleQuery, RoleRequest


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


ROUTES = [
    ApiRoute(
        method="PUT",
        path="/api/security/role/{name}",
        handler=put_role,
        summary="Create or update a role",
        tag="roles",
        authz=Requires("cluster", "manage_security"),
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
        authz=Requires("cluster", "manage_security"),
        response=list[Role],
    ),
    ApiRoute(
        method="GET",
        path="/api/security/role/{name}",
        handler=get_role,
        summary="Get a role",
        tag="roles",
        authz=Requires("cluster", "manage_security"),
        response=Role,
    ),
    ApiRoute(
        method="DELETE",
        path="/api/security/role/{name}",
        handler=delete_role,
        summary="Delete a role",
        tag="roles",
        authz=Requires("cluster", "manage_security"),
        status=204,
    ),
]
