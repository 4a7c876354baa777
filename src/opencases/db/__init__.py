"""The database layer: one async API over SQLite and PostgreSQL, the schema, migrations."""

from opencases.db.database import (
    Database,
    DatabaseError,
    Executor,
    Row,
    UniqueViolation,
    bump_security_epoch,
    in_list,
    to_json,
)
from opencases.db.ids import new_id
from opencases.db.postgres import PostgresDatabase
from opencases.db.sqlite import SQLiteDatabase, sqlite_path

__all__ = [
    "Database",
    "DatabaseError",
    "Executor",
    "Row",
    "UniqueViolation",
    "bump_security_epoch",
    "connect",
    "in_list",
    "new_id",
    "to_json",
]


async def connect(url: str, *, pool_size: int = 10) -> Database:
    """A Database for a `sqlite:///...` or `postgresql://...` URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return await PostgresDatabase.connect(url, pool_size=pool_size)
    return SQLiteDatabase(sqlite_path(url))
