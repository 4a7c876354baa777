"""Mustache rendering as Kibana's `renderMustacheStringNoEscape` does it.

Kibana renders connector templates (URLs and JSON bodies) with mustache.js and no
variables of its own: `{{{x}}}` and `{{&x}}` insert a value as is, `{{x}}` inserts it
HTML-escaped (mustache.js's default escape, which that function leaves in place),
sections render once per truthy value, and a template that does not parse renders as
Kibana's error text instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opencases.connectors.errors import TemplateError
from opencases.connectors.types.javascript import js_string_coercion

_HTML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "/": "&#x2F;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
_HTML_SPECIAL = re.compile(r"[&<>\"'`=/]")


@dataclass(slots=True)
class _Section:
    name: str
    inverted: bool
    start: int
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    escaped: bool


_Node = str | _Variable | _Section


def render(template: str, variables: Mapping[str, Any]) -> str:
    """`template` rendered with `variables`, or Kibana's text for a template that fails."""
    try:
        nodes = _parse(template)
    except TemplateError as exc:
        return f'error rendering mustache template "{template}": {exc}'
    return _render(nodes, [variables])


def _parse(template: str) -> list[_Node]:
    root: list[_Node] = []
    open_sections: list[_Section] = []
    children = root
    position = 0
    while (start := template.find("{{", position)) >= 0:
        if start > position:
            children.append(template[position:start])
        kind, inner, position = _tag_at(template, start)
        if kind in ("{", "&"):
            children.append(_Variable(inner[1:].strip(), escaped=False))
        elif kind in ("#", "^"):
            section = _Section(inner[1:].strip(), inverted=kind == "^", start=start)
            children.append(section)
            open_sections.append(section)
            children = section.children
        elif kind == "/":
            _close_section(open_sections, inner[1:].strip(), start)
            children = open_sections[-1].children if open_sections else root
        elif kind not in ("!", ">", "="):
            # Comments, partials (Kibana passes none) and delimiter changes render nothing.
            children.append(_Variable(inner.strip(), escaped=True))
    if position < len(template):
        children.append(template[position:])
    if open_sections:
        section = open_sections[-1]
        raise TemplateError(f'Unclosed section "{section.name}" at {len(template)}')
    return root


def _tag_at(template: str, start: int) -> tuple[str, str, int]:
    """The kind, the inside and the end of the tag that opens at `start`."""
    kind = template[start + 2 : start + 3]
    if kind == "{":
        close = template.find("}}}", start + 3)
        end = close + 3
    else:
        close = template.find("}}", start + 2)
        end = close + 2
    if close < 0:
        raise TemplateError(f"Unclosed tag at {len(template)}")
    return kind, template[start + 2 : close], end


def _close_section(open_sections: list[_Section], name: str, start: int) -> None:
    """End the innermost open section, which must be `name`."""
    if not open_sections:
        raise TemplateError(f'Unopened section "{name}" at {start}')
    section = open_sections.pop()
    if section.name != name:
        raise TemplateError(f'Unclosed section "{section.name}" at {start}')


def _render(nodes: Sequence[_Node], stack: list[Any]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, _Variable):
            value = _lookup(stack, node.name)
            if value is not None:
                text = js_string_coercion(value)
                parts.append(_escape_html(text) if node.escaped else text)
        else:
            value = _lookup(stack, node.name)
            empty = not value
            if node.inverted:
                if empty:
                    parts.append(_render(node.children, stack))
            elif isinstance(value, list):
                parts.extend(_render(node.children, [*stack, item]) for item in value)
            elif not empty:
                parts.append(_render(node.children, [*stack, value]))
    return "".join(parts)


def _lookup(stack: list[Any], name: str) -> Any:
    if name == ".":
        return stack[-1]
    names = name.split(".")
    for context in reversed(stack):
        value = context
        found = True
        for key in names:
            if isinstance(value, Mapping) and key in value:
                value = value[key]
            else:
                found = False
                break
        if found:
            return value
    return None


def _escape_html(text: str) -> str:
    return _HTML_SPECIAL.sub(lambda match: _HTML_ESCAPES[match.group()], text)
