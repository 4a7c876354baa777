"""Decode request bodies and queries into msgspec types with Kibana's validation messages.

Kibana validates with two libraries and OpenCases reproduces both:
- io-ts (the Cases APIs): every error is reported, as `Invalid value "<v>" supplied to
  "<path>"` or a codec's own message, joined with `,`; unknown keys at any depth are
  reported last, as `invalid keys "<k>"` (`exactCheck`).
- @kbn/config-schema (platform routes: spaces, security): the first error only, as
  `[request body.<path>]: <message>`.

The wire types are msgspec Structs; Kibana's limits ride on them as `Annotated` markers
(`Text`, `Items`, `SafeInteger`) that this module reads.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from opencases.kibana.errors import BadRequest

T = TypeVar("T")
Style = Literal["io-ts", "config-schema"]

MAX_SAFE_INTEGER = 2**53 - 1


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


@dataclass(frozen=True, slots=True)
class Text:
    """A string limit: Kibana's limitedString / regexString codecs."""

    field: str
    min: int = 0
    max: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    # io-ts measures the trimmed string; config-schema the string as sent.
    trim: bool = True


@dataclass(frozen=True, slots=True)
class Items:
    """An array length limit: Kibana's limitedArraySchema."""

    field: str
    min: int = 0
    max: int | None = None


@dataclass(frozen=True, slots=True)
class SafeInteger:
    """A JavaScript safe integer: |n| <= 2^53 - 1 and integral."""

    field: str


@dataclass(frozen=True, slots=True)
class Check:
    """A custom rule: `check(value)` returns None, a message, or (sub-path, message)."""

    check: typing.Callable[[Any], str | tuple[tuple[str | int, ...], str] | None]


@dataclass(slots=True)
class Issue:
    """One validation failure at a path."""

    path: tuple[str | int, ...]
    value: Any
    message: str | None = None
    expected: str | None = None


class RequestStruct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: strict, keyword-only."""


# --- value formatting -------------------------------------------------------

# What JavaScript's String.prototype.trim() removes (WhiteSpace and LineTerminator).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# A string JavaScript's Number() reads as a finite number (after trimming).
_JS_NUMERIC = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
)


def js_trim(value: str) -> str:
    """`value.trim()` as JavaScript does it."""
    return value.strip(JS_WHITESPACE)


def js_length(value: str) -> int:
    """`value.length` in JavaScript: UTF-16 code units, so an emoji counts 2."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def js_number(text: str) -> int | float | None:
    """`Number(text)` in JavaScript, or None where that is NaN or infinite."""
    text = js_trim(text)
    if not text:
        return 0
    if not _JS_NUMERIC.fullmatch(text):
        return None
    if text[:2].lower() in ("0x", "0o", "0b"):
        return int(text, 0)
    number = float(text)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) <= MAX_SAFE_INTEGER else number


def _js_number_string(value: float) -> str:
    # Number.prototype.toString(): the shortest round-tripping digits (as Python's repr),
    # laid out in fixed notation for exponents in [-7, 21) and scientific otherwise.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    # Position of the decimal point, counted from the first significant digit.
    point = len(digits) + exponent
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        e = point - 1
        head = digits[0] + (f".{digits[1:]}" if k > 1 else "")
        text = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _js_numeric_value(value: int | float) -> str:
    if isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER:
        return str(value)
    # JavaScript holds every number as a double.
    try:
        return _js_number_string(float(value))
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"


def _is_array_index(key: str) -> bool:
    return key.isdigit() and str(int(key)) == key and int(key) < 2**32 - 1


def json_stringify(value: Any) -> str:
    """`JSON.stringify(value)` for a decoded JSON value (integer-like keys first, as JS orders)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = _js_numeric_value(value)
        return "null" if text in ("NaN", "Infinity", "-Infinity") else text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(json_stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(key, ensure_ascii=False)}:{json_stringify(value[key])}"
                for key in js_keys(value)
            )
            + "}"
        )
    return json.dumps(value, ensure_ascii=False)


def js_keys(value: dict[str, Any]) -> list[str]:
    """`Object.keys(value)`: integer-like keys ascending, then the others in insertion order."""
    indices = sorted((key for key in value if _is_array_index(key)), key=int)
    return [*indices, *(key for key in value if not _is_array_index(key))]


def js_string(value: Any) -> str:
    """How JavaScript's String() would show a JSON value (objects as JSON.stringify)."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _js_numeric_value(value)
    if isinstance(value, dict | list):
        return json_stringify(value)
    return str(value)


def _js_type(value: Any) -> str:
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


# --- the walker -------------------------------------------------------------


