"""The `opencases` command: serve, migrate, users."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path
from typing import Any

import click

from opencases.connectors import rotation
from opencases.connectors.crypto import SecretBox
from opencases.connectors.errors import SecretsUnreadable
from opencases.db import backup as backup_db
from opencases.db import connect, transfer
from opencases.db.migrate import is_current
from opencases.db.migrate import migrate as migrate_database
from opencases.logs import configure_logging, log
from opencases.security.users import service as users_service
from opencases.settings import (
    Settings,
    encryption_key_of,
    encryption_key_path,
    ensure_encryption_key,
    load_settings,
)

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
    """Migrate the database; make sure `elastic` and the encryption key exist (shown once)."""
    if not asyncio.run(schema_is_current(settings)):
        migrate_database(settings.database_url)
    _prepare_encryption_key(settings)
    password = asyncio.run(bootstrap(settings))
    if password:
        click.echo(
            "\nThe built-in superuser `elastic` was created with the password:\n\n"
            f"    {password}\n\n"
            "It is shown only this once. Change it with `opencases users reset-password elastic`.\n"
        )


def _prepare_encryption_key(settings: Settings) -> None:
    """The embedded database's key at the first start; where the key of each start is."""
    generated = ensure_encryption_key(settings)
    if generated is not None:
        click.echo(
            "\nAn encryption key for connector secrets was generated in:\n\n"
            f"    {generated}\n\n"
            "Back it up with the database: without it, stored connector secrets cannot be"
            " read. For production, move it to a secret store and set encryption_key.\n"
        )
    if settings.encryption_key:
        return
    path = encryption_key_path(settings)
    if path is not None and path.is_file():
        log.info("connector secrets are encrypted with the key in %s", path)
    else:
        log.warning(
            "no encryption_key: connectors with secrets cannot be created. Every process of"
            " a PostgreSQL database must use the same key, so none is generated: set"
            " OPENCASES_ENCRYPTION_KEY (32 characters or more)"
        )


def _tls(settings: Settings) -> dict[str, Any]:
    """granian's TLS options for Kibana's server.ssl settings, checked before serving."""
    if not settings.ssl_enabled:
        return {}
    if not settings.ssl_certificate or not settings.ssl_key:
        raise click.ClickException(
            "ssl_enabled is true: set ssl_certificate and ssl_key (PEM files)"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(
            settings.ssl_certificate, settings.ssl_key, password=settings.ssl_key_passphrase
        )
    except OSError as exc:
        if isinstance(exc, ssl.SSLError):
            raise click.ClickException(
                "the TLS certificate and key do not belong together, or the key's passphrase"
                f" is wrong: {exc.reason or exc}"
            ) from None
        raise click.ClickException(f"cannot read the TLS certificate or key: {exc}") from None
    return {
        "ssl_cert": Path(settings.ssl_certificate),
        "ssl_key": Path(settings.ssl_key),
        "ssl_key_password": settings.ssl_key_passphrase,
    }


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
    tls = _tls(settings)
    url = f"{'https' if tls else 'http'}://{settings.host}:{settings.port}"
    log.info(
        "serving on %s with %d worker(s); sign in at %s/ in a browser",
        url,
        settings.workers,
        url,
    )
    server = Granian(
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
        **tls,
    )
    # `opencases restore` refuses to replace the database while this lock is held.
    with backup_db.serving(settings.database_url):
        server.serve()


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


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@database_option
@config_option
def backup(file: Path, database_url: str | None, config: str | None) -> None:
    """Copy the embedded database to FILE while it serves (PostgreSQL: use pg_dump)."""
    settings = _settings(config, database_url=database_url)
    try:
        backup_db.backup(settings.database_url, file)
    except backup_db.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    key = encryption_key_path(settings)
    click.echo(f"backed up to {file}")
    if not settings.encryption_key and key is not None and key.is_file():
        click.echo(f"keep a copy of the encryption key {key} with it")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@database_option
@config_option
def restore(file: Path, database_url: str | None, config: str | None) -> None:
    """Replace the embedded database with the backup in FILE (no server may be running)."""
    settings = _settings(config, database_url=database_url)
    try:
        backup_db.restore(settings.database_url, file)
    except backup_db.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored from {file}")


@main.group()
def encryption() -> None:
    """Manage the key connector secrets are encrypted with."""


@encryption.command()
@database_option
@config_option
def rotate(database_url: str | None, config: str | None) -> None:
    """Re-encrypt every stored connector secret under the current encryption key."""
    settings = _settings(config, database_url=database_url)
    key = encryption_key_of(settings)
    if key is None:
        raise click.ClickException("no encryption key: set encryption_key first")

    async def run() -> int:
        db = await connect(settings.database_url, pool_size=1)
        try:
            return await rotation.rotate(db=db, box=SecretBox(key, settings.decryption_only_keys))
        finally:
            await db.close()

    try:
        count = asyncio.run(run())
    except rotation.RotationFailed as exc:
        raise click.ClickException(f"nothing was re-encrypted: {exc}") from None
    click.echo(f"re-encrypted the secrets of {count} connector(s) under the current key")


@main.command("migrate-data")
@click.option("--to", "target_url", required=True, help="The new database (postgresql://...).")
@click.option(
    "--target-key",
    envvar="OPENCASES_TARGET_ENCRYPTION_KEY",
    help="The new database's encryption key [the current one].",
)
@database_option
@config_option
def migrate_data(
    target_url: str, target_key: str | None, database_url: str | None, config: str | None
) -> None:
    """Copy everything to a new database, connector secrets encrypted under its key."""
    settings = _settings(config, database_url=database_url)
    source_key = encryption_key_of(settings)
    target_key = target_key or source_key
    opener = SecretBox(source_key, settings.decryption_only_keys) if source_key else None
    sealer = SecretBox(target_key) if target_key else None
    migrate_database(target_url)

    def reseal(row: dict[str, Any]) -> dict[str, Any]:
        if row["secrets"] is None:
            return row
        if opener is None or sealer is None:
            raise click.ClickException("connectors have secrets: the encryption key is needed")
        where = {"space_id": row["space_id"], "connector_id": row["id"]}
        return {**row, "secrets": sealer.encrypt(opener.decrypt(row["secrets"], **where), **where)}

    async def run() -> dict[str, int]:
        source = await connect(settings.database_url, pool_size=1)
        target = await connect(target_url, pool_size=1)
        try:
            return await transfer.copy_all(
                source=source,
                target=target,
                # Kept OAuth tokens are not copied: each connector asks for a new one.
                transforms={"connectors": reseal, "connector_tokens": lambda row: None},
            )
        finally:
            await target.close()
            await source.close()

    try:
        copied = asyncio.run(run())
    except (transfer.TransferError, SecretsUnreadable) as exc:
        raise click.ClickException(f"nothing was copied: {exc}") from None
    click.echo(f"copied {sum(copied.values())} rows of {len(copied)} tables to the new database")
