"""Sessions of the login page: the `sid` cookie, kept in the database, remembered per process."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from opencases.db import Database, Executor
from opencases.kibana.errors import Unauthorized
from opencases.kibana.time import Clock
from opencases.security import store
from opencases.security.authentication import (
    SESSION_PROVIDER,
    Authenticator,
    Principal,
    refusal,
)
from opencases.settings import Settings

# Kibana's xpack.security.cookieName default.
COOKIE_NAME = "sid"
# Why a session cookie answered no session: Kibana's header, and its values.
SESSION_ERROR_REASON = "kbn-session-error-reason"
SessionErrorReason = Literal[
    "SESSION_IDLE_TIMEOUT", "SESSION_LIFESPAN_TIMEOUT", "UNEXPECTED_SESSION_ERROR"
]
# Entries kept at most; the oldest go first.
CACHE_SIZE = 10_000
_EXPIRED_COOKIE = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
# What the WHATWG URL parser strips from both ends of a URL, and removes from within it.
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")


def session_id(cookie: str) -> str:
    """The stored id of a session: a digest of the cookie's value, never the value itself."""
    return hashlib.sha256(cookie.encode()).hexdigest()


def password_stamp(password_hash: str) -> str:
    """What a session keeps of its user's password hash, to end when the password changes."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def cookie_of(header: str) -> str | None:
    """The session cookie's value in a `Cookie` header, or None."""
    for pair in header.split(";"):
        name, separator, value = pair.strip().partition("=")
        if separator and name == COOKIE_NAME and value:
            return value
    return None


def request_cookie(request: Request) -> str | None:
    """The session cookie a request carries, or None."""
    header = request.headers.get("cookie")
    return None if header is None else cookie_of(header)


def next_url(current_url: str) -> str:
    """Kibana's `parseNextURL`: where a login sends the browser (never outside OpenCases)."""
    parts = urlsplit(current_url)
    values = parse_qs(parts.query, keep_blank_values=True).get("next")
    if not values or not values[0] or not is_internal_url(values[0]):
        return "/"
    return values[0] + (f"#{parts.fragment}" if parts.fragment else "")


def is_internal_url(url: str) -> bool:
    """Kibana's `isInternalURL`: a path of this server, whatever page it is resolved against."""
    # Kibana resolves it with the WHATWG parser against two origins, wants both kept, and
    # the path under its base path: here, a path from the root that is no `//host` (which
    # `\` spells too, and which what the parser strips or drops may hide).
    normalized = _TAB_OR_NEWLINE.sub("", url.strip(_C0_OR_SPACE)).replace("\\", "/")
    return normalized.startswith("/") and not normalized.startswith("//")


class SessionEnded(Unauthorized):
    """401: the session cookie names no session (any more); the browser should drop it."""

    def __init__(self, reason: SessionErrorReason, clear_cookie: str) -> None:
        super().__init__(challenge=False)
        self.headers[SESSION_ERROR_REASON] = reason
        self.headers["set-cookie"] = clear_cookie


