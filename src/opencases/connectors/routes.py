"""The Actions (connectors) API: /api/actions/connector*."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from opencases.connectors import service
from opencases.connectors.schemas import (
    Connector,
    ConnectorRequest,
    ConnectorTypeInfo,
    ConnectorTypesQuery,
    ConnectorUpdateRequest,
    ConnectorWithCount,
    ExecuteRequest,
    ExecuteResult,
    record,
)
from opencases.kibana.http import (
    ApiRoute,
    decode_body,
    decode_query,
    json_response,
    no_content,
)
from opencases.kibana.validation import given
from opencases.security.context import RequestContext

TAG = "connectors"


def connectors_of(request: Request) -> service.Connectors:
    """The process's connector runtime (kept by the app)."""
    connectors: service.Connectors = request.app.state.connectors
    return connectors


async def _create(request: Request, context: RequestContext, connector_id: str | None) -> Response:
    body = await decode_body(
        request, ConnectorRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    config = record(body.config, "config")
    secrets = record(body.secrets, "secrets")
    connector = await service.create(
        context=context,
        connectors=connectors_of(request),
        connector_id=connector_id,
        name=body.name,
        connector_type_id=body.connector_type_id,
        config=config,
        secrets=secrets,
    )
    return json_response(connector)


async def create_connector(request: Request, context: RequestContext) -> Response:
    """POST /api/actions/connector."""
    return await _create(request, context, None)


async def create_connector_with_id(request: Request, context: RequestContext) -> Response:
    """POST /api/actions/connector/{id}."""
    return await _create(request, context, request.path_params["id"])


async def get_connector(request: Request, context: RequestContext) -> Response:
    """GET /api/actions/connector/{id}."""
    connector = await service.get(
        context=context, connectors=connectors_of(request), connector_id=request.path_params["id"]
    )
    return json_response(connector)


async def list_connectors(request: Request, context: RequestContext) -> Response:
    """GET /api/actions/connectors."""
    return json_response(await service.list_all(context=context, connectors=connectors_of(request)))


async def update_connector(request: Request, context: RequestContext) -> Response:
    """PUT /api/actions/connector/{id}."""
    body = await decode_body(
        request,
        ConnectorUpdateRequest,
        limit=context.settings.max_payload_bytes,
        style="config-schema",
    )
    config = record(body.config, "config")
    secrets = record(body.secrets, "secrets")
    connector = await service.update(
        context=context,
        connectors=connectors_of(request),
        connector_id=request.path_params["id"],
        name=body.name,
        config=config,
        secrets=secrets,
    )
    return json_response(connector)


async def delete_connector(request: Request, context: RequestContext) -> Response:
    """DELETE /api/actions/connector/{id}."""
    await service.delete(
        context=context, connectors=connectors_of(request), connector_id=request.path_params["id"]
    )
    return no_content()


async def execute_connector(request: Request, context: RequestContext) -> Response:
    """POST /api/actions/connector/{id}/_execute."""
    body = await decode_body(
        request, ExecuteRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    params = record(body.params, "params", required=True, no_blanks=False)
    result = await service.execute(
        context=context,
        connectors=connectors_of(request),
        connector_id=request.path_params["id"],
        params=params,
    )
    return json_response(result)


async def list_connector_types(request: Request, context: RequestContext) -> Response:
    """GET /api/actions/connector_types."""
    query = decode_query(request, ConnectorTypesQuery, style="config-schema")
    types = service.list_types(
        connectors=connectors_of(request), feature_id=given(query.feature_id, None)
    )
    return json_response(types)


ROUTES = [
    ApiRoute(
        method="POST",
        path="/api/actions/connector",
        handler=create_connector,
        summary="Create a connector",
        tag=TAG,
        body=ConnectorRequest,
        response=Connector,
    ),
    ApiRoute(
        method="POST",
        path="/api/actions/connector/{id}",
        handler=create_connector_with_id,
        summary="Create a connector with a chosen id",
        tag=TAG,
        body=ConnectorRequest,
        response=Connector,
    ),
    ApiRoute(
        method="GET",
        path="/api/actions/connector/{id}",
        handler=get_connector,
        summary="Get a connector",
        tag=TAG,
        response=Connector,
    ),
    ApiRoute(
        method="PUT",
        path="/api/actions/connector/{id}",
        handler=update_connector,
        summary="Update a connector",
        tag=TAG,
        body=ConnectorUpdateRequest,
        response=Connector,
    ),
    ApiRoute(
        method="DELETE",
        path="/api/actions/connector/{id}",
        handler=delete_connector,
        summary="Delete a connector",
        tag=TAG,
        status=204,
    ),
    ApiRoute(
        method="POST",
        path="/api/actions/connector/{id}/_execute",
        handler=execute_connector,
        summary="Run a connector",
        tag=TAG,
        body=ExecuteRequest,
        response=ExecuteResult,
    ),
    ApiRoute(
        method="GET",
        path="/api/actions/connectors",
        handler=list_connectors,
        summary="Get all connectors",
        tag=TAG,
        response=list[ConnectorWithCount],
    ),
    ApiRoute(
        method="GET",
        path="/api/actions/connector_types",
        handler=list_connector_types,
        summary="Get connector types",
        tag=TAG,
        query=ConnectorTypesQuery,
        response=list[ConnectorTypeInfo],
    ),
]
