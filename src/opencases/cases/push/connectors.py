"""The connectors a case has had, and whether each needs a push (Kibana's getConnectors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opencases.cases import store as cases_store
from opencases.cases.schemas import UserAction
from opencases.connectors import service as connectors_service
from opencases.connectors.runtime import Connectors
from opencases.kibana.errors import KibanaError
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext

GET_CONNECTORS = Operation(
    name="getConnectors", verb="access", doc_type="user actions", read_only=True
)
# The changes a push sends, by user action type (and for two types, their status and
# severity too, which their incident carries).
_PUSHABLE = frozenset({"comment", "description", "tags", "title"})
_PUSHABLE_BY_TYPE = {".cases-webhook": {"severity", "status"}, ".thehive": {"severity", "status"}}


def _connector_of(action: UserAction) -> dict[str, Any] | None:
    """The connector a `create_case` or `connector` user action sets, unless `none`."""
    if action.type not in ("create_case", "connector"):
        return None
    connector = action.payload.get("connector")
    if not isinstance(connector, dict) or connector.get("id") in (None, "none"):
        return None
    return connector


def _push_info(connector: dict[str, Any], actions: Sequence[UserAction]) -> dict[str, Any]:
    """Kibana's push information of one connector of the case."""
    connector_id = connector["id"]
    pushes = [
        (index, action)
        for index, action in enumerate(actions)
        if action.type == "pushed"
        and action.payload.get("externalService", {}).get("connector_id") == connector_id
    ]
    if not pushes:
        return {"needsToBePushed": True, "hasBeenPushed": False}
    newest_index, newest = pushes[-1]
    # The connector as it was set when it was last pushed.
    at_push = next(
        (
            found
            for action in reversed(actions[:newest_index])
            if (found := _connector_of(action)) is not None and found["id"] == connector_id
        ),
        None,
    )
    pushable = _PUSHABLE | _PUSHABLE_BY_TYPE.get(connector.get("type", ""), set())
    changed_since = any(action.type in pushable for action in actions[newest_index + 1 :])
    return {
        "needsToBePushed": at_push != connector or changed_since,
        "hasBeenPushed": True,
        "details": {
            "latestUserActionPushDate": newest.created_at,
            "oldestUserActionPushDate": pushes[0][1].created_at,
            "externalService": newest.payload["externalService"],
        },
    }


async def case_connectors(
    *, context: RequestContext, connectors: Connectors, case_id: str
) -> dict[str, Any]:
    """GET /internal/cases/{case_id}/_connectors: each connector the case has had, by id."""
    await context.ensure_any_owner(GET_CONNECTORS)
    record = await cases_store.get(context.db, space_id=context.space.id, case_id=case_id)
    if record is None:
        return {}
    await context.ensure_authorized(GET_CONNECTORS, [record.owner])
    actions = await cases_store.all_user_actions(context.db, case_id=record.id)
    latest: dict[str, dict[str, Any]] = {}
    for action in actions:
        connector = _connector_of(action)
        if connector is not None:
            latest[connector["id"]] = connector
    answer: dict[str, Any] = {}
    for connector_id, connector in latest.items():
        name = connector.get("name")
        try:
            found = await connectors_service.get(
                context=context, connectors=connectors, connector_id=connector_id
            )
            name = found.name
        except KibanaError:
            pass  # gone, or not readable: the name the case recorded
        answer[connector_id] = {
            "id": connector_id,
            "name": name,
            "type": connector.get("type"),
            "fields": connector.get("fields"),
            "push": _push_info(connector, actions),
        }
    return answer
