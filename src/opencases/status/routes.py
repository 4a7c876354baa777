"""GET /api/status and GET /api/features."""

from __future__ import annotations

import socket
import uuid

from starlette.requests import Request
from starlette.responses import Response

from opencases import KIBANA_VERSION, __version__
from opencases.kibana.http import ApiRoute, OptOut, Requires, json_response
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
    return json_response([_feature(feature) for feature in FEATURES])


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
]
