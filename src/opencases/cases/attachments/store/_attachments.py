"""SQL for case attachments and their alert ids, and the case totals they keep."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases import store as cases_store
from opencases.cases.attachments.schemas import Attachment
from opencases.cases.store import CaseRecord
from opencases.configure.schemas import UserRef
from opencases.db import Executor, Row, in_list, to_json
from opencases.kibana.versions import encode_version


class AttachmentRecord(msgspec.Struct, kw_only=True):
    """A stored attachment: its type's own fields in `attributes`."""

    id: str
    case_id: str
    space_id: str
    owner: str
    type: str
    attributes: dict[str, Any]
    created_at: str
    created_by: UserRef
    pushed_at: str | None
    pushed_by: UserRef | None
    updated_at: str | None
    updated_by: UserRef | None
    revision: int

    @property
    def alert_ids(self) -> list[str]:
        """The alert ids an alert attachment holds (none for another type)."""
        return as_list(self.attributes.get("alertId")) if self.type == "alert" else []

    @property
    def alert_indices(self) -> list[str]:
        """The index of each of its alert ids."""
        return as_list(self.attributes.get("index")) if self.type == "alert" else []


_COLUMNS = (
    "id, case_id, space_id, owner, type, attributes, created_at, created_by, pushed_at,"
    " pushed_by, updated_at, updated_by, revision"
)
_decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_decode_user = msgspec.json.Decoder(UserRef).decode


def as_list(value: Any) -> list[str]:
    """An alert attachment's ids or indices, one or many, as a list."""
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []


def _record(row: Row) -> AttachmentRecord:
    return AttachmentRecord(
        id=row["id"],
        case_id=row["case_id"],
        space_id=row["space_id"],
        owner=row["owner"],
        type=row["type"],
        attributes=_decode_object(row["attributes"]),
        created_at=row["created_at"],
        created_by=_decode_user(row["created_by"]),
        pushed_at=row["pushed_at"],
        pushed_by=None if row["pushed_by"] is None else _decode_user(row["pushed_by"]),
        updated_at=row["updated_at"],
        updated_by=None if row["updated_by"] is None else _decode_user(row["updated_by"]),
        revision=row["revision"],
    )


def _optional_json(value: Any) -> str | None:
    return None if value is None else to_json(value)


def answer(record: AttachmentRecord) -> Attachment:
    """An attachment as Kibana answers it (built, not converted: its fields were checked)."""
    return Attachment(
        id=record.id,
        version=encode_version(record.revision),
        type=record.type,  # type: ignore[arg-type]
        owner=record.owner,
        created_at=record.created_at,
        created_by=record.created_by,
        pushed_at=record.pushed_at,
        pushed_by=record.pushed_by,
        updated_at=record.updated_at,
        updated_by=record.updated_by,
        **record.attributes,
    )


def _document(record: AttachmentRecord) -> str:
    return msgspec.json.encode(answer(record)).decode()


async def insert(tx: Executor, records: Sequence[AttachmentRecord]) -> None:
    """Store new attachments and the alert ids they hold."""
    await cases_store.insert_rows(
        tx,
        "case_comments",
        (*_COLUMNS.replace(" ", "").split(","), "alert_count", "type_id", "document"),
        [
            (
                record.id,
                record.case_id,
                record.space_id,
                record.owner,
                record.type,
                to_json(record.attributes),
                record.created_at,
                to_json(record.created_by),
                record.pushed_at,
                _optional_json(record.pushed_by),
                record.updated_at,
                _optional_json(record.updated_by),
                record.revision,
                len(record.alert_ids),
                record.attributes.get("externalReferenceAttachmentTypeId")
                or record.attributes.get("persistableStateAttachmentTypeId"),
                _document(record),
            )
            for record in records
        ],
    )
    await _put_alerts(tx, records)


async def _put_alerts(tx: Executor, records: Sequence[AttachmentRecord]) -> None:
    rows = [
        (record.id, position, record.case_id, record.space_id, alert_id, index)
        for record in records
        for position, (alert_id, index) in enumerate(
            zip(record.alert_ids, record.alert_indices, strict=False)
        )
    ]
    columns = ("comment_id", "position", "case_id", "space_id", "alert_id", "alert_index")
    await cases_store.insert_rows(tx, "case_alerts", columns, rows)


async def update(tx: Executor, record: AttachmentRecord, *, expected: int) -> bool:
    """Write an attachment's fields if it is still at revision `expected`."""
    changed = await tx.execute(
        "UPDATE case_comments SET attributes = :attributes, alert_count = :alert_count,"
        " updated_at = :updated_at, updated_by = :updated_by, revision = :revision,"
        " document = :document WHERE id = :id AND revision = :expected",
        {
            "attributes": to_json(record.attributes),
            "document": _document(record),
            "alert_count": len(record.alert_ids),
            "updated_at": record.updated_at,
            "updated_by": _optional_json(record.updated_by),
            "revision": record.revision,
            "id": record.id,
            "expected": expected,
        },
    )
    if not changed:
        return False
    await tx.execute("DELETE FROM case_alerts WHERE comment_id = :id", {"id": record.id})
    await _put_alerts(tx, [record])
    return True


