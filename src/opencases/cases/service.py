"""The rules of cases (Kibana's cases client): create, read, update and delete, with activity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from msgspec import UNSET

from opencases.cases import custom_fields, store, timing
from opencases.cases import user_actions as actions
from opencases.cases.schemas import (
    MAX_USER_ACTIONS_PER_CASE,
    BulkGetError,
    BulkGetResponse,
    Case,
    CasePatchRequest,
    CasePostRequest,
    CaseResolveResponse,
    CasesPatchRequest,
)
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure import service as configure_service
from opencases.configure.schemas import UserRef
from opencases.db import Executor
from opencases.kibana.errors import (
    BadRequest,
    Conflict,
    NotAcceptable,
    NotFound,
    saved_object_not_found,
)
from opencases.kibana.time import utc_now
from opencases.kibana.validation import given, js_trim
from opencases.kibana.versions import decode_version, encode_version
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

SAVED_OBJECT_TYPE = "cases"

CREATE = Operation(name="createCase", verb="create", doc_type="case", read_only=False)
GET = Operation(name="getCase", verb="access", doc_type="case", read_only=True)
RESOLVE = GET
BULK_GET = Operation(name="getCase", verb="access", doc_type="cases", read_only=True)
UPDATE = Operation(name="updateCase", verb="update", doc_type="case", read_only=False)
DELETE = Operation(name="deleteCase", verb="delete", doc_type="case", read_only=False)

# Fields of PATCH /api/cases that write a case column, in Kibana's user action order.
PATCH_FIELDS = (
    "title",
    "description",
    "tags",
    "connector",
    "settings",
    "owner",
    "assignees",
    "severity",
    "category",
    "customFields",
    "status",
)


def user_ref(context: RequestContext) -> UserRef:
    """Who makes the request, as Kibana records it on a case."""
    return configure_service.user_ref(context.principal)


def to_case(record: CaseRecord, *, comments: bool = True) -> Case:
    """The case as Kibana answers it (`comments: []` but for GET, as Kibana 9 does)."""
    timing_fields: dict[str, Any] = {
        key: record.timing[key]
        for key in (
            "in_progress_at",
            "time_to_acknowledge",
            "time_to_investigate",
            "time_to_resolve",
        )
        if key in record.timing
    }
    return Case(
        id=record.id,
        version=encode_version(record.revision),
        incremental_id=record.incremental_id,
        title=record.title,
        description=record.description,
        tags=record.tags,
        status=record.status,  # type: ignore[arg-type]
        severity=record.severity,  # type: ignore[arg-type]
        owner=record.owner,
        connector=record.connector,
        settings=record.settings,
        assignees=record.assignees,
        category=record.category,
        customFields=record.customFields,
        observables=record.observables,
        duration=record.duration,
        closed_at=record.closed_at,
        closed_by=record.closed_by,
        created_at=record.created_at,
        created_by=record.created_by,
        updated_at=record.updated_at,
        updated_by=record.updated_by,
        external_service=record.external_service,
        totalComment=record.total_comments,
        totalAlerts=record.total_alerts,
        comments=[] if comments else UNSET,
        **timing_fields,
    )


def _trimmed_tags(tags: Sequence[str]) -> list[str]:
    return [js_trim(tag) for tag in tags]


async def record_actions(
    tx: Executor,
    *,
    record: CaseRecord,
    new_actions: Sequence[UserActionRecord],
    now: str,
    user: UserRef,
) -> None:
    """Store a case's new user actions, numbered after those it has (the count is the caller's)."""
    await store.insert_user_actions(
        tx,
        case_id=record.id,
        owner=record.owner,
        first_position=record.user_action_count - len(new_actions) + 1,
        actions=new_actions,
        ids=[str(uuid.uuid4()) for _ in new_actions],
        created_at=now,
        created_by=user,
    )


# --- create -----------------------------------------------------------------------------


async def create(*, context: RequestContext, request: CasePostRequest) -> Case:
    """Create a case: its number, its `create_case` action, Kibana's defaults."""
    configured = await configure_service.custom_fields_of(
        db=context.db, space_id=context.space.id, owner=request.owner
    )
    requested_fields = given(request.customFields, [])
    custom_fields.validate(requested_fields, configured)
    await context.ensure_authorized(CREATE, [request.owner])

    now = utc_now()
    user = user_ref(context)
    category = given(request.category, None)
    record = CaseRecord(
        id=str(uuid.uuid4()),
        space_id=context.space.id,
        owner=request.owner,
        incremental_id=0,
        title=js_trim(request.title),
        description=js_trim(request.description),
        tags=_trimmed_tags(request.tags),
        status="open",
        severity=given(request.severity, "low"),
        connector=request.connector,
        settings=request.settings,
        assignees=given(request.assignees, []),
        category=None if category is None else js_trim(category),
        customFields=custom_fields.fill_missing(requested_fields, configured),
        observables=[],
        external_service=None,
        timing={},
        duration=None,
        closed_at=None,
        closed_by=None,
        created_at=now,
        created_by=user,
        updated_at=None,
        updated_by=None,
        total_comments=0,
        total_alerts=0,
        user_action_count=1,
        revision=1,
    )
    async with context.db.transaction() as tx:
        record.incremental_id = await store.next_incremental_id(tx, space_id=context.space.id)
        await store.insert(tx, record)
        await record_actions(
            tx, record=record, new_actions=[actions.create_case(record)], now=now, user=user
        )
    return to_case(record)


