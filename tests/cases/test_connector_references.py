"""A case naming a connector counts in the connector's `referenced_by_count`.

Kibana counts every saved object whose references name the connector (the actions client's
getAll aggregates them); a case's connector is such a reference, as a configuration's is.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import case_request, create_case, delete_cases, update_cases

# A connector without secrets (no encryption key needed); cases do not check its type.
CONNECTOR = {
    "name": "A hook",
    "connector_type_id": ".webhook",
    "config": {"url": "http://127.0.0.1:9/hook", "hasAuth": False},
}


def hook(connector_id: str) -> dict[str, Any]:
    """A case connector naming the connector."""
    return {"id": connector_id, "name": "A hook", "type": ".cases-webhook", "fields": None}


async def referenced_by(client: httpx.AsyncClient, connector_id: str) -> int:
    """The connector's referenced_by_count in GET /api/actions/connectors."""
    response = await client.get("/api/actions/connectors")
    assert response.status_code == 200, response.text
    [found] = [item for item in response.json() if item["id"] == connector_id]
    count: int = found["referenced_by_count"]
    return count


async def test_cases_naming_a_connector_count_as_its_references(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/actions/connector/hook-1", json=CONNECTOR)
    assert response.status_code == 200, response.text
    first = await create_case(client, case_request(connector=hook("hook-1")))
    second = await create_case(client, case_request(connector=hook("hook-1")))
    await create_case(client)
    assert await referenced_by(client, "hook-1") == 2

    none = {"id": "none", "name": "none", "type": ".none", "fields": None}
    await update_cases(
        client, [{"id": first["id"], "version": first["version"], "connector": none}]
    )
    assert await referenced_by(client, "hook-1") == 1

    await delete_cases(client, [second["id"]])
    assert await referenced_by(client, "hook-1") == 0
