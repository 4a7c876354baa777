"""Decode request bodies and queries into msgspec types with Kibana's validation messages.

Kibana validates with two libraries and OpenCases reproduces both:
- io-ts (the Cases APIs): every error is reported, as `Invalid value "<v>" supplied to
  "<path>"` or a codec's own message, joined with `,`; unknown keys at any depth are
  reported last, as `invalid keys "<k>"` (`exactCheck`).
- @kbn/config-schema (platform routes: spaces, security): the first error only, as
  `[request body.<path>]: <message>`.

The wire types are msgspec Structs; Kibana's limits ride on them as `Annotated` markers
(`Text`, `Items`, `SafeInteger`) that this package reads. `validate(style="config-schema")`
is for values declared as Structs (platform request bodies and queries, connector config
and secrets); schemas Kibana's connector types declare as data and evaluate at runtime
(sub-action params, external responses: nested `oneOf`s, JSON strings read as objects)
go through `opencases.connectors.types.config_schema` instead.

Modules: `rules` (the markers, Issue, RequestStruct), `javascript` (JavaScript's view of
a JSON value), `messages` (both libraries' texts), `walker` (`validate`), `parsing` (the
raw body and query string).
"""

from opencases.kibana.validation.javascript import (
    JS_WHITESPACE,
    MAX_SAFE_INTEGER,
    UNDEFINED,
    is_ascii_digits,
    is_safe_integer,
    js_keys,
    js_length,
    js_number,
    js_string,
    js_trim,
    js_type,
    json_stringify,
)
from opencases.kibana.validation.parsing import (
    NUL_MESSAGE,
    parse_json_object,
    parse_json_value,
    query_values,
)
from opencases.kibana.validation.rules import (
    Check,
    Issue,
    Items,
    RequestStruct,
    SafeInteger,
    Style,
    Text,
    Untagged,
    given,
)
from opencases.kibana.validation.walker import validate

__all__ = [
    "JS_WHITESPACE",
    "MAX_SAFE_INTEGER",
    "NUL_MESSAGE",
    "UNDEFINED",
    "Check",
    "Issue",
    "Items",
    "RequestStruct",
    "SafeInteger",
    "Style",
    "Text",
    "Untagged",
    "given",
    "is_ascii_digits",
    "is_safe_integer",
    "js_keys",
    "js_length",
    "js_number",
    "js_string",
    "js_trim",
    "js_type",
    "json_stringify",
    "parse_json_object",
    "parse_json_value",
    "query_values",
    "validate",
]
