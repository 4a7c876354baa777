"""POST /internal/cases/_bulk_get: Kibana's internal/bulk_get_cases.ts, ported.

Skipped (attachments are not built yet): `should return the correct comment counts`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    BULK_GET_URL,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    refused,
    space_prefix,
)
from tests.configure.conftest import KibanaUsers


async def bulk_get(
    client: httpx.AsyncClient, ids: list[str], *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's bulkGetCases: POST {ids}, 200, the body."""
    response = await client.post(f"{space_prefix(space)}{BULK_GET_URL}", json={"ids": ids})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def not_found(case_id: str) -> dict[str, Any]:
    """The error entry of an id that names no case of the space."""
    return {
        "error": "Not Found",
        "message": f"Saved object [cases/{case_id}] not found",
        "status": 404,
        "caseId": case_id,
    }


def forbidden(case: dict[str, Any]) -> dict[str, Any]:
    """The error entry of a case the caller may not read (Kibana says `owner:`, singular)."""
    return {
        "error": "Forbidden",
        "message": f'Unauthorized to access case with owner: "{case["owner"]}"',
        "status": 403,
        "caseId": case["id"],
    }


async def test_the_cases_are_answered_as_created_in_the_order_asked(
    client: httpx.AsyncClient,
) -> None:
    """bulk_get_cases.ts: it('should return the correct cases')."""
    one = await create_case(client)
    two = await create_case(client)

    assert await bulk_get(client, [two["id"], one["id"]]) == {"cases": [two, one], "errors": []}


async def test_only_the_cases_that_exist_are_answered(client: httpx.AsyncClient) -> None:
    """bulk_get_cases.ts: it('should return only valid cases') and it('should return saved
    object errors correctly')."""
    one = await create_case(client)

    assert await bulk_get(client, [one["id"], "not-exist"]) == {
        "cases": [one],
        "errors": [not_found("not-exist")],
    }


async def test_a_repeated_id_is_answered_each_time(client: httpx.AsyncClient) -> None:
    """Kibana's bulk_get.ts answers what saved objects' bulkGet does: one entry per id asked."""
    one = await create_case(client)

    assert await bulk_get(client, [one["id"], "gone", one["id"], "gone"]) == {
        "cases": [one, one],
        "errors": [not_found("gone"), not_found("gone")],
    }


async def test_more_than_1000_ids_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_get_cases.ts: it(`400s when requesting more than ${MAX_BULK_GET_CASES} cases`)."""
    await refused(
        client,
        db,
        "POST",
        BULK_GET_URL,
        400,
        "The length of the field ids is too long. Array must be of length <= 1000.",
        json={"ids": ["foobar"] * 1001},
    )


async def test_zero_ids_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_get_cases.ts: it('400s when requesting zero cases')."""
    await refused(
        client,
        db,
        "POST",
        BULK_GET_URL,
        400,
        "The length of the field ids is too short. Array must be of length >= 1.",
        json={"ids": []},
    )


@pytest.mark.parametrize(
    ("username", "readable"),
    [
        ("global_read", [SECURITY, OBSERVABILITY]),
        ("elastic", [SECURITY, OBSERVABILITY]),
        ("sec_only_read", [SECURITY]),
        ("obs_only_read", [OBSERVABILITY]),
        ("obs_sec_read", [SECURITY, OBSERVABILITY]),
        ("obs_sec", [SECURITY, OBSERVABILITY]),
        ("sec_only", [SECURITY]),
        ("obs_only", [OBSERVABILITY]),
    ],
)
async def test_each_user_gets_the_cases_of_the_owners_it_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, readable: list[str]
) -> None:
    """bulk_get_cases.ts: rbac, it('should return the correct cases')."""
    security = await create_case(client, space="space1")
    observability = await create_case(client, case_request(owner=OBSERVABILITY), space="space1")
    user = client if username == "elastic" else await kibana_users(username)

    found = await bulk_get(user, [security["id"], observability["id"]], space="space1")

    cases = [security, observability]
    assert found == {
        "cases": [case for case in cases if case["owner"] in readable],
        "errors": [forbidden(case) for case in cases if case["owner"] not in readable],
    }


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_a_user_who_may_read_no_owner_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, space: str
) -> None:
    """bulk_get_cases.ts: rbac, it(`User ${username} with role(s) ${roles} and space ${space}
    - should NOT bulk get cases`)."""
    case = await create_case(client, space=space)

    await refused(
        await kibana_users(username),
        db,
        "POST",
        f"/s/{space}{BULK_GET_URL}",
        403,
        "Unauthorized to access cases of any owner",
        json={"ids": [case["id"]]},
    )


@pytest.mark.parametrize("username", ["obs_only", "obs_only_read"])
async def test_a_case_of_an_unreadable_owner_is_an_error_entry(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str
) -> None:
    """bulk_get_cases.ts: rbac, it('should get an empty array when the user does not have
    access to owner')."""
    case = await create_case(client, space="space1")

    found = await bulk_get(await kibana_users(username), [case["id"]], space="space1")

    assert found == {"cases": [], "errors": [forbidden(case)]}


async def test_missing_cases_are_listed_before_unreadable_ones(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """Kibana's bulk_get.ts constructErrors: saved object errors first, then the unauthorized."""
    case = await create_case(client, space="space1")

    found = await bulk_get(
        await kibana_users("obs_only"), [case["id"], "not-exist"], space="space1"
    )

    assert found == {"cases": [], "errors": [not_found("not-exist"), forbidden(case)]}
