"""GET /api/cases/configure/connectors/_find: Kibana's `getConnectors` and its tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.app import create_app
from opencases.connectors import store
from opencases.db import Database
from opencases.settings import Settings
from tests.conftest import ELASTIC_PASSWORD, Users, make_client, reset
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import (
    TOKEN,
    URL,
    cases_connector,
    connector_settings,
    forbidden,
    started_app,
    webhook_connector,
)

FIND = "/api/cases/configure/connectors/_find"
PRECONFIGURED = {
    "preconfigured-cases": {
        "name": "preconfigured-cases",
        "actionTypeId": ".test-cases",
        "config": {"url": URL},
        "secrets": {"token": TOKEN},
    },
    "preconfigured-hook": {
        "name": "preconfigured-hook",
        "actionTypeId": ".test-webhook",
        "config": {"url": URL},
    },
}


@pytest.fixture
def fake() -> FakeService:
    """A fake external system at https://external.example.com."""
    return FakeService()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with a preconfigured connector of each test type."""
    return connector_settings(database_url, preconfigured=PRECONFIGURED)


@pytest.fixture
async def app(settings: Settings, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the test connector types."""
    async with started_app(settings, elastic_hash, fake) as application:
        yield application


def case_connector(connector_id: str, name: str, **overrides: Any) -> dict[str, Any]:
    """A stored `.test-cases` connector as _find answers it."""
    return {
        "id": connector_id,
        "actionTypeId": ".test-cases",
        "name": name,
        "config": {"url": URL, "project": None},
        "isPreconfigured": False,
        "isSystemAction": False,
        "isDeprecated": False,
        "isMissingSecrets": False,
        "referencedByCount": 0,
        **overrides,
    }


async def test_only_case_connectors_in_kibana_s_shape(client: httpx.AsyncClient) -> None:
    await client.post("/api/actions/connector/c1", json=cases_connector(name="Cases Connector"))
    await client.post(
        "/api/actions/connector/c2",
        json=cases_connector(name="Another one", config={"url": URL, "project": "pkey"}),
    )
    await client.post("/api/actions/connector/w1", json=webhook_connector(name="A webhook"))
    configuration = {
        "connector": {"id": "c1", "name": "Cases Connector", "type": ".jira", "fields": None},
        "closure_type": "close-by-user",
        "owner": "securitySolution",
    }
    assert (await client.post("/api/cases/configure", json=configuration)).status_code == 200
    response = await client.get(FIND)
    assert response.status_code == 200
    assert response.json() == [
        case_connector("c2", "Another one", config={"url": URL, "project": "pkey"}),
        case_connector("c1", "Cases Connector", referencedByCount=1),
        {
            "id": "preconfigured-cases",
            "actionTypeId": ".test-cases",
            "name": "preconfigured-cases",
            "isPreconfigured": True,
            "isSystemAction": False,
            "isDeprecated": False,
            "referencedByCount": 0,
        },
    ]


async def test_of_the_request_s_space(client: httpx.AsyncClient, space1: dict[str, Any]) -> None:
    await client.post("/s/space1/api/actions/connector/s1", json=cases_connector(name="s1"))
    ids = [item["id"] for item in (await client.get(f"/s/space1{FIND}")).json()]
    assert ids == ["preconfigured-cases", "s1"]
    ids = [item["id"] for item in (await client.get(FIND)).json()]
    assert ids == ["preconfigured-cases"]


async def test_at_most_1000(client: httpx.AsyncClient, db: Database) -> None:
    async with db.transaction() as tx:
        for number in range(1001):
            await store.insert(
                tx,
                store.ConnectorRecord(
                    id=f"c{number:04d}",
                    space_id="default",
                    name=f"c{number:04d}",
                    connector_type_id=".test-cases",
                    config={"url": URL, "project": None},
                    secrets=None,
                    revision=1,
                    created_at="2026-01-01T00:00:00.000Z",
                    updated_at="2026-01-01T00:00:00.000Z",
                ),
            )
    found = (await client.get(FIND)).json()
    assert len(found) == 1000
    assert found[0]["id"] == "c0000"
    assert found[-1]["id"] == "c0999"


async def test_without_cases_privileges(users: Users) -> None:
    await users.role("actions_only", [{"feature": {"actions": ["all"]}, "spaces": ["*"]}])
    async with await users.user("actions_only", ["actions_only"]) as user:
        for query, search in (({}, ""), ({"a": "b"}, "?a=b")):
            response = await user.get(FIND, params=query)
            assert response.status_code == 403
            assert response.json() == forbidden(
                f"API [GET {FIND}{search}] is unauthorized for user, this action is granted by"
                " the Kibana privileges [casesGetConnectorsConfigure]"
            )


