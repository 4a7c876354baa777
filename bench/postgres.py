"""A scratch PostgreSQL database for one bench run, made on the server the bench is given."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

# The server to use; set it empty to skip PostgreSQL.
URL_VARIABLE = "OPENCASES_BENCH_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SCRATCH_DATABASE = "opencases_bench"
CONNECT_TIMEOUT_SECONDS = 5.0


class Unavailable(Exception):
    """PostgreSQL cannot be used for this run; the message says why."""


def server_url() -> str | None:
    """The PostgreSQL URL the bench may use, or None when it is turned off."""
    return os.environ.get(URL_VARIABLE, DEFAULT_URL) or None


def with_database(url: str, database: str) -> str:
    """`url` naming another database on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def redacted(url: str) -> str:
    """`url` without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


async def _run_admin(url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database, outside a transaction."""
    try:
        connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise Unavailable(f"cannot connect to {redacted(url)}: {exc}") from exc
    try:
        for statement in statements:
            await connection.execute(statement)
    except asyncpg.PostgresError as exc:
        raise Unavailable(f"cannot prepare {SCRATCH_DATABASE} on {redacted(url)}: {exc}") from exc
    finally:
        await connection.close()


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new, empty `opencases_bench` database on the server of `url`; dropped afterwards."""
    drop = f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}"'
    asyncio.run(_run_admin(url, drop, f'CREATE DATABASE "{SCRATCH_DATABASE}"'))
    try:
        yield with_database(url, SCRATCH_DATABASE)
    finally:
        asyncio.run(_run_admin(url, drop))
