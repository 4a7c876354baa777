"""The rules a request type declares: Kibana's limits as `Annotated` markers, and Issue."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import msgspec

T = TypeVar("T")
D = TypeVar("D")
# Which of Kibana's two validation libraries a route's messages follow.
Style = Literal["io-ts", "config-schema"]


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

    def json_schema(self) -> dict[str, Any]:
        """The limit as JSON Schema keywords, for the OpenAPI document.

        The lengths are close, not exact: JSON Schema counts the code points of the string
        as sent, Kibana its UTF-16 units (io-ts: of the string trimmed).
        """
        schema: dict[str, Any] = {}
        if self.min:
            schema["minLength"] = self.min
        if self.max is not None:
            schema["maxLength"] = self.max
        if self.pattern is not None:
            # Kibana matches the whole string; a JSON Schema pattern may match anywhere.
            schema["pattern"] = f"^(?:{self.pattern})$"
        return schema


@dataclass(frozen=True, slots=True)
class Items:
    """An array length limit: Kibana's limitedArraySchema."""

    field: str
    min: int = 0
    max: int | None = None

    def json_schema(self) -> dict[str, Any]:
        """The limit as JSON Schema keywords, for the OpenAPI document."""
        schema: dict[str, Any] = {}
        if self.min:
            schema["minItems"] = self.min
        if self.max is not None:
            schema["maxItems"] = self.max
        return schema


@dataclass(frozen=True, slots=True)
class SafeInteger:
    """A JavaScript safe integer: |n| <= 2^53 - 1 and integral."""

    field: str

    def json_schema(self) -> dict[str, Any]:
        """The limit as JSON Schema keywords, for the OpenAPI document."""
        return {"minimum": -(2**53 - 1), "maximum": 2**53 - 1}


@dataclass(frozen=True, slots=True)
class Untagged:
    """io-ts's plain `union` over tagged Structs: each member tried in order, every member's
    errors reported (io-ts indexes a union by its tag only when no two members share one)."""


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


def given(value: T | msgspec.UnsetType, default: D) -> T | D:
    """A request field's value, or `default` when the request left it out."""
    return default if value is msgspec.UNSET else value


class RequestStruct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: strict, keyword-only."""
