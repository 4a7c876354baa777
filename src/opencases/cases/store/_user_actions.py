"""SQL for a case's user actions: its activity, stored with each change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases.schemas import UserAction
from opencases.cases.store._cases import decode_object, decode_user, insert_rows
from opencases.configure.schemas import UserRef
from opencases.db import Executor, Row, in_list, to_json
from opencases.kibana.versions import encode_version


class UserActionRecord(msgspec.Struct, kw_only=True):
    """A user action to store: what changed, how, and its payload."""

    type: str
    action: str
    payload: dict[str, Any]
    comment_id: str | None = None

    @property
    def comment_type(self) -> str | None:
        """The attachment type of a `comment` action."""
        comment = self.payload.get("comment") if self.type == "comment" else None
        return comment.get("type") if isinstance(comment, dict) else None


async def insert_user_actions(
    tx: Executor,
    *,
    case_id: str,
    owner: str,
    first_position: int,
    actions: Sequence[UserActionRecord],
    ids: Sequence[str],
    created_at: str,
    created_by: UserRef,
) -> None:
    """Store a case's new user actions, numbered from `first_position`."""
    creator = to_json(created_by)
    rows = [
        (
            action_id,
            case_id,
            first_position + offset,
            owner,
            action.type,
            action.action,
            to_json(action.payload),
            action.comment_id,
            action.comment_type,
            created_at,
            creator,
        )
        for offset, (action_id, action) in enumerate(zip(ids, actions, strict=True))
    ]
    await insert_rows(tx, "case_user_actions", _USER_ACTION_INSERT, rows)


_USER_ACTION_INSERT: tuple[str, ...] = ("id", "case_id", "position", "owner", "type", "action")
_USER_ACTION_INSERT += ("payload", "comment_id", "comment_type", "created_at", "created_by")


def user_action(row: Row) -> UserAction:
    """A UserAction from a case_user_actions row."""
    return UserAction(
        id=row["id"],
        version=encode_version(1),
        type=row["type"],
        action=row["action"],
        created_at=row["created_at"],
        created_by=decode_user(row["created_by"]),
        owner=row["owner"],
        payload=decode_object(row["payload"]),
        comment_id=row["comment_id"],
    )


USER_ACTION_COLUMNS = "id, type, action, created_at, created_by, owner, payload, comment_id"


async def find_user_actions(
    db: Executor,
    *,
    case_id: str,
    where: str,
    params: dict[str, Any],
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[int, list[UserAction]]:
    """The total of a case's user actions matching `where`, and one page of them."""
    condition = f"case_id = :case_id AND ({where})"
    arguments = {**params, "case_id": case_id}
    total_row = await db.fetch_one(
        f"SELECT count(*) AS total FROM case_user_actions WHERE {condition}", arguments
    )
    order = "DESC" if descending else "ASC"
    rows = await db.fetch_all(
        f"SELECT {USER_ACTION_COLUMNS} FROM case_user_actions WHERE {condition}"
        f" ORDER BY created_at {order}, position {order} LIMIT :limit OFFSET :offset",
        {**arguments, "limit": limit, "offset": offset},
    )
    total = 0 if total_row is None else int(total_row["total"])
    return total, [user_action(row) for row in rows]


async def all_user_actions(db: Executor, *, case_id: str) -> list[UserAction]:
    """Every user action of a case, oldest first."""
    rows = await db.fetch_all(
        f"SELECT {USER_ACTION_COLUMNS} FROM case_user_actions WHERE case_id = :case_id"
        " ORDER BY position",
        {"case_id": case_id},
    )
    return [user_action(row) for row in rows]


async def user_action_totals(db: Executor, *, case_id: str) -> tuple[int, int]:
    """How many user actions a case has, and how many of them are on user comments."""
    row = await db.fetch_one(
        "SELECT count(*) AS total,"
        " count(CASE WHEN comment_type = 'user' THEN 1 END) AS user_comments"
        " FROM case_user_actions WHERE case_id = :case_id",
        {"case_id": case_id},
    )
    if row is None:
        return 0, 0
    return int(row["total"]), int(row["user_comments"])


async def user_actions_of_types(
    db: Executor, *, case_id: str, types: Sequence[str], action: str | None = None
) -> list[UserAction]:
    """A case's user actions of `types` (and `action`, when given), oldest first."""
    placeholders, params = in_list("type", types)
    params["case_id"] = case_id
    condition = ""
    if action is not None:
        condition, params["action"] = " AND action = :action", action
    rows = await db.fetch_all(
        f"SELECT {USER_ACTION_COLUMNS} FROM case_user_actions WHERE case_id = :case_id"
        f" AND type IN ({placeholders}){condition} ORDER BY created_at, position",
        params,
    )
    return [user_action(row) for row in rows]
