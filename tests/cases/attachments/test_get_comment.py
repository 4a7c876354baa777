"""GET /api/cases/{case_id}/comments/{comment_id}: Kibana's get_comment.ts (security_and_spaces/
tests/common/comments), ported; and GET /api/cases/{case_id}/resolve with comments
(resolve_case.ts, whose default `includeComments` answers them).

Nothing skipped: the file has no alert-index tests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import ALERT_COMMENT, USER_COMMENT, comments_url, post_comment
from tests.cases.conftest import (
    CASES_URL,
    SECURITY,
    create_case,
    get_case,
    refused,
)
from tests.configure.conftest import KibanaUsers


async def get_comment(
    client: httpx.AsyncClient, case_id: str, comment_id: str, *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's getComment: GET, 200, the attachment."""
    response = await client.get(f"{comments_url(case_id, space)}/{comment_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def case_with(
    client: httpx.AsyncClient, *bodies: dict[str, Any], space: str | None = None
) -> dict[str, Any]:
    """A new securitySolution case holding `bodies`, as the last POST answers it."""
    case = await create_case(client, space=space)
    for body in bodies:
        case = await post_comment(client, case["id"], body, space=space)
    return case


async def test_a_comment_is_answered_as_the_case_holds_it(client: httpx.AsyncClient) -> None:
    """get_comment.ts: it('should get a comment')."""
    posted = await case_with(client, USER_COMMENT)

    comment = await get_comment(client, posted["id"], posted["comments"][0]["id"])

    assert comment == posted["comments"][0]


async def test_an_alert_is_answered_with_its_arrays(client: httpx.AsyncClient) -> None:
    """get_comment.ts: it('should get a comment'), for an alert (stored with array ids)."""
    posted = await case_with(client, USER_COMMENT, ALERT_COMMENT)

    alert = await get_comment(client, posted["id"], posted["comments"][1]["id"])

    assert alert == posted["comments"][1]
    assert (alert["alertId"], alert["index"]) == (["test-id"], ["test-index"])


async def test_a_patched_comment_is_answered_patched(client: httpx.AsyncClient) -> None:
    """get_comment.ts: it('should get a comment'), after a PATCH."""
    posted = await case_with(client, USER_COMMENT)
    comment = posted["comments"][0]
    response = await client.patch(
        comments_url(posted["id"]),
        json={
            "id": comment["id"],
            "version": comment["version"],
            **{**USER_COMMENT, "comment": "new"},
        },
    )
    assert response.status_code == 200, response.text

    assert (
        await get_comment(client, posted["id"], comment["id"]) == (response.json()["comments"][0])
    )


async def test_kibana_9_answers_a_comment_through_another_case(client: httpx.AsyncClient) -> None:
    """client/attachments/get.ts `get` (io-ts era): the comment's case is not checked."""
    posted = await case_with(client, USER_COMMENT)
    other = await create_case(client)

    comment = await get_comment(client, other["id"], posted["comments"][0]["id"])

    assert comment == posted["comments"][0]


async def test_an_unknown_comment_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """get_comment.ts: it('unhappy path - 404s when comment is not there')."""
    await refused(
        client,
        db,
        "GET",
        f"{comments_url('fake-id')}/fake-id",
        404,
        "Saved object [cases-comments/fake-id] not found",
    )


async def test_a_deleted_comment_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """get_comment.ts: it('unhappy path - 404s when comment is not there'), once deleted."""
    posted = await case_with(client, USER_COMMENT)
    comment_id = posted["comments"][0]["id"]
    response = await client.delete(f"{comments_url(posted['id'])}/{comment_id}")
    assert response.status_code == 204

    await refused(
        client,
        db,
        "GET",
        f"{comments_url(posted['id'])}/{comment_id}",
        404,
        f"Saved object [cases-comments/{comment_id}] not found",
    )


