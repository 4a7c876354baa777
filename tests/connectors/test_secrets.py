"""Connector secrets: encrypted at rest, never answered, refused without a key."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from opencases.connectors.crypto import SecretBox
from opencases.connectors.errors import SecretsUnreadable
from opencases.db import Database
from opencases.db.sqlite import sqlite_path
from opencases.settings import Settings
from tests.conftest import ELASTIC_PASSWORD, make_client, snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import (
    ENCRYPTION_KEY,
    OTHER_KEY,
    PASSWORD,
    TOKEN,
    URL,
    bad_request,
    cases_connector,
    connector_settings,
    expected_connector,
    started_app,
    webhook_connector,
)

CONNECTOR = "/api/actions/connector"
MISSING_KEY = (
    "Unable to {verb} connector because the Encrypted Saved Objects plugin is missing"
    " encryption key. Please set encryption_key in the OpenCases config file or the"
    " OPENCASES_ENCRYPTION_KEY environment variable (Kibana's"
    " xpack.encryptedSavedObjects.encryptionKey)."
)
INTERNAL_ERROR = {
    "statusCode": 500,
    "error": "Internal Server Error",
    "message": "An internal server error occurred.",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings with an encryption key."""
    return connector_settings(database_url)


@pytest.fixture
async def app(settings: Settings, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the test connector types."""
    async with started_app(settings, elastic_hash, fake) as application:
        yield application


def client_of(app: Starlette) -> httpx.AsyncClient:
    """A client as `elastic` for another app on the same database."""
    return make_client(app, auth=("elastic", ELASTIC_PASSWORD), headers={"kbn-xsrf": "true"})


# --- the cipher itself -------------------------------------------------------------


def test_the_envelope_opens_only_for_its_connector_and_key() -> None:
    box = SecretBox(ENCRYPTION_KEY)
    envelope = box.encrypt({"token": TOKEN}, space_id="default", connector_id="c1")
    assert TOKEN not in envelope
    assert box.decrypt(envelope, space_id="default", connector_id="c1") == {"token": TOKEN}
    # A fresh nonce each time: the same secrets never give the same envelope.
    assert box.encrypt({"token": TOKEN}, space_id="default", connector_id="c1") != envelope
    for space_id, connector_id in (("default", "c2"), ("space1", "c1"), ("defaultc", "1")):
        with pytest.raises(SecretsUnreadable):
            box.decrypt(envelope, space_id=space_id, connector_id=connector_id)
    with pytest.raises(SecretsUnreadable):
        SecretBox(OTHER_KEY).decrypt(envelope, space_id="default", connector_id="c1")
    tampered = envelope[:-4] + ("AAAA" if not envelope.endswith("AAAA") else "BBBB")
    with pytest.raises(SecretsUnreadable):
        box.decrypt(tampered, space_id="default", connector_id="c1")
    assert TOKEN not in repr(box)


def test_settings_never_print_the_key_or_preconfigured_secrets() -> None:
    settings = connector_settings(
        "sqlite:///x.db",
        preconfigured={
            "p": {"name": "p", "actionTypeId": ".test-cases", "secrets": {"token": TOKEN}}
        },
    )
    assert ENCRYPTION_KEY not in repr(settings)
    assert TOKEN not in repr(settings)


def test_a_short_encryption_key_is_refused() -> None:
    from opencases.settings import load_settings

    with pytest.raises(SystemExit, match="encryption_key"):
        load_settings(environ={"OPENCASES_ENCRYPTION_KEY": "too-short"})


# --- at rest and on the wire -------------------------------------------------------


async def test_secrets_are_never_answered(client: httpx.AsyncClient) -> None:
    created = await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    updated = await client.put(
        f"{CONNECTOR}/c1",
        json={"name": "My Cases connector", "config": {"url": URL}, "secrets": {"token": TOKEN}},
    )
    responses = [
        created,
        updated,
        await client.get(f"{CONNECTOR}/c1"),
        await client.get("/api/actions/connectors"),
        await client.get("/api/cases/configure/connectors/_find"),
        await client.post(f"{CONNECTOR}/c2", json=cases_connector(config={})),
        await client.post(f"{CONNECTOR}/c3", json=cases_connector(secrets={"token": 5})),
    ]
    for response in responses:
        assert TOKEN not in response.text
        assert "secrets" not in response.json() if isinstance(response.json(), dict) else True
    assert created.json() == expected_connector("c1")


async def test_secrets_are_encrypted_in_the_database(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    await client.post(
        f"{CONNECTOR}/c2", json=webhook_connector(secrets={"user": "u", "password": PASSWORD})
    )
    rows = await db.fetch_all("SELECT id, config, secrets FROM connectors ORDER BY id")
    assert [row["id"] for row in rows] == ["c1", "c2"]
    for row in rows:
        assert row["secrets"].startswith("v1:")
        for secret in (TOKEN, PASSWORD):
            assert secret not in row["secrets"]
            assert secret not in str(row["config"])
    if settings.database_url.startswith("sqlite"):
        path = sqlite_path(settings.database_url)
        for suffix in ("", "-wal"):
            try:
                raw = await anyio.Path(path + suffix).read_bytes()
            except FileNotFoundError:
                continue
            assert TOKEN.encode() not in raw
            assert PASSWORD.encode() not in raw
    else:
        dump = await db.fetch_all("SELECT CAST(c AS text) AS t FROM connectors AS c")
        assert dump
        for row in dump:
            assert TOKEN not in row["t"]
            assert PASSWORD not in row["t"]


async def test_secrets_are_never_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, fake: FakeService
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.on("POST", "/api/incident", httpx.Response(500, json={"message": "down"}))
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    await client.post(f"{CONNECTOR}/c1/_execute", json={"params": {"title": "t"}})
    await client.post(f"{CONNECTOR}/c2", json=cases_connector(secrets={"token": 1, "x": TOKEN}))
    assert TOKEN not in caplog.text


# --- without a key, and with another key ------------------------------------------


async def test_without_a_key_secrets_are_refused_and_secretless_connectors_work(
    database_url: str, elastic_hash: str, fake: FakeService
) -> None:
    settings = connector_settings(database_url, encryption_key=None)
    fake.on("POST", "/hook", httpx.Response(200, text="thanks"))
    async with (
        started_app(settings, elastic_hash, fake) as app,
        client_of(app) as client,
    ):
        db = app.state.opencases.db
        before = await snapshot(db)
        response = await client.post(CONNECTOR, json=cases_connector())
        assert response.status_code == 400
        assert response.json() == bad_request(MISSING_KEY.format(verb="create"))
        assert await snapshot(db) == before

        created = await client.post(f"{CONNECTOR}/hook", json=webhook_connector())
        assert created.status_code == 200
        assert created.json()["is_missing_secrets"] is False
        run = await client.post(f"{CONNECTOR}/hook/_execute", json={"params": {"body": "hi"}})
        assert run.status_code == 200
        assert run.json() == {"connector_id": "hook", "status": "ok", "data": "thanks"}

        before = await snapshot(db)
        update = await client.put(
            f"{CONNECTOR}/hook",
            json={"name": "h", "config": {"url": URL}, "secrets": {"password": PASSWORD}},
        )
        assert update.status_code == 400
        assert update.json() == bad_request(MISSING_KEY.format(verb="update"))
        assert await snapshot(db) == before


async def test_a_changed_key_leaves_connectors_missing_their_secrets(
    client: httpx.AsyncClient,
    settings: Settings,
    elastic_hash: str,
    fake: FakeService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    await client.post(f"{CONNECTOR}/hook", json=webhook_connector())
    fake.on("POST", "/hook", httpx.Response(200, text="ok"))
    for key in (OTHER_KEY, None):
        other = connector_settings(settings.database_url, encryption_key=key)
        async with (
            started_app(other, elastic_hash, fake, clean=False) as app,
            client_of(app) as again,
        ):
            got = await again.get(f"{CONNECTOR}/c1")
            assert got.json() == expected_connector("c1", is_missing_secrets=True)
            listed = {
                c["id"]: c["is_missing_secrets"]
                for c in (await again.get("/api/actions/connectors")).json()
            }
            assert listed == {"c1": True, "hook": False}
            run = await again.post(f"{CONNECTOR}/c1/_execute", json={"params": {"title": "t"}})
            assert run.status_code == 500
            assert run.json() == INTERNAL_ERROR
            assert "secrets are unreadable" in caplog.text
            # A connector without secrets still runs.
            hook = await again.post(f"{CONNECTOR}/hook/_execute", json={"params": {}})
            assert hook.json() == {"connector_id": "hook", "status": "ok", "data": "ok"}
            if key is not None:
                # New secrets under the new key repair the connector.
                body = {
                    "name": "My Cases connector",
                    "config": {"url": URL},
                    "secrets": {"token": TOKEN},
                }
                fixed = await again.put(f"{CONNECTOR}/c1", json=body)
                assert fixed.json()["is_missing_secrets"] is False
                assert (await again.get(f"{CONNECTOR}/c1")).json()["is_missing_secrets"] is False
    assert TOKEN not in caplog.text
    # The original key no longer opens what the other key sealed.
    assert (await client.get(f"{CONNECTOR}/c1")).json()["is_missing_secrets"] is True


async def test_secrets_cannot_be_moved_to_another_connector(
    client: httpx.AsyncClient, db: Database
) -> None:
    await client.post(f"{CONNECTOR}/c1", json=cases_connector())
    await client.post(f"{CONNECTOR}/c2", json=cases_connector(secrets={"token": "other"}))
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE connectors SET secrets = (SELECT secrets FROM connectors WHERE id = 'c1')"
            " WHERE id = 'c2'"
        )
    got: dict[str, Any] = (await client.get(f"{CONNECTOR}/c2")).json()
    assert got["is_missing_secrets"] is True
