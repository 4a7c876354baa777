"""Running connectors, and xpack.actions.allowedHosts on create, update and run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.connectors.types.base import Execution, ExecutorResult
from opencases.db import Database
from opencases.settings import Settings
from tests.conftest import ELASTIC_PASSWORD, make_client, snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import (
    TOKEN,
    URL,
    WebhookTestType,
    bad_request,
    cases_connector,
    connector_settings,
    not_found,
    started_app,
)

CONNECTOR = "/api/actions/connector"
ALLOWED = ["external.example.com", "other.example.com"]
REFUSED_URL = "https://elsewhere.example.org"


def not_allowed(url: str) -> str:
    return f'target url "{url}" is not added to the Kibana config xpack.actions.allowedHosts'


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with a key and a short allowedHosts list."""
    return connector_settings(database_url, allowed_hosts=ALLOWED)


@pytest.fixture
async def app(settings: Settings, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the test connector types."""
    async with started_app(settings, elastic_hash, fake) as application:
        yield application


async def run(client: httpx.AsyncClient, connector_id: str, body: Any) -> httpx.Response:
    return await client.post(f"{CONNECTOR}/{connector_id}/_execute", json=body)


async def test_a_run_calls_the_external_system_with_the_secrets(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    fake.on("POST", "/api/incident", httpx.Response(200, json={"id": "INC-1"}))
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    response = await run(client, "c1", {"params": {"title": "Breach"}})
    assert response.status_code == 200
    assert response.json() == {"connector_id": "c1", "status": "ok", "data": {"id": "INC-1"}}
    assert fake.summaries() == [
        {"method": "POST", "path": "/api/incident", "query": {}, "body": {"title": "Breach"}}
    ]
    assert fake.received[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_failed_call_is_an_error_result(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    fake.on("POST", "/api/incident", httpx.Response(503, json={"message": "down"}))
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    response = await run(client, "c1", {"params": {"title": "Breach"}})
    assert response.status_code == 200
    assert response.json() == {
        "connector_id": "c1",
        "status": "error",
        "message": "an error occurred while running the action",
        "service_message": "[Action][Test]: Unable to create incident."
        " Request failed with status code 503",
        "retry": True,
        "errorSource": "framework",
    }


async def test_invalid_params_are_an_error_result(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    response = await run(client, "c1", {"params": {}})
    assert response.status_code == 200
    assert response.json() == {
        "connector_id": "c1",
        "status": "error",
        "message": "error validating action params: [title]: expected value of type [string]"
        " but got [undefined]",
        "retry": False,
        "errorSource": "user",
    }
    assert fake.received == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "[request body.params]: expected value of type [object] but got [undefined]"),
        ({"params": None}, "[request body.params]: expected value of type [object] but got [null]"),
        ({"params": {}, "x": 1}, "[request body.x]: definition for this key is missing"),
    ],
)
async def test_run_refuses_invalid_bodies_before_anything_else(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    # Kibana validates the body first: even an unknown connector gets the 400.
    response = await run(client, "nope", body)
    assert response.status_code == 400
    assert response.json() == bad_request(message)


async def test_running_an_unknown_connector_is_404(client: httpx.AsyncClient) -> None:
    response = await run(client, "1", {"params": {"foo": True}})
    assert response.status_code == 404
    assert response.json() == not_found("1")


# --- allowedHosts --------------------------------------------------------------------


async def test_create_refuses_a_host_outside_allowed_hosts(
    client: httpx.AsyncClient, db: Database
) -> None:
    before = await snapshot(db)
    response = await client.post(CONNECTOR, json=cases_connector(config={"url": REFUSED_URL}))
    assert response.status_code == 400
    assert response.json() == bad_request(
        "error validating action type config: error configuring test action: "
        + not_allowed(REFUSED_URL)
    )
    assert await snapshot(db) == before


async def test_update_refuses_a_host_outside_allowed_hosts(
    client: httpx.AsyncClient, db: Database
) -> None:
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    before = await snapshot(db)
    body = {"name": "x", "config": {"url": REFUSED_URL}, "secrets": {"token": TOKEN}}
    response = await client.put(f"{CONNECTOR}/c1", json=body)
    assert response.status_code == 400
    assert response.json() == bad_request(
        "error validating action type config: error configuring test action: "
        + not_allowed(REFUSED_URL)
    )
    assert await snapshot(db) == before
    body["config"] = {"url": "https://other.example.com"}
    assert (await client.put(f"{CONNECTOR}/c1", json=body)).status_code == 200


async def test_a_run_checks_allowed_hosts_again(
    client: httpx.AsyncClient, settings: Settings, elastic_hash: str, fake: FakeService
) -> None:
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    narrower = connector_settings(settings.database_url, allowed_hosts=["other.example.com"])
    async with (
        started_app(narrower, elastic_hash, fake, clean=False) as app,
        make_client(app, auth=("elastic", ELASTIC_PASSWORD), headers={"kbn-xsrf": "t"}) as again,
    ):
        response = await run(again, "c1", {"params": {"title": "Breach"}})
    assert response.status_code == 200
    assert response.json() == {
        "connector_id": "c1",
        "status": "error",
        "message": "error validating action type config: error configuring test action: "
        + not_allowed(URL),
        "retry": False,
        "errorSource": "framework",
    }
    assert fake.received == []


class ExplodingType(WebhookTestType):
    """A connector whose executor fails the way a bug would."""

    id = ".test-exploding"

    async def execute(self, execution: Execution) -> ExecutorResult:
        raise RuntimeError("something unexpected")


async def test_an_unexpected_failure_in_a_run_is_an_error_result(
    settings: Settings, elastic_hash: str, fake: FakeService
) -> None:
    async with (
        started_app(settings, elastic_hash, fake, connector_types=(ExplodingType(),)) as app,
        make_client(app, auth=("elastic", ELASTIC_PASSWORD), headers={"kbn-xsrf": "true"}) as admin,
    ):
        body = {"name": "boom", "connector_type_id": ".test-exploding", "config": {"url": URL}}
        assert (await admin.post(f"{CONNECTOR}/boom", json=body)).status_code == 200
        response = await run(admin, "boom", {"params": {}})
    assert (response.status_code, response.json()) == (
        200,
        {
            "connector_id": "boom",
            "status": "error",
            "message": "an error occurred while running the action",
            "service_message": "something unexpected",
            "retry": True,
            "errorSource": "framework",
        },
    )
