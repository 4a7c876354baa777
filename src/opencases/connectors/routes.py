"""The Actions (connectors) API: /api/actions/connector*."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from opencases.connectors import service
from opencases.connectors.runtime import Connectors
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
    OptOut,
    Requires,
    decode_body,
    decode_query,
    json_response,
    no_content,
)
from opencases.kibana.validation import given
from opencases.security.context import RequestContext

TAG = "connectors"


async def _create(
    request: Request, context: RequestContext, connectors: Connectors, connector_id: str | None
) -> Response:
    body = await decode_body(
        request, ConnectorRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    config = record(body.config, "config")
    secrets = record(body.secrets, "secrets")
    connector = await service.create(
        context=context,
        connectors=connectors,
        connector_id=connector_id,
        name=body.name,
        connector_type_id=body.connector_type_id,
        config=config,
        secrets=secrets,
    )
    return json_response(connector)


async def create_connector(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """POST /api/actions/connector."""
    return await _create(request, context, connectors, None)


async def create_connector_with_id(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """POST /api/actions/connector/{id}."""
    return await _create(request, context, connectors, request.path_params["id"])


async def get_connector(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """GET /api/actions/connector/{id}."""
    connector = await service.get(
        context=context, connectors=connectors, connector_id=request.path_params["id"]
    )
    return json_response(connector)


async def list_connectors(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """GET /api/actions/connectors."""
    return json_response(await service.list_all(context=context, connectors=connectors))


async def update_connector(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
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
        connectors=connectors,
        connector_id=request.path_params["id"],
        name=body.name,
        config=config,
        secrets=secrets,
    )
    return json_response(connector)


async def delete_connector(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """DELETE /api/actions/connector/{id}."""
    await service.delete(
        context=context, connectors=connectors, connector_id=request.path_params["id"]
    )
    return no_content()


async def execute_connector(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """POST /api/actions/connector/{id}/_execute."""
    body = await decode_body(
        request, ExecuteRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    params = record(body.params, "params", required=True, no_blanks=False)
    result = await service.execute(
        context=context,
        connectors=connectors,
        connector_id=request.path_params["id"],
        params=params,
    )
    return json_response(result)


async def list_connector_types(
    request: Request, context: RequestContext, *, connectors: Connectors
) -> Response:
    """GET /api/actions/connector_types."""
    query = decode_query(request, ConnectorTypesQuery, style="config-schema")
    types = service.list_types(connectors=connectors, feature_id=given(query.feature_id, None))
    return json_response(types)


def routes(*, connectors: Connectors) -> list[ApiRoute]:
    """The Actions API's routes, served with the process's connector runtime."""
    return [
        ApiRoute(
            method="POST",
            path="/api/actions/connector",
            handler=partial(create_connector, connectors=connectors),
            summary="Create a connector",
            tag=TAG,
            authz=Requires("actions", "all"),
            body=ConnectorRequest,
            response=Connector,
        ),
        ApiRoute(
            method="POST",
            path="/api/actions/connector/{id}",
            handler=partial(create_connector_with_id, connectors=connectors),
            summary="Create a connector with a chosen id",
            tag=TAG,
            authz=Requires("actions", "all"),
            body=ConnectorRequest,
            response=Connector,
        ),
        ApiRoute(
            method="GET",
            path="/api/actions/connector/{id}",
            handler=partial(get_connector, connectors=connectors),
            summary="Get a connector",
            tag=TAG,
            authz=Requires("actions", "read"),
            response=Connector,
        ),
        ApiRoute(
            method="PUT",
            path="/api/actions/connector/{id}",
            handler=partial(update_connector, connectors=connectors),
            summary="Update a connector",
            tag=TAG,
            authz=Requires("actions", "all"),
            body=ConnectorUpdateRequest,
            response=Connector,
        ),
        ApiRoute(
            method="DELETE",
            path="/api/actions/connector/{id}",
            handler=partial(delete_connector, connectors=connectors),
            summary="Delete a connector",
            tag=TAG,
            authz=Requires("actions", "all"),
            status=204,
        ),
        ApiRoute(
            method="POST",
            path="/api/actions/connector/{id}/_execute",
            handler=partial(execute_connector, connectors=connectors),
            summary="Run a connector",
            tag=TAG,
            authz=Requires("actions", "read"),
            body=ExecuteRequest,
            response=ExecuteResult,
        ),
        ApiRoute(
            method="GET",
            path="/api/actions/connectors",
            handler=partial(list_connectors, connectors=connectors),
            summary="Get all connectors",
            tag=TAG,
            authz=Requires("actions", "read"),
            response=list[ConnectorWithCount],
        ),
        ApiRoute(
            method="GET",
            path="/api/actions/connector_types",
            handler=partial(list_connector_types, connectors=connectors),
            summary="Get connector types",
            tag=TAG,
            authz=OptOut("Kibana's actions client lists the types without a privilege check"),
            query=ConnectorTypesQuery,
            response=list[ConnectorTypeInfo],
        ),
    ]
