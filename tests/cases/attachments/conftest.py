"""What the attachment tests share: Kibana's mock attachments, posting one, and Kibana's
message for a body no attachment type decodes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import CASES_URL, SECURITY, space_prefix

# Kibana's mocks (common/lib/mock.ts: postCommentUserReq, postCommentAlertReq), for our
# securitySolution owner.
USER_COMMENT: dict[str, Any] = {
    "comment": "This is a cool comment",
    "type": "user",
    "owner": SECURITY,
}
ALERT_COMMENT: dict[str, Any] = {
    "alertId": "test-id",
    "index": "test-index",
    "rule": {"id": "test-rule-id", "name": "test-index-id"},
    "type": "alert",
    "owner": SECURITY,
}

# Kibana's AttachmentRequestRt (common/types/api/attachment/v1.ts), an io-ts plain union:
# each member's `type` and properties in its codec's order. Kibana declares the external
# reference twice (to a document, to a saved object), with the same properties.
KIBANA_ATTACHMENT_MEMBERS = (
    ("user", ("comment", "type", "owner")),
    ("alert", ("type", "alertId", "index", "rule", "owner")),
    ("actions", ("type", "comment", "actions", "owner")),
    (
        "externalReference",
        (
            "externalReferenceAttachmentTypeId",
            "externalReferenceMetadata",
            "type",
            "owner",
            "externalReferenceId",
            "externalReferenceStorage",
        ),
    ),
    (
        "persistableState",
        ("type", "owner", "persistableStateAttachmentTypeId", "persistableStateAttachmentState"),
    ),
)


def union_refusal(body: dict[str, Any], **wrong: str) -> str:
    """Kibana's 400 for an attachment body that no member of its union decodes.

    io-ts tries every member and reports all their errors; Kibana's formatErrors words each
    (`Invalid value "<value>" supplied to "<key>"`) and keeps the first of equal ones. A
    property missing from `body` is `undefined`; `wrong` gives the message of a property
    that is present but refused (a limit); `type` is refused by every member it does not name.
    """
    messages: dict[str, None] = {}
    for member_type, properties in KIBANA_ATTACHMENT_MEMBERS:
        for key in properties:
            if key == "type":
                if body.get("type") != member_type:
                    messages[
                        f'Invalid value "{body.get("type", "undefined")}" supplied to "type"'
                    ] = None
            elif key in wrong:
                messages[wrong[key]] = None
            elif key not in body:
                messages[f'Invalid value "undefined" supplied to "{key}"'] = None
    return ",".join(messages)


def alerts_request(ids: list[str]) -> dict[str, Any]:
    """ALERT_COMMENT for these alert ids, each in the index of the same name (as Kibana's)."""
    return {**ALERT_COMMENT, "alertId": ids, "index": ids}


def numbered(count: int, start: int = 0) -> list[str]:
    """Kibana's `test-${num}` alert ids."""
    return [f"test-{num}" for num in range(start, start + count)]


def comments_url(case_id: str, space: str | None = None) -> str:
    """The comments route of a case."""
    return f"{space_prefix(space)}{CASES_URL}/{case_id}/comments"


async def post_comment(
    client: httpx.AsyncClient,
    case_id: str,
    body: Any,
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's createComment: POST the attachment, assert the status, return the body."""
    response = await client.post(comments_url(case_id, space), json=body)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result
