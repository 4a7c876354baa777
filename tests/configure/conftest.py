"""Kibana's case configuration test helpers and users, ported (x-pack/.../cases_api_integration).

Owners follow DESIGN §6.2: Kibana's `securitySolutionFixture` is our `securitySolution`,
`observabilityFixture` is `observability`, and `testDisabledFixture` is `cases`, whose
feature (`generalCases`) is disabled in `space1` as Kibana's fixture feature is there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import Users

ELASTIC = {
    "email": None,
    "full_name": None,
    "username": "elastic",
    "profile_uid": "u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0",
}
SECURITY = "securitySolution"
OBSERVABILITY = "observability"
# The owner whose feature is disabled in space1 (Kibana's testDisabledFixture).
DISABLED = "cases"
CONFIGURE_URL = "/api/cases/configure"

# The mappings Kibana creates per connector type (`server/connectors/<type>/mapping.ts`).
SERVICENOW_MAPPINGS = [
    {"action_type": "overwrite", "source": "title", "target": "short_description"},
    {"action_type": "overwrite", "source": "description", "target": "description"},
    {"action_type": "append", "source": "comments", "target": "work_notes"},
]
JIRA_MAPPINGS = [
    {"action_type": "overwrite", "source": "title", "target": "summary"},
    {"action_type": "overwrite", "source": "description", "target": "description"},
    {"action_type": "overwrite", "source": "tags", "target": "labels"},
    {"action_type": "append", "source": "comments", "target": "comments"},
]
RESILIENT_MAPPINGS = [
    {"action_type": "overwrite", "source": "title", "target": "name"},
    {"action_type": "overwrite", "source": "description", "target": "description"},
    {"action_type": "append", "source": "comments", "target": "comments"},
]

# Kibana's trial suites create a real ServiceNow connector first. Configurations do not
# check that their connector exists (neither does Kibana), so the trial tests use this id
# with type .servicenow (the name is Kibana's getServiceNowConnector()'s).
SERVICENOW_CONNECTOR = {
    "id": "6d3ab1a0-5c0e-4a8b-9f4e-2b7c1d3e5f60",
    "name": "ServiceNow Connector",
    "type": ".servicenow",
    "fields": None,
}

# --- request and response factories (Kibana's lib/api/configuration.ts) ---------------


def connector(
    id: str = "none", name: str = "none", type: str = ".none", fields: Any = None
) -> dict[str, Any]:
    """A case connector; Kibana's getConfigurationRequest({id, name, type, fields})."""
    return {"id": id, "name": name, "type": type, "fields": fields}


def configuration_request(**overrides: Any) -> dict[str, Any]:
    """Kibana's getConfigurationRequest(): R, plus overrides."""
    return {
        "connector": connector(),
        "closure_type": "close-by-user",
        "owner": SECURITY,
        "customFields": [],
        "templates": [],
        **overrides,
    }


def configuration_output(update: bool = False, **overrides: Any) -> dict[str, Any]:
    """Kibana's getConfigurationOutput(update, overrides): what O looks like, sans server fields."""
    return {
        **configuration_request(),
        "error": None,
        "mappings": [],
        "created_by": ELASTIC,
        "updated_by": ELASTIC if update else None,
        "customFields": [],
        "templates": [],
        "observableTypes": [],
        **overrides,
    }


def without_server_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Kibana's removeServerGeneratedPropertiesFromSavedObject: drop id, version, timestamps."""
    return {
        key: value
        for key, value in body.items()
        if key not in ("id", "version", "created_at", "updated_at")
    }


