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
import functools
import json
import math
import re
import types
import typing
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


D = TypeVar("D")


def given(value: T | msgspec.UnsetType, default: D) -> T | D:
    """A request field's value, or `default` when the request left it out."""
    return default if value is msgspec.UNSET else value


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
    if value.isascii():
        return len(value)
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


def js_type(value: Any) -> str:
    """config-schema's name for a decoded JSON value's type (`typeDetect`)."""
    if value is UNDEFINED or value is msgspec.UNSET:
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
# Each type is compiled once into a node: a closure that holds what the type asks (rules,
# fields, tags), checks a value, records its Issues and returns the value pruned to the
# keys the type knows. Introspecting the type once, not for every value, is the point.

_Path = tuple[str | int, ...]
_Node = typing.Callable[[Any, _Path, list[Issue]], Any]
_Fail = typing.Callable[[list[Issue], Issue], None]


class _Stop(Exception):
    """config-schema stops at the first error."""


def _collect(issues: list[Issue], issue: Issue) -> None:
    issues.append(issue)


def _stop(issues: list[Issue], issue: Issue) -> None:
    issues.append(issue)
    raise _Stop


_FAIL: dict[str, _Fail] = {"io-ts": _collect, "config-schema": _stop}


def _accept(value: Any, path: _Path, issues: list[Issue]) -> Any:
    return value


def _compile(tp: Any, style: Style, where: str, rules: tuple[Any, ...] = ()) -> _Node:
    """The node checking values against `tp` (with `rules` added to its own)."""
    if get_origin(tp) is typing.Annotated:
        tp, *extras = get_args(tp)
        rules = (*extras, *rules)
    origin = get_origin(tp)
    fail = _FAIL[style]

    if tp is Any or tp is object:
        return _accept
    if origin in (Union, types.UnionType):
        return _union_node(get_args(tp), rules, style, where)
    if origin is Literal:
        return _literal_node(get_args(tp), style, where)
    if tp is type(None):

        def null(value: Any, path: _Path, issues: list[Issue]) -> Any:
            if value is not None:
                fail(issues, Issue(path, value, expected="null"))
            return value

        return null
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _checked_struct_node(tp, rules, style, where)
    if origin is list:
        return _array_node(get_args(tp)[0], rules, style, where)
    if origin is dict:
        return _mapping_node(get_args(tp)[1], style, where)
    if tp is str:
        return _string_node(rules, style)
    if tp is bool:
        return _boolean_node(style, where)
    if tp is int:
        return _integer_node(rules, style, where)
    if tp is float:
        return _float_node(style, where)

    def unknown(value: Any, path: _Path, issues: list[Issue]) -> Any:
        # Raised when a value reaches the type, as a walk without compiling would.
        raise TypeError(f"validation does not know the type {tp!r}")

    return unknown


def _union_node(
    members: tuple[Any, ...], rules: tuple[Any, ...], style: Style, where: str
) -> _Node:
    members = tuple(m for m in members if m is not msgspec.UnsetType)
    if style == "io-ts":
        return _io_ts_union_node(members, rules, style, where)
    fail = _FAIL[style]
    has_null = type(None) in members
    candidates = [m for m in members if m is not type(None)] or list(members)
    if len(candidates) == 1:
        only = _compile(candidates[0], style, where, rules)
        if not has_null:
            return only

        def nullable(value: Any, path: _Path, issues: list[Issue]) -> Any:
            return None if value is None else only(value, path, issues)

        return nullable
    nodes = [_compile(m, style, where, rules) for m in candidates]

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if value is None and has_null:
            return None
        collected: list[Issue] = []
        for index, node in enumerate(nodes):
            attempt: list[Issue] = []
            with contextlib.suppress(_Stop):
                pruned = node(value, (*path, index), attempt)
            if not attempt:
                return pruned
            collected.extend(attempt)
        lines = "".join(f"\n- {_config_schema_message(i, where)}" for i in collected)
        fail(issues, Issue(path, value, f"types that failed validation:{lines}"))
        return value

    return walk


