"""What the attachment tests share: Kibana's message for a body no attachment type decodes."""

from __future__ import annotations

from typing import Any

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
