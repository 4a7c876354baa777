"""The Spaces API: /api/spaces/space."""

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
from opencases.spaces import service
from opencases.spaces.schemas import Space, SpaceRequest, SpacesQuery, SpaceWithPurposes
from opencases.spaces.service import SpaceCache


async def create_space(request: Request, context: RequestContext) -> Response:
    """POST /api/spaces/space."""
    body = await decode_body(
        request, SpaceRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    space = await service.create_space(db=context.db, principal=context.principal, request=body)
    return json_response(space)


async def list_spaces(request: Request, context: RequestContext) -> Response:
    """GET /api/spaces/space."""
    query = decode_query(request, SpacesQuery, style="config-schema")
    spaces = await service.list_spaces(db=context.db, principal=context.principal, query=query)
    return json_response(spaces)


def routes(*, spaces: SpaceCache) -> list[ApiRoute]:
    """The Spaces API's routes; those naming one space read it through `spaces`."""

    async def get_space(request: Request, context: RequestContext) -> Response:
        """GET /api/spaces/space/{id}."""
        space = await service.get_space(
            db=context.db,
            cache=spaces,
            principal=context.principal,
            space_id=request.path_params["id"],
        )
        return json_response(space)

    async def update_space(request: Request, context: RequestContext) -> Response:
        """PUT /api/spaces/space/{id}."""
        body = await decode_body(
            request, SpaceRequest, limit=context.settings.max_payload_bytes, style="config-schema"
        )
        space = await service.update_space(
            db=context.db,
            principal=context.principal,
            space_id=request.path_params["id"],
            request=body,
        )
        return json_response(space)

    async def delete_space(request: Request, context: RequestContext) -> Response:
        """DELETE /api/spaces/space/{id}."""
        await service.delete_space(
            db=context.db,
            principal=context.principal,
            space_id=request.path_params["id"],
        )
        return no_content()

    return [
        ApiRoute(
            method="POST",
            path="/api/spaces/space",
            handler=create_space,
            summary="Create a space",
            tag="spaces",
            authz=Requires("spaces", "manage"),
            body=SpaceRequest,
            response=Space,
        ),
        ApiRoute(
            method="GET",
            path="/api/spaces/space",
            handler=list_spaces,
            summary="Get all spaces",
            tag="spaces",
            authz=Requires("spaces", "read"),
            query=SpacesQuery,
            # With `include_authorized_purposes=true`, each space says what the caller may do.
            response=list[Space] | list[SpaceWithPurposes],
        ),
        ApiRoute(
            method="GET",
            path="/api/spaces/space/{id}",
            handler=get_space,
            summary="Get a space",
            tag="spaces",
            authz=Requires("spaces", "read"),
            response=Space,
        ),
        ApiRoute(
            method="PUT",
            path="/api/spaces/space/{id}",
            handler=update_space,
            summary="Update a space",
            tag="spaces",
            authz=Requires("spaces", "manage"),
            body=SpaceRequest,
            response=Space,
        ),
        ApiRoute(
            method="DELETE",
            path="/api/spaces/space/{id}",
            handler=delete_space,
            summary="Delete a space",
            tag="spaces",
            authz=Requires("spaces", "manage"),
            status=204,
        ),
    ]
