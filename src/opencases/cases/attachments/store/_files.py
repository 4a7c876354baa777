"""SQL for case files: their records and their 1 MiB pieces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases.attachments.store._attachments import _decode_user, _rows_of
from opencases.configure.schemas import UserRef
from opencases.db import Executor, Row, in_list, to_json


class FileRecord(msgspec.Struct, kw_only=True):
    """A stored case file, without its bytes."""

    id: str
    case_id: str
    space_id: str
    owner: str
    name: str
    extension: str
    mime_type: str
    size: int
    hashes: dict[str, str]
    created: str
    updated: str
    created_by: UserRef


_FILE_COLUMNS = (
    "id, case_id, space_id, owner, name, extension, mime_type, size, hashes, created, updated,"
    " created_by"
)
_decode_hashes = msgspec.json.Decoder(dict[str, str]).decode


def _file(row: Row) -> FileRecord:
    return FileRecord(
        id=row["id"],
        case_id=row["case_id"],
        space_id=row["space_id"],
        owner=row["owner"],
        name=row["name"],
        extension=row["extension"],
        mime_type=row["mime_type"],
        size=row["size"],
        hashes=_decode_hashes(row["hashes"]),
        created=row["created"],
        updated=row["updated"],
        created_by=_decode_user(row["created_by"]),
    )


async def insert_file(tx: Executor, record: FileRecord) -> None:
    """Store a file's description (its bytes go in with insert_chunk)."""
    values = msgspec.structs.asdict(record)
    values["hashes"] = to_json(record.hashes)
    values["created_by"] = to_json(record.created_by)
    placeholders = ", ".join(f":{name}" for name in values)
    await tx.execute(f"INSERT INTO case_files ({_FILE_COLUMNS}) VALUES ({placeholders})", values)


async def insert_chunk(tx: Executor, *, file_id: str, position: int, data: bytes) -> None:
    """Store one piece of a file's bytes."""
    await tx.execute(
        "INSERT INTO case_file_chunks (file_id, position, data)"
        " VALUES (:file_id, :position, :data)",
        {"file_id": file_id, "position": position, "data": data},
    )


async def chunk(db: Executor, *, file_id: str, position: int) -> bytes | None:
    """One piece of a file's bytes, or None past its end."""
    row = await db.fetch_one(
        "SELECT data FROM case_file_chunks WHERE file_id = :file_id AND position = :position",
        {"file_id": file_id, "position": position},
    )
    return None if row is None else bytes(row["data"])


async def get_files(db: Executor, *, space_id: str, ids: Sequence[str]) -> list[FileRecord]:
    """The space's files among `ids` (in no order)."""
    rows = await _rows_of(db, table="case_files", columns=_FILE_COLUMNS, space_id=space_id, ids=ids)
    return [_file(row) for row in rows]


async def files_of_owner(
    db: Executor,
    *,
    space_id: str,
    owner: str,
    case_ids: Sequence[str] | None,
    names: Sequence[str],
    limit: int,
    offset: int,
) -> tuple[int, list[FileRecord]]:
    """The space's files of an owner (of `case_ids`, named like one of `names`), newest first."""
    condition = "space_id = :space_id AND owner = :owner"
    params: dict[str, Any] = {"space_id": space_id, "owner": owner}
    if case_ids is not None:
        placeholders, ids = in_list("case", case_ids or [""])
        condition += f" AND case_id IN ({placeholders})"
        params.update(ids)
    if names:
        # `*` is the Files service's wildcard; LIKE's own wildcards are matched literally.
        patterns = [
            name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
            for name in names
        ]
        placeholders, named = in_list("name", patterns)
        condition += (
            " AND ("
            + " OR ".join(f"name LIKE {p} ESCAPE '\\'" for p in placeholders.split(", "))
            + ")"
        )
        params.update(named)
    total = await db.fetch_one(
        f"SELECT count(*) AS total FROM case_files WHERE {condition}", params
    )
    rows = await db.fetch_all(
        f"SELECT {_FILE_COLUMNS} FROM case_files WHERE {condition}"
        f" ORDER BY created DESC, id LIMIT {int(limit)} OFFSET {int(offset)}",
        params,
    )
    return (0 if total is None else int(total["total"])), [_file(row) for row in rows]
