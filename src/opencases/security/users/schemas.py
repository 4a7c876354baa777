"""Wire types of Kibana's user routes and of the current user."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import Items, RequestStruct, Text

# For the OpenAPI document: the service refuses shorter passwords as Elasticsearch does
# (users.service.MIN_PASSWORD_LENGTH), after Kibana's own check of the body.
_PASSWORD_LENGTH = msgspec.Meta(extra_json_schema={"minLength": 6})


class UserRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/security/users/{username}: create or update a user."""

    username: Annotated[str, Text("username", min=1, max=1024, trim=False)]
    password: Annotated[str, Text("password", min=1, trim=False), _PASSWORD_LENGTH] | UnsetType = (
        UNSET
    )
    roles: Annotated[list[Annotated[str, Text("role", min=1, trim=False)]], Items("roles", max=100)]
    full_name: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET
    enabled: bool = True


class UserSaved(msgspec.Struct, kw_only=True):
    """What POST /internal/security/users/{username} answers: its body, without the password."""

    username: str
    roles: list[str]
    full_name: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET
    enabled: bool = True


class User(msgspec.Struct, kw_only=True):
    """A user, as Kibana's user routes answer it (never with a password)."""

    username: str
    email: str | None
    full_name: str | None
    roles: list[str]
    enabled: bool
    metadata: dict[str, Any]


class PasswordChangeRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/security/users/{username}/password."""

    password: Annotated[str, Text("password", min=1, trim=False)] | UnsetType = UNSET
    newPassword: Annotated[str, Text("newPassword", min=1, trim=False), _PASSWORD_LENGTH]


class Realm(msgspec.Struct, kw_only=True):
    """An Elasticsearch realm reference."""

    name: str
    type: str


class AuthenticationProvider(msgspec.Struct, kw_only=True):
    """Kibana's authentication provider reference."""

    type: str
    name: str


class CurrentUser(msgspec.Struct, kw_only=True):
    """GET /internal/security/me: the caller."""

    username: str
    roles: list[str]
    full_name: str | None
    email: str | None
    enabled: bool
    metadata: dict[str, Any]
    authentication_realm: Realm
    lookup_realm: Realm
    authentication_provider: AuthenticationProvider
    authentication_type: str
    elastic_cloud_user: bool
    profile_uid: str
