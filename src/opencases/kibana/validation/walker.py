"""The schema walker: a type compiled once into nodes that check a value and record Issues."""

from __future__ import annotations

import contextlib
import functools
import types
import typing
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from opencases.kibana.errors import BadRequest
from opencases.kibana.validation.javascript import UNDEFINED, js_string
from opencases.kibana.validation.messages import (
    config_schema_message,
    expected_name,
    find_differences,
    io_ts_message,
    size_message,
)
from opencases.kibana.validation.nodes import FAIL, Fail, Node, Path, Stop, accept, custom
from opencases.kibana.validation.rules import Check, Issue, Items, Style, Untagged
from opencases.kibana.validation.scalars import boolean_node, float_node, integer_node, string_node

T = TypeVar("T")


def _compile(tp: Any, style: Style, where: str, rules: tuple[Any, ...] = ()) -> Node:
    """The node checking values against `tp` (with `rules` added to its own)."""
    if get_origin(tp) is typing.Annotated:
        tp, *extras = get_args(tp)
        rules = (*extras, *rules)
    origin = get_origin(tp)
    if tp is Any or tp is object:
        return accept
    if origin in (Union, types.UnionType):
        return _union_node(get_args(tp), rules, style, where)
    if origin is Literal:
        return _literal_node(get_args(tp), style, where)
    scalar = _SCALAR_NODES.get(tp)
    if scalar is not None:
        return scalar(rules, style, where)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _checked_struct_node(tp, rules, style, where)
    if origin is list:
        return _array_node(get_args(tp)[0], rules, style, where)
    if origin is dict:
        return _mapping_node(get_args(tp)[1], style, where)

    def unknown(value: Any, path: Path, issues: list[Issue]) -> Any:
        # Raised when a value reaches the type, as a walk without compiling would.
        raise TypeError(f"validation does not know the type {tp!r}")

    return unknown


def _null_node(rules: tuple[Any, ...], style: Style, where: str) -> Node:
    """The node of `None`: only null."""
    fail = FAIL[style]

    def null(value: Any, path: Path, issues: list[Issue]) -> Any:
        if value is not None:
            fail(issues, Issue(path, value, expected="null"))
        return value

    return null


_SCALAR_NODES: dict[Any, typing.Callable[[tuple[Any, ...], Style, str], Node]] = {
    type(None): _null_node,
    str: lambda rules, style, where: string_node(rules, style),
    bool: lambda rules, style, where: boolean_node(style, where),
    int: integer_node,
    float: lambda rules, style, where: float_node(style, where),
}


def _union_node(members: tuple[Any, ...], rules: tuple[Any, ...], style: Style, where: str) -> Node:
    members = tuple(m for m in members if m is not msgspec.UnsetType)
    if style == "io-ts":
        return _io_ts_union_node(members, rules, style, where)
    fail = FAIL[style]
    has_null = type(None) in members
    candidates = [m for m in members if m is not type(None)] or list(members)
    if len(candidates) == 1:
        only = _compile(candidates[0], style, where, rules)
        if not has_null:
            return only

        def nullable(value: Any, path: Path, issues: list[Issue]) -> Any:
            return None if value is None else only(value, path, issues)

        return nullable
    nodes = [_compile(m, style, where, rules) for m in candidates]

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        if value is None and has_null:
            return None
        collected: list[Issue] = []
        for index, node in enumerate(nodes):
            attempt: list[Issue] = []
            with contextlib.suppress(Stop):
                pruned = node(value, (*path, index), attempt)
            if not attempt:
                return pruned
            collected.extend(attempt)
        lines = "".join(f"\n- {config_schema_message(i, where)}" for i in collected)
        fail(issues, Issue(path, value, f"types that failed validation:{lines}"))
        return value

    return walk


def _io_ts_union_node(
    members: tuple[Any, ...], rules: tuple[Any, ...], style: Style, where: str
) -> Node:
    """io-ts `union`: the first member that decodes wins, else every member's errors.

    Members are tried in declaration order and a `None` member fails like `rt.null`
    (`Invalid value "<v>" supplied to "<path>"`), so `X | None` reports X's message
    and then that one, as Kibana does. A union of tagged Structs is io-ts's tagged
    union: only the member named by the tag decodes, and an unknown tag (or a value
    that is not an object) is one error about the whole value.
    """
    tagged = None if any(isinstance(r, Untagged) for r in rules) else _tagged_members(members)
    if tagged is not None:
        tag_field, members_by_tag = tagged
        by_tag = {tag: _compile(m, style, where, rules) for tag, m in members_by_tag.items()}

        def tagged_union(value: Any, path: Path, issues: list[Issue]) -> Any:
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

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
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


def _walks_null(node: Node) -> bool:
    """Whether `node` returns on null: only a type validation does not know raises."""
    # Only Struct, array and string nodes run a Check, and they refuse null first.
    try:
        node(None, (), [])
    except Exception:
        return False
    return True


