"""The database layer: drivers, schema and migrations."""

from opencases.db.database import (
    Database,
    DatabaseError,
    Executor,
    Row,
    UniqueViolation,
    connect,
)

__all__ = ["Database", "DatabaseError", "Executor", "Row", "UniqueViolation", "connect"]
