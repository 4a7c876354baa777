"""GET /api/status and /api/features."""

from __future__ import annotations

import httpx

from opencases import KIBANA_VERSION


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
