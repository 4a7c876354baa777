"""The `opencases` command: serve, migrate, users."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import click

from opencases.db import connect
from opencases.db.migrate import is_current
from opencases.db.migrate import migrate as migrate_database
from opencases.logs import configure_logging, log
from opencases.security.users import service as users_service
from opencases.settings import Settings, load_settings

# Settings a worker process needs; the server hands them over as OPENCASES_* variables.
_WORKER_SETTINGS = ("database_url", "log_format", "log_level", "max_payload_bytes")


def _settings(config: str | None, **overrides: Any) -> Settings:
    return load_settings(config, **overrides)


async def schema_is_current(settings: Settings) -> bool:
    """Whether the database needs no migration."""
    db = await connect(settings.database_url, pool_size=1)
    try:
        return await is_current(db)
    finally:
        await db.close()


async def bootstrap(settings: Settings) -> str | None:
    """Create the `elastic` user on first start; its generated password, if one was made."""
    db = await connect(settings.database_url, pool_size=1)
    try:
        return await users_service.ensure_elastic_user(db=db, password=settings.elastic_password)
    finally:
        await db.close()


def prepare(settings: Settings) -> None:
    """Migrate the database and make sure `elastic` exists (printing a new password once)."""
    if not asyncio.run(schema_is_current(settings)):
        migrate_database(settings.database_url)
    password = asyncio.run(bootstrap(settings))
    if password:
        click.echo(
            "\nThe built-in superuser `elastic` was created with the password:\n\n"
            f"    {password}\n\n"
            "It is shown only this once. Change it with `opencases users reset-password elastic`.\n"
        )


@click.group()
def main() -> None:
    """OpenCases: the Kibana Cases HTTP API on SQLite or PostgreSQL."""


config_option = click.option(
    "--config", "config", type=click.Path(exists=True, dir_okay=False), help="TOML settings file."
)
database_option = click.option("--database-url", help="sqlite:///path or postgresql://...")


@main.command()
@click.option("--host", help="Address to listen on [127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [5601].")
@database_option
@click.option("--workers", type=int, help="Worker processes [1].")
@click.option("--log-format", type=click.Choice(["text", "json"]), help="Log lines [text].")
@config_option
def serve(
    host: str | None,
    port: int | None,
    database_url: str | None,
    workers: int | None,
    log_format: str | None,
    config: str | None,
) -> None:
    """Migrate the database, then serve the API."""
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.http import HTTP1Settings

    settings = _settings(
        config,
        host=host,
        port=port,
        database_url=database_url,
        workers=workers,
        log_format=log_format,
    )
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    prepare(settings)
    for name in _WORKER_SETTINGS:
        os.environ[f"OPENCASES_{name.upper()}"] = str(getattr(settings, name))
    if config:
        os.environ["OPENCASES_CONFIG"] = os.path.abspath(config)
    log.info(
        "serving on http://%s:%d with %d worker(s)", settings.host, settings.port, settings.workers
    )
    Granian(
        "opencases.app:create_app_from_env",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        # asyncio's own loop, whatever else is installed: granian's `auto` would pick
        # rloop if present, and asyncpg cannot run on it.
        loop=Loops.asyncio,
        workers=settings.workers,
        log_access=False,
        websockets=False,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_read_timeout_seconds * 1000),
            # Node's --max-http-header-size, which Kibana inherits: longer heads get 431.
            max_buffer_size=16 * 1024,
        ),
        backpressure=settings.max_concurrent_requests,
    ).serve()


@main.command()
@database_option
@config_option
def migrate(database_url: str | None, config: str | None) -> None:
    """Apply the database migrations."""
    settings = _settings(config, database_url=database_url)
    migrate_database(settings.database_url)
    click.echo("database is up to date")


@main.group()
def users() -> None:
    """Manage users."""


@users.command("reset-password")
@click.argument("username")
@database_option
@config_option
def reset_password(username: str, database_url: str | None, config: str | None) -> None:
    """Give USERNAME a new random password and print it."""
    settings = _settings(config, database_url=database_url)
    prepare(settings)

    async def reset() -> str:
        db = await connect(settings.database_url, pool_size=1)
        try:
            return await users_service.reset_password(db=db, username=username)
        finally:
            await db.close()

    try:
        password = asyncio.run(reset())
    except Exception as exc:  # a KibanaError, shown as the CLI's message
        raise click.ClickException(str(exc)) from None
    click.echo(f"New password for `{username}`: {password}")
