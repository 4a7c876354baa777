"""PATCH /api/cases/{case_id}/comments: Kibana's patch_comment.ts (security_and_spaces/tests/
common/comments), ported.

Kibana's AttachmentRequestRt is a plain io-ts union: a body no member decodes is answered
with every member's errors (`union_refusal`).

Nothing skipped: the file has no alert-index tests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import (
    ALERT_COMMENT,
    USER_COMMENT,
    comments_url,
    post_comment,
    union_refusal,
)
from tests.cases.conftest import (
    CASES_URL,
    ELASTIC,
    SECURITY,
    case_response,
    create_case,
    get_case,
    refused,
    update_cases,
    user_actions,
    user_ref,
    without_server_fields,
)
from tests.configure.conftest import KibanaUsers

# Kibana's mock.ts fixtures, for our owners.
FILE_METADATA: dict[str, Any] = {
    "files": [
        {
            "name": "test_file",
            "extension": "png",
            "mimeType": "image/png",
            "created": "2023-02-27T20:26:54.345Z",
        }
    ]
}
NEW_COMMENT = "Well I decided to update my comment. So what? Deal with it."
# What removeServerGeneratedPropertiesFromSavedObject drops from an attachment.
ATTACHMENT_SERVER_FIELDS = ("id", "version", "created_at", "updated_at")


def files_request(**overrides: Any) -> dict[str, Any]:
    """Kibana's getFilesAttachmentReq(overrides)."""
    return {
        "type": "externalReference",
        "externalReferenceStorage": {"type": "savedObject", "soType": "file"},
        "externalReferenceAttachmentTypeId": ".files",
        "externalReferenceMetadata": FILE_METADATA,
        "externalReferenceId": "file-id",
        "owner": SECURITY,
        **overrides,
    }


