"""Kibana's login flow: the login's checks, where the browser goes, and what a session says."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from msgspec import UNSET

from opencases.db import Database
from opencases.kibana.errors import BadRequest, Unauthorized
from opencases.kibana.validation import validate
from opencases.security import store
from opencases.security.authentication import SESSION_PROVIDER, Principal
from opencases.security.login.schemas import (
    LoginParams,
    LoginRequest,
    LoginResponse,
    SessionInfo,
    SessionProvider,
)
from opencases.security.sessions import Sessions, next_url

# Kibana's provider types whose login takes a username and password.
_CREDENTIAL_PROVIDER_TYPES = ("basic", "token")
# Kibana's session UI may extend a session only while that leaves 5 minutes of its lifespan.
_EXTENSION_MARGIN_MS = 5 * 60_000


def login_params(request: LoginRequest) -> LoginParams | None:
    """Kibana's conditional `params`: credentials for basic and token logins, else none."""
    if request.providerType in _CREDENTIAL_PROVIDER_TYPES:
        params = {} if request.params is UNSET else request.params
        return validate(LoginParams, params, style="config-schema", where="request body.params")
    if request.params is not UNSET:
        raise BadRequest("[request body.params]: a value wasn't expected to be present")
    return None


async def login(
    *, db: Database, sessions: Sessions, request: LoginRequest, previous: str | None
) -> tuple[LoginResponse, str]:
    """Sign a user in: where the browser goes next, and the new session cookie's value."""
    params = login_params(request)
    if request.providerName != SESSION_PROVIDER[1] or params is None:
        # No provider of that name handles the attempt (OpenCases has Kibana's default one).
        raise Unauthorized(challenge=False)
    value = await sessions.login(
        db, username=params.username, password=params.password, previous=previous
    )
    return LoginResponse(location=next_url(request.currentURL)), value


def logged_out_url(query: Mapping[str, str]) -> str:
    """Kibana's basic provider's logged-out URL: its login page, with `next` and the reason."""
    values = {"next": query.get("next"), "msg": query.get("msg") or "LOGGED_OUT"}
    return "/login?" + urlencode({name: value for name, value in values.items() if value})


async def session_info(*, db: Database, principal: Principal, now: int) -> SessionInfo | None:
    """When the caller's session ends, as Kibana's session UI asks (None: no session)."""
    if principal.session_id is None:
        return None
    found = await store.get_session(db, principal.session_id)
    if found is None:
        return None
    session, _ = found
    idle, lifespan = session.idle_expires_at, session.lifespan_expires_at
    ends = [moment for moment in (idle, lifespan) if moment is not None]
    expires_at = min(ends) if ends else None
    info = SessionInfo(
        expiresInMs=None if expires_at is None else expires_at - now,
        canBeExtended=(
            idle is not None
            and expires_at is not None
            and (lifespan is None or expires_at + _EXTENSION_MARGIN_MS < lifespan)
        ),
        provider=SessionProvider(type=session.provider_type, name=session.provider_name),
    )
    if expires_at is not None:
        info.expirationReason = "idle" if expires_at == idle else "lifespan"
    return info
