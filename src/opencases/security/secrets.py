"""Password and API key hashing (argon2) and generation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    """An argon2 hash of a password or key."""
    return _hasher.hash(secret)


def verify_secret(secret_hash: str, secret: str) -> bool:
    """Whether `secret` matches `secret_hash`."""
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


async def hash_secret_async(secret: str) -> str:
    """hash_secret off the event loop (argon2 takes tens of milliseconds)."""
    return await asyncio.to_thread(hash_secret, secret)


async def verify_secret_async(secret_hash: str, secret: str) -> bool:
    """verify_secret off the event loop."""
    return await asyncio.to_thread(verify_secret, secret_hash, secret)


def generate_password() -> str:
    """A random password for the `elastic` user."""
    return secrets.token_urlsafe(18)


def generate_api_key() -> tuple[str, str]:
    """A new API key id and secret, shaped as Elasticsearch's (20 and 22 characters)."""
    return secrets.token_urlsafe(15), secrets.token_urlsafe(16)[:22]


def profile_uid(username: str) -> str:
    """Elasticsearch's user profile id: `u_` + base64url(sha256(username)) + `_0`."""
    digest = hashlib.sha256(username.encode()).digest()
    return "u_" + base64.urlsafe_b64encode(digest).decode().rstrip("=") + "_0"


def credential_digest(value: str) -> str:
    """A cache key for an Authorization header that does not keep the secret itself."""
    return hashlib.sha256(value.encode()).hexdigest()
