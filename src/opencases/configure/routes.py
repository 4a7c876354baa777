"""The case configuration API: /api/cases/configure."""

from __future__ import annotations

from functools import partial

from msgspec import UNSET
from starlette.requests import Request
from starlette.responses import Response

from opencases.configure import service
from opencases.configure.schemas import (
    CaseConnectorInfo,
    Configuration,
    ConfigurationPatchRequest,
    ConfigurationRequest,
    FindQuery,
)
from opencases.connectors.runtime import Connectors
from opencases.kibana.http import (
    ApiRoute,
    Requires,
    decode_body,
    decode_query,
    json_response,
    quoted_api,
)
from opencases.security.context import RequestContext


async def find_configurations(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/configure."""
    query = decode_query(request, FindQuery)
    owners = None if query.owner is UNSET else query.owner
    if isinstance(owners, str):
        owners = [owners]
    return json_response(await service.find(context=context, owners=owners))


async def create_configuration(request: Request, context: RequestContext) -> Response:
    """POST /api/cases/configure."""
    body = await decode_body(
        request, ConfigurationRequest, limit=context.settings.max_payload_bytes
    )
    return json_response(await service.create(context=context, request=body))


async def update_configuration(request: Request, context: RequestContext) -> Response:
    """PATCH /api/cases/configure/{configuration_id}."""
    body = await decode_body(
        request, ConfigurationPatchRequest, limit=context.settings.max_payload_bytes
    )
    configuration = await service.update(
        context=context,
        configuration_id=request.path_params["configuration_id"],
        request=body,
    )
    return json_response(configuration)


async def find_connectors(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """GET /api/cases/configure/connectors/_find."""
    found = await service.find_connectors(
        context=context, connectors=connectors, api=quoted_api(request)
    )
    return json_response(found)


def routes(*, connectors: Connectors) -> list[ApiRoute]:
    """The case configuration API's routes; the connector finder uses `connectors`."""
    return [
        ApiRoute(
            method="GET",
            path="/api/cases/configure",
            handler=find_configurations,
            summary="Get case settings",
            tag="cases",
            authz=Requires("cases", "read"),
            query=FindQuery,
            response=list[Configuration],
        ),
        ApiRoute(
            method="POST",
            path="/api/cases/configure",
            handler=create_configuration,
            summary="Add case settings",
            tag="cases",
            authz=Requires("cases", "all"),
            body=ConfigurationRequest,
            response=Configuration,
        ),
        ApiRoute(
            method="PATCH",
            path="/api/cases/configure/{configuration_id}",
            handler=update_configuration,
            summary="Update case settings",
            tag="cases",
            authz=Requires("cases", "all"),
            body=ConfigurationPatchRequest,
            response=Configuration,
        ),
        ApiRoute(
            method="GET",
            path="/api/cases/configure/connectors/_find",
            handler=partial(find_connectors, connectors=connectors),
            summary="Get case connectors",
            tag="cases",
            authz=Requires("api", "casesGetConnectorsConfigure"),
            response=list[CaseConnectorInfo],
        ),
    ]