@dataclass(slots=True)
class _Walk:
    style: Style
    issues: list[Issue]
    where: str = "request body"

    def fail(self, issue: Issue) -> None:
        self.issues.append(issue)
        if self.style == "config-schema":
            raise _Stop

    def value(self, value: Any, tp: Any, path: tuple[str | int, ...]) -> Any:
        """Check `value` against `tp`; return it pruned to the keys `tp` knows."""
        rules: tuple[Any, ...] = ()
        if get_origin(tp) is typing.Annotated:
            tp, *extras = get_args(tp)
            rules = tuple(extras)
        origin = get_origin(tp)

        if tp is Any or tp is object:
            return value
        if origin in (Union, types.UnionType):
            return self.union(value, get_args(tp), path, rules)
        if origin is Literal:
            allowed = get_args(tp)
            if not any(value == a and type(value) is type(a) for a in allowed):
                if self.style == "config-schema" and len(allowed) > 1:
                    return self.union(value, tuple(Literal[a] for a in allowed), path, ())
                message = None
                if self.style == "config-schema":
                    expected, got = js_string(allowed[0]), js_string(value)
                    message = f"expected value to equal [{expected}] but got [{got}]"
                self.fail(Issue(path, value, message))
            return value
        if tp is type(None):
            if value is not None:
                self.fail(Issue(path, value, expected="null"))
            return value
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            before = len(self.issues)
            pruned = self.struct(value, tp, path)
            if len(self.issues) == before:
                for rule in rules:
                    if isinstance(rule, Check):
                        self.custom(value, path, rule)
            return pruned
        if origin is list:
            return self.array(value, get_args(tp)[0], path, rules)
        if origin is dict:
            return self.mapping(value, get_args(tp)[1], path)
        if tp is str:
            return self.string(value, path, rules)
        if tp is bool:
            # config-schema reads "true" and "false" in a query string as booleans.
            if self.where == "request query" and value in ("true", "false"):
                return value
            if not isinstance(value, bool):
                self.fail(Issue(path, value, expected="boolean"))
            return value
        if tp is int:
            return self.integer(self.query_number(value), path, rules)
        if tp is float:
            value = self.query_number(value)
            if not isinstance(value, int | float) or isinstance(value, bool):
                self.fail(Issue(path, value, expected="number"))
            return value
        raise TypeError(f"validation does not know the type {tp!r}")

    def union(
        self, value: Any, members: tuple[Any, ...], path: tuple[str | int, ...], rules: Any
    ) -> Any:
        members = tuple(m for m in members if m is not msgspec.UnsetType)
        if self.style == "io-ts":
            return self.io_ts_union(value, members, path, rules)
        if value is None and type(None) in members:
            return None
        candidates = [m for m in members if m is not type(None)] or list(members)
        if len(candidates) == 1:
            return self.value(value, _annotate(candidates[0], rules), path)
        collected: list[Issue] = []
        for index, member in enumerate(candidates):
            attempt = _Walk(self.style, [], self.where)
            member_path = (*path, index) if self.style == "config-schema" else path
            with contextlib.suppress(_Stop):
                pruned = attempt.value(value, _annotate(member, rules), member_path)
            if not attempt.issues:
                return pruned
            collected.extend(attempt.issues)
        if self.style == "config-schema":
            lines = "".join(f"\n- {_config_schema_message(i, self.where)}" for i in collected)
            self.fail(Issue(path, value, f"types that failed validation:{lines}"))
        self.issues.extend(collected)
        return value

    def io_ts_union(
        self, value: Any, members: tuple[Any, ...], path: tuple[str | int, ...], rules: Any
    ) -> Any:
        """io-ts `union`: the first member that decodes wins, else every member's errors.

        Members are tried in declaration order and a `None` member fails like `rt.null`
        (`Invalid value "<v>" supplied to "<path>"`), so `X | None` reports X's message
        and then that one, as Kibana does. A union of tagged Structs is io-ts's tagged
        union: only the member named by the tag decodes, and an unknown tag (or a value
        that is not an object) is one error about the whole value.
        """
        tagged = _tagged_members(members)
        if tagged is not None:
            tag_field, by_tag = tagged
            tag = value.get(tag_field) if isinstance(value, dict) else None
            member = by_tag.get(tag) if isinstance(tag, str) else None
            if member is None:
                self.fail(Issue(path, value))
                return value
            return self.value(value, _annotate(member, rules), path)
        collected: list[Issue] = []
        for member in members:
            if member is type(None):
                if value is None:
                    return None
                collected.append(Issue(path, value, expected="null"))
                continue
            attempt = _Walk(self.style, [], self.where)
            pruned = attempt.value(value, _annotate(member, rules), path)
            if not attempt.issues:
                return pruned
            collected.extend(attempt.issues)
        self.issues.extend(collected)
        return value

    def struct(self, value: Any, tp: type[msgspec.Struct], path: tuple[str | int, ...]) -> Any:
        if not isinstance(value, dict):
            self.fail(Issue(path, value, expected="object"))
            return value
        pruned: dict[str, Any] = {}
        known = set()
        config = tp.__struct_config__
        if isinstance(config.tag_field, str):
            # A tagged Struct is one member of a union told apart by a literal field.
            key = config.tag_field
            known.add(key)
            tag = value.get(key, UNDEFINED)
            if tag != config.tag or not isinstance(tag, str):
                self.fail(Issue((*path, key), tag, expected=f"'{config.tag}'"))
            pruned[key] = tag
        for field in msgspec.structs.fields(tp):
            key = field.encode_name
            known.add(key)
            if key not in value:
                if field.required:
                    self.fail(Issue((*path, key), UNDEFINED, expected=_expected(field.type)))
                continue
            pruned[key] = self.value(value[key], field.type, (*path, key))
        if self.style == "config-schema":
            for key in value:
                if key not in known:
                    self.fail(Issue((*path, key), value[key], "definition for this key is missing"))
        return pruned

    def array(
        self, value: Any, item: Any, path: tuple[str | int, ...], rules: tuple[Any, ...]
    ) -> Any:
        if not isinstance(value, list):
            self.fail(Issue(path, value, expected="array"))
            return value
        before = len(self.issues)
        pruned = [self.value(element, item, (*path, i)) for i, element in enumerate(value)]
        if len(self.issues) > before:
            return pruned
        for rule in rules:
            if isinstance(rule, Items) and self.style == "config-schema":
                if len(value) < rule.min:
                    message = (
                        f"array size is [{len(value)}], but cannot be smaller than [{rule.min}]"
                    )
                    self.fail(Issue(path, value, message))
                elif rule.max is not None and len(value) > rule.max:
                    message = (
                        f"array size is [{len(value)}], but cannot be greater than [{rule.max}]"
                    )
                    self.fail(Issue(path, value, message))
            elif isinstance(rule, Items):
                if len(value) < rule.min:
                    self.fail(
                        Issue(
                            path,
                            value,
                            f"The length of the field {rule.field} is too short. "
                            f"Array must be of length >= {rule.min}.",
                        )
                    )
                elif rule.max is not None and len(value) > rule.max:
                    self.fail(
                        Issue(
                            path,
                            value,
                            f"The length of the field {rule.field} is too long. "
                            f"Array must be of length <= {rule.max}.",
                        )
                    )
            elif isinstance(rule, Check):
                self.custom(value, path, rule)
        return pruned

    def mapping(self, value: Any, item: Any, path: tuple[str | int, ...]) -> Any:
        if not isinstance(value, dict):
            self.fail(Issue(path, value, expected="object"))
            return value
        return {key: self.value(v, item, (*path, key)) for key, v in value.items()}

    def string(self, value: Any, path: tuple[str | int, ...], rules: tuple[Any, ...]) -> Any:
        if not isinstance(value, str):
            self.fail(Issue(path, value, expected="string"))
            return value
        for rule in rules:
            if isinstance(rule, Text):
                message = _text_message(value, rule, self.style)
                if message:
                    self.fail(Issue(path, value, message))
                    return value
            elif isinstance(rule, Check):
                self.custom(value, path, rule)
        return value

    def query_number(self, value: Any) -> Any:
        """A query string's numeric text as the number it names (config-schema coerces it)."""
        if self.where == "request query" and isinstance(value, str):
            number = js_number(value)
            return value if number is None else number
        return value

    def integer(self, value: Any, path: tuple[str | int, ...], rules: tuple[Any, ...]) -> Any:
        safe = next((r for r in rules if isinstance(r, SafeInteger)), None)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if safe is not None:
            if not is_number or not _is_safe_integer(value):
                message = (
                    f"The {safe.field} field should be an integer between -(2^53 - 1) "
                    "and 2^53 - 1, inclusive."
                )
                self.fail(Issue(path, value, message if is_number else None, "number"))
                return value
        elif not is_number or not math.isfinite(value) or not float(value).is_integer():
            self.fail(Issue(path, value, expected="number"))
            return value
        # JSON `1.0` is the number 1 to JavaScript.
        return int(value)

    def custom(self, value: Any, path: tuple[str | int, ...], rule: Check) -> None:
        result = rule.check(value)
        if isinstance(result, tuple):
            self.fail(Issue((*path, *result[0]), value, result[1]))
        elif result:
            self.fail(Issue(path, value, result))


