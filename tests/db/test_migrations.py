"""The migrations build exactly the schema the table metadata describes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from opencases.db import connect
from opencases.db.migrate import HEAD_REVISION, alembic_config, is_current, migrate
from opencases.db.sqlite import sqlite_path
from opencases.db.tables import metadata


def _described(name: str | None, type_: str, parent_names: Any) -> bool:
    # The full-text index of migration 0007 (an FTS5 table and its shadow tables on SQLite,
    # expression indexes on PostgreSQL) is what SQLAlchemy cannot describe.
    return not (name or "").startswith(("cases_fts", "ix_cases_search"))


def differences(connection: Connection) -> list[Any]:
    """What the database lacks or has beyond the metadata (but the full-text index)."""
    context = MigrationContext.configure(connection, opts={"include_name": _described})
    return list(compare_metadata(context, metadata))


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


def test_the_head_revision_is_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite:///unused.db"))
    assert script.get_heads() == [HEAD_REVISION]


async def schema_is_current(url: str) -> bool:
    """is_current() on a new connection to `url`."""
    db = await connect(url, pool_size=1)
    try:
        return await is_current(db)
    finally:
        await db.close()


def test_only_a_database_at_the_head_revision_is_current(fresh_database_url: str) -> None:
    assert asyncio.run(schema_is_current(fresh_database_url)) is False
    migrate(fresh_database_url)
    assert asyncio.run(schema_is_current(fresh_database_url)) is True
    command.downgrade(alembic_config(fresh_database_url), "-1")
    assert asyncio.run(schema_is_current(fresh_database_url)) is False


def test_on_sqlite_going_below_0012_indexes_what_its_queue_held(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queued.db'}"
    migrate(url)
    with sqlite3.connect(sqlite_path(url)) as connection:
        # Written outside OpenCases: the triggers queue the words, no commit of ours applies them.
        connection.execute(
            "INSERT INTO cases (id, space_id, owner, incremental_id, title, description, tags,"
            " status, severity, connector, connector_id, settings, assignees, custom_fields,"
            " observables, timing, created_at, created_by, reporter, total_comments,"
            " total_alerts, user_action_count, revision) VALUES ('c', 'default', 'cases', 1,"
            " 'queued walrus', 'd', '[]', 'open', 'low', '{}', 'none', '{}', '[]', '[]', '[]',"
            " '{}', 'now', '{}', 'elastic', 0, 0, 0, 1)"
        )
    command.downgrade(alembic_config(url), "0011")

    with sqlite3.connect(sqlite_path(url)) as connection:
        found = connection.execute("SELECT rowid FROM cases_fts WHERE cases_fts MATCH 'walrus'")
        assert found.fetchall() == [(1,)]
        connection.execute("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")
        tables = connection.execute("SELECT name FROM sqlite_schema WHERE name = 'cases_fts_queue'")
        assert tables.fetchall() == []
