"""The rules of cases (Kibana's cases client): create, read, update and delete, with activity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from msgspec import UNSET

from opencases.cases import custom_fields, store, timing
from opencases.cases import user_actions as actions
from opencases.cases.schemas import (
    MAX_DELETE_IDS_LENGTH,
    MAX_USER_ACTIONS_PER_CASE,
    Case,
    CasePatchRequest,
    CasePostRequest,
    CasesPatchRequest,
)
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure import service as configure_service
from opencases.configure.schemas import Assignee, CustomField, UserRef
from opencases.db import Executor, new_id
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
from opencases.security.authorization import Operation, unauthorized
from opencases.security.context import RequestContext

SAVED_OBJECT_TYPE = "cases"

CREATE = Operation(name="createCase", verb="create", doc_type="case", read_only=False)
GET = Operation(name="getCase", verb="access", doc_type="case", read_only=True)
RESOLVE = GET
UPDATE = Operation(name="updateCase", verb="update", doc_type="case", read_only=False)
DELETE = Operation(name="deleteCase", verb="delete", doc_type="case", read_only=False)

# Fields of PATCH /api/cases that write a case column, in Kibana's user action order.
# Kibana writes them in the request's order with assignees last; OpenCases decodes the
# request into a struct, so a PATCH of several fields records them in this order.
PATCH_FIELDS = (
    "title",
    "description",
    "tags",
    "connector",
    "settings",
    "owner",
    "severity",
    "category",
    "customFields",
    "status",
    "assignees",
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
        ids=[new_id() for _ in new_actions],
        created_at=now,
        created_by=user,
    )


# --- create -----------------------------------------------------------------------------


async def create(*, context: RequestContext, request: CasePostRequest) -> Case:
    """Create a case: its number, its `create_case` action, Kibana's defaults."""
    # Kibana reads the owner's configuration (configure.get, filtered to the owners the
    # caller may read) and checks the custom fields before it checks `createCase`.
    readable_owners = await context.ensure_any_owner(configure_service.FIND)
    configured = (
        await configure_service.custom_fields_of(
            db=context.db, space_id=context.space.id, owner=request.owner
        )
        if request.owner in readable_owners
        else None
    )
    requested_fields = given(request.customFields, [])
    custom_fields.validate(requested_fields, configured)
    await context.ensure_authorized(CREATE, [request.owner])

    now = utc_now()
    user = user_ref(context)
    assignees = _without_empty_uids(given(request.assignees, []))
    category = given(request.category, None)
    record = CaseRecord(
        id=new_id(),
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
        assignees=_deduplicated(assignees),
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
    created = actions.case_requested(request, assignees=assignees)
    async with context.db.transaction() as tx:
        record.incremental_id = await store.next_incremental_id(tx, space_id=context.space.id)
        await store.insert(tx, record)
        await record_actions(tx, record=record, new_actions=[created], now=now, user=user)
    return to_case(record)


def _without_empty_uids(assignees: Sequence[Assignee]) -> list[Assignee]:
    """Kibana's emptyCaseAssigneesSanitizer: assignees without a uid are dropped."""
    return [assignee for assignee in assignees if assignee.uid]


def _deduplicated(assignees: Sequence[Assignee]) -> list[Assignee]:
    """Kibana's dedupAssignees: the first assignee of each uid."""
    first: dict[str, Assignee] = {}
    for assignee in assignees:
        first.setdefault(assignee.uid, assignee)
    return list(first.values())


# --- read ---------------------------------------------------------------------------------


async def readable(context: RequestContext, case_id: str, operation: Operation) -> CaseRecord:
    """A case of the request's space the caller may run `operation` on, or Kibana's 404/403."""
    record = await store.get(context.db, space_id=context.space.id, case_id=case_id)
    if record is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, case_id)
    await context.ensure_authorized(operation, [record.owner])
    return record


async def get(*, context: RequestContext, case_id: str) -> msgspec.Raw:
    """The JSON of one case (Kibana 9: without its comments), kept until the next write."""
    space_id = context.space.id
    db = context.db

    async def load() -> tuple[str, msgspec.Raw] | None:
        record = await store.get(db, space_id=space_id, case_id=case_id)
        if record is None:
            return None
        return record.owner, msgspec.Raw(msgspec.json.encode(to_case(record, comments=False)))

    found = await db.read_cached(("case", space_id, case_id), load)
    if found is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, case_id)
    owner, encoded = found
    # Who may read it is checked on every request: the cache holds the case, not the answer.
    await context.ensure_authorized(GET, [owner])
    return encoded