async def mark_pushed(tx: Executor, *, case_id: str, pushed_at: str, pushed_by: UserRef) -> None:
    """Mark every attachment of the case not pushed yet as pushed now (a new version each)."""
    rows = await tx.fetch_all(
        f"SELECT {_COLUMNS} FROM case_comments WHERE case_id = :case_id AND pushed_at IS NULL",
        {"case_id": case_id},
    )
    for row in rows:
        record = _record(row)
        record.pushed_at, record.pushed_by = pushed_at, pushed_by
        record.revision += 1
        await tx.execute(
            "UPDATE case_comments SET pushed_at = :pushed_at, pushed_by = :pushed_by,"
            " revision = :revision, document = :document WHERE id = :id",
            {
                "pushed_at": pushed_at,
                "pushed_by": to_json(pushed_by),
                "revision": record.revision,
                "document": _document(record),
                "id": record.id,
            },
        )


async def delete(tx: Executor, *, ids: Sequence[str]) -> None:
    """Delete attachments and their alert ids."""
    if not ids:
        return
    placeholders, params = in_list("id", ids)
    await tx.execute(f"DELETE FROM case_alerts WHERE comment_id IN ({placeholders})", params)
    await tx.execute(f"DELETE FROM case_comments WHERE id IN ({placeholders})", params)


async def get(db: Executor, *, space_id: str, attachment_id: str) -> AttachmentRecord | None:
    """An attachment of the space, or None."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM case_comments WHERE id = :id AND space_id = :space_id",
        {"id": attachment_id, "space_id": space_id},
    )
    return None if row is None else _record(row)


async def get_many(db: Executor, *, space_id: str, ids: Sequence[str]) -> list[AttachmentRecord]:
    """The attachments of the space among `ids` (in no order)."""
    rows = await _rows_of(db, table="case_comments", columns=_COLUMNS, space_id=space_id, ids=ids)
    return [_record(row) for row in rows]


async def _rows_of(
    db: Executor, *, table: str, columns: str, space_id: str, ids: Sequence[str]
) -> Sequence[Row]:
    """The rows of `table` in the space whose id is among `ids`."""
    # An id holding U+0000 names nothing (and PostgreSQL cannot compare it).
    ids = [key for key in dict.fromkeys(ids) if "\x00" not in key]
    if not ids:
        return []
    placeholders, params = in_list("id", ids)
    return await db.fetch_all(
        f"SELECT {columns} FROM {table} WHERE space_id = :space_id AND id IN ({placeholders})",
        {**params, "space_id": space_id},
    )


async def of_case(
    db: Executor,
    *,
    case_id: str,
    types: Sequence[str] = (),
    descending: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[AttachmentRecord]:
    """A case's attachments (of `types`, when given), oldest first unless `descending`."""
    condition, params = "case_id = :case_id", {"case_id": case_id}
    if types:
        placeholders, type_params = in_list("type", types)
        condition += f" AND type IN ({placeholders})"
        params.update(type_params)
    order = "DESC" if descending else "ASC"
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM case_comments WHERE {condition}"
        f" ORDER BY created_at {order}, seq {order}{page}",
        params,
    )
    return [_record(row) for row in rows]


async def documents_of_case(db: Executor, *, case_id: str) -> tuple[bytes, int, int]:
    """A case's attachments as one JSON array (oldest first), their number and alert ids."""
    # The database joins the documents: one row to read, not one per attachment.
    if db.dialect == "postgresql":
        sql = (
            "SELECT string_agg(document, ',' ORDER BY created_at, seq) AS documents,"
            " count(*) AS total, coalesce(sum(alert_count), 0) AS alerts"
            " FROM case_comments WHERE case_id = :case_id"
        )
    else:
        # SQLite joins the rows in the order its subquery gives them.
        sql = (
            "SELECT group_concat(document, ',') AS documents, count(*) AS total,"
            " coalesce(sum(alert_count), 0) AS alerts FROM (SELECT document, alert_count"
            " FROM case_comments WHERE case_id = :case_id ORDER BY created_at, seq)"
        )
    row = await db.fetch_one(sql, {"case_id": case_id})
    assert row is not None
    documents = f"[{row['documents'] or ''}]".encode()
    return documents, int(row["total"]), int(row["alerts"])


async def count_of_case(db: Executor, *, case_id: str, types: Sequence[str]) -> int:
    """How many attachments of `types` a case has."""
    placeholders, params = in_list("type", types)
    row = await db.fetch_one(
        "SELECT count(*) AS total FROM case_comments WHERE case_id = :case_id"
        f" AND type IN ({placeholders})",
        {**params, "case_id": case_id},
    )
    return 0 if row is None else int(row["total"])


