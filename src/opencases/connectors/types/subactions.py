"""Kibana's sub-action framework: what IBM Resilient and TheHive are built on.

A sub-action connector is executed with `{subAction, subActionParams}`; the named sub-action
validates its own params and calls the external system through `SubActionService.request`,
which words failures as Kibana does (`Status code: 401. Message: ...`). Case connectors add
the `pushToService` sub-action (create or update an incident, then add comments).

Sub-action params and external responses are checked with the `@kbn/config-schema` types
Kibana declares for them (`Schema` below): their failure texts end up inside execute
results (`Request validation failed (Error: [incident.name]: ...)`), including
config-schema's `types that failed validation` for nullable values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from opencases.connectors.outbound import Outbound, OutboundError, url_not_allowed
from opencases.connectors.types.base import (
    ConnectorError,
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    ValidationFailed,
)
from opencases.kibana.validation import UNDEFINED, js_number, js_string

# --- @kbn/config-schema, as far as sub-actions use it ------------------------

Path = tuple[str | int, ...]


class SchemaError(Exception):
    """A value config-schema refuses; `str()` is config-schema's message."""

    def __init__(self, path: Path, message: str, causes: tuple[SchemaError, ...] = ()) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.causes = causes

    def describe(self, level: int = 0) -> str:
        """The message with its path, and a union's failed members indented below it."""
        text = self.message + "".join(
            f"\n{' ' * level}- {cause.describe(level + 1)}" for cause in self.causes
        )
        if not self.path:
            return text
        return f"[{'.'.join(str(key) for key in self.path)}]: {text}"

    def __str__(self) -> str:
        return self.describe()


def type_name(value: Any) -> str:
    """config-schema's name for a value's type (`typeDetect`)."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "Array"
    return "Object"


class Schema:
    """A config-schema type: `validate` returns the value with defaults, or SchemaError."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        """`value` (UNDEFINED when absent) as this type."""
        raise NotImplementedError


def _wrong_type(path: Path, expected: str, value: Any) -> SchemaError:
    return SchemaError(path, f"expected value of type [{expected}] but got [{type_name(value)}]")


class String(Schema):
    """`schema.string()`."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        if not isinstance(value, str):
            raise _wrong_type(path, "string", value)
        return value


class Number(Schema):
    """`schema.number()`: numeric strings are read as numbers, as Joi converts them."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        number = value
        if isinstance(value, str) and value.strip():
            number = js_number(value)
        if not isinstance(number, int | float) or isinstance(number, bool):
            raise _wrong_type(path, "number", value)
        # JSON `6.0` is the number 6 to JavaScript.
        return int(number) if isinstance(number, float) and number.is_integer() else number


class Boolean(Schema):
    """`schema.boolean()`: `"true"` and `"false"` are read as booleans, as Joi converts them."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise _wrong_type(path, "boolean", value)
        return value


