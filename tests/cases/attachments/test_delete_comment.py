"""DELETE /api/cases/{case_id}/comments[/{comment_id}]: Kibana's delete_comment.ts and
delete_comments.ts (security_and_spaces/tests/common/comments), ported.

Skipped: the `alerts` describes of both files (`removes a case from the alert schema ...`,
`should remove only one case`, and the variants by alert-index privileges): they read the
case ids Kibana writes into alert documents of Elasticsearch indices, and OpenCases keeps no
alert documents. That a `.files` attachment's file goes with it is the files tests' matter.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import ALERT_COMMENT, USER_COMMENT, comments_url, post_comment
from tests.cases.conftest import (
    CASES_URL,
    ELASTIC,
    SECURITY,
    create_case,
    get_case,
    refused,
    user_actions,
    user_ref,
)
from tests.configure.conftest import KibanaUsers

MULTIPLE_ALERTS: dict[str, Any] = {
    **ALERT_COMMENT,
    "alertId": ["test-id-1", "test-id-2"],
    "index": ["test-index", "test-index-2"],
}
ACTIONS_COMMENT: dict[str, Any] = {
    "comment": "comment text",
    "actions": {
        "targets": [{"hostname": "host-name", "endpointId": "endpoint-id"}],
        "type": "isolate",
    },
    "type": "actions",
    "owner": SECURITY,
}
LENS: dict[str, Any] = {
    "type": "persistableState",
    "persistableStateAttachmentTypeId": ".lens",
    "persistableStateAttachmentState": {"foo": "bar"},
    "owner": SECURITY,
}


async def delete_comment(
    client: httpx.AsyncClient, case_id: str, comment_id: str, *, space: str | None = None
) -> None:
    """Kibana's deleteComment: DELETE, 204 and no body."""
    response = await client.delete(f"{comments_url(case_id, space)}/{comment_id}")
    assert (response.status_code, response.content) == (204, b""), response.text


async def delete_all(client: httpx.AsyncClient, case_id: str, *, space: str | None = None) -> None:
    """Kibana's deleteAllComments: DELETE, 204 and no body."""
    response = await client.delete(comments_url(case_id, space))
    assert (response.status_code, response.content) == (204, b""), response.text


async def case_with(
    client: httpx.AsyncClient, *bodies: dict[str, Any], space: str | None = None
) -> dict[str, Any]:
    """A new securitySolution case holding `bodies`, as the last POST answers it."""
    case = await create_case(client, space=space)
    for body in bodies:
        case = await post_comment(client, case["id"], body, space=space)
    return case


async def comments_of(client: httpx.AsyncClient, case_id: str) -> list[dict[str, Any]]:
    """Every attachment of a case, as _resolve answers them."""
    response = await client.get(f"{CASES_URL}/{case_id}/resolve")
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["case"]["comments"]
    return result


def deletion(comment_id: str, comment: dict[str, Any]) -> dict[str, Any]:
    """The `comment`/`delete` user action of a comment: its request fields only."""
    return {
        "type": "comment",
        "action": "delete",
        "created_by": ELASTIC,
        "payload": {"comment": comment},
        "comment_id": comment_id,
        "owner": SECURITY,
    }


# --- delete_comment.ts --------------------------------------------------------------------


async def test_a_comment_is_deleted(client: httpx.AsyncClient) -> None:
    """delete_comment.ts: it('should delete a comment')."""
    posted = await case_with(client, USER_COMMENT, USER_COMMENT)
    first, second = posted["comments"]

    await delete_comment(client, posted["id"], first["id"])

    assert await comments_of(client, posted["id"]) == [second]
    response = await client.get(f"{comments_url(posted['id'])}/{first['id']}")
    assert response.status_code == 404


