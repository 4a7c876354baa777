"""Refusals cost the same work whether or not the account exists."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest

from opencases.db import Database, Executor
from opencases.security import authentication
from opencases.security import store as security_store
from opencases.security.secrets import verify_secret_async


def basic(username: str, password: str) -> dict[str, str]:
    """A Basic Authorization header."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    "username",
    ["nobody", "disabled", "present"],
    ids=["unknown user", "disabled user", "wrong password"],
)
async def test_every_refused_password_is_hashed(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    username: str,
) -> None:
    for name, enabled in (("disabled", False), ("present", True)):
        body = {"username": name, "password": "password1", "roles": [], "enabled": enabled}
        assert (await client.post(f"/internal/security/users/{name}", json=body)).status_code == 200
    verified: list[str] = []
    real = verify_secret_async

    async def counting(secret_hash: str, secret: str) -> Any:
        verified.append(secret)
        return await real(secret_hash, secret)

    monkeypatch.setattr(authentication, "verify_secret_async", counting)

    response = await anonymous.get("/api/status", headers=basic(username, "not-it"))

    assert response.status_code == 401
    assert verified == ["not-it"]


def api_key(key_id: str, secret: str) -> dict[str, str]:
    """An ApiKey Authorization header."""
    token = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    return {"authorization": f"ApiKey {token}"}


@pytest.mark.parametrize(
    "refusal", ["unknown id", "invalidated", "expired", "owner disabled", "wrong secret"]
)
async def test_every_refused_api_key_is_hashed(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    refusal: str,
) -> None:
    """A refused key costs one hash whatever the reason: no quick answer tells a key exists."""
    role = {"elasticsearch": {"cluster": ["manage_own_api_key"]}, "kibana": []}
    assert (await client.put("/api/security/role/own_keys", json=role)).status_code == 204
    user = {"username": "u1", "password": "password1", "roles": ["own_keys"]}
    assert (await client.post("/internal/security/users/u1", json=user)).status_code == 200
    created = await anonymous.post(
        "/internal/security/api_key",
        json={"name": "k1"},
        headers={**basic("u1", "password1"), "kbn-xsrf": "true"},
    )
    assert created.status_code == 200, created.text
    key_id, secret = created.json()["id"], created.json()["api_key"]
    if refusal == "unknown id":
        key_id = "x" * len(key_id)
    elif refusal == "wrong secret":
        secret = secret[::-1]
    elif refusal == "invalidated":
        keys = {"apiKeys": [{"id": key_id, "name": "k1"}], "isAdmin": True}
        response = await client.post("/internal/security/api_key/invalidate", json=keys)
        assert response.json()["errors"] == []
    elif refusal == "expired":
        await db.execute(
            "UPDATE api_keys SET expiration = :past WHERE id = :id",
            {"past": "2000-01-01T00:00:00.000Z", "id": key_id},
        )
    else:
        disabled = {"username": "u1", "roles": ["own_keys"], "enabled": False}
        response = await client.post("/internal/security/users/u1", json=disabled)
        assert response.status_code == 200
    verified: list[str] = []
    real = verify_secret_async

    async def counting(secret_hash: str, secret: str) -> Any:
        verified.append(secret)
        return await real(secret_hash, secret)

    monkeypatch.setattr(authentication, "verify_secret_async", counting)

    response = await anonymous.get("/api/status", headers=api_key(key_id, secret))

    assert response.status_code == 401
    assert verified == [secret]


async def test_concurrent_requests_with_a_new_credential_share_one_verification(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"username": "many", "password": "password1", "roles": ["viewer"], "enabled": True}
    assert (await client.post("/internal/security/users/many", json=body)).status_code == 200
    verified: list[str] = []
    real = verify_secret_async

    async def counting(secret_hash: str, secret: str) -> Any:
        verified.append(secret)
        return await real(secret_hash, secret)

    monkeypatch.setattr(authentication, "verify_secret_async", counting)

    responses = await asyncio.gather(
        *(anonymous.get("/api/status", headers=basic("many", "password1")) for _ in range(8))
    )

    assert [response.status_code for response in responses] == [200] * 8
    assert verified == ["password1"]


async def test_a_change_to_another_user_costs_remembered_credentials_no_new_hash(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("alice", "bob"):
        body = {"username": name, "password": "password1", "roles": ["viewer"], "enabled": True}
        assert (await client.post(f"/internal/security/users/{name}", json=body)).status_code == 200
    alice = basic("alice", "password1")
    assert (await anonymous.get("/api/status", headers=alice)).status_code == 200
    verified: list[str] = []
    real = verify_secret_async

    async def counting(secret_hash: str, secret: str) -> Any:
        verified.append(secret)
        return await real(secret_hash, secret)

    monkeypatch.setattr(authentication, "verify_secret_async", counting)
    rows_read: list[str] = []
    get_user = security_store.get_user

    async def reading(db: Executor, username: str) -> security_store.UserRecord | None:
        rows_read.append(username)
        return await get_user(db, username)

    monkeypatch.setattr(security_store, "get_user", reading)

    changed = await client.post(
        "/internal/security/users/bob/password", json={"newPassword": "password2"}
    )
    assert changed.status_code == 204
    rows_read.clear()
    # The change ended what was remembered: alice's row is read again, her hash is unchanged.
    assert (await anonymous.get("/api/status", headers=alice)).status_code == 200
    assert (await anonymous.get("/api/status", headers=alice)).status_code == 200

    assert rows_read == ["alice"]
    assert verified == []
