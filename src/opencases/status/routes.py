"""GET /api/status, GET /api/features and POST /api/core/capabilities."""

from __future__ import annotations

import socket
import uuid

from starlette.requests import Request
from starlette.responses import Response

from opencases import KIBANA_VERSION, __version__
from opencases.kibana.http import (
    ApiRoute,
    OptOut,
    Requires,
    decode_body,
    json_response,
    quoted_api,
)
from opencases.kibana.validation import RequestStruct
from opencases.security.authorization import Level, api_unauthorized, owners_in_space
from opencases.security.context import RequestContext
from opencases.security.features import CATEGORY_LABELS, FEATURES, Feature

BUILD_HASH = f"opencases-{__version__}"


async def status(request: Request, context: RequestContext) -> Response:
    """GET /api/status: Kibana's v8 status shape; 503 when the database does not answer."""
    try:
        await context.db.fetch_one("SELECT 1 AS ok")
        level, summary = "available", "All services are available"
    except Exception:  # the point is to report it, not to fail with it
        level, summary = "unavailable", "The database is unavailable"
    database = {
        "level": level,
        "summary": "Database is available" if level == "available" else summary,
    }
    body = {
        "name": socket.gethostname(),
        # Stable for an installation: every process on one database reports the same id.
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, context.settings.database_url)),
        "version": {
            "number": KIBANA_VERSION,
            "build_hash": BUILD_HASH,
            "build_number": 1,
            "build_snapshot": False,
            "build_flavor": "opencases",
        },
        "status": {"overall": {"level": level, "summary": summary}, "core": {"database": database}},
    }
    return json_response(body, status=200 if level == "available" else 503)


def _feature(feature: Feature) -> dict[str, object]:
    cases = {"cases": [feature.owner]} if feature.owner else {}

    def privilege(level: str) -> dict[str, object]:
        grant = (
            {"cases": {"all": [feature.owner]} if level == "all" else {"read": [feature.owner]}}
            if feature.owner
            else {}
        )
        return {"app": list(feature.app), "savedObject": {"all": [], "read": []}, "ui": [], **grant}

    return {
        "id": feature.id,
        "name": feature.name,
        "category": {"id": feature.category, "label": CATEGORY_LABELS[feature.category]},
        "app": list(feature.app),
        **cases,
        "privileges": {"all": privilege("all"), "read": privilege("read")},
    }


async def features(request: Request, context: RequestContext) -> Response:
    """GET /api/features: the features whose privileges a role can grant."""
    # Kibana's `read_features` API privilege, which only the global `all` base privilege
    # (and the superuser) grants.
    if not await context.holds_global_base("all"):
        raise api_unauthorized(quoted_api(request), "read_features")
    return json_response([_feature(feature) for feature in FEATURES])


class CapabilitiesRequest(RequestStruct, kw_only=True):
    """Body of POST /api/core/capabilities: the applications the page asks about."""

    applications: list[str]


# Kibana's Cases capabilities (x-pack/.../cases/common/constants) and the level each needs.
_CASES_CAPABILITIES = {
    "read_cases": Level.READ,
    "create_cases": Level.ALL,
    "update_cases": Level.ALL,
    "delete_cases": Level.ALL,
    "push_cases": Level.ALL,
    "cases_connectors": Level.READ,
    "cases_settings": Level.ALL,
    "create_comment": Level.ALL,
    "case_reopen": Level.ALL,
    "cases_assign": Level.ALL,
}


async def capabilities(request: Request, context: RequestContext) -> Response:
    """POST /api/core/capabilities: what the caller's pages may offer in this space."""
    await decode_body(
        request,
        CapabilitiesRequest,
        limit=context.settings.max_payload_bytes,
        style="config-schema",
    )
    privileges = await context.privileges()
    owners = set(owners_in_space(context.space))
    body: dict[str, object] = {"navLinks": {}, "catalogue": {}}
    for feature in FEATURES:
        granted = privileges.level(feature.id)
        if feature.owner is not None:
            if feature.owner not in owners:
                granted = Level.NONE
            # Kibana's newest Cases features are versioned (generalCasesV3, ...).
            body[f"{feature.id}V3"] = {
                name: granted >= needed for name, needed in _CASES_CAPABILITIES.items()
            }
        else:
            body[feature.id] = {
                "show": granted >= Level.READ,
                "execute": granted >= Level.READ,
                "save": granted >= Level.ALL,
                "delete": granted >= Level.ALL,
            }
    body["management"] = {
        "insightsAndAlerting": {
            "triggersActionsConnectors": privileges.level("actions") >= Level.READ,
            "cases": privileges.level("generalCases") >= Level.READ and "cases" in owners,
        },
        "kibana": {"spaces": privileges.superuser},
    }
    return json_response(body)


ROUTES = [
    ApiRoute(
        method="GET",
        path="/api/status",
        handler=status,
        summary="Get Kibana's current status",
        tag="system",
        authz=OptOut("the server's status, for every authenticated caller"),
    ),
    ApiRoute(
        method="GET",
        path="/api/features",
        handler=features,
        summary="Get features",
        tag="system",
        authz=Requires("api", "read_features"),
    ),
    ApiRoute(
        method="POST",
        path="/api/core/capabilities",
        handler=capabilities,
        summary="Get the caller's capabilities in the space",
        tag="system",
        authz=OptOut("the caller's own capabilities"),
        body=CapabilitiesRequest,
    ),
]
