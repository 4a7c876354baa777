"""The rules of attachments (Kibana's attachments client and CaseCommentModel)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases import service as cases_service
from opencases.cases import store as cases_store
from opencases.cases.attachments import store
from opencases.cases.attachments.schemas import (
    MAX_ALERTS_PER_CASE,
    MAX_COMMENTS_PER_PAGE,
    MAX_FILES_PER_CASE,
    MAX_PERSISTABLE_STATE_AND_EXTERNAL_REFERENCES,
    ActionsRequest,
    AlertRequest,
    Attachment,
    AttachmentPatchFields,
    AttachmentRequest,
    BulkCreateRequest,
    BulkGetAttachmentError,
    BulkGetAttachmentsResponse,
    CommentsFindResponse,
    ExternalReferenceRequest,
    FindCommentsQuery,
    PersistableStateRequest,
    UserCommentRequest,
)
from opencases.cases.attachments.store import AttachmentRecord
from opencases.cases.schemas import MAX_USER_ACTIONS_PER_CASE
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure.schemas import UserRef
from opencases.db import Executor
from opencases.kibana.errors import BadRequest, Conflict, NotFound, saved_object_not_found
from opencases.kibana.time import utc_now
from opencases.kibana.validation import validate
from opencases.kibana.versions import decode_version
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

SAVED_OBJECT_TYPE = "cases-comments"
FILES_TYPE_ID = ".files"

CREATE = Operation(name="createComment", verb="create", doc_type="comments", read_only=False)
UPDATE = Operation(name="updateComment", verb="update", doc_type="comments", read_only=False)
DELETE = Operation(name="deleteComment", verb="delete", doc_type="comments", read_only=False)
GET = Operation(name="getComment", verb="access", doc_type="comments", read_only=True)

# The attachment types a Kibana with its default plugins registers, by kind: Cases' files
# and Lens visualizations. Another id is refused, as Kibana refuses an unregistered one.
REGISTERED_TYPES = {"externalReference": {FILES_TYPE_ID}, "persistableState": {".lens"}}


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


# --- checks -------------------------------------------------------------------------------


def check_user_actions(record: CaseRecord | None, case_id: str, adding: int) -> None:
    """Kibana's validateMaxUserActions (a case that does not exist has none)."""
    if record is not None and record.user_action_count + adding > MAX_USER_ACTIONS_PER_CASE:
        raise BadRequest(
            f"The case with id {case_id} has reached the limit of"
            f" {MAX_USER_ACTIONS_PER_CASE} user actions."
        )


