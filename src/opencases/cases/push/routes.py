"""The push route, and the connectors of a case with their push state."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from opencases.cases.push import connectors as connectors_info
from opencases.cases.push import service
from opencases.cases.schemas import Case
from opencases.connectors.runtime import Connectors
from opencases.kibana.http import ApiRoute, Requires, json_response
from opencases.security.context import RequestContext


def routes(*, connectors: Connectors) -> list[ApiRoute]:
    """The push routes; they use the connectors of `connectors`."""

    async def push_case(request: Request, context: RequestContext) -> Response:
        """POST /api/cases/{case_id}/connector/{connector_id}/_push."""
        pushed = await service.push(
            context=context,
            connectors=connectors,
            case_id=str(request.path_params["case_id"]),
            connector_id=str(request.path_params["connector_id"]),
        )
        return json_response(pushed)

    async def case_connectors(request: Request, context: RequestContext) -> Response:
        """GET /internal/cases/{case_id}/_connectors."""
        found = await connectors_info.case_connectors(
            context=context, connectors=connectors, case_id=str(request.path_params["case_id"])
        )
        return json_response(found)

    return [
        ApiRoute(
            method="GET",
            path="/internal/cases/{case_id}/_connectors",
            handler=case_connectors,
            summary="Get the connectors of a case and whether each needs a push",
            tag="cases",
            authz=Requires("cases", "read"),
            access="internal",
            response=dict[str, Any],
        ),
        ApiRoute(
            method="POST",
            path="/api/cases/{case_id}/connector/{connector_id}/_push",
            handler=push_case,
            summary="Push a case to an external service",
            tag="cases",
            authz=Requires("cases", "all"),
            response=Case,
        ),
    ]
