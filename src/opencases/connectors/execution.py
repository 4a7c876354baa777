"""Running a connector as Kibana's action executor does: validate, execute, report."""

from __future__ import annotations

import logging

import msgspec

from opencases.connectors.errors import (
    ConnectorError,
    HostNotAllowed,
    OutboundError,
    ValidationFailed,
)
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import (
    AccessTokens,
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
)
from opencases.kibana.time import Clock

log = logging.getLogger("opencases.connectors")

# Kibana's words for a thrown execution failure; the failure itself is the service message.
RUN_FAILED = "an error occurred while running the action"


def validate_connector(
    connector_type: ConnectorType, config: JsonObject, secrets: JsonObject, http: Outbound
) -> tuple[JsonObject, JsonObject]:
    """The config and secrets with their defaults; ValidationFailed with Kibana's message.

    The message names what failed: `error validating action type config: ...`,
    `... secrets: ...` or `... connector: ...`.
    """
    try:
        valid_config = connector_type.validate_config(config, http=http)
    except ValidationFailed as exc:
        raise ValidationFailed(f"error validating action type config: {exc.message}") from None
    try:
        valid_secrets = connector_type.validate_secrets(secrets, http=http)
    except ValidationFailed as exc:
        raise ValidationFailed(f"error validating action type secrets: {exc.message}") from None
    try:
        connector_type.validate_connector(valid_config, valid_secrets)
    except ValidationFailed as exc:
        raise ValidationFailed(f"error validating action type connector: {exc.message}") from None
    return valid_config, valid_secrets


async def execute(
    *,
    connector_type: ConnectorType,
    connector_id: str,
    connector_name: str,
    config: JsonObject,
    secrets: JsonObject,
    params: JsonObject,
    http: Outbound,
    clock: Clock,
    tokens: AccessTokens | None = None,
) -> JsonObject:
    """The execute result of running a connector with `params` (Kibana's route shape)."""
    try:
        validated_params = connector_type.validate_params(params)
    except ValidationFailed as exc:
        return _refused(connector_id, f"error validating action params: {exc.message}", "user")
    # The stored values are checked again: allowedHosts may have changed since they were.
    try:
        validated_config, validated_secrets = validate_connector(
            connector_type, config, secrets, http
        )
    except ValidationFailed as exc:
        return _refused(connector_id, exc.message)
    execution = Execution(
        connector_id=connector_id,
        connector_name=connector_name,
        config=validated_config,
        secrets=validated_secrets,
        params=validated_params,
        http=http,
        clock=clock,
        tokens=tokens,
    )
    try:
        result = await connector_type.execute(execution)
    except ConnectorError as exc:
        return _failed(connector_id, exc.message, "user" if exc.user else "framework")
    except (OutboundError, HostNotAllowed) as exc:
        return _failed(connector_id, str(exc), "framework")
    except Exception as exc:
        # Kibana's action executor turns whatever an executor throws into this result.
        log.exception("connector %s failed unexpectedly", connector_id)
        return _failed(connector_id, str(exc) or type(exc).__name__, "framework")
    return _result(connector_id, result)


def _result(connector_id: str, result: ExecutorResult) -> JsonObject:
    body: JsonObject = {"connector_id": connector_id, "status": result.status}
    for key, value in (
        ("message", result.message),
        ("service_message", result.service_message),
        ("data", result.data),
        ("retry", result.retry),
        ("errorSource", result.error_source),
    ):
        if value is not msgspec.UNSET:
            body[key] = value
    return body


def _refused(connector_id: str, message: str, source: str = "framework") -> JsonObject:
    return {
        "connector_id": connector_id,
        "status": "error",
        "message": message,
        "retry": False,
        "errorSource": source,
    }


def _failed(connector_id: str, service_message: str, source: str) -> JsonObject:
    log.warning("connector %s failed: %s", connector_id, service_message)
    return {
        "connector_id": connector_id,
        "status": "error",
        "message": RUN_FAILED,
        "service_message": service_message,
        "retry": True,
        "errorSource": source,
    }
