"""Case metrics: one case's (alerts, actions, connectors, lifespan), all cases' (mttr, status)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from msgspec import UNSET

from opencases.cases import search, store
from opencases.cases.schemas import (
    ActionsMetrics,
    ActionTotal,
    AlertsMetrics,
    AlertValues,
    CasesMetricsFeature,
    CasesMetricsQuery,
    CasesMetricsResponse,
    ConnectorsMetrics,
    IsolateHostMetrics,
    LifespanMetrics,
    SingleCaseMetricsFeature,
    SingleCaseMetricsResponse,
    StatusCounts,
    StatusInfo,
    UserAction,
)
from opencases.cases.search import CaseFilter, Query, listed
from opencases.cases.service import SAVED_OBJECT_TYPE
from opencases.kibana.errors import BadRequest, saved_object_not_found
from opencases.kibana.time import SYSTEM_CLOCK, format_time, parse_time
from opencases.kibana.validation import RequestStruct, validate
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

GET_CASE_METRICS = Operation(name="getCaseMetrics", verb="access", doc_type="case", read_only=True)
GET_CASES_METRICS = Operation(
    name="getCasesMetrics", verb="access", doc_type="cases", read_only=True
)
# The features the all-cases handlers (MTTR, Status) compute, sorted as Kibana lists them.
ALL_CASES_FEATURES = ("mttr", "status")
# Statuses whose time Kibana's lifespan counts (closed time is not counted).
_TIMED_STATUSES = ("open", "in-progress")


class _CaseFeatures(RequestStruct, kw_only=True):
    """Kibana's SingleCaseMetricsRequestRt."""

    features: list[SingleCaseMetricsFeature]


class _CasesFeatures(RequestStruct, kw_only=True):
    """The features part of Kibana's CasesMetricsRequestRt."""

    features: list[CasesMetricsFeature]


def features_of(value: Any) -> list[str]:
    """The route's `features` (one or several), or config-schema's 400 for none."""
    if value is UNSET:
        raise BadRequest(
            "[request query.features]: expected at least one defined value but got [undefined]"
        )
    return list(value) if isinstance(value, list) else [value]


# --- one case -----------------------------------------------------------------------------


async def case_metrics(
    *, context: RequestContext, case_id: str, features: Sequence[str]
) -> SingleCaseMetricsResponse:
    """The metrics of one case that `features` asks for."""
    wanted = set(validate(_CaseFeatures, {"features": list(features)}).features)
    # Refused first with no privilege in the space, as Kibana refuses another space's case.
    await context.ensure_any_owner(GET_CASE_METRICS)
    record = await store.get(context.db, space_id=context.space.id, case_id=case_id)
    if record is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, case_id)
    await context.ensure_authorized(GET_CASE_METRICS, [record.owner])
    response = SingleCaseMetricsResponse()
    if wanted & {"alerts.count", "alerts.hosts", "alerts.users"}:
        # The distinct alert ids attached (Kibana's cardinality of alertId). Hosts and users
        # come from alert documents, which OpenCases does not keep: none.
        response.alerts = AlertsMetrics(
            count=record.total_alerts if "alerts.count" in wanted else UNSET,
            hosts=AlertValues(total=0, values=[]) if "alerts.hosts" in wanted else UNSET,
            users=AlertValues(total=0, values=[]) if "alerts.users" in wanted else UNSET,
        )
    if "actions.isolateHost" in wanted:
        totals = await store.host_actions(context.db, case_id=record.id)
        response.actions = ActionsMetrics(
            isolateHost=IsolateHostMetrics(
                isolate=ActionTotal(total=totals.get("isolate", 0)),
                unisolate=ActionTotal(total=totals.get("unisolate", 0)),
            )
        )
    if "connectors" in wanted:
        response.connectors = ConnectorsMetrics(total=await _connectors(context, record.id))
    if "lifespan" in wanted:
        changes = await store.user_actions_of_types(
            context.db, case_id=record.id, types=["status"], action="update"
        )
        response.lifespan = LifespanMetrics(
            creationDate=record.created_at,
            closeDate=record.closed_at,
            statusInfo=status_info(changes, created_at=parse_time(record.created_at)),
        )
    return response


async def _connectors(context: RequestContext, case_id: str) -> int:
    """How many connectors a case's create and connector user actions name (`none` is none)."""
    found = await store.user_actions_of_types(
        context.db, case_id=case_id, types=["connector", "create_case"]
    )
    ids = {action.payload.get("connector", {}).get("id") for action in found}
    return len(ids - {None, "none"})


def _milliseconds(later: datetime, earlier: datetime) -> int:
    return abs(later - earlier) // timedelta(milliseconds=1)


def status_info(
    changes: Sequence[UserAction], *, created_at: datetime, now: datetime | None = None
) -> StatusInfo:
    """Kibana's getStatusInfo: time open and in progress (ms) up to now, and the reopenings."""
    durations = dict.fromkeys(_TIMED_STATUSES, 0)
    status, since = "open", created_at
    reopened: list[str] = []
    for change in changes:
        new_status = change.payload.get("status")
        if new_status not in ("open", "in-progress", "closed"):
            continue
        moment = parse_time(change.created_at)
        if status in durations:
            durations[status] += _milliseconds(moment, since)
        if status == "closed" and new_status != "closed":
            reopened.append(format_time(moment))
        status, since = new_status, moment
    if status in durations:
        durations[status] += _milliseconds(now or SYSTEM_CLOCK.now(), since)
    return StatusInfo(
        openDuration=durations["open"],
        inProgressDuration=durations["in-progress"],
        reopenDates=reopened,
    )


# --- all cases ----------------------------------------------------------------------------


async def cases_metrics(
    *, context: RequestContext, query: CasesMetricsQuery
) -> CasesMetricsResponse:
    """Mean time to resolve and counts by status of the readable cases asked for."""
    wanted = validate(_CasesFeatures, {"features": features_of(query.features)}).features
    invalid = [feature for feature in wanted if feature not in ALL_CASES_FEATURES]
    if invalid:
        raise BadRequest(
            f"invalid features: [{', '.join(invalid)}], please only provide valid features:"
            f" [{', '.join(ALL_CASES_FEATURES)}]"
        )
    authorized = await context.ensure_any_owner(GET_CASES_METRICS)
    requested = listed(query.owner)
    created_from, created_to = search.date_range(query.from_, query.to)
    case_filter = CaseFilter(
        owners=[owner for owner in authorized if not requested or owner in requested],
        created_from=created_from,
        created_to=created_to,
    )
    where = search.build(
        Query(context.db.dialect), space_id=context.space.id, case_filter=case_filter
    )
    by_status = await store.status_metrics(context.db, where=where)
    response = CasesMetricsResponse()
    if "mttr" in wanted:
        duration_sum = sum(total for _, total, _ in by_status.values())
        durations = sum(count for _, _, count in by_status.values())
        # Elasticsearch's avg of the stored durations (seconds); JSON shows 220.0 as 220.
        mean = duration_sum / durations if durations else None
        response.mttr = int(mean) if mean is not None and mean.is_integer() else mean
    if "status" in wanted:
        counts = {status: count for status, (count, _, _) in by_status.items()}
        response.status = StatusCounts(
            open=counts.get("open", 0),
            inProgress=counts.get("in-progress", 0),
            closed=counts.get("closed", 0),
        )
    return response
