"""Push a case to its external system (Kibana's server/client/cases/push.ts)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from opencases.cases import service as cases_service
from opencases.cases import store as cases_store
from opencases.cases import timing
from opencases.cases.attachments import service as attachments
from opencases.cases.attachments import store as attachments_store
from opencases.cases.attachments.store import AttachmentRecord
from opencases.cases.push import formats, store
from opencases.cases.schemas import ExternalService, UserAction
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure import service as configure_service
from opencases.configure.schemas import UserRef
from opencases.connectors import service as connectors_service
from opencases.connectors.runtime import Connectors
from opencases.db import Executor
from opencases.kibana.errors import Conflict, FailedDependency, saved_object_not_found
from opencases.kibana.time import format_time, utc_now
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

PUSH = Operation(name="pushCase", verb="update", doc_type="case", read_only=False)
# Attachments whose text is sent: user comments and endpoint response actions.
_SENT_TYPES = ("user", "actions")


def author_of(updated_by: UserRef | None, created_by: UserRef | None) -> str:
    """Kibana's getEntity: the updater (else the creator) by full name or username."""
    # An updater without either is `Unknown`: Kibana does not pass over to the creator.
    user = updated_by if updated_by is not None else created_by
    if user is None:
        return "Unknown"
    return user.full_name or user.username or "Unknown"


def _added_by(text: str, name: str) -> str:
    return f"{text}\n\nAdded by {name}."


# Where each owner's application shows a case (Kibana's OWNER_INFO appRoute).
_APP_ROUTES = {
    "securitySolution": "/app/security",
    "observability": "/app/observability",
    "cases": "/app/management/insightsAndAlerting",
}


def case_url(public_base_url: str | None, space_id: str, case: CaseRecord) -> str | None:
    """Kibana's getCaseViewPath: the case's page, when the public base URL is known."""
    if not public_base_url:
        return None
    space = "" if space_id == "default" else f"/s/{space_id}"
    route = _APP_ROUTES.get(case.owner, _APP_ROUTES["cases"])
    return f"{public_base_url.rstrip('/')}{space}{route}/cases/{case.id}"


def _latest_push(actions: Sequence[UserAction], connector_id: str) -> int | None:
    """Where in the case's activity its newest `pushed` user action of this connector is."""
    for index in range(len(actions) - 1, -1, -1):
        action = actions[index]
        pushed = action.payload.get("externalService", {}) if action.type == "pushed" else {}
        if pushed.get("connector_id") == connector_id:
            return index
    return None


def actions_text(attachment: AttachmentRecord) -> str:
    """Kibana's getCommentContent of an endpoint response action (other kinds: nothing)."""
    actions = attachment.attributes["actions"]
    if actions["type"] not in ("isolate", "unisolate"):
        return ""
    targets = actions["targets"]
    verb = "Isolated" if actions["type"] == "isolate" else "Released"
    host = targets[0]["hostname"] if targets else "unknown"
    more = f"and {len(targets) - 1} more " if len(targets) > 1 else ""
    return f"{verb} host {host} {more}with comment: {attachment.attributes['comment']}"


def _comments(
    case: CaseRecord,
    attachments: Sequence[AttachmentRecord],
    actions: Sequence[UserAction],
    latest: int | None,
    url: str | None,
) -> list[dict[str, str]]:
    """The comments to send: those written or edited since this connector's last push."""
    changed = {action.comment_id for action in actions[latest or 0 :] if action.type == "comment"}
    comments = []
    for attachment in attachments:
        if attachment.type not in _SENT_TYPES or attachment.id not in changed:
            continue
        text = (
            attachment.attributes["comment"]
            if attachment.type == "user"
            else actions_text(attachment)
        )
        name = author_of(attachment.updated_by, attachment.created_by)
        comments.append({"commentId": attachment.id, "comment": _added_by(text, name)})
    alerts = [a for a in attachments if a.type == "alert"]
    if any(alert.pushed_at is None for alert in alerts):
        total = sum(len(alert.alert_ids) for alert in alerts)
        text = f"Elastic Alerts attached to the case: {total}"
        if url is not None:
            text += (
                f"\n\nFor more details, view the alerts in Kibana\nAlerts URL: {url}/?tabId=alerts"
            )
        comments.append({"commentId": f"{case.id}-total-alerts", "comment": text})
    return comments


def incident_of(
    case: CaseRecord, kind: str, external_id: str | None, url: str | None = None
) -> dict[str, Any]:
    """The incident of pushToService: mapped title and description, the connector's fields."""
    incident = formats.connector_fields(case, kind)
    mapped = formats.TITLE_AND_DESCRIPTION.get(kind)
    if mapped is not None:
        title, description = mapped
        text = _added_by(case.description, author_of(case.updated_by, case.created_by))
        if url is not None:
            text += f"\nFor more details, view this case in Kibana.\nCase URL: {url}"
        incident = {title: case.title, description: text, **incident}
    incident["externalId"] = external_id
    return incident


