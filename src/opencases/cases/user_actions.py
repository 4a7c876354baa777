"""User actions: the activity of a case, as Kibana's UserActionPersister writes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases.schemas import CasePostRequest
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure.schemas import Assignee
from opencases.kibana.validation import given

# Record fields written as one `update` action carrying the new value, by user action type.
_UPDATED_FIELDS = {
    "title": "title",
    "description": "description",
    "status": "status",
    "severity": "severity",
    "connector": "connector",
    "settings": "settings",
    "category": "category",
}


def _plain(value: Any) -> Any:
    return msgspec.to_builtins(value)


def create_case(record: CaseRecord) -> UserActionRecord:
    """The `create_case` action of a case stored as requested (nothing to trim or fill in)."""
    return UserActionRecord(
        type="create_case",
        action="create",
        payload={
            "title": record.title,
            "description": record.description,
            "tags": record.tags,
            "connector": _plain(record.connector),
            "settings": _plain(record.settings),
            "owner": record.owner,
            "severity": record.severity,
            "assignees": _plain(record.assignees),
            "status": "open",
            "category": record.category,
            "customFields": _plain(record.customFields),
        },
    )


def case_requested(request: CasePostRequest, *, assignees: Sequence[Assignee]) -> UserActionRecord:
    """The `create_case` action of POST /api/cases: the request as sent, Kibana's defaults added."""
    # Kibana's create.ts records the decoded request, before it trims the text or fills
    # in the configured custom fields (it only drops assignees without a uid).
    payload = _plain(request)
    payload.update(
        severity=given(request.severity, "low"),
        assignees=_plain(assignees),
        category=given(request.category, None),
        customFields=_plain(given(request.customFields, [])),
        status="open",
    )
    return UserActionRecord(type="create_case", action="create", payload=payload)


def _difference(left: Sequence[Any], right: Sequence[Any]) -> list[Any]:
    """lodash differenceWith(left, right, isEqual): the items of `left` not in `right`."""
    return [item for item in left if item not in right]


def _added_and_removed(
    field: str, before: Sequence[Any], after: Sequence[Any]
) -> list[UserActionRecord]:
    actions = []
    added = _difference(after, before)
    if added:
        actions.append(UserActionRecord(type=field, action="add", payload={field: _plain(added)}))
    removed = _difference(before, after)
    if removed:
        actions.append(
            UserActionRecord(type=field, action="delete", payload={field: _plain(removed)})
        )
    return actions


def updates(before: CaseRecord, after: CaseRecord, fields: Sequence[str]) -> list[UserActionRecord]:
    """One action per changed field (tags and assignees: what was added, then what was removed)."""
    actions: list[UserActionRecord] = []
    for field in fields:
        if field in _UPDATED_FIELDS:
            actions.append(
                UserActionRecord(
                    type=field,
                    action="update",
                    payload={field: _plain(getattr(after, field))},
                )
            )
        elif field == "tags":
            actions.extend(_added_and_removed("tags", before.tags, after.tags))
        elif field == "assignees":
            actions.extend(
                _added_and_removed("assignees", _uids(before.assignees), _uids(after.assignees))
            )
        elif field == "customFields":
            previous = {value.key: value for value in before.customFields}
            for value in after.customFields:
                old = previous.get(value.key)
                # Kibana writes nothing for a field that appears with no value.
                if old == value or (old is None and value.value is None):
                    continue
                actions.append(
                    UserActionRecord(
                        type="customFields",
                        action="update",
                        payload={"customFields": [_plain(value)]},
                    )
                )
    return actions


def _uids(assignees: Sequence[Assignee]) -> list[Assignee]:
    return [Assignee(uid=assignee.uid) for assignee in assignees]


# --- finding them -------------------------------------------------------------------------


def type_filter(types: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """SQL for the user action `types` filter, as Kibana's find builds it (types OR'ed)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    plain: list[str] = []
    for value in dict.fromkeys(types):
        if value == "action":
            clauses.append("(comment_type IS NULL OR comment_type <> 'user')")
        elif value == "user":
            clauses.append("(type = 'comment' AND comment_type = 'user' AND action = 'create')")
        elif value == "alert":
            clauses.append("(type = 'comment' AND comment_type = 'alert')")
        elif value == "attachment":
            clauses.append(
                "(type = 'comment' AND comment_type IN ('persistableState', 'externalReference'))"
            )
        else:
            plain.append(value)
    if plain:
        names = {f"type{i}": value for i, value in enumerate(plain)}
        params.update(names)
        clauses.append(f"type IN ({', '.join(':' + name for name in names)})")
    return (" OR ".join(clauses) if clauses else "1 = 1"), params
