"""The case lists: _find, _search, and the tags, reporters and categories in use."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from opencases.cases import search, store
from opencases.cases.schemas import (
    MAX_CASES_PER_PAGE,
    FindQuery,
    OwnerQuery,
    SearchRequest,
)
from opencases.cases.search import CaseFilter, Query, listed
from opencases.cases.service import page_of, to_case
from opencases.configure import service as configure_service
from opencases.configure.schemas import CustomField, UserRef
from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import given
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

FIND = Operation(name="getCase", verb="access", doc_type="cases", read_only=True)
GET_TAGS = Operation(name="getTags", verb="access", doc_type="case", read_only=True)
GET_REPORTERS = Operation(name="getReporters", verb="access", doc_type="case", read_only=True)
GET_CATEGORIES = Operation(name="getCase", verb="access", doc_type="cases", read_only=True)

# Kibana's custom field types whose values _search may filter on.
_FILTERABLE = {"toggle": (bool,), "number": (int, float)}
MAX_CUSTOM_FIELD_FILTERS = 10


async def _owners(context: RequestContext, operation: Operation, requested: Any) -> list[str]:
    """The owners to list: those asked for (all if none) that the caller may read."""
    authorized = await context.ensure_any_owner(operation)
    wanted = listed(requested)
    return [owner for owner in authorized if not wanted or owner in wanted]


async def _case_filter(context: RequestContext, query: FindQuery | SearchRequest) -> CaseFilter:
    created_from, created_to = search.date_range(query.from_, query.to)
    text = given(query.search, None)
    return CaseFilter(
        owners=await _owners(context, FIND, query.owner),
        tags=listed(query.tags),
        statuses=listed(query.status),
        severities=listed(query.severity),
        assignees=listed(query.assignees),
        reporters=listed(query.reporters),
        categories=listed(query.category),
        created_from=created_from,
        created_to=created_to,
        search=text if text and text.strip() else None,
        search_fields=listed(query.searchFields),
        search_operator=given(query.defaultSearchOperator, "OR"),
    )


class FoundCases(msgspec.Struct, kw_only=True):
    """The answer of _find, its cases already encoded."""

    cases: msgspec.Raw
    page: int
    per_page: int
    total: int
    count_open_cases: int
    count_in_progress_cases: int
    count_closed_cases: int


async def find(*, context: RequestContext, query: FindQuery | SearchRequest) -> msgspec.Raw:
    """The JSON of one page of cases and the counts by status (cached until the next write)."""
    page, per_page = page_of(query.page, query.perPage, max_per_page=MAX_CASES_PER_PAGE)
    case_filter = await _case_filter(context, query)
    if isinstance(query, SearchRequest) and query.customFields is not UNSET:
        case_filter.custom_fields = await _custom_field_filters(context, query)
    order = search.order_by(query.sortField, query.sortOrder)
    space_id = context.space.id
    db = context.db

    async def load() -> msgspec.Raw:
        counts = await store.count_by_status(
            db,
            where=search.build(
                Query(db.dialect), space_id=space_id, case_filter=case_filter, with_status=False
            ),
        )
        statuses = case_filter.statuses or ["open", "in-progress", "closed"]
        total = sum(counts.get(status, 0) for status in statuses)
        records: list[store.CaseRecord] = []
        if total and (page - 1) * per_page < total:
            records = await store.find_page(
                db,
                where=search.build(Query(db.dialect), space_id=space_id, case_filter=case_filter),
                order=order,
                limit=per_page,
                offset=(page - 1) * per_page,
            )
        found = FoundCases(
            cases=msgspec.Raw(msgspec.json.encode([to_case(record) for record in records])),
            page=page,
            per_page=per_page,
            total=total,
            count_open_cases=counts.get("open", 0),
            count_in_progress_cases=counts.get("in-progress", 0),
            count_closed_cases=counts.get("closed", 0),
        )
        return msgspec.Raw(msgspec.json.encode(found))

    key = ("cases find", space_id, case_filter.key(), order, page, per_page)
    return await db.read_cached(key, load)


async def _custom_field_filters(
    context: RequestContext, query: SearchRequest
) -> dict[str, list[Any]]:
    """Kibana's validateSearchCasesCustomFields, then the filters by key."""
    filters = given(query.customFields, {})
    owners = listed(query.owner)
    if len(owners) != 1 or not owners[0]:
        raise BadRequest("Owner must be provided. Multiple owners are not supported.")
    configured: list[CustomField] | None = await configure_service.custom_fields_of(
        db=context.db, space_id=context.space.id, owner=owners[0]
    )
    if not configured:
        raise BadRequest("No custom fields configured.")
    if len(filters) > MAX_CUSTOM_FIELD_FILTERS:
        raise BadRequest(f"Maximum {MAX_CUSTOM_FIELD_FILTERS} customFields are allowed.")
    types = {field.key: field.__struct_config__.tag for field in configured}
    for key, values in filters.items():
        if key not in types:
            raise BadRequest(f"Invalid custom field key: {key}.")
        kind = types[key]
        if kind not in _FILTERABLE:
            raise BadRequest(f"Filtering by custom field of type {kind} is not allowed.")
        accepted = _FILTERABLE[str(kind)]
        for value in values:
            if value is not None and (
                not isinstance(value, accepted) or (kind == "number" and isinstance(value, bool))
            ):
                raise BadRequest(f"Unsupported filtering value for custom field of type {kind}.")
    return dict(filters)


async def tags(*, context: RequestContext, query: OwnerQuery) -> list[str]:
    """The tags of the cases the caller may read, sorted."""
    owners = await _owners(context, GET_TAGS, query.owner)
    return await store.tags(context.db, space_id=context.space.id, owners=owners)


async def categories(*, context: RequestContext, query: OwnerQuery) -> list[str]:
    """The categories of the cases the caller may read, sorted."""
    owners = await _owners(context, GET_CATEGORIES, query.owner)
    return await store.categories(context.db, space_id=context.space.id, owners=owners)


async def reporters(*, context: RequestContext, query: OwnerQuery) -> list[UserRef]:
    """The users who created the cases the caller may read, by username."""
    owners = await _owners(context, GET_REPORTERS, query.owner)
    return await store.reporters(context.db, space_id=context.space.id, owners=owners)
