"""Authentication of every request: `Basic` passwords and `ApiKey` keys, with a short cache."""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from opencases.db import Executor
from opencases.kibana.errors import Unauthorized, elasticsearch_error
from opencases.kibana.time import utc_now
from opencases.security import store
from opencases.security.secrets import credential_digest, hash_secret, verify_secret_async

AuthenticationType = Literal["basic", "api_key"]

# Entries kept at most; the oldest go first.
CACHE_SIZE = 10_000


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated caller: a user, directly or through one of its API keys."""

    username: str
    full_name: str | None
    email: str | None
    roles: tuple[str, ...]
    enabled: bool
    metadata: dict[str, Any]
    profile_uid: str
    authentication_type: AuthenticationType
    api_key_id: str | None = None
    api_key_name: str | None = None


@dataclass(slots=True)
class _Verified:
    principal: Principal
    # The stored hash the secret was verified against: while it is unchanged the secret
    # is still right, so a re-check reads the row but never re-hashes.
    secret_hash: str
    expiration: str | None
    checked_at: float


def _credentials(authorization: str) -> tuple[AuthenticationType, str, str]:
    scheme, _, encoded = authorization.partition(" ")
    kind: AuthenticationType
    if scheme.lower() == "basic":
        kind = "basic"
    elif scheme.lower() == "apikey":
        kind = "api_key"
    else:
        raise Unauthorized()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized() from None
    name, separator, secret = decoded.partition(":")
    if not separator or not name or not secret:
        raise Unauthorized()
    return kind, name, secret


@functools.cache
def _decoy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))


class Authenticator:
    """Verifies credentials; remembers verified ones for `ttl` seconds per process."""

    def __init__(self, *, ttl: float) -> None:
        self._ttl = ttl
        self._verified: dict[str, _Verified] = {}
        # Verifications under way, by credential digest: concurrent requests with the
        # same new credential share one argon2 check instead of each running its own.
        self._verifying: dict[str, asyncio.Future[_Verified | None]] = {}

    def remembered(self, authorization: str | None) -> Principal | None:
        """The principal of a credential verified within `ttl` and still valid, or None.

        No I/O and no await: the common case of a request costs no coroutine here.
        """
        if not authorization:
            return None
        cached = self._verified.get(credential_digest(authorization))
        if cached is None or time.monotonic() - cached.checked_at >= self._ttl:
            return None
        if cached.expiration is not None and cached.expiration <= utc_now():
            return None
        return cached.principal

    async def authenticate(self, db: Executor, authorization: str | None) -> Principal:
        """The principal an Authorization header names, or 401."""
        principal = self.remembered(authorization)
        if principal is not None:
            return principal
        if not authorization:
            raise Unauthorized()
        digest = credential_digest(authorization)
        cached = self._verified.get(digest)
        if cached is not None and cached.expiration is not None and cached.expiration <= utc_now():
            self._verified.pop(digest, None)
            raise Unauthorized()
        kind, name, secret = _credentials(authorization)
        verifying = self._verifying.get(digest)
        if verifying is None:
            verifying = asyncio.ensure_future(self._verify(db, kind, name, secret, cached))
            self._verifying[digest] = verifying
            verifying.add_done_callback(lambda _: self._verifying.pop(digest, None))
        # Shielded: a caller that goes away does not cancel the others' verification.
        verified = await asyncio.shield(verifying)
        if verified is None:
            self._verified.pop(digest, None)
            # Kibana passes on Elasticsearch's refusal.
            reason = (
                f"unable to authenticate user [{name}] for REST request [/_security/_authenticate]"
                if kind == "basic"
                else "unable to authenticate with provided credentials and anonymous access"
                " is not allowed for this request"
            )
            raise Unauthorized(elasticsearch_error("security_exception", reason))
        if len(self._verified) >= CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[digest] = verified
        return verified.principal

    async def _verify(
        self,
        db: Executor,
        kind: AuthenticationType,
        name: str,
        secret: str,
        cached: _Verified | None,
    ) -> _Verified | None:
        api_key: store.ApiKeyRecord | None = None
        if kind == "api_key":
            api_key = await store.get_api_key(db, name)
            if api_key is None or api_key.invalidated:
                return None
            if api_key.expiration is not None and api_key.expiration <= utc_now():
                return None
            username, secret_hash = api_key.username, api_key.key_hash
        else:
            username = name
        user = await store.get_user(db, username)
        if user is None or not user.enabled:
            if kind == "basic":
                # Hash anyway: a quick refusal would tell who has an account.
                await verify_secret_async(_decoy_hash(), secret)
            return None
        if kind == "basic":
            secret_hash = user.password_hash
        unchanged = cached is not None and cached.secret_hash == secret_hash
        if not unchanged and not await verify_secret_async(secret_hash, secret):
            return None
        principal = Principal(
            username=user.username,
            full_name=user.full_name,
            email=user.email,
            roles=tuple(user.roles),
            enabled=user.enabled,
            metadata=user.metadata,
            profile_uid=user.profile_uid,
            authentication_type=kind,
            api_key_id=api_key.id if api_key else None,
            api_key_name=api_key.name if api_key else None,
        )
        return _Verified(
            principal=principal,
            secret_hash=secret_hash,
            expiration=api_key.expiration if api_key else None,
            checked_at=time.monotonic(),
        )

    def forget_user(self, username: str) -> None:
        """Drop what this process remembers of a user's credentials and keys."""
        self._forget(lambda v: v.principal.username == username)

    def forget_api_key(self, key_id: str) -> None:
        """Drop what this process remembers of an API key."""
        self._forget(lambda v: v.principal.api_key_id == key_id)

    def _forget(self, matches: Any) -> None:
        for digest in [d for d, v in self._verified.items() if matches(v)]:
            del self._verified[digest]
