"""Create, get, list, update and delete connectors: Kibana's bodies, statuses and messages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.db import Database, Executor
from opencases.settings import Settings
from tests.conftest import snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import (
    URL,
    bad_request,
    cases_connector,
    connector_settings,
    expected_connector,
    not_found,
    started_app,
    webhook_connector,
)

CONNECTOR = "/api/actions/connector"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with an encryption key."""
    return connector_settings(database_url)


@pytest.fixture
async def app(settings: Settings, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the test connector types."""
    async with started_app(settings, elastic_hash, fake) as application:
        yield application


async def create(client: httpx.AsyncClient, body: dict[str, Any], path: str = CONNECTOR) -> str:
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    connector_id: str = response.json()["id"]
    return connector_id


# --- create ------------------------------------------------------------------------


async def test_create_answers_the_connector_with_its_validated_config(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(CONNECTOR, json=cases_connector())
    assert response.status_code == 200
    body = response.json()
    assert len(body["id"]) == 36
    assert body == expected_connector(body["id"])


async def test_create_with_a_chosen_id(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{CONNECTOR}/my-connector", json=cases_connector())
    assert response.status_code == 200
    assert response.json() == expected_connector("my-connector")
    got = await client.get(f"{CONNECTOR}/my-connector")
    assert got.json() == expected_connector("my-connector")


async def test_create_without_config_and_secrets(client: httpx.AsyncClient) -> None:
    body = {"name": "hook", "connector_type_id": ".test-webhook", "config": {"url": URL}}
    response = await client.post(CONNECTOR, json=body)
    assert response.status_code == 200
    assert response.json() == {
        "id": response.json()["id"],
        "name": "hook",
        "config": {"url": URL},
        "connector_type_id": ".test-webhook",
        "is_preconfigured": False,
        "is_deprecated": False,
        "is_missing_secrets": False,
        "is_system_action": False,
    }


async def test_an_id_taken_in_any_space_is_a_conflict(
    client: httpx.AsyncClient, space1: dict[str, Any], db: Database
) -> None:
    await create(client, cases_connector(), f"{CONNECTOR}/taken")
    before = await snapshot(db)
    for prefix in ("", "/s/space1"):
        response = await client.post(f"{prefix}{CONNECTOR}/taken", json=cases_connector())
        assert response.status_code == 409
        assert response.json() == {
            "statusCode": 409,
            "error": "Conflict",
            "message": "Saved object [action/taken] conflict",
        }
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "[request body.name]: expected value of type [string] but got [undefined]"),
        (
            {"name": "x"},
            "[request body.connector_type_id]: expected value of type [string] but got [undefined]",
        ),
        (
            {"name": " ", "connector_type_id": ".test-cases"},
            "[request body.name]: value '' is not valid",
        ),
        (
            {"name": "x", "connector_type_id": ""},
            "[request body.connector_type_id]: value '' is not valid",
        ),
        (
            cases_connector(config={"url": URL, "project": ""}),
            "[request body.config.project]: value '' is not valid",
        ),
        (
            cases_connector(secrets={"token": {"deep": [" "]}}),
            "[request body.secrets.token]: value '' is not valid",
        ),
        (
            cases_connector(config=None),
            "[request body.config]: expected value of type [object] but got [null]",
        ),
        (
            cases_connector(secrets=[]),
            "[request body.secrets]: expected value of type [object] but got [Array]",
        ),
        (cases_connector(foo=1), "[request body.foo]: definition for this key is missing"),
        (
            cases_connector(connector_type_id=".nope"),
            'Action type ".nope" is not registered.',
        ),
        (
            cases_connector(config={}),
            "error validating action type config: [url]: expected value of type [string] but"
            " got [undefined]",
        ),
        (
            cases_connector(config={"url": URL, "extra": 1}),
            "error validating action type config: [extra]: definition for this key is missing",
        ),
        (
            cases_connector(secrets={}),
            "error validating action type secrets: [token]: expected value of type [string] but"
            " got [undefined]",
        ),
        (
            cases_connector(config={"url": URL, "project": "forbidden"}),
            "error validating action type connector: project [forbidden] is not allowed",
        ),
    ],
)
async def test_create_refuses_invalid_bodies(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    before = await snapshot(db)
    response = await client.post(CONNECTOR, json=body)
    assert response.status_code == 400
    assert response.json() == bad_request(message)
    assert await snapshot(db) == before


async def test_create_refuses_a_body_that_is_not_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CONNECTOR, content=b"{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == bad_request("Invalid request payload JSON format")


# --- get and list ------------------------------------------------------------------


async def test_get_an_unknown_connector_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{CONNECTOR}/nope")
    assert response.status_code == 404
    assert response.json() == not_found("nope")


async def test_a_connector_lives_in_its_space(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    connector_id = await create(client, cases_connector(), f"/s/space1{CONNECTOR}")
    assert (await client.get(f"/s/space1{CONNECTOR}/{connector_id}")).status_code == 200
    response = await client.get(f"{CONNECTOR}/{connector_id}")
    assert response.status_code == 404
    assert response.json() == not_found(connector_id)
    assert (await client.get("/api/actions/connectors")).json() == []
    for method in ("PUT", "DELETE"):
        other = await client.request(
            method, f"{CONNECTOR}/{connector_id}", json={"name": "x", "config": {"url": URL}}
        )
        assert other.status_code == 404
        assert other.json() == not_found(connector_id)


async def test_list_is_sorted_by_name_with_reference_counts(client: httpx.AsyncClient) -> None:
    beta = await create(client, cases_connector(name="beta"))
    alpha = await create(client, webhook_connector(name="Alpha"))
    gamma = await create(client, cases_connector(name="Gamma"))
    configuration = {
        "connector": {"id": beta, "name": "beta", "type": ".jira", "fields": None},
        "closure_type": "close-by-user",
        "owner": "securitySolution",
    }
    assert (await client.post("/api/cases/configure", json=configuration)).status_code == 200
    response = await client.get("/api/actions/connectors")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": alpha,
            "name": "Alpha",
            "config": {"url": f"{URL}/hook"},
            "connector_type_id": ".test-webhook",
            "is_preconfigured": False,
            "is_deprecated": False,
            "referenced_by_count": 0,
            "is_missing_secrets": False,
            "is_system_action": False,
        },
        {**expected_connector(beta, name="beta"), "referenced_by_count": 1},
        {**expected_connector(gamma, name="Gamma"), "referenced_by_count": 0},
    ]


async def test_list_adds_up_what_every_registered_counter_counts(
    app: Starlette, client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    # Cases will register its own counter as configure does: the counts add up.
    asked: list[tuple[str, list[str]]] = []

    async def count(*, db: Executor, space_id: str, connector_ids: Sequence[str]) -> dict[str, int]:
        asked.append((space_id, list(connector_ids)))
        return {"c-beta": 2, "not-a-connector": 7}

    app.state.opencases.connectors.register_reference_counter(count)
    await client.post(f"{CONNECTOR}/c-beta", json=cases_connector(name="beta"))
    await client.post(f"{CONNECTOR}/c-alpha", json=cases_connector(name="Alpha"))
    configuration = {
        "connector": {"id": "c-beta", "name": "beta", "type": ".jira", "fields": None},
        "closure_type": "close-by-user",
        "owner": "securitySolution",
    }
    assert (await client.post("/api/cases/configure", json=configuration)).status_code == 200

    response = await client.get("/api/actions/connectors")
    in_space1 = await client.get("/s/space1/api/actions/connectors")

    assert [(item["id"], item["referenced_by_count"]) for item in response.json()] == [
        ("c-alpha", 0),
        ("c-beta", 3),
    ]
    assert in_space1.json() == []
    assert asked == [("default", ["c-alpha", "c-beta"]), ("space1", [])]


# --- update ------------------------------------------------------------------------


async def test_update_replaces_name_config_and_secrets(client: httpx.AsyncClient) -> None:
    connector_id = await create(client, cases_connector(config={"url": URL, "project": "p"}))
    body = {"name": "Renamed", "config": {"url": f"{URL}/v2"}, "secrets": {"token": "new"}}
    response = await client.put(f"{CONNECTOR}/{connector_id}", json=body)
    assert response.status_code == 200
    expected = expected_connector(
        connector_id, name="Renamed", config={"url": f"{URL}/v2", "project": None}
    )
    assert response.json() == expected
    assert (await client.get(f"{CONNECTOR}/{connector_id}")).json() == expected


async def test_update_resets_left_out_config_and_secrets(client: httpx.AsyncClient) -> None:
    connector_id = await create(client, cases_connector())
    # A full replace: config and secrets default to {} and the type refuses them.
    response = await client.put(f"{CONNECTOR}/{connector_id}", json={"name": "x"})
    assert response.status_code == 400
    assert response.json() == bad_request(
        "error validating action type config: [url]: expected value of type [string] but got"
        " [undefined]"
    )
    hook = await create(client, webhook_connector(secrets={"user": "u", "password": "p"}))
    response = await client.put(
        f"{CONNECTOR}/{hook}", json={"name": "hook", "config": {"url": URL}}
    )
    assert response.status_code == 200
    assert response.json()["config"] == {"url": URL}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "[request body.name]: expected value of type [string] but got [undefined]"),
        (
            {"name": "x", "config": None},
            "[request body.config]: expected value of type [object] but got [null]",
        ),
        (
            {"name": "x", "config": {"url": URL, "project": ""}},
            "[request body.config.project]: value '' is not valid",
        ),
        (
            {"name": "x", "connector_type_id": ".test-webhook"},
            "[request body.connector_type_id]: definition for this key is missing",
        ),
        (
            {"name": "x", "config": {"url": URL}, "secrets": {"token": 1}},
            "error validating action type secrets: [token]: expected value of type [string] but"
            " got [number]",
        ),
    ],
)
async def test_update_refuses_invalid_bodies(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    connector_id = await create(client, cases_connector())
    before = await snapshot(db)
    response = await client.put(f"{CONNECTOR}/{connector_id}", json=body)
    assert response.status_code == 400
    assert response.json() == bad_request(message)
    assert await snapshot(db) == before


async def test_update_of_an_unknown_connector_is_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    before = await snapshot(db)
    response = await client.put(
        f"{CONNECTOR}/nope", json={"name": "x", "config": {"url": URL}, "secrets": {"token": "t"}}
    )
    assert response.status_code == 404
    assert response.json() == not_found("nope")
    assert await snapshot(db) == before


# --- delete ------------------------------------------------------------------------


async def test_delete(client: httpx.AsyncClient) -> None:
    connector_id = await create(client, cases_connector())
    response = await client.delete(f"{CONNECTOR}/{connector_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"{CONNECTOR}/{connector_id}")).status_code == 404
    again = await client.delete(f"{CONNECTOR}/{connector_id}")
    assert again.status_code == 404
    assert again.json() == not_found(connector_id)


async def test_deleting_a_space_deletes_its_connectors(
    client: httpx.AsyncClient, space1: dict[str, Any], db: Database
) -> None:
    await create(client, cases_connector(), f"/s/space1{CONNECTOR}")
    assert (await client.delete("/api/spaces/space/space1")).status_code == 204
    assert await db.fetch_all("SELECT id FROM connectors") == []


# --- connector types ---------------------------------------------------------------

CASES_TYPE = {
    "id": ".test-cases",
    "name": "Test: Cases",
    "enabled": True,
    "enabled_in_config": True,
    "enabled_in_license": True,
    "minimum_license_required": "gold",
    "supported_feature_ids": ["alerting", "cases", "siem"],
    "is_system_action_type": False,
    "is_deprecated": False,
}
WEBHOOK_TYPE = {
    **CASES_TYPE,
    "id": ".test-webhook",
    "name": "Test: Webhook",
    "supported_feature_ids": ["alerting", "uptime"],
}


async def test_connector_types_in_registration_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/actions/connector_types")
    assert response.status_code == 200
    assert response.json() == [CASES_TYPE, WEBHOOK_TYPE]


@pytest.mark.parametrize(
    ("feature_id", "expected"),
    [("cases", [CASES_TYPE]), ("uptime", [WEBHOOK_TYPE]), ("nothing", [])],
)
async def test_connector_types_of_a_feature(
    client: httpx.AsyncClient, feature_id: str, expected: list[dict[str, Any]]
) -> None:
    response = await client.get("/api/actions/connector_types", params={"feature_id": feature_id})
    assert response.status_code == 200
    assert response.json() == expected


async def test_connector_types_refuse_unknown_query_keys(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/actions/connector_types", params={"other": "x"})
    assert response.status_code == 400
    assert response.json() == bad_request(
        "[request query.other]: definition for this key is missing"
    )
