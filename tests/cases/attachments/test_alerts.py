"""The alerts routes: Kibana's get_alerts_attached_to_case.ts and get_cases.ts, ported.

x-pack/platform/test/cases_api_integration/security_and_spaces/tests/common/alerts/:
`get_alerts_attached_to_case.ts` (GET /api/cases/{case_id}/alerts) and `get_cases.ts`
(GET /api/cases/alerts/{alert_id}). Responses follow the io-ts era of Kibana 9 (`totals`
without `events`).

Skipped: what needs alert documents in Elasticsearch (OpenCases keeps none: an alert is
only the id and index an attachment names), and licensing. Kibana's superUser is our
`elastic`; its owner fixtures are our securitySolution and observability.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import post_comment
from tests.cases.conftest import (
    CASES_URL,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    delete_cases,
    refused,
    space_prefix,
)
from tests.configure.conftest import KibanaUsers

# Kibana's postCommentAlertReq and postCommentUserReq (common/lib/mock.ts), our owner.
RULE = {"id": "test-rule-id", "name": "test-index-id"}


def alert_request(
    alert_id: str | list[str] = "test-id",
    index: str | list[str] = "test-index",
    owner: str = SECURITY,
) -> dict[str, Any]:
    """Kibana's postCommentAlertReq with an alert id, an index and an owner."""
    return {"type": "alert", "alertId": alert_id, "index": index, "rule": RULE, "owner": owner}


def user_comment(owner: str = SECURITY) -> dict[str, Any]:
    """Kibana's postCommentUserReq."""
    return {"type": "user", "comment": "This is a cool comment", "owner": owner}


async def alerts_of_case(
    client: httpx.AsyncClient, case_id: str, *, space: str | None = None
) -> list[dict[str, Any]]:
    """Kibana's getAlertsAttachedToCase: GET /api/cases/{id}/alerts, expect 200."""
    response = await client.get(f"{space_prefix(space)}{CASES_URL}/{case_id}/alerts")
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def cases_of_alert(
    client: httpx.AsyncClient,
    alert_id: str,
    *,
    owner: str | list[str] | None = None,
    space: str | None = None,
) -> list[dict[str, Any]]:
    """Kibana's getCasesByAlert: GET /api/cases/alerts/{alert_id}[?owner=], expect 200."""
    params = {} if owner is None else {"owner": owner}
    response = await client.get(
        f"{space_prefix(space)}{CASES_URL}/alerts/{alert_id}", params=params
    )
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def related(case: dict[str, Any], *, alerts: int = 1, user_comments: int = 0) -> dict[str, Any]:
    """How GET /api/cases/alerts/{id} describes a case (Kibana's RelatedCaseRt)."""
    return {
        "id": case["id"],
        "title": case["title"],
        "description": case["description"],
        "status": case["status"],
        "createdAt": case["created_at"],
        "totals": {"alerts": alerts, "userComments": user_comments},
    }


