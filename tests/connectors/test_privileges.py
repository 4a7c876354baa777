"""The `actions` feature: read to see and run connectors, all to change them; per space.

Ported from Kibana's security_and_spaces actions tests (get, get_all, create, update,
delete, execute, connector_types): `global_read` may run connectors, a user without the
feature gets `Unauthorized to <operation> ...`, and anyone may list connector types.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.db import Database
from opencases.settings import Settings
from tests.conftest import Users, snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import (
    TOKEN,
    URL,
    cases_connector,
    connector_settings,
    expected_connector,
    forbidden,
    not_found,
    started_app,
)

CONNECTOR = "/api/actions/connector"
UPDATE = {"name": "n", "config": {"url": URL}, "secrets": {"token": TOKEN}}


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with an encryption key."""
    return connector_settings(database_url)


@pytest.fixture
async def app(settings: Settings, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the test connector types."""
    async with started_app(settings, elastic_hash, fake) as application:
        yield application


async def user_with(
    users: Users, name: str, feature: dict[str, list[str]], spaces: list[str]
) -> httpx.AsyncClient:
    kibana = [{"base": [], "feature": feature, "spaces": spaces}] if feature else []
    await users.role(name, kibana)
    return await users.user(name, [name])


@pytest.fixture
async def connector(client: httpx.AsyncClient, space1: dict[str, Any], fake: FakeService) -> str:
    """A `.test-cases` connector `c1` in the default space (and space1 exists)."""
    fake.on("POST", "/api/incident", httpx.Response(200, json={"id": "INC-1"}))
    response = await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    assert response.status_code == 200
    return "c1"


async def test_read_may_see_and_run_but_not_change(
    users: Users, connector: str, db: Database
) -> None:
    reader = await user_with(users, "reader", {"actions": ["read"]}, ["default"])
    async with reader:
        assert (await reader.get(f"{CONNECTOR}/c1")).json() == expected_connector("c1")
        listed = await reader.get("/api/actions/connectors")
        assert [item["id"] for item in listed.json()] == ["c1"]
        run = await reader.post(f"{CONNECTOR}/c1/_execute", json={"params": {"title": "t"}})
        assert run.json() == {"connector_id": "c1", "status": "ok", "data": {"id": "INC-1"}}
        before = await snapshot(db)
        refusals = [
            (
                await reader.post(CONNECTOR, json=cases_connector()),
                'Unauthorized to create a ".test-cases" action',
            ),
            (
                # The authorization comes before the type is looked up.
                await reader.post(CONNECTOR, json=cases_connector(connector_type_id=".nope")),
                'Unauthorized to create a ".nope" action',
            ),
            (await reader.put(f"{CONNECTOR}/c1", json=UPDATE), "Unauthorized to update actions"),
            (await reader.put(f"{CONNECTOR}/nope", json=UPDATE), "Unauthorized to update actions"),
            (await reader.delete(f"{CONNECTOR}/c1"), "Unauthorized to delete actions"),
        ]
        for response, message in refusals:
            assert response.status_code == 403
            assert response.json() == forbidden(message)
        assert await snapshot(db) == before


async def test_all_may_do_everything(users: Users, connector: str) -> None:
    writer = await user_with(users, "writer", {"actions": ["all"]}, ["default"])
    async with writer:
        created = await writer.post(f"{CONNECTOR}/c2", json=cases_connector())
        assert created.json() == expected_connector("c2")
        updated = await writer.put(f"{CONNECTOR}/c1", json=UPDATE)
        assert updated.json() == expected_connector("c1", name="n")
        run = await writer.post(f"{CONNECTOR}/c1/_execute", json={"params": {"title": "t"}})
        assert run.json()["status"] == "ok"
        assert (await writer.delete(f"{CONNECTOR}/c2")).status_code == 204


@pytest.mark.parametrize(
    "feature",
    [{}, {"generalCases": ["all"]}],
    ids=["no privileges", "cases but not actions"],
)
async def test_without_the_feature_everything_is_refused(
    users: Users, connector: str, db: Database, feature: dict[str, list[str]]
) -> None:
    nobody = await user_with(users, "nobody", feature, ["default"])
    async with nobody:
        before = await snapshot(db)
        refusals = [
            (await nobody.get(f"{CONNECTOR}/c1"), "Unauthorized to get actions"),
            (await nobody.get(f"{CONNECTOR}/nope"), "Unauthorized to get actions"),
            (await nobody.get("/api/actions/connectors"), "Unauthorized to get actions"),
            (
                await nobody.post(f"{CONNECTOR}/c1/_execute", json={"params": {"title": "t"}}),
                'Unauthorized to execute a ".test-cases" action',
            ),
            (
                # An unknown connector has no type to name.
                await nobody.post(f"{CONNECTOR}/1/_execute", json={"params": {"foo": True}}),
                "Unauthorized to execute actions",
            ),
            (
                await nobody.post(CONNECTOR, json=cases_connector()),
                'Unauthorized to create a ".test-cases" action',
            ),
            (await nobody.put(f"{CONNECTOR}/c1", json=UPDATE), "Unauthorized to update actions"),
            (await nobody.delete(f"{CONNECTOR}/c1"), "Unauthorized to delete actions"),
        ]
        for response, message in refusals:
            assert response.status_code == 403, message
            assert response.json() == forbidden(message)
        # Kibana's route validation runs before the authorization.
        invalid = await nobody.post(f"{CONNECTOR}/c1/_execute", json={})
        assert invalid.status_code == 400
        # Anyone may list the connector types.
        types = await nobody.get("/api/actions/connector_types")
        assert types.status_code == 200
        assert [item["id"] for item in types.json()] == [".test-cases", ".test-webhook"]
        assert await snapshot(db) == before


async def test_privileges_hold_in_their_space_only(
    users: Users, client: httpx.AsyncClient, connector: str
) -> None:
    space1_admin = await user_with(users, "space1_admin", {"actions": ["all"]}, ["space1"])
    async with space1_admin:
        refused = await space1_admin.get(f"{CONNECTOR}/c1")
        assert refused.status_code == 403
        assert refused.json() == forbidden("Unauthorized to get actions")
        created = await space1_admin.post(f"/s/space1{CONNECTOR}/s1", json=cases_connector())
        assert created.status_code == 200
        # The connector of the default space does not exist in space1.
        other = await space1_admin.post(
            f"/s/space1{CONNECTOR}/c1/_execute", json={"params": {"title": "t"}}
        )
        assert other.status_code == 404
        assert other.json() == not_found("c1")
    reader = await user_with(users, "default_reader", {"actions": ["read"]}, ["default"])
    async with reader:
        # Kibana: a connector of another space, for someone without privileges there.
        response = await reader.post(
            f"/s/space1{CONNECTOR}/s1/_execute", json={"params": {"title": "t"}}
        )
        assert response.status_code == 403
        assert response.json() == forbidden('Unauthorized to execute a ".test-cases" action')