# --- read ---------------------------------------------------------------------------------


async def readable(context: RequestContext, case_id: str, operation: Operation) -> CaseRecord:
    """A case of the request's space the caller may run `operation` on, or Kibana's 404/403."""
    record = await store.get(context.db, space_id=context.space.id, case_id=case_id)
    if record is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, case_id)
    await context.ensure_authorized(operation, [record.owner])
    return record


async def get(*, context: RequestContext, case_id: str) -> Case:
    """One case (Kibana 9: without its comments)."""
    return to_case(await readable(context, case_id, GET), comments=False)


async def resolve(*, context: RequestContext, case_id: str) -> CaseResolveResponse:
    """One case as saved objects' resolve answers it: always an exact match here."""
    record = await readable(context, case_id, RESOLVE)
    return CaseResolveResponse(case=to_case(record), outcome="exactMatch")


async def bulk_get(*, context: RequestContext, ids: Sequence[str]) -> BulkGetResponse:
    """The cases of `ids` the caller may read; an error entry for each other id."""
    found = {
        record.id: record
        for record in await store.get_many(context.db, space_id=context.space.id, case_ids=ids)
    }
    allowed = set(await context.authorized_owners(BULK_GET))
    cases: list[Case] = []
    errors: list[BulkGetError] = []
    for case_id in dict.fromkeys(ids):
        record = found.get(case_id)
        if record is None:
            errors.append(
                BulkGetError(
                    error="Not Found",
                    message=f"Saved object [cases/{case_id}] not found",
                    status=404,
                    caseId=case_id,
                )
            )
        elif record.owner not in allowed:
            errors.append(
                BulkGetError(
                    error="Forbidden",
                    message="Unauthorized to access case",
                    status=403,
                    caseId=case_id,
                )
            )
        else:
            cases.append(to_case(record))
    return BulkGetResponse(cases=cases, errors=errors)


# --- update -------------------------------------------------------------------------------


def _changed_fields(request: CasePatchRequest, stored: CaseRecord) -> dict[str, Any]:
    """The fields of a PATCH item that differ from the stored case, with their new values."""
    changes: dict[str, Any] = {}
    for field in PATCH_FIELDS:
        value = getattr(request, field)
        if value is UNSET:
            continue
        if field in ("title", "description") or (field == "category" and value is not None):
            value = js_trim(value)
        elif field == "tags":
            value = _trimmed_tags(value)
        if value != getattr(stored, field):
            changes[field] = value
    return changes


