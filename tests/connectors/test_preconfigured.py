"""Preconfigured connectors (Kibana's xpack.actions.preconfigured): every space, read-only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.app import create_app
from opencases.db import Database
from opencases.settings import Settings, load_settings
from tests.conftest import snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import (
    TEST_TYPES,
    TOKEN,
    URL,
    bad_request,
    cases_connector,
    connector_settings,
    expected_connector,
    started_app,
)

CONNECTOR = "/api/actions/connector"
PRECONFIGURED = {
    "preconfigured-cases": {
        "name": "Preconfigured cases",
        "actionTypeId": ".test-cases",
        "config": {"url": URL},
        "secrets": {"token": TOKEN},
    },
    "preconfigured-hook": {
        "name": "a hook",
        "actionTypeId": ".test-webhook",
        "config": {"url": f"{URL}/hook"},
    },
}
CASES_ITEM = {
    "id": "preconfigured-cases",
    "name": "Preconfigured cases",
    "connector_type_id": ".test-cases",
    "is_preconfigured": True,
    "is_deprecated": False,
    "is_system_action": False,
}
HOOK_ITEM = {**CASES_ITEM, "id": "preconfigured-hook", "name": "a hook"}
HOOK_ITEM["connector_type_id"] = ".test-webhook"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with two preconfigured connectors."""
    return connector_settings(database_url, preconfigured=PRECONFIGURED)


@pytest.fixture
async def app(settings: Settings, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the test connector types."""
    async with started_app(settings, elastic_hash, fake) as application:
        yield application


@pytest.mark.parametrize("prefix", ["", "/s/space1"])
async def test_listed_and_got_in_every_space(
    client: httpx.AsyncClient, space1: dict[str, Any], prefix: str
) -> None:
    created = await client.post(f"{prefix}{CONNECTOR}/mine", json=cases_connector(name="mine"))
    assert created.status_code == 200
    response = await client.get(f"{prefix}/api/actions/connectors")
    assert response.status_code == 200
    assert response.json() == [
        {**HOOK_ITEM, "referenced_by_count": 0},
        {**expected_connector("mine", name="mine"), "referenced_by_count": 0},
        {**CASES_ITEM, "referenced_by_count": 0},
    ]
    got = await client.get(f"{prefix}{CONNECTOR}/preconfigured-cases")
    assert got.status_code == 200
    assert got.json() == CASES_ITEM


async def test_referenced_by_count_counts_configurations_of_the_space(
    client: httpx.AsyncClient,
) -> None:
    configuration = {
        "connector": {
            "id": "preconfigured-cases",
            "name": "Preconfigured cases",
            "type": ".jira",
            "fields": None,
        },
        "closure_type": "close-by-user",
        "owner": "cases",
    }
    assert (await client.post("/api/cases/configure", json=configuration)).status_code == 200
    listed = (await client.get("/api/actions/connectors")).json()
    assert {item["id"]: item["referenced_by_count"] for item in listed} == {
        "preconfigured-hook": 0,
        "preconfigured-cases": 1,
    }


async def test_run_with_the_configured_secrets(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    fake.on("POST", "/api/incident", httpx.Response(200, json={"id": "INC-7"}))
    response = await client.post(
        f"{CONNECTOR}/preconfigured-cases/_execute", json={"params": {"title": "t"}}
    )
    assert response.status_code == 200
    assert response.json() == {
        "connector_id": "preconfigured-cases",
        "status": "ok",
        "data": {"id": "INC-7"},
    }
    assert fake.received[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_cannot_be_updated_deleted_or_shadowed(
    client: httpx.AsyncClient, db: Database
) -> None:
    before = await snapshot(db)
    body = {"name": "x", "config": {"url": URL}, "secrets": {"token": "t"}}
    update = await client.put(f"{CONNECTOR}/preconfigured-cases", json=body)
    assert update.status_code == 400
    assert update.json() == bad_request(
        "Preconfigured action preconfigured-cases is not allowed to update."
    )
    delete = await client.delete(f"{CONNECTOR}/preconfigured-cases")
    assert delete.status_code == 400
    assert delete.json() == bad_request(
        "Preconfigured action preconfigured-cases is not allowed to delete."
    )
    create = await client.post(f"{CONNECTOR}/preconfigured-cases", json=cases_connector())
    assert create.status_code == 400
    assert create.json() == bad_request(
        "This preconfigured-cases already exists in a preconfigured action."
    )
    assert await snapshot(db) == before


def test_read_from_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "opencases.toml"
    config.write_text(
        f"""
encryption_key = "{"k" * 32}"
allowed_hosts = ["external.example.com"]

[preconfigured.my-cases]
name = "My cases"
actionTypeId = ".test-cases"
config = {{ url = "{URL}" }}
secrets = {{ token = "{TOKEN}" }}
"""
    )
    settings = load_settings(config, environ={})
    app = create_app(settings, connector_types=TEST_TYPES)
    (connector,) = app.state.opencases.connectors.preconfigured.values()
    assert (connector.id, connector.name, connector.config) == (
        "my-cases",
        "My cases",
        {"url": URL, "project": None},
    )
    assert TOKEN not in repr(connector)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "n", "actionTypeId": ".nope"},
            'invalid preconfigured connector [bad]: Action type ".nope" is not registered.',
        ),
        (
            {"name": "n", "actionTypeId": ".test-cases", "secrets": {"token": TOKEN}},
            "invalid preconfigured connector [bad]: error validating action type config:"
            " [url]: expected value of type [string] but got [undefined]",
        ),
        (
            {"name": "n", "actionTypeId": ".test-cases", "config": {"url": "https://x.test"}},
            "invalid preconfigured connector [bad]: error validating action type config:"
            ' error configuring test action: target url "https://x.test" is not added to the'
            " Kibana config xpack.actions.allowedHosts",
        ),
    ],
)
def test_an_invalid_one_stops_the_server(entry: dict[str, Any], message: str) -> None:
    settings = connector_settings(
        "sqlite:///unused.db", allowed_hosts=["external.example.com"], preconfigured={"bad": entry}
    )
    with pytest.raises(SystemExit) as stopped:
        create_app(settings, connector_types=TEST_TYPES)
    assert str(stopped.value) == message
