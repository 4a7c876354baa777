"""Request bodies and query strings as hapi hands them to Kibana's validation."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from opencases.kibana.errors import BadRequest
from opencases.kibana.validation.javascript import js_type

# hapi parses bodies with @hapi/bourne, which refuses a `__proto__` key at any depth.
_SUSPECT_PROTO = re.compile(
    rb'"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])'
    rb'(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"'
)


def _has_proto_key(value: Any) -> bool:
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "__proto__" in node:
                return True
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


# Kibana's JSON parser takes any depth; every walk of a body here (validation, messages,
# storage) is recursive, so a body nested deeper than any Kibana API needs is refused first.
MAX_DEPTH = 100
DEPTH_MESSAGE = f"[request body]: nesting deeper than {MAX_DEPTH} levels is not allowed"


def _too_deep(raw: bytes) -> bool:
    """Whether the JSON text nests arrays and objects deeper than MAX_DEPTH."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False  # the common case, answered in C
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def parse_json(raw: bytes) -> Any:
    """The request body as hapi parses it (an empty one is null), or Kibana's 400 for bad JSON."""
    invalid = BadRequest("Invalid request payload JSON format")
    if _too_deep(raw):
        raise BadRequest(DEPTH_MESSAGE)
    try:
        # hapi reads an empty payload as null, and anything else as JSON.
        value = msgspec.json.decode(raw) if raw else None
    except (msgspec.DecodeError, UnicodeDecodeError):
        try:
            # hapi decodes the bytes as UTF-8 first: a malformed byte becomes U+FFFD.
            value = msgspec.json.decode(raw.decode("utf-8", "replace"))
        except msgspec.DecodeError:
            raise invalid from None
    if _SUSPECT_PROTO.search(raw) and _has_proto_key(value):
        raise invalid
    return value


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or Kibana's 400 for bad JSON or a non-object."""
    value = parse_json(raw)
    if not isinstance(value, dict):
        found = js_type(value)
        raise BadRequest(
            f"[request body]: expected a plain object value, but found [{found}] instead."
        )
    refuse_nul(raw, value)
    return value


def parse_json_value(raw: bytes) -> Any:
    """The request body as any JSON value (an array, ...), or Kibana's 400 for bad JSON."""
    value = parse_json(raw)
    refuse_nul(raw, value)
    return value


def refuse_nul(raw: bytes, value: Any) -> None:
    """Refuse U+0000 in a body's strings (PostgreSQL cannot store it; SQLite refuses it alike)."""
    if b"\\u0000" in raw and _has_nul(value):
        raise BadRequest(NUL_MESSAGE)


NUL_MESSAGE = "[request body]: the NUL character (\\u0000) is not allowed in strings"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def query_values(items: list[tuple[str, str]]) -> dict[str, Any]:
    """A query string as Kibana sees it: a repeated key becomes an array."""
    values: dict[str, Any] = {}
    for key, value in items:
        if key in values:
            existing = values[key]
            values[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[key] = value
    return values