def error(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope."""
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}[status]
    return {"error": reason, "message": message, "statusCode": status}


def space_prefix(space: str | None) -> str:
    """Kibana's getSpaceUrlPrefix."""
    return f"/s/{space}" if space and space != "default" else ""


async def create_configuration(
    client: httpx.AsyncClient,
    body: dict[str, Any] | None = None,
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's createConfiguration: POST, assert the status, return the body."""
    payload = configuration_request() if body is None else body
    response = await client.post(f"{space_prefix(space)}{CONFIGURE_URL}", json=payload)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


async def update_configuration(
    client: httpx.AsyncClient,
    configuration_id: str,
    body: dict[str, Any],
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's updateConfiguration: PATCH, assert the status, return the body."""
    url = f"{space_prefix(space)}{CONFIGURE_URL}/{configuration_id}"
    response = await client.patch(url, json=body)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


async def get_configuration(
    client: httpx.AsyncClient,
    *,
    owner: str | list[str] | None = SECURITY,
    expected: int = 200,
    space: str | None = None,
) -> Any:
    """Kibana's getConfiguration: GET (by default `owner=securitySolution`), assert the status."""
    params = {} if owner is None else {"owner": owner}
    response = await client.get(f"{space_prefix(space)}{CONFIGURE_URL}", params=params)
    assert response.status_code == expected, response.text
    return response.json()


def ensure_saved_object_is_authorized(
    configurations: list[dict[str, Any]], count: int, owners: list[str]
) -> None:
    """Kibana's ensureSavedObjectIsAuthorized: `count` items, each of one of `owners`."""
    assert len(configurations) == count
    assert all(item["owner"] in owners for item in configurations)


async def stored_configurations(client: httpx.AsyncClient) -> dict[str, Any]:
    """Every space's configurations of every owner, as the superuser reads them."""
    response = await client.get("/api/spaces/space")
    assert response.status_code == 200, response.text
    stored = {}
    for space in response.json():
        stored[space["id"]] = await get_configuration(client, owner=None, space=space["id"])
    return stored


@asynccontextmanager
async def unchanged(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """Assert the stored configurations (all spaces, all owners) are the same after the block."""
    before = await stored_configurations(client)
    yield
    assert await stored_configurations(client) == before


# --- spaces and users (Kibana's lib/authentication/{spaces,roles,users}.ts) ------------


@pytest.fixture
async def space1(client: httpx.AsyncClient) -> dict[str, Any]:
    """Kibana's test `space1`, where the `cases` owner's feature is disabled."""
    body = {"id": "space1", "name": "Space 1", "disabledFeatures": ["generalCases"]}
    response = await client.post("/api/spaces/space", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
async def space2(client: httpx.AsyncClient) -> dict[str, Any]:
    """Kibana's test `space2`."""
    body = {"id": "space2", "name": "Space 2", "disabledFeatures": []}
    response = await client.post("/api/spaces/space", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _features(spaces: list[str], **features: list[str]) -> list[dict[str, Any]]:
    return [{"feature": features, "spaces": spaces}]


ROLES: dict[str, list[dict[str, Any]]] = {
    # Kibana's role has Elasticsearch index privileges only.
    "no_kibana_privileges": [],
    "global_read": _features(["*"], securitySolutionCases=["read"], observabilityCases=["read"]),
    "test_disabled_plugin_all": _features(
        ["space1"], generalCases=["all"], securitySolutionCases=["all"]
    ),
    "sec_only_all": _features(["space1"], securitySolutionCases=["all"]),
    "sec_only_read": _features(["space1"], securitySolutionCases=["read"]),
    "obs_only_all": _features(["space1"], observabilityCases=["all"]),
    "obs_only_read": _features(["space1"], observabilityCases=["read"]),
}

USERS: dict[str, list[str]] = {
    "sec_only": ["sec_only_all"],
    "sec_only_read": ["sec_only_read"],
    "obs_only": ["obs_only_all"],
    "obs_only_read": ["obs_only_read"],
    "obs_sec": ["sec_only_all", "obs_only_all"],
    "obs_sec_read": ["sec_only_read", "obs_only_read"],
    "global_read": ["global_read"],
    "no_kibana_privileges": ["no_kibana_privileges"],
    "test_disabled": ["test_disabled_plugin_all"],
}


class KibanaUsers:
    """Kibana's test users, each created (with its roles) on first use; clients acting as them."""

    def __init__(self, users: Users) -> None:
        self._users = users
        self._roles: set[str] = set()
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def __call__(self, username: str) -> httpx.AsyncClient:
        """A client acting as `username` (sending kbn-xsrf)."""
        if username not in self._clients:
            for role in USERS[username]:
                if role not in self._roles:
                    await self._users.role(role, ROLES[role])
                    self._roles.add(role)
            self._clients[username] = await self._users.user(username, USERS[username])
        return self._clients[username]

    async def aclose(self) -> None:
        """Close every client handed out."""
        for client in self._clients.values():
            await client.aclose()


@pytest.fixture
async def kibana_users(
    users: Users, space1: dict[str, Any], space2: dict[str, Any]
) -> AsyncIterator[KibanaUsers]:
    """Kibana's cases test users, with space1 and space2 in place."""
    factory = KibanaUsers(users)
    yield factory
    await factory.aclose()
