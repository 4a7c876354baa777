"""What Kibana's connector code gets from JavaScript, axios and lodash, for decoded JSON values.

Kibana builds URLs, titles and dates from external answers with `String(x)`, `${x}`,
`Number(x)` and `new Date(x).toISOString()`, reads answers as axios hands them over
(and checks them with its axios utilities) and checks URLs with WHATWG's `new URL()`;
the texts users see depend on those details.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from opencases.connectors.errors import ConnectorError
from opencases.connectors.outbound import OutboundResponse
from opencases.kibana.time import Clock, format_time, parse_time
from opencases.kibana.validation import (
    UNDEFINED,
    is_ascii_digits,
    js_keys,
    js_number,
    js_string,
    json_stringify,
)


def js_string_coercion(value: Any) -> str:
    """`String(value)` or `${value}` in JavaScript: objects `[object Object]`, arrays joined.

    Unlike `kibana.validation.js_string` (which writes objects as JSON, for messages), this
    is the text JavaScript itself makes, as in URLs and messages Kibana builds from answers.
    """
    if isinstance(value, str):
        return value
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join(
            "" if item is None or item is UNDEFINED else js_string_coercion(item) for item in value
        )
    return js_string(value)


def js_number_coercion(value: Any) -> int | float | None:
    """`Number(value)` in JavaScript for any JSON value, None standing for NaN (JSON's null).

    Strings go through `kibana.validation.js_number`, JavaScript's reading of numeric text.
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(value, str):
        return js_number(value)
    if isinstance(value, list):
        return js_number_coercion(js_string_coercion(value))
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def js_iso_date(value: Any) -> str:
    """`new Date(value).toISOString()` for milliseconds or an ISO string.

    ConnectorError `Invalid time value` (JavaScript's RangeError) for anything else.
    """
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Date drops the fraction of a millisecond.
            return format_time(_EPOCH + timedelta(milliseconds=int(value)))
        if isinstance(value, str):
            moment = parse_time(value)
            return format_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (ValueError, OverflowError):
        pass
    raise ConnectorError("Invalid time value")


def js_date_now(clock: Clock) -> int:
    """`Date.now()` by `clock`: milliseconds since the epoch."""
    return (clock.now() - _EPOCH) // timedelta(milliseconds=1)


def encode_uri_component(value: str) -> str:
    """JavaScript's `encodeURIComponent`."""
    return quote(value, safe="-_.!~*'()")


def axios_data(content: bytes) -> Any:
    """A response body as axios hands it over: parsed JSON, else the text as it came."""
    text = content.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def is_empty(value: Any) -> bool:
    """lodash's `isEmpty` for a decoded JSON value."""
    if isinstance(value, str | list | dict):
        return len(value) == 0
    return True


def check_response(
    response: OutboundResponse, data: Any, *, method: str, url: str, required: tuple[str, ...] = ()
) -> None:
    """Kibana's `throwIfResponseIsNotValid`: ConnectorError unless `data` is JSON with `required`.

    `data` is the response's axios data; a 204 passes unchecked, whatever it holds.
    """
    if response.status == 204:
        return
    content_type = response.headers.get("content-type", "undefined")
    if "application/json" not in content_type:
        raise ConnectorError(
            f"Unsupported content type: {content_type} in {method} {url}. "
            "Supported content types: application/json"
        )
    if not is_empty(data) and not isinstance(data, dict | list):
        raise ConnectorError("Response is not a valid JSON")
    missing = ConnectorError(
        f"Response is missing at least one of the expected fields: {','.join(required)}"
    )
    for name in required:
        if data is None:
            # Kibana reads `data[name]` unguarded.
            raise ConnectorError(f"Cannot read properties of null (reading '{name}')")
        if not isinstance(data, dict) or name not in data:
            raise missing


# --- URLs ----------------------------------------------------------------------

_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_FORBIDDEN_HOST = re.compile(r"[\s#%/:<>?@\[\\\]^|]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parses_as_url(value: str) -> bool:
    """Whether WHATWG's `new URL(value)` (Node's) accepts `value`, for the cases Kibana meets."""
    text = value.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10 ")
    # WHATWG drops tabs and newlines inside a URL and percent-encodes other controls; the
    # URL is sent as written here, where a control character could split the request line.
    if _CONTROL.search(text):
        return False
    match = _SCHEME.match(text)
    if match is None:
        return False
    scheme = match.group()[:-1].lower()
    if scheme not in _SPECIAL_SCHEMES:
        return True
    rest = text[match.end() :].lstrip("/\\")
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    host_and_port = authority.rpartition("@")[2]
    if host_and_port.startswith("["):
        return host_and_port.find("]") > 1
    host, _, port = host_and_port.partition(":")
    if not host or _FORBIDDEN_HOST.search(host):
        return False
    return port == "" or (is_ascii_digits(port) and int(port) <= 65535)


def url_problem(url: str) -> str | None:
    """What Kibana's `assertURL` says of `url` (None when it is an http(s) URL with a host)."""
    if not parses_as_url(url):
        return "Invalid URL"
    parts = urlsplit(url.strip())
    if not parts.hostname:
        return "URL must contain hostname"
    if parts.scheme.lower() not in ("http", "https"):
        return "Invalid protocol"
    return None


_DOUBLE_SLASHES = re.compile(r"([^:]/)/+")


def normalize_url(url: str) -> str:
    """Kibana's URL clean-up: no trailing slash, `//` collapsed (except after the scheme)."""
    return _DOUBLE_SLASHES.sub(r"\1", url.removesuffix("/"))


def js_truthy(value: Any) -> bool:
    """JavaScript's truthiness of a decoded JSON value (`[]` and `{}` are true)."""
    if value is UNDEFINED:
        return False
    if isinstance(value, list | dict):
        return True
    return bool(value)


def is_number(value: Any) -> bool:
    """lodash's `isNumber` for a decoded JSON value."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def js_spread(value: Any) -> dict[str, Any]:
    """The own keys `{...value}` copies: an object's, a string's or an array's indices."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str | list):
        return {str(index): item for index, item in enumerate(value)}
    return {}


def json_indented(value: Any, depth: int = 0) -> str:
    """`JSON.stringify(value, null, 2)` for a decoded JSON value."""
    inner = "  " * (depth + 1)
    if isinstance(value, list) and value:
        items = [inner + json_indented(item, depth + 1) for item in value]
    elif isinstance(value, dict) and value:
        items = [
            f"{inner}{json.dumps(key, ensure_ascii=False)}: {json_indented(value[key], depth + 1)}"
            for key in js_keys(value)
        ]
    else:
        return json_stringify(value)
    opening, closing = ("[", "]") if isinstance(value, list) else ("{", "}")
    return opening + "\n" + ",\n".join(items) + "\n" + "  " * depth + closing


def same_value(option: Any, given: Any) -> bool:
    """JavaScript's `===` between an option's value (a number or a string) and a given value."""
    if isinstance(option, str):
        return isinstance(given, str) and option == given
    return is_number(given) and option == given
