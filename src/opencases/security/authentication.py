"""Authentication of every request: `Basic` passwords and `ApiKey` keys, remembered per process."""

from __future__ import annotations

import asyncio
import base64
import functools
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from opencases.db import Database, Executor
from opencases.kibana.errors import Unauthorized, elasticsearch_error
from opencases.kibana.time import utc_now
from opencases.security import store
from opencases.security.secrets import credential_digest, hash_secret, verify_secret_async

# `session`: a user signed in through the login page, with the `sid` cookie.
AuthenticationType = Literal["basic", "api_key", "session"]
# Kibana's authentication providers: its default `basic.basic`, which the login page signs
# in through, and `__http__` for requests carrying their own Authorization header.
SESSION_PROVIDER = ("basic", "basic")
HTTP_PROVIDER = ("http", "__http__")

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
    # The stored id of the session it came with.
    session_id: str | None = None

    @property
    def provider(self) -> tuple[str, str]:
        """Kibana's authentication provider of the caller: (type, name)."""
        return SESSION_PROVIDER if self.authentication_type == "session" else HTTP_PROVIDER


@dataclass(slots=True)
class _Verified:
    principal: Principal
    # The stored hash the secret was verified against: while it is unchanged the secret
    # is still right, so a re-check reads the row but never re-hashes.
    secret_hash: str
    expiration: str | None
    checked_at: float
    # The security epoch read before the rows were: the entry holds while it does.
    epoch: int


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
        # binascii.Error and UnicodeDecodeError are ValueErrors, as is a non-ASCII header.
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except ValueError:
        raise Unauthorized() from None
    name, separator, secret = decoded.partition(":")
    if not separator or not name or not secret:
        raise Unauthorized()
    return kind, name, secret


@functools.cache
def _decoy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(16))


class Authenticator:
    """Verifies credentials; remembers verified ones per process while nothing ends them.

    Every change that can end a credential (a password, a user's roles or state, an
    invalidated API key) bumps the database's security epoch in its transaction; an entry
    holds only while the epoch it was verified in stands, so every process refuses such a
    credential from its next request on. After a bump, a credential is checked again
    against its rows, without re-hashing a secret whose stored hash is unchanged. `ttl`
    bounds how long an entry holds even so: for changes made behind OpenCases' back.
    """

    def __init__(self, *, ttl: float) -> None:
        self._ttl = ttl
        self._verified: dict[str, _Verified] = {}
        # Verifications under way, by credential digest and epoch: concurrent requests
        # with the same new credential share one argon2 check instead of each running
        # its own; one that began before a bump serves no request that came after it.
        self._verifying: dict[tuple[str, int], asyncio.Future[_Verified | None]] = {}

    def remembered(self, db: Database, authorization: str | None) -> Principal | None:
        """The principal of a credential verified in the current security epoch, or None.

        No I/O and no await: the common case of a request costs no coroutine here. None
        also when the epoch is not known without I/O (on PostgreSQL, while the process's
        listener of bumps does not listen).
        """
        if not authorization:
            return None
        return self._holding(
            self._verified.get(credential_digest(authorization)), db.known_security_epoch()
        )

    def _holding(self, cached: _Verified | None, epoch: int | None) -> Principal | None:
        if (
            cached is None
            or cached.epoch != epoch
            or time.monotonic() - cached.checked_at >= self._ttl
            or (cached.expiration is not None and cached.expiration <= utc_now())
        ):
            return None
        return cached.principal

    async def authenticate(self, db: Database, authorization: str | None) -> Principal:
        """The principal an Authorization header names, or 401."""
        if not authorization:
            raise Unauthorized()
        # Read before any row: a change committed after it moves it, so nothing verified
        # from rows older than a change is trusted beyond the change.
        epoch = await db.security_epoch()
        digest = credential_digest(authorization)
        cached = self._verified.get(digest)
        principal = self._holding(cached, epoch)
        if principal is not None:
            return principal
        if cached is not None and cached.expiration is not None and cached.expiration <= utc_now():
            self._verified.pop(digest, None)
            raise Unauthorized()
        kind, name, secret = _credentials(authorization)
        key = (digest, epoch)
        verifying = self._verifying.get(key)
        if verifying is None:
            verifying = asyncio.ensure_future(
                self._verify(db, kind, name, secret, cached=cached, epoch=epoch)
            )
            self._verifying[key] = verifying
            verifying.add_done_callback(lambda _: self._verifying.pop(key, None))
        # Shielded: a caller that goes away does not cancel the others' verification.
        verified = await asyncio.shield(verifying)
        if verified is None:
            self._verified.pop(digest, None)
            raise refusal(kind, name)
        if len(self._verified) >= CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[digest] = verified
        return verified.principal

    async def verify_password(
        self, db: Database, *, username: str, password: str
    ) -> tuple[Principal, str]:
        """The user a password is right for, and the hash it was checked against; else 401."""
        # Checked at this moment, never from memory: a login must prove the password now.
        epoch = await db.security_epoch()
        verified = await self._verify(db, "basic", username, password, cached=None, epoch=epoch)
        if verified is None:
            raise refusal("basic", username, challenge=False)
        return verified.principal, verified.secret_hash

    async def _verify(
        self,
        db: Executor,
        kind: AuthenticationType,
        name: str,
        secret: str,
        *,
        cached: _Verified | None,
        epoch: int,
    ) -> _Verified | None:
        api_key: store.ApiKeyRecord | None = None
        if "\x00" in name:
            # No user or key name holds U+0000 (PostgreSQL cannot even compare one).
            await verify_secret_async(_decoy_hash(), secret)
            return None
        if kind == "api_key":
            api_key = await store.get_api_key(db, name)
            if (
                api_key is None
                or api_key.invalidated
                or (api_key.expiration is not None and api_key.expiration <= utc_now())
            ):
                # Hash anyway: a quick refusal would tell which key ids exist.
                await verify_secret_async(_decoy_hash(), secret)
                return None
            username, secret_hash = api_key.username, api_key.key_hash
        else:
            username = name
        user = await store.get_user(db, username)
        if user is None or not user.enabled:
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
            # A key whose role descriptors are all empty (as every key made with a key's are)
            # has no privileges: Elasticsearch intersects them with its owner's.
            roles=() if api_key is not None and api_key.grants_nothing else tuple(user.roles),
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
            epoch=epoch,
        )


def refusal(kind: AuthenticationType, name: str, *, challenge: bool = True) -> Unauthorized:
    """Elasticsearch's refusal of a credential, which Kibana passes on."""
    reason = (
        "unable to authenticate with provided credentials and anonymous access"
        " is not allowed for this request"
        if kind == "api_key"
        else f"unable to authenticate user [{name}] for REST request [/_security/_authenticate]"
    )
    return Unauthorized(elasticsearch_error("security_exception", reason), challenge=challenge)
