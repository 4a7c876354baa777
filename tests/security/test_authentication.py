"""Refusals cost the same work whether or not the account exists."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest

from opencases.security import authentication
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
