"""The Cases API: /api/cases and Kibana's internal case routes."""

from __future__ import annotations

import json

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from opencases.cases import activity, find, metrics, service, users
from opencases.cases.attachments import reads as attachments
from opencases.cases.attachments.service import GET as GET_ATTACHMENT
from opencases.cases.schemas import (
    BulkGetRequest,
    BulkGetResponse,
    Case,
    CaseMetricsQuery,
    CasePostRequest,
    CasesFindResponse,
    CasesMetricsQuery,
    CasesMetricsResponse,
    CasesPatchRequest,
    CaseUsersResponse,
    FindQuery,
    OwnerQuery,
    SearchRequest,
    SingleCaseMetricsResponse,
    SuggestUserProfilesRequest,
    UserActionsFindQuery,
    UserActionsFindResponse,
    UserActionsInternalFindResponse,
    UserActionStats,
)
from opencases.configure.schemas import UserRef
from opencases.kibana.errors import BadRequest
from opencases.kibana.http import (
    ApiRoute,
    Requires,
    decode_body,
    decode_query,
    json_response,
    no_content,
    read_body,
)
from opencases.kibana.validation import (
    RequestStruct,
    given,
    parse_json_object,
    query_values,
    validate,
)
from opencases.security.context import RequestContext
from opencases.security.profiles.schemas import UserProfile


class DeleteQuery(RequestStruct, kw_only=True):
    """Query of DELETE /api/cases: the ids, as a JSON array, repeated keys or one id."""

    # Kibana's route takes any list; its client refuses the size (the service, here).
    ids: list[str]


def _case_id(request: Request) -> str:
    return str(request.path_params["case_id"])


async def create_case(request: Request, context: RequestContext) -> Response:
    """POST /api/cases."""
    body = await decode_body(request, CasePostRequest, limit=context.settings.max_payload_bytes)
    return json_response(await service.create(context=context, request=body))


async def update_cases(request: Request, context: RequestContext) -> Response:
    """PATCH /api/cases."""
    body = await decode_body(request, CasesPatchRequest, limit=context.settings.max_payload_bytes)
    return json_response(await service.update(context=context, request=body))


async def delete_cases(request: Request, context: RequestContext) -> Response:
    """DELETE /api/cases?ids=."""
    values = query_values(request.query_params.multi_items())
    ids = values.get("ids")
    # config-schema's arrayOf reads a JSON array sent as one value; one plain id is a list of one.
    if isinstance(ids, str):
        try:
            parsed = json.loads(ids) if ids.startswith("[") else [ids]
        except ValueError:
            parsed = ids
        values["ids"] = parsed
    query = validate(DeleteQuery, values, style="config-schema", where="request query")
    await service.delete(context=context, ids=query.ids)
    return no_content()