def _io_ts_union_node(
    members: tuple[Any, ...], rules: tuple[Any, ...], style: Style, where: str
) -> _Node:
    """io-ts `union`: the first member that decodes wins, else every member's errors.

    Members are tried in declaration order and a `None` member fails like `rt.null`
    (`Invalid value "<v>" supplied to "<path>"`), so `X | None` reports X's message
    and then that one, as Kibana does. A union of tagged Structs is io-ts's tagged
    union: only the member named by the tag decodes, and an unknown tag (or a value
    that is not an object) is one error about the whole value.
    """
    tagged = _tagged_members(members)
    if tagged is not None:
        tag_field, members_by_tag = tagged
        by_tag = {tag: _compile(m, style, where, rules) for tag, m in members_by_tag.items()}

        def tagged_union(value: Any, path: _Path, issues: list[Issue]) -> Any:
            tag = value.get(tag_field) if isinstance(value, dict) else None
            member = by_tag.get(tag) if isinstance(tag, str) else None
            if member is None:
                issues.append(Issue(path, value))
                return value
            return member(value, path, issues)

        return tagged_union
    # None stands for the null member.
    nodes = [None if m is type(None) else _compile(m, style, where, rules) for m in members]
    if len(nodes) == 1 and nodes[0] is not None:
        # A failed value's pruned form is never read, so one member is the union.
        return nodes[0]
    # null decodes as null when no member before `rt.null` can raise on it: a member
    # that takes null returns it, and the others' issues are dropped.
    null_first = None in nodes and all(
        n is not None and _walks_null(n) for n in nodes[: nodes.index(None)]
    )

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if value is None and null_first:
            return None
        # Every member's issues go to the list in order; a member that decodes drops them.
        before = len(issues)
        for node in nodes:
            if node is None:
                if value is None:
                    del issues[before:]
                    return None
                issues.append(Issue(path, value, expected="null"))
                continue
            tried = len(issues)
            pruned = node(value, path, issues)
            if len(issues) == tried:
                del issues[before:]
                return pruned
        return value

    return walk


def _walks_null(node: _Node) -> bool:
    """Whether `node` returns on null: only a type validation does not know raises."""
    # Only Struct, array and string nodes run a Check, and they refuse null first.
    try:
        node(None, (), [])
    except Exception:
        return False
    return True


def _literal_node(allowed: tuple[Any, ...], style: Style, where: str) -> _Node:
    fail = _FAIL[style]
    choices = tuple((type(a), a) for a in allowed)
    if style == "config-schema" and len(allowed) > 1:
        one_of = _union_node(tuple(Literal[a] for a in allowed), (), style, where)

        def any_of(value: Any, path: _Path, issues: list[Issue]) -> Any:
            kind = type(value)
            if any(kind is t and value == a for t, a in choices):
                return value
            return one_of(value, path, issues)

        return any_of

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        kind = type(value)
        if not any(kind is t and value == a for t, a in choices):
            message = None
            if style == "config-schema":
                expected, got = js_string(allowed[0]), js_string(value)
                message = f"expected value to equal [{expected}] but got [{got}]"
            fail(issues, Issue(path, value, message))
        return value

    return walk


