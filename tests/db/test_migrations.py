"""The migrations build exactly the schema the table metadata describes."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from opencases.db.migrate import migrate
from opencases.db.tables import metadata


def differences(connection: Connection) -> list[Any]:
    """What the database lacks or has beyond the metadata."""
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def postgres_differences(url: str) -> list[Any]:
    """differences() on PostgreSQL, through asyncpg."""
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    async with engine.connect() as connection:
        found: list[Any] = await connection.run_sync(differences)
    await engine.dispose()
    return found


def test_migrated_schema_matches_the_metadata(fresh_database_url: str) -> None:
    migrate(fresh_database_url)
    migrate(fresh_database_url)  # a second run finds nothing to do
    if fresh_database_url.startswith("sqlite"):
        engine = create_engine(fresh_database_url)
        with engine.connect() as connection:
            assert differences(connection) == []
        engine.dispose()
    else:
        assert asyncio.run(postgres_differences(fresh_database_url)) == []


def test_every_space_scoped_table_cascades_from_spaces() -> None:
    scoped = [table for table in metadata.sorted_tables if "space_id" in table.columns]
    assert scoped, "the case configuration tables live in spaces"
    for table in scoped:
        (foreign_key,) = table.columns["space_id"].foreign_keys
        assert foreign_key.column.table.name == "spaces"
        assert foreign_key.ondelete == "CASCADE"
