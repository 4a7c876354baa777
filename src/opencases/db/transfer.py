"""Copying every row of one database into another (`opencases migrate-data`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Integer, Table

from opencases.db.database import Database, Executor
from opencases.db.tables import metadata

# A table's rows on their way: each row changed (a copy), or dropped (None).
Transform = Callable[[dict[str, Any]], dict[str, Any] | None]


class TransferError(Exception):
    """Why the copy cannot be made, in words for the command line."""


async def copy_all(
    *, source: Database, target: Database, transforms: Mapping[str, Transform]
) -> dict[str, int]:
    """Copy every table of `source` into `target` (migrated, never started), in one
    transaction; the rows copied, by table."""
    users = await target.fetch_one("SELECT count(*) AS total FROM users")
    if users is not None and int(users["total"]) > 0:
        raise TransferError("the target database is in use: give a new, empty one")
    copied: dict[str, int] = {}
    async with target.transaction() as tx:
        for table in reversed(metadata.sorted_tables):
            # What the migrations put in (the default space, the security epoch) goes too.
            await tx.execute(f"DELETE FROM {table.name}")  # noqa: S608 (names from metadata)
        for table in metadata.sorted_tables:
            rows = await source.fetch_all(f"SELECT * FROM {table.name}")  # noqa: S608
            transform = transforms.get(table.name)
            values = [_values(table, dict(zip(row.keys(), row, strict=True))) for row in rows]
            kept = [v for v in (transform(v) if transform else v for v in values) if v is not None]
            await _insert(tx, table, kept)
            copied[table.name] = len(kept)
        if tx.dialect == "postgresql":
            await _continue_sequences(tx)
    return copied


def _values(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the target takes it: SQLite's 0 and 1 as booleans."""
    for column in table.columns:
        if isinstance(column.type, Boolean) and row.get(column.name) is not None:
            row[column.name] = bool(row[column.name])
    return row


async def _insert(tx: Executor, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    # PostgreSQL takes at most 32,767 parameters a statement.
    per_statement = max(1, 30_000 // len(columns))
    for start in range(0, len(rows), per_statement):
        params: dict[str, Any] = {}
        tuples = []
        for index, row in enumerate(rows[start : start + per_statement]):
            names = [f"c{index}_{position}" for position in range(len(columns))]
            params.update(zip(names, (row[c] for c in columns), strict=True))
            tuples.append(f"({', '.join(':' + name for name in names)})")
        await tx.execute(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join(tuples)}",  # noqa: S608
            params,
        )


async def _continue_sequences(tx: Executor) -> None:
    """PostgreSQL: each serial column's sequence continues after the rows copied."""
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns)
        for column in key if len(key) == 1 else []:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"  # noqa: S608
                    f" coalesce(max({column.name}), 0) + 1, false) FROM {table.name}"
                )