@pytest.mark.parametrize(
    "username",
    ["global_read", "elastic", "sec_only", "sec_only_read", "obs_sec", "obs_sec_read"],
)
async def test_users_with_read_access_to_the_owner_get_a_comment(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str
) -> None:
    """get_comment.ts: rbac, it('should get a comment when the user has the correct
    permissions') (superUser: our `elastic`)."""
    posted = await case_with(client, USER_COMMENT, space="space1")
    user = client if username == "elastic" else await kibana_users(username)

    comment = await get_comment(user, posted["id"], posted["comments"][0]["id"], space="space1")

    assert comment == posted["comments"][0]


@pytest.mark.parametrize("username", ["no_kibana_privileges", "obs_only", "obs_only_read"])
async def test_users_without_read_access_to_the_owner_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """get_comment.ts: rbac, it('should not get comment when the user does not have correct
    permissions')."""
    posted = await case_with(client, USER_COMMENT, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "GET",
        f"{comments_url(posted['id'], 'space1')}/{posted['comments'][0]['id']}",
        403,
        f'Unauthorized to access comments with owners: "{SECURITY}"',
    )


async def test_a_comment_in_a_space_without_privileges_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """get_comment.ts: rbac, it('should NOT get a case in a space with no permissions')."""
    posted = await case_with(client, USER_COMMENT, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "GET",
        f"{comments_url(posted['id'], 'space2')}/{posted['comments'][0]['id']}",
        403,
        f'Unauthorized to access comments with owners: "{SECURITY}"',
    )


# --- GET /api/cases/{case_id}/resolve -----------------------------------------------------


async def test_resolve_answers_the_case_with_its_comments(client: httpx.AsyncClient) -> None:
    """resolve_case.ts: it('should resolve a case'), with comments: the case as the last POST
    of a comment answered it (every attachment counted, alert ids summed)."""
    case = await create_case(client)
    await post_comment(client, case["id"], USER_COMMENT)
    await post_comment(
        client,
        case["id"],
        {**ALERT_COMMENT, "alertId": ["test-id-1", "test-id-2"], "index": ["i1", "i2"]},
    )
    posted = await post_comment(client, case["id"], ALERT_COMMENT)

    response = await client.get(f"{CASES_URL}/{case['id']}/resolve")

    assert response.status_code == 200, response.text
    assert response.json() == {"case": posted, "outcome": "exactMatch"}
    assert (posted["totalComment"], posted["totalAlerts"]) == (3, 3)
    assert [c["type"] for c in posted["comments"]] == ["user", "alert", "alert"]
    fetched = await get_case(client, case["id"])
    assert (fetched["totalComment"], fetched["totalAlerts"]) == (1, 3)
    assert fetched == {
        k: v for k, v in posted.items() if k not in ("comments", "totalComment", "totalAlerts")
    } | {"totalComment": 1, "totalAlerts": 3}


async def test_resolve_answers_the_comments_left_after_deletes(client: httpx.AsyncClient) -> None:
    """resolve_case.ts: it('should resolve a case'), after a comment and then all are deleted."""
    case = await create_case(client)
    await post_comment(client, case["id"], USER_COMMENT)
    posted = await post_comment(client, case["id"], ALERT_COMMENT)
    first, second = posted["comments"]
    url = f"{CASES_URL}/{case['id']}/resolve"

    response = await client.delete(f"{comments_url(case['id'])}/{first['id']}")
    assert response.status_code == 204
    resolved = (await client.get(url)).json()["case"]
    assert (resolved["comments"], resolved["totalComment"], resolved["totalAlerts"]) == (
        [second],
        1,
        1,
    )

    response = await client.delete(comments_url(case["id"]))
    assert response.status_code == 204
    resolved = (await client.get(url)).json()["case"]
    assert (resolved["comments"], resolved["totalComment"], resolved["totalAlerts"]) == (
        [],
        0,
        0,
    )
    assert resolved == {**(await get_case(client, case["id"])), "comments": []}