class _Stop(Exception):
    """config-schema stops at the first error."""


def _tagged_members(members: tuple[Any, ...]) -> tuple[str, dict[str, Any]] | None:
    """(tag field, member by tag) when every member is a Struct tagged on one field."""
    by_tag: dict[str, Any] = {}
    fields = set()
    for member in members:
        if not (isinstance(member, type) and issubclass(member, msgspec.Struct)):
            return None
        config = member.__struct_config__
        if not isinstance(config.tag_field, str) or not isinstance(config.tag, str):
            return None
        fields.add(config.tag_field)
        by_tag[config.tag] = member
    if len(fields) != 1 or len(by_tag) != len(members):
        return None
    return fields.pop(), by_tag


def _annotate(tp: Any, rules: tuple[Any, ...]) -> Any:
    return typing.Annotated[(tp, *rules)] if rules else tp


def _expected(tp: Any) -> str:
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


def _is_safe_integer(value: int | float) -> bool:
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return False
    return abs(value) <= MAX_SAFE_INTEGER


def _text_message(value: str, rule: Text, style: Style) -> str | None:
    if style == "config-schema":
        length = js_length(value)
        if length < rule.min:
            return f"value has length [{length}] but it must have a minimum length of [{rule.min}]."
        if rule.max is not None and length > rule.max:
            return f"value has length [{length}] but it must have a maximum length of [{rule.max}]."
    else:
        length = js_length(js_trim(value) if rule.trim else value)
        if length == 0 and rule.min > 0:
            return f"The {rule.field} field cannot be an empty string."
        if length < rule.min:
            return f"The length of the {rule.field} is too short. The minimum length is {rule.min}."
        if rule.max is not None and length > rule.max:
            return f"The length of the {rule.field} is too long. The maximum length is {rule.max}."
    if rule.pattern is not None and not re.fullmatch(rule.pattern, value):
        return rule.pattern_message or f"value [{value}] does not match pattern {rule.pattern}"
    return None


