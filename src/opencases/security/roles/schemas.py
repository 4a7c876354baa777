"""Wire types of Kibana's role routes (config-schema messages)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import Check, RequestStruct, Text
from opencases.security.authorization import KibanaPrivilege

_SPACE_ID = re.compile(r"[a-z0-9_-]+")
_FEATURE_NAME = re.compile(r"[a-zA-Z0-9_-]+")
_SPACE_ID_MESSAGE = "must be lower case, a-z, 0-9, '_', and '-' are allowed"
_FEATURE_NAME_MESSAGE = "only a-z, A-Z, 0-9, '_', and '-' are allowed"

Rule = str | tuple[tuple[str | int, ...], str] | None


def _spaces_rule(index: int, spaces: list[str]) -> Rule:
    """Kibana's `spaces`: oneOf([ ['*'], [space ids] ]); a failure lists both alternatives."""
    if spaces == ["*"]:
        return None
    bad_id = next((i for i, space in enumerate(spaces) if not _SPACE_ID.fullmatch(space)), None)
    if bad_id is None:
        return None
    # config-schema names each alternative's error with its full path; this rule runs on
    # the body's `kibana` list, so that path is known.
    at = f"request body.kibana.{index}.spaces"
    not_star = next((i for i, space in enumerate(spaces) if space != "*"), None)
    if not_star is not None:
        all_spaces = (
            f"[{at}.0.{not_star}]: expected value to equal [*] but got [{spaces[not_star]}]"
        )
    else:
        all_spaces = f"[{at}.0]: array size is [{len(spaces)}], but cannot be greater than [1]"
    space_ids = f"[{at}.1.{bad_id}]: {_SPACE_ID_MESSAGE}"
    return (index, "spaces"), f"types that failed validation:\n- {all_spaces}\n- {space_ids}"


def _entry_rule(index: int, entry: Any) -> Rule:
    """Kibana's rules for one entry of a role's `kibana` list, in the order it checks them."""
    spaces = entry.get("spaces", ["*"])
    failure = _spaces_rule(index, spaces)
    if failure:
        return failure
    base = entry.get("base") or []
    feature = entry.get("feature") or {}
    kind = "global" if spaces == ["*"] else "space"
    for position, name in enumerate(base):
        if name not in ("all", "read"):
            message = f'unknown {kind} privilege "{name}", must be one of [all,read]'
            return (index, "base", position), message
    for name, privileges in feature.items():
        if not _FEATURE_NAME.fullmatch(name):
            return (index, "feature", f'key("{name}")'), _FEATURE_NAME_MESSAGE
        for position, privilege in enumerate(privileges):
            if not _FEATURE_NAME.fullmatch(privilege):
                return (index, "feature", name, position), _FEATURE_NAME_MESSAGE
    if not base and not any(feature.values()):
        return (index,), "either [base] or [feature] is expected, but none of them specified"
    if base and feature:
        return (index,), "definition of [feature] isn't allowed when non-empty [base] is defined."
    return None


def _role_entries_rule(entries: Any) -> Rule:
    """Kibana's rules for a role's `kibana` list: each entry's, then one privilege per space."""
    for index, entry in enumerate(entries):
        failure = _entry_rule(index, entry)
        if failure:
            return failure
    seen: set[str] = set()
    repeated: list[str] = []
    for entry in entries:
        for space in entry.get("spaces", ["*"]):
            if space in seen and space not in repeated:
                repeated.append(space)
            seen.add(space)
    if repeated:
        return f"more than one privilege is applied to the following spaces: [{','.join(repeated)}]"
    return None


class KibanaPrivilegeRequest(RequestStruct, kw_only=True):
    """One entry of a role's `kibana` privileges in a PUT role body."""

    spaces: list[str] = msgspec.field(default_factory=lambda: ["*"])
    base: list[str] | UnsetType = UNSET
    feature: dict[str, list[str]] | UnsetType = UNSET


class ElasticsearchPrivileges(msgspec.Struct, kw_only=True):
    """A role's Elasticsearch privileges: stored and returned, not enforced."""

    cluster: list[str] = msgspec.field(default_factory=list)
    indices: list[dict[str, Any]] = msgspec.field(default_factory=list)
    run_as: list[str] = msgspec.field(default_factory=list)
    remote_indices: list[dict[str, Any]] | UnsetType = UNSET
    remote_cluster: list[dict[str, Any]] | UnsetType = UNSET


class ElasticsearchPrivilegesRequest(ElasticsearchPrivileges, forbid_unknown_fields=True):
    """The `elasticsearch` part of a PUT role body."""


class RoleRequest(RequestStruct, kw_only=True):
    """Body of PUT /api/security/role/{name}."""

    description: Annotated[str, Text("description", max=2048, trim=False)] | UnsetType = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET
    elasticsearch: ElasticsearchPrivilegesRequest
    kibana: Annotated[list[KibanaPrivilegeRequest], Check(_role_entries_rule)] = msgspec.field(
        default_factory=list
    )


class TransientMetadata(msgspec.Struct, kw_only=True):
    """Elasticsearch's transient role metadata."""

    enabled: bool = True


class Role(msgspec.Struct, kw_only=True):
    """A role, as GET /api/security/role answers it."""

    name: str
    description: str | UnsetType = UNSET
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    transient_metadata: TransientMetadata = msgspec.field(default_factory=TransientMetadata)
    elasticsearch: ElasticsearchPrivileges = msgspec.field(default_factory=ElasticsearchPrivileges)
    kibana: list[KibanaPrivilege] = msgspec.field(default_factory=list)
    _transform_error: list[str] = msgspec.field(default_factory=list)
    _unrecognized_applications: list[str] = msgspec.field(default_factory=list)


class RoleQuery(RequestStruct, kw_only=True):
    """Query of PUT /api/security/role/{name}."""

    createOnly: bool = False