async def patch_comment(
    client: httpx.AsyncClient,
    case_id: str,
    body: dict[str, Any],
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's updateComment: PATCH, 200, the case with its comments."""
    response = await client.patch(comments_url(case_id, space), json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def edit(attachment: dict[str, Any], /, **fields: Any) -> dict[str, Any]:
    """A PATCH body: the attachment's id and version, and its whole new content."""
    return {"id": attachment["id"], "version": attachment["version"], **fields}


def stripped(attachment: dict[str, Any]) -> dict[str, Any]:
    """An attachment without its server fields."""
    return {k: v for k, v in attachment.items() if k not in ATTACHMENT_SERVER_FIELDS}


async def case_with(
    client: httpx.AsyncClient, body: dict[str, Any], *, space: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new securitySolution case holding one attachment: (the case, the attachment)."""
    case = await create_case(client, space=space)
    posted = await post_comment(client, case["id"], body, space=space)
    return posted, posted["comments"][0]


# --- happy path ---------------------------------------------------------------------------


async def test_a_comment_is_patched(client: httpx.AsyncClient) -> None:
    """patch_comment.ts: it('should patch a comment')."""
    posted, comment = await case_with(client, USER_COMMENT)
    body = edit(comment, comment=NEW_COMMENT, type="user", owner=SECURITY)

    updated = await patch_comment(client, posted["id"], body)

    patched = updated["comments"][0]
    assert without_server_fields({**updated, "comments": []}) == case_response(
        updated_by=ELASTIC, totalComment=1
    )
    assert stripped(patched) == {
        "comment": NEW_COMMENT,
        "type": "user",
        "owner": SECURITY,
        "created_by": ELASTIC,
        "pushed_at": None,
        "pushed_by": None,
        "updated_by": ELASTIC,
    }
    assert patched["id"] == comment["id"]
    assert patched["created_at"] == comment["created_at"]
    assert patched["updated_at"] is not None
    assert patched["version"] != comment["version"]
    assert updated["version"] != posted["version"]
    assert updated["updated_at"] >= posted["updated_at"]
    assert await get_case(client, posted["id"]) == {
        k: v for k, v in updated.items() if k != "comments"
    }


async def test_a_patch_records_an_update_user_action(client: httpx.AsyncClient) -> None:
    """patch_comment.ts: it('should patch a comment') (the user action
    CaseCommentModel.updateComment writes: the request without its id and version)."""
    posted, comment = await case_with(client, USER_COMMENT)

    await patch_comment(
        client, posted["id"], edit(comment, **{**USER_COMMENT, "comment": NEW_COMMENT})
    )

    actions = await user_actions(client, posted["id"])
    assert [(a["type"], a["action"]) for a in actions] == [
        ("create_case", "create"),
        ("comment", "create"),
        ("comment", "update"),
    ]
    assert actions[2] == {
        "type": "comment",
        "action": "update",
        "created_by": ELASTIC,
        "payload": {"comment": {"comment": NEW_COMMENT, "type": "user", "owner": SECURITY}},
        "comment_id": comment["id"],
        "owner": SECURITY,
    }


async def test_an_alert_is_patched_keeping_a_string_id(client: httpx.AsyncClient) -> None:
    """patch_comment.ts: it('should patch an alert') (PATCH stores the ids as sent: Kibana
    normalises them to arrays only when creating)."""
    posted, comment = await case_with(client, ALERT_COMMENT)
    new = {
        "type": "alert",
        "alertId": "new-id",
        "index": "test-index",
        "rule": {"id": "id", "name": "name"},
        "owner": SECURITY,
    }

    updated = await patch_comment(client, posted["id"], edit(comment, **new))

    assert [stripped(item) for item in updated["comments"]] == [
        {
            **new,
            "created_by": ELASTIC,
            "pushed_at": None,
            "pushed_by": None,
            "updated_by": ELASTIC,
        }
    ]
    assert (updated["totalComment"], updated["totalAlerts"]) == (1, 1)
    assert (await user_actions(client, posted["id"]))[2]["payload"] == {"comment": new}
    response = await client.get(f"{CASES_URL}/{posted['id']}/alerts")
    assert [(a["id"], a["index"]) for a in response.json()] == [("new-id", "test-index")]


async def test_the_patch_answer_sums_alert_ids_and_get_counts_them_once(
    client: httpx.AsyncClient,
) -> None:
    """patch_comment.ts: it('should patch an alert') (the totals of Kibana's two paths: the
    PATCH answer, encodeWithComments, counts every attachment and sums the alert ids; GET
    counts the user comments and the distinct alert ids)."""
    case = await create_case(client)
    await post_comment(client, case["id"], USER_COMMENT)
    await post_comment(
        client,
        case["id"],
        {**ALERT_COMMENT, "alertId": ["test-id-1", "test-id-2"], "index": ["i1", "i2"]},
    )
    posted = await post_comment(client, case["id"], ALERT_COMMENT)
    alert = posted["comments"][2]

    updated = await patch_comment(
        client, case["id"], edit(alert, **{**ALERT_COMMENT, "alertId": "test-id-1"})
    )

    assert (updated["totalComment"], updated["totalAlerts"]) == (3, 3)
    fetched = await get_case(client, case["id"])
    assert (fetched["totalComment"], fetched["totalAlerts"]) == (1, 2)


async def test_the_owner_of_a_comment_cannot_change(
    client: httpx.AsyncClient, db: Database
) -> None:
    """patch_comment.ts: it('should not allow updating the owner of a comment')."""
    posted, comment = await case_with(client, USER_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        "You cannot change the owner of the comment.",
        json=edit(comment, **{**USER_COMMENT, "owner": "changedOwner"}),
    )


async def test_an_unknown_comment_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """patch_comment.ts: it('unhappy path - 404s when comment is not there')."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(case["id"]),
        404,
        "Saved object [cases-comments/id] not found",
        json={"id": "id", "version": "version", **USER_COMMENT, "comment": "comment"},
    )


async def test_an_unknown_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """patch_comment.ts: it('unhappy path - 404s when case is not there') (Kibana reads the
    comment first: `id` names none)."""
    await refused(
        client,
        db,
        "PATCH",
        comments_url("fake-id"),
        404,
        "Saved object [cases-comments/id] not found",
        json={"id": "id", "version": "version", **USER_COMMENT, "comment": "comment"},
    )


async def test_an_existing_comment_of_an_unknown_case_is_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """patch_comment.ts: it('unhappy path - 404s when case is not there'), with a comment that
    exists: CaseCommentModel.create reads the case after the authorization."""
    _, comment = await case_with(client, USER_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url("fake-id"),
        404,
        "Saved object [cases/fake-id] not found",
        json=edit(comment, **USER_COMMENT),
    )


async def test_a_comment_of_another_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """client/attachments/update.ts: the comment's case reference must be the case's (Kibana's
    message ends with a stray parenthesis)."""
    _, comment = await case_with(client, USER_COMMENT)
    other = await create_case(client)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(other["id"]),
        404,
        f"This comment {comment['id']} does not exist in {other['id']}).",
        json=edit(comment, **USER_COMMENT),
    )


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        (
            ",".join(["a"] * 30001),
            "The length of the comment is too long. The maximum length is 30000.",
        ),
        ("", "The comment field cannot be an empty string."),
        ("   ", "The comment field cannot be an empty string."),
    ],
    ids=["too long", "empty", "blank"],
)
async def test_a_bad_comment_is_refused(
    client: httpx.AsyncClient, db: Database, comment: str, message: str
) -> None:
    """patch_comment.ts: it('unhappy path - 400s when comment is too long'), it('unhappy path
    - 400s when comment is empty'), it('unhappy path - 400s when comment is a string of empty
    characters')."""
    posted, stored = await case_with(client, USER_COMMENT)
    body = edit(stored, **{**USER_COMMENT, "comment": comment})
    expected = union_refusal(body, comment=message)

    await refused(client, db, "PATCH", comments_url(posted["id"]), 400, expected, json=body)


