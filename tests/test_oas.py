"""GET /api/oas documents every route of the app, with the limits the server enforces."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import msgspec
from starlette.applications import Starlette

from opencases.kibana.http import ApiRoute, OptOut
from opencases.kibana.oas import openapi_document
from opencases.kibana.validation import Items, RequestStruct, SafeInteger, Text


async def test_oas_documents_every_route(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get("/api/oas")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    routes: list[ApiRoute] = app.state.opencases.routes
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert documented == {(route.method, route.path) for route in routes}
    operation_ids = []
    for route in routes:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["summary"] == route.summary
        operation_ids.append(operation["operationId"])
        if route.body is not None:
            schema = operation["requestBody"]["content"][route.body_media_type]["schema"]
            assert {"$ref", "type", "anyOf"} & set(schema)
        assert operation["responses"]["default"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        # The server's own refusal of an oversized head, before any route: no body.
        assert "content" not in operation["responses"]["431"]
    assert len(set(operation_ids)) == len(operation_ids)


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
    # Any other owner is answered 403: no privilege grants it.
    assert schema["properties"]["owner"] == {
        "type": "string",
        "enum": ["cases", "observability", "securitySolution"],
    }
    assert schema["properties"]["customFields"]["maxItems"] == 10
    assert "/api/cases/configure/{configuration_id}" in document["paths"]


async def test_oas_states_kibana_limits(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/api/oas")).json()["components"]["schemas"]
    text_field = schemas["TextCustomField"]["properties"]
    assert text_field["key"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 36,
        "pattern": "^(?:[a-z0-9_-]+)$",
    }
    assert text_field["label"] == {"type": "string", "minLength": 1, "maxLength": 50}
    assert text_field["defaultValue"] == {
        "anyOf": [{"type": "string", "minLength": 1, "maxLength": 160}, {"type": "null"}]
    }
    case_fields = schemas["CaseFields"]["properties"]
    assert case_fields["title"] == {"type": "string", "minLength": 1, "maxLength": 160}
    assert case_fields["tags"] == {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 256},
        "maxItems": 200,
    }
    number_field = schemas["NumberCustomField"]["properties"]["defaultValue"]["anyOf"][0]
    assert number_field == {"type": "integer", "minimum": -(2**53 - 1), "maximum": 2**53 - 1}
    assert schemas["SpaceRequest"]["properties"]["id"]["pattern"] == "^(?:[a-z0-9_\\-]+)$"
    assert schemas["ExecuteRequest"]["required"] == ["params"]


async def test_oas_documents_query_and_path_parameters(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/oas")).json()
    parameters = document["paths"]["/api/cases/configure"]["get"]["parameters"]
    (owner,) = [p for p in parameters if p["in"] == "query"]
    assert owner["name"] == "owner"
    assert owner["required"] is False
    assert {"type": "string"} in owner["schema"]["anyOf"]
    patch = document["paths"]["/api/cases/configure/{configuration_id}"]["patch"]
    assert patch["parameters"][0] == {
        "name": "configuration_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    }


async def test_oas_describes_every_answer_of_a_route(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/oas")).json()
    get = document["paths"]["/api/spaces/space"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/Space"}},
            {"type": "array", "items": {"$ref": "#/components/schemas/SpaceWithPurposes"}},
        ]
    }
    # An answer has the fields of its type and no others.
    space = document["components"]["schemas"]["Space"]
    assert space["additionalProperties"] is False
    assert (
        "authorizedPurposes" in document["components"]["schemas"]["SpaceWithPurposes"]["required"]
    )


async def test_oas_describes_the_error_envelope(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/oas")).json()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["statusCode", "error", "message"]
    assert set(error["properties"]) == {"statusCode", "error", "message", "attributes"}
    assert error["additionalProperties"] is False
    response = await client.get("/api/cases/configure/nothing-here")
    assert set(response.json()) <= set(error["properties"])


async def test_oas_links_an_object_to_its_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/oas")).json()["paths"]
    created = paths["/api/cases/configure"]["post"]["responses"]["200"]["links"]
    assert created == {
        "updateCaseSettings": {
            "operationId": "updateCaseSettings",
            "parameters": {"path.configuration_id": "$response.body#/id"},
            "requestBody": {"version": "$response.body#/version"},
        }
    }
    listed = paths["/internal/security/users"]["get"]["responses"]["200"]["links"]
    assert listed["getAUser"]["parameters"] == {"path.username": "$response.body#/0/username"}
    saved = paths["/api/security/role/{name}"]["put"]["responses"]["204"]["links"]
    assert saved["getARole"]["parameters"] == {"path.name": "$request.path.name"}


class _Inner(RequestStruct, kw_only=True):
    """A limited value inside another Struct."""

    code: Annotated[str, Text("code", min=2, max=4, pattern="[A-Z]+")]


class _Outer(RequestStruct, kw_only=True):
    """A request with limits at several depths."""

    items: Annotated[list[_Inner], Items("items", min=1, max=3)]
    count: Annotated[int, SafeInteger("count")] | None = None
    renamed: str = msgspec.field(default="x", name="_renamed")
    note: Annotated[Any, msgspec.Meta(extra={"required": True})] = msgspec.UNSET


async def _nothing(*_: Any) -> Any:
    raise AssertionError("never called")


def test_limits_reach_nested_types_and_the_types_stay_as_declared() -> None:
    route = ApiRoute(
        method="POST",
        path="/x",
        handler=_nothing,
        summary="X",
        tag="t",
        authz=OptOut("a test"),
        body=_Outer,
    )
    schemas = openapi_document([route])["components"]["schemas"]
    assert schemas["_Inner"]["properties"]["code"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 4,
        "pattern": "^(?:[A-Z]+)$",
    }
    outer = schemas["_Outer"]
    assert outer["description"] == "A request with limits at several depths."
    assert outer["additionalProperties"] is False
    assert outer["properties"]["items"]["minItems"] == 1
    assert outer["properties"]["items"]["maxItems"] == 3
    assert outer["properties"]["_renamed"] == {"type": "string", "default": "x"}
    assert sorted(outer["required"]) == ["items", "note"]
    # The wire type itself is untouched: msgspec still decodes with its own rules.
    assert msgspec.convert({"items": [{"code": "lower"}]}, _Outer).items[0].code == "lower"
