"""POST /internal/cases/{case_id}/attachments/_bulk_get: Kibana's internal/
bulk_get_attachments.ts (security_and_spaces/tests/common/internal), ported.

The test clients send `x-elastic-internal-origin` (tests/conftest.py); the helpers name it
too. The io-ts era's errors name the attachment `attachmentId` (a later Kibana says
`savedObjectId`). Kibana's `inject references into attributes` tests post its fixture
plugin's `.test` types; here they use the registered `.lens` and `.files` types.
Nothing skipped: the file has no alert-index tests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import ALERT_COMMENT, USER_COMMENT, post_comment
from tests.cases.conftest import (
    CASES_URL,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    refused,
    space_prefix,
)
from tests.configure.conftest import KibanaUsers

LENS: dict[str, Any] = {
    "type": "persistableState",
    "persistableStateAttachmentTypeId": ".lens",
    "persistableStateAttachmentState": {"foo": "foo", "injectedId": "testRef"},
    "owner": SECURITY,
}
FILE: dict[str, Any] = {
    "type": "externalReference",
    "externalReferenceStorage": {"type": "savedObject", "soType": "file"},
    "externalReferenceAttachmentTypeId": ".files",
    "externalReferenceMetadata": {
        "files": [
            {
                "name": "test_file",
                "extension": "png",
                "mimeType": "image/png",
                "created": "2023-02-27T20:26:54.345Z",
            }
        ]
    },
    "externalReferenceId": "file-id",
    "owner": SECURITY,
}
INTERNAL = {"x-elastic-internal-origin": "kibana"}


def bulk_get_url(case_id: str, space: str | None = None) -> str:
    return f"{space_prefix(space)}/internal/cases/{case_id}/attachments/_bulk_get"


async def bulk_get(
    client: httpx.AsyncClient, case_id: str, ids: list[str], *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's bulkGetAttachments: POST {ids}, 200, the body."""
    response = await client.post(bulk_get_url(case_id, space), json={"ids": ids}, headers=INTERNAL)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def not_found(attachment_id: str) -> dict[str, Any]:
    return {
        "error": "Not Found",
        "message": f"Saved object [cases-comments/{attachment_id}] not found",
        "status": 404,
        "attachmentId": attachment_id,
    }


def not_attached(attachment_id: str, case_id: str) -> dict[str, Any]:
    return {
        "attachmentId": attachment_id,
        "error": "Bad Request",
        "message": f"Attachment is not attached to case id={case_id}",
        "status": 400,
    }


async def refused_internal(
    client: httpx.AsyncClient, db: Database, url: str, body: Any, status: int, message: str
) -> None:
    """refused() for a POST (the test clients send the internal-origin header)."""
    await refused(client, db, "POST", url, status, message, json=body)