async def test_the_type_of_a_comment_cannot_change(client: httpx.AsyncClient, db: Database) -> None:
    """patch_comment.ts: it('unhappy path - 400s when trying to change comment type')."""
    posted, comment = await case_with(client, USER_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        "You cannot change the type of the comment.",
        json=edit(comment, **{**ALERT_COMMENT, "rule": {"id": "id", "name": "name"}}),
    )


async def test_a_body_without_attributes_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """patch_comment.ts: it('unhappy path - 400s when missing attributes for type user')."""
    posted, comment = await case_with(client, USER_COMMENT)

    body = edit(comment)

    await refused(
        client, db, "PATCH", comments_url(posted["id"]), 400, union_refusal(body), json=body
    )


async def test_a_patch_without_a_version_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """client/attachments/update.ts: AttachmentPatchRequestRt requires `version`."""
    posted, comment = await case_with(client, USER_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        'Invalid value "undefined" supplied to "version"',
        json={"id": comment["id"], **USER_COMMENT},
    )


@pytest.mark.parametrize("attribute", ["alertId", "index"])
async def test_excess_attributes_of_a_user_comment_are_refused(
    client: httpx.AsyncClient, db: Database, attribute: str
) -> None:
    """patch_comment.ts: it('unhappy path - 400s when adding excess attributes for type
    user')."""
    posted, comment = await case_with(client, USER_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        f'invalid keys "{attribute}"',
        json=edit(comment, **{**USER_COMMENT, "comment": "a comment", **{attribute: attribute}}),
    )


@pytest.mark.parametrize("attribute", ["alertId", "index"])
async def test_missing_attributes_of_an_alert_are_refused(
    client: httpx.AsyncClient, db: Database, attribute: str
) -> None:
    """patch_comment.ts: it('unhappy path - 400s when missing attributes for type alert')
    (Kibana's body has no owner either)."""
    posted, comment = await case_with(client, ALERT_COMMENT)
    attributes = {
        "type": "alert",
        "index": "test-index",
        "alertId": "test-id",
        "rule": {"id": "id", "name": "name"},
    }
    del attributes[attribute]

    body = edit(comment, **attributes)

    await refused(
        client, db, "PATCH", comments_url(posted["id"]), 400, union_refusal(body), json=body
    )


