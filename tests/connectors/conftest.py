"""Fixtures for connector tests: a fake external system and a way to run a connector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from opencases.connectors.types.base import ConnectorType
from opencases.kibana.time import SYSTEM_CLOCK, Clock
from tests.conftest import ELASTIC_PASSWORD, make_client, snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import connector_settings, started_app
from tests.connectors.tls import Pki, TlsServer, tls_server


@pytest.fixture
def fake() -> FakeService:
    """A fake external system at https://external.example.com."""
    return FakeService()


@pytest.fixture(scope="session")
def pki() -> Pki:
    """A test CA with a server certificate for 127.0.0.1 and a client certificate."""
    return Pki.create()


@pytest.fixture
async def https(pki: Pki, tmp_path: Path) -> AsyncIterator[TlsServer]:
    """A local HTTPS server that requires a client certificate from the test CA."""
    async with tls_server(pki, tmp_path) as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    """The connectors' time in `run_connector`: the system's, unless a module overrides it."""
    return SYSTEM_CLOCK


RunConnector = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def run_connector(database_url: str, elastic_hash: str, clock: Clock) -> RunConnector:
    """`await run_connector(connector_type, fake=..., config=..., secrets=..., params=...)`.

    Over HTTP, as a user would: a server whose network is the fake (the real network
    with `fake=None`) creates the connector
    (`POST /api/actions/connector/{id}`), then runs it
    (`POST /api/actions/connector/{id}/_execute`), which must leave the database as it
    was (but for a kept OAuth token); the answer of the run is returned. The server's
    connectors read the time from the `clock` fixture.
    """

    async def run(
        connector_type: ConnectorType,
        *,
        fake: FakeService | None,
        config: dict[str, Any],
        secrets: dict[str, Any],
        params: dict[str, Any],
        connector_id: str = "connector-1",
        connector_name: str = "My connector",
        allowed_hosts: tuple[str, ...] = ("*",),
    ) -> dict[str, Any]:
        settings = connector_settings(database_url, allowed_hosts=list(allowed_hosts))
        body = {
            "name": connector_name,
            "connector_type_id": connector_type.id,
            "config": config,
            "secrets": secrets,
        }
        credentials = {"auth": ("elastic", ELASTIC_PASSWORD), "headers": {"kbn-xsrf": "true"}}
        async with (
            started_app(settings, elastic_hash, fake, connector_types=None, clock=clock) as app,
            make_client(app, **credentials) as client,
        ):
            created = await client.post(f"/api/actions/connector/{connector_id}", json=body)
            if created.status_code != 200:
                raise AssertionError(f"the connector is invalid: {created.text}")
            before = await snapshot(app.state.opencases.db)
            run = await client.post(
                f"/api/actions/connector/{connector_id}/_execute", json={"params": params}
            )
            assert run.status_code == 200, run.text
            # A run, failed or not, changes nothing stored but the OAuth token it may keep.
            after = await snapshot(app.state.opencases.db)
            assert {**after, "connector_tokens": []} == {**before, "connector_tokens": []}
            result: dict[str, Any] = run.json()
            return result

    return run