async def update(*, context: RequestContext, request: CasesPatchRequest) -> list[Case]:
    """Update 1 to 100 cases, each at the version it was read at, in one transaction."""
    ids = [item.id for item in request.cases]
    stored = {
        record.id: record
        for record in await store.get_many(context.db, space_id=context.space.id, case_ids=ids)
    }
    missing = [case_id for case_id in ids if case_id not in stored]
    if missing:
        raise NotFound(
            f"These cases {', '.join(missing)} do not exist. Please check you have the correct ids."
        )
    await context.ensure_authorized(UPDATE, list(dict.fromkeys(r.owner for r in stored.values())))
    changes = await _checked_changes(context, request, stored)
    now = utc_now()
    user = user_ref(context)
    updated: list[tuple[CaseRecord, CaseRecord, list[str], list[UserActionRecord]]] = []
    for item in request.cases:
        change = changes[item.id]
        if not change:
            continue
        before = stored[item.id]
        after = msgspec.structs.replace(before, **change)
        if "status" in change:
            timing.apply_status(after, before=before, now=now, user=user)
        new_actions = actions.updates(before, after, list(change))
        if before.user_action_count + len(new_actions) > MAX_USER_ACTIONS_PER_CASE:
            raise BadRequest(
                f"The case with case id {item.id} has reached the limit of"
                f" {MAX_USER_ACTIONS_PER_CASE} user actions."
            )
        after.user_action_count = before.user_action_count + len(new_actions)
        after.updated_at = now
        after.updated_by = user
        after.revision = before.revision + 1
        fields = [*change, "updated_at", "updated_by", "user_action_count"]
        if "status" in change:
            fields += ["timing", "duration", "closed_at", "closed_by"]
        updated.append((before, after, fields, new_actions))

    async with context.db.transaction() as tx:
        for before, after, fields, new_actions in updated:
            if not await store.update(tx, after, fields=fields, expected=before.revision):
                raise Conflict(_conflict_message([after.id]))
            await record_actions(tx, record=after, new_actions=new_actions, now=now, user=user)
    return [to_case(after) for _, after, _, _ in updated]


async def _checked_changes(
    context: RequestContext, request: CasesPatchRequest, stored: dict[str, CaseRecord]
) -> dict[str, dict[str, Any]]:
    """The changes of each case, after Kibana's checks in Kibana's order (409, 406, 400)."""
    stale = [
        item.id
        for item in request.cases
        if decode_version(item.version) != stored[item.id].revision
    ]
    if stale:
        raise Conflict(_conflict_message(stale))
    changes = {item.id: _changed_fields(item, stored[item.id]) for item in request.cases}
    if not any(changes.values()):
        raise NotAcceptable("All update fields are identical to current version.")
    owner_changed = [case_id for case_id, change in changes.items() if "owner" in change]
    if owner_changed:
        raise BadRequest(
            f"Updating the owner of a case is not allowed ids: [{', '.join(owner_changed)}]"
        )
    for case_id, change in changes.items():
        if "customFields" in change:
            configured = await configure_service.custom_fields_of(
                db=context.db, space_id=context.space.id, owner=stored[case_id].owner
            )
            custom_fields.validate(change["customFields"], configured)
    return changes


def _conflict_message(ids: Sequence[str]) -> str:
    return (
        f"These cases {', '.join(ids)} has been updated. Please refresh before saving"
        " additional updates."
    )


# --- delete -------------------------------------------------------------------------------


async def delete(*, context: RequestContext, ids: Sequence[str]) -> None:
    """Delete cases with their user actions, in one transaction."""
    found = {
        record.id: record
        for record in await store.get_many(context.db, space_id=context.space.id, case_ids=ids)
    }
    for case_id in ids:
        if case_id not in found:
            raise saved_object_not_found(SAVED_OBJECT_TYPE, case_id)
    await context.ensure_authorized(DELETE, list(dict.fromkeys(r.owner for r in found.values())))
    async with context.db.transaction() as tx:
        await store.delete(tx, case_ids=list(found))


def page_of(page: Any, per_page: Any, *, max_per_page: int) -> tuple[int, int]:
    """Kibana's paging defaults and limits (page 1, 20 per page)."""
    page = given(page, 1)
    per_page = given(per_page, 20)
    if per_page > max_per_page:
        raise BadRequest(
            f"The provided perPage value is too high. The maximum allowed perPage value is"
            f" {max_per_page}."
        )
    if max(page, page * per_page) > 10000:
        raise BadRequest(
            "The number of documents is too high. Paginating through more than 10000 documents"
            " is not possible."
        )
    return page, per_page
