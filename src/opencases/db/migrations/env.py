"""Alembic environment: SQLite through the sync engine, PostgreSQL through asyncpg."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from opencases.db.tables import metadata

# Any number for our advisory lock: processes starting together migrate one at a time.
MIGRATION_LOCK = 7_201_604


def run(connection: Connection) -> None:
    """Run the pending migrations on `connection`."""
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        context.run_migrations()


async def run_postgres(url: str) -> None:
    """Migrate PostgreSQL over asyncpg (the driver the server uses)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    async with engine.connect() as connection:
        await connection.run_sync(run)
    await engine.dispose()


url: str = context.config.attributes.get("database_url") or context.config.get_main_option(
    "sqlalchemy.url", ""
)
if url.startswith(("postgresql://", "postgres://")):
    asyncio.run(run_postgres(url.replace("postgres://", "postgresql://", 1)))
else:
    engine = create_engine(url)
    with engine.connect() as sync_connection:
        run(sync_connection)
    engine.dispose()
