"""GET /internal/cases/categories: Kibana's cases/categories/get_categories.ts, ported."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import (
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

CATEGORIES_URL = "/internal/cases/categories"


async def get_categories(
    client: httpx.AsyncClient, query: dict[str, Any] | None = None, *, space: str | None = None
) -> Any:
    """Kibana's getCategories: GET the categories, assert 200, return them."""
    response = await client.get(f"{space_prefix(space)}{CATEGORIES_URL}", params=query or {})
    assert response.status_code == 200, response.text
    return response.json()


async def test_categories_lists_the_categories_of_the_cases(client: httpx.AsyncClient) -> None:
    """get_categories.ts: `should return case categories`."""
    await create_case(client, case_request(category="foo"))
    await create_case(client, case_request(category="bar"))

    assert await get_categories(client) == ["bar", "foo"]


async def test_categories_lists_each_category_once(client: httpx.AsyncClient) -> None:
    """get_categories.ts: `should return unique categories`."""
    await create_case(client, case_request(category="foobar"))
    await create_case(client, case_request(category="foobar"))

    assert await get_categories(client) == ["foobar"]


async def test_categories_lists_those_of_the_owners_a_user_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_categories.ts: `should read the correct categories`."""
    sec_case = case_request(owner=SECURITY, category="sec")
    await create_case(await kibana_users("sec_only"), sec_case, space="space1")
    obs_case = case_request(owner=OBSERVABILITY, category="obs")
    await create_case(await kibana_users("obs_only"), obs_case, space="space1")

    for user, categories in [
        (await kibana_users("global_read"), ["obs", "sec"]),
        (client, ["obs", "sec"]),
        (await kibana_users("sec_only_read"), ["sec"]),
        (await kibana_users("obs_only_read"), ["obs"]),
        (await kibana_users("obs_sec_read"), ["obs", "sec"]),
    ]:
        assert await get_categories(user, space="space1") == categories


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_categories_refuses_a_user_who_may_read_no_cases_in_the_space(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    """get_categories.ts: `User ${user} with role(s) ${roles} and space ${space} - should NOT
    get all categories`.
    """
    await create_case(client, case_request(owner=SECURITY, category="sec"), space=space)

    response = await (await kibana_users(username)).get(f"/s/{space}{CATEGORIES_URL}")

    assert (response.status_code, response.json()) == (
        403,
        refusal(403, "Unauthorized to access cases of any owner"),
    )


async def test_categories_filters_by_owner(kibana_users: KibanaUsers) -> None:
    """get_categories.ts: `should respect the owner filter when having permissions`."""
    obs_sec = await kibana_users("obs_sec")
    await create_case(obs_sec, case_request(owner=SECURITY, category="sec"), space="space1")
    obs_case = case_request(owner=OBSERVABILITY, category="obs")
    await create_case(obs_sec, obs_case, space="space1")

    assert await get_categories(obs_sec, {"owner": SECURITY}, space="space1") == ["sec"]


async def test_categories_ignores_owners_the_user_may_not_read(kibana_users: KibanaUsers) -> None:
    """get_categories.ts: `should return the correct cases when trying to exploit RBAC through
    the owner query parameter`.
    """
    obs_sec = await kibana_users("obs_sec")
    await create_case(obs_sec, case_request(owner=SECURITY, category="sec"), space="space1")
    obs_case = case_request(owner=OBSERVABILITY, category="obs")
    await create_case(obs_sec, obs_case, space="space1")

    sec_only = await kibana_users("sec_only")
    owners = {"owner": [SECURITY, OBSERVABILITY]}
    assert await get_categories(sec_only, owners, space="space1") == ["sec"]


# --- OpenCases ---------------------------------------------------------------------------


async def test_categories_leave_out_cases_without_one_and_sort_by_bytes(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases: a terms aggregation ignores a missing category and sorts the keys' bytes."""
    for category in [None, "b", "B", "a b", "é"]:
        await create_case(client, case_request(category=category))

    assert await get_categories(client) == ["B", "a b", "b", "é"]


async def test_categories_follow_updates_deletions_and_spaces(
    client: httpx.AsyncClient, space1: Any
) -> None:
    """OpenCases: the categories of the cases as they are now, in the space asked for only."""
    case = await create_case(client, case_request(category="old"))
    change = {"id": case["id"], "version": case["version"], "category": "new"}
    await update_cases(client, [change])
    gone = await create_case(client, case_request(category="gone"))
    await delete_cases(client, [gone["id"]])
    await create_case(client, case_request(category="elsewhere"), space="space1")

    assert await get_categories(client) == ["new"]
    assert await get_categories(client, space="space1") == ["elsewhere"]


async def test_categories_refuse_an_unknown_parameter(client: httpx.AsyncClient) -> None:
    """OpenCases: Kibana's AllCategoriesFindRequestRt is exact."""
    response = await client.get(CATEGORIES_URL, params={"foo": "bar"})

    assert (response.status_code, response.json()) == (400, refusal(400, 'invalid keys "foo"'))
