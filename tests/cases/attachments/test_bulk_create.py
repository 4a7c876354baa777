"""POST /internal/cases/{case_id}/attachments/_bulk_create: Kibana's bulk_create_attachments.ts.

Ported from Kibana's io-ts-era internal/bulk_create_attachments.ts (security_and_spaces),
which asserts only the status of its 400s and 404s; these tests also pin the whole answer
and show that a refused request changes nothing. Messages follow Kibana's attachments
client (client/attachments/bulk_create.ts: the body codec, decodeCommentRequest and
validateRegisteredAttachments per attachment, then ensureAuthorized, then the case) and
CaseCommentModel's validateCreateCommentRequest; an attachment that no member of Kibana's
io-ts union decodes gets every member's errors (`union_refusal`).

Kibana's test plugin registers the attachment types `.test`; OpenCases registers only
Kibana's own, `.files` (external reference, outside the persistable-state limit) and
`.lens` (persistable state), which stand in for `.test` here. Kibana's "case has a file"
(a file uploaded through the Files API with the case in its meta) is a file uploaded to the
case through POST /api/cases/{case_id}/files.

Skipped, as OpenCases keeps no alert documents (Kibana's alerts live in Elasticsearch
indices that its tests load and read): the `alerts` describe, security_solution and
observability (`should change the status of the alerts if sync alert is on`, `should NOT
change the status of the alert if sync alert is off`, the write-access, no-access and
no-index-access variants, `should add the case ID to the alert schema`, `should add
multiple case ids to the alert schema`, `should remove cases with the same ID from the
case_ids alerts field`, `should not add more than 10 cases to an alert`, `should add the
case ID to the alert schema when the user has read access only`, `should NOT add the case
ID to the alert schema when the user does NOT have access to the alert`, ...). Nothing here
depends on a license.
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
    numbered,
    union_refusal,
)
from tests.cases.conftest import (
    CASES_URL,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    case_response,
    create_case,
    refused,
    space_prefix,
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
ALERT_WITH_ID_3: dict[str, Any] = {
    **ALERT_MULTIPLE_IDS_REQUEST,
    "alertId": ["test-id-1", "test-id-2", "test-id-3"],
    "index": ["test-index-1", "test-index-2", "test-index-3"],
}
ALERT_ONLY_ID_3: dict[str, Any] = {
    **ALERT_MULTIPLE_IDS_REQUEST,
    "alertId": ["test-id-3"],
    "index": ["test-index-3"],
}
FILE_METADATA: dict[str, Any] = {
    "name": "test_file",
    "extension": "png",
    "mimeType": "image/png",
    "created": "2023-02-27T20:26:54.345Z",
}
FILE_ATTACHMENT_METADATA: dict[str, Any] = {"files": [FILE_METADATA]}
LENS_REQUEST: dict[str, Any] = {
    "type": "persistableState",
    "persistableStateAttachmentTypeId": ".lens",
    "persistableStateAttachmentState": {},
    "owner": SECURITY,
}
# The user comment Kibana's error tests put first in a request.
TEST_COMMENT: dict[str, Any] = {"type": "user", "comment": "test", "owner": SECURITY}

ATTACHMENT_SERVER_FIELDS = ("id", "version", "created_at", "updated_at")
UNAUTHORIZED = 'Unauthorized to create comments with owners: "{}"'
ALERTS_LIMIT = "Case has reached the maximum allowed number (1000) of attached alerts."
FILES_LIMIT = "Case has reached the maximum allowed number (100) of attached files."
PERSISTABLE_LIMIT = (
    "Case has reached the maximum allowed number (100) of attached persistable state and"
    " external reference attachments."
)


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


def attachments_of(count: int) -> list[dict[str, Any]]:
    """Kibana's getAttachments(count): a user comment every tenth, alerts between."""
    return [
        {"type": "user", "comment": f"Test {i + 1}", "owner": SECURITY}
        if i % 10 == 0
        else {
            "type": "alert",
            "alertId": [f"test-id-{i + 1}"],
            "index": [f"test-index-{i + 1}"],
            "rule": {"id": f"rule-test-id-{i + 1}", "name": f"Test {i + 1}"},
            "owner": SECURITY,
        }
        for i in range(count)
    ]


def bulk_url(case_id: str, space: str | None = None) -> str:
    """The internal bulk-create route of a case."""
    return f"{space_prefix(space)}/internal/cases/{case_id}/attachments/_bulk_create"


