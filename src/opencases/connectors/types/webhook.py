"""Webhook (`.webhook`): sends the action's body to a URL (an alerting connector, not for cases).

The version followed is Kibana 8.x's (config-schema messages): methods `post` and `put`,
basic authentication or an SSL client certificate (crt and key, or pfx), base64-encoded as
Kibana stores them, with the config's `ca` and `verificationMode`.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.connectors.errors import OutboundError, ValidationFailed
from opencases.connectors.outbound import Outbound, SslOverrides, VerificationMode
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    Null,
    as_json,
    check,
    ensure_url_allowed,
)
from opencases.connectors.types.javascript import js_string_coercion, parses_as_url
from opencases.kibana.time import Clock, format_time

_LEADING_INTEGER = re.compile(r"\s*([+-]?\d+)")
BASIC_AUTH = "webhook-authentication-basic"
SSL_AUTH = "webhook-authentication-ssl"
AuthTypeName = Literal["webhook-authentication-basic", "webhook-authentication-ssl", None]
CertType = Literal["ssl-crt-key", "ssl-pfx"]


class WebhookSecrets(msgspec.Struct, kw_only=True):
    """Credentials of the webhook connectors: basic auth, or an SSL certificate."""

    user: str | Null = None
    password: str | Null = None
    crt: str | Null = None
    key: str | Null = None
    pfx: str | Null = None


def validate_webhook_secrets(secrets: JsonObject) -> JsonObject:
    """The secrets with their defaults; exactly one way to authenticate, or none."""
    s = check(WebhookSecrets, secrets)
    if (
        (not s.password and not s.user and not s.crt and not s.key and not s.pfx)
        or (s.password and s.user and not s.crt and not s.key and not s.pfx)
        or (s.crt and s.key and not s.user and not s.pfx)
        or (not s.crt and not s.key and not s.user and s.pfx)
    ):
        return as_json(s)
    raise ValidationFailed(
        "must specify one of the following schemas: user and password; crt and key "
        "(with optional password); or pfx (with optional password)"
    )


def basic_auth(config: JsonObject, secrets: JsonObject) -> tuple[str, str] | None:
    """The user and password to send, when the config asks for basic auth and has both."""
    # Connectors made before `authType` existed mean basic auth by `hasAuth: true`.
    wants_basic = config["hasAuth"] and config.get("authType") in (BASIC_AUTH, None)
    user, password = secrets.get("user"), secrets.get("password")
    if wants_basic and isinstance(user, str) and isinstance(password, str):
        return user, password
    return None


def ssl_overrides(config: JsonObject, secrets: JsonObject) -> SslOverrides | None:
    """Kibana's `sslOverrides`: the client certificate, CA and verification mode, or None."""
    cert = key = pfx = passphrase = None
    if config["hasAuth"] and config.get("authType") == SSL_AUTH:
        password = secrets.get("password")
        passphrase = password if isinstance(password, str) else None
        # Kibana takes the pfx when there is one, whatever `certType` says.
        if isinstance(secrets.get("pfx"), str):
            pfx = node_base64(secrets["pfx"])
        elif isinstance(secrets.get("crt"), str) and isinstance(secrets.get("key"), str):
            cert, key = node_base64(secrets["crt"]), node_base64(secrets["key"])
    ca, mode = config.get("ca") or None, config.get("verificationMode") or None
    if cert is None and pfx is None and ca is None and mode is None:
        return None
    return SslOverrides(
        cert=cert,
        key=key,
        pfx=pfx,
        passphrase=passphrase,
        ca=None if ca is None else node_base64(ca),
        verification_mode=mode,
    )


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def node_base64(text: str) -> bytes:
    """`Buffer.from(text, 'base64')`: ends at `=`, skips other strangers, takes URL-safe too."""
    cleaned = _NOT_BASE64.sub("", text.split("=", 1)[0].replace("-", "+").replace("_", "/"))
    if len(cleaned) % 4 == 1:
        # A lone last character carries less than a byte; Node drops it.
        cleaned = cleaned[:-1]
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