@functools.cache
def _struct_node(tp: type[msgspec.Struct], style: Style, where: str) -> _Node:
    """A Struct's node; its fields are compiled on first use (a Struct may hold itself)."""
    fail = _FAIL[style]
    config = tp.__struct_config__
    tag_field = config.tag_field if isinstance(config.tag_field, str) else None
    tag = config.tag
    # (encode name, node, required, expected) per field, then every key the Struct knows.
    fields: list[tuple[str, _Node, bool, str]] | None = None
    known: set[str] = set()

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        nonlocal fields
        if not isinstance(value, dict):
            fail(issues, Issue(path, value, expected="object"))
            return value
        pruned: dict[str, Any] = {}
        if tag_field is not None:
            found = value.get(tag_field, UNDEFINED)
            if found != tag or not isinstance(found, str):
                fail(issues, Issue((*path, tag_field), found, expected=f"'{tag}'"))
            pruned[tag_field] = found
        if fields is None:
            table = [
                (f.encode_name, _compile(f.type, style, where), f.required, _expected(f.type))
                for f in _fields(tp)
            ]
            known.update(key for key, *_ in table)
            if tag_field is not None:
                known.add(tag_field)
            fields = table
        for key, node, required, expected in fields:
            if key in value:
                pruned[key] = node(value[key], (*path, key), issues)
            elif required:
                fail(issues, Issue((*path, key), UNDEFINED, expected=expected))
        if style == "config-schema" and not known.issuperset(value):
            for key in value:
                if key not in known:
                    fail(
                        issues,
                        Issue((*path, key), value[key], "definition for this key is missing"),
                    )
        return pruned

    return walk


def _checked_struct_node(
    tp: type[msgspec.Struct], rules: tuple[Any, ...], style: Style, where: str
) -> _Node:
    struct = _struct_node(tp, style, where)
    checks = [rule for rule in rules if isinstance(rule, Check)]
    if not checks:
        return struct
    fail = _FAIL[style]

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        before = len(issues)
        pruned = struct(value, path, issues)
        if len(issues) == before:
            for check in checks:
                _custom(value, path, issues, check, fail)
        return pruned

    return walk


def _array_node(item: Any, rules: tuple[Any, ...], style: Style, where: str) -> _Node:
    fail = _FAIL[style]
    node = _compile(item, style, where)
    # (size message, None) or (None, Check) per rule, in order.
    steps = [
        (_size_message(rule, style), None) if isinstance(rule, Items) else (None, rule)
        for rule in rules
        if isinstance(rule, Items | Check)
    ]

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if not isinstance(value, list):
            fail(issues, Issue(path, value, expected="array"))
            return value
        before = len(issues)
        pruned = [node(element, (*path, i), issues) for i, element in enumerate(value)]
        if len(issues) > before:
            return pruned
        for size, check in steps:
            if size is not None:
                message = size(len(value))
                if message:
                    fail(issues, Issue(path, value, message))
            elif check is not None:
                _custom(value, path, issues, check, fail)
        return pruned

    return walk


def _size_message(rule: Items, style: Style) -> typing.Callable[[int], str | None]:
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


def _mapping_node(item: Any, style: Style, where: str) -> _Node:
    fail = _FAIL[style]
    node = _compile(item, style, where)

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if not isinstance(value, dict):
            fail(issues, Issue(path, value, expected="object"))
            return value
        if node is _accept:
            return dict(value)
        return {key: node(v, (*path, key), issues) for key, v in value.items()}

    return walk


def _string_node(rules: tuple[Any, ...], style: Style) -> _Node:
    fail = _FAIL[style]
    # (Text message, None) or (None, Check) per rule, in order; a Text failure ends the walk.
    steps = [
        (_text_message(rule, style), None) if isinstance(rule, Text) else (None, rule)
        for rule in rules
        if isinstance(rule, Text | Check)
    ]
    if not steps:

        def plain(value: Any, path: _Path, issues: list[Issue]) -> Any:
            if not isinstance(value, str):
                fail(issues, Issue(path, value, expected="string"))
            return value

        return plain
    if len(steps) == 1 and steps[0][0] is not None:
        text = steps[0][0]

        def limited(value: Any, path: _Path, issues: list[Issue]) -> Any:
            if not isinstance(value, str):
                fail(issues, Issue(path, value, expected="string"))
                return value
            message = text(value)
            if message:
                fail(issues, Issue(path, value, message))
            return value

        return limited

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if not isinstance(value, str):
            fail(issues, Issue(path, value, expected="string"))
            return value
        for text, check in steps:
            if text is not None:
                message = text(value)
                if message:
                    fail(issues, Issue(path, value, message))
                    return value
            elif check is not None:
                _custom(value, path, issues, check, fail)
        return value

    return walk


