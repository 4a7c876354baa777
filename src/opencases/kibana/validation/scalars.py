"""The nodes of strings, booleans and numbers."""

from __future__ import annotations

import math
import typing
from typing import Any

from opencases.kibana.validation.javascript import is_safe_integer, js_number
from opencases.kibana.validation.messages import text_message
from opencases.kibana.validation.nodes import FAIL, Fail, Node, Path, custom
from opencases.kibana.validation.rules import Check, Issue, SafeInteger, Style, Text


def string_node(rules: tuple[Any, ...], style: Style) -> Node:
    """A string's node, with its Text limits and Check rules in order."""
    fail = FAIL[style]
    # (Text message, None) or (None, Check) per rule, in order; a Text failure ends the walk.
    steps = [
        (text_message(rule, style), None) if isinstance(rule, Text) else (None, rule)
        for rule in rules
        if isinstance(rule, Text | Check)
    ]
    if len(steps) <= 1 and all(text is not None for text, _ in steps):
        return _limited_string_node(steps[0][0] if steps else None, fail)

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
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
                custom(value, path, issues, check, fail)
        return value

    return walk


def _limited_string_node(text: typing.Callable[[str], str | None] | None, fail: Fail) -> Node:
    """A string's node with at most one Text limit (most strings)."""

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        if not isinstance(value, str):
            fail(issues, Issue(path, value, expected="string"))
            return value
        message = text(value) if text is not None else None
        if message:
            fail(issues, Issue(path, value, message))
        return value

    return walk


def boolean_node(style: Style, where: str) -> Node:
    """A boolean's node (a query string's `true` and `false` too)."""
    fail = FAIL[style]
    # config-schema reads "true" and "false" in a query string as booleans.
    query = where == "request query"

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
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


def integer_node(rules: tuple[Any, ...], style: Style, where: str) -> Node:
    """An integer's node (a safe integer's, with SafeInteger)."""
    fail = FAIL[style]
    query = where == "request query"
    safe = next((r for r in rules if isinstance(r, SafeInteger)), None)
    unsafe = (
        None
        if safe is None
        else f"The {safe.field} field should be an integer between -(2^53 - 1) "
        "and 2^53 - 1, inclusive."
    )

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        if query:
            value = _query_number(value)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if unsafe is not None:
            if not is_number or not is_safe_integer(value):
                fail(issues, Issue(path, value, unsafe if is_number else None, "number"))
                return value
        elif not is_number or not math.isfinite(value) or not float(value).is_integer():
            fail(issues, Issue(path, value, expected="number"))
            return value
        # JSON `1.0` is the number 1 to JavaScript.
        return int(value)

    return walk


def float_node(style: Style, where: str) -> Node:
    """A number's node."""
    fail = FAIL[style]
    query = where == "request query"

    def walk(value: Any, path: Path, issues: list[Issue]) -> Any:
        if query:
            value = _query_number(value)
        if not isinstance(value, int | float) or isinstance(value, bool):
            fail(issues, Issue(path, value, expected="number"))
        return value

    return walk
