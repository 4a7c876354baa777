"""A case's activity: its user actions, found by type and page, and their counts."""

from __future__ import annotations

from opencases.cases import store
from opencases.cases import user_actions as actions
from opencases.cases.schemas import (
    MAX_USER_ACTIONS_PER_PAGE,
    UserActionsFindQuery,
    UserActionsFindResponse,
    UserActionStats,
)
from opencases.cases.service import (
    RESOLVE,
    page_of,
    readable,
    refuse_a_window_before_the_first,
)
from opencases.cases.store import CaseRecord
from opencases.db import Database
from opencases.kibana.validation import given
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

FIND_USER_ACTIONS = Operation(
    name="findUserActions", verb="access", doc_type="user actions", read_only=True
)


async def readable_activity(
    context: RequestContext, case_id: str, operation: Operation
) -> CaseRecord:
    """The case whose activity is asked for, as Kibana's user action routes resolve it.

    A caller who may run `operation` for no owner of the space is refused first, so a
    case id of another space is a 403 to it, as in Kibana; then the case must be readable.
    """
    await context.ensure_any_owner(operation)
    return await readable(context, case_id, RESOLVE)


async def find_user_actions(
    *, context: RequestContext, case_id: str, query: UserActionsFindQuery
) -> UserActionsFindResponse:
    """One page of a case's user actions, oldest first unless asked otherwise."""
    record, page, per_page = await checked_activity_page(
        context=context, case_id=case_id, query=query
    )
    return await user_actions_page(
        context.db, case_id=record.id, query=query, page=page, per_page=per_page
    )


async def checked_activity_page(
    *, context: RequestContext, case_id: str, query: UserActionsFindQuery
) -> tuple[CaseRecord, int, int]:
    """The case and page asked for, after Kibana's checks in its order.

    Paging, caller and case, then the search's own refusal of a page before the first.
    """
    page, per_page = page_of(query.page, query.perPage, max_per_page=MAX_USER_ACTIONS_PER_PAGE)
    record = await readable_activity(context, case_id, FIND_USER_ACTIONS)
    refuse_a_window_before_the_first(page, per_page)
    return record, page, per_page


async def user_actions_page(
    db: Database, *, case_id: str, query: UserActionsFindQuery, page: int, per_page: int
) -> UserActionsFindResponse:
    """A checked page of a case's user actions (checked_activity_page)."""
    types = query.types
    where, params = actions.type_filter([types] if isinstance(types, str) else given(types, []))
    total, found = await store.find_user_actions(
        db,
        case_id=case_id,
        where=where,
        params=params,
        descending=query.sortOrder == "desc",
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return UserActionsFindResponse(userActions=found, page=page, perPage=per_page, total=total)


async def user_action_stats(*, context: RequestContext, case_id: str) -> UserActionStats:
    """How many user actions a case has: on user comments, and the others."""
    record = await readable_activity(context, case_id, FIND_USER_ACTIONS)
    total, comments = await store.user_action_totals(context.db, case_id=record.id)
    return UserActionStats(
        total=total, total_comments=comments, total_other_actions=total - comments
    )