async def test_a_deletion_records_a_user_action_and_updates_the_case(
    client: httpx.AsyncClient,
) -> None:
    """delete_comment.ts: it('should delete a comment') (client/attachments/delete.ts: the
    case's stats, `updated_by` and version; the `delete` user action of the request fields)."""
    posted = await case_with(client, USER_COMMENT, MULTIPLE_ALERTS, ALERT_COMMENT)
    user, alerts, alert = posted["comments"]

    await delete_comment(client, posted["id"], user["id"])

    fetched = await get_case(client, posted["id"])
    assert (fetched["totalComment"], fetched["totalAlerts"]) == (0, 3)
    assert fetched["updated_by"] == ELASTIC
    assert fetched["version"] != posted["version"]
    assert fetched["updated_at"] >= posted["updated_at"]
    assert (await user_actions(client, posted["id"]))[4:] == [deletion(user["id"], USER_COMMENT)]

    await delete_comment(client, posted["id"], alert["id"])

    fetched = await get_case(client, posted["id"])
    assert (fetched["totalComment"], fetched["totalAlerts"]) == (0, 2)
    assert (await user_actions(client, posted["id"]))[5:] == [
        deletion(alert["id"], {**ALERT_COMMENT, "alertId": ["test-id"], "index": ["test-index"]})
    ]
    assert await comments_of(client, posted["id"]) == [alerts]


async def test_get_counts_distinct_alert_ids_after_a_deletion(client: httpx.AsyncClient) -> None:
    """client/attachments/delete.ts: updateCaseAttachmentStats counts user comments and
    distinct alert ids, where the POST answer counts every attachment and sums the ids."""
    case = await create_case(client)
    await post_comment(client, case["id"], MULTIPLE_ALERTS)
    posted = await post_comment(client, case["id"], ALERT_COMMENT)
    alert = posted["comments"][1]
    response = await client.patch(
        comments_url(case["id"]),
        json={
            "id": alert["id"],
            "version": alert["version"],
            **{**ALERT_COMMENT, "alertId": "test-id-1"},
        },
    )
    assert response.status_code == 200, response.text
    posted = await post_comment(client, case["id"], USER_COMMENT)
    assert (posted["totalComment"], posted["totalAlerts"]) == (3, 3)

    await delete_comment(client, case["id"], posted["comments"][2]["id"])

    fetched = await get_case(client, case["id"])
    assert (fetched["totalComment"], fetched["totalAlerts"]) == (0, 2)


async def test_a_comment_of_another_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """delete_comment.ts: it('404s when comment belongs to different case')."""
    posted = await case_with(client, USER_COMMENT)
    comment_id = posted["comments"][0]["id"]

    await refused(
        client,
        db,
        "DELETE",
        f"{comments_url('fake-id')}/{comment_id}",
        404,
        f"This comment {comment_id} does not exist in fake-id.",
    )


async def test_an_unknown_comment_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """delete_comment.ts: it('404s when comment is not there')."""
    await refused(
        client,
        db,
        "DELETE",
        f"{comments_url('fake-id')}/fake-id",
        404,
        "Saved object [cases-comments/fake-id] not found",
    )


