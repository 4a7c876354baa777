"""Backups of the embedded SQLite database, taken while it serves, and their restore."""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from opencases.db.sqlite import sqlite_path


class BackupError(Exception):
    """What the backup or restore could not do, in words for the command line."""


def _database_file(database_url: str) -> Path:
    if not database_url.startswith("sqlite:///"):
        raise BackupError(
            "only the embedded SQLite database is backed up by OpenCases; for PostgreSQL,"
            " use pg_dump (and pg_restore)"
        )
    return Path(sqlite_path(database_url))


def _serving_lock(database: Path) -> Path:
    return database.with_name(database.name + ".serving")


@contextlib.contextmanager
def serving(database_url: str) -> Iterator[None]:
    """Mark the database as in use by a server for as long as the block lasts."""
    if not database_url.startswith("sqlite:///"):
        yield
        return
    lock = _serving_lock(Path(sqlite_path(database_url)))
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as file:
        # Shared: every server process of the database holds it; restore needs it alone.
        fcntl.flock(file, fcntl.LOCK_SH)
        yield


def backup(database_url: str, target: Path) -> None:
    """Copy the database to `target` with SQLite's online backup (consistent under writes)."""
    database = _database_file(database_url)
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file")
    _copy(database, target)


def _copy(source_file: Path, target_file: Path) -> None:
    """SQLite's online backup of one database file into another."""
    source = sqlite3.connect(source_file)
    target = sqlite3.connect(target_file)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _check(backup_file: Path) -> None:
    if not backup_file.is_file():
        raise BackupError(f"there is no backup at {backup_file}")
    try:
        connection = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            [(result,)] = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup_file} is not a SQLite database: {exc}") from None
    if result != "ok":
        raise BackupError(f"{backup_file} fails SQLite's integrity check: {result}")


def restore(database_url: str, backup_file: Path) -> None:
    """Replace the database with a backup; refused while a server uses the database."""
    database = _database_file(database_url)
    _check(backup_file)
    lock = _serving_lock(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as file:
        _take_alone(file)
        _copy(backup_file, database)


def _take_alone(file: IO[str]) -> None:
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BackupError(
            "a server is using the database: stop it before restoring a backup"
        ) from None
