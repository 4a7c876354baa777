"""A fresh database (SQLite file or PostgreSQL scratch database) and `opencases serve` on it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from bench.scenarios import basic_auth
from bench.servers import BIN, HOST, Server, free_port, start, stop, wait_until_ready

ELASTIC_PASSWORD = "fuzz-elastic-password"
# AES-256-GCM key material for connector secrets (at least 32 characters).
ENCRYPTION_KEY = "fuzz-encryption-key-of-at-least-32-characters"
# The server whose maintenance database makes and drops the scratch one.
POSTGRES_URL_VARIABLE = "OPENCASES_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 5.0


class Unavailable(Exception):
    """A database or the server cannot be had; the message says why."""


def postgres_server_url() -> str:
    """The PostgreSQL server to fuzz on: OPENCASES_TEST_POSTGRES_URL's, or the local one."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL


def redacted(url: str) -> str:
    """`url` without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def _admin(url: str, *statements: str) -> None:
    try:
        connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise Unavailable(f"cannot connect to PostgreSQL at {redacted(url)}: {exc}") from exc
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url` (its URL); dropped afterwards."""
    name = f"opencases_fuzz_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    asyncio.run(_admin(server_url, drop, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(server_url, name)
    finally:
        asyncio.run(_admin(server_url, drop))


# The settings file: a preconfigured connector (read-only, in every space) that stays for
# the whole run, whatever the fuzzer deletes. Nothing listens on port 9 (discard) here.
SETTINGS = """\
[preconfigured.fuzz-preconfigured]
name = "Fuzz preconfigured webhook"
actionTypeId = ".webhook"
config = { url = "http://127.0.0.1:9/hook", method = "post", hasAuth = false }
"""


@contextmanager
def opencases(database_url: str, log_file: Path) -> Iterator[Server]:
    """`opencases serve` (one worker, ECS JSON logs) on `database_url`, until the block ends."""
    port = free_port()
    settings = log_file.parent / "opencases.toml"
    settings.write_text(SETTINGS)
    env = {
        "OPENCASES_ELASTIC_PASSWORD": ELASTIC_PASSWORD,
        "OPENCASES_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "OPENCASES_LOG_LEVEL": "info",
        # Connectors may only call this machine (where nothing answers them quickly),
        # never the network; nor wait long for it.
        "OPENCASES_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENCASES_CONNECTOR_TIMEOUT_SECONDS": "2",
    }
    command = [
        str(BIN / "opencases"),
        "serve",
        f"--host={HOST}",
        f"--port={port}",
        "--workers=1",
        "--log-format=json",
        f"--database-url={database_url}",
        f"--config={settings}",
    ]
    server = start(command, port=port, log_file=log_file, env=env, cwd=log_file.parent)
    try:
        auth = {"Authorization": basic_auth("elastic", ELASTIC_PASSWORD)}
        wait_until_ready(server, "/api/status", auth)
    except RuntimeError as exc:
        stop(server)
        raise Unavailable(str(exc)) from None
    try:
        yield server
    finally:
        stop(server)
