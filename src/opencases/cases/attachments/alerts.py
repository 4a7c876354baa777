"""The alerts of a case, and the cases of an alert (OpenCases keeps no alert documents)."""

from __future__ import annotations

from opencases.cases import service as cases_service
from opencases.cases import store as cases_store
from opencases.cases.attachments import store
from opencases.cases.attachments.schemas import (
    AttachedAlert,
    CasesByAlertQuery,
    RelatedCase,
    RelatedCaseTotals,
)
from opencases.cases.attachments.service import GET
from opencases.kibana.validation import given
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

CASES_BY_ALERT = Operation(name="getCase", verb="access", doc_type="cases", read_only=True)


async def alerts_of_case(*, context: RequestContext, case_id: str) -> list[AttachedAlert]:
    """GET /api/cases/{case_id}/alerts: each alert id of the case's alert attachments."""
    record = await cases_service.readable(context, case_id, cases_service.GET)
    owners = await context.ensure_any_owner(GET)
    rows = await store.alerts_of_case(context.db, case_id=record.id, owners=owners)
    return [
        AttachedAlert(id=row["id"], index=row["alert_index"], attached_at=row["attached_at"])
        for row in rows
    ]


async def cases_of_alert(
    *, context: RequestContext, alert_id: str, query: CasesByAlertQuery
) -> list[RelatedCase]:
    """GET /api/cases/alerts/{alert_id}: the cases it is attached to that the caller may read."""
    owners = await context.ensure_any_owner(CASES_BY_ALERT)
    wanted = given(query.owner, None)
    if wanted is not None:
        asked = [wanted] if isinstance(wanted, str) else wanted
        owners = [owner for owner in owners if owner in asked]
    case_ids = await store.cases_of_alert(context.db, space_id=context.space.id, alert_id=alert_id)
    records = await cases_store.get_many(context.db, space_id=context.space.id, case_ids=case_ids)
    order = {case_id: position for position, case_id in enumerate(case_ids)}
    return [
        RelatedCase(
            id=record.id,
            title=record.title,
            description=record.description,
            status=record.status,  # type: ignore[arg-type]
            createdAt=record.created_at,
            totals=RelatedCaseTotals(
                alerts=record.total_alerts, userComments=record.total_comments
            ),
        )
        for record in sorted(records, key=lambda r: order[r.id])
        if record.owner in owners
    ]