async def bulk_create(
    client: httpx.AsyncClient,
    case_id: str,
    body: Any,
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's bulkCreateAttachments: POST, assert the status, return the body."""
    response = await client.post(bulk_url(case_id, space), json=body)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


async def bulk_refused(
    client: httpx.AsyncClient,
    db: Database,
    case_id: str,
    body: Any,
    message: str,
    status: int = 400,
    *,
    space: str | None = None,
) -> None:
    """POST attachments Kibana refuses with `status` and `message`; nothing changes."""
    await refused(client, db, "POST", bulk_url(case_id, space), status, message, json=body)


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
    """A case's attachments without their server fields (Kibana's
    removeServerGeneratedPropertiesFromSavedObject)."""
    return [
        {k: v for k, v in comment.items() if k not in ATTACHMENT_SERVER_FIELDS}
        for comment in case["comments"]
    ]


def case_with(case: dict[str, Any]) -> dict[str, Any]:
    """A case answer without the case's server fields nor its attachments'."""
    return {**without_server_fields(case), "comments": comments_of(case)}


async def closed_case(client: httpx.AsyncClient) -> dict[str, Any]:
    """A new case, closed."""
    case = await create_case(client)
    await update_cases(client, [{"id": case["id"], "version": case["version"], "status": "closed"}])
    return case


async def upload_file(client: httpx.AsyncClient, case_id: str) -> None:
    """Kibana's createAndUploadFile for the case: a text file of 3 bytes."""
    response = await client.post(
        f"{CASES_URL}/{case_id}/files", files={"file": ("testfile.txt", b"abc", "text/plain")}
    )
    assert response.status_code == 200, response.text


# --- creation -----------------------------------------------------------------------------


async def test_an_empty_request_creates_nothing(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_create_attachments.ts: it('should no create an attachment on empty request')."""
    case = await create_case(client)

    async with unchanged(db):
        answered = await bulk_create(client, case["id"], [])

    assert without_server_fields(answered) == case_response()
    assert answered["version"] == case["version"]


async def test_one_attachment_is_created(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('should create one attachment')."""
    case = await create_case(client)
    attachments = attachments_of(1)

    patched = await bulk_create(client, case["id"], attachments)

    assert case_with(patched) == case_response(
        comments=[stored(a) for a in attachments], totalComment=1, updated_by=ELASTIC
    )
    assert patched["version"] != case["version"]


async def test_multiple_attachments_are_created(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('should bulk create multiple attachments')
    (OpenCases answers them in the request's order; Kibana's test ignores the order)."""
    case = await create_case(client)
    attachments = attachments_of(3)

    patched = await bulk_create(client, case["id"], attachments)

    assert case_with(patched) == case_response(
        comments=[stored(a) for a in attachments],
        totalComment=3,
        totalAlerts=2,
        updated_by=ELASTIC,
    )
    assert patched["version"] != case["version"]
    created = {comment["created_at"] for comment in patched["comments"]}
    assert created == {patched["updated_at"]}


async def test_each_attachment_records_a_user_action(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('creates the correct user action')."""
    case = await create_case(client)
    attachments = attachments_of(3)

    patched = await bulk_create(client, case["id"], attachments)

    actions = await user_actions(client, case["id"])
    assert [action["type"] for action in actions] == ["create_case"] + ["comment"] * 3
    assert actions[1:] == [
        {
            "type": "comment",
            "action": "create",
            "created_by": ELASTIC,
            "payload": {"comment": attachment},
            "comment_id": comment["id"],
            "owner": SECURITY,
        }
        for attachment, comment in zip(attachments, patched["comments"], strict=True)
    ]


async def test_alert_ids_sent_as_strings_are_recorded_as_arrays(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: it('creates the correct user action'), for an alert sent
    with string ids (Kibana's filterDuplicatedAlerts makes arrays of them)."""
    case = await create_case(client)
    as_arrays = {**ALERT_COMMENT, "alertId": ["test-id"], "index": ["test-index"]}

    patched = await bulk_create(client, case["id"], [ALERT_COMMENT, USER_COMMENT])

    assert comments_of(patched) == [stored(as_arrays), stored(USER_COMMENT)]
    assert [a["payload"] for a in (await user_actions(client, case["id"]))[1:]] == [
        {"comment": as_arrays},
        {"comment": USER_COMMENT},
    ]


async def test_100_attachments_are_created(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 100
    attachments'), at its edge: 100 (MAX_BULK_CREATE_ATTACHMENTS) are accepted."""
    case = await create_case(client)
    attachments = [{**USER_COMMENT, "comment": f"comment {i}"} for i in range(100)]

    patched = await bulk_create(client, case["id"], attachments)

    assert comments_of(patched) == [stored(a) for a in attachments]
    assert patched["totalComment"] == 100
    response = await client.get(f"{CASES_URL}/{case['id']}/user_actions/_find")
    assert response.json()["total"] == 101


async def test_multiple_file_attachments_are_created(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: files, it('should bulk create multiple file
    attachments')."""
    case = await create_case(client, case_request())

    patched = await bulk_create(client, case["id"], [file_request(), file_request()])

    assert patched["totalComment"] == 2
    assert [c["externalReferenceMetadata"] for c in patched["comments"]] == [
        FILE_ATTACHMENT_METADATA
    ] * 2
    assert comments_of(patched) == [stored(file_request())] * 2


async def test_100_file_attachments_are_created(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: files, it('should bulk create 100 file attachments')."""
    case = await create_case(client)

    patched = await bulk_create(client, case["id"], [file_request()] * 100)

    assert patched["totalComment"] == 100
    assert comments_of(patched) == [stored(file_request())] * 100


async def test_100_files_are_created_beside_another_attachment_type(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: files, it('should bulk create 100 file attachments when
    there is another attachment type already associated with the case') (`.lens` for
    Kibana's `.test` external reference)."""
    case = await create_case(client)
    await bulk_create(client, case["id"], [LENS_REQUEST])

    patched = await bulk_create(client, case["id"], [file_request()] * 100)

    assert patched["totalComment"] == 101


async def test_files_are_created_with_another_attachment_type(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: files, it('should bulk create 100 file attachments when
    there is another attachment type in the request'). That request (101 attachments)
    predates MAX_BULK_CREATE_ATTACHMENTS; under Kibana 9's bound of 100 it is 99 files and a
    persistable state (`.lens` for Kibana's `.test` external reference)."""
    case = await create_case(client)
    attachments = [LENS_REQUEST] + [file_request()] * 99

    patched = await bulk_create(client, case["id"], attachments)

    assert comments_of(patched) == [stored(a) for a in attachments]
    assert patched["totalComment"] == 100


async def test_99_files_are_created_for_a_case_that_has_one(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: files, it('should bulk create 99 file attachments when
    the case has a file associated to it')."""
    case = await create_case(client)
    await upload_file(client, case["id"])

    patched = await bulk_create(client, case["id"], [file_request()] * 99)

    assert patched["totalComment"] == 100


# --- errors -------------------------------------------------------------------------------


async def test_100_files_are_refused_by_a_case_that_has_one(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: files, it('should return a 400 when attempting to create
    100 file attachments when a file associated to the case exists')."""
    case = await create_case(client)
    await upload_file(client, case["id"])

    await bulk_refused(client, db, case["id"], [file_request()] * 100, FILES_LIMIT)


async def test_a_single_file_attachment_with_two_files_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: files, it('400s when attempting to create a single file
    attachment with multiple file objects within it')."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [file_request(externalReferenceMetadata={"files": [FILE_METADATA, FILE_METADATA]})],
        "Only a single file can be stored in an attachment",
    )


async def test_a_file_attachment_without_the_files_field_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: files, it('400s when attaching a file with metadata that
    is missing the file field')."""
    case = await create_case(client)
    bad = file_request(externalReferenceMetadata={"food": FILE_ATTACHMENT_METADATA["files"]})

    await bulk_refused(
        client, db, case["id"], [USER_COMMENT, bad], 'Invalid value "undefined" supplied to "files"'
    )


async def test_a_file_attachment_with_empty_metadata_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: files, it('should return a 400 when attaching a file with
    an empty metadata')."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [file_request(externalReferenceMetadata={})],
        'Invalid value "undefined" supplied to "files"',
    )


async def test_more_than_100_files_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_create_attachments.ts: files, it('400s when attempting to add more than 100 files
    to a case'): 101 files are over the request's bound first."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [file_request()] * 101,
        "The length of the field attachments is too long. Array must be of length <= 100.",
    )


async def test_file_attachments_without_stored_files_do_not_count(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: files, it('should bulk create 100 file attachments') then
    one more: Kibana's FileLimiter counts the case's files in the Files service
    (countOfItemsWithinCase: fileService.find({meta: {caseIds}})), not its `.files`
    attachments, so attachments naming no stored file leave the case at 0 files."""
    case = await create_case(client)
    await bulk_create(client, case["id"], [file_request()] * 100)

    patched = await bulk_create(client, case["id"], [file_request()])

    assert patched["totalComment"] == 101


async def test_more_than_100_attachments_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 100
    attachments') (Kibana's newer copy; the body is refused before the case is read)."""
    await bulk_refused(
        client,
        db,
        "test-case-id",
        [USER_COMMENT] * 101,
        "The length of the field attachments is too long. Array must be of length <= 100.",
    )


async def test_101_attachments_are_refused_for_an_existing_case(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 100
    attachments'), for a case that exists."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [USER_COMMENT] * 101,
        "The length of the field attachments is too long. Array must be of length <= 100.",
    )


async def test_a_persistable_state_is_refused_by_a_case_that_has_100(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: the persistable-state limit of validateCreateCommentRequest
    (post_comment.ts: it('400s when attempting to add a persistable state to a case that
    already has 100')), with `.lens`."""
    case = await create_case(client)
    patched = await bulk_create(client, case["id"], [LENS_REQUEST] * 100)
    assert comments_of(patched) == [stored(LENS_REQUEST)] * 100

    await bulk_refused(client, db, case["id"], [LENS_REQUEST], PERSISTABLE_LIMIT)


async def test_an_unregistered_attachment_type_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: the `.test` attachments of Kibana's test plugin, which a
    Kibana without that plugin refuses (validateRegisteredAttachments)."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [USER_COMMENT, {**LENS_REQUEST, "persistableStateAttachmentTypeId": ".test"}],
        "Attachment type .test is not registered.",
    )


async def test_a_comment_of_another_owner_than_the_case_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to create a comment with a
    different owner than the case')."""
    case = await create_case(client, case_request(owner=SECURITY))

    await bulk_refused(
        client,
        db,
        case["id"],
        [TEST_COMMENT, {**TEST_COMMENT, "owner": OBSERVABILITY}],
        "The owner field of the comment must match the case",
    )


async def test_an_attachment_without_a_type_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when type is missing'): every member's errors."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [TEST_COMMENT, {"bad": "comment"}],
        union_refusal({"bad": "comment"}),
    )


async def test_a_user_comment_without_its_fields_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when missing attributes for type user')."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [TEST_COMMENT, {"type": "user"}],
        union_refusal({"type": "user"}),
    )


@pytest.mark.parametrize("attribute", ["alertId", "index"])
async def test_a_user_comment_with_alert_fields_is_refused(
    client: httpx.AsyncClient, db: Database, attribute: str
) -> None:
    """bulk_create_attachments.ts: it('400s when adding excess attributes for type user')."""
    case = await create_case(client)
    bad = {"type": "user", attribute: attribute, "comment": "a comment", "owner": SECURITY}

    await bulk_refused(client, db, case["id"], [TEST_COMMENT, bad], f'invalid keys "{attribute}"')


@pytest.mark.parametrize("attribute", ["alertId", "index"])
async def test_an_alert_without_its_ids_is_refused(
    client: httpx.AsyncClient, db: Database, attribute: str
) -> None:
    """bulk_create_attachments.ts: it('400s when missing attributes for type alert')."""
    case = await create_case(client)
    bad = {
        "type": "alert",
        "index": "test-index",
        "alertId": "test-id",
        "rule": {"id": "id", "name": "name"},
        "owner": SECURITY,
    }
    del bad[attribute]

    await bulk_refused(
        client,
        db,
        case["id"],
        [TEST_COMMENT, bad],
        union_refusal(bad),
    )


async def test_an_alert_with_a_comment_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_create_attachments.ts: it('400s when adding excess attributes for type alert')."""
    case = await create_case(client)
    bad = {
        "type": "alert",
        "comment": "comment",
        "alertId": "test-id",
        "index": "test-index",
        "rule": {"id": "id", "name": "name"},
        "owner": SECURITY,
    }

    await bulk_refused(client, db, case["id"], [TEST_COMMENT, bad], 'invalid keys "comment"')


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("a" * 30001, "The length of the comment is too long. The maximum length is 30000."),
        ("  ", "The comment field cannot be an empty string."),
    ],
    ids=["too long", "empty"],
)
async def test_a_comment_of_a_bad_length_is_refused(
    client: httpx.AsyncClient, db: Database, comment: str, message: str
) -> None:
    """bulk_create_attachments.ts: it('400s when comment is too long') (Kibana's newer
    copy), and the empty comment of post_comment.ts, in the second attachment."""
    case = await create_case(client)

    bad = {**USER_COMMENT, "comment": comment}

    await bulk_refused(
        client, db, case["id"], [TEST_COMMENT, bad], union_refusal(bad, comment=message)
    )


async def test_attachments_for_a_case_that_does_not_exist_are_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('404s when the case does not exist')."""
    await bulk_refused(
        client, db, "not-exists", [TEST_COMMENT], "Saved object [cases/not-exists] not found", 404
    )


@pytest.mark.parametrize(
    ("body", "kind"),
    [({"attachments": [USER_COMMENT]}, "Object"), (USER_COMMENT, "Object"), (None, "null")],
    ids=["wrapped", "one attachment", "null"],
)
async def test_a_body_that_is_not_an_array_is_refused(
    client: httpx.AsyncClient, db: Database, body: Any, kind: str
) -> None:
    """bulk_create_attachments.ts: the route's body schema (`schema.arrayOf(escapeHatch)`),
    which Kibana's router applies before the client."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        body,
        f"[request body]: expected value of type [array] but got [{kind}]",
    )


async def test_an_alert_is_not_attached_to_a_closed_case(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when adding an alert to a closed case')."""
    case = await closed_case(client)
    alert = {
        "type": "alert",
        "alertId": "test-id",
        "index": "test-index",
        "rule": {"id": "id", "name": "name"},
        "owner": SECURITY,
    }

    await bulk_refused(client, db, case["id"], [alert], "Alert cannot be attached to a closed case")


async def test_alerts_with_other_attachments_are_not_attached_to_a_closed_case(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when adding an alert with other attachments to a
    closed case') (Kibana's test posts getAttachments() to a new case through
    createCaseAndBulkCreateAttachments, which drops its expected code: here, to the closed
    case as the title says)."""
    case = await closed_case(client)

    await bulk_refused(
        client, db, case["id"], attachments_of(3), "Alert cannot be attached to a closed case"
    )


async def test_user_comments_are_attached_to_a_closed_case(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('400s when adding an alert to a closed case'): only
    alerts are refused."""
    case = await closed_case(client)

    patched = await bulk_create(client, case["id"], [USER_COMMENT, LENS_REQUEST])

    assert comments_of(patched) == [stored(USER_COMMENT), stored(LENS_REQUEST)]


async def test_more_than_1000_alerts_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 1K alerts to a
    case')."""
    case = await create_case(client)

    await bulk_refused(client, db, case["id"], [alerts_request(numbered(1001))], ALERTS_LIMIT)


async def test_more_than_1000_alerts_in_the_same_request_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 1K alerts to a
    case in the same request')."""
    case = await create_case(client)
    alerts = numbered(1001)

    await bulk_refused(
        client,
        db,
        case["id"],
        [alerts_request(alerts[:500]), alerts_request(alerts[500:]), ALERT_COMMENT],
        ALERTS_LIMIT,
    )


async def test_1000_alerts_in_the_same_request_are_attached(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 1K alerts to a
    case in the same request'), at its edge: 500 and 500 are accepted."""
    case = await create_case(client)
    alerts = numbered(1000)
    attachments = [alerts_request(alerts[:500]), alerts_request(alerts[500:])]

    patched = await bulk_create(client, case["id"], attachments)

    assert case_with(patched) == case_response(
        comments=[stored(a) for a in attachments],
        totalComment=2,
        totalAlerts=1000,
        updated_by=ELASTIC,
    )


async def test_1001_alerts_in_the_same_request_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add more than 1K alerts to a
    case in the same request'), one past the edge."""
    case = await create_case(client)
    alerts = numbered(1001)

    await bulk_refused(
        client,
        db,
        case["id"],
        [alerts_request(alerts[:500]), alerts_request(alerts[500:])],
        ALERTS_LIMIT,
    )


async def test_an_alert_is_refused_by_a_case_that_has_1000(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when attempting to add an alert to a case that
    already has 1K alerts')."""
    case = await create_case(client)
    await bulk_create(client, case["id"], [alerts_request(numbered(1000))])

    await bulk_refused(client, db, case["id"], [ALERT_COMMENT], ALERTS_LIMIT)


async def test_alerts_are_refused_when_the_sum_exceeds_1000(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('400s when the case already has alerts and the sum of
    existing and new alerts exceed 1k')."""
    case = await create_case(client)
    alerts = numbered(1200)
    await bulk_create(client, case["id"], [alerts_request(alerts[:500])])

    await bulk_refused(
        client, db, case["id"], [alerts_request(alerts[500:]), ALERT_COMMENT], ALERTS_LIMIT
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
    """bulk_create_attachments.ts: it(`throws an error with an alert comment with contents
    id: ${alertId} indices: ${index} type: ${type}`)."""
    case = await create_case(client)

    await bulk_refused(
        client,
        db,
        case["id"],
        [{**ALERT_COMMENT, "alertId": alert_id, "index": index}],
        f"Received an alert comment with ids and indices arrays of different lengths {message}",
    )


async def test_alerts_of_the_right_format_are_attached(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('does not throw an error with correct alert
    formatting'): the second attachment's id `1` is already in the first, so only `2`
    remains of it."""
    case = await create_case(client)
    first = {**ALERT_COMMENT, "alertId": "1", "index": ["index1"]}
    second = {**ALERT_COMMENT, "alertId": ["1", "2"], "index": ["index", "other-index"]}

    patched = await bulk_create(client, case["id"], [first, second])

    assert comments_of(patched) == [
        stored(first, alertId=["1"]),
        stored(second, alertId=["2"], index=["other-index"]),
    ]
    assert patched["totalAlerts"] == 2


# --- alert filtering ----------------------------------------------------------------------


async def test_an_alert_already_attached_is_not_attached_again(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('does not create a new attachment if the alert is
    already attached to the case'). Nothing is written: the case is answered as it was."""
    case = await create_case(client)
    first = await bulk_create(client, case["id"], [ALERT_COMMENT])

    async with unchanged(db):
        again = await bulk_create(client, case["id"], [ALERT_COMMENT])

    assert again == first
    assert len(again["comments"]) == 1


async def test_an_alert_repeated_in_the_request_is_attached_once(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: it('does not create a new attachment if the alert is
    already attached to the case on the same request')."""
    case = await create_case(client)

    patched = await bulk_create(client, case["id"], [ALERT_COMMENT, ALERT_COMMENT])

    assert comments_of(patched) == [
        stored(ALERT_COMMENT, alertId=["test-id"], index=["test-index"])
    ]
    assert len(await user_actions(client, case["id"])) == 2


async def test_alerts_already_attached_are_not_attached_again(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: it('should not create a new attachment if the alerts are
    already attached to the case')."""
    case = await create_case(client)
    first = await bulk_create(client, case["id"], [ALERT_MULTIPLE_IDS_REQUEST])

    async with unchanged(db):
        again = await bulk_create(client, case["id"], [ALERT_MULTIPLE_IDS_REQUEST])

    assert again == first
    assert comments_of(again) == [stored(ALERT_MULTIPLE_IDS_REQUEST)]


async def test_alerts_repeated_in_the_request_are_attached_once(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: it('should not create a new attachment if the alerts are
    already attached to the case on the same request')."""
    case = await create_case(client)

    patched = await bulk_create(
        client, case["id"], [ALERT_MULTIPLE_IDS_REQUEST, ALERT_MULTIPLE_IDS_REQUEST]
    )

    assert comments_of(patched) == [stored(ALERT_MULTIPLE_IDS_REQUEST)]


async def test_only_the_alerts_not_yet_attached_are_attached(client: httpx.AsyncClient) -> None:
    """bulk_create_attachments.ts: it('should create a new attachment without alerts
    attached to the case')."""
    case = await create_case(client)
    await bulk_create(client, case["id"], [ALERT_MULTIPLE_IDS_REQUEST])

    patched = await bulk_create(client, case["id"], [ALERT_WITH_ID_3])

    assert case_with(patched) == case_response(
        comments=[stored(ALERT_MULTIPLE_IDS_REQUEST), stored(ALERT_ONLY_ID_3)],
        totalComment=2,
        totalAlerts=3,
        updated_by=ELASTIC,
    )
    assert (await user_actions(client, case["id"]))[2]["payload"] == {"comment": ALERT_ONLY_ID_3}


async def test_only_the_alerts_not_yet_in_the_request_are_attached(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: it('should create a new attachment without alerts
    attached to the case on the same request')."""
    case = await create_case(client)

    patched = await bulk_create(client, case["id"], [ALERT_MULTIPLE_IDS_REQUEST, ALERT_WITH_ID_3])

    assert comments_of(patched) == [stored(ALERT_MULTIPLE_IDS_REQUEST), stored(ALERT_ONLY_ID_3)]


async def test_user_comments_stay_when_duplicate_alerts_are_filtered_out(
    client: httpx.AsyncClient,
) -> None:
    """bulk_create_attachments.ts: it('does not remove user comments when filtering out
    duplicate alerts')."""
    case = await create_case(client)
    super_comment = {**USER_COMMENT, "comment": "Super comment"}
    await bulk_create(client, case["id"], [ALERT_MULTIPLE_IDS_REQUEST])

    patched = await bulk_create(client, case["id"], [super_comment, ALERT_WITH_ID_3, USER_COMMENT])

    assert comments_of(patched) == [
        stored(ALERT_MULTIPLE_IDS_REQUEST),
        stored(super_comment),
        stored(ALERT_ONLY_ID_3),
        stored(USER_COMMENT),
    ]
    assert patched["totalComment"] == 4


async def test_an_alert_without_ids_attaches_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_create_attachments.ts: alert filtering: empty id and index arrays pass Kibana's
    codec, and filterDuplicatedAlerts leaves nothing to attach (200, the case as it was)."""
    case = await create_case(client)

    async with unchanged(db):
        answered = await bulk_create(client, case["id"], [alerts_request([])])

    assert without_server_fields(answered) == case_response()
    assert answered["version"] == case["version"]


# --- rbac ---------------------------------------------------------------------------------


async def test_a_user_with_privileges_for_the_owner_creates_attachments(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """bulk_create_attachments.ts: rbac, it('should bulk create attachments when the user has
    the correct permissions for that owner')."""
    case = await create_case(client, case_request(owner=SECURITY), space="space1")

    patched = await bulk_create(
        await kibana_users("sec_only"), case["id"], [USER_COMMENT], space="space1"
    )

    sec_only = user_ref("sec_only")
    assert case_with(patched) == case_response(
        comments=[stored(USER_COMMENT, created_by=sec_only)],
        totalComment=1,
        updated_by=sec_only,
    )


async def test_a_user_without_privileges_for_the_owner_is_refused(
    kibana_users: KibanaUsers, db: Database
) -> None:
    """bulk_create_attachments.ts: rbac, it('should not create a comment when the user does
    not have permissions for that owner')."""
    case = await create_case(
        await kibana_users("obs_only"), case_request(owner=OBSERVABILITY), space="space1"
    )

    await bulk_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        [{**USER_COMMENT, "owner": OBSERVABILITY}],
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
    """bulk_create_attachments.ts: rbac, it(`User ${username} with role(s) ${roles} - should
    not create a comment`)."""
    case = await create_case(client, case_request(owner=SECURITY), space="space1")

    await bulk_refused(
        await kibana_users(username),
        db,
        case["id"],
        [USER_COMMENT],
        UNAUTHORIZED.format(SECURITY),
        403,
        space="space1",
    )


async def test_attachments_are_refused_in_a_space_without_privileges(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """bulk_create_attachments.ts: rbac, it('should not create a comment in a space the user
    does not have permissions for')."""
    case = await create_case(client, case_request(owner=SECURITY), space="space2")

    await bulk_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        [USER_COMMENT],
        UNAUTHORIZED.format(SECURITY),
        403,
        space="space2",
    )


async def test_the_registered_type_check_comes_before_authorization(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """bulk_create_attachments.ts: rbac: unlike add, Kibana's bulkCreate checks the
    registered types with the decoding, before ensureAuthorized."""
    case = await create_case(client, case_request(owner=OBSERVABILITY), space="space1")

    await bulk_refused(
        await kibana_users("sec_only"),
        db,
        case["id"],
        [{**LENS_REQUEST, "persistableStateAttachmentTypeId": ".test", "owner": OBSERVABILITY}],
        "Attachment type .test is not registered.",
        space="space1",
    )
