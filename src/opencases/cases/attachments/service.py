"""The rules of attachments (Kibana's attachments client and CaseCommentModel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases import service as cases_service
from opencases.cases import store as cases_store
from opencases.cases.attachments import checks, store
from opencases.cases.attachments.schemas import (
    AlertRequest,
    AttachmentPatchFields,
    AttachmentRequest,
    BulkCreateRequest,
    ExternalReferenceRequest,
)
from opencases.cases.attachments.store import AttachmentRecord
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure.schemas import UserRef
from opencases.db import Executor, new_id
from opencases.kibana.errors import BadRequest, Conflict, NotFound, saved_object_not_found
from opencases.kibana.time import utc_now
from opencases.kibana.validation import validate
from opencases.kibana.versions import decode_version
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

SAVED_OBJECT_TYPE = "cases-comments"

CREATE = Operation(name="createComment", verb="create", doc_type="comments", read_only=False)
UPDATE = Operation(name="updateComment", verb="update", doc_type="comments", read_only=False)
DELETE = Operation(name="deleteComment", verb="delete", doc_type="comments", read_only=False)
GET = Operation(name="getComment", verb="access", doc_type="comments", read_only=True)


def request_fields(record: AttachmentRecord) -> dict[str, Any]:
    """What a request for this attachment would hold: its type's fields, type and owner."""
    return {**record.attributes, "type": record.type, "owner": record.owner}


async def with_comments(db: Executor, record: CaseRecord) -> msgspec.Raw:
    """The case with all its attachments, counted as Kibana's encodeWithComments counts them."""
    documents, total, alerts = await store.documents_of_case(db, case_id=record.id)
    case = cases_service.to_case(record, comments=False)
    # Every attachment of every type, and every alert id of every alert attachment.
    case.totalComment = total
    case.totalAlerts = alerts
    # The comments' JSON goes in as the database joined it (a case answers as an object).
    encoded = msgspec.json.encode(case)
    return msgspec.Raw(b"".join((encoded[:-1], b',"comments":', documents, b"}")))


async def resolve(*, context: RequestContext, case_id: str) -> msgspec.Raw:
    """GET /api/cases/{case_id}/resolve: the case with its comments (an exact match here)."""
    record = await cases_service.readable(context, case_id, cases_service.RESOLVE)
    case = await with_comments(context.db, record)
    return msgspec.Raw(b"".join((b'{"case":', bytes(case), b',"outcome":"exactMatch"}')))


async def _case(context: RequestContext, case_id: str) -> CaseRecord | None:
    return await cases_store.get(context.db, space_id=context.space.id, case_id=case_id)


def _found(record: CaseRecord | None, case_id: str) -> CaseRecord:
    if record is None:
        raise saved_object_not_found(cases_service.SAVED_OBJECT_TYPE, case_id)
    return record


# --- create -------------------------------------------------------------------------------


def _new_alerts(requests: Sequence[AttachmentRequest], attached: set[str]) -> list[dict[str, Any]]:
    """Kibana's filterDuplicatedAlerts: each alert id once per case, arrays from here on."""
    kept = []
    seen = set(attached)
    for request in requests:
        fields = checks.request_dict(request)
        if isinstance(request, AlertRequest):
            pairs = []
            for alert_id, index in zip(
                store.as_list(request.alertId), store.as_list(request.index), strict=True
            ):
                if alert_id not in seen:
                    seen.add(alert_id)
                    pairs.append((alert_id, index))
            if not pairs:
                continue
            fields["alertId"] = [alert_id for alert_id, _ in pairs]
            fields["index"] = [index for _, index in pairs]
        kept.append(fields)
    return kept


def _attributes(fields: dict[str, Any]) -> dict[str, Any]:
    """An attachment request's own fields: all but its type and owner."""
    return {key: value for key, value in fields.items() if key not in ("type", "owner")}