async def test_cases_read_without_actions(users: Users, space1: dict[str, Any]) -> None:
    await users.role(
        "cases_reader", [{"feature": {"securitySolutionCases": ["read"]}, "spaces": ["space1"]}]
    )
    async with await users.user("cases_reader", ["cases_reader"]) as user:
        response = await user.get(f"/s/space1{FIND}")
        assert response.status_code == 403
        assert response.json() == forbidden("Unauthorized to get actions")
        # Outside space1 the cases privilege is missing too.
        response = await user.get(FIND)
        assert response.status_code == 403
        assert response.json()["message"].startswith(f"API [GET {FIND}] is unauthorized")


async def test_cases_and_actions_read(users: Users, client: httpx.AsyncClient) -> None:
    await client.post("/api/actions/connector/c1", json=cases_connector(name="c1"))
    await users.role(
        "reader",
        [{"feature": {"generalCases": ["read"], "actions": ["read"]}, "spaces": ["default"]}],
    )
    async with await users.user("reader", ["reader"]) as user:
        response = await user.get(FIND)
        assert response.status_code == 200
        assert [item["id"] for item in response.json()] == ["c1", "preconfigured-cases"]


# --- with the shipped connector types (Kibana's trial get_connectors test) -------------

SERVICENOW_URL = "http://some.non.existent.com"


@pytest.fixture
async def real_app(
    database_url: str, elastic_hash: str, fake: FakeService
) -> AsyncIterator[Starlette]:
    """The app with the shipped connector types and a preconfigured ServiceNow connector."""
    settings = connector_settings(
        database_url,
        preconfigured={
            "preconfigured-servicenow": {
                "name": "preconfigured-servicenow",
                "actionTypeId": ".servicenow",
                "config": {"apiUrl": "https://example.com"},
                "secrets": {"username": "elastic", "password": "elastic"},
            }
        },
    )
    application = create_app(settings, connector_transport=fake.transport)
    async with application.router.lifespan_context(application):
        await reset(application.state.opencases.db, elastic_hash)
        yield application


async def test_case_connectors_of_the_shipped_types(real_app: Starlette, fake: FakeService) -> None:
    created: dict[str, str] = {}
    bodies = {
        "ServiceNow Connector": {
            "connector_type_id": ".servicenow",
            "config": {"apiUrl": SERVICENOW_URL, "usesTableApi": False},
            "secrets": {"username": "admin", "password": "admin"},
        },
        "Jira": {
            "connector_type_id": ".jira",
            "config": {"apiUrl": SERVICENOW_URL, "projectKey": "pkey"},
            "secrets": {"email": "elastic@elastic.co", "apiToken": "token"},
        },
        "A Webhook": {
            "connector_type_id": ".webhook",
            "config": {"url": SERVICENOW_URL},
        },
    }
    async with make_client(
        real_app, auth=("elastic", ELASTIC_PASSWORD), headers={"kbn-xsrf": "true"}
    ) as client:
        for name, body in bodies.items():
            response = await client.post("/api/actions/connector", json={"name": name, **body})
            assert response.status_code == 200, response.text
            created[name] = response.json()["id"]
        types = await client.get("/api/actions/connector_types", params={"feature_id": "cases"})
        found = await client.get(FIND)
    assert [item["id"] for item in types.json()] == [
        ".swimlane",
        ".cases-webhook",
        ".servicenow",
        ".servicenow-sir",
        ".jira",
        ".resilient",
        ".thehive",
    ]
    assert found.status_code == 200
    common = {
        "isPreconfigured": False,
        "isSystemAction": False,
        "isDeprecated": False,
        "isMissingSecrets": False,
        "referencedByCount": 0,
    }
    assert found.json() == [
        {
            "id": created["Jira"],
            "actionTypeId": ".jira",
            "name": "Jira",
            "config": {"apiUrl": SERVICENOW_URL, "projectKey": "pkey"},
            **common,
        },
        {
            "id": "preconfigured-servicenow",
            "actionTypeId": ".servicenow",
            "name": "preconfigured-servicenow",
            "isPreconfigured": True,
            "isSystemAction": False,
            # usesTableApi defaults to true: the deprecated Table API.
            "isDeprecated": True,
            "referencedByCount": 0,
        },
        {
            "id": created["ServiceNow Connector"],
            "actionTypeId": ".servicenow",
            "name": "ServiceNow Connector",
            "config": {
                "apiUrl": SERVICENOW_URL,
                "usesTableApi": False,
                "isOAuth": False,
                "clientId": None,
                "jwtKeyId": None,
                "userIdentifierValue": None,
            },
            **common,
        },
    ]
