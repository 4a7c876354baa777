"""The database layer: drivers, schema and migrations."""

from opencases.db.database import (
    Database,
    DatabaseError,
    Executor,
    Row,
    UniqueViolation,
    connect,
    in_list,
    to_json,
)

__all__ = [
    "Database",
    "DatabaseError",
    "Executor",
    "Row",
    "UniqueViolation",
    "connect",
    "in_list",
    "to_json",
]
