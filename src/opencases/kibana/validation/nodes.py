"""The walker's nodes: a type compiled into a closure that checks a value and records Issues.

Each type is compiled once into a node that holds what the type asks (rules, fields, tags),
checks a value, records its Issues and returns the value pruned to the keys the type knows.
Introspecting the type once, not for every value, is the point.
"""

from __future__ import annotations

import typing
from typing import Any

from opencases.kibana.validation.rules import Check, Issue

Path = tuple[str | int, ...]
Node = typing.Callable[[Any, Path, list[Issue]], Any]
Fail = typing.Callable[[list[Issue], Issue], None]


class Stop(Exception):
    """config-schema stops at the first error."""


def _collect(issues: list[Issue], issue: Issue) -> None:
    issues.append(issue)


def _stop(issues: list[Issue], issue: Issue) -> None:
    issues.append(issue)
    raise Stop


# How each style records an Issue: io-ts reports every one, config-schema the first.
FAIL: dict[str, Fail] = {"io-ts": _collect, "config-schema": _stop}


def accept(value: Any, path: Path, issues: list[Issue]) -> Any:
    """The node of a type that takes any value."""
    return value


def custom(value: Any, path: Path, issues: list[Issue], rule: Check, fail: Fail) -> None:
    """Record what a Check rule says of `value`, if anything."""
    result = rule.check(value)
    if isinstance(result, tuple):
        fail(issues, Issue((*path, *result[0]), value, result[1]))
    elif result:
        fail(issues, Issue(path, value, result))
