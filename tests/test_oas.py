"""GET /api/oas documents every route of the app."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from opencases.kibana.http import ApiRoute


async def test_oas_documents_every_route(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get("/api/oas")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.0.3"
    routes: list[ApiRoute] = app.state.opencases.routes
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert documented == {(route.method, route.path) for route in routes}
    for route in routes:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["summary"] == route.summary
        if route.body is not None:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert "$ref" in schema or "type" in schema


async def test_oas_describes_the_configuration_request(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/oas")).json()
    post = document["paths"]["/api/cases/configure"]["post"]
    assert post["summary"] == "Add case settings"
    name = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = document["components"]["schemas"][name]
    assert set(schema["required"]) == {"connector", "closure_type", "owner"}
    assert sorted(schema["properties"]["closure_type"]["enum"]) == [
        "close-by-pushing",
        "close-by-user",
    ]
    assert "/api/cases/configure/{configuration_id}" in document["paths"]


async def test_oas_documents_query_parameters(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/oas")).json()
    parameters = document["paths"]["/api/cases/configure"]["get"]["parameters"]
    (owner,) = [p for p in parameters if p["in"] == "query"]
    assert owner["name"] == "owner"
    assert owner["required"] is False
    assert {"type": "string"} in owner["schema"]["anyOf"]
