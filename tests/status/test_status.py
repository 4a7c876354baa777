"""GET /api/status and /api/features."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases import KIBANA_VERSION
from tests.conftest import Users

READ_FEATURES_403 = {
    "statusCode": 403,
    "error": "Forbidden",
    "message": "API [GET /api/features] is unauthorized for user, this action is granted by"
    " the Kibana privileges [read_features]",
}


async def test_status_answers_kibana_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/status")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"name", "uuid", "version", "status"}
    assert body["version"] == {
        "number": KIBANA_VERSION,
        "build_hash": "opencases-0.1.0",
        "build_number": 1,
        "build_snapshot": False,
        "build_flavor": "opencases",
    }
    assert body["status"]["overall"] == {
        "level": "available",
        "summary": "All services are available",
    }
    assert response.headers["elastic-api-version"] == "2023-10-31"
    assert len(response.headers["x-request-id"]) == 32


async def test_features_lists_cases_owners_and_actions(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/features")
    assert response.status_code == 200
    features = {f["id"]: f for f in response.json()}
    assert list(features) == [
        "generalCases",
        "observabilityCases",
        "securitySolutionCases",
        "actions",
    ]
    assert features["generalCases"]["cases"] == ["cases"]
    assert features["observabilityCases"]["cases"] == ["observability"]
    assert features["securitySolutionCases"]["cases"] == ["securitySolution"]
    assert "cases" not in features["actions"]
    # Kibana's DEFAULT_APP_CATEGORIES; solution views hide features by category.
    assert {name: f["category"] for name, f in features.items()} == {
        "generalCases": {"id": "management", "label": "Management"},
        "observabilityCases": {"id": "observability", "label": "Observability"},
        "securitySolutionCases": {"id": "securitySolution", "label": "Security"},
        "actions": {"id": "management", "label": "Management"},
    }
    assert set(features["actions"]["privileges"]) == {"all", "read"}


@pytest.mark.parametrize(
    ("roles", "kibana", "allowed"),
    [
        (["kibana_admin"], None, True),
        (["viewer"], None, False),
        (["custom"], [{"base": ["all"], "spaces": ["*"]}], True),
        (["custom"], [{"base": ["read"], "spaces": ["*"]}], False),
        (["custom"], [{"base": ["all"], "spaces": ["default"]}], False),
        (["custom"], [{"feature": {"generalCases": ["all"]}, "spaces": ["*"]}], False),
    ],
    ids=[
        "kibana_admin",
        "viewer",
        "global all",
        "global read",
        "all in one space",
        "a feature on every space",
    ],
)
async def test_features_need_the_global_all_base_privilege(
    users: Users, roles: list[str], kibana: list[dict[str, Any]] | None, allowed: bool
) -> None:
    """Kibana's features route: `requiredPrivileges: ['read_features']`, an API privilege of
    the global `all` base privilege alone."""
    if kibana is not None:
        await users.role("custom", kibana)
    async with await users.user("someone", roles) as someone:
        for prefix in ("", "/s/default"):
            response = await someone.get(f"{prefix}/api/features")
            if allowed:
                assert response.status_code == 200, response.text
                assert len(response.json()) == 4
            else:
                assert (response.status_code, response.json()) == (403, READ_FEATURES_403)
