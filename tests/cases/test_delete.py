"""DELETE /api/cases?ids=: Kibana's delete_cases.ts (security_and_spaces/tests/common/cases).

Skipped, for what is not built yet: `should delete a case's comments and user actions when
that case gets deleted` (comments), the `files` describe and its rbac tests (files), and the
`alerts` describes (alert indices).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    CASES_URL,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    delete_cases,
    get_case,
    refused,
)
from tests.configure.conftest import KibanaUsers


async def stored_rows(db: Database) -> dict[str, int]:
    """How many rows the cases tables hold."""
    counts = {}
    for table in ("cases", "case_user_actions", "case_tags", "case_assignees"):
        row = await db.fetch_one(f"SELECT count(*) AS total FROM {table}")
        assert row is not None
        counts[table] = int(row["total"])
    return counts


async def test_a_case_is_deleted_with_an_empty_answer(client: httpx.AsyncClient) -> None:
    """delete_cases.ts: it('should delete a case')."""
    case = await create_case(client)

    response = await delete_cases(client, [case["id"]])

    assert (response.status_code, response.content) == (204, b"")
    await get_case(client, case["id"], 404)


async def test_cases_are_deleted_with_their_user_actions(
    client: httpx.AsyncClient, db: Database
) -> None:
    """delete_cases.ts: it('should delete multiple cases and their user actions') and
    it('should delete all user actions when deleting a case')."""
    one = await create_case(client, case_request(tags=["a", "b"], assignees=[{"uid": "u1"}]))
    two = await create_case(client)
    kept = await create_case(client)

    await delete_cases(client, [one["id"], two["id"]])

    for case in (one, two):
        response = await client.get(f"{CASES_URL}/{case['id']}/user_actions/_find")
        assert (response.status_code, response.json()) == (
            404,
            {
                "error": "Not Found",
                "message": f"Saved object [cases/{case['id']}] not found",
                "statusCode": 404,
            },
        )
    assert await stored_rows(db) == {
        "cases": 1,
        "case_user_actions": 1,
        "case_tags": 1,
        "case_assignees": 0,
    }
    assert (await get_case(client, kept["id"]))["id"] == kept["id"]


@pytest.mark.parametrize(
    "params",
    [
        lambda one, two: httpx.QueryParams([("ids", one), ("ids", two)]),
        lambda one, two: httpx.QueryParams({"ids": json.dumps([one, two])}),
    ],
    ids=["repeated keys", "a JSON array"],
)
async def test_the_ids_may_be_repeated_keys_or_a_json_array(
    client: httpx.AsyncClient, db: Database, params: Callable[[str, str], httpx.QueryParams]
) -> None:
    """routes/api/cases/delete_cases.ts: `ids: schema.arrayOf(schema.string())` reads both."""
    one = await create_case(client)
    two = await create_case(client)

    response = await client.delete(CASES_URL, params=params(one["id"], two["id"]))

    assert response.status_code == 204
    assert (await stored_rows(db))["cases"] == 0


async def test_one_plain_id_is_a_list_of_one(client: httpx.AsyncClient, db: Database) -> None:
    """routes/api/cases/delete_cases.ts: config-schema's arrayOf takes one value as a list."""
    case = await create_case(client)

    response = await client.delete(CASES_URL, params={"ids": case["id"]})

    assert response.status_code == 204
    assert (await stored_rows(db))["cases"] == 0


