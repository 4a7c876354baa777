"""GET /api/cases/{case_id}: Kibana's get_case.ts (security_and_spaces/tests/common/cases), ported.

Skipped (attachments are not built yet): `should set totalComment to 0 when all attachments
are alerts`, `should set totalComment to 1 when there is one user attachment and one alert`,
`should get a case with comments`.
"""

from __future__ import annotations

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    CASES_URL,
    SECURITY,
    case_response,
    create_case,
    get_case,
    refused,
    without_server_fields,
)
from tests.configure.conftest import KibanaUsers


async def test_a_case_is_answered_without_its_comments(client: httpx.AsyncClient) -> None:
    """get_case.ts: it('should return a case') (getCaseWithoutCommentsResp: 9.x's GET has no
    `comments`)."""
    created = await create_case(client)

    case = await get_case(client, created["id"])

    expected = case_response()
    del expected["comments"]
    assert without_server_fields(case) == expected
    assert case == {key: value for key, value in created.items() if key != "comments"}


async def test_an_unknown_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """get_case.ts: it('unhappy path - 404s when case is not there')."""
    await refused(
        client, db, "GET", f"{CASES_URL}/fake-id", 404, "Saved object [cases/fake-id] not found"
    )


@pytest.mark.parametrize(
    "username",
    ["global_read", "elastic", "sec_only", "sec_only_read", "obs_sec", "obs_sec_read"],
)
async def test_users_with_read_access_to_the_owner_get_the_case(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str
) -> None:
    """get_case.ts: rbac, it('should get a case') (Kibana's superUser is our `elastic`)."""
    created = await create_case(client, space="space1")
    user = client if username == "elastic" else await kibana_users(username)

    case = await get_case(user, created["id"], space="space1")

    assert case["owner"] == SECURITY
    assert case == {key: value for key, value in created.items() if key != "comments"}


@pytest.mark.parametrize("username", ["no_kibana_privileges", "obs_only", "obs_only_read"])
async def test_users_without_access_to_the_owner_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """get_case.ts: rbac, it('should not get a case when the user does not have access to
    owner')."""
    created = await create_case(client, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "GET",
        f"/s/space1{CASES_URL}/{created['id']}",
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
    )


async def test_a_case_in_a_space_without_privileges_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """get_case.ts: rbac, it('should NOT get a case in a space with no permissions')."""
    created = await create_case(client, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "GET",
        f"/s/space2{CASES_URL}/{created['id']}",
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
    )


async def test_a_case_of_another_space_is_not_found(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """A case lives in one space: asked for in another, where the user has privileges, 404
    (delete_cases.ts: it('should NOT delete a case created in space2 by making a request to
    space1') shows the same for DELETE)."""
    created = await create_case(client, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "GET",
        f"/s/space1{CASES_URL}/{created['id']}",
        404,
        f"Saved object [cases/{created['id']}] not found",
    )
