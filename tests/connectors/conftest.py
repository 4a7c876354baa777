"""Fixtures for connector tests: a fake external system and a way to run a connector."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from opencases.connectors.execution import execute
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import ConnectorType, ValidationFailed
from tests.connectors.fakes import FakeService


@pytest.fixture
def fake() -> FakeService:
    """A fake external system at https://external.example.com."""
    return FakeService()


RunConnector = Callable[..., Awaitable[dict[str, Any]]]


async def _run_connector(
    connector_type: ConnectorType,
    *,
    fake: FakeService,
    config: dict[str, Any],
    secrets: dict[str, Any],
    params: dict[str, Any],
    connector_id: str = "connector-1",
    connector_name: str = "My connector",
    allowed_hosts: tuple[str, ...] = ("*",),
) -> dict[str, Any]:
    """Validate the config and secrets as a create would, then execute with `params`.

    Returns the execute result exactly as `POST /api/actions/connector/{id}/_execute`
    answers it.
    """
    http = Outbound(allowed_hosts=allowed_hosts, transport=fake.transport)
    try:
        stored_config = connector_type.validate_config(config, http=http)
        stored_secrets = connector_type.validate_secrets(secrets, http=http)
        connector_type.validate_connector(stored_config, stored_secrets)
    except ValidationFailed as exc:
        raise AssertionError(f"the connector is invalid: {exc.message}") from None
    try:
        return await execute(
            connector_type=connector_type,
            connector_id=connector_id,
            connector_name=connector_name,
            config=stored_config,
            secrets=stored_secrets,
            params=params,
            http=http,
        )
    finally:
        await http.close()


@pytest.fixture
def run_connector() -> RunConnector:
    """`await run_connector(connector_type, fake=..., config=..., secrets=..., params=...)`."""
    return _run_connector
