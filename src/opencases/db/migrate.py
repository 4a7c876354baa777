"""Apply the Alembic migrations to a database URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from opencases.db.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions (tests/db/test_migrations.py checks it is
# Alembic's head). A database already at it needs no Alembic: importing Alembic and
# SQLAlchemy is half of what a server takes to start.
HEAD_REVISION = "0012"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for `database_url`, without an alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def migrate(database_url: str) -> None:
    """Bring the schema of `database_url` up to the newest revision."""
    from alembic import command

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")


async def is_current(db: Database) -> bool:
    """Whether the database's schema is at HEAD_REVISION (False for a new, empty one)."""
    exists = (
        "SELECT to_regclass('alembic_version') IS NOT NULL AS found"
        if db.dialect == "postgresql"
        else "SELECT count(*) > 0 AS found FROM sqlite_master WHERE name = 'alembic_version'"
    )
    found = await db.fetch_one(exists)
    if found is None or not found["found"]:
        return False
    row = await db.fetch_one("SELECT version_num FROM alembic_version")
    return row is not None and row["version_num"] == HEAD_REVISION
