"""GET /api/cases/reporters: Kibana's cases/reporters/get_reporters.ts, ported.

Kibana's reporter is `{username, full_name, email, profile_uid}` from the reporter's newest
case (services/cases getReporters); Kibana's test users have no activated profile, and
OpenCases' users all have one: the profile_uid is there.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    CASES_URL,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    refusal,
    set_created_at,
    space_prefix,
    user_ref,
)
from tests.configure.conftest import KibanaUsers
from tests.conftest import Users

REPORTERS_URL = f"{CASES_URL}/reporters"


async def get_reporters(
    client: httpx.AsyncClient, query: dict[str, Any] | None = None, *, space: str | None = None
) -> Any:
    """Kibana's getReporters: GET the reporters, assert 200, return them."""
    response = await client.get(f"{space_prefix(space)}{REPORTERS_URL}", params=query or {})
    assert response.status_code == 200, response.text
    return response.json()


async def test_reporters_lists_who_created_cases(client: httpx.AsyncClient) -> None:
    """get_reporters.ts: `should return reporters`."""
    await create_case(client)

    assert await get_reporters(client) == [ELASTIC]


async def test_reporters_lists_each_reporter_once(client: httpx.AsyncClient) -> None:
    """get_reporters.ts: `should return unique reporters`."""
    await create_case(client)
    await create_case(client)

    assert await get_reporters(client) == [ELASTIC]


async def test_reporters_lists_those_of_the_owners_a_user_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_reporters.ts: `User: security solution only - should read the correct reporters`."""
    await create_case(await kibana_users("sec_only"), case_request(owner=SECURITY), space="space1")
    obs_case = case_request(owner=OBSERVABILITY)
    await create_case(await kibana_users("obs_only"), obs_case, space="space1")
    both = [user_ref("obs_only"), user_ref("sec_only")]

    for user, reporters in [
        (await kibana_users("global_read"), both),
        (client, both),
        (await kibana_users("sec_only_read"), [user_ref("sec_only")]),
        (await kibana_users("obs_only_read"), [user_ref("obs_only")]),
        (await kibana_users("obs_sec_read"), both),
    ]:
        assert await get_reporters(user, space="space1") == reporters


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_reporters_refuses_a_user_who_may_read_no_cases_in_the_space(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    """get_reporters.ts: `User ${user} with role(s) ${roles} and space ${space} - should NOT
    get all reporters`.
    """
    await create_case(client, case_request(owner=SECURITY), space=space)

    response = await (await kibana_users(username)).get(f"/s/{space}{REPORTERS_URL}")

    assert (response.status_code, response.json()) == (
        403,
        refusal(403, "Unauthorized to access case of any owner"),
    )


async def test_reporters_filters_by_owner(kibana_users: KibanaUsers) -> None:
    """get_reporters.ts: `should respect the owner filter when having permissions`."""
    await create_case(await kibana_users("sec_only"), case_request(owner=SECURITY), space="space1")
    obs_case = case_request(owner=OBSERVABILITY)
    await create_case(await kibana_users("obs_only"), obs_case, space="space1")

    obs_sec = await kibana_users("obs_sec")
    assert await get_reporters(obs_sec, {"owner": SECURITY}, space="space1") == [
        user_ref("sec_only")
    ]


async def test_reporters_ignores_owners_the_user_may_not_read(kibana_users: KibanaUsers) -> None:
    """get_reporters.ts: `should return the correct cases when trying to exploit RBAC through
    the owner query parameter`.
    """
    sec_only = await kibana_users("sec_only")
    await create_case(sec_only, case_request(owner=SECURITY), space="space1")
    obs_case = case_request(owner=OBSERVABILITY)
    await create_case(await kibana_users("obs_only"), obs_case, space="space1")

    owners = {"owner": [SECURITY, OBSERVABILITY]}
    assert await get_reporters(sec_only, owners, space="space1") == [user_ref("sec_only")]


# --- OpenCases ---------------------------------------------------------------------------


async def test_reporters_are_as_their_newest_case_records_them(
    client: httpx.AsyncClient, db: Database, users: Users
) -> None:
    """OpenCases: Kibana's top hit of each username is its newest case (by creation time)."""
    ann = await users.user("ann", ["superuser"])
    body = {"username": "ann", "password": "password1", "roles": ["superuser"], "email": "a@b.c"}
    path = "/internal/security/users/ann"
    assert (await client.post(path, json={**body, "full_name": "Ann One"})).status_code == 200
    first = await create_case(ann)
    assert (await client.post(path, json={**body, "full_name": "Ann Two"})).status_code == 200
    second = await create_case(ann)
    await create_case(client)

    assert await get_reporters(client) == [second["created_by"], ELASTIC]
    await set_created_at(db, second["id"], "2020-01-01T00:00:00.000Z")
    assert await get_reporters(client) == [first["created_by"], ELASTIC]
    assert first["created_by"]["full_name"] == "Ann One"
    await ann.aclose()


async def test_reporters_sort_by_username_bytes(client: httpx.AsyncClient, users: Users) -> None:
    """OpenCases: a terms aggregation's `_key: asc` order (upper case first)."""
    await users.role("writer", [{"feature": {"securitySolutionCases": ["all"]}, "spaces": ["*"]}])
    for username in ["bob", "Zed", "al"]:
        writer = await users.user(username, ["writer"])
        await create_case(writer)
        await writer.aclose()

    reporters = await get_reporters(client)

    assert [reporter["username"] for reporter in reporters] == ["Zed", "al", "bob"]
    assert reporters == [user_ref(name) for name in ["Zed", "al", "bob"]]


async def test_reporters_refuses_an_unknown_parameter(client: httpx.AsyncClient) -> None:
    """OpenCases: Kibana's AllReportersFindRequestRt is exact."""
    response = await client.get(REPORTERS_URL, params={"foo": "bar"})

    assert (response.status_code, response.json()) == (400, refusal(400, 'invalid keys "foo"'))