async def get_case(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/{case_id}."""
    return json_response(await service.get(context=context, case_id=_case_id(request)))


async def find_cases(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/_find."""
    query = decode_query(request, FindQuery)
    return json_response(await find.find(context=context, query=query))


async def search_cases(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/_search."""
    raw = parse_json_object(await read_body(request, limit=context.settings.max_payload_bytes))
    # Kibana's search route asks for `owner` (Object.hasOwn) before it decodes the body.
    if "owner" not in raw:
        raise BadRequest("Owner is required.")
    body = validate(SearchRequest, raw)
    return json_response(await find.find(context=context, query=body))


async def bulk_get_cases(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/_bulk_get."""
    body = await decode_body(request, BulkGetRequest, limit=context.settings.max_payload_bytes)
    return json_response(await find.bulk_get(context=context, ids=body.ids))


async def get_tags(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/tags."""
    query = decode_query(request, OwnerQuery)
    return json_response(await find.tags(context=context, query=query))


async def get_reporters(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/reporters."""
    query = decode_query(request, OwnerQuery)
    return json_response(await find.reporters(context=context, query=query))


async def get_categories(request: Request, context: RequestContext) -> Response:
    """GET /internal/cases/categories."""
    query = decode_query(request, OwnerQuery)
    return json_response(await find.categories(context=context, query=query))


async def find_user_actions(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/{case_id}/user_actions/_find."""
    query = decode_query(request, UserActionsFindQuery)
    found = await activity.find_user_actions(
        context=context, case_id=_case_id(request), query=query
    )
    return json_response(found)


async def user_action_stats(request: Request, context: RequestContext) -> Response:
    """GET /internal/cases/{case_id}/user_actions/_stats."""
    return json_response(
        await activity.user_action_stats(context=context, case_id=_case_id(request))
    )


async def find_user_actions_internal(request: Request, context: RequestContext) -> Response:
    """GET /internal/cases/{case_id}/user_actions/_find: also the attachments the page names."""
    query = decode_query(request, UserActionsFindQuery)
    # Checked for this caller; the page itself is the same for every reader of the case,
    # so it is read once until the next write (a case page reads ten of them).
    record, page, per_page = await activity.checked_activity_page(
        context=context, case_id=_case_id(request), query=query
    )
    readable_owners = tuple(await context.authorized_owners(GET_ATTACHMENT))

    async def load() -> msgspec.Raw:
        found = await activity.user_actions_page(
            context.db, case_id=record.id, query=query, page=page, per_page=per_page
        )
        ids = [action.comment_id for action in found.userActions if action.comment_id]
        latest = await attachments.latest(context=context, ids=ids)
        answer = UserActionsInternalFindResponse(
            userActions=found.userActions,
            page=found.page,
            perPage=found.perPage,
            total=found.total,
            latestAttachments=latest,
        )
        return msgspec.Raw(msgspec.json.encode(answer))

    types = query.types
    key = (
        "case activity",
        record.id,
        (types,) if isinstance(types, str) else tuple(given(types, [])),
        query.sortOrder,
        page,
        per_page,
        readable_owners,
    )
    return json_response(await context.db.read_cached(key, load))


async def case_users(request: Request, context: RequestContext) -> Response:
    """GET /internal/cases/{case_id}/_users."""
    return json_response(await users.case_users(context=context, case_id=_case_id(request)))


async def suggest_user_profiles(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/_suggest_user_profiles."""
    # hapi parses the body before the route's privilege check; the service validates it.
    body = parse_json_object(await read_body(request, limit=context.settings.max_payload_bytes))
    return json_response(await users.suggest_user_profiles(context=context, body=body))


async def cases_metrics(request: Request, context: RequestContext) -> Response:
    """GET /internal/cases/metrics."""
    query = decode_query(request, CasesMetricsQuery, style="config-schema")
    return json_response(await metrics.cases_metrics(context=context, query=query))


async def case_metrics(request: Request, context: RequestContext) -> Response:
    """GET /internal/cases/metrics/{case_id}."""
    query = decode_query(request, CaseMetricsQuery, style="config-schema")
    found = await metrics.case_metrics(
        context=context, case_id=_case_id(request), features=metrics.features_of(query.features)
    )
    return json_response(found)


READ = Requires("cases", "read")
WRITE = Requires("cases", "all")


def routes() -> list[ApiRoute]:
    """The Cases API's routes."""
    return [
        ApiRoute(
            method="POST",
            path="/api/cases",
            handler=create_case,
            summary="Create a case",
            tag="cases",
            authz=WRITE,
            body=CasePostRequest,
            response=Case,
        ),
        ApiRoute(
            method="PATCH",
            path="/api/cases",
            handler=update_cases,
            summary="Update cases",
            tag="cases",
            authz=WRITE,
            body=CasesPatchRequest,
            response=list[Case],
        ),
        ApiRoute(
            method="DELETE",
            path="/api/cases",
            handler=delete_cases,
            summary="Delete cases",
            tag="cases",
            authz=WRITE,
            query=DeleteQuery,
            status=204,
        ),
        ApiRoute(
            method="GET",
            path="/api/cases/_find",
            handler=find_cases,
            summary="Search cases",
            tag="cases",
            authz=READ,
            query=FindQuery,
            response=CasesFindResponse,
        ),
        ApiRoute(
            method="GET",
            path="/api/cases/tags",
            handler=get_tags,
            summary="Get case tags",
            tag="cases",
            authz=READ,
            query=OwnerQuery,
            response=list[str],
        ),
        ApiRoute(
            method="GET",
            path="/api/cases/reporters",
            handler=get_reporters,
            summary="Get case creators",
            tag="cases",
            authz=READ,
            query=OwnerQuery,
            response=list[UserRef],
        ),
        ApiRoute(
            method="GET",
            path="/internal/cases/categories",
            handler=get_categories,
            summary="Get case categories",
            tag="cases",
            authz=READ,
            access="internal",
            query=OwnerQuery,
            response=list[str],
        ),
        ApiRoute(
            method="POST",
            path="/internal/cases/_search",
            handler=search_cases,
            summary="Search cases with custom field filters",
            tag="cases",
            authz=READ,
            access="internal",
            body=SearchRequest,
            response=CasesFindResponse,
        ),
        ApiRoute(
            method="POST",
            path="/internal/cases/_bulk_get",
            handler=bulk_get_cases,
            summary="Get cases by id",
            tag="cases",
            authz=READ,
            access="internal",
            body=BulkGetRequest,
            response=BulkGetResponse,
        ),
        ApiRoute(
            method="GET",
            path="/api/cases/{case_id}",
            handler=get_case,
            summary="Get a case",
            tag="cases",
            authz=READ,
            response=Case,
        ),
        ApiRoute(
            method="GET",
            path="/api/cases/{case_id}/user_actions/_find",
            handler=find_user_actions,
            summary="Find a case's activity",
            tag="cases",
            authz=READ,
            query=UserActionsFindQuery,
            response=UserActionsFindResponse,
        ),
        ApiRoute(
            method="GET",
            path="/internal/cases/{case_id}/user_actions/_stats",
            handler=user_action_stats,
            summary="Count a case's activity",
            tag="cases",
            authz=READ,
            access="internal",
            response=UserActionStats,
        ),
        ApiRoute(
            method="GET",
            path="/internal/cases/{case_id}/user_actions/_find",
            handler=find_user_actions_internal,
            summary="Find a case's activity and the attachments it names",
            tag="cases",
            authz=READ,
            access="internal",
            query=UserActionsFindQuery,
            response=UserActionsInternalFindResponse,
        ),
        ApiRoute(
            method="GET",
            path="/internal/cases/metrics",
            handler=cases_metrics,
            summary="Get metrics of all cases",
            tag="cases",
            authz=READ,
            access="internal",
            query=CasesMetricsQuery,
            response=CasesMetricsResponse,
        ),
        # Before `/internal/cases/{case_id}/_users`: a literal segment wins, as in hapi.
        ApiRoute(
            method="GET",
            path="/internal/cases/metrics/{case_id}",
            handler=case_metrics,
            summary="Get metrics of a case",
            tag="cases",
            authz=READ,
            access="internal",
            query=CaseMetricsQuery,
            response=SingleCaseMetricsResponse,
        ),
        ApiRoute(
            method="GET",
            path="/internal/cases/{case_id}/_users",
            handler=case_users,
            summary="Get the users of a case",
            tag="cases",
            authz=READ,
            access="internal",
            response=CaseUsersResponse,
        ),
        ApiRoute(
            method="POST",
            path="/internal/cases/_suggest_user_profiles",
            handler=suggest_user_profiles,
            summary="Suggest users to assign cases to",
            tag="cases",
            authz=Requires("api", "casesSuggestUserProfiles"),
            access="internal",
            body=SuggestUserProfilesRequest,
            response=list[UserProfile],
        ),
    ]