def _literal_node(allowed: tuple[Any, ...], style: Style, where: str) -> Node:
    fail = FAIL[style]
    choices = tuple((type(a), a) for a in allowed)
    if style == "config-schema" and len(allowed) > 1:
        one_of = _union_node(tuple(Literal[a] for a in allowed), (), style, where)

        def any_of(value: Any, path: Path, issues: list[Issue]) -> Any:
            kind = type(value)
            if any(kind is t and value == a for t, a in choices):
                return value
            return one_of(value, path, issues)

        return any_of

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
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
def _struct_node(tp: type[msgspec.Struct], style: Style, where: str) -> Node:
    """A Struct's node; its fields are compiled on first use (a Struct may hold itself)."""
    fail = FAIL[style]
    config = tp.__struct_config__
    tag_field = config.tag_field if isinstance(config.tag_field, str) else None
    tag = config.tag
    # Where the io-ts codec declares the tag: first, unless after the field `TAG_AFTER` names.
    tag_after = getattr(tp, "TAG_AFTER", None)
    # (encode name, node, required, expected) per field, then every key the Struct knows.
    fields: list[tuple[str, Node, bool, str]] | None = None
    known: set[str] = set()

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        nonlocal fields
        if not isinstance(value, dict):
            fail(issues, Issue(path, value, expected="object"))
            return value
        pruned: dict[str, Any] = {}
        wrong_tag = None
        if tag_field is not None:
            pruned[tag_field] = value.get(tag_field, UNDEFINED)
            wrong_tag = _wrong_tag(pruned[tag_field], (*path, tag_field), tag)
            if wrong_tag is not None and tag_after is None:
                fail(issues, wrong_tag)
        if fields is None:
            table = [
                (f.encode_name, _compile(f.type, style, where), f.required, expected_name(f.type))
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
            if key == tag_after and wrong_tag is not None:
                fail(issues, wrong_tag)
        if style == "config-schema" and not known.issuperset(value):
            _refuse_unknown_keys(value, known, path, issues, fail)
        return pruned

    return walk


def _wrong_tag(found: Any, path: Path, tag: Any) -> Issue | None:
    """The issue of a tagged Struct's tag, unless it is the Struct's."""
    if found == tag and isinstance(found, str):
        return None
    return Issue(path, found, expected=f"'{tag}'")


def _refuse_unknown_keys(
    value: dict[str, Any], known: set[str], path: Path, issues: list[Issue], fail: Fail
) -> None:
    """config-schema's message for each key an object's schema does not define."""
    for key in value:
        if key not in known:
            fail(issues, Issue((*path, key), value[key], "definition for this key is missing"))


def _checked_struct_node(
    tp: type[msgspec.Struct], rules: tuple[Any, ...], style: Style, where: str
) -> Node:
    struct = _struct_node(tp, style, where)
    checks = [rule for rule in rules if isinstance(rule, Check)]
    if not checks:
        return struct
    fail = FAIL[style]

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        before = len(issues)
        pruned = struct(value, path, issues)
        if len(issues) == before:
            for check in checks:
                custom(value, path, issues, check, fail)
        return pruned

    return walk


def _array_node(item: Any, rules: tuple[Any, ...], style: Style, where: str) -> Node:
    fail = FAIL[style]
    node = _compile(item, style, where)
    # (size message, None) or (None, Check) per rule, in order.
    steps = [
        (size_message(rule, style), None) if isinstance(rule, Items) else (None, rule)
        for rule in rules
        if isinstance(rule, Items | Check)
    ]

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
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
                custom(value, path, issues, check, fail)
        return pruned

    return walk


def _mapping_node(item: Any, style: Style, where: str) -> Node:
    fail = FAIL[style]
    node = _compile(item, style, where)

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        if not isinstance(value, dict):
            fail(issues, Issue(path, value, expected="object"))
            return value
        if node is accept:
            return dict(value)
        return {key: node(v, (*path, key), issues) for key, v in value.items()}

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


# --- entry points -----------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _compiled(tp: Any, style: Style, where: str) -> Node:
    """The node of a type that is not a Struct (a union, a list, ...), compiled once."""
    return _compile(tp, style, where)


def validate(tp: type[T], value: Any, *, style: Style = "io-ts", where: str = "request body") -> T:
    """`value` (decoded JSON) as `tp`, or BadRequest with Kibana's message."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        # The usual case: a Struct's node is cached, so `_compile` has nothing to do.
        node = _struct_node(tp, style, where)
    else:
        node = _compiled(tp, style, where)  # type: ignore[arg-type]
    issues: list[Issue] = []
    try:
        pruned = node(value, (), issues)
    except Stop:
        pruned = None
    if issues:
        if style == "config-schema":
            raise BadRequest(config_schema_message(issues[0], where))
        messages = dict.fromkeys(io_ts_message(issue) for issue in issues)
        raise BadRequest(",".join(messages))
    # Nothing was dropped when the walked value equals the original (the common case).
    if style == "io-ts" and pruned != value:
        differences = find_differences(value, pruned)
        if differences:
            raise BadRequest(f'invalid keys "{",".join(differences)}"')
    try:
        # The walked value: numbers normalised as JavaScript reads them.
        return msgspec.convert(pruned, tp, strict=where != "request query")
    except msgspec.ValidationError as exc:
        raise BadRequest(str(exc)) from exc