def new_record(
    fields: dict[str, Any], *, record: CaseRecord, now: str, user: UserRef
) -> AttachmentRecord:
    """A new attachment of a case, from its request's fields."""
    return AttachmentRecord(
        id=new_id(),
        case_id=record.id,
        space_id=record.space_id,
        owner=fields["owner"],
        type=fields["type"],
        attributes=_attributes(fields),
        created_at=now,
        created_by=user,
        pushed_at=None,
        pushed_by=None,
        updated_at=None,
        updated_by=None,
        revision=1,
    )


def comment_action(action: str, record: AttachmentRecord) -> UserActionRecord:
    """The `comment` user action of an attachment created, updated or deleted."""
    return UserActionRecord(
        type="comment",
        action=action,
        payload={"comment": request_fields(record)},
        comment_id=record.id,
    )


async def write_changes(
    tx: Executor,
    *,
    case_id: str,
    actions: Sequence[UserActionRecord],
    now: str,
    user: UserRef,
) -> CaseRecord:
    """After attachments changed in `tx`: the case's totals and version, and the activity."""
    # Kibana's totals: user comments, and distinct alert ids (an update changes no type).
    sign = {"create": 1, "delete": -1}
    record = await store.touch_case(
        tx,
        case_id=case_id,
        updated_at=now,
        updated_by=user,
        new_actions=len(actions),
        comments_added=sum(
            sign.get(action.action, 0) for action in actions if action.comment_type == "user"
        ),
        alerts_changed=any(action.comment_type == "alert" for action in actions),
    )
    await cases_service.record_actions(tx, record=record, new_actions=actions, now=now, user=user)
    return record


async def _create(
    context: RequestContext,
    case_id: str,
    requests: Sequence[AttachmentRequest],
    *,
    bulk: bool,
) -> msgspec.Raw:
    """Attach `requests` to a case, after Kibana's checks in Kibana's order."""
    now = utc_now()
    user = cases_service.user_ref(context)
    async with context.db.transaction() as tx:
        # Checked against the case as it is at write time (and read by the writer, whose
        # pages are fresh: each commit invalidates the readers').
        record = await cases_store.get(tx, space_id=context.space.id, case_id=case_id, lock=True)
        checks.check_user_actions(record, case_id, len(requests))
        for request in requests:
            checks.check_request(request)
        if bulk:
            checks.check_registered(requests)
        owners = list(dict.fromkeys(request.owner for request in requests))
        if owners:
            # Kibana checks no privilege for an empty bulk: its case must still exist.
            await context.ensure_authorized(CREATE, owners)
        if not bulk:
            # Kibana's add checks the type after the privilege, its bulk create before.
            checks.check_registered(requests)
        record = _found(record, case_id)
        await checks.check_create(tx, record, requests)
        alerts = any(isinstance(request, AlertRequest) for request in requests)
        attached = await store.attached_alert_ids(tx, case_id=record.id) if alerts else set()
        kept = _new_alerts(requests, attached)
        if not kept:
            return await with_comments(tx, record)
        records = [new_record(fields, record=record, now=now, user=user) for fields in kept]
        await store.insert(tx, records)
        written = await write_changes(
            tx,
            case_id=record.id,
            actions=[comment_action("create", r) for r in records],
            now=now,
            user=user,
        )
        return await with_comments(tx, written)


async def add(*, context: RequestContext, case_id: str, body: Any) -> msgspec.Raw:
    """POST /api/cases/{case_id}/comments: one attachment."""
    request: AttachmentRequest = validate(AttachmentRequest, body)  # type: ignore[arg-type]
    return await _create(context, case_id, [request], bulk=False)


async def bulk_create(*, context: RequestContext, case_id: str, body: Any) -> msgspec.Raw:
    """POST /internal/cases/{case_id}/attachments/_bulk_create: 0 to 100 attachments."""
    requests: list[AttachmentRequest] = validate(BulkCreateRequest, body)
    return await _create(context, case_id, requests, bulk=True)


# --- update -------------------------------------------------------------------------------


def _decode_patch(body: Any) -> tuple[AttachmentPatchFields, AttachmentRequest]:
    """Kibana's AttachmentPatchRequestRt: an attachment request with its `id` and `version`."""
    if not isinstance(body, dict):
        validate(AttachmentRequest, body)  # type: ignore[arg-type]
    fields = {key: body[key] for key in ("id", "version") if key in body}
    rest = {key: value for key, value in body.items() if key not in ("id", "version")}
    request: AttachmentRequest = validate(AttachmentRequest, rest)  # type: ignore[arg-type]
    return validate(AttachmentPatchFields, fields), request


