"""Wire types of the Cases API (/api/cases), with Kibana's limits and io-ts messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.configure.schemas import (
    MAX_ASSIGNEES_PER_CASE,
    MAX_CATEGORY_LENGTH,
    MAX_CUSTOM_FIELDS_PER_CASE,
    MAX_DESCRIPTION_LENGTH,
    MAX_LENGTH_PER_TAG,
    MAX_TAGS_PER_CASE,
    MAX_TITLE_LENGTH,
    Assignee,
    CaseConnector,
    CustomFieldValue,
    Owner,
    Severity,
    UserRef,
)
from opencases.kibana.validation import Items, RequestStruct, Text

# Kibana's constants (x-pack/platform/plugins/shared/cases/common/constants/index.ts).
MAX_CASES_TO_UPDATE = 100
MAX_DELETE_IDS_LENGTH = 100
MAX_BULK_GET_CASES = 1000
MAX_CASES_PER_PAGE = 100
MAX_USER_ACTIONS_PER_PAGE = 100
MAX_DOCS_PER_PAGE = 10000
MAX_USER_ACTIONS_PER_CASE = 10000
MAX_FILTER_LENGTH = 100
MAX_SUGGESTED_PROFILES = 10

Status = Literal["open", "in-progress", "closed"]
SortField = Literal["title", "category", "createdAt", "updatedAt", "closedAt", "status", "severity"]
SortOrder = Literal["asc", "desc"]
SearchField = Literal["title", "description", "incremental_id.text"]

Title = Annotated[str, Text("title", min=1, max=MAX_TITLE_LENGTH)]
Description = Annotated[str, Text("description", min=1, max=MAX_DESCRIPTION_LENGTH)]
Tags = Annotated[
    list[Annotated[str, Text("tag", min=1, max=MAX_LENGTH_PER_TAG)]],
    Items("tags", max=MAX_TAGS_PER_CASE),
]
Category = Annotated[str, Text("category", min=1, max=MAX_CATEGORY_LENGTH)]
Assignees = Annotated[list[Assignee], Items("assignees", max=MAX_ASSIGNEES_PER_CASE)]
CustomFields = Annotated[
    list[CustomFieldValue], Items("customFields", max=MAX_CUSTOM_FIELDS_PER_CASE)
]


class CaseSettings(RequestStruct, kw_only=True):
    """A case's settings: whether alert statuses follow the case's, and observables."""

    syncAlerts: bool
    extractObservables: bool | UnsetType = UNSET


class CasePostRequest(RequestStruct, kw_only=True):
    """Body of POST /api/cases (Kibana's CasePostRequestRt)."""

    description: Description
    tags: Tags
    title: Title
    connector: CaseConnector
    settings: CaseSettings
    owner: Owner
    assignees: Assignees | UnsetType = UNSET
    severity: Severity | UnsetType = UNSET
    category: Category | UnsetType | None = UNSET
    customFields: CustomFields | UnsetType = UNSET


class CasePatchRequest(RequestStruct, kw_only=True):
    """One case of PATCH /api/cases: what changes, and the version it was read at."""

    description: Description | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    connector: CaseConnector | UnsetType = UNSET
    settings: CaseSettings | UnsetType = UNSET
    owner: Owner | UnsetType = UNSET
    assignees: Assignees | UnsetType = UNSET
    severity: Severity | UnsetType = UNSET
    category: Category | UnsetType | None = UNSET
    customFields: CustomFields | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    id: str
    version: str


class CasesPatchRequest(RequestStruct, kw_only=True):
    """Body of PATCH /api/cases."""

    cases: Annotated[list[CasePatchRequest], Items("cases", min=1, max=MAX_CASES_TO_UPDATE)]


class ExternalService(msgspec.Struct, kw_only=True):
    """Where and when a case was last pushed."""

    connector_id: str
    connector_name: str
    external_id: str
    external_title: str
    external_url: str
    pushed_at: str
    pushed_by: UserRef


class Case(msgspec.Struct, kw_only=True):
    """A case, as Kibana answers it."""

    id: str
    version: str
    incremental_id: int
    title: str
    description: str
    tags: list[str]
    status: Status
    severity: Severity
    owner: str
    connector: CaseConnector
    settings: CaseSettings
    assignees: list[Assignee]
    category: str | None
    customFields: list[CustomFieldValue]
    observables: list[Any]
    duration: int | None
    closed_at: str | None
    closed_by: UserRef | None
    created_at: str
    created_by: UserRef
    updated_at: str | None
    updated_by: UserRef | None
    external_service: ExternalService | None
    totalComment: int
    totalAlerts: int
    # Kibana's 9.x GET leaves `comments` out; create, update and find answer `[]`.
    comments: list[Any] | UnsetType = UNSET
    in_progress_at: str | UnsetType | None = UNSET
    time_to_acknowledge: int | UnsetType | None = UNSET
    time_to_investigate: int | UnsetType | None = UNSET
    time_to_resolve: int | UnsetType | None = UNSET


class CaseResolveResponse(msgspec.Struct, kw_only=True):
    """GET /api/cases/{case_id}/resolve: the case, and how its id was found."""

    case: Case
    outcome: Literal["exactMatch", "aliasMatch", "conflict"]


class FindQuery(RequestStruct, kw_only=True):
    """Query of GET /api/cases/_find (Kibana's CasesFindRequestRt)."""

    tags: Annotated[list[str], Items("tags", max=MAX_FILTER_LENGTH)] | str | UnsetType = UNSET
    # io-ts tries one value before an array of them: its messages come in that order.
    status: Status | list[Status] | UnsetType = UNSET
    severity: Severity | list[Severity] | UnsetType = UNSET
    assignees: Annotated[list[str], Items("assignees", max=MAX_FILTER_LENGTH)] | str | UnsetType = (
        UNSET
    )
    reporters: Annotated[list[str], Items("reporters", max=MAX_FILTER_LENGTH)] | str | UnsetType = (
        UNSET
    )
    defaultSearchOperator: Literal["AND", "OR"] | UnsetType = UNSET
    from_: str | UnsetType = msgspec.field(default=UNSET, name="from")
    to: str | UnsetType = UNSET
    search: str | UnsetType = UNSET
    searchFields: list[SearchField] | SearchField | UnsetType = UNSET
    sortField: SortField | UnsetType = UNSET
    sortOrder: SortOrder | UnsetType = UNSET
    owner: list[str] | str | UnsetType = UNSET
    category: Annotated[list[str], Items("category", max=MAX_FILTER_LENGTH)] | str | UnsetType = (
        UNSET
    )
    page: int | UnsetType = UNSET
    perPage: int | UnsetType = UNSET


class SearchRequest(FindQuery, kw_only=True):
    """Body of POST /internal/cases/_search: the _find query, and custom field filters."""

    customFields: dict[str, list[str | bool | int | float | None]] | UnsetType = UNSET


class CasesFindResponse(msgspec.Struct, kw_only=True):
    """The answer of _find and _search: a page of cases and the counts by status."""

    cases: list[Case]
    page: int
    per_page: int
    total: int
    count_open_cases: int
    count_in_progress_cases: int
    count_closed_cases: int


class OwnerQuery(RequestStruct, kw_only=True):
    """The `owner` filter of the tags, reporters and categories lists."""

    owner: list[str] | str | UnsetType = UNSET


class BulkGetRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/cases/_bulk_get."""

    ids: Annotated[list[str], Items("ids", min=1, max=MAX_BULK_GET_CASES)]


class BulkGetError(msgspec.Struct, kw_only=True):
    """A case _bulk_get could not answer."""

    error: str
    message: str
    status: int | UnsetType = UNSET
    caseId: str


class BulkGetResponse(msgspec.Struct, kw_only=True):
    """The answer of _bulk_get."""

    cases: list[Case]
    errors: list[BulkGetError]


UserActionType = Literal[
    "assignees",
    "category",
    "comment",
    "connector",
    "create_case",
    "customFields",
    "delete_case",
    "description",
    "observables",
    "pushed",
    "settings",
    "severity",
    "status",
    "tags",
    "title",
]
# The UI's groupings, which the find route takes besides the types.
UserActionFilter = Literal[
    "assignees",
    "category",
    "comment",
    "connector",
    "create_case",
    "customFields",
    "delete_case",
    "description",
    "observables",
    "pushed",
    "settings",
    "severity",
    "status",
    "tags",
    "title",
    "action",
    "alert",
    "user",
    "attachment",
]


class UserAction(msgspec.Struct, kw_only=True):
    """One change to a case, as Kibana records it."""

    id: str
    version: str
    type: UserActionType
    action: Literal["add", "create", "delete", "push_to_service", "update"]
    created_at: str
    created_by: UserRef
    owner: str
    payload: dict[str, Any]
    comment_id: str | None


class UserActionsFindQuery(RequestStruct, kw_only=True):
    """Query of GET /api/cases/{case_id}/user_actions/_find."""

    types: list[UserActionFilter] | UserActionFilter | UnsetType = UNSET
    sortOrder: SortOrder | UnsetType = UNSET
    page: int | UnsetType = UNSET
    perPage: int | UnsetType = UNSET


class UserActionsFindResponse(msgspec.Struct, kw_only=True):
    """The answer of user_actions/_find."""

    userActions: list[UserAction]
    page: int
    perPage: int
    total: int


class UserActionStats(msgspec.Struct, kw_only=True):
    """GET /internal/cases/{case_id}/user_actions/_stats."""

    total: int
    total_comments: int
    total_other_actions: int


class UserActionsInternalFindResponse(msgspec.Struct, kw_only=True):
    """The answer of the internal user_actions/_find: also the attachments its actions name."""

    userActions: list[UserAction]
    page: int
    perPage: int
    total: int
    latestAttachments: list[Any]


# --- the users of a case, and user profile suggestions ----------------------------------


class UserInfo(msgspec.Struct, kw_only=True):
    """A user as the case users route names it (null when unknown)."""

    email: str | None
    full_name: str | None
    username: str | None


class CaseUser(msgspec.Struct, kw_only=True):
    """A user of a case, with its profile uid when it has one (Kibana's UserWithProfileInfo)."""

    user: UserInfo
    uid: str | UnsetType = UNSET


class CaseUsersResponse(msgspec.Struct, kw_only=True):
    """GET /internal/cases/{case_id}/_users."""

    participants: list[CaseUser]
    assignees: list[CaseUser]
    unassignedUsers: list[CaseUser]
    reporter: CaseUser


class SuggestUserProfilesRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/cases/_suggest_user_profiles (SuggestUserProfilesRequestRt)."""

    name: str
    owners: list[str]
    size: int | UnsetType = UNSET


# --- metrics ------------------------------------------------------------------------------

SingleCaseMetricsFeature = Literal[
    "alerts.count", "alerts.users", "alerts.hosts", "actions.isolateHost", "connectors", "lifespan"
]
CasesMetricsFeature = Literal[
    "alerts.count",
    "alerts.users",
    "alerts.hosts",
    "actions.isolateHost",
    "connectors",
    "lifespan",
    "mttr",
    "status",
]
_Feature = Annotated[str, Text("features", min=1, trim=False)]


class CaseMetricsQuery(RequestStruct, kw_only=True):
    """Query of GET /internal/cases/metrics/{case_id} (its route's config-schema)."""

    # Required: the route answers a missing one itself, with config-schema's oneOf message.
    features: list[_Feature] | _Feature | UnsetType = UNSET


class CasesMetricsQuery(RequestStruct, kw_only=True):
    """Query of GET /internal/cases/metrics (its route's config-schema)."""

    features: list[_Feature] | _Feature | UnsetType = UNSET
    owner: list[str] | str | UnsetType = UNSET
    from_: str | UnsetType = msgspec.field(default=UNSET, name="from")
    to: str | UnsetType = UNSET


class StatusCounts(msgspec.Struct, kw_only=True):
    """How many cases have each status."""

    open: int
    inProgress: int
    closed: int


class CasesMetricsResponse(msgspec.Struct, kw_only=True):
    """The all-cases metrics asked for: mean time to resolve (seconds), status counts."""

    mttr: int | float | UnsetType | None = UNSET
    status: StatusCounts | UnsetType = UNSET


class AlertValues(msgspec.Struct, kw_only=True):
    """The hosts or users of a case's alerts: how many, the 10 most frequent with counts."""

    total: int
    values: list[dict[str, Any]]


class AlertsMetrics(msgspec.Struct, kw_only=True):
    """A case's alert metrics asked for."""

    count: int | UnsetType = UNSET
    hosts: AlertValues | UnsetType = UNSET
    users: AlertValues | UnsetType = UNSET


class ActionTotal(msgspec.Struct, kw_only=True):
    """How many times a host action ran."""

    total: int


class IsolateHostMetrics(msgspec.Struct, kw_only=True):
    """The isolate and unisolate host actions of a case."""

    isolate: ActionTotal
    unisolate: ActionTotal


class ActionsMetrics(msgspec.Struct, kw_only=True):
    """A case's action metrics."""

    isolateHost: IsolateHostMetrics


class ConnectorsMetrics(msgspec.Struct, kw_only=True):
    """How many connectors a case has used."""

    total: int


class StatusInfo(msgspec.Struct, kw_only=True):
    """Time a case spent open and in progress (milliseconds), and when it was reopened."""

    openDuration: int
    inProgressDuration: int
    reopenDates: list[str]


class LifespanMetrics(msgspec.Struct, kw_only=True):
    """When a case was created and closed, and its time in each status."""

    creationDate: str
    closeDate: str | None
    statusInfo: StatusInfo


class SingleCaseMetricsResponse(msgspec.Struct, kw_only=True):
    """GET /internal/cases/metrics/{case_id}: the metrics asked for."""

    alerts: AlertsMetrics | UnsetType = UNSET
    connectors: ConnectorsMetrics | UnsetType = UNSET
    actions: ActionsMetrics | UnsetType = UNSET
    lifespan: LifespanMetrics | UnsetType = UNSET
