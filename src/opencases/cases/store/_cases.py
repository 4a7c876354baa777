"""SQL for cases: their rows, tags, assignees and numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases.schemas import CaseSettings, ExternalService
from opencases.configure.schemas import Assignee, CaseConnector, CustomFieldValue, UserRef
from opencases.db import Executor, Row, in_list, to_json


class CaseRecord(msgspec.Struct, kw_only=True):
    """A stored case."""

    id: str
    space_id: str
    owner: str
    incremental_id: int
    title: str
    description: str
    tags: list[str]
    status: str
    severity: str
    connector: CaseConnector
    settings: CaseSettings
    assignees: list[Assignee]
    category: str | None
    customFields: list[CustomFieldValue]
    observables: list[Any]
    external_service: ExternalService | None
    timing: dict[str, Any]
    duration: int | None
    closed_at: str | None
    closed_by: UserRef | None
    created_at: str
    created_by: UserRef
    updated_at: str | None
    updated_by: UserRef | None
    total_comments: int
    total_alerts: int
    user_action_count: int
    revision: int


_COLUMNS = (
    "id, space_id, owner, incremental_id, title, description, tags, status, severity,"
    " connector, settings, assignees, category, custom_fields, observables, external_service,"
    " timing, duration, closed_at, closed_by, created_at, created_by, updated_at, updated_by,"
    " total_comments, total_alerts, user_action_count, revision"
)


def columns(alias: str) -> str:
    """The columns case_record reads, of the cases table named `alias` in a query."""
    return ", ".join(f"{alias}.{name.strip()}" for name in _COLUMNS.split(","))


COLUMNS = columns("cases")

_decode_tags = msgspec.json.Decoder(list[str]).decode
_decode_connector = msgspec.json.Decoder(CaseConnector).decode
_decode_settings = msgspec.json.Decoder(CaseSettings).decode
_decode_assignees = msgspec.json.Decoder(list[Assignee]).decode
_decode_custom_fields = msgspec.json.Decoder(list[CustomFieldValue]).decode
_decode_list = msgspec.json.Decoder(list[Any]).decode
decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_decode_external_service = msgspec.json.Decoder(ExternalService).decode
decode_user = msgspec.json.Decoder(UserRef).decode


def _optional_user(value: str | None) -> UserRef | None:
    return None if value is None else decode_user(value)


def case_record(row: Row) -> CaseRecord:
    """A CaseRecord from a row of COLUMNS."""
    external_service = row["external_service"]
    return CaseRecord(
        id=row["id"],
        space_id=row["space_id"],
        owner=row["owner"],
        incremental_id=row["incremental_id"],
        title=row["title"],
        description=row["description"],
        tags=_decode_tags(row["tags"]),
        status=row["status"],
        severity=row["severity"],
        connector=_decode_connector(row["connector"]),
        settings=_decode_settings(row["settings"]),
        assignees=_decode_assignees(row["assignees"]),
        category=row["category"],
        customFields=_decode_custom_fields(row["custom_fields"]),
        observables=_decode_list(row["observables"]),
        external_service=(
            None if external_service is None else _decode_external_service(external_service)
        ),
        timing=decode_object(row["timing"]),
        duration=row["duration"],
        closed_at=row["closed_at"],
        closed_by=_optional_user(row["closed_by"]),
        created_at=row["created_at"],
        created_by=decode_user(row["created_by"]),
        updated_at=row["updated_at"],
        updated_by=_optional_user(row["updated_by"]),
        total_comments=row["total_comments"],
        total_alerts=row["total_alerts"],
        user_action_count=row["user_action_count"],
        revision=row["revision"],
    )


def _optional_json(value: Any) -> str | None:
    return None if value is None else to_json(value)


# What a case's columns hold, by record field: JSON columns are encoded.
_JSON_FIELDS = {"tags", "connector", "settings", "assignees", "customFields", "observables"}
_JSON_FIELDS |= {"timing", "created_by", "external_service", "closed_by", "updated_by"}


def _column_values(record: CaseRecord, fields: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(record, name)
        column = "custom_fields" if name == "customFields" else name
        values[column] = _optional_json(value) if name in _JSON_FIELDS else value
        if name == "connector":
            values["connector_id"] = record.connector.id
    return values


async def next_incremental_id(tx: Executor, *, space_id: str) -> int:
    """The next case number of a space, taken in the caller's transaction (row-locked)."""
    row = await tx.fetch_one(
        "INSERT INTO case_counters (space_id, last_id) VALUES (:space_id, 1)"
        " ON CONFLICT (space_id) DO UPDATE SET last_id = case_counters.last_id + 1"
        " RETURNING last_id",
        {"space_id": space_id},
    )
    assert row is not None
    return int(row["last_id"])