async def update(*, context: RequestContext, case_id: str, body: Any) -> msgspec.Raw:
    """PATCH /api/cases/{case_id}/comments: an attachment's new content, at its version."""
    patch, request = _decode_patch(body)
    record = await _case(context, case_id)
    checks.check_user_actions(record, case_id, 1)
    checks.check_request(request)
    checks.check_registered([request])
    stored = await store.get(context.db, space_id=context.space.id, attachment_id=patch.id)
    if stored is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, patch.id)
    await context.ensure_authorized(UPDATE, [stored.owner])
    record = _found(record, case_id)
    if checks.type_of(request) != stored.type:
        raise BadRequest("You cannot change the type of the comment.")
    if request.owner != stored.owner:
        raise BadRequest("You cannot change the owner of the comment.")
    if (
        isinstance(request, ExternalReferenceRequest)
        and checks.type_of(request.externalReferenceStorage)
        != stored.attributes["externalReferenceStorage"]["type"]
    ):
        raise BadRequest("You cannot change the storage type of an external reference comment.")
    if stored.case_id != record.id:
        # Kibana's message, stray parenthesis included.
        raise NotFound(f"This comment {patch.id} does not exist in {record.id}).")
    if decode_version(patch.version) != stored.revision:
        raise Conflict(_CONFLICT)
    now = utc_now()
    user = cases_service.user_ref(context)
    updated = msgspec.structs.replace(
        stored,
        attributes=_attributes(checks.request_dict(request)),
        updated_at=now,
        updated_by=user,
        revision=stored.revision + 1,
    )
    async with context.db.transaction() as tx:
        if not await store.update(tx, updated, expected=stored.revision):
            raise Conflict(_CONFLICT)
        written = await write_changes(
            tx, case_id=record.id, actions=[comment_action("update", updated)], now=now, user=user
        )
        return await with_comments(tx, written)


_CONFLICT = "This case has been updated. Please refresh before saving additional updates."


# --- delete -------------------------------------------------------------------------------


async def delete(*, context: RequestContext, case_id: str, comment_id: str) -> None:
    """DELETE /api/cases/{case_id}/comments/{comment_id} (a file goes with its attachment)."""
    stored = await store.get(context.db, space_id=context.space.id, attachment_id=comment_id)
    if stored is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, comment_id)
    await context.ensure_authorized(DELETE, [stored.owner])
    if stored.case_id != case_id:
        raise NotFound(f"This comment {comment_id} does not exist in {case_id}.")
    await _delete(context, case_id, [stored])


async def delete_all(*, context: RequestContext, case_id: str) -> None:
    """DELETE /api/cases/{case_id}/comments: every attachment of the case."""
    record = await _case(context, case_id)
    attachments = [] if record is None else await store.of_case(context.db, case_id=case_id)
    if not attachments:
        raise NotFound(f"No comments found for {case_id}.")
    await context.ensure_authorized(DELETE, list(dict.fromkeys(a.owner for a in attachments)))
    await _delete(context, case_id, attachments)


async def _delete(
    context: RequestContext, case_id: str, attachments: Sequence[AttachmentRecord]
) -> None:
    now = utc_now()
    user = cases_service.user_ref(context)
    async with context.db.transaction() as tx:
        await store.delete(tx, ids=[attachment.id for attachment in attachments])
        await store.delete_files(
            tx, ids=[a.attributes["externalReferenceId"] for a in attachments if is_file(a)]
        )
        await write_changes(
            tx,
            case_id=case_id,
            actions=[comment_action("delete", attachment) for attachment in attachments],
            now=now,
            user=user,
        )


def is_file(attachment: AttachmentRecord) -> bool:
    """Whether an attachment is a case file (`.files` external reference)."""
    return (
        attachment.type == "externalReference"
        and attachment.attributes.get("externalReferenceAttachmentTypeId") == checks.FILES_TYPE_ID
    )