class LoginThrottle:
    """Slows password guessing: past a few failures for a username, its logins queue up.

    Each login beyond the free ones takes a turn, each turn twice as long as the last (up
    to a bound), whether the attempts come one after another or all at once. A success
    ends it. Kept per process: with N workers a guesser gets N queues, no more.
    """

    FREE_FAILURES = 3
    FIRST_TURN_SECONDS = 0.5
    LONGEST_TURN_SECONDS = 8.0
    FORGET_AFTER_SECONDS = 900.0

    def __init__(
        self,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sleep = sleep
        self._now = now
        # username -> (failures in a row, when its next turn starts or it last failed)
        self._failures: dict[str, tuple[int, float]] = {}

    async def wait_turn(self, username: str) -> None:
        """Wait for the username's next turn, if it has failed too often."""
        now = self._now()
        failures, next_turn = self._failures.get(username, (0, now))
        if now - next_turn > self.FORGET_AFTER_SECONDS:
            self._failures.pop(username, None)
            return
        if failures < self.FREE_FAILURES:
            return
        turn = min(
            self.LONGEST_TURN_SECONDS,
            self.FIRST_TURN_SECONDS * 2 ** (failures - self.FREE_FAILURES),
        )
        start = max(now, next_turn)
        self._failures[username] = (failures, start + turn)
        if start > now:
            await self._sleep(start - now)

    def failed(self, username: str) -> None:
        """Count a failed login."""
        if len(self._failures) >= CACHE_SIZE and username not in self._failures:
            self._failures.pop(next(iter(self._failures)))
        now = self._now()
        failures, next_turn = self._failures.get(username, (0, now))
        # The next turn stands; a failure after it is what a quiet quarter hour counts from.
        self._failures[username] = (failures + 1, max(next_turn, now))

    def succeeded(self, username: str) -> None:
        """Forget the failures of a user who logged in."""
        self._failures.pop(username, None)


@dataclass(slots=True)
class _Remembered:
    principal: Principal
    idle_expires_at: int | None
    lifespan_expires_at: int | None
    checked_at: float
    # The security epoch read before the rows were: the entry holds while it does.
    epoch: int


class Sessions:
    """Creates, checks and ends sessions; remembers checked ones per process.

    A session lives in the database, so every process knows it, and logging out or a
    password change ends it everywhere: both bump the security epoch, and a remembered
    session holds only while the epoch it was read in stands (as credentials do).
    """

    def __init__(self, *, settings: Settings, authenticator: Authenticator, clock: Clock) -> None:
        self.throttle = LoginThrottle()
        self._authenticator = authenticator
        self._clock = clock
        self._ttl = settings.auth_cache_seconds
        self._idle_timeout = _milliseconds(settings.session_idle_timeout_seconds)
        self._lifespan = _milliseconds(settings.session_lifespan_seconds)
        # Kibana moves the idle expiry with every request; stored, it moves at most once a
        # minute (or a tenth of a short timeout), not one write per request.
        self._extend_step = min(60_000, (self._idle_timeout or 0) // 10)
        secure = settings.secure_cookies or settings.ssl_enabled
        same_site = settings.same_site_cookies
        self._attributes = (
            "; HttpOnly; Path=/"
            + (f"; SameSite={same_site}" if same_site else "")
            + ("; Secure" if secure else "")
        )
        self.clear_cookie = f"{COOKIE_NAME}=; {_EXPIRED_COOKIE}{self._attributes}"
        self._remembered: dict[str, _Remembered] = {}

    def now(self) -> int:
        """The current time in epoch milliseconds, as session expiries are kept."""
        return int(self._clock.now().timestamp() * 1000)

    def cookie(self, value: str) -> str:
        """The `Set-Cookie` value that keeps a session in the browser (for this browser's life)."""
        return f"{COOKIE_NAME}={value}{self._attributes}"

    async def login(
        self, db: Database, *, username: str, password: str, previous: str | None
    ) -> str:
        """A new session for a user's password (or Elasticsearch's 401): its cookie's value."""
        await self.throttle.wait_turn(username)
        try:
            principal, password_hash = await self._authenticator.verify_password(
                db, username=username, password=password
            )
        except Unauthorized:
            self.throttle.failed(username)
            raise
        self.throttle.succeeded(username)
        value = secrets.token_urlsafe(32)
        now = self.now()
        async with db.transaction() as tx:
            # A login always makes a new session id: one known before it opens nothing.
            if previous is not None:
                await self._end(tx, session_id(previous))
            await store.delete_expired_sessions(
                tx, now=now, idle_grace=3 * (self._idle_timeout or 0)
            )
            await store.insert_session(
                tx,
                store.SessionRecord(
                    id=session_id(value),
                    username=principal.username,
                    provider_type=SESSION_PROVIDER[0],
                    provider_name=SESSION_PROVIDER[1],
                    password_stamp=password_stamp(password_hash),
                    idle_expires_at=_after(now, self._idle_timeout),
                    lifespan_expires_at=_after(now, self._lifespan),
                    created_at=now,
                ),
            )
        return value

    async def logout(self, db: Database, cookie: str | None) -> None:
        """End the session of `cookie` on every process (nothing when there is none)."""
        if cookie is not None:
            async with db.transaction() as tx:
                await self._end(tx, session_id(cookie))

    async def _end(self, tx: Executor, key: str) -> None:
        self._remembered.pop(key, None)
        if await tx.fetch_one("SELECT 1 FROM sessions WHERE id = :id", {"id": key}):
            await store.delete_session(tx, key)

    def remembered(self, db: Database, cookie: str) -> Principal | None:
        """The principal of a session checked in the current security epoch, or None.

        No I/O: None also when the session's idle expiry is due to be moved (which writes).
        """
        entry = self._remembered.get(session_id(cookie))
        if (
            entry is None
            or entry.epoch != db.known_security_epoch()
            or time.monotonic() - entry.checked_at >= self._ttl
        ):
            return None
        now = self.now()
        if entry.lifespan_expires_at is not None and entry.lifespan_expires_at <= now:
            return None
        if entry.idle_expires_at is not None and (
            entry.idle_expires_at + self._extend_step - (self._idle_timeout or 0) <= now
        ):
            return None
        return entry.principal

    async def authenticate(self, db: Database, cookie: str, *, extend: bool) -> Principal:
        """The principal of a session cookie, or 401 (and the cookie cleared)."""
        epoch = await db.security_epoch()
        key = session_id(cookie)
        found = await store.get_session(db, key)
        self._remembered.pop(key, None)
        if found is None:
            raise SessionEnded("UNEXPECTED_SESSION_ERROR", self.clear_cookie)
        session, user = found
        now = self.now()
        reason: SessionErrorReason | None = None
        if session.lifespan_expires_at is not None and session.lifespan_expires_at <= now:
            reason = "SESSION_LIFESPAN_TIMEOUT"
        elif session.idle_expires_at is not None and session.idle_expires_at <= now:
            reason = "SESSION_IDLE_TIMEOUT"
        if reason is not None or (
            not user.enabled or session.password_stamp != password_stamp(user.password_hash)
        ):
            async with db.transaction() as tx:
                await store.delete_session(tx, key)
            if reason is not None:
                raise SessionEnded(reason, self.clear_cookie)
            # Kibana's basic provider authenticates the session's user again, and passes on
            # Elasticsearch's refusal of a changed password or a disabled user.
            error = refusal("basic", user.username, challenge=False)
            error.headers["set-cookie"] = self.clear_cookie
            raise error
        idle_expires_at = session.idle_expires_at
        if extend and idle_expires_at is not None and self._idle_timeout is not None:
            moved = now + self._idle_timeout
            if moved - idle_expires_at >= self._extend_step:
                await store.extend_session(db, key, idle_expires_at=moved)
                idle_expires_at = moved
        principal = Principal(
            username=user.username,
            full_name=user.full_name,
            email=user.email,
            roles=tuple(user.roles),
            enabled=user.enabled,
            metadata=user.metadata,
            profile_uid=user.profile_uid,
            authentication_type="session",
            session_id=key,
        )
        if len(self._remembered) >= CACHE_SIZE:
            self._remembered.pop(next(iter(self._remembered)))
        self._remembered[key] = _Remembered(
            principal=principal,
            idle_expires_at=idle_expires_at,
            lifespan_expires_at=session.lifespan_expires_at,
            checked_at=time.monotonic(),
            epoch=epoch,
        )
        return principal


def _milliseconds(seconds: float | None) -> int | None:
    # Kibana: a timeout of null or 0 is no timeout.
    return int(seconds * 1000) if seconds else None


def _after(now: int, span: int | None) -> int | None:
    return None if span is None else now + span