async def two_comment_case(client: httpx.AsyncClient) -> dict[str, Any]:
    """Kibana's `setup using two comments`: a case with a user comment and an alert."""
    case = await create_case(client)
    response = await client.post(
        f"/internal/cases/{case['id']}/attachments/_bulk_create",
        json=[USER_COMMENT, ALERT_COMMENT],
        headers=INTERNAL,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- setup using two comments -------------------------------------------------------------


async def test_a_single_attachment_is_answered(client: httpx.AsyncClient) -> None:
    """bulk_get_attachments.ts: it('should retrieve a single attachment')."""
    case = await two_comment_case(client)

    found = await bulk_get(client, case["id"], [case["comments"][0]["id"]])

    assert found == {"attachments": case["comments"][:1], "errors": []}


async def test_attachments_are_answered_in_the_order_asked(client: httpx.AsyncClient) -> None:
    """bulk_get_attachments.ts: it('should retrieve a multiple attachments')."""
    case = await two_comment_case(client)
    user, alert = case["comments"]

    assert await bulk_get(client, case["id"], [user["id"], alert["id"]]) == {
        "attachments": [user, alert],
        "errors": [],
    }
    assert await bulk_get(client, case["id"], [alert["id"], user["id"]]) == {
        "attachments": [alert, user],
        "errors": [],
    }


async def test_unknown_attachments_are_errors(client: httpx.AsyncClient) -> None:
    """bulk_get_attachments.ts: it('populates the errors field with attachments that could not
    be found')."""
    case = await two_comment_case(client)

    assert await bulk_get(client, case["id"], [case["comments"][0]["id"], "does-not-exist"]) == {
        "attachments": case["comments"][:1],
        "errors": [not_found("does-not-exist")],
    }


async def test_a_deleted_attachment_is_an_error(client: httpx.AsyncClient) -> None:
    """bulk_get_attachments.ts: it('populates the errors field with attachments that could not
    be found'), for an attachment deleted."""
    case = await two_comment_case(client)
    user, alert = case["comments"]
    response = await client.delete(f"{CASES_URL}/{case['id']}/comments/{user['id']}")
    assert response.status_code == 204

    assert await bulk_get(client, case["id"], [user["id"], alert["id"]]) == {
        "attachments": [alert],
        "errors": [not_found(user["id"])],
    }


# --- inject references into attributes ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kibana_title"),
    [
        (LENS, "should inject the persistable state attachment references into the attributes"),
        (
            FILE,
            "should inject saved object external reference style attachment's references into"
            " the attributes",
        ),
    ],
    ids=["persistable state", "saved object external reference"],
)
async def test_attachments_are_answered_with_their_attributes(
    client: httpx.AsyncClient, body: dict[str, Any], kibana_title: str
) -> None:
    """bulk_get_attachments.ts: inject references into attributes, it('should inject the
    persistable state attachment references into the attributes') and it("should inject saved
    object external reference style attachment's references into the attributes")."""
    posted = await post_comment(client, (await create_case(client))["id"], body)

    found = await bulk_get(client, posted["id"], [posted["comments"][0]["id"]])

    assert found == {"attachments": posted["comments"], "errors": []}
    assert {k: found["attachments"][0][k] for k in body} == body


# --- rbac ---------------------------------------------------------------------------------