def attached(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The alerts of a case's alert attachments, as GET /api/cases/{id}/alerts lists them."""
    return [
        {"id": alert_id, "index": index, "attached_at": comment["created_at"]}
        for comment in case["comments"]
        if comment["type"] == "alert"
        for alert_id, index in zip(comment["alertId"], comment["index"], strict=True)
    ]


async def version(client: httpx.AsyncClient, case: dict[str, Any]) -> str:
    """A case's current version."""
    response = await client.get(f"{CASES_URL}/{case['id']}")
    assert response.status_code == 200, response.text
    result: str = response.json()["version"]
    return result


# --- GET /api/cases/{case_id}/alerts ----------------------------------------------------


async def test_the_alerts_of_a_case_are_listed_in_attachment_order(
    client: httpx.AsyncClient,
) -> None:
    """get_alerts_attached_to_case.ts: it('should return all alerts for the specified case
    id')."""
    case = await create_case(client)
    await post_comment(client, case["id"], alert_request())
    updated = await post_comment(client, case["id"], alert_request("test-id-2", "test-index-2"))

    alerts = await alerts_of_case(client, case["id"])

    comments = updated["comments"]
    assert alerts == [
        {"id": "test-id", "index": "test-index", "attached_at": comments[0]["created_at"]},
        {"id": "test-id-2", "index": "test-index-2", "attached_at": comments[1]["created_at"]},
    ]


async def test_every_id_of_an_attachment_is_listed_and_other_attachments_are_not(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases' own: an attachment of several alerts lists each, with its index; user
    comments are not alerts."""
    case = await create_case(client)
    await post_comment(client, case["id"], user_comment())
    await post_comment(client, case["id"], alert_request(["a-1", "a-2"], ["index-1", "index-2"]))
    updated = await post_comment(client, case["id"], alert_request("a-3", "index-3"))

    alerts = await alerts_of_case(client, case["id"])

    at = [comment["created_at"] for comment in updated["comments"]]
    assert alerts == [
        {"id": "a-1", "index": "index-1", "attached_at": at[1]},
        {"id": "a-2", "index": "index-2", "attached_at": at[1]},
        {"id": "a-3", "index": "index-3", "attached_at": at[2]},
    ]
    assert alerts == attached(updated)


async def test_a_case_without_alerts_has_an_empty_list(client: httpx.AsyncClient) -> None:
    """OpenCases' own: a case with a user comment only."""
    case = await create_case(client)
    await post_comment(client, case["id"], user_comment())

    assert await alerts_of_case(client, case["id"]) == []


async def test_a_deleted_alert_attachment_is_no_longer_listed(client: httpx.AsyncClient) -> None:
    """OpenCases' own: deleting the attachment detaches its alerts."""
    case = await create_case(client)
    first = await post_comment(client, case["id"], alert_request("gone", "index-1"))
    updated = await post_comment(client, case["id"], alert_request("kept", "index-2"))
    response = await client.delete(
        f"{CASES_URL}/{case['id']}/comments/{first['comments'][0]['id']}"
    )
    assert response.status_code == 204, response.text

    alerts = await alerts_of_case(client, case["id"])

    assert alerts == [
        {"id": "kept", "index": "index-2", "attached_at": updated["comments"][1]["created_at"]}
    ]


async def test_the_alerts_of_an_unknown_case_are_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """get_alerts_attached_to_case.ts: it('should return a 404 when case does not exist')."""
    await refused(
        client,
        db,
        "GET",
        f"{CASES_URL}/not-exists/alerts",
        404,
        "Saved object [cases/not-exists] not found",
    )


async def test_an_empty_case_id_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """get_alerts_attached_to_case.ts: it('should return a 404 when case id is empty')
    (`/api/cases//alerts` is no route)."""
    await refused(client, db, "GET", f"{CASES_URL}//alerts", 404, "Not Found")


@pytest.mark.parametrize(
    ("username", "owner"),
    [
        ("global_read", SECURITY),
        ("elastic", SECURITY),
        ("sec_only", SECURITY),
        ("sec_only_read", SECURITY),
        ("obs_only", OBSERVABILITY),
        ("obs_only_read", OBSERVABILITY),
        ("obs_sec_read", SECURITY),
        ("obs_sec", SECURITY),
    ],
)
async def test_readers_of_the_owner_get_the_alerts(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, owner: str
) -> None:
    """get_alerts_attached_to_case.ts: rbac, it('should return the correct alert')."""
    case = await create_case(client, case_request(owner=owner), space="space1")
    await post_comment(client, case["id"], alert_request(owner=owner), space="space1")
    updated = await post_comment(
        client, case["id"], alert_request("test-id-2", "test-index-2", owner), space="space1"
    )
    user = client if username == "elastic" else await kibana_users(username)

    alerts = await alerts_of_case(user, case["id"], space="space1")

    assert alerts == attached(updated)
    assert [alert["id"] for alert in alerts] == ["test-id", "test-id-2"]


@pytest.mark.parametrize(
    ("username", "space"),
    [
        ("no_kibana_privileges", "space1"),
        ("obs_only", "space1"),
        ("obs_only_read", "space1"),
        ("sec_only", "space2"),
    ],
)
async def test_users_without_access_to_the_case_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, space: str
) -> None:
    """get_alerts_attached_to_case.ts: rbac, `User ${username} with role(s) ${roles} and
    space ${space} - should not get alerts` (the parent case's 403)."""
    case = await create_case(client, space=space)
    await post_comment(client, case["id"], alert_request(), space=space)

    await refused(
        await kibana_users(username),
        db,
        "GET",
        f"/s/{space}{CASES_URL}/{case['id']}/alerts",
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
    )


# --- GET /api/cases/alerts/{alert_id} ---------------------------------------------------


async def test_every_case_of_an_alert_is_returned(client: httpx.AsyncClient) -> None:
    """get_cases.ts: it('should return all cases with the same alert ID attached to them')."""
    cases = [await create_case(client) for _ in range(3)]
    for case in cases:
        await post_comment(client, case["id"], alert_request())

    found = await cases_of_alert(client, "test-id")

    assert found == [related(case) for case in cases]


async def test_more_than_100_cases_are_returned(client: httpx.AsyncClient) -> None:
    """get_cases.ts: it('should return all cases with the same alert ID when more than 100
    cases')."""
    cases = [await create_case(client) for _ in range(102)]
    for case in cases:
        await post_comment(client, case["id"], alert_request())

    found = await cases_of_alert(client, "test-id")

    assert len(found) == 102
    assert found == [related(case) for case in cases]


async def test_an_alert_attached_to_no_case_has_none(client: httpx.AsyncClient) -> None:
    """get_cases.ts: it('should return no cases when the alert ID is not found')."""
    case = await create_case(client)
    await post_comment(client, case["id"], alert_request())

    assert await cases_of_alert(client, "test-id100") == []


async def test_an_owner_filter_may_leave_no_case(client: httpx.AsyncClient) -> None:
    """get_cases.ts: it('should return no cases when the owner filters them out')."""
    case = await create_case(client)
    await post_comment(client, case["id"], alert_request())

    assert await cases_of_alert(client, "test-id", owner="not-real") == []


async def test_an_empty_alert_id_is_no_route(client: httpx.AsyncClient, db: Database) -> None:
    """get_cases.ts: it('should return a 302 when passing an empty alertID').

    Kibana's 302 is its trailing-slash redirect to `/api/cases/alerts`, itself no route;
    OpenCases redirects no trailing slash (opencases.router) and answers the 404 at once.
    """
    await refused(client, db, "GET", f"{CASES_URL}/alerts/", 404, "Not Found")


async def test_the_alert_total_counts_each_alert_once(client: httpx.AsyncClient) -> None:
    """get_cases.ts: attachment stats, it('should only count unique alert ids in the alert
    totals')."""
    one = await create_case(client)
    two = await create_case(client)
    await post_comment(client, one["id"], alert_request())
    await post_comment(client, one["id"], alert_request())
    await post_comment(client, one["id"], alert_request(["test-id", "other"], ["i", "i"]))
    await post_comment(client, two["id"], alert_request())

    found = await cases_of_alert(client, "test-id")

    assert found == [related(one, alerts=2), related(two)]


async def test_the_user_comments_are_counted(client: httpx.AsyncClient) -> None:
    """get_cases.ts: attachment stats, it('should get the total number of user comments
    attached to a case')."""
    one = await create_case(client)
    two = await create_case(client)
    await post_comment(client, one["id"], alert_request())
    await post_comment(client, two["id"], alert_request())
    await post_comment(client, two["id"], user_comment())
    await post_comment(client, two["id"], user_comment())

    found = await cases_of_alert(client, "test-id")

    assert found == [related(one), related(two, user_comments=2)]


async def test_a_closed_case_shows_its_status(client: httpx.AsyncClient) -> None:
    """OpenCases' own: the status is the case's current one."""
    case = await create_case(client)
    await post_comment(client, case["id"], alert_request())
    response = await client.patch(
        CASES_URL,
        json={
            "cases": [
                {"id": case["id"], "version": (await version(client, case)), "status": "closed"}
            ]
        },
    )
    assert response.status_code == 200, response.text

    found = await cases_of_alert(client, "test-id")

    assert found == [{**related(case), "status": "closed"}]


async def test_deleted_cases_and_attachments_no_longer_count(client: httpx.AsyncClient) -> None:
    """OpenCases' own: a deleted case, or a deleted alert attachment, relates no more."""
    gone = await create_case(client)
    detached = await create_case(client)
    kept = await create_case(client)
    for case in (gone, detached, kept):
        await post_comment(client, case["id"], alert_request())
    comment = (await alerts_of_case(client, detached["id"]))[0]
    assert comment["id"] == "test-id"
    response = await client.delete(f"{CASES_URL}/{detached['id']}/comments")
    assert response.status_code == 204, response.text
    await delete_cases(client, [gone["id"]])

    assert await cases_of_alert(client, "test-id") == [related(kept)]


async def test_the_cases_of_other_spaces_are_not_returned(client: httpx.AsyncClient) -> None:
    """OpenCases' own: an alert is looked up in the request's space only."""
    await client.post("/api/spaces/space", json={"id": "other", "name": "Other"})
    here = await create_case(client)
    there = await create_case(client, space="other")
    await post_comment(client, here["id"], alert_request())
    await post_comment(client, there["id"], alert_request(), space="other")

    assert await cases_of_alert(client, "test-id") == [related(here)]
    assert await cases_of_alert(client, "test-id", space="other") == [related(there)]


async def space1_cases(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """get_cases.ts rbac's three cases of space1 (sec, sec, obs), each with `test-id`."""
    cases = [
        await create_case(client, case_request(owner=owner), space="space1")
        for owner in (SECURITY, SECURITY, OBSERVABILITY)
    ]
    for case in cases:
        await post_comment(client, case["id"], alert_request(owner=case["owner"]), space="space1")
    return cases


@pytest.mark.parametrize(
    ("username", "owners"),
    [
        ("global_read", (SECURITY, OBSERVABILITY)),
        ("elastic", (SECURITY, OBSERVABILITY)),
        ("obs_sec_read", (SECURITY, OBSERVABILITY)),
        ("sec_only_read", (SECURITY,)),
        ("obs_only_read", (OBSERVABILITY,)),
    ],
)
async def test_users_get_the_cases_of_the_owners_they_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, owners: tuple[str, ...]
) -> None:
    """get_cases.ts: rbac, it('should return the correct cases info')."""
    cases = await space1_cases(client)
    user = client if username == "elastic" else await kibana_users(username)

    found = await cases_of_alert(user, "test-id", space="space1")

    assert found == [related(case) for case in cases if case["owner"] in owners]


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_users_without_any_owner_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, space: str
) -> None:
    """get_cases.ts: rbac, `User ${username} with role(s) ${roles} and space ${space} - should
    not get cases`."""
    case = await create_case(client, space=space)
    await post_comment(client, case["id"], alert_request(), space=space)

    await refused(
        await kibana_users(username),
        db,
        "GET",
        f"/s/{space}{CASES_URL}/alerts/test-id",
        403,
        "Unauthorized to access cases of any owner",
    )


async def test_the_owner_filter_is_respected(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_cases.ts: rbac, it('should respect the owner filter when have permissions')."""
    cases = await space1_cases(client)

    found = await cases_of_alert(
        await kibana_users("obs_sec"), "test-id", owner=SECURITY, space="space1"
    )

    assert found == [related(cases[0]), related(cases[1])]


async def test_unprivileged_owners_of_the_filter_are_left_out(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_cases.ts: rbac, it('should return the correct cases info when the owner query
    parameter contains unprivileged values')."""
    cases = await space1_cases(client)

    found = await cases_of_alert(
        await kibana_users("sec_only"),
        "test-id",
        owner=[SECURITY, OBSERVABILITY],
        space="space1",
    )

    assert found == [related(cases[0]), related(cases[1])]


async def test_an_unknown_query_parameter_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after Kibana's decodeWithExcessOrThrow of CasesByAlertIDRequestRt."""
    await refused(
        client,
        db,
        "GET",
        f"{CASES_URL}/alerts/test-id",
        400,
        'invalid keys "foo"',
        params={"foo": "bar"},
    )