def _as_list(value: list[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_request(request: AttachmentRequest) -> None:
    """Kibana's decodeCommentRequest: matching alert arrays, the files metadata."""
    if isinstance(request, AlertRequest):
        ids, indices = _as_list(request.alertId), _as_list(request.index)
        if len(ids) != len(indices):
            raise BadRequest(
                "Received an alert comment with ids and indices arrays of different lengths"
                f" ids: {_js_json(ids)} indices: {_js_json(indices)}"
            )
    if (
        isinstance(request, ExternalReferenceRequest)
        and request.externalReferenceAttachmentTypeId == FILES_TYPE_ID
    ):
        _check_files_metadata(request.externalReferenceMetadata)


def type_of(request: Any) -> str:
    """The `type` of a tagged request struct (an attachment, an external reference's storage)."""
    tag: str = type(request).__struct_config__.tag
    return tag


def request_dict(request: AttachmentRequest) -> dict[str, Any]:
    """An attachment request as plain JSON values, its `type` included."""
    fields: dict[str, Any] = msgspec.to_builtins(request)
    return fields


def _js_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class _FileMetadata(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    extension: str
    mimeType: str
    created: str


class _FilesMetadata(msgspec.Struct, forbid_unknown_fields=True):
    files: list[_FileMetadata]


def _check_files_metadata(metadata: dict[str, Any] | None) -> None:
    """Kibana's `.files` schema: metadata naming at most one file."""
    files = validate(_FilesMetadata, metadata)
    if len(files.files) > 1:
        raise BadRequest("Only a single file can be stored in an attachment")


def _check_registered(requests: Sequence[AttachmentRequest]) -> None:
    for request in requests:
        type_id = None
        if isinstance(request, ExternalReferenceRequest):
            type_id = request.externalReferenceAttachmentTypeId
        elif isinstance(request, PersistableStateRequest):
            type_id = request.persistableStateAttachmentTypeId
        if type_id is not None and type_id not in REGISTERED_TYPES[type_of(request)]:
            raise BadRequest(f"Attachment type {type_id} is not registered.")


def _is_file(request: AttachmentRequest) -> bool:
    return (
        isinstance(request, ExternalReferenceRequest)
        and request.externalReferenceAttachmentTypeId == FILES_TYPE_ID
    )


async def check_create(
    db: Executor, record: CaseRecord, requests: Sequence[AttachmentRequest]
) -> None:
    """Kibana's validateCreateCommentRequest: closed cases, owners, per-case limits."""
    if record.status == "closed" and any(isinstance(r, AlertRequest) for r in requests):
        raise BadRequest("Alert cannot be attached to a closed case")
    if any(request.owner != record.owner for request in requests):
        raise BadRequest("The owner field of the comment must match the case")
    if all(isinstance(r, UserCommentRequest | ActionsRequest) for r in requests):
        return  # no per-case limit counts them
    held = await store.counts(db, case_id=record.id)
    limits = [
        (
            sum(len(_as_list(r.alertId)) for r in requests if isinstance(r, AlertRequest)),
            held.alerts,
            MAX_ALERTS_PER_CASE,
            "alerts",
        ),
        (
            sum(
                1
                for r in requests
                if isinstance(r, ExternalReferenceRequest | PersistableStateRequest)
                and not _is_file(r)
            ),
            held.external,
            MAX_PERSISTABLE_STATE_AND_EXTERNAL_REFERENCES,
            "persistable state and external reference attachments",
        ),
        (
            sum(_file_count(r) for r in requests if _is_file(r)),
            held.files,
            MAX_FILES_PER_CASE,
            "files",
        ),
    ]
    for requested, attached, limit, noun in limits:
        if requested and (requested > limit or requested + attached > limit):
            raise BadRequest(
                f"Case has reached the maximum allowed number ({limit}) of attached {noun}."
            )


def _file_count(request: AttachmentRequest) -> int:
    """How many files a `.files` attachment names (Kibana's FileLimiter)."""
    assert isinstance(request, ExternalReferenceRequest)
    metadata = request.externalReferenceMetadata or {}
    return len(metadata.get("files") or [])


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
        fields = request_dict(request)
        if isinstance(request, AlertRequest):
            pairs = [
                (alert_id, index)
                for alert_id, index in zip(
                    _as_list(request.alertId), _as_list(request.index), strict=True
                )
                if not (alert_id in seen or seen.add(alert_id))  # type: ignore[func-returns-value]
            ]
            if not pairs:
                continue
            fields["alertId"] = [alert_id for alert_id, _ in pairs]
            fields["index"] = [index for _, index in pairs]
        kept.append(fields)
    return kept


def new_record(
    fields: dict[str, Any], *, record: CaseRecord, now: str, user: UserRef
) -> AttachmentRecord:
    """A new attachment of a case, from its request's fields."""
    attributes = {k: v for k, v in fields.items() if k not in ("type", "owner")}
    alert = fields["type"] == "alert"
    return AttachmentRecord(
        id=str(uuid.uuid4()),
        case_id=record.id,
        space_id=record.space_id,
        owner=fields["owner"],
        type=fields["type"],
        attributes=attributes,
        alert_ids=_as_list(attributes["alertId"]) if alert else [],
        alert_indices=_as_list(attributes["index"]) if alert else [],
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
    record = await _case(context, case_id)
    check_user_actions(record, case_id, len(requests))
    for request in requests:
        _check_request(request)
    if bulk:
        _check_registered(requests)
    owners = list(dict.fromkeys(request.owner for request in requests))
    if owners:
        # Kibana checks no privilege for an empty bulk: its case must still exist.
        await context.ensure_authorized(CREATE, owners)
    if not bulk:
        # Kibana's add checks the type after the privilege, its bulk create before.
        _check_registered(requests)
    record = _found(record, case_id)
    await check_create(context.db, record, requests)
    alerts = any(isinstance(request, AlertRequest) for request in requests)
    attached = await store.attached_alert_ids(context.db, case_id=record.id) if alerts else set()
    kept = _new_alerts(requests, attached)
    if not kept:
        return await with_comments(context.db, record)
    now = utc_now()
    user = cases_service.user_ref(context)
    records = [new_record(fields, record=record, now=now, user=user) for fields in kept]
    async with context.db.transaction() as tx:
        await store.insert(tx, records)
        written = await write_changes(
            tx,
            case_id=record.id,
            actions=[comment_action("create", r) for r in records],
            now=now,
            user=user,
        )
        # Read by the writer, whose pages are fresh: the readers' were just invalidated.
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
    check_user_actions(record, case_id, 1)
    _check_request(request)
    _check_registered([request])
    stored = await store.get(context.db, space_id=context.space.id, attachment_id=patch.id)
    if stored is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, patch.id)
    await context.ensure_authorized(UPDATE, [stored.owner])
    record = _found(record, case_id)
    if type_of(request) != stored.type:
        raise BadRequest("You cannot change the type of the comment.")
    if request.owner != stored.owner:
        raise BadRequest("You cannot change the owner of the comment.")
    if (
        isinstance(request, ExternalReferenceRequest)
        and type_of(request.externalReferenceStorage)
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
    fields = msgspec.to_builtins(request)
    attributes = {k: v for k, v in fields.items() if k not in ("type", "owner")}
    alert = stored.type == "alert"
    updated = msgspec.structs.replace(
        stored,
        attributes=attributes,
        alert_ids=_as_list(attributes["alertId"]) if alert else [],
        alert_indices=_as_list(attributes["index"]) if alert else [],
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
        and attachment.attributes.get("externalReferenceAttachmentTypeId") == FILES_TYPE_ID
    )


# --- read ---------------------------------------------------------------------------------


async def get(*, context: RequestContext, case_id: str, comment_id: str) -> Attachment:
    """GET /api/cases/{case_id}/comments/{comment_id} (Kibana 9 does not match the case)."""
    stored = await store.get(context.db, space_id=context.space.id, attachment_id=comment_id)
    if stored is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, comment_id)
    await context.ensure_authorized(GET, [stored.owner])
    return store.answer(stored)


async def find(*, context: RequestContext, case_id: str, query: FindCommentsQuery) -> msgspec.Raw:
    """GET /api/cases/{case_id}/comments/_find: a page of the case's user comments.

    The encoded page is kept until the next write; who may read it is checked every time.
    """
    page, per_page = cases_service.page_of(
        query.page, query.perPage, max_per_page=MAX_COMMENTS_PER_PAGE
    )
    owners = await context.ensure_any_owner(GET)
    db, space_id = context.db, context.space.id
    descending = query.sortOrder == "desc"

    async def load() -> tuple[str | None, msgspec.Raw]:
        record = await cases_store.get(db, space_id=space_id, case_id=case_id)
        found: list[AttachmentRecord] = []
        total = 0
        if record is not None:
            total = await store.count_of_case(db, case_id=case_id, types=["user"])
            found = await store.of_case(
                db,
                case_id=case_id,
                types=["user"],
                descending=descending,
                limit=per_page,
                offset=(page - 1) * per_page,
            )
        answer = CommentsFindResponse(
            comments=[store.answer(attachment) for attachment in found],
            page=page,
            per_page=per_page,
            total=total,
        )
        return (None if record is None else record.owner), msgspec.Raw(msgspec.json.encode(answer))

    key = ("comments", space_id, case_id, page, per_page, descending)
    owner, encoded = await db.read_cached(key, load)
    if owner is None or owner not in owners:
        # Kibana filters the attachments by the owners the caller may read: none here.
        empty = CommentsFindResponse(comments=[], page=page, per_page=per_page, total=0)
        return msgspec.Raw(msgspec.json.encode(empty))
    return encoded


async def bulk_get(
    *, context: RequestContext, case_id: str, ids: Sequence[str]
) -> BulkGetAttachmentsResponse:
    """POST /internal/cases/{case_id}/attachments/_bulk_get."""
    await cases_service.readable(context, case_id, cases_service.GET)
    allowed = await context.authorized_owners(GET)
    found = {a.id: a for a in await store.get_many(context.db, space_id=context.space.id, ids=ids)}
    attachments = []
    # Kibana lists the missing attachments first, then those of another case, then the
    # unreadable ones (constructErrors in client/attachments/bulk_get.ts).
    missing, elsewhere, forbidden = [], [], []
    for attachment_id in ids:
        attachment = found.get(attachment_id)
        if attachment is None:
            missing.append(
                BulkGetAttachmentError(
                    error="Not Found",
                    message=f"Saved object [{SAVED_OBJECT_TYPE}/{attachment_id}] not found",
                    status=404,
                    attachmentId=attachment_id,
                )
            )
        elif attachment.case_id != case_id:
            elsewhere.append(
                BulkGetAttachmentError(
                    error="Bad Request",
                    message=f"Attachment is not attached to case id={case_id}",
                    status=400,
                    attachmentId=attachment_id,
                )
            )
        elif attachment.owner not in allowed:
            forbidden.append(
                BulkGetAttachmentError(
                    error="Forbidden",
                    message=f'Unauthorized to access attachment with owner: "{attachment.owner}"',
                    status=403,
                    attachmentId=attachment_id,
                )
            )
        else:
            attachments.append(store.answer(attachment))
    errors = missing + elsewhere + forbidden
    return BulkGetAttachmentsResponse(attachments=attachments, errors=errors)


async def latest(*, context: RequestContext, ids: Sequence[str]) -> list[Attachment]:
    """The attachments of `ids` the caller may read (the internal user actions find's)."""
    if not ids:
        return []
    allowed = await context.authorized_owners(GET)
    found = await store.get_many(context.db, space_id=context.space.id, ids=ids)
    by_id = {attachment.id: attachment for attachment in found if attachment.owner in allowed}
    return [store.answer(by_id[i]) for i in dict.fromkeys(ids) if i in by_id]