async def test_a_user_with_the_owner_deletes_a_comment(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """delete_comment.ts: rbac, it('should delete a comment from the appropriate owner')."""
    posted = await case_with(client, USER_COMMENT, space="space1")

    await delete_comment(
        await kibana_users("sec_only"), posted["id"], posted["comments"][0]["id"], space="space1"
    )

    fetched = await get_case(client, posted["id"], space="space1")
    assert (fetched["totalComment"], fetched["updated_by"]) == (0, user_ref("sec_only"))


@pytest.mark.parametrize(
    "username",
    [
        "obs_only",
        "global_read",
        "sec_only_read",
        "obs_only_read",
        "obs_sec_read",
        "no_kibana_privileges",
    ],
)
async def test_users_without_write_access_to_the_owner_cannot_delete_a_comment(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """delete_comment.ts: rbac, it('should not delete a comment from a different owner')
    (obsOnly) and it(`User ${username} with role(s) ${roles} - should NOT delete a
    comment`)."""
    posted = await case_with(client, USER_COMMENT, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "DELETE",
        f"{comments_url(posted['id'], 'space1')}/{posted['comments'][0]['id']}",
        403,
        f'Unauthorized to delete comments with owners: "{SECURITY}"',
    )


async def test_a_comment_in_a_space_without_privileges_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_comment.ts: rbac, it('should NOT delete a comment in a space with where the user
    does not have permissions')."""
    posted = await case_with(client, USER_COMMENT, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        f"{comments_url(posted['id'], 'space2')}/{posted['comments'][0]['id']}",
        403,
        f'Unauthorized to delete comments with owners: "{SECURITY}"',
    )


async def test_a_comment_of_space2_is_not_found_from_space1(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_comment.ts: rbac, it('should NOT delete a comment created in space2 by making a
    request to space1')."""
    posted = await case_with(client, USER_COMMENT, space="space2")
    comment_id = posted["comments"][0]["id"]

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        f"{comments_url(posted['id'], 'space1')}/{comment_id}",
        404,
        f"Saved object [cases-comments/{comment_id}] not found",
    )


# --- delete_comments.ts -------------------------------------------------------------------


async def test_all_comments_are_deleted(client: httpx.AsyncClient) -> None:
    """delete_comments.ts: it('should delete all comments')."""
    posted = await case_with(client, USER_COMMENT, USER_COMMENT)

    await delete_all(client, posted["id"])

    assert await comments_of(client, posted["id"]) == []


async def test_every_type_of_attachment_is_deleted(client: httpx.AsyncClient) -> None:
    """delete_comments.ts: alerts, it('deletes alerts and comments') (its attachments, without
    the alert documents: every type goes, each with its `delete` user action)."""
    posted = await case_with(
        client, USER_COMMENT, MULTIPLE_ALERTS, ALERT_COMMENT, ACTIONS_COMMENT, LENS
    )
    assert (posted["totalComment"], posted["totalAlerts"]) == (5, 3)

    await delete_all(client, posted["id"])

    assert await comments_of(client, posted["id"]) == []
    fetched = await get_case(client, posted["id"])
    assert (fetched["totalComment"], fetched["totalAlerts"]) == (0, 0)
    assert fetched["updated_by"] == ELASTIC
    assert fetched["version"] != posted["version"]
    stored = [
        USER_COMMENT,
        MULTIPLE_ALERTS,
        {**ALERT_COMMENT, "alertId": ["test-id"], "index": ["test-index"]},
        ACTIONS_COMMENT,
        LENS,
    ]
    assert (await user_actions(client, posted["id"]))[6:] == [
        deletion(comment["id"], fields)
        for comment, fields in zip(posted["comments"], stored, strict=True)
    ]


async def test_a_case_without_comments_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """client/attachments/delete.ts deleteAll: `No comments found for ${caseID}.`, for a case
    that exists and holds none."""
    case = await create_case(client)

    await refused(
        client, db, "DELETE", comments_url(case["id"]), 404, f"No comments found for {case['id']}."
    )


async def test_all_comments_of_an_unknown_case_is_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """delete_comments.ts: it('404s when comment belongs to different case')."""
    await case_with(client, USER_COMMENT)

    await refused(
        client, db, "DELETE", comments_url("fake-id"), 404, "No comments found for fake-id."
    )


async def test_a_user_with_the_owner_deletes_all_comments(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """delete_comments.ts: rbac, it('should delete multiple comments from the appropriate
    owner')."""
    posted = await case_with(client, USER_COMMENT, USER_COMMENT, space="space1")

    await delete_all(await kibana_users("sec_only"), posted["id"], space="space1")

    fetched = await get_case(client, posted["id"], space="space1")
    assert (fetched["totalComment"], fetched["updated_by"]) == (0, user_ref("sec_only"))


@pytest.mark.parametrize(
    "username",
    [
        "obs_only",
        "global_read",
        "sec_only_read",
        "obs_only_read",
        "obs_sec_read",
        "no_kibana_privileges",
    ],
)
async def test_users_without_write_access_to_the_owner_cannot_delete_all(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """delete_comments.ts: rbac, it('should not delete a comment from a different owner')
    (obsOnly) and it(`User ${username} with role(s) ${roles} - should NOT delete all
    comments`)."""
    posted = await case_with(client, USER_COMMENT, USER_COMMENT, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "DELETE",
        comments_url(posted["id"], "space1"),
        403,
        f'Unauthorized to delete comments with owners: "{SECURITY}"',
    )


async def test_all_comments_in_a_space_without_privileges_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_comments.ts: rbac, it('should NOT delete a comment in a space with where the user
    does not have permissions')."""
    posted = await case_with(client, USER_COMMENT, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        comments_url(posted["id"], "space2"),
        403,
        f'Unauthorized to delete comments with owners: "{SECURITY}"',
    )


async def test_all_comments_of_space2_are_not_found_from_space1(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """delete_comments.ts: rbac, it('should NOT delete a comment created in space2 by making a
    request to space1')."""
    posted = await case_with(client, USER_COMMENT, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        comments_url(posted["id"], "space1"),
        404,
        f"No comments found for {posted['id']}.",
    )