class AnyValue(Schema):
    """`schema.any()`."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        if value is UNDEFINED:
            raise _wrong_type(path, "any", value)
        return value


@dataclass(frozen=True, slots=True)
class ArrayOf(Schema):
    """`schema.arrayOf(item)`."""

    item: Schema

    def validate(self, value: Any, path: Path = ()) -> Any:
        if not isinstance(value, list):
            raise _wrong_type(path, "array", value)
        return [self.item.validate(element, (*path, i)) for i, element in enumerate(value)]


@dataclass(frozen=True, slots=True)
class RecordOf(Schema):
    """`schema.recordOf(schema.string(), value)`."""

    value: Schema

    def validate(self, value: Any, path: Path = ()) -> Any:
        if not isinstance(value, dict):
            raise _wrong_type(path, "object", value)
        return {key: self.value.validate(item, (*path, key)) for key, item in value.items()}


@dataclass(frozen=True, slots=True)
class Nullable(Schema):
    """`schema.nullable(inner)`: a union of `inner` and null that defaults to null."""

    inner: Schema

    def validate(self, value: Any, path: Path = ()) -> Any:
        if value is UNDEFINED or value is None:
            return None
        try:
            # config-schema reports a union member's failure under the member's index.
            return self.inner.validate(value, (*path, 0))
        except SchemaError as error:
            not_null = SchemaError((*path, 1), "expected value to equal [null]")
            raise SchemaError(path, "types that failed validation:", (error, not_null)) from None


@dataclass(frozen=True, slots=True)
class Object(Schema):
    """`schema.object(fields, {unknowns})`: absent means `{}`, a string is parsed as JSON."""

    fields: Mapping[str, Schema]
    unknowns: Literal["forbid", "allow", "ignore"] = "forbid"

    def validate(self, value: Any, path: Path = ()) -> Any:
        if value is UNDEFINED:
            value = {}
        elif isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise SchemaError(path, "could not parse object value from json input") from None
        if not isinstance(value, dict):
            found = type_name(value)
            raise SchemaError(path, f"expected a plain object value, but found [{found}] instead.")
        validated = {
            key: schema.validate(value.get(key, UNDEFINED), (*path, key))
            for key, schema in self.fields.items()
        }
        if self.unknowns == "forbid":
            for key in value:
                if key not in self.fields:
                    raise SchemaError((*path, key), "definition for this key is missing")
        # Joi keeps the keys in the order they were sent; defaults come after them.
        result: JsonObject = {}
        for key, item in value.items():
            if key in validated:
                result[key] = validated[key]
            elif self.unknowns == "allow":
                result[key] = item
        for key, item in validated.items():
            if key not in result and item is not UNDEFINED:
                result[key] = item
        return result


# --- JavaScript semantics the sub-actions rely on ------------------------------


def js_text(value: Any) -> str:
    """`String(value)` or `${value}` in JavaScript, for a JSON value."""
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join("" if item is None else js_text(item) for item in value)
    return js_string(value)


def js_to_number(value: Any) -> int | float | None:
    """`Number(value)` in JavaScript, None standing for NaN (which JSON writes as null)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(value, str):
        return js_number(value)
    if isinstance(value, list):
        return js_to_number(js_text(value))
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_from_millis(millis: int | float) -> str:
    """`new Date(millis).toISOString()`."""
    try:
        moment = _EPOCH + timedelta(milliseconds=int(millis))
    except OverflowError:
        raise ConnectorError("Invalid time value") from None
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def now_millis() -> int:
    """`Date.now()`."""
    return (datetime.now(UTC) - _EPOCH) // timedelta(milliseconds=1)


# --- the service: one connector's calls to its external system -----------------


@dataclass(frozen=True, slots=True)
class SubAction:
    """A sub-action a service registers: its params schema and what runs it."""

    name: str
    schema: Schema
    run: Callable[[JsonObject], Awaitable[Any]]


_VALID_PROTOCOLS = ("http", "https")
_SPECIAL_SCHEMES = ("http", "https", "ws", "wss", "ftp")


