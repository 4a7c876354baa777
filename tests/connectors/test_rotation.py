"""Key rotation: Kibana's keyRotation.decryptionOnlyKeys and `opencases encryption rotate`."""

from __future__ import annotations

from typing import Any

from opencases.connectors import rotation
from opencases.connectors.crypto import SecretBox
from tests.conftest import ELASTIC_PASSWORD, make_client
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import connector_settings, started_app

KEY_A = "the-first-encryption-key-of-32-characters"
KEY_B = "the-second-encryption-key-of-32-characters"
CONNECTOR = {
    "name": "Jira",
    "connector_type_id": ".jira",
    "config": {"apiUrl": "https://external.example.com", "projectKey": "CK"},
    "secrets": {"email": "elastic@example.com", "apiToken": "token"},
}
CREDENTIALS: dict[str, Any] = {
    "auth": ("elastic", ELASTIC_PASSWORD),
    "headers": {"kbn-xsrf": "true"},
}


async def missing_secrets(database_url: str, elastic_hash: str, **keys: Any) -> bool:
    """What GET /api/actions/connector/jira says of its secrets with these key settings."""
    settings = connector_settings(database_url, **keys)
    async with (
        started_app(
            settings, elastic_hash, FakeService(), clean=False, connector_types=None
        ) as app,
        make_client(app, **CREDENTIALS) as client,
    ):
        response = await client.get("/api/actions/connector/jira")
        assert response.status_code == 200, response.text
        missing: bool = response.json()["is_missing_secrets"]
        return missing


async def test_secrets_sealed_under_an_old_key_open_until_rotated_to_the_new_one(
    database_url: str, elastic_hash: str
) -> None:
    settings = connector_settings(database_url, encryption_key=KEY_A)
    async with (
        started_app(settings, elastic_hash, FakeService(), connector_types=None) as app,
        make_client(app, **CREDENTIALS) as client,
    ):
        created = await client.post("/api/actions/connector/jira", json=CONNECTOR)
        assert created.status_code == 200, created.text
        db = app.state.opencases.db

        # Key B alone cannot open what A sealed; B with A as a decryption-only key can.
        assert await missing_secrets(database_url, elastic_hash, encryption_key=KEY_B)
        assert not await missing_secrets(
            database_url, elastic_hash, encryption_key=KEY_B, decryption_only_keys=[KEY_A]
        )

        assert await rotation.rotate(db=db, box=SecretBox(KEY_B, [KEY_A])) == 1

        assert not await missing_secrets(database_url, elastic_hash, encryption_key=KEY_B)
        assert await missing_secrets(database_url, elastic_hash, encryption_key=KEY_A)


async def test_a_rotation_that_cannot_open_every_secret_changes_nothing(
    database_url: str, elastic_hash: str
) -> None:
    settings = connector_settings(database_url, encryption_key=KEY_A)
    async with (
        started_app(settings, elastic_hash, FakeService(), connector_types=None) as app,
        make_client(app, **CREDENTIALS) as client,
    ):
        assert (await client.post("/api/actions/connector/jira", json=CONNECTOR)).status_code == 200
        db = app.state.opencases.db
        before = await db.fetch_all("SELECT id, secrets FROM connectors")

        try:
            await rotation.rotate(db=db, box=SecretBox(KEY_B))
        except rotation.RotationFailed as exc:
            message = str(exc)
        else:
            raise AssertionError("the rotation went through")

        assert message == (
            "the secrets of connector jira (space default) open with neither the encryption"
            " key nor a decryption-only key"
        )
        assert [tuple(r) for r in await db.fetch_all("SELECT id, secrets FROM connectors")] == [
            tuple(r) for r in before
        ]


def test_the_settings_never_show_the_keys() -> None:
    settings = connector_settings("sqlite:///x.db", decryption_only_keys=[KEY_A])
    assert KEY_A not in repr(settings)