async def test_excess_attributes_of_an_alert_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """patch_comment.ts: it('unhappy path - 400s when adding excess attributes for type
    alert')."""
    posted, comment = await case_with(client, ALERT_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        'invalid keys "comment"',
        json=edit(
            comment,
            **{**ALERT_COMMENT, "rule": {"id": "id", "name": "name"}, "comment": "comment"},
        ),
    )


async def test_a_stale_version_is_a_conflict(client: httpx.AsyncClient, db: Database) -> None:
    """patch_comment.ts: it('unhappy path - 409s when conflict')."""
    posted, comment = await case_with(client, USER_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        409,
        "This case has been updated. Please refresh before saving additional updates.",
        json={**edit(comment, **USER_COMMENT), "version": "version-mismatch"},
    )


async def test_the_version_of_an_earlier_patch_is_a_conflict(
    client: httpx.AsyncClient, db: Database
) -> None:
    """client/attachments/update.ts: `version !== myComment.version` after a first patch."""
    posted, comment = await case_with(client, USER_COMMENT)
    await patch_comment(client, posted["id"], edit(comment, **{**USER_COMMENT, "comment": "one"}))

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        409,
        "This case has been updated. Please refresh before saving additional updates.",
        json=edit(comment, **{**USER_COMMENT, "comment": "two"}),
    )


# --- files --------------------------------------------------------------------------------


async def test_a_file_attachment_is_renamed(client: httpx.AsyncClient) -> None:
    """patch_comment.ts: files, it('should update the file attachment name to superfile')."""
    posted, comment = await case_with(client, files_request())
    renamed = files_request(
        externalReferenceMetadata={"files": [{**FILE_METADATA["files"][0], "name": "superfile"}]}
    )

    updated = await patch_comment(client, posted["id"], edit(comment, **renamed))

    assert stripped(updated["comments"][0]) == {
        **renamed,
        "pushed_at": None,
        "pushed_by": None,
        "updated_by": ELASTIC,
        "created_by": ELASTIC,
        "owner": SECURITY,
    }


@pytest.mark.parametrize(
    ("metadata", "kibana_title"),
    [
        ({}, "should return a 400 when attempting to update a file attachment with empty metadata"),
        (
            {"foo": FILE_METADATA["files"]},
            "should return a 400 when attempting to update a file attachment with invalid metadata",
        ),
    ],
    ids=["empty", "invalid"],
)
async def test_bad_file_metadata_is_refused(
    client: httpx.AsyncClient, db: Database, metadata: dict[str, Any], kibana_title: str
) -> None:
    """patch_comment.ts: files, it('should return a 400 when attempting to update a file
    attachment with empty metadata'), it('should return a 400 when attempting to update a
    file attachment with invalid metadata') (the `.files` type's FileAttachmentMetadataRt)."""
    posted, comment = await case_with(client, files_request())

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        'Invalid value "undefined" supplied to "files"',
        json=edit(comment, **files_request(externalReferenceMetadata=metadata)),
    )


# --- alert format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alert_id", "index", "message"),
    [
        (
            "1",
            ["index1", "index2"],
            "Received an alert comment with ids and indices arrays of different lengths"
            ' ids: ["1"] indices: ["index1","index2"]',
        ),
        (
            ["1", "2"],
            "index",
            "Received an alert comment with ids and indices arrays of different lengths"
            ' ids: ["1","2"] indices: ["index"]',
        ),
    ],
    ids=["id: 1 indices: index1,index2", "id: 1,2 indices: index"],
)
async def test_alert_ids_and_indices_of_different_lengths_are_refused(
    client: httpx.AsyncClient, db: Database, alert_id: Any, index: Any, message: str
) -> None:
    """patch_comment.ts: alert format, it(`throws an error with an alert comment with contents
    id: ${alertId} indices: ${index} type: ${type}`)."""
    posted, comment = await case_with(client, ALERT_COMMENT)

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        400,
        message,
        json=edit(comment, **{**ALERT_COMMENT, "alertId": alert_id, "index": index}),
    )


