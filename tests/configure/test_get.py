"""GET /api/cases/configure: Kibana's get_configure.ts (common and trial), ported."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.configure.conftest import (
    OBSERVABILITY,
    SECURITY,
    SERVICENOW_CONNECTOR,
    SERVICENOW_MAPPINGS,
    KibanaUsers,
    configuration_output,
    configuration_request,
    connector,
    create_configuration,
    ensure_saved_object_is_authorized,
    error,
    get_configuration,
    unchanged,
    without_server_fields,
)


async def test_should_return_an_empty_find_body_if_no_configuration_is_loaded(
    client: httpx.AsyncClient,
) -> None:
    assert await get_configuration(client) == []


async def test_should_return_a_configuration(client: httpx.AsyncClient) -> None:
    created = await create_configuration(client)

    configurations = await get_configuration(client)

    assert [without_server_fields(item) for item in configurations] == [configuration_output()]
    assert configurations == [created]


async def test_should_return_a_configuration_with_custom_fields(
    client: httpx.AsyncClient,
) -> None:
    custom_fields = [
        {"key": "hello", "label": "text", "type": "text", "required": False},
        {
            "key": "goodbye",
            "label": "toggle",
            "type": "toggle",
            "required": True,
            "defaultValue": False,
        },
        {"key": "num", "label": "number", "type": "number", "required": True, "defaultValue": 1},
    ]
    await create_configuration(client, configuration_request(customFields=custom_fields))

    configurations = await get_configuration(client)

    assert without_server_fields(configurations[0]) == configuration_output(
        False, customFields=custom_fields
    )


async def test_should_return_a_configuration_with_templates(client: httpx.AsyncClient) -> None:
    templates = [
        {
            "key": "test_template_1",
            "name": "First test template",
            "description": "This is a first test template",
            "tags": [],
            "caseFields": None,
        },
        {
            "key": "test_template_2",
            "name": "Second test template",
            "description": "This is a second test template",
            "tags": ["foobar"],
            "caseFields": {
                "title": "Case with sample template 2",
                "description": "case desc",
                "severity": "low",
                "category": None,
                "tags": ["sample-4"],
                "assignees": [],
                "customFields": [],
                "connector": connector(name="My Connector"),
            },
        },
        {
            "key": "test_template_3",
            "name": "Third test template",
            "description": "This is a third test template",
            "caseFields": {"title": "Case with sample template 3", "tags": ["sample-3"]},
        },
    ]
    await create_configuration(client, configuration_request(templates=templates))

    configurations = await get_configuration(client)

    assert without_server_fields(configurations[0]) == configuration_output(
        False, templates=templates
    )


async def test_should_get_a_single_configuration(client: httpx.AsyncClient) -> None:
    await create_configuration(client, configuration_request(connector=connector(id="connector-2")))
    await create_configuration(client)

    configurations = await get_configuration(client)

    assert len(configurations) == 1
    assert without_server_fields(configurations[0]) == configuration_output()


async def test_should_return_by_descending_order(client: httpx.AsyncClient) -> None:
    await create_configuration(client, configuration_request(connector=connector(id="connector-2")))
    await create_configuration(client)

    configurations = await get_configuration(client)

    assert without_server_fields(configurations[0]) == configuration_output()


# --- rbac -------------------------------------------------------------------------


async def test_should_return_the_correct_configuration(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    await create_configuration(await kibana_users("sec_only"), space="space1")
    await create_configuration(
        await kibana_users("obs_only"), configuration_request(owner=OBSERVABILITY), space="space1"
    )

    scenarios: list[tuple[httpx.AsyncClient, int, list[str]]] = [
        (await kibana_users("global_read"), 2, [SECURITY, OBSERVABILITY]),
        (client, 2, [SECURITY, OBSERVABILITY]),
        (await kibana_users("sec_only_read"), 1, [SECURITY]),
        (await kibana_users("obs_only_read"), 1, [OBSERVABILITY]),
        (await kibana_users("obs_sec_read"), 2, [SECURITY, OBSERVABILITY]),
    ]
    for user, count, owners in scenarios:
        configurations = await get_configuration(user, owner=owners, space="space1")

        ensure_saved_object_is_authorized(configurations, count, owners)
        assert sorted(item["owner"] for item in configurations) == sorted(owners)


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_user_should_not_read_a_case_configuration(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    user = await kibana_users(username)
    # The superuser creates a configuration in the space.
    await create_configuration(client, space=space)

    async with unchanged(client):
        rejected = await get_configuration(user, expected=403, space=space)

    assert rejected == error(403, "Unauthorized to access case configurations of any owner")


async def create_both_owners_as_obs_sec(kibana_users: KibanaUsers) -> None:
    """`obs_sec` creates a securitySolution and an observability configuration at once."""
    obs_sec = await kibana_users("obs_sec")
    await asyncio.gather(
        create_configuration(obs_sec, space="space1"),
        create_configuration(obs_sec, configuration_request(owner=OBSERVABILITY), space="space1"),
    )


async def test_should_respect_the_owner_filter_when_having_permissions(
    kibana_users: KibanaUsers,
) -> None:
    await create_both_owners_as_obs_sec(kibana_users)

    configurations = await get_configuration(
        await kibana_users("obs_sec"), owner=SECURITY, space="space1"
    )

    ensure_saved_object_is_authorized(configurations, 1, [SECURITY])


async def test_should_return_the_correct_cases_when_exploiting_rbac_through_the_owner_query(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    await create_both_owners_as_obs_sec(kibana_users)
    assert len(await get_configuration(client, owner=None, space="space1")) == 2

    # A user with permissions for securitySolution only asks for observability too.
    configurations = await get_configuration(
        await kibana_users("sec_only"), owner=[SECURITY, OBSERVABILITY], space="space1"
    )

    ensure_saved_object_is_authorized(configurations, 1, [SECURITY])


# --- trial ------------------------------------------------------------------------


async def test_should_return_a_configuration_with_mapping(client: httpx.AsyncClient) -> None:
    # Kibana creates a real ServiceNow connector (simulator backend) first; see
    # SERVICENOW_CONNECTOR for why ours is only an id of type .servicenow.
    await create_configuration(client, configuration_request(connector=SERVICENOW_CONNECTOR))

    configurations: list[dict[str, Any]] = await get_configuration(client)

    assert without_server_fields(configurations[0]) == configuration_output(
        False, mappings=SERVICENOW_MAPPINGS, connector=SERVICENOW_CONNECTOR
    )
