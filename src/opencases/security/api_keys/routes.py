"""Kibana's API key routes: /internal/security/api_key."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.http import ApiRoute, OptOut, Requires, decode_body, json_response
from opencases.security.api_keys import service
from opencases.security.api_keys.schemas import (
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRequest,
    InvalidateRequest,
    InvalidateResult,
)
from opencases.security.context import RequestContext


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
        principal=context.principal,
        request=body,
    )
    return json_response(result)


ROUTES = [
    ApiRoute(
        method="POST",
        path="/internal/security/api_key",
        handler=create_api_key,
        summary="Create an API key",
        tag="security",
        authz=Requires("cluster", "manage_own_api_key"),
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
        authz=OptOut("the caller's own keys"),
        access="internal",
        response=ApiKeyList,
    ),
    ApiRoute(
        method="POST",
        path="/internal/security/api_key/invalidate",
        handler=invalidate_api_keys,
        summary="Invalidate API keys",
        tag="security",
        authz=OptOut("one's own keys; the service checks manage_security for isAdmin"),
        access="internal",
        body=InvalidateRequest,
        response=InvalidateResult,
    ),
]