async def test_an_unknown_case_is_404_and_nothing_is_deleted(
    client: httpx.AsyncClient, db: Database
) -> None:
    """delete_cases.ts: it('unhappy path - 404s when case is not there') (the first missing
    id; the cases found stay)."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "DELETE",
        CASES_URL,
        404,
        "Saved object [cases/fake-id] not found",
        params={"ids": json.dumps([case["id"], "fake-id", "other-id"])},
    )


# Kibana's route takes any list (`schema.arrayOf(schema.string())`); its client's codec
# (CasesDeleteRequestRt) refuses the size with io-ts's message.


async def test_more_than_100_ids_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """delete_cases.ts: it('unhappy path - 400s when trying to delete more than 100 cases at a
    time')."""
    await refused(
        client,
        db,
        "DELETE",
        CASES_URL,
        400,
        "The length of the field ids is too long. Array must be of length <= 100.",
        params={"ids": json.dumps(["id"] * 101)},
    )


async def test_zero_ids_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """delete_cases.ts: it('unhappy path - 400s when trying to delete 0 cases at a time')."""
    await refused(
        client,
        db,
        "DELETE",
        CASES_URL,
        400,
        "The length of the field ids is too short. Array must be of length >= 1.",
        params={"ids": "[]"},
    )


async def test_a_blank_id_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """Kibana's CasesDeleteRequestRt: each id is a NonEmptyString (common/schema)."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "DELETE",
        CASES_URL,
        400,
        "string must have length >= 1",
        params={"ids": json.dumps([case["id"], " "])},
    )


async def test_a_security_solution_user_deletes_its_case(kibana_users: KibanaUsers) -> None:
    """delete_cases.ts: rbac, it('User: security solution only - should delete a case')."""
    sec_only = await kibana_users("sec_only")
    case = await create_case(sec_only, space="space1")

    await delete_cases(sec_only, [case["id"]], space="space1")

    await get_case(sec_only, case["id"], 404, space="space1")


async def test_a_case_of_another_owner_is_not_deleted(
    kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_cases.ts: rbac, it('User: security solution only - should NOT delete a case of
    different owner')."""
    case = await create_case(await kibana_users("sec_only"), space="space1")

    await refused(
        await kibana_users("obs_only"),
        db,
        "DELETE",
        f"/s/space1{CASES_URL}",
        403,
        f'Unauthorized to delete case with owners: "{SECURITY}"',
        params={"ids": json.dumps([case["id"]])},
    )


async def test_nothing_is_deleted_unless_every_case_may_be(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_cases.ts: rbac, it('should get an error if the user has not permissions to all
    requested cases')."""
    security = await create_case(await kibana_users("sec_only"), space="space1")
    observability = await create_case(
        await kibana_users("obs_only"), case_request(owner=OBSERVABILITY), space="space1"
    )

    await refused(
        await kibana_users("obs_only"),
        db,
        "DELETE",
        f"/s/space1{CASES_URL}",
        403,
        f'Unauthorized to delete case with owners: "{SECURITY}, {OBSERVABILITY}"',
        params={"ids": json.dumps([security["id"], observability["id"]])},
    )
    await get_case(client, security["id"], space="space1")
    await get_case(client, observability["id"], space="space1")


@pytest.mark.parametrize(
    "username",
    ["global_read", "sec_only_read", "obs_only_read", "obs_sec_read", "no_kibana_privileges"],
)
async def test_a_user_without_write_privileges_deletes_nothing(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """delete_cases.ts: rbac, it(`User ${username} with role(s) ${roles.join()} - should NOT
    delete a case`)."""
    case = await create_case(client, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "DELETE",
        f"/s/space1{CASES_URL}",
        403,
        f'Unauthorized to delete case with owners: "{SECURITY}"',
        params={"ids": json.dumps([case["id"]])},
    )


async def test_a_case_in_a_space_without_privileges_is_not_deleted(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_cases.ts: rbac, it('should NOT delete a case in a space with no permissions')."""
    case = await create_case(client, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        f"/s/space2{CASES_URL}",
        403,
        f'Unauthorized to delete case with owners: "{SECURITY}"',
        params={"ids": json.dumps([case["id"]])},
    )


async def test_a_case_of_another_space_is_not_found(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_cases.ts: rbac, it('should NOT delete a case created in space2 by making a
    request to space1')."""
    case = await create_case(client, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        f"/s/space1{CASES_URL}",
        404,
        f"Saved object [cases/{case['id']}] not found",
        params={"ids": json.dumps([case["id"]])},
    )
