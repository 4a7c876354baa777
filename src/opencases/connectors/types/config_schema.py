"""Kibana's `@kbn/config-schema`, as far as connector params and responses use it.

Connector types declare their sub-action params (and some external responses) with
config-schema, and its failure texts reach the user inside execute results. The types
here reproduce those texts: a `oneOf` lists every failed member under its index, nested
unions indented; `nullable` is a `oneOf` with `literal(null)`; an absent object counts as
`{}`; a string given for an object or record is read as JSON.

Use these for schemas declared as data and evaluated at runtime, as Kibana's connector
types declare sub-action params and responses; values declared as msgspec Structs (request
bodies, queries, connector config and secrets) go through `opencases.kibana.validation`'s
`validate(..., style="config-schema")`, which neither nests unions nor reads JSON strings.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from opencases.connectors.errors import SchemaError
from opencases.kibana.validation import UNDEFINED, js_keys, js_number, js_string, js_type

Path = tuple[str | int, ...]
# config-schema's `validate` option: a message when the value is refused, else None.
Rule = Callable[[Any], str | None]


def keys_allowed(field: str, disallowed: tuple[str, ...]) -> Rule:
    """Kibana's validateKeysAllowed: a free-form record's keys may not be the incident's own."""

    def rule(key: str) -> str | None:
        if key in disallowed:
            return f"The following properties cannot be defined inside {field}: {key}."
        return None

    return rule


def record_max_keys(field: str, maximum: int) -> Rule:
    """Kibana's validateRecordMaxKeys: a free-form record has at most `maximum` keys."""

    def rule(record: dict[str, Any]) -> str | None:
        if len(record) > maximum:
            return f"A maximum of {maximum} fields in {field} can be defined at a time."
        return None

    return rule


class Schema:
    """A config-schema type: `validate` returns the value with defaults, or SchemaError."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        """`value` (UNDEFINED when absent) as this type."""
        raise NotImplementedError


def _wrong_type(path: Path, expected: str, value: Any) -> SchemaError:
    return SchemaError(path, f"expected value of type [{expected}] but got [{js_type(value)}]")


def _refused_by(rule: Rule | None, value: Any, path: Path) -> None:
    message = rule(value) if rule else None
    if message:
        raise SchemaError(path, message)


def _from_json(value: Any, path: Path, kind: str) -> Any:
    """A string given for an object, record or array, parsed as JSON."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise SchemaError(path, f"could not parse {kind} value from json input") from None


@dataclass(frozen=True, slots=True)
class String(Schema):
    """`schema.string({validate})`."""

    rule: Rule | None = None

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        if not isinstance(value, str):
            raise _wrong_type(path, "string", value)
        _refused_by(self.rule, value, path)
        return value


class Number(Schema):
    """`schema.number()`: numeric strings are read as numbers, as Joi converts them."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
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
        """The value as this schema reads it, or SchemaError at `path`."""
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise _wrong_type(path, "boolean", value)
        return value


@dataclass(frozen=True, slots=True)
class Literal(Schema):
    """`schema.literal(expected)`."""

    expected: Any

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        expected = self.expected
        if value is UNDEFINED or type(value) is not type(expected) or value != expected:
            raise SchemaError(path, f"expected value to equal [{js_string(expected)}]")
        return value


class AnyValue(Schema):
    """`schema.any()`: any value, but a value."""

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        if value is UNDEFINED:
            raise _wrong_type(path, "any", value)
        return value


@dataclass(frozen=True, slots=True)
class ArrayOf(Schema):
    """`schema.arrayOf(item)`; with `from_json`, a string is read as JSON.

    Newer config-schema reads a string given for an array as JSON; the generation the
    sub-action connectors follow refuses it as a string.
    """

    item: Schema
    from_json: bool = False

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        if self.from_json:
            value = _from_json(value, path, "array")
        if not isinstance(value, list):
            raise _wrong_type(path, "array", value)
        return [self.item.validate(element, (*path, i)) for i, element in enumerate(value)]


@dataclass(frozen=True, slots=True)
class RecordOf(Schema):
    """`schema.recordOf(key, value, {validate})`."""

    key: Schema
    value: Schema
    rule: Rule | None = None

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        record = _from_json(value, path, "record")
        if not isinstance(record, dict):
            raise _wrong_type(path, "object", record)
        result = {}
        for name in js_keys(record):
            self.key.validate(name, (*path, f'key("{name}")'))
            result[name] = self.value.validate(record[name], (*path, name))
        _refused_by(self.rule, record, path)
        return result


@dataclass(frozen=True, slots=True)
class Object(Schema):
    """`schema.object(fields, {unknowns})`."""

    fields: Mapping[str, Schema]
    unknowns: typing.Literal["forbid", "allow", "ignore"] = "forbid"

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        # An absent object is `{}`: its own required keys are then reported.
        value = {} if value is UNDEFINED else _from_json(value, path, "object")
        if not isinstance(value, dict):
            found = js_type(value)
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
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key in validated:
                result[key] = validated[key]
            elif self.unknowns == "allow":
                result[key] = item
        for key, item in validated.items():
            if key not in result and item is not UNDEFINED:
                result[key] = item
        return result


class OneOf(Schema):
    """`schema.oneOf([members])`: the first member that accepts the value."""

    def __init__(self, *members: Schema) -> None:
        self.members = members

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        failures = []
        for index, member in enumerate(self.members):
            try:
                return member.validate(value, path)
            except SchemaError as error:
                # config-schema puts the member's index right after the union's own path,
                # in the member's error only: errors nested in it keep their paths.
                where = (*error.path[: len(path)], index, *error.path[len(path) :])
                failures.append(SchemaError(where, error.message, error.children))
        raise SchemaError(path, "types that failed validation:", tuple(failures))


class Nullable(OneOf):
    """`schema.nullable(inner)`: a oneOf of `inner` and `literal(null)` that defaults to null."""

    def __init__(self, inner: Schema) -> None:
        super().__init__(inner, Literal(None))

    def validate(self, value: Any, path: Path = ()) -> Any:
        """The value as this schema reads it, or SchemaError at `path`."""
        if value is UNDEFINED or value is None:
            return None
        return super().validate(value, path)


def sub_action_params(params_by_sub_action: Mapping[str, Schema]) -> OneOf:
    """Kibana's params schema for a connector with sub-actions, in Kibana's member order.

    A `oneOf` of `{subAction: literal(name), subActionParams}` objects, so a refusal
    lists every sub-action.
    """
    return OneOf(
        *(
            Object({"subAction": Literal(name), "subActionParams": params})
            for name, params in params_by_sub_action.items()
        )
    )