class CaseAttachmentCounts(msgspec.Struct, kw_only=True):
    """What a case holds, for Kibana's per-case attachment limits."""

    alerts: int
    files: int
    external: int


async def counts(db: Executor, *, case_id: str) -> CaseAttachmentCounts:
    """A case's attached alerts, files, and other external references and persistable state."""
    # Kibana's FileLimiter counts the files stored for the case, not the attachments.
    row = await db.fetch_one(
        "SELECT coalesce(sum(alert_count), 0) AS alerts,"
        " count(CASE WHEN type IN ('externalReference', 'persistableState')"
        " AND (type_id IS NULL OR type_id <> :files) THEN 1 END) AS external,"
        " (SELECT count(*) FROM case_files WHERE case_id = :case_id) AS files"
        " FROM case_comments WHERE case_id = :case_id",
        {"case_id": case_id, "files": ".files"},
    )
    assert row is not None
    return CaseAttachmentCounts(
        alerts=int(row["alerts"]), files=int(row["files"]), external=int(row["external"])
    )


async def attached_alert_ids(db: Executor, *, case_id: str) -> set[str]:
    """The alert ids attached to a case."""
    rows = await db.fetch_all(
        "SELECT DISTINCT alert_id FROM case_alerts WHERE case_id = :case_id", {"case_id": case_id}
    )
    return {row["alert_id"] for row in rows}


async def cases_of_alert(db: Executor, *, space_id: str, alert_id: str) -> list[str]:
    """The ids of the space's cases an alert is attached to, in the order they were created."""
    rows = await db.fetch_all(
        "SELECT c.id AS id FROM cases c WHERE c.id IN (SELECT case_id FROM case_alerts"
        " WHERE space_id = :space_id AND alert_id = :alert_id) ORDER BY c.seq",
        {"space_id": space_id, "alert_id": alert_id},
    )
    return [row["id"] for row in rows]


async def touch_case(
    tx: Executor,
    *,
    case_id: str,
    updated_at: str,
    updated_by: UserRef,
    new_actions: int,
    comments_added: int,
    alerts_changed: bool,
) -> CaseRecord:
    """Mark a case updated after its attachments changed: totals, who and when, its version.

    The counts change where the row is written, under its lock, whatever other writers do
    meanwhile: user comments and user actions by the difference, the distinct alert ids
    counted anew when alert attachments changed.
    """
    alerts = "total_alerts"
    if alerts_changed:
        alerts = "(SELECT count(DISTINCT alert_id) FROM case_alerts WHERE case_id = :case_id)"
        if tx.dialect == "postgresql":
            # Take the row lock first: the next statement's snapshot, taken once it is held,
            # then counts what every earlier writer committed (NO KEY: the key share lock
            # of this transaction's own foreign keys must not conflict with it). SQLite has
            # one writer at a time, whose statements see every commit.
            await tx.execute(
                "SELECT id FROM cases WHERE id = :id FOR NO KEY UPDATE", {"id": case_id}
            )
    row = await tx.fetch_one(
        "UPDATE cases SET updated_at = :updated_at, updated_by = :updated_by,"
        f" total_comments = total_comments + :comments_added, total_alerts = {alerts},"
        " user_action_count = user_action_count + :new_actions, revision = revision + 1"
        f" WHERE id = :case_id RETURNING {cases_store.COLUMNS}",
        {
            "case_id": case_id,
            "updated_at": updated_at,
            "updated_by": to_json(updated_by),
            "new_actions": new_actions,
            "comments_added": comments_added,
        },
    )
    assert row is not None
    return cases_store.case_record(row)


async def delete_files(tx: Executor, *, ids: Sequence[str]) -> None:
    """Delete case files and their bytes."""
    if not ids:
        return
    placeholders, params = in_list("id", ids)
    await tx.execute(f"DELETE FROM case_file_chunks WHERE file_id IN ({placeholders})", params)
    await tx.execute(f"DELETE FROM case_files WHERE id IN ({placeholders})", params)


async def alerts_of_case(db: Executor, *, case_id: str, owners: Sequence[str]) -> list[Row]:
    """The alert ids of a case's alert attachments of `owners`, in attachment order."""
    placeholders, params = in_list("owner", owners)
    return list(
        await db.fetch_all(
            "SELECT a.alert_id AS id, a.alert_index AS alert_index, c.created_at AS attached_at"
            " FROM case_alerts a JOIN case_comments c ON c.id = a.comment_id"
            f" WHERE a.case_id = :case_id AND c.owner IN ({placeholders})"
            " ORDER BY c.created_at, c.seq, a.position",
            {**params, "case_id": case_id},
        )
    )
