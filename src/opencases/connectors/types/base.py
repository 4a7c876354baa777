"""What every connector type provides: its schemas, its validators and its executor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, TypeVar

import msgspec

from opencases.connectors.errors import HostNotAllowed, SchemaError, ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.config_schema import Schema
from opencases.kibana.errors import BadRequest
from opencases.kibana.time import Clock
from opencases.kibana.validation import validate

JsonObject = dict[str, Any]
License = Literal["basic", "standard", "gold", "platinum", "enterprise", "trial"]
S = TypeVar("S", bound=msgspec.Struct)

# config-schema's `schema.nullable(x)` is `oneOf([x, literal(null)])`, and reports both
# members when a value fails; `Literal[None]` (not `None`) keeps that second member.
Null = Literal[None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorResult:
    """What an executor returns; the framework adds `connector_id`."""

    status: Literal["ok", "error"] = "ok"
    data: Any = msgspec.UNSET
    message: str | msgspec.UnsetType = msgspec.UNSET
    service_message: str | msgspec.UnsetType = msgspec.UNSET
    retry: bool | str | msgspec.UnsetType = msgspec.UNSET
    error_source: Literal["user", "framework"] | msgspec.UnsetType = msgspec.UNSET


class AccessTokens(Protocol):
    """Where a connector keeps its OAuth access token between runs (Kibana's connector_token)."""

    async def get(self) -> str | None:
        """The kept token, unless there is none or it has expired."""
        ...

    async def put(self, token: str, *, expires_at: datetime) -> None:
        """Keep a token just received, valid until `expires_at`."""
        ...

    async def delete(self) -> None:
        """Forget the kept token (the external system refused it, or may have)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """One execution of a connector: its stored values and the validated params."""

    connector_id: str
    connector_name: str
    config: JsonObject
    secrets: JsonObject
    params: JsonObject
    http: Outbound
    # What "now" is for the run (pushed dates, retry times, token lifetimes).
    clock: Clock
    # None where tokens cannot be kept (no encryption key): each run asks for its own.
    tokens: AccessTokens | None = None


def check(tp: type[S], value: Any) -> S:
    """`value` as `tp`, or ValidationFailed with config-schema's message (`[apiUrl]: ...`)."""
    try:
        return validate(tp, value, style="config-schema", where="")
    except BadRequest as exc:
        raise ValidationFailed(exc.message) from None


def as_json(value: msgspec.Struct) -> JsonObject:
    """A validated struct as the JSON object Kibana keeps (defaults filled in)."""
    result: JsonObject = msgspec.to_builtins(value)
    return result


def with_object_defaults(params: JsonObject) -> JsonObject:
    """The params with an absent `subActionParams` / `incident` read as `{}`.

    config-schema gives an object whose keys are all optional a default of `{}`, so
    Kibana validates (and reports) the missing object's fields rather than the object.
    """
    filled = dict(params)
    sub_params = filled.setdefault("subActionParams", {})
    if isinstance(sub_params, dict) and "incident" not in sub_params:
        filled["subActionParams"] = {**sub_params, "incident": {}}
    return filled


def validate_push_params(params_struct: type[msgspec.Struct], params: JsonObject) -> JsonObject:
    """The params of a type whose one sub-action is pushToService, with defaults filled in."""
    # A `schema.literal` in a config-schema object: the missing tag is reported first.
    if "subAction" not in params:
        raise ValidationFailed(
            "[subAction]: expected value to equal [pushToService] but got [undefined]"
        )
    return as_json(check(params_struct, with_object_defaults(params)))


def ensure_url_allowed(http: Outbound, url: str, *, prefix: str = "") -> None:
    """ValidationFailed with allowedHosts' message (after `prefix`) unless `url` is allowed."""
    try:
        http.ensure_url_allowed(url)
    except HostNotAllowed as exc:
        raise ValidationFailed(f"{prefix}{exc}") from None


def validate_schema(schema: Schema, value: JsonObject) -> JsonObject:
    """`value` as the config-schema `schema` gives it back; ValidationFailed with its message."""
    try:
        validated: JsonObject = schema.validate(value)
    except SchemaError as error:
        raise ValidationFailed(str(error)) from None
    return validated


class ConnectorType:
    """A connector type as Kibana registers it. Subclasses set the class attributes."""

    id: ClassVar[str]
    name: ClassVar[str]
    minimum_license_required: ClassVar[License]
    supported_feature_ids: ClassVar[tuple[str, ...]]
    # Most types have one config struct holding the one URL they call, and one secrets
    # struct: they declare them and the validators below serve; the others override these.
    config_struct: ClassVar[type[msgspec.Struct]]
    secrets_struct: ClassVar[type[msgspec.Struct]]
    url_field: ClassVar[str] = "apiUrl"
    # Kibana's types word a URL outside allowedHosts in one of two ways.
    url_refused_prefix: ClassVar[str] = "error configuring connector action: "

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        """The config with its defaults filled in; ValidationFailed when refused."""
        validated = check(self.config_struct, config)
        url = getattr(validated, self.url_field)
        ensure_url_allowed(http, url, prefix=self.url_refused_prefix)
        return as_json(validated)

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        """The secrets with their defaults filled in; ValidationFailed when refused."""
        return as_json(check(self.secrets_struct, secrets))

    def validate_connector(self, config: JsonObject, secrets: JsonObject) -> None:
        """Rules across config and secrets together; ValidationFailed when refused."""

    def validate_params(self, params: JsonObject) -> JsonObject:
        """The execution params with their defaults; ValidationFailed when refused."""
        raise NotImplementedError

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Run the connector; raise ConnectorError for a failure Kibana reports as thrown."""
        raise NotImplementedError


class PushComment(msgspec.Struct, kw_only=True):
    """A case comment to push (`comments[]` of pushToService)."""

    comment: str
    commentId: str
