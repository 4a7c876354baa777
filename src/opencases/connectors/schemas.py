"""Wire types of the Actions (connectors) API, named as Kibana names them.

Kibana validates these bodies with @kbn/config-schema: `config`, `secrets` and `params` are
`recordOf(string, any)` and report `expected value of type [object] but got [<type>]`, and
every string in `name`, `connector_type_id`, `config` and `secrets` must not be blank
(`validateEmptyStrings`: `value '' is not valid`). The records are typed `Any` here and
checked by `record()`, which words their errors as config-schema's recordOf does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import Check, RequestStruct, js_trim, js_type

_OBJECT = msgspec.Meta(extra_json_schema={"type": "object", "additionalProperties": True})
JsonObjectField = Annotated[Any, _OBJECT]
# For the OpenAPI document: what `record()` and `_not_blank` check (ECMAScript's \S is a
# character that JavaScript's trim() keeps).
_REQUIRED = msgspec.Meta(extra={"required": True})
_NOT_BLANK = msgspec.Meta(extra_json_schema={"pattern": r"\S"})

BLANK = "value '' is not valid"


def _has_blank(value: Any) -> bool:
    """Kibana's validateEmptyStrings: a string that trims to nothing, at any depth."""
    if isinstance(value, str):
        return js_trim(value) == ""
    if isinstance(value, list):
        return any(_has_blank(item) for item in value)
    if isinstance(value, dict):
        return any(_has_blank(item) for item in value.values())
    return False


def _not_blank(value: Any) -> str | None:
    return BLANK if _has_blank(value) else None


def record(
    value: Any, field: str, *, required: bool = False, no_blanks: bool = True
) -> dict[str, Any]:
    """A `recordOf(string, any)` body field: the object (`{}` when left out), or Kibana's 400."""
    if value is UNSET and not required:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(
            f"[request body.{field}]: expected value of type [object] but got [{js_type(value)}]"
        )
    if no_blanks:
        for key, item in value.items():
            if _has_blank(item):
                raise BadRequest(f"[request body.{field}.{key}]: {BLANK}")
    return value


class ConnectorRequest(RequestStruct, kw_only=True):
    """Body of POST /api/actions/connector[/{id}]."""

    name: Annotated[str, Check(_not_blank), _NOT_BLANK]
    connector_type_id: Annotated[str, Check(_not_blank), _NOT_BLANK]
    config: JsonObjectField = UNSET
    secrets: JsonObjectField = UNSET


class ConnectorUpdateRequest(RequestStruct, kw_only=True):
    """Body of PUT /api/actions/connector/{id}: a full replace, without the type."""

    name: Annotated[str, Check(_not_blank), _NOT_BLANK]
    config: JsonObjectField = UNSET
    secrets: JsonObjectField = UNSET


class ExecuteRequest(RequestStruct, kw_only=True):
    """Body of POST /api/actions/connector/{id}/_execute."""

    params: Annotated[JsonObjectField, _REQUIRED] = UNSET


class ConnectorTypesQuery(RequestStruct, kw_only=True):
    """Query of GET /api/actions/connector_types."""

    feature_id: str | UnsetType = UNSET


class Connector(msgspec.Struct, kw_only=True):
    """A connector as Kibana answers it (transformConnectorResponse); never its secrets.

    Preconfigured connectors have neither `config` nor `is_missing_secrets`.
    """

    id: str
    name: str
    config: dict[str, Any] | UnsetType = UNSET
    connector_type_id: str
    is_preconfigured: bool
    is_deprecated: bool
    is_missing_secrets: bool | UnsetType = UNSET
    is_system_action: bool = False


class ConnectorWithCount(msgspec.Struct, kw_only=True):
    """An item of GET /api/actions/connectors: a connector and how many objects use it."""

    id: str
    name: str
    config: dict[str, Any] | UnsetType = UNSET
    connector_type_id: str
    is_preconfigured: bool
    is_deprecated: bool
    referenced_by_count: int
    is_missing_secrets: bool | UnsetType = UNSET
    is_system_action: bool = False


class ConnectorTypeInfo(msgspec.Struct, kw_only=True):
    """An item of GET /api/actions/connector_types."""

    id: str
    name: str
    enabled: bool
    enabled_in_config: bool
    enabled_in_license: bool
    minimum_license_required: str
    supported_feature_ids: list[str]
    is_system_action_type: bool = False
    is_deprecated: bool = False


class ExecuteResult(msgspec.Struct, kw_only=True):
    """The body of a run connector (Kibana's ActionTypeExecutorResult)."""

    connector_id: str
    status: Literal["ok", "error"]
    message: str | UnsetType = UNSET
    service_message: str | UnsetType = UNSET
    data: Any = UNSET
    retry: bool | str | UnsetType = UNSET
    errorSource: Literal["user", "framework"] | UnsetType = UNSET
