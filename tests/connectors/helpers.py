"""Test-only connector types, request factories and an app that knows those types.

The real connector types are written elsewhere; these two small ones exercise the Actions
API: `.test-cases` (supports cases; config `{url, project}`, secrets `{token}`, one call
to the fake external system per run) and `.test-webhook` (no cases; secrets optional).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from starlette.applications import Starlette

from opencases.app import create_app
from opencases.connectors.errors import ConnectorError, OutboundError, ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    check,
    ensure_url_allowed,
)
from opencases.kibana.time import SYSTEM_CLOCK, Clock
from opencases.settings import Settings
from tests.conftest import reset
from tests.connectors.fakes import FakeService

ENCRYPTION_KEY = "a-test-encryption-key-of-32-chars-or-more"
OTHER_KEY = "another-test-encryption-key-of-32-chars!!"
URL = "https://external.example.com"
TOKEN = "s3cr3t-t0ken-nobody-may-see"
PASSWORD = "hunter2-webhook-password-never-shown"


class CasesConfig(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    project: str | None = None


class CasesSecrets(msgspec.Struct, forbid_unknown_fields=True):
    token: str


class CasesParams(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    description: str | None = None


class CasesTestType(ConnectorType):
    """A case connector: POST {url}/api/incident with a Bearer token."""

    id = ".test-cases"
    name = "Test: Cases"
    minimum_license_required = "gold"
    supported_feature_ids = ("alerting", "cases", "siem")

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        value = check(CasesConfig, config)
        ensure_url_allowed(http, value.url, prefix="error configuring test action: ")
        result: JsonObject = msgspec.to_builtins(value)
        return result

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        result: JsonObject = msgspec.to_builtins(check(CasesSecrets, secrets))
        return result

    def validate_connector(self, config: JsonObject, secrets: JsonObject) -> None:
        if config.get("project") == "forbidden":
            raise ValidationFailed("project [forbidden] is not allowed")

    def validate_params(self, params: JsonObject) -> JsonObject:
        result: JsonObject = msgspec.to_builtins(check(CasesParams, params))
        return result

    async def execute(self, execution: Execution) -> ExecutorResult:
        try:
            response = await execution.http.request(
                "POST",
                f"{execution.config['url']}/api/incident",
                headers={"authorization": f"Bearer {execution.secrets['token']}"},
                json_body={"title": execution.params["title"]},
            )
        except OutboundError as exc:
            raise ConnectorError(f"[Action][Test]: Unable to create incident. {exc}") from None
        return ExecutorResult(data=response.json())


class WebhookConfig(msgspec.Struct, forbid_unknown_fields=True):
    url: str


class WebhookSecrets(msgspec.Struct, forbid_unknown_fields=True):
    user: str | None = None
    password: str | None = None


class WebhookParams(msgspec.Struct, forbid_unknown_fields=True):
    body: str | None = None


class WebhookTestType(ConnectorType):
    """A connector that cannot take cases; its secrets are optional."""

    id = ".test-webhook"
    name = "Test: Webhook"
    minimum_license_required = "gold"
    supported_feature_ids = ("alerting", "uptime")

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        value = check(WebhookConfig, config)
        ensure_url_allowed(http, value.url, prefix="error configuring webhook action: ")
        result: JsonObject = msgspec.to_builtins(value)
        return result

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        result: JsonObject = msgspec.to_builtins(check(WebhookSecrets, secrets))
        return result

    def validate_params(self, params: JsonObject) -> JsonObject:
        result: JsonObject = msgspec.to_builtins(check(WebhookParams, params))
        return result

    async def execute(self, execution: Execution) -> ExecutorResult:
        response = await execution.http.request(
            "POST", execution.config["url"], content=execution.params["body"] or ""
        )
        return ExecutorResult(data=response.text)


TEST_TYPES: tuple[ConnectorType, ...] = (CasesTestType(), WebhookTestType())


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock that always reads `moment`."""

    moment: datetime

    def now(self) -> datetime:
        """The fixed moment."""
        return self.moment


def connector_settings(database_url: str, **overrides: Any) -> Settings:
    """Test settings with an encryption key (unless overridden)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "database_pool_size": 4,
        "encryption_key": ENCRYPTION_KEY,
        **overrides,
    }
    return msgspec.convert(values, Settings)


@asynccontextmanager
async def started_app(
    settings: Settings,
    elastic_hash: str,
    fake: FakeService | None,
    *,
    clean: bool = True,
    connector_types: tuple[ConnectorType, ...] | None = TEST_TYPES,
    clock: Clock = SYSTEM_CLOCK,
) -> AsyncIterator[Starlette]:
    """The app with the fake as its network, started; the test connector types by default.

    `fake=None` gives the real network; `clean` empties the database first (as the
    shared `app` fixture does); `connector_types=None` gives the shipped types; `clock`
    is the connectors' time.
    """
    transport = None if fake is None else fake.transport
    application = create_app(
        settings, connector_types=connector_types, connector_transport=transport, clock=clock
    )
    async with application.router.lifespan_context(application):
        if clean:
            await reset(application.state.opencases.db, elastic_hash)
        yield application


def cases_connector(**overrides: Any) -> dict[str, Any]:
    """A create body for a `.test-cases` connector."""
    return {
        "name": "My Cases connector",
        "connector_type_id": ".test-cases",
        "config": {"url": URL},
        "secrets": {"token": TOKEN},
        **overrides,
    }


def webhook_connector(**overrides: Any) -> dict[str, Any]:
    """A create body for a `.test-webhook` connector without secrets."""
    return {
        "name": "My Webhook connector",
        "connector_type_id": ".test-webhook",
        "config": {"url": f"{URL}/hook"},
        **overrides,
    }


def expected_connector(connector_id: str, **overrides: Any) -> dict[str, Any]:
    """A stored `.test-cases` connector as the API answers it."""
    return {
        "id": connector_id,
        "name": "My Cases connector",
        "config": {"url": URL, "project": None},
        "connector_type_id": ".test-cases",
        "is_preconfigured": False,
        "is_deprecated": False,
        "is_missing_secrets": False,
        "is_system_action": False,
        **overrides,
    }


def bad_request(message: str) -> dict[str, Any]:
    """Kibana's 400 body."""
    return {"statusCode": 400, "error": "Bad Request", "message": message}


def forbidden(message: str) -> dict[str, Any]:
    """Kibana's 403 body."""
    return {"statusCode": 403, "error": "Forbidden", "message": message}


def not_found(connector_id: str) -> dict[str, Any]:
    """Kibana's saved-object 404 body for a connector."""
    return {
        "statusCode": 404,
        "error": "Not Found",
        "message": f"Saved object [action/{connector_id}] not found",
    }