async def owner_cases(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """A case of each owner in space1, each with a user comment of its owner."""
    cases = {}
    for owner in (SECURITY, OBSERVABILITY):
        case = await create_case(client, case_request(owner=owner), space="space1")
        cases[owner] = await post_comment(
            client, case["id"], {**USER_COMMENT, "owner": owner}, space="space1"
        )
    return cases


@pytest.mark.parametrize(
    ("username", "owners"),
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
async def test_users_read_the_attachments_of_their_owners(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, owners: list[str]
) -> None:
    """bulk_get_attachments.ts: rbac, it('should be able to read attachments') (superUser:
    our `elastic`)."""
    cases = await owner_cases(client)
    user = client if username == "elastic" else await kibana_users(username)

    for owner in owners:
        case = cases[owner]
        found = await bulk_get(user, case["id"], [case["comments"][0]["id"]], space="space1")
        assert found == {"attachments": case["comments"], "errors": []}


async def test_an_attachment_of_another_case_is_an_association_error(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """bulk_get_attachments.ts: rbac, it('should return an association error when an
    observability attachment is requested for a security case')."""
    cases = await owner_cases(client)
    sec, obs = cases[SECURITY], cases[OBSERVABILITY]

    found = await bulk_get(
        await kibana_users("sec_only_read"),
        sec["id"],
        [sec["comments"][0]["id"], obs["comments"][0]["id"]],
        space="space1",
    )

    assert found == {
        "attachments": sec["comments"],
        "errors": [not_attached(obs["comments"][0]["id"], sec["id"])],
    }


@pytest.mark.parametrize(
    ("username", "owner", "kibana_title"),
    [
        (
            "sec_only_read",
            OBSERVABILITY,
            "should return an authorization error when a security solution user is attempting"
            " to retrieve an observability attachment",
        ),
        (
            "obs_only_read",
            SECURITY,
            "should return authorization error when a observability user requests a security"
            " attachment for a security case",
        ),
    ],
    ids=["security user, observability case", "observability user, security case"],
)
async def test_a_case_of_an_owner_the_user_cannot_read_is_refused(
    client: httpx.AsyncClient,
    kibana_users: KibanaUsers,
    db: Database,
    username: str,
    owner: str,
    kibana_title: str,
) -> None:
    """bulk_get_attachments.ts: rbac, it('should return an authorization error when a security
    solution user is attempting to retrieve an observability attachment') and it('should
    return authorization error when a observability user requests a security attachment for a
    security case') (the case's own check, cases.resolve)."""
    case = (await owner_cases(client))[owner]

    await refused_internal(
        await kibana_users(username),
        db,
        bulk_get_url(case["id"], "space1"),
        {"ids": [case["comments"][0]["id"]]},
        403,
        f'Unauthorized to access case with owners: "{owner}"',
    )


async def test_other_cases_and_unknown_attachments_are_errors_in_order(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """bulk_get_attachments.ts: rbac, it('should return an error for the observability
    attachment that is not associated to the case, and an error for an unknown
    attachment') (Kibana lists the saved objects' errors before the association errors)."""
    cases = await owner_cases(client)
    sec, obs = cases[SECURITY], cases[OBSERVABILITY]
    obs_id = obs["comments"][0]["id"]

    found = await bulk_get(
        await kibana_users("sec_only"), sec["id"], [obs_id, "does-not-exist"], space="space1"
    )

    assert found == {
        "attachments": [],
        "errors": [not_found("does-not-exist"), not_attached(obs_id, sec["id"])],
    }


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_users_without_access_cannot_bulk_get(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, space: str
) -> None:
    """bulk_get_attachments.ts: rbac, it(`User ${username} with role(s) ${roles} and space
    ${space} - should not bulk get attachments`)."""
    case = await create_case(client, space=space)
    posted = await post_comment(client, case["id"], USER_COMMENT, space=space)

    await refused_internal(
        await kibana_users(username),
        db,
        bulk_get_url(case["id"], space),
        {"ids": [posted["comments"][0]["id"]]},
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
    )


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (
            ["foobar"] * 101,
            "The length of the field ids is too long. Array must be of length <= 100.",
        ),
        ([], "The length of the field ids is too short. Array must be of length >= 1."),
    ],
    ids=["more than 100", "zero"],
)
async def test_a_bad_number_of_ids_is_refused(
    client: httpx.AsyncClient, db: Database, ids: list[str], message: str
) -> None:
    """bulk_get_attachments.ts: errors, it('400s when requesting more than 100 attachments')
    and it('400s when requesting zero attachments') (decoded before the case is read)."""
    await refused_internal(client, db, bulk_get_url("id"), {"ids": ids}, 400, message)


async def test_an_unknown_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """client/attachments/bulk_get.ts: cases.resolve of the case first."""
    case = await two_comment_case(client)

    await refused_internal(
        client,
        db,
        bulk_get_url("fake-id"),
        {"ids": [case["comments"][0]["id"]]},
        404,
        "Saved object [cases/fake-id] not found",
    )


async def test_an_unknown_key_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """routes/api/internal/bulk_get_attachments.ts: decodeWithExcessOrThrow."""
    await refused_internal(
        client, db, bulk_get_url("id"), {"ids": ["a"], "foo": 1}, 400, 'invalid keys "foo"'
    )


async def test_100_ids_are_allowed(client: httpx.AsyncClient) -> None:
    """BulkGetAttachmentsRequestRt: at most MAX_BULK_GET_ATTACHMENTS (100) ids."""
    case = await two_comment_case(client)
    ids = [case["comments"][0]["id"]] + [f"missing-{i}" for i in range(99)]

    found = await bulk_get(client, case["id"], ids)

    assert found["attachments"] == case["comments"][:1]
    assert found["errors"] == [not_found(f"missing-{i}") for i in range(99)]
