"""POST /api/cases/{case_id}/comments: Kibana's comments/post_comment.ts, ported.

Kibana (security_and_spaces/tests/common/comments/post_comment.ts) asserts only the status
of its 400s and 404s; these tests also pin the whole answer and show that a refused request
changes nothing. Messages follow Kibana's attachments client (client/attachments/add.ts),
CaseCommentModel's validateCreateCommentRequest and its decodeCommentRequest; a body that
no member of Kibana's io-ts union (AttachmentRequestRt) decodes gets every member's errors
(`union_refusal`).

Kibana's test plugin registers the attachment types `.test` (external reference and
persistable state); OpenCases registers only Kibana's own: `.files` (external reference,
outside the persistable-state limit: Kibana counts files apart) and `.lens` (persistable
state). The persistable-state/external-reference limit is shown with `.lens`, and `.test`
is refused as unregistered.

Skipped, as OpenCases keeps no alert documents (Kibana's alerts live in Elasticsearch
indices that its tests load and read): the `alerts` describe, security_solution and
observability (`should change the status of the alert if sync alert is on`, `should NOT
change the status of the alert if sync alert is off`, `... when the user has write access
to the indices and only read access to the siem solution`, `... when the user does NOT have
access to the alert`, `... read access to the kibana feature but no read access to the ES
index`, `should add the case ID to the alert schema`, `should add multiple case ids to the
alert schema`, `should remove cases with the same ID from the case_ids alerts field`,
`should not add more than 10 cases to an alert`, `should add the case ID to the alert
schema when the user has read access only`, `should NOT add the case ID to the alert schema
when the user does NOT have access to the alert`, ...). Nothing here depends on a license.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import (
    ALERT_COMMENT,
    USER_COMMENT,
    alerts_request,
    comments_url,
    numbered,
    post_comment,
    union_refusal,
)
from tests.cases.conftest import (
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    case_response,
    create_case,
    refused,
    unchanged,
    update_cases,
    user_actions,
    user_ref,
    without_server_fields,
)
from tests.configure.conftest import KibanaUsers

# Kibana's mocks (common/lib/mock.ts), for our securitySolution owner.
ALERT_MULTIPLE_IDS_REQUEST: dict[str, Any] = {
    **ALERT_COMMENT,
    "alertId": ["test-id-1", "test-id-2"],
    "index": ["test-index", "test-index-2"],
}
FILE_METADATA: dict[str, Any] = {
    "name": "test_file",
    "extension": "png",
    "mimeType": "image/png",
    "created": "2023-02-27T20:26:54.345Z",
}
FILE_ATTACHMENT_METADATA: dict[str, Any] = {"files": [FILE_METADATA]}
# Kibana's persistable-state attachment, with Kibana's registered `.lens` for `.test`.
LENS_REQUEST: dict[str, Any] = {
    "type": "persistableState",
    "persistableStateAttachmentTypeId": ".lens",
    "persistableStateAttachmentState": {},
    "owner": SECURITY,
}
# Kibana's test plugin's external reference (postExternalReferenceSOReq with `.test`).
TEST_EXTERNAL_REFERENCE_REQUEST: dict[str, Any] = {
    "type": "externalReference",
    "owner": SECURITY,
    "externalReferenceAttachmentTypeId": ".test",
    "externalReferenceId": "so-id",
    "externalReferenceMetadata": {},
    "externalReferenceStorage": {"soType": "external-ref", "type": "savedObject"},
}

# What removeServerGeneratedPropertiesFromSavedObject drops from an attachment.
ATTACHMENT_SERVER_FIELDS = ("id", "version", "created_at", "updated_at")
UNAUTHORIZED = 'Unauthorized to create comments with owners: "{}"'

TOO_LONG = "The length of the comment is too long. The maximum length is 30000."
EMPTY = "The comment field cannot be an empty string."


def file_request(**overrides: Any) -> dict[str, Any]:
    """Kibana's getFilesAttachmentReq(overrides)."""
    return {
        "type": "externalReference",
        "externalReferenceStorage": {"type": "savedObject", "soType": "file"},
        "externalReferenceAttachmentTypeId": ".files",
        "externalReferenceMetadata": FILE_ATTACHMENT_METADATA,
        "externalReferenceId": "file-id",
        "owner": SECURITY,
        **overrides,
    }


