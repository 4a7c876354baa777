"""How each connector type maps case fields to the external system's (Kibana's mapping.ts)."""

from __future__ import annotations

from opencases.configure.schemas import Mapping


def _m(source: str, target: str, action_type: str) -> Mapping:
    return Mapping(source=source, target=target, action_type=action_type)  # type: ignore[arg-type]


_SERVICENOW = (
    _m("title", "short_description", "overwrite"),
    _m("description", "description", "overwrite"),
    _m("comments", "work_notes", "append"),
)

MAPPINGS: dict[str, tuple[Mapping, ...]] = {
    ".none": (),
    # The Cases webhook keeps its mapping in the connector's own config.
    ".cases-webhook": (),
    ".jira": (
        _m("title", "summary", "overwrite"),
        _m("description", "description", "overwrite"),
        _m("tags", "labels", "overwrite"),
        _m("comments", "comments", "append"),
    ),
    ".servicenow": _SERVICENOW,
    ".servicenow-sir": _SERVICENOW,
    ".resilient": (
        _m("title", "name", "overwrite"),
        _m("description", "description", "overwrite"),
        _m("comments", "comments", "append"),
    ),
    ".swimlane": (
        _m("title", "caseName", "overwrite"),
        _m("description", "description", "overwrite"),
        _m("comments", "comments", "append"),
    ),
    ".thehive": (
        _m("title", "title", "overwrite"),
        _m("description", "description", "overwrite"),
        _m("tags", "tags", "overwrite"),
        _m("comments", "comments", "append"),
    ),
}


def mappings_for(connector_type: str) -> list[Mapping]:
    """The mappings Kibana creates for a connector type."""
    return list(MAPPINGS.get(connector_type, ()))
