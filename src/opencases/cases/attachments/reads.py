"""Reading attachments: one, a page of a case's user comments, several by id."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from opencases.cases import service as cases_service
from opencases.cases import store as cases_store
from opencases.cases.attachments import store
from opencases.cases.attachments.schemas import (
    MAX_COMMENTS_PER_PAGE,
    Attachment,
    BulkGetAttachmentError,
    BulkGetAttachmentsResponse,
    CommentsFindResponse,
    FindCommentsQuery,
)
from opencases.cases.attachments.service import GET, SAVED_OBJECT_TYPE
from opencases.cases.attachments.store import AttachmentRecord
from opencases.kibana.errors import saved_object_not_found
from opencases.security.context import RequestContext


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
    # Kibana's search of the attachments runs whether or not the case exists.
    cases_service.refuse_a_window_before_the_first(page, per_page)
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
