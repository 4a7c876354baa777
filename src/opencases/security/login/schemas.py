"""Wire types of Kibana's login and session routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import RequestStruct, Text


class LoginRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/security/login, as Kibana's login page sends it."""

    providerType: Annotated[str, Text("providerType", max=1024, trim=False)]
    providerName: Annotated[str, Text("providerName", max=1024, trim=False)]
    currentURL: Annotated[str, Text("currentURL", max=8192, trim=False)]
    # Checked against providerType by the service (config-schema's `conditional`).
    params: Any | UnsetType = UNSET


class LoginParams(RequestStruct, kw_only=True):
    """`params` of a `basic` or `token` login: the user's credentials."""

    username: Annotated[str, Text("username", min=1, max=1024, trim=False)]
    password: Annotated[str, Text("password", min=1, max=1024, trim=False)]


class LoginResponse(msgspec.Struct, kw_only=True):
    """What a login answers: where the browser goes next."""

    location: str


class SessionProvider(msgspec.Struct, kw_only=True):
    """The provider a session was made by."""

    type: str
    name: str


class SessionInfo(msgspec.Struct, kw_only=True):
    """GET /internal/security/session: when the caller's session ends."""

    expiresInMs: int | None
    canBeExtended: bool
    provider: SessionProvider
    expirationReason: Literal["idle", "lifespan"] | UnsetType = UNSET