# --- update -------------------------------------------------------------------------------


def _differs(value: Any, current: Any) -> bool:
    """Kibana's getCaseToUpdate: lists differ as sets (lodash isEqual items), the rest deeply."""
    if isinstance(value, list):
        return any(item not in current for item in value) or any(
            item not in value for item in current
        )
    return bool(value != current)


def _requested_changes(request: CasePatchRequest, stored: CaseRecord) -> dict[str, Any]:
    """The fields of a PATCH item that differ from the stored case, as sent (not yet trimmed)."""
    changes: dict[str, Any] = {}
    for field in PATCH_FIELDS:
        value = getattr(request, field)
        if value is UNSET:
            continue
        if field == "assignees":
            value = _without_empty_uids(value)
        if _differs(value, getattr(stored, field)):
            changes[field] = value
    return changes


def _normalized(
    changes: dict[str, Any], configured: Sequence[CustomField] | None
) -> dict[str, Any]:
    """Kibana's normalizeCaseAttributes: text trimmed, custom fields filled, assignees unique."""
    values = dict(changes)
    for field in ("title", "description", "category"):
        if values.get(field):
            values[field] = js_trim(values[field])
    if "tags" in values:
        values["tags"] = _trimmed_tags(values["tags"])
    if "customFields" in values:
        values["customFields"] = custom_fields.fill_missing(values["customFields"], configured)
    if "assignees" in values:
        values["assignees"] = _deduplicated(values["assignees"])
    return values


class _Update(msgspec.Struct, kw_only=True):
    """One case of a PATCH, ready to write: the case before and after, and its new actions."""

    before: CaseRecord
    after: CaseRecord
    fields: list[str]
    actions: list[UserActionRecord]


def _planned(
    before: CaseRecord,
    changes: dict[str, Any],
    *,
    configured: Sequence[CustomField] | None,
    now: str,
    user: UserRef,
) -> _Update:
    """The case as the PATCH leaves it, with the user actions Kibana writes for it."""
    values = _normalized(changes, configured)
    after = msgspec.structs.replace(before, **values)
    fields = list(values)
    if "status" in values:
        timing.apply_status(after, before=before, now=now, user=user)
        fields += ["timing", "duration", "closed_at", "closed_by"]
    new_actions = actions.updates(before, after, list(values))
    after.user_action_count = before.user_action_count + len(new_actions)
    after.updated_at = now
    after.updated_by = user
    after.revision = before.revision + 1
    fields += ["updated_at", "updated_by", "user_action_count"]
    return _Update(before=before, after=after, fields=fields, actions=new_actions)


async def update(*, context: RequestContext, request: CasesPatchRequest) -> list[Case]:
    """Update 1 to 100 cases, each at the version it was read at, in one transaction."""
    ids = [item.id for item in request.cases]
    stored = {
        record.id: record
        for record in await store.get_many(context.db, space_id=context.space.id, case_ids=ids)
    }
    await _ensure_authorized_for(context, UPDATE, [stored[i] for i in ids if i in stored])
    changes = _checked_changes(request, stored)
    configured = {
        owner: await configure_service.custom_fields_of(
            db=context.db, space_id=context.space.id, owner=owner
        )
        for owner in dict.fromkeys(stored[case_id].owner for case_id in changes)
    }
    for case_id, change in changes.items():
        if "customFields" in change:
            custom_fields.validate(change["customFields"], configured[stored[case_id].owner])
    now = utc_now()
    user = user_ref(context)
    planned = [
        _planned(
            stored[case_id],
            change,
            configured=configured[stored[case_id].owner],
            now=now,
            user=user,
        )
        for case_id, change in changes.items()
    ]
    for plan in planned:
        if plan.after.user_action_count > MAX_USER_ACTIONS_PER_CASE:
            raise BadRequest(
                f"The case with case id {plan.after.id} has reached the limit of"
                f" {MAX_USER_ACTIONS_PER_CASE} user actions."
            )
    async with context.db.transaction() as tx:
        for plan in planned:
            written = await store.update(
                tx, plan.after, fields=plan.fields, expected=plan.before.revision
            )
            if not written:
                raise Conflict(_conflict_message([plan.after.id]))
            await record_actions(
                tx, record=plan.after, new_actions=plan.actions, now=now, user=user
            )
    return [to_case(plan.after) for plan in planned]