async def insert(tx: Executor, record: CaseRecord) -> None:
    """Store a new case, its tags and its assignees."""
    values = _column_values(record, msgspec.structs.asdict(record).keys())  # type: ignore[arg-type]
    values["reporter"] = record.created_by.username or ""
    values["reporter_profile_uid"] = record.created_by.profile_uid or None
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    await tx.execute(f"INSERT INTO cases ({columns}) VALUES ({placeholders})", values)
    await _put_tags(tx, record)
    await _put_assignees(tx, record)


async def update(tx: Executor, record: CaseRecord, *, fields: Sequence[str], expected: int) -> bool:
    """Write `fields` of a case (and its revision) if it is still at revision `expected`."""
    values = _column_values(record, [*fields, "revision"])
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    changed = await tx.execute(
        f"UPDATE cases SET {assignments} WHERE id = :case_id AND revision = :expected",
        {**values, "case_id": record.id, "expected": expected},
    )
    if not changed:
        return False
    if "tags" in fields:
        await tx.execute("DELETE FROM case_tags WHERE case_id = :id", {"id": record.id})
        await _put_tags(tx, record)
    if "assignees" in fields:
        await tx.execute("DELETE FROM case_assignees WHERE case_id = :id", {"id": record.id})
        await _put_assignees(tx, record)
    return True


async def insert_rows(
    tx: Executor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """One INSERT of every row (one statement, not one per row: the writer's round trips)."""
    if not rows:
        return
    params: dict[str, Any] = {}
    tuples = []
    for index, row in enumerate(rows):
        names = [f"{column}{index}" for column in columns]
        params.update(zip(names, row, strict=True))
        tuples.append(f"({', '.join(':' + name for name in names)})")
    await tx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join(tuples)}", params
    )


async def _put_tags(tx: Executor, record: CaseRecord) -> None:
    rows = [(record.id, record.space_id, record.owner, tag) for tag in dict.fromkeys(record.tags)]
    await insert_rows(tx, "case_tags", ("case_id", "space_id", "owner", "tag"), rows)


async def _put_assignees(tx: Executor, record: CaseRecord) -> None:
    uids = dict.fromkeys(assignee.uid for assignee in record.assignees)
    rows = [(record.id, record.space_id, uid) for uid in uids]
    await insert_rows(tx, "case_assignees", ("case_id", "space_id", "uid"), rows)


async def get(
    db: Executor, *, space_id: str, case_id: str, lock: bool = False
) -> CaseRecord | None:
    """A case of the space, or None; `lock`ed until the transaction ends, on PostgreSQL.

    (SQLite's writer is alone: what a transaction reads stays as it is until it commits.)
    """
    # NO KEY: the key share locks of the transaction's own foreign keys must not conflict.
    locking = " FOR NO KEY UPDATE" if lock and db.dialect == "postgresql" else ""
    row = await db.fetch_one(
        f"SELECT {COLUMNS} FROM cases WHERE id = :id AND space_id = :space_id{locking}",
        {"id": case_id, "space_id": space_id},
    )
    return None if row is None else case_record(row)


async def get_many(db: Executor, *, space_id: str, case_ids: Sequence[str]) -> list[CaseRecord]:
    """The cases of the space among `case_ids` (in no order)."""
    # An id holding U+0000 names no case (and PostgreSQL cannot compare it).
    case_ids = [case_id for case_id in dict.fromkeys(case_ids) if "\x00" not in case_id]
    if not case_ids:
        return []
    placeholders, params = in_list("id", case_ids)
    rows = await db.fetch_all(
        f"SELECT {COLUMNS} FROM cases WHERE space_id = :space_id AND id IN ({placeholders})",
        {**params, "space_id": space_id},
    )
    return [case_record(row) for row in rows]


async def delete(tx: Executor, *, case_ids: Sequence[str]) -> None:
    """Delete cases with everything they hold (tags, assignees, activity, attachments, files).

    The foreign keys cascade, on SQLite (foreign_keys=ON) as on PostgreSQL.
    """
    placeholders, params = in_list("id", case_ids)
    await tx.execute(f"DELETE FROM cases WHERE id IN ({placeholders})", params)


async def connector_counts(
    db: Executor, *, space_id: str, connector_ids: Sequence[str]
) -> dict[str, int]:
    """How many cases of the space use each of `connector_ids` (absent: none)."""
    if not connector_ids:
        return {}
    placeholders, params = in_list("connector", connector_ids)
    rows = await db.fetch_all(
        "SELECT connector_id, count(*) AS uses FROM cases WHERE space_id = :space_id"
        f" AND connector_id IN ({placeholders}) GROUP BY connector_id",
        {**params, "space_id": space_id},
    )
    return {row["connector_id"]: int(row["uses"]) for row in rows}
