"""GET /api/cases/tags: Kibana's cases/tags/get_tags.ts, ported."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import (
    CASES_URL,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    delete_cases,
    refusal,
    space_prefix,
    update_cases,
)
from tests.configure.conftest import KibanaUsers

TAGS_URL = f"{CASES_URL}/tags"


async def get_tags(
    client: httpx.AsyncClient, query: dict[str, Any] | None = None, *, space: str | None = None
) -> Any:
    """Kibana's getTags: GET the tags, assert 200, return them."""
    response = await client.get(f"{space_prefix(space)}{TAGS_URL}", params=query or {})
    assert response.status_code == 200, response.text
    return response.json()


async def test_tags_lists_the_tags_of_the_cases(client: httpx.AsyncClient) -> None:
    """get_tags.ts: `should return case tags`."""
    await create_case(client)
    await create_case(client, case_request(tags=["unique"]))

    assert await get_tags(client) == ["defacement", "unique"]


async def test_tags_lists_each_tag_once(client: httpx.AsyncClient) -> None:
    """get_tags.ts: `should return unique tags`."""
    await create_case(client)
    await create_case(client)

    assert await get_tags(client) == ["defacement"]


async def test_tags_lists_the_tags_of_the_owners_a_user_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_tags.ts: `should read the correct tags`."""
    sec_case = case_request(owner=SECURITY, tags=["sec"])
    await create_case(await kibana_users("sec_only"), sec_case, space="space1")
    obs_case = case_request(owner=OBSERVABILITY, tags=["obs"])
    await create_case(await kibana_users("obs_only"), obs_case, space="space1")

    for user, tags in [
        (await kibana_users("global_read"), ["obs", "sec"]),
        (client, ["obs", "sec"]),
        (await kibana_users("sec_only_read"), ["sec"]),
        (await kibana_users("obs_only_read"), ["obs"]),
        (await kibana_users("obs_sec_read"), ["obs", "sec"]),
    ]:
        assert await get_tags(user, space="space1") == tags


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_tags_refuses_a_user_who_may_read_no_cases_in_the_space(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    """get_tags.ts: `User ${user} with role(s) ${roles} and space ${space} - should NOT get all
    tags`.
    """
    await create_case(client, case_request(owner=SECURITY, tags=["sec"]), space=space)

    response = await (await kibana_users(username)).get(f"/s/{space}{TAGS_URL}")

    assert (response.status_code, response.json()) == (
        403,
        refusal(403, "Unauthorized to access case of any owner"),
    )


async def test_tags_filters_by_owner(kibana_users: KibanaUsers) -> None:
    """get_tags.ts: `should respect the owner filter when having permissions`."""
    obs_sec = await kibana_users("obs_sec")
    await create_case(obs_sec, case_request(owner=SECURITY, tags=["sec"]), space="space1")
    await create_case(obs_sec, case_request(owner=OBSERVABILITY, tags=["obs"]), space="space1")

    assert await get_tags(obs_sec, {"owner": SECURITY}, space="space1") == ["sec"]


async def test_tags_ignores_owners_the_user_may_not_read(kibana_users: KibanaUsers) -> None:
    """get_tags.ts: `should return the correct cases when trying to exploit RBAC through the
    owner query parameter`.
    """
    obs_sec = await kibana_users("obs_sec")
    await create_case(obs_sec, case_request(owner=SECURITY, tags=["sec"]), space="space1")
    await create_case(obs_sec, case_request(owner=OBSERVABILITY, tags=["obs"]), space="space1")

    sec_only = await kibana_users("sec_only")
    owners = {"owner": [SECURITY, OBSERVABILITY]}
    assert await get_tags(sec_only, owners, space="space1") == ["sec"]


# --- OpenCases ---------------------------------------------------------------------------


async def test_tags_sort_by_bytes_as_elasticsearch_does(client: httpx.AsyncClient) -> None:
    """OpenCases: a terms aggregation's `_key: asc` order (upper case first, accents last)."""
    await create_case(client, case_request(tags=["b", "a", "B", "é", "A b", "10", "9"]))

    assert await get_tags(client) == ["10", "9", "A b", "B", "a", "b", "é"]


async def test_tags_follow_updates_deletions_and_spaces(
    client: httpx.AsyncClient, space1: Any
) -> None:
    """OpenCases: the tags of the cases as they are now, in the space asked for only."""
    case = await create_case(client, case_request(tags=["old", "kept"]))
    await update_cases(
        client, [{"id": case["id"], "version": case["version"], "tags": ["kept", "new"]}]
    )
    gone = await create_case(client, case_request(tags=["gone"]))
    await delete_cases(client, [gone["id"]])
    await create_case(client, case_request(tags=["elsewhere"]), space="space1")

    assert await get_tags(client) == ["kept", "new"]
    assert await get_tags(client, space="space1") == ["elsewhere"]


async def test_tags_refuses_an_unknown_parameter(client: httpx.AsyncClient) -> None:
    """OpenCases: Kibana's AllTagsFindRequestRt is exact."""
    response = await client.get(TAGS_URL, params={"owner": SECURITY, "foo": "bar"})

    assert (response.status_code, response.json()) == (400, refusal(400, 'invalid keys "foo"'))