class WebhookConfig(msgspec.Struct, kw_only=True):
    """The connector's config."""

    url: str
    method: Literal["post", "put"] = "post"
    headers: dict[str, str] | Null = None
    hasAuth: bool = True
    authType: AuthTypeName | UnsetType = UNSET
    certType: CertType | UnsetType = UNSET
    ca: str | UnsetType = UNSET
    verificationMode: VerificationMode | UnsetType = UNSET


class WebhookParams(msgspec.Struct, kw_only=True):
    """The execution params: the body to send."""

    body: str | UnsetType = UNSET


class Webhook(ConnectorType):
    """Kibana's `.webhook` connector type."""

    id = ".webhook"
    name = "Webhook"
    minimum_license_required = "gold"
    supported_feature_ids = ("alerting", "uptime", "siem")

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        """The config with its defaults; the URL must parse and be an allowed host."""
        validated = check(WebhookConfig, config)
        if not parses_as_url(validated.url):
            raise ValidationFailed(
                "error configuring webhook action: unable to parse url: TypeError: Invalid URL"
            )
        ensure_url_allowed(http, validated.url, prefix="error configuring webhook action: ")
        if validated.authType not in (UNSET, None) and not validated.hasAuth:
            raise ValidationFailed(
                "error configuring webhook action: "
                "authType must be null or undefined if hasAuth is false"
            )
        return as_json(validated)

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        """The secrets with their defaults."""
        return validate_webhook_secrets(secrets)

    def validate_params(self, params: JsonObject) -> JsonObject:
        """The params as validated."""
        return as_json(check(WebhookParams, params))

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Send the body; Kibana's own ok or error result (the webhook never throws)."""
        config, body = execution.config, execution.params.get("body")
        try:
            await execution.http.request(
                config["method"].upper(),
                config["url"],
                headers=config["headers"] or {},
                content=body,
                auth=basic_auth(config, execution.secrets),
                ssl_overrides=ssl_overrides(config, execution.secrets),
            )
        except OutboundError as exc:
            return _error_result(exc, execution.clock)
        # Kibana answers with the body it sent, not with the webhook's answer.
        return ExecutorResult(data=UNSET if body is None else body)


def _error_result(exc: OutboundError, clock: Clock) -> ExecutorResult:
    response = exc.response
    if response is None:
        if exc.code:
            return _error("error calling webhook, request failed", f"[{exc.code}] {exc.message}")
        return _error("error calling webhook, request failed", exc.message)
    message = _response_message(response.json_or_none())
    service_message = f"[{response.status}] {response.reason}{f': {message}' if message else ''}"
    if response.status >= 500:
        return _error("error calling webhook, retry later", service_message, retry=True)
    if response.status == 429:
        seconds = _retry_after(response.headers.get("retry-after"))
        if seconds is None:
            return _error("error calling webhook, retry later", service_message, retry=True)
        retry_at = format_time(clock.now() + timedelta(seconds=seconds))
        return _error(f"error calling webhook, retry at {retry_at}", service_message, retry_at)
    return _error("error calling webhook, invalid response", service_message)


def _error(
    message: str, service_message: str, retry: bool | str | UnsetType = UNSET
) -> ExecutorResult:
    # Kibana's executor marks every error result a connector returns as the user's.
    return ExecutorResult(
        status="error",
        message=message,
        service_message=service_message,
        retry=retry,
        error_source="user",
    )


def _response_message(data: Any) -> str:
    """The `message` of a JSON object answer, as `${message}` writes it (else nothing)."""
    if isinstance(data, dict) and data.get("message"):
        return js_string_coercion(data["message"])
    return ""


def _retry_after(value: str | None) -> int | None:
    """`parseInt(Retry-After, 10)`, or None when that is NaN."""
    match = _LEADING_INTEGER.match(value or "")
    return int(match.group(1)) if match else None


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (Webhook(),)
