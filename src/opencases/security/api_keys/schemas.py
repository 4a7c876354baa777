"""Wire types of Kibana's API key routes."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import RequestStruct, Text

# For the OpenAPI document: the service reads `expiration` as Elasticsearch reads a time
# value (a whole number and a unit, as in `30d`; it also takes a few more spellings).
_TIME_VALUE = msgspec.Meta(extra_json_schema={"pattern": "^[0-9]{1,9}(nanos|micros|ms|s|m|h|d)$"})


class ApiKeyRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/security/api_key."""

    name: Annotated[str, Text("name", min=1, max=256, trim=False)]
    expiration: Annotated[str, Text("expiration", max=64, trim=False), _TIME_VALUE] | UnsetType = (
        UNSET
    )
    role_descriptors: dict[str, Any] | UnsetType = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET


class ApiKeyCreated(msgspec.Struct, kw_only=True):
    """A new API key: the only answer that carries its secret."""

    id: str
    name: str
    api_key: str
    encoded: str
    expiration: int | UnsetType = UNSET


class ApiKey(msgspec.Struct, kw_only=True):
    """An API key as listed (never its secret)."""

    id: str
    name: str
    type: str
    creation: int
    invalidated: bool
    username: str
    realm: str
    metadata: dict[str, Any]
    expiration: int | UnsetType = UNSET


class ApiKeyList(msgspec.Struct, kw_only=True):
    """GET /internal/security/api_key."""

    apiKeys: list[ApiKey]
    canManageCrossClusterApiKeys: bool
    canManageApiKeys: bool
    canManageOwnApiKeys: bool


class ApiKeyReference(RequestStruct, kw_only=True):
    """An API key named in an invalidate request."""

    id: str
    name: str


class InvalidateRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/security/api_key/invalidate."""

    apiKeys: list[ApiKeyReference]
    isAdmin: bool


class InvalidateError(msgspec.Struct, kw_only=True):
    """One key that could not be invalidated."""

    id: str
    name: str
    error: dict[str, Any]


class InvalidateResult(msgspec.Struct, kw_only=True):
    """What POST /internal/security/api_key/invalidate answers."""

    itemsInvalidated: list[ApiKeyReference]
    errors: list[InvalidateError]
