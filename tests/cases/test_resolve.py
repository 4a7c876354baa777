"""GET /api/cases/{case_id}/resolve: Kibana's resolve_case.ts, ported.

OpenCases has no legacy saved-object aliases: every found case is an `exactMatch`, and the
answer has no `alias_target_id` (client/cases/get.ts `resolve`, CaseResolveResponseRt).
Like Kibana's default `includeComments=true` it carries `comments` (here always `[]`:
attachments are not built yet).
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
    refused,
    space_prefix,
    without_server_fields,
)
from tests.configure.conftest import KibanaUsers


async def resolve_case(
    client: httpx.AsyncClient, case_id: str, *, space: str | None = None
) -> object:
    """Kibana's resolveCase: GET .../resolve, 200, the body."""
    response = await client.get(f"{space_prefix(space)}{CASES_URL}/{case_id}/resolve")
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_case_resolves_to_an_exact_match_with_its_comments(
    client: httpx.AsyncClient,
) -> None:
    """resolve_case.ts: it('should resolve a case')."""
    created = await create_case(client)

    resolved = await resolve_case(client, created["id"])

    assert resolved == {"case": created, "outcome": "exactMatch"}
    assert without_server_fields(created) == case_response()


async def test_an_unknown_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """resolve_case.ts: it('unhappy path - 404s when case is not there')."""
    await refused(
        client,
        db,
        "GET",
        f"{CASES_URL}/fake-id/resolve",
        404,
        "Saved object [cases/fake-id] not found",
    )


@pytest.mark.parametrize(
    "username",
    ["global_read", "elastic", "sec_only", "sec_only_read", "obs_sec", "obs_sec_read"],
)
async def test_users_with_read_access_to_the_owner_resolve_the_case(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str
) -> None:
    """resolve_case.ts: rbac, it('should resolve a case') (superUser: our `elastic`)."""
    created = await create_case(client, space="space1")
    user = client if username == "elastic" else await kibana_users(username)

    resolved = await resolve_case(user, created["id"], space="space1")

    assert resolved == {"case": created, "outcome": "exactMatch"}
    assert created["owner"] == SECURITY


@pytest.mark.parametrize("username", ["no_kibana_privileges", "obs_only", "obs_only_read"])
async def test_users_without_access_to_the_owner_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """resolve_case.ts: rbac, it('should not resolve a case when the user does not have
    access to owner')."""
    created = await create_case(client, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "GET",
        f"/s/space1{CASES_URL}/{created['id']}/resolve",
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
    )


async def test_a_case_in_a_space_without_privileges_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """resolve_case.ts: rbac, it('should NOT resolve a case in a space with no permissions')."""
    created = await create_case(client, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "GET",
        f"/s/space2{CASES_URL}/{created['id']}/resolve",
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
    )
