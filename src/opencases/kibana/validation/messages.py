"""Kibana's messages: io-ts's and config-schema's texts for an Issue, limits, exactCheck's keys."""

from __future__ import annotations

import re
import typing
from typing import Any, get_args, get_origin

import msgspec

from opencases.kibana.validation.javascript import (
    JS_WHITESPACE,
    UNDEFINED,
    js_keys,
    js_length,
    js_number,
    js_string,
    js_type,
    json_stringify,
)
from opencases.kibana.validation.rules import Issue, Items, Style, Text


def io_ts_message(issue: Issue) -> str:
    """io-ts's text for an Issue (its own message, or formatErrors' `Invalid value`)."""
    if issue.message:
        return issue.message
    # formatErrors keeps the context keys for which `Number.isInteger(+key)` is false.
    keys = [k for k in issue.path if isinstance(k, str) and not _is_integer_key(k)]
    return f'Invalid value "{js_string(issue.value)}" supplied to "{",".join(keys)}"'


def _is_integer_key(key: str) -> bool:
    number = js_number(key)
    return number is not None and float(number).is_integer()


def config_schema_message(issue: Issue, where: str) -> str:
    """config-schema's text for an Issue, prefixed with its path under `where`."""
    # An empty `where` validates a value on its own (a connector's config): `[apiUrl]`.
    path = ".".join(str(k) for k in ((where, *issue.path) if where else issue.path))
    if issue.message:
        return f"[{path}]: {issue.message}"
    if issue.expected == "object":
        found = js_type(issue.value)
        return f"[{path}]: expected a plain object value, but found [{found}] instead."
    return f"[{path}]: expected value of type [{issue.expected}] but got [{js_type(issue.value)}]"


# --- limits -----------------------------------------------------------------


def size_message(rule: Items, style: Style) -> typing.Callable[[int], str | None]:
    """Kibana's limitedArraySchema: the message of an array size out of bounds."""
    minimum, maximum, field = rule.min, rule.max, rule.field

    def message(size: int) -> str | None:
        if size < minimum:
            if style == "config-schema":
                return f"array size is [{size}], but cannot be smaller than [{minimum}]"
            return (
                f"The length of the field {field} is too short. "
                f"Array must be of length >= {minimum}."
            )
        if maximum is not None and size > maximum:
            if style == "config-schema":
                return f"array size is [{size}], but cannot be greater than [{maximum}]"
            return (
                f"The length of the field {field} is too long. "
                f"Array must be of length <= {maximum}."
            )
        return None

    return message


def text_message(rule: Text, style: Style) -> typing.Callable[[str], str | None]:
    """Kibana's limitedString / regexString: the message of the first limit a string fails."""
    minimum, maximum, trim = rule.min, rule.max, rule.trim
    pattern = None if rule.pattern is None else re.compile(rule.pattern)

    def mismatch(value: str) -> str:
        return rule.pattern_message or f"value [{value}] does not match pattern {rule.pattern}"

    if style == "config-schema":

        def sized(value: str) -> str | None:
            length = js_length(value)
            if length < minimum:
                return (
                    f"value has length [{length}] but it must have a minimum length of [{minimum}]."
                )
            if maximum is not None and length > maximum:
                return (
                    f"value has length [{length}] but it must have a maximum length of [{maximum}]."
                )
            if pattern is not None and not pattern.fullmatch(value):
                return mismatch(value)
            return None

        return sized
    empty = f"The {rule.field} field cannot be an empty string."
    too_short = f"The length of the {rule.field} is too short. The minimum length is {minimum}."
    too_long = f"The length of the {rule.field} is too long. The maximum length is {maximum}."

    def limited(value: str) -> str | None:
        measured = value.strip(JS_WHITESPACE) if trim else value
        length = len(measured) if measured.isascii() else js_length(measured)
        if length == 0 and minimum > 0:
            return empty
        if length < minimum:
            return too_short
        if maximum is not None and length > maximum:
            return too_long
        if pattern is not None and not pattern.fullmatch(value):
            return mismatch(value)
        return None

    return limited


def expected_name(tp: Any) -> str:
    """The name a missing or mistyped value of `tp` is reported with (`string`, `object`...)."""
    if get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if tp is str:
        return "string"
    if tp is bool:
        return "boolean"
    if tp in (int, float):
        return "number"
    if get_origin(tp) is list:
        return "array"
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return "object"
    return "value"


# --- io-ts exactCheck -------------------------------------------------------


def find_differences(original: Any, decoded: Any) -> list[str]:
    """Kibana's findDifferencesRecursive: keys of `original` that decoding dropped."""
    if decoded is None and original is None:
        return []
    if decoded is None or decoded is UNDEFINED:
        return [json_stringify(original)]
    if not isinstance(original, dict | list):
        return []
    keys: list[Any] = (
        list(range(len(original))) if isinstance(original, list) else js_keys(original)
    )
    differences: list[str] = []
    for key in keys:
        found = _has(decoded, key)
        if not found:
            differences.append(str(key))
        child = original[key]
        if isinstance(child, dict | list):
            differences.extend(find_differences(child, _get(decoded, key) if found else UNDEFINED))
    # Kibana's findDifferencesRecursive does not de-duplicate.
    return differences


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and key < len(container)


def _get(container: Any, key: Any) -> Any:
    return container[key]