def _checked_changes(
    request: CasesPatchRequest, stored: dict[str, CaseRecord]
) -> dict[str, dict[str, Any]]:
    """The changes of each case, after Kibana's checks in Kibana's order (404, 409, 406, 400)."""
    missing = [item.id for item in request.cases if item.id not in stored]
    if missing:
        raise NotFound(
            f"These cases {', '.join(missing)} do not exist. Please check you have the correct ids."
        )
    stale = [
        item.id
        for item in request.cases
        if decode_version(item.version) != stored[item.id].revision
    ]
    if stale:
        raise Conflict(_conflict_message(stale))
    changes: dict[str, dict[str, Any]] = {}
    for item in request.cases:
        change = _requested_changes(item, stored[item.id])
        if change:
            changes[item.id] = change
    if not changes:
        raise NotAcceptable("All update fields are identical to current version.")
    owner_changed = [case_id for case_id, change in changes.items() if "owner" in change]
    if owner_changed:
        raise BadRequest(
            f"Updating the owner of a case is not allowed ids: [{', '.join(owner_changed)}]"
        )
    return changes


def _conflict_message(ids: Sequence[str]) -> str:
    return (
        f"These cases {', '.join(ids)} has been updated. Please refresh before saving"
        " additional updates."
    )


async def _ensure_authorized_for(
    context: RequestContext, operation: Operation, records: Sequence[CaseRecord]
) -> None:
    """Kibana's ensureAuthorized over the cases found: 403 unless allowed for their owners."""
    owners = list(dict.fromkeys(record.owner for record in records))
    if owners:
        await context.ensure_authorized(operation, owners)
    elif not (await context.privileges()).any:
        # With no case to check Kibana still asks Elasticsearch for its login privilege.
        raise unauthorized(operation, ())


# --- delete -------------------------------------------------------------------------------


def _check_delete_ids(ids: Sequence[str]) -> None:
    """Kibana's CasesDeleteRequestRt (the client's codec: its route takes any list of ids)."""
    if any(not js_trim(case_id) for case_id in ids):
        raise BadRequest("string must have length >= 1")
    if not ids:
        raise BadRequest("The length of the field ids is too short. Array must be of length >= 1.")
    if len(ids) > MAX_DELETE_IDS_LENGTH:
        raise BadRequest(
            "The length of the field ids is too long. Array must be of length"
            f" <= {MAX_DELETE_IDS_LENGTH}."
        )


async def delete(*, context: RequestContext, ids: Sequence[str]) -> None:
    """Delete cases with their user actions, in one transaction."""
    _check_delete_ids(ids)
    found = {
        record.id: record
        for record in await store.get_many(context.db, space_id=context.space.id, case_ids=ids)
    }
    for case_id in ids:
        if case_id not in found:
            raise saved_object_not_found(SAVED_OBJECT_TYPE, case_id)
    await _ensure_authorized_for(context, DELETE, [found[case_id] for case_id in ids])
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


def refuse_a_window_before_the_first(page: int, per_page: int) -> None:
    """Elasticsearch's refusal of a negative `size` or `from`, which Kibana answers as a 400.

    Kibana's paging checks let a page of 0 or a negative perPage through; the saved objects
    search then asks Elasticsearch for `from: perPage * (page - 1)`.
    """
    if per_page < 0:
        raise BadRequest(f"[size] parameter cannot be negative, found [{per_page}]")
    if (page - 1) * per_page < 0:
        raise BadRequest(f"[from] parameter cannot be negative, found [{(page - 1) * per_page}]")


async def count_connector_references(
    *, db: Executor, space_id: str, connector_ids: Sequence[str]
) -> dict[str, int]:
    """How many cases of the space use each of `connector_ids` (absent: none)."""
    return await store.connector_counts(db, space_id=space_id, connector_ids=connector_ids)