def _assert_url(url: str) -> None:
    """Kibana's assertURL: what `new URL(url)` refuses, then a hostname and http(s)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ConnectorError("Invalid URL") from None
    if not parts.scheme or (parts.scheme in _SPECIAL_SCHEMES and not parts.hostname):
        raise ConnectorError("Invalid URL")
    if not parts.hostname:
        raise ConnectorError("URL must contain hostname")
    if parts.scheme not in _VALID_PROTOCOLS:
        raise ConnectorError("Invalid protocol")


_DOUBLE_SLASHES = re.compile(r"([^:]/)/+")


def normalize_url(url: str) -> str:
    """The URL without a trailing slash and with `//` collapsed (except after the scheme)."""
    return _DOUBLE_SLASHES.sub(r"\1", url.removesuffix("/"))


def body_of(content: bytes) -> Any:
    """A response body as axios gives it: parsed JSON, else the text as it came."""
    text = content.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class SubActionService:
    """One execution's view of an external system: Kibana's `SubActionConnector`."""

    def __init__(self, execution: Execution) -> None:
        self.config = execution.config
        self.secrets = execution.secrets
        self.http: Outbound = execution.http
        self.sub_actions: dict[str, SubAction] = {}

    def register(
        self, name: str, schema: Schema, run: Callable[[JsonObject], Awaitable[Any]]
    ) -> None:
        """Make `name` a sub-action of this connector."""
        self.sub_actions[name] = SubAction(name, schema, run)

    def response_error_message(self, error: OutboundError) -> str:
        """The type's words for a failed call (`getResponseErrorMessage`)."""
        raise NotImplementedError

    async def request(
        self,
        method: str,
        url: str,
        *,
        response_schema: Schema,
        data: JsonObject | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Call the external system; the validated response body, or ConnectorError."""
        _assert_url(url)
        if not self.http.is_url_allowed(url):
            raise ConnectorError(f"error configuring connector action: {url_not_allowed(url)}")
        try:
            # Kibana sends `{}` when there is nothing to send, GET requests included.
            response = await self.http.request(
                method,
                normalize_url(url),
                headers=headers,
                json_body=data or {},
                params=params,
            )
        except OutboundError as error:
            # Kibana keeps axios's error and rewrites its message.
            status = "undefined" if error.response is None else error.response.status
            message = self.response_error_message(error)
            raise ConnectorError(f"Status code: {status}. Message: {message}") from None
        try:
            return response_schema.validate(body_of(response.content))
        except SchemaError as error:
            raise ConnectorError(f"Response validation failed (Error: {error})") from None


# --- case connectors: pushToService -------------------------------------------

COMMENTS = Nullable(ArrayOf(Object({"comment": String(), "commentId": String()})))


def push_schema(incident_fields: Mapping[str, Schema]) -> Object:
    """The params of `pushToService` for a case connector's incident fields."""
    incident = Object({**incident_fields, "externalId": Nullable(String())})
    return Object({"incident": incident, "comments": COMMENTS})


class CaseService(SubActionService):
    """A service that pushes cases as incidents: Kibana's `CaseConnector`."""

    incident_fields: ClassVar[Mapping[str, Schema]]

    def __init__(self, execution: Execution) -> None:
        super().__init__(execution)
        self.register("pushToService", push_schema(self.incident_fields), self.push_to_service)

    async def create_incident(self, incident: JsonObject) -> JsonObject:
        """Create an incident; `{id, title, url, pushedDate}`."""
        raise NotImplementedError

    async def update_incident(self, incident_id: str, incident: JsonObject) -> JsonObject:
        """Update an incident; `{id, title, url, pushedDate}`."""
        raise NotImplementedError

    async def add_comment(self, incident_id: str, comment: str) -> None:
        """Add a comment to an incident."""
        raise NotImplementedError

    async def push_to_service(self, params: JsonObject) -> JsonObject:
        """Create the incident (or update it when it has an external id), then comment."""
        incident = dict(params["incident"])
        external_id = incident.pop("externalId", None)
        if external_id is not None:
            pushed = await self.update_incident(external_id, incident)
        else:
            pushed = await self.create_incident(incident)
        comments = params.get("comments")
        if comments:
            pushed["comments"] = []
            for comment in comments:
                await self.add_comment(pushed["id"], comment["comment"])
                # Kibana reports the incident's push time for every comment.
                pushed["comments"].append(
                    {"commentId": comment["commentId"], "pushedDate": pushed["pushedDate"]}
                )
        return pushed


# --- the connector type ---------------------------------------------------------

# Kibana's params schema for every sub-action connector; each sub-action checks its own.
PARAMS = Object(
    {"subAction": String(), "subActionParams": Object({}, unknowns="allow")},
)


class SubActionConnectorType(ConnectorType):
    """A connector type run by the sub-action framework."""

    def service(self, execution: Execution) -> SubActionService:
        """The service that runs this execution's sub-actions."""
        raise NotImplementedError

    def validate_params(self, params: JsonObject) -> JsonObject:
        """`{subAction, subActionParams}`; the sub-action's own params are checked later."""
        try:
            validated: JsonObject = PARAMS.validate(params)
        except SchemaError as error:
            raise ValidationFailed(str(error)) from None
        return validated

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Run the named sub-action with its validated params."""
        service = self.service(execution)
        name = execution.params["subAction"]
        sub_action = service.sub_actions.get(name)
        if sub_action is None:
            raise ConnectorError(
                f'Sub action "{name}" is not registered. Connector id: {execution.connector_id}.'
                f" Connector name: {self.name}. Connector type: {self.id}"
            )
        try:
            params = sub_action.schema.validate(execution.params["subActionParams"])
        except SchemaError as error:
            raise ConnectorError(f"Request validation failed (Error: {error})", user=True) from None
        data = await sub_action.run(params)
        return ExecutorResult(data={} if data is None else data)