@pytest.mark.parametrize(
    ("alert_id", "index"),
    [("1", ["index1"]), (["1", "2"], ["index", "other-index"])],
    ids=["id: 1 indices: index1", "id: 1,2 indices: index,other-index"],
)
async def test_alert_ids_and_indices_of_the_same_length_are_patched(
    client: httpx.AsyncClient, alert_id: Any, index: Any
) -> None:
    """patch_comment.ts: alert format, it(`does not throw an error with an alert comment with
    contents id: ${alertId} indices: ${index} type: ${type}`)."""
    posted, comment = await case_with(
        client, {**ALERT_COMMENT, "alertId": alert_id, "index": index}
    )
    new = {**ALERT_COMMENT, "alertId": alert_id, "index": index}

    updated = await patch_comment(client, posted["id"], edit(comment, **new))

    assert {k: updated["comments"][0][k] for k in new} == new


# --- partial updates ----------------------------------------------------------------------


async def test_a_comment_version_is_independent_of_the_case_version(
    client: httpx.AsyncClient,
) -> None:
    """patch_comment.ts: partial updates, it('should not result to a version conflict (409)
    when updating a comment to an updated case')."""
    posted, comment = await case_with(client, USER_COMMENT)
    await update_cases(
        client, [{"id": posted["id"], "version": posted["version"], "status": "in-progress"}]
    )

    updated = await patch_comment(
        client, posted["id"], edit(comment, **{**USER_COMMENT, "comment": "my new comment"})
    )

    assert updated["status"] == "in-progress"
    assert updated["comments"][0]["comment"] == "my new comment"


# --- rbac ---------------------------------------------------------------------------------


async def test_a_user_with_the_owner_updates_its_comment(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """patch_comment.ts: rbac, it('should update a comment that the user has permissions
    for')."""
    posted, comment = await case_with(client, USER_COMMENT, space="space1")

    updated = await patch_comment(
        await kibana_users("sec_only"),
        posted["id"],
        edit(comment, **{**USER_COMMENT, "comment": NEW_COMMENT}),
        space="space1",
    )

    patched = updated["comments"][0]
    assert (patched["comment"], patched["type"], patched["owner"]) == (
        NEW_COMMENT,
        "user",
        SECURITY,
    )
    assert updated["updated_by"] == user_ref("sec_only")
    assert patched["updated_by"] == user_ref("sec_only")


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
async def test_users_without_write_access_to_the_owner_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """patch_comment.ts: rbac, it('should not update a comment that has a different owner
    thant he user has access to') (obsOnly), and it(`User ${username} with role(s) ${roles} -
    should NOT update a comment`)."""
    posted, comment = await case_with(client, USER_COMMENT, space="space1")

    await refused(
        await kibana_users(username),
        db,
        "PATCH",
        comments_url(posted["id"], "space1"),
        403,
        f'Unauthorized to update comments with owners: "{SECURITY}"',
        json=edit(comment, **{**USER_COMMENT, "comment": NEW_COMMENT}),
    )


async def test_a_comment_in_a_space_without_privileges_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """patch_comment.ts: rbac, it('should not update a comment in a space the user does not
    have permissions')."""
    posted, comment = await case_with(client, USER_COMMENT, space="space2")

    await refused(
        await kibana_users("sec_only"),
        db,
        "PATCH",
        comments_url(posted["id"], "space2"),
        403,
        f'Unauthorized to update comments with owners: "{SECURITY}"',
        json=edit(comment, **{**USER_COMMENT, "comment": NEW_COMMENT}),
    )


async def test_a_comment_of_another_space_is_404(
    client: httpx.AsyncClient, db: Database, space2: dict[str, Any]
) -> None:
    """Saved objects are per space: a comment of space2 is not found from the default space."""
    posted, comment = await case_with(client, USER_COMMENT, space="space2")

    await refused(
        client,
        db,
        "PATCH",
        comments_url(posted["id"]),
        404,
        f"Saved object [cases-comments/{comment['id']}] not found",
        json=edit(comment, **USER_COMMENT),
    )