# --- io-ts exactCheck -------------------------------------------------------


def _differences(original: Any, decoded: Any) -> list[str]:
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
            differences.extend(_differences(child, _get(decoded, key) if found else UNDEFINED))
    # Kibana's findDifferencesRecursive does not de-duplicate.
    return differences


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and key < len(container)


def _get(container: Any, key: Any) -> Any:
    return container[key]


# --- messages ---------------------------------------------------------------


def _io_ts_message(issue: Issue) -> str:
    if issue.message:
        return issue.message
    # formatErrors keeps the context keys for which `Number.isInteger(+key)` is false.
    keys = [k for k in issue.path if isinstance(k, str) and not _is_integer_key(k)]
    return f'Invalid value "{js_string(issue.value)}" supplied to "{",".join(keys)}"'


def _is_integer_key(key: str) -> bool:
    number = js_number(key)
    return number is not None and float(number).is_integer()


def _config_schema_message(issue: Issue, where: str) -> str:
    path = ".".join(str(k) for k in (where, *issue.path))
    if issue.message:
        return f"[{path}]: {issue.message}"
    if issue.expected == "object":
        found = _js_type(issue.value)
        return f"[{path}]: expected a plain object value, but found [{found}] instead."
    return f"[{path}]: expected value of type [{issue.expected}] but got [{_js_type(issue.value)}]"


# --- entry points -----------------------------------------------------------


def validate(tp: type[T], value: Any, *, style: Style = "io-ts", where: str = "request body") -> T:
    """`value` (decoded JSON) as `tp`, or BadRequest with Kibana's message."""
    walk = _Walk(style, [], where)
    pruned = None
    with contextlib.suppress(_Stop):
        pruned = walk.value(value, tp, ())
    if walk.issues:
        if style == "config-schema":
            raise BadRequest(_config_schema_message(walk.issues[0], where))
        messages = dict.fromkeys(_io_ts_message(issue) for issue in walk.issues)
        raise BadRequest(",".join(messages))
    if style == "io-ts":
        differences = _differences(value, pruned)
        if differences:
            raise BadRequest(f'invalid keys "{",".join(differences)}"')
    try:
        # The walked value: numbers normalised as JavaScript reads them.
        return msgspec.convert(pruned, tp, strict=where != "request query")
    except msgspec.ValidationError as exc:
        raise BadRequest(str(exc)) from exc


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


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or Kibana's 400 for bad JSON or a non-object."""
    invalid = BadRequest("Invalid request payload JSON format")
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
    if not isinstance(value, dict):
        found = _js_type(value)
        raise BadRequest(
            f"[request body]: expected a plain object value, but found [{found}] instead."
        )
    # PostgreSQL cannot store U+0000 in text or jsonb; it is refused on both databases alike.
    if b"\\u0000" in raw and _has_nul(value):
        raise BadRequest(NUL_MESSAGE)
    return value


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


def as_mapping(value: Any) -> Mapping[str, Any]:
    """The builtins form of a Struct (for responses)."""
    result: Mapping[str, Any] = msgspec.to_builtins(value)
    return result
