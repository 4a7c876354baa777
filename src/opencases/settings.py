"""One typed Settings object, read from a TOML file, then OPENCASES_* variables."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

ENV_PREFIX = "OPENCASES_"
# Settings given in the environment as comma-separated lists.
_LIST_SETTINGS = frozenset({"allowed_hosts", "decryption_only_keys"})


class PreconfiguredConnector(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A connector of the config file (Kibana's xpack.actions.preconfigured.<id>)."""

    name: str
    actionTypeId: str
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    secrets: dict[str, Any] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:
        # Settings may be printed; the secrets must not be.
        return f"PreconfiguredConnector(name={self.name!r}, actionTypeId={self.actionTypeId!r})"


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every setting of the server, with its default."""

    host: str = "127.0.0.1"
    port: int = 5601
    database_url: str = "sqlite:///./data/opencases.db"
    workers: int = 1
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Password of the built-in `elastic` superuser at first start (generated when unset).
    elastic_password: str | None = None
    # Kibana's server.maxPayload.
    max_payload_bytes: int = 1_048_576
    # Kibana's server.ssl.enabled / certificate / key / keyPassphrase: HTTPS only (PEM files).
    ssl_enabled: bool = False
    ssl_certificate: str | None = None
    ssl_key: str | None = None
    ssl_key_passphrase: str | None = None
    # Kibana's xpack.security.secureCookies (always on while ssl_enabled): the session cookie
    # goes over HTTPS only. On when a TLS proxy in front serves OpenCases.
    secure_cookies: bool = False
    # Kibana's xpack.security.sameSiteCookies. Kibana sends none by default (so it can be
    # framed by other sites); OpenCases sends Lax: other sites' forms and frames get no session.
    same_site_cookies: Literal["Strict", "Lax", "None"] | None = "Lax"
    # Kibana's xpack.security.session.idleTimeout (3 days) and lifespan (30 days); 0 or
    # unset: no such limit.
    session_idle_timeout_seconds: Annotated[float, msgspec.Meta(ge=0)] | None = 3 * 86_400
    session_lifespan_seconds: Annotated[float, msgspec.Meta(ge=0)] | None = 30 * 86_400
    # Slow clients: Node's headersTimeout (60 s, which Kibana inherits; granian's most) for
    # the request line and headers, hapi's payload timeout (10 s, a 408) for the body.
    header_read_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 60.0
    body_read_timeout_seconds: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    # Requests one worker serves at once; more wait in the listen backlog.
    max_concurrent_requests: Annotated[int, msgspec.Meta(ge=1)] = 1024
    # The most a process keeps a verified credential or a space it read. Changes made
    # through OpenCases count on every process at its next request (the security epoch);
    # this bounds only changes made behind its back, straight in the database.
    auth_cache_seconds: float = 2.0
    # PostgreSQL connections per process.
    database_pool_size: int = 10
    # Kibana's server.restrictInternalApis (on since Kibana 9.0): the `/internal/...` routes
    # answer only requests that say they come from Kibana (`x-elastic-internal-origin`).
    restrict_internal_apis: bool = True
    # Kibana's xpack.encryptedSavedObjects.encryptionKey: encrypts connector secrets.
    # Without it, connectors that have secrets cannot be created.
    encryption_key: Annotated[str, msgspec.Meta(min_length=32)] | None = None
    # Where the key generated at the first start on the embedded SQLite database is kept
    # (unset: `encryption.key` beside the database). An explicit `encryption_key` wins.
    encryption_key_file: str | None = None
    # Kibana's xpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys: earlier keys that
    # still decrypt what they sealed (`opencases encryption rotate` re-seals it).
    decryption_only_keys: list[str] = msgspec.field(default_factory=list)
    # Kibana's server.publicBaseUrl: where users reach OpenCases. When set, a push links the
    # external incident to the case (and its alerts), as Kibana does.
    public_base_url: str | None = None
    # Kibana's xpack.actions.allowedHosts, responseTimeout and maxResponseContentLength.
    allowed_hosts: list[str] = msgspec.field(default_factory=lambda: ["*"])
    connector_timeout_seconds: float = 60.0
    connector_max_response_bytes: int = 1_048_576
    # Kibana's xpack.cases.files.maxSize: the largest case file, in bytes. Unset, Kibana's
    # defaults: 10 MiB for an image, 100 MiB for any other file.
    cases_files_max_size: Annotated[int, msgspec.Meta(ge=0)] | None = None
    # Kibana's xpack.actions.preconfigured: connectors of every space, by id.
    preconfigured: dict[str, PreconfiguredConnector] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.same_site_cookies == "None" and not (self.secure_cookies or self.ssl_enabled):
            # Kibana's own check at start.
            raise ValueError('"SameSite: None" requires Secure connection')

    def __repr__(self) -> str:
        # Settings may be printed; passwords and keys must not be.
        hidden = {
            "elastic_password",
            "encryption_key",
            "decryption_only_keys",
            "ssl_key_passphrase",
        }
        fields = ", ".join(
            f"{name}={'<hidden>' if name in hidden and value else repr(value)}"
            for name in self.__struct_fields__
            for value in (getattr(self, name),)
        )
        return f"Settings({fields})"


def load_settings(
    config_file: str | Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings from the TOML file, overridden by OPENCASES_* variables, then by `overrides`."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    config_file = config_file or environ.get(f"{ENV_PREFIX}CONFIG")
    if config_file:
        with open(config_file, "rb") as file:
            values.update(tomllib.load(file))
    for name in Settings.__struct_fields__:
        env_value = environ.get(f"{ENV_PREFIX}{name.upper()}")
        if env_value is not None:
            if name in _LIST_SETTINGS:
                values[name] = [item.strip() for item in env_value.split(",") if item.strip()]
            else:
                values[name] = env_value
    values.update({name: value for name, value in overrides.items() if value is not None})
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"invalid settings: {exc}") from None


def encryption_key_path(settings: Settings) -> Path | None:
    """Where the generated encryption key is kept: the setting, else beside a SQLite database."""
    if settings.encryption_key_file:
        return Path(settings.encryption_key_file)
    if settings.database_url.startswith("sqlite:///"):
        return Path(settings.database_url.removeprefix("sqlite:///")).parent / "encryption.key"
    return None


def encryption_key_of(settings: Settings) -> str | None:
    """The key connector secrets are sealed with: the setting, else the key file's."""
    if settings.encryption_key:
        return settings.encryption_key
    path = encryption_key_path(settings)
    if path is not None and path.is_file():
        return path.read_text().strip() or None
    return None


def ensure_encryption_key(settings: Settings) -> Path | None:
    """Generate the embedded database's key at its first start; the file, if one was made.

    Only for SQLite without an `encryption_key`: processes of a PostgreSQL database may run
    on several machines, which must share one key, so none is made for them.
    """
    if settings.encryption_key or not settings.database_url.startswith("sqlite:///"):
        return None
    path = encryption_key_path(settings)
    if path is None or path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with the mode it keeps (0600), never readable by others even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path