async def push(
    *, context: RequestContext, connectors: Connectors, case_id: str, connector_id: str
) -> msgspec.Raw:
    """POST /api/cases/{case_id}/connector/{connector_id}/_push."""
    record = await cases_service.readable(context, case_id, PUSH)
    connector = await connectors_service.get(
        context=context, connectors=connectors, connector_id=connector_id
    )
    # One push of a case to a connector at a time (across processes): a second one waits,
    # then updates the incident the first created instead of creating another.
    async with _push_lock(context, case_id=record.id, connector_id=connector_id) as lock:
        actions = await cases_store.all_user_actions(context.db, case_id=record.id)
        found = await attachments_store.of_case(context.db, case_id=record.id)
        latest = _latest_push(actions, connector_id)
        external_id = (
            None if latest is None else actions[latest].payload["externalService"]["external_id"]
        )
        url = case_url(context.settings.public_base_url, context.space.id, record)
        params = {
            "subAction": "pushToService",
            "subActionParams": {
                "incident": incident_of(record, connector.connector_type_id, external_id, url),
                "comments": _comments(record, found, actions, latest, url),
            },
        }
        result = await connectors_service.execute(
            context=context, connectors=connectors, connector_id=connector_id, params=params
        )
        if result.get("status") == "error":
            raise FailedDependency(
                result.get("service_message") or result.get("message") or "Error pushing to service"
            )
        data = result["data"]
        external_service = ExternalService(
            connector_id=connector_id,
            connector_name=connector.name,
            external_id=str(data["id"]),
            external_title=str(data["title"]),
            external_url=str(data["url"]),
            pushed_at=utc_now(),
            pushed_by=cases_service.user_ref(context),
        )
        closes = (
            await configure_service.closure_type_of(
                db=context.db, space_id=context.space.id, owner=record.owner
            )
            == "close-by-pushing"
        )
        return await _record_push(
            context, lock=lock, external_service=external_service, closes=closes
        )


@dataclass(slots=True)
class _Lock:
    """A push lock held: given back with the push's record, or alone when the push fails."""

    case_id: str
    connector_id: str
    holder: str
    released: bool = False

    async def release(self, tx: Executor) -> None:
        """Give the lock back in `tx` (it is released once `tx` commits)."""
        await store.release(
            tx, case_id=self.case_id, connector_id=self.connector_id, holder=self.holder
        )


@asynccontextmanager
async def _push_lock(
    context: RequestContext, *, case_id: str, connector_id: str
) -> AsyncIterator[_Lock]:
    """Hold the case's push lock for the connector, waiting while another push has it."""
    holder = str(uuid.uuid4())
    # A push lasts at most the connector's timeout; a lock whose holder died ends later.
    hold = timedelta(seconds=2 * context.settings.connector_timeout_seconds)
    deadline = time.monotonic() + context.settings.connector_timeout_seconds
    while True:
        now = datetime.now(UTC)
        async with context.db.transaction() as tx:
            taken = await store.acquire(
                tx,
                case_id=case_id,
                connector_id=connector_id,
                holder=holder,
                now=format_time(now),
                expires_at=format_time(now + hold),
            )
        if taken:
            break
        if time.monotonic() > deadline:
            raise Conflict(
                f"The case {case_id} is being pushed to the connector {connector_id}."
                " Please try again later."
            )
        await asyncio.sleep(_LOCK_POLL_SECONDS)
    lock = _Lock(case_id=case_id, connector_id=connector_id, holder=holder)
    try:
        yield lock
    finally:
        if not lock.released:
            async with context.db.transaction() as tx:
                await lock.release(tx)


_LOCK_POLL_SECONDS = 0.02


async def _record_push(
    context: RequestContext, *, lock: _Lock, external_service: ExternalService, closes: bool
) -> msgspec.Raw:
    """Store what the push did, in one transaction, against the case as it is then."""
    case_id = lock.case_id
    now, user = external_service.pushed_at, external_service.pushed_by
    async with context.db.transaction() as tx:
        before = await cases_store.get(tx, space_id=context.space.id, case_id=case_id, lock=True)
        if before is None:  # deleted while the external system answered
            raise saved_object_not_found(cases_service.SAVED_OBJECT_TYPE, case_id)
        after = msgspec.structs.replace(
            before, external_service=external_service, updated_at=now, updated_by=user
        )
        fields = ["external_service", "updated_at", "updated_by"]
        new_actions = []
        if closes:
            # Kibana closes the case even when it is closed already.
            after.status = "closed"
            timing.apply_status(after, before=before, now=now, user=user)
            fields += ["status", "timing", "duration", "closed_at", "closed_by"]
            new_actions.append(
                UserActionRecord(type="status", action="update", payload={"status": "closed"})
            )
        new_actions.append(
            UserActionRecord(
                type="pushed",
                action="push_to_service",
                payload={"externalService": msgspec.to_builtins(external_service)},
            )
        )
        after.user_action_count = before.user_action_count + len(new_actions)
        after.revision = before.revision + 1
        fields.append("user_action_count")
        await cases_store.update(tx, after, fields=fields, expected=before.revision)
        await attachments_store.mark_pushed(tx, case_id=case_id, pushed_at=now, pushed_by=user)
        await cases_service.record_actions(
            tx, record=after, new_actions=new_actions, now=now, user=user
        )
        await lock.release(tx)
        answer = await attachments.with_comments(tx, after)
    lock.released = True
    return answer