def _text_message(rule: Text, style: Style) -> typing.Callable[[str], str | None]:
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


def _custom(
    value: Any,
    path: _Path,
    issues: list[Issue],
    rule: Check,
    fail: _Fail,
) -> None:
    result = rule.check(value)
    if isinstance(result, tuple):
        fail(issues, Issue((*path, *result[0]), value, result[1]))
    elif result:
        fail(issues, Issue(path, value, result))


def _boolean_node(style: Style, where: str) -> _Node:
    fail = _FAIL[style]
    # config-schema reads "true" and "false" in a query string as booleans.
    query = where == "request query"

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if query and value in ("true", "false"):
            return value
        if not isinstance(value, bool):
            fail(issues, Issue(path, value, expected="boolean"))
        return value

    return walk


def _query_number(value: Any) -> Any:
    """A query string's numeric text as the number it names (config-schema coerces it)."""
    if isinstance(value, str):
        number = js_number(value)
        return value if number is None else number
    return value


def _integer_node(rules: tuple[Any, ...], style: Style, where: str) -> _Node:
    fail = _FAIL[style]
    query = where == "request query"
    safe = next((r for r in rules if isinstance(r, SafeInteger)), None)
    unsafe = (
        None
        if safe is None
        else f"The {safe.field} field should be an integer between -(2^53 - 1) "
        "and 2^53 - 1, inclusive."
    )

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if query:
            value = _query_number(value)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if unsafe is not None:
            if not is_number or not _is_safe_integer(value):
                fail(issues, Issue(path, value, unsafe if is_number else None, "number"))
                return value
        elif not is_number or not math.isfinite(value) or not float(value).is_integer():
            fail(issues, Issue(path, value, expected="number"))
            return value
        # JSON `1.0` is the number 1 to JavaScript.
        return int(value)

    return walk


def _float_node(style: Style, where: str) -> _Node:
    fail = _FAIL[style]
    query = where == "request query"

    def walk(value: Any, path: _Path, issues: list[Issue]) -> Any:
        if query:
            value = _query_number(value)
        if not isinstance(value, int | float) or isinstance(value, bool):
            fail(issues, Issue(path, value, expected="number"))
        return value

    return walk


@functools.cache
def _fields(tp: type[msgspec.Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    # msgspec resolves the (string) annotations again on every call.
    return msgspec.structs.fields(tp)


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
    # An empty `where` validates a value on its own (a connector's config): `[apiUrl]`.
    path = ".".join(str(k) for k in ((where, *issue.path) if where else issue.path))
    if issue.message:
        return f"[{path}]: {issue.message}"
    if issue.expected == "object":
        found = js_type(issue.value)
        return f"[{path}]: expected a plain object value, but found [{found}] instead."
    return f"[{path}]: expected value of type [{issue.expected}] but got [{js_type(issue.value)}]"


# --- entry points -----------------------------------------------------------


def validate(tp: type[T], value: Any, *, style: Style = "io-ts", where: str = "request body") -> T:
    """`value` (decoded JSON) as `tp`, or BadRequest with Kibana's message."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        # The usual case: a Struct's node is cached, so `_compile` has nothing to do.
        node = _struct_node(tp, style, where)
    else:
        node = _compile(tp, style, where)
    issues: list[Issue] = []
    try:
        pruned = node(value, (), issues)
    except _Stop:
        pruned = None
    if issues:
        if style == "config-schema":
            raise BadRequest(_config_schema_message(issues[0], where))
        messages = dict.fromkeys(_io_ts_message(issue) for issue in issues)
        raise BadRequest(",".join(messages))
    # Nothing was dropped when the walked value equals the original (the common case).
    if style == "io-ts" and pruned != value:
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
        found = js_type(value)
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
