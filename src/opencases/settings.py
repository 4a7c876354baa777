"""One typed Settings object, read from a TOML file, then OPENCASES_* variables."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

ENV_PREFIX = "OPENCASES_"


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
    # How long a process trusts what it cached about credentials, roles and spaces
    # before reading them again; changes made by another process show within this time.
    auth_cache_seconds: float = 2.0
    # PostgreSQL connections per process.
    database_pool_size: int = 10


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
            values[name] = env_value
    values.update({name: value for name, value in overrides.items() if value is not None})
    try:
        return msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"invalid settings: {exc}") from None
