"""The case lists: _find, _search, and the tags, reporters and categories in use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import msgspec
from msgspec import UNSET

from opencases.cases import search, service, store
from opencases.cases.schemas import (
    MAX_CASES_PER_PAGE,
    BulkGetError,
    BulkGetResponse,
    FindQuery,
    OwnerQuery,
    SearchRequest,
)
from opencases.cases.search import CaseFilter, Query, listed
from opencases.cases.service import page_of, refuse_a_window_before_the_first, to_case
from opencases.configure import service as configure_service
from opencases.configure.schemas import CustomField, UserRef
from opencases.db import Executor
from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import given
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

FIND = Operation(name="findCases", verb="access", doc_type="cases", read_only=True)
GET_TAGS = Operation(name="getTags", verb="access", doc_type="case", read_only=True)
GET_REPORTERS = Operation(name="getReporters", verb="access", doc_type="case", read_only=True)
GET_CATEGORIES = Operation(name="getCategories", verb="access", doc_type="cases", read_only=True)

STATUSES = ("open", "in-progress", "closed")
# Kibana's custom field types whose values _search may filter on, and the values each takes.
_FILTERABLE: dict[str, tuple[type, ...]] = {"toggle": (bool,), "number": (int, float)}
MAX_CUSTOM_FIELD_FILTERS = 10


async def _owners(context: RequestContext, operation: Operation, requested: Any) -> list[str]:
    """The owners to list: those asked for (all if none) that the caller may read."""
    authorized = await context.ensure_any_owner(operation)
    wanted = listed(requested)
    return [owner for owner in authorized if not wanted or owner in wanted]


def _paging(query: FindQuery) -> tuple[int, int]:
    """Kibana's page and perPage, and Elasticsearch's refusal of a negative `size` or `from`."""
    page, per_page = page_of(query.page, query.perPage, max_per_page=MAX_CASES_PER_PAGE)
    refuse_a_window_before_the_first(page, per_page)
    return page, per_page


async def _case_filter(context: RequestContext, query: FindQuery) -> CaseFilter:
    """The query's filters, over the owners the caller may read."""
    owners = await _owners(context, FIND, query.owner)
    created_from, created_to = search.date_range(query.from_, query.to)
    # Kibana searches only with a non-empty `search` (constructSearch); a NUL separates words.
    text = given(query.search, "").replace("\x00", " ")
    return CaseFilter(
        owners=owners,
        tags=listed(query.tags),
        statuses=listed(query.status),
        severities=listed(query.severity),
        assignees=listed(query.assignees),
        reporters=listed(query.reporters),
        categories=listed(query.category),
        created_from=created_from,
        created_to=created_to,
        search=text or None,
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


async def find(*, context: RequestContext, query: FindQuery) -> msgspec.Raw:
    """The JSON of one page of cases and the counts by status (cached until the next write)."""
    # In Kibana's order (find.ts, search.ts): the request, the configurations the caller may
    # read (their 403 first), the custom field filters, then the cases the caller may read.
    page, per_page = _paging(query)
    if isinstance(query, SearchRequest) and query.owner is UNSET:
        # The _search route's own check (routes/api/internal/search_cases.ts).
        raise BadRequest("Owner is required.")
    readable_configurations = await context.ensure_any_owner(configure_service.FIND)
    custom_fields: dict[str, list[Any]] = {}
    if isinstance(query, SearchRequest) and given(query.customFields, {}):
        custom_fields = await _custom_field_filters(context, query, readable_configurations)
    case_filter = await _case_filter(context, query)
    case_filter.custom_fields = custom_fields
    db = context.db
    order = search.order_by(
        dialect=db.dialect, sort_field=query.sortField, sort_order=query.sortOrder
    )
    space_id = context.space.id

    def where(*, for_counts: bool = False) -> Query:
        return search.build(
            Query(db.dialect), space_id=space_id, case_filter=case_filter, for_counts=for_counts
        )

    async def load() -> msgspec.Raw:
        counts = await store.count_by_status(db, where=where(for_counts=True))
        if case_filter.search is None:
            total = sum(counts.get(status, 0) for status in case_filter.statuses or STATUSES)
        else:
            total = await store.count(db, where=where())
        records: list[store.CaseRecord] = []
        if total and (page - 1) * per_page < total:
            records = await store.find_page(
                db, where=where(), order=order, limit=per_page, offset=(page - 1) * per_page
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
    context: RequestContext, query: SearchRequest, readable_configurations: list[str]
) -> dict[str, list[Any]]:
    """Kibana's validateSearchCasesCustomFields, then the filters by key."""
    filters = given(query.customFields, {})
    owners = listed(query.owner)
    if len(owners) != 1 or not owners[0]:
        raise BadRequest("Owner must be provided. Multiple owners are not supported.")
    # Kibana reads the owner's configuration with configure.get: only if the caller may.
    configured: list[CustomField] | None = None
    if owners[0] in readable_configurations:
        configured = await configure_service.custom_fields_of(
            db=context.db, space_id=context.space.id, owner=owners[0]
        )
    if not configured:
        raise BadRequest("No custom fields configured.")
    if len(filters) > MAX_CUSTOM_FIELD_FILTERS:
        raise BadRequest(f"Maximum {MAX_CUSTOM_FIELD_FILTERS} customFields are allowed.")
    types = {field.key: str(field.__struct_config__.tag) for field in configured}
    for key, values in filters.items():
        _check_custom_field_filter(key=key, kind=types.get(key), values=values)
    return dict(filters)


def _check_custom_field_filter(*, key: str, kind: str | None, values: list[Any]) -> None:
    """One key of the filter: configured, of a filterable type, and values of that type."""
    if kind is None:
        raise BadRequest(f"Invalid custom field key: {key}.")
    accepted = _FILTERABLE.get(kind)
    if accepted is None:
        raise BadRequest(f"Filtering by custom field of type {kind} is not allowed.")
    for value in values:
        if value is not None and (
            not isinstance(value, accepted) or (kind == "number" and isinstance(value, bool))
        ):
            raise BadRequest(f"Unsupported filtering value for custom field of type {kind}.")


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _ListReader(Protocol[T_co]):
    async def __call__(
        self, db: Executor, *, dialect: str, space_id: str, owners: Sequence[str]
    ) -> T_co: ...


async def tags(*, context: RequestContext, query: OwnerQuery) -> list[str]:
    """The tags of the cases the caller may read, sorted."""
    owners = await _owners(context, GET_TAGS, query.owner)
    return await _listed(context, owners, "tags", store.tags)


async def categories(*, context: RequestContext, query: OwnerQuery) -> list[str]:
    """The categories of the cases the caller may read, sorted."""
    owners = await _owners(context, GET_CATEGORIES, query.owner)
    return await _listed(context, owners, "categories", store.categories)


async def reporters(*, context: RequestContext, query: OwnerQuery) -> list[UserRef]:
    """The users who created the cases the caller may read, by username."""
    owners = await _owners(context, GET_REPORTERS, query.owner)
    return await _listed(context, owners, "reporters", store.reporters)


async def _listed(context: RequestContext, owners: list[str], name: str, read: _ListReader[T]) -> T:
    """What `read` lists of the space's cases of `owners`, read once until the next write."""
    db, space_id = context.db, context.space.id

    async def load() -> T:
        return await read(db, dialect=db.dialect, space_id=space_id, owners=owners)

    return await db.read_cached(("cases " + name, space_id, tuple(owners)), load)


BULK_GET = Operation(name="getCase", verb="access", doc_type="cases", read_only=True)


async def bulk_get(*, context: RequestContext, ids: Sequence[str]) -> BulkGetResponse:
    """The cases of `ids` the caller may read; an error entry for each other id."""
    allowed = await context.ensure_any_owner(BULK_GET)
    found = {
        record.id: record
        for record in await store.get_many(context.db, space_id=context.space.id, case_ids=ids)
    }
    # Kibana's bulk_get.ts answers each id as saved objects' bulkGet does (repeats included),
    # and lists the errors of missing cases before those of unreadable ones.
    cases = [to_case(found[i]) for i in ids if i in found and found[i].owner in allowed]
    missing = [
        BulkGetError(
            error="Not Found",
            message=f"Saved object [{service.SAVED_OBJECT_TYPE}/{i}] not found",
            status=404,
            caseId=i,
        )
        for i in ids
        if i not in found
    ]
    forbidden = [
        BulkGetError(
            error="Forbidden",
            message=f'Unauthorized to access case with owner: "{found[i].owner}"',
            status=403,
            caseId=i,
        )
        for i in ids
        if i in found and found[i].owner not in allowed
    ]
    return BulkGetResponse(cases=cases, errors=missing + forbidden)