async def post_refused(
    client: httpx.AsyncClient,
    db: Database,
    case_id: str,
    body: Any,
    message: str,
    status: int = 400,
    *,
    space: str | None = None,
) -> None:
    """POST an attachment Kibana refuses with `status` and `message`; nothing changes."""
    await refused(client, db, "POST", comments_url(case_id, space), status, message, json=body)


def without_attachment_server_fields(comment: dict[str, Any]) -> dict[str, Any]:
    """Kibana's removeServerGeneratedPropertiesFromSavedObject."""
    return {k: v for k, v in comment.items() if k not in ATTACHMENT_SERVER_FIELDS}


def stored(request: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """An attachment as answered, without its server fields, made by `elastic`."""
    return {
        **request,
        "created_by": ELASTIC,
        "pushed_at": None,
        "pushed_by": None,
        "updated_by": None,
        **overrides,
    }


def comments_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    """A case's attachments without their server fields."""
    return [without_attachment_server_fields(comment) for comment in case["comments"]]


def case_with(case: dict[str, Any]) -> dict[str, Any]:
    """A case answer without the case's server fields nor its attachments'."""
    return {**without_server_fields(case), "comments": comments_of(case)}


def comment_action(comment: dict[str, Any], created_by: Any = ELASTIC) -> dict[str, Any]:
    """The `comment`/`create` user action of an attachment, as _find answers it: the
    attachment's request fields as stored."""
    answered = ("created_by", "pushed_at", "pushed_by", "updated_by")
    request = {
        k: v for k, v in comment.items() if k not in ATTACHMENT_SERVER_FIELDS and k not in answered
    }
    return {
        "type": "comment",
        "action": "create",
        "created_by": created_by,
        "owner": comment["owner"],
        "payload": {"comment": request},
        "comment_id": comment["id"],
    }


# --- happy path ---------------------------------------------------------------------------


async def test_a_comment_is_posted(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('should post a comment')."""
    case = await create_case(client)

    patched = await post_comment(client, case["id"], USER_COMMENT)

    assert case_with(patched) == case_response(
        comments=[stored(USER_COMMENT)], totalComment=1, updated_by=ELASTIC
    )
    assert patched["id"] == case["id"]
    assert patched["version"] != case["version"]
    # Kibana writes the attachment's created_at as the case's updated_at.
    assert patched["updated_at"] == patched["comments"][0]["created_at"]
    assert patched["comments"][0]["updated_at"] is None


async def test_an_alert_is_posted_with_its_ids_as_arrays(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('should post an alert')."""
    case = await create_case(client)

    patched = await post_comment(client, case["id"], ALERT_COMMENT)

    assert case_with(patched) == case_response(
        comments=[stored(ALERT_COMMENT, alertId=["test-id"], index=["test-index"])],
        totalComment=1,
        totalAlerts=1,
        updated_by=ELASTIC,
    )
    assert patched["version"] != case["version"]


async def test_posting_a_comment_records_a_user_action(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('creates a user action')."""
    case = await create_case(client)

    patched = await post_comment(client, case["id"], USER_COMMENT)

    actions = await user_actions(client, case["id"])
    assert [action["type"] for action in actions] == ["create_case", "comment"]
    assert actions[1] == {
        "type": "comment",
        "action": "create",
        "created_by": ELASTIC,
        "payload": {"comment": USER_COMMENT},
        "comment_id": patched["comments"][0]["id"],
        "owner": SECURITY,
    }


async def test_posting_an_alert_records_its_ids_as_arrays(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('creates a user action'), for an alert (Kibana's model records
    the request after filterDuplicatedAlerts, which makes arrays of the ids)."""
    case = await create_case(client)

    patched = await post_comment(client, case["id"], ALERT_COMMENT)

    actions = await user_actions(client, case["id"])
    assert actions[1:] == [comment_action(patched["comments"][0])]
    assert actions[1]["payload"] == {
        "comment": {**ALERT_COMMENT, "alertId": ["test-id"], "index": ["test-index"]}
    }


async def test_a_file_attachment_is_posted(client: httpx.AsyncClient) -> None:
    """post_comment.ts: files, it('should create a file attachment')."""
    case = await create_case(client, case_request())

    patched = await post_comment(client, case["id"], file_request())

    assert patched["totalComment"] == 1
    assert patched["comments"][0]["externalReferenceMetadata"] == FILE_ATTACHMENT_METADATA
    assert case_with(patched) == case_response(
        comments=[stored(file_request())], totalComment=1, updated_by=ELASTIC
    )


async def test_a_lens_persistable_state_is_posted(client: httpx.AsyncClient) -> None:
    """post_comment.ts: the persistable-state requests of its limit tests, accepted
    (`.lens` for Kibana's test plugin's `.test`)."""
    case = await create_case(client)
    request = {**LENS_REQUEST, "persistableStateAttachmentState": {"attributes": {"a": [1]}}}

    patched = await post_comment(client, case["id"], request)

    assert case_with(patched) == case_response(
        comments=[stored(request)], totalComment=1, updated_by=ELASTIC
    )
    assert (await user_actions(client, case["id"]))[1:] == [comment_action(patched["comments"][0])]


async def test_an_actions_comment_is_posted(client: httpx.AsyncClient) -> None:
    """post_comment.ts: the attachment types Kibana accepts, with Kibana's
    postCommentActionsReq (mock.ts)."""
    case = await create_case(client)
    request = {
        "comment": "comment text",
        "actions": {
            "targets": [{"hostname": "host-name", "endpointId": "endpoint-id"}],
            "type": "isolate",
        },
        "type": "actions",
        "owner": SECURITY,
    }

    patched = await post_comment(client, case["id"], request)

    assert case_with(patched) == case_response(
        comments=[stored(request)], totalComment=1, updated_by=ELASTIC
    )


async def test_comments_are_answered_oldest_first_and_all_counted(
    client: httpx.AsyncClient,
) -> None:
    """post_comment.ts: it('should post a comment') (`totalComment` is the number of
    attachments of any type, as Kibana's encodeWithComments counts them)."""
    case = await create_case(client)
    await post_comment(client, case["id"], USER_COMMENT)
    await post_comment(client, case["id"], ALERT_MULTIPLE_IDS_REQUEST)

    patched = await post_comment(client, case["id"], LENS_REQUEST)

    assert case_with(patched) == case_response(
        comments=[stored(USER_COMMENT), stored(ALERT_MULTIPLE_IDS_REQUEST), stored(LENS_REQUEST)],
        totalComment=3,
        totalAlerts=2,
        updated_by=ELASTIC,
    )


async def test_the_longest_comment_is_accepted(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('400s when adding too long comment'), at its edge: 30000
    characters (MAX_COMMENT_LENGTH) are accepted."""
    case = await create_case(client)
    request = {**USER_COMMENT, "comment": "a" * 30000}

    patched = await post_comment(client, case["id"], request)

    assert comments_of(patched) == [stored(request)]


async def test_a_comment_of_30000_characters_between_spaces_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    """post_comment.ts: it('400s when adding too long comment'): Kibana's limitedString
    measures the trimmed comment, and stores it as sent."""
    case = await create_case(client)
    request = {**USER_COMMENT, "comment": f"  {'a' * 30000}  "}

    patched = await post_comment(client, case["id"], request)

    assert comments_of(patched) == [stored(request)]


# --- unhappy path -------------------------------------------------------------------------


async def test_a_single_file_attachment_with_two_files_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: files, it('400s when attempting to create a single file attachment
    with multiple file objects within it')."""
    case = await create_case(client, case_request())

    await post_refused(
        client,
        db,
        case["id"],
        file_request(externalReferenceMetadata={"files": [FILE_METADATA, FILE_METADATA]}),
        "Only a single file can be stored in an attachment",
    )


async def test_a_file_attachment_naming_no_file_is_accepted(client: httpx.AsyncClient) -> None:
    """post_comment.ts: files, it('400s when attempting to create a single file attachment
    with multiple file objects within it'), below its edge: Kibana's `.files` validator
    refuses `files.length > 1` only, so an empty `files` array passes."""
    case = await create_case(client, case_request())
    request = file_request(externalReferenceMetadata={"files": []})

    patched = await post_comment(client, case["id"], request)

    assert comments_of(patched) == [stored(request)]


async def test_a_file_attachment_without_the_files_field_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: files, it('should return a 400 when attaching a file with metadata
    that is missing the file field')."""
    case = await create_case(client, case_request())

    await post_refused(
        client,
        db,
        case["id"],
        file_request(externalReferenceMetadata={"foo": FILE_ATTACHMENT_METADATA["files"]}),
        'Invalid value "undefined" supplied to "files"',
    )


async def test_a_file_attachment_with_empty_metadata_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: files, it('should return a 400 when attaching a file with an empty
    metadata')."""
    case = await create_case(client, case_request())

    await post_refused(
        client,
        db,
        case["id"],
        file_request(externalReferenceMetadata={}),
        'Invalid value "undefined" supplied to "files"',
    )


async def test_a_comment_of_another_owner_than_the_case_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when attempting to create a comment with a different owner
    than the case')."""
    case = await create_case(client, case_request(owner=SECURITY))

    await post_refused(
        client,
        db,
        case["id"],
        {**USER_COMMENT, "owner": OBSERVABILITY},
        "The owner field of the comment must match the case",
    )


async def test_a_comment_without_a_type_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """post_comment.ts: it('400s when type is missing'): every union member's errors."""
    case = await create_case(client)

    await post_refused(
        client, db, case["id"], {"bad": "comment"}, union_refusal({"bad": "comment"})
    )


async def test_a_user_comment_without_its_fields_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when missing attributes for type user')."""
    case = await create_case(client)

    await post_refused(client, db, case["id"], {"type": "user"}, union_refusal({"type": "user"}))


async def test_a_user_comment_without_an_owner_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when missing attributes for type user'), the owner alone."""
    case = await create_case(client)
    request = {k: v for k, v in USER_COMMENT.items() if k != "owner"}

    await post_refused(client, db, case["id"], request, union_refusal(request))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Kibana's Array(30001).fill('a').toString(): 30001 `a`s joined by commas.
        ({"comment": ",".join(["a"] * 30001)}, TOO_LONG),
        ({"comment": ""}, EMPTY),
        ({"comment": "    "}, EMPTY),
    ],
    ids=["too long", "empty", "spaces"],
)
async def test_a_comment_without_a_type_or_an_owner_is_refused(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """post_comment.ts: it('400s when adding too long comment'), it('400s when adding empty
    comment') and it('400s when adding a comment with only empty characters'), which send
    the comment alone: every union member's errors, the comment's first."""
    case = await create_case(client)

    await post_refused(client, db, case["id"], body, union_refusal(body, comment=message))


async def test_a_too_long_comment_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """post_comment.ts: it('400s when adding too long comment'), at its edge: 30001
    characters, in a request that is otherwise valid."""
    case = await create_case(client)

    request = {**USER_COMMENT, "comment": "a" * 30001}

    await post_refused(client, db, case["id"], request, union_refusal(request, comment=TOO_LONG))


@pytest.mark.parametrize("comment", ["", "    ", "\n\t "])
async def test_an_empty_comment_is_refused(
    client: httpx.AsyncClient, db: Database, comment: str
) -> None:
    """post_comment.ts: it('400s when adding empty comment') and it('400s when adding a
    comment with only empty characters'), in a request that is otherwise valid."""
    case = await create_case(client)

    request = {**USER_COMMENT, "comment": comment}

    await post_refused(client, db, case["id"], request, union_refusal(request, comment=EMPTY))


@pytest.mark.parametrize("attribute", ["alertId", "index"])
async def test_a_user_comment_with_alert_fields_is_refused(
    client: httpx.AsyncClient, db: Database, attribute: str
) -> None:
    """post_comment.ts: it('400s when adding excess attributes for type user')."""
    case = await create_case(client)
    request = {"type": "user", attribute: attribute, "comment": "a comment", "owner": SECURITY}

    await post_refused(client, db, case["id"], request, f'invalid keys "{attribute}"')


@pytest.mark.parametrize(
    ("key", "listed"), [("\u00b2", "zz,\u00b2"), ("\u0663", "zz,\u0663"), ("7", "7,zz")]
)
async def test_excess_keys_are_named_in_javascript_s_order(
    client: httpx.AsyncClient, db: Database, key: str, listed: str
) -> None:
    """OpenCases: an array index first, names as inserted; "²" passes Python's str.isdigit()
    but is a name to JavaScript (it was a 500)."""
    case = await create_case(client)
    request = {**USER_COMMENT, "zz": 2, key: 1}

    await post_refused(client, db, case["id"], request, f'invalid keys "{listed}"')


@pytest.mark.parametrize("attribute", ["alertId", "index"])
async def test_an_alert_without_its_ids_is_refused(
    client: httpx.AsyncClient, db: Database, attribute: str
) -> None:
    """post_comment.ts: it('400s when missing attributes for type alert')."""
    case = await create_case(client)
    request = {
        "type": "alert",
        "index": "test-index",
        "alertId": "test-id",
        "rule": {"id": "id", "name": "name"},
        "owner": SECURITY,
    }
    del request[attribute]

    await post_refused(client, db, case["id"], request, union_refusal(request))


async def test_an_alert_with_a_comment_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """post_comment.ts: it('400s when adding excess attributes for type alert')."""
    case = await create_case(client)
    request = {
        "type": "alert",
        "comment": "comment",
        "alertId": "test-id",
        "index": "test-index",
        "rule": {"id": "id", "name": "name"},
        "owner": SECURITY,
    }

    await post_refused(client, db, case["id"], request, 'invalid keys "comment"')


async def test_a_comment_on_a_case_that_does_not_exist_is_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('404s when the case does not exist')."""
    await post_refused(
        client, db, "not-exists", USER_COMMENT, "Saved object [cases/not-exists] not found", 404
    )


async def test_an_alert_is_not_attached_to_a_closed_case(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when adding an alert to a closed case')."""
    case = await create_case(client)
    await update_cases(client, [{"id": case["id"], "version": case["version"], "status": "closed"}])

    await post_refused(
        client, db, case["id"], ALERT_COMMENT, "Alert cannot be attached to a closed case"
    )


async def test_a_user_comment_is_posted_to_a_closed_case(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('400s when adding an alert to a closed case'): only alerts are
    refused (validateCreateCommentRequest)."""
    case = await create_case(client)
    await update_cases(client, [{"id": case["id"], "version": case["version"], "status": "closed"}])

    patched = await post_comment(client, case["id"], USER_COMMENT)

    assert comments_of(patched) == [stored(USER_COMMENT)]
    assert patched["status"] == "closed"


async def test_1000_alerts_are_attached_in_one_request(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('400s when attempting to add more than 1K alerts to a case'), at
    its edge: 1000 alerts (MAX_ALERTS_PER_CASE) are accepted."""
    case = await create_case(client)
    alerts = numbered(1000)

    patched = await post_comment(client, case["id"], alerts_request(alerts))

    assert case_with(patched) == case_response(
        comments=[stored(alerts_request(alerts))],
        totalComment=1,
        totalAlerts=1000,
        updated_by=ELASTIC,
    )


async def test_more_than_1000_alerts_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """post_comment.ts: it('400s when attempting to add more than 1K alerts to a case')."""
    case = await create_case(client)

    await post_refused(
        client,
        db,
        case["id"],
        alerts_request(numbered(1001)),
        "Case has reached the maximum allowed number (1000) of attached alerts.",
    )


async def test_an_alert_is_refused_by_a_case_that_has_1000(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when attempting to add an alert to a case that already has
    1K alerts')."""
    case = await create_case(client)
    await post_comment(client, case["id"], alerts_request(numbered(1000)))

    await post_refused(
        client,
        db,
        case["id"],
        {**ALERT_COMMENT, "alertId": "test-id", "index": "test-index"},
        "Case has reached the maximum allowed number (1000) of attached alerts.",
    )


async def test_alerts_are_refused_when_the_sum_exceeds_1000(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when the case already has alerts and the sum of existing
    and new alerts exceed 1k')."""
    case = await create_case(client)
    await post_comment(client, case["id"], alerts_request(numbered(500)))

    await post_refused(
        client,
        db,
        case["id"],
        alerts_request(numbered(700, start=500)),
        "Case has reached the maximum allowed number (1000) of attached alerts.",
    )


async def test_alerts_up_to_1000_in_all_are_attached(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('400s when the case already has alerts and the sum of existing
    and new alerts exceed 1k'), at its edge: 500 then 500 more are accepted."""
    case = await create_case(client)
    await post_comment(client, case["id"], alerts_request(numbered(500)))

    patched = await post_comment(client, case["id"], alerts_request(numbered(500, start=500)))

    assert patched["totalAlerts"] == 1000
    assert comments_of(patched) == [
        stored(alerts_request(numbered(500))),
        stored(alerts_request(numbered(500, start=500))),
    ]


async def test_a_persistable_state_is_refused_by_a_case_that_has_100(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('400s when attempting to add a persistable state to a case that
    already has 100') and it('400s when attempting to add an external reference to a case
    that already has 100'): OpenCases registers no external reference but `.files`, so the
    100 are `.lens` persistable states (Kibana's `.test`)."""
    case = await create_case(client)
    response = await client.post(
        f"/internal/cases/{case['id']}/attachments/_bulk_create", json=[LENS_REQUEST] * 100
    )
    assert response.status_code == 200, response.text
    assert response.json()["totalComment"] == 100

    await post_refused(
        client,
        db,
        case["id"],
        LENS_REQUEST,
        "Case has reached the maximum allowed number (100) of attached persistable state and"
        " external reference attachments.",
    )


async def test_99_persistable_states_leave_room_for_one(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('400s when attempting to add a persistable state to a case that
    already has 100'), at its edge: the 100th is accepted."""
    case = await create_case(client)
    response = await client.post(
        f"/internal/cases/{case['id']}/attachments/_bulk_create", json=[LENS_REQUEST] * 99
    )
    assert response.status_code == 200, response.text

    patched = await post_comment(client, case["id"], LENS_REQUEST)

    assert patched["totalComment"] == 100
    assert comments_of(patched) == [stored(LENS_REQUEST)] * 100


@pytest.mark.parametrize(
    "request_body",
    [
        {**LENS_REQUEST, "persistableStateAttachmentTypeId": ".test"},
        TEST_EXTERNAL_REFERENCE_REQUEST,
    ],
    ids=["persistableState", "externalReference"],
)
async def test_an_unregistered_attachment_type_is_refused(
    client: httpx.AsyncClient, db: Database, request_body: dict[str, Any]
) -> None:
    """post_comment.ts: the `.test` attachments of it('400s when attempting to add a
    persistable state to a case that already has 100') and it('400s when attempting to add
    an external reference ...'): `.test` is a type of Kibana's test plugin only, and Kibana
    refuses a type it has not registered (validateRegisteredAttachments)."""
    case = await create_case(client)

    await post_refused(
        client, db, case["id"], request_body, "Attachment type .test is not registered."
    )


@pytest.mark.parametrize("body", [[USER_COMMENT], "comment", None])
async def test_a_body_that_is_not_an_object_is_refused(
    client: httpx.AsyncClient, db: Database, body: Any
) -> None:
    """post_comment.ts: it('400s when type is missing'), for a body that is not an object."""
    case = await create_case(client)
    kind = {list: "Array", str: "string", type(None): "null"}[type(body)]

    await post_refused(
        client,
        db,
        case["id"],
        body,
        f"[request body]: expected a plain object value, but found [{kind}] instead.",
    )


# --- alert format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alert_id", "index", "message"),
    [
        ("1", ["index1", "index2"], 'ids: ["1"] indices: ["index1","index2"]'),
        (["1", "2"], "index", 'ids: ["1","2"] indices: ["index"]'),
    ],
    ids=["id: 1 indices: index1,index2", "id: 1,2 indices: index"],
)
async def test_alert_ids_and_indices_of_different_lengths_are_refused(
    client: httpx.AsyncClient, db: Database, alert_id: Any, index: Any, message: str
) -> None:
    """post_comment.ts: it(`throws an error with an alert comment with contents id:
    ${alertId} indices: ${index} type: ${type}`)."""
    case = await create_case(client)

    await post_refused(
        client,
        db,
        case["id"],
        {**ALERT_COMMENT, "alertId": alert_id, "index": index},
        f"Received an alert comment with ids and indices arrays of different lengths {message}",
    )


@pytest.mark.parametrize(
    ("alert_id", "index"),
    [("1", ["index1"]), (["1", "2"], ["index", "other-index"])],
    ids=["id: 1 indices: index1", "id: 1,2 indices: index,other-index"],
)
async def test_alert_ids_and_indices_of_the_same_length_are_attached(
    client: httpx.AsyncClient, alert_id: Any, index: list[str]
) -> None:
    """post_comment.ts: it(`does not throw an error with an alert comment with contents id:
    ${alertId} indices: ${index} type: ${type}`)."""
    case = await create_case(client)
    request = {**ALERT_COMMENT, "alertId": alert_id, "index": index}

    patched = await post_comment(client, case["id"], request)

    ids = [alert_id] if isinstance(alert_id, str) else alert_id
    assert comments_of(patched) == [stored(request, alertId=ids, index=index)]
    assert patched["totalAlerts"] == len(ids)


# --- alert filtering ----------------------------------------------------------------------


async def test_an_alert_already_attached_is_not_attached_again(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('not create a new attachment if the alert is already attached to
    the case'). Nothing is written: the case is answered as it was."""
    case = await create_case(client)
    first = await post_comment(client, case["id"], ALERT_COMMENT)

    async with unchanged(db):
        again = await post_comment(client, case["id"], ALERT_COMMENT)

    assert again == first
    assert len(again["comments"]) == 1


async def test_alerts_already_attached_are_not_attached_again(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: it('should not create a new attachment if the alerts are already
    attached to the case')."""
    case = await create_case(client)
    first = await post_comment(client, case["id"], ALERT_MULTIPLE_IDS_REQUEST)

    async with unchanged(db):
        again = await post_comment(client, case["id"], ALERT_MULTIPLE_IDS_REQUEST)

    assert again == first
    assert comments_of(again) == [stored(ALERT_MULTIPLE_IDS_REQUEST)]


async def test_only_the_alerts_not_yet_attached_are_attached(client: httpx.AsyncClient) -> None:
    """post_comment.ts: it('should create a new attachment without alerts attached to the
    case')."""
    case = await create_case(client)
    await post_comment(client, case["id"], ALERT_MULTIPLE_IDS_REQUEST)

    patched = await post_comment(
        client,
        case["id"],
        {
            **ALERT_MULTIPLE_IDS_REQUEST,
            "alertId": ["test-id-1", "test-id-2", "test-id-3"],
            "index": ["test-index-1", "test-index-2", "test-index-3"],
        },
    )

    only_new = {**ALERT_MULTIPLE_IDS_REQUEST, "alertId": ["test-id-3"], "index": ["test-index-3"]}
    assert case_with(patched) == case_response(
        comments=[stored(ALERT_MULTIPLE_IDS_REQUEST), stored(only_new)],
        totalComment=2,
        totalAlerts=3,
        updated_by=ELASTIC,
    )
    # The user action records what was attached, not what was sent.
    assert (await user_actions(client, case["id"]))[2]["payload"] == {"comment": only_new}


async def test_an_alert_repeated_in_one_request_is_attached_once(
    client: httpx.AsyncClient,
) -> None:
    """post_comment.ts: alert filtering (filterDuplicatedAlerts drops an id already seen in
    the same attachment, with the index at its position)."""
    case = await create_case(client)
    request = {**ALERT_COMMENT, "alertId": ["a", "b", "a"], "index": ["i1", "i2", "i3"]}

    patched = await post_comment(client, case["id"], request)

    assert comments_of(patched) == [stored(request, alertId=["a", "b"], index=["i1", "i2"])]
    assert patched["totalAlerts"] == 2


async def test_an_alert_without_ids_attaches_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_comment.ts: alert filtering: empty id and index arrays pass Kibana's codec, and
    filterDuplicatedAlerts leaves nothing to attach (200, the case as it was)."""
    case = await create_case(client)

    async with unchanged(db):
        answered = await post_comment(client, case["id"], alerts_request([]))

    assert without_server_fields(answered) == case_response()
    assert answered["version"] == case["version"]


# --- partial updates ----------------------------------------------------------------------


async def test_a_comment_is_posted_to_a_case_updated_since_it_was_read(
    client: httpx.AsyncClient,
) -> None:
    """post_comment.ts: it('should not result to a version conflict (409) when adding a
    comment to an updated case')."""
    case = await create_case(client)
    await update_cases(
        client, [{"id": case["id"], "version": case["version"], "status": "in-progress"}]
    )

    patched = await post_comment(client, case["id"], USER_COMMENT)

    assert comments_of(patched) == [stored(USER_COMMENT)]
    assert patched["status"] == "in-progress"


# --- rbac ---------------------------------------------------------------------------------


async def test_a_user_with_privileges_for_the_owner_posts_a_comment(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """post_comment.ts: rbac, it('should create a comment when the user has the correct
    permissions for that owner')."""
    case = await create_case(client, case_request(owner=SECURITY), space="space1")
    sec_only = await kibana_users("sec_only")

    patched = await post_comment(sec_only, case["id"], USER_COMMENT, space="space1")

    sec_only_ref = user_ref("sec_only")
    assert case_with(patched) == case_response(
        comments=[stored(USER_COMMENT, created_by=sec_only_ref)],
        totalComment=1,
        updated_by=sec_only_ref,
    )
    assert (await user_actions(client, case["id"], space="space1"))[1:] == [
        comment_action(patched["comments"][0], created_by=sec_only_ref)
    ]


async def test_a_user_without_privileges_for_the_owner_is_refused(
    kibana_users: KibanaUsers, db: Database
) -> None:
    """post_comment.ts: rbac, it('should not create a comment when the user does not have
    permissions for that owner')."""
    case = await create_case(
        await kibana_users("obs_only"), case_request(owner=OBSERVABILITY), space="space1"
    )

    await post_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        {**USER_COMMENT, "owner": OBSERVABILITY},
        UNAUTHORIZED.format(OBSERVABILITY),
        403,
        space="space1",
    )


@pytest.mark.parametrize(
    "username",
    ["global_read", "sec_only_read", "obs_only_read", "obs_sec_read", "no_kibana_privileges"],
)
async def test_a_user_without_write_privileges_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """post_comment.ts: rbac, it(`User ${username} with role(s) ${roles} - should not create
    a comment`)."""
    case = await create_case(client, case_request(owner=SECURITY), space="space1")

    await post_refused(
        await kibana_users(username),
        db,
        case["id"],
        USER_COMMENT,
        UNAUTHORIZED.format(SECURITY),
        403,
        space="space1",
    )


async def test_a_comment_is_refused_in_a_space_without_privileges(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """post_comment.ts: rbac, it('should not create a comment in a space the user does not
    have permissions for')."""
    case = await create_case(client, case_request(owner=SECURITY), space="space2")

    await post_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        USER_COMMENT,
        UNAUTHORIZED.format(SECURITY),
        403,
        space="space2",
    )


async def test_a_case_of_another_space_is_not_found(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """post_comment.ts: rbac: a case is found in its own space only (Kibana's saved-objects
    client reads the request's space)."""
    case = await create_case(client, case_request(owner=SECURITY), space="space2")

    await post_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        USER_COMMENT,
        f"Saved object [cases/{case['id']}] not found",
        404,
        space="space1",
    )


async def test_authorization_comes_before_the_registered_type_check(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """post_comment.ts: rbac, it('should not create a comment when the user does not have
    permissions for that owner'), for a type Kibana has not registered: Kibana's add
    (client/attachments/add.ts) calls ensureAuthorized before validateRegisteredAttachments,
    so the caller learns of the 403 first."""
    case = await create_case(client, case_request(owner=OBSERVABILITY), space="space1")

    await post_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        {**LENS_REQUEST, "persistableStateAttachmentTypeId": ".test", "owner": OBSERVABILITY},
        UNAUTHORIZED.format(OBSERVABILITY),
        403,
        space="space1",
    )
