"""Wire types of Kibana's user profile routes (the security plugin's `UserProfile`)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import Items, RequestStruct

# The security plugin's bulk get route takes at most this many uids.
MAX_BULK_GET_UIDS = 1000


class ProfileUser(msgspec.Struct, kw_only=True):
    """Who a profile belongs to; Kibana leaves out an email or a full name the user has not."""

    username: str
    email: str | UnsetType = UNSET
    full_name: str | UnsetType = UNSET


class UserProfile(msgspec.Struct, kw_only=True):
    """A user profile as Kibana's parseUserProfile answers it."""

    uid: str
    enabled: bool
    data: dict[str, Any]
    user: ProfileUser


class AuthenticationProvider(msgspec.Struct, kw_only=True):
    """The Kibana authentication provider of a request."""

    type: str
    name: str


class CurrentProfileUser(msgspec.Struct, kw_only=True):
    """The owner of the current profile, with what Elasticsearch knows of its security."""

    username: str
    email: str | UnsetType = UNSET
    full_name: str | UnsetType = UNSET
    roles: list[str]
    realm_name: str
    authentication_provider: AuthenticationProvider


class CurrentUserProfile(msgspec.Struct, kw_only=True):
    """GET /internal/security/user_profile: the caller's profile (GetUserProfileResponse)."""

    uid: str
    enabled: bool
    data: dict[str, Any]
    user: CurrentProfileUser
    labels: dict[str, str]


class BulkGetRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/security/user_profile/_bulk_get."""

    uids: Annotated[list[str], Items("uids", min=1, max=MAX_BULK_GET_UIDS)]
    dataPath: str | UnsetType = UNSET


class ProfileQuery(RequestStruct, kw_only=True):
    """Query of GET /internal/security/user_profile."""

    dataPath: str | UnsetType = UNSET
