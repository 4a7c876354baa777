"""Kibana's authorization: which owners (features) a user may use, per space and operation."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import IntEnum
from typing import Any, Protocol

import msgspec

from opencases.kibana.errors import Forbidden
from opencases.security.features import FEATURES, OWNERS, feature_id


class Level(IntEnum):
    """A feature privilege level; `all` includes `read`."""

    NONE = 0
    READ = 1
    ALL = 2


# Feature privilege names and the level each grants. Kibana's `minimal_*` privileges
# are the base of a feature without its sub-features; OpenCases has no sub-features.
_LEVELS = {
    "all": Level.ALL,
    "minimal_all": Level.ALL,
    "read": Level.READ,
    "minimal_read": Level.READ,
}


# Kibana's saved objects management feature: OpenCases has no such objects, but a base
# privilege grants it, and the Spaces API's copy and share purposes ask for it.
SAVED_OBJECTS_MANAGEMENT = "savedObjectsManagement"


class KibanaPrivilege(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One entry of a role's `kibana` list: privileges granted in some spaces."""

    base: list[str] = msgspec.field(default_factory=list)
    feature: dict[str, list[str]] = msgspec.field(default_factory=dict)
    spaces: list[str] = msgspec.field(default_factory=lambda: ["*"])


class RoleGrant(msgspec.Struct, frozen=True, kw_only=True):
    """What authorization needs of a role: its name, Kibana and cluster privileges."""

    name: str
    kibana: tuple[KibanaPrivilege, ...] = ()
    cluster: tuple[str, ...] = ()
    superuser: bool = False


# Elasticsearch's reserved roles that Kibana knows. Of them only the superuser has cluster
# privileges (ReservedRolesStore: viewer and kibana_admin grant Kibana and indices only).
BUILTIN_ROLES: dict[str, RoleGrant] = {
    "superuser": RoleGrant(name="superuser", cluster=("all",), superuser=True),
    "viewer": RoleGrant(name="viewer", kibana=(KibanaPrivilege(base=["read"], spaces=["*"]),)),
    "kibana_admin": RoleGrant(
        name="kibana_admin", kibana=(KibanaPrivilege(base=["all"], spaces=["*"]),)
    ),
}


class SpaceScope(Protocol):
    """The space a request acts in: its id and the features disabled there."""

    @property
    def id(self) -> str:
        """The space's id."""
        ...

    @property
    def disabledFeatures(self) -> list[str]:
        """The features disabled in the space."""
        ...


class Operation(msgspec.Struct, frozen=True, kw_only=True):
    """A Cases operation, as Kibana names it for privileges and 403 messages."""

    name: str
    verb: str
    doc_type: str
    read_only: bool

    @property
    def level(self) -> Level:
        """The feature level the operation needs."""
        return Level.READ if self.read_only else Level.ALL


class SpacePrivileges(msgspec.Struct, frozen=True, kw_only=True):
    """The privileges a set of roles grants in one space."""

    superuser: bool
    features: dict[str, Level]

    def level(self, feature: str) -> Level:
        """The level granted for a feature."""
        if self.superuser:
            return Level.ALL
        return self.features.get(feature_id(feature), Level.NONE)

    @property
    def any(self) -> bool:
        """Whether anything at all is granted in the space."""
        return self.superuser or any(self.features.values())


def space_privileges(roles: Iterable[RoleGrant], space_id: str) -> SpacePrivileges:
    """The feature levels `roles` grant in `space_id`."""
    features: dict[str, Level] = {}
    superuser = False

    def grant(feature: str, level: Level) -> None:
        feature = feature_id(feature)
        features[feature] = max(features.get(feature, Level.NONE), level)

    for role in roles:
        superuser = superuser or role.superuser
        for entry in role.kibana:
            if "*" not in entry.spaces and space_id not in entry.spaces:
                continue
            for base in entry.base:
                for feature in FEATURES:
                    grant(feature.id, _LEVELS.get(base, Level.NONE))
                grant(SAVED_OBJECTS_MANAGEMENT, _LEVELS.get(base, Level.NONE))
            for name, privileges in entry.feature.items():
                for privilege in privileges:
                    grant(name, _LEVELS.get(privilege, Level.NONE))
    return SpacePrivileges(superuser=superuser, features=features)


def owners_in_space(space: SpaceScope) -> list[str]:
    """The owners that exist in a space: those whose feature is not disabled there."""
    return list(_owners_without(tuple(space.disabledFeatures)))


@functools.lru_cache(maxsize=256)
def _owners_without(disabled_features: tuple[str, ...]) -> tuple[str, ...]:
    disabled = {feature_id(name) for name in disabled_features}
    return tuple(owner for owner, feature in OWNERS.items() if feature.id not in disabled)


def authorized_owners(
    *, privileges: SpacePrivileges, space: SpaceScope, operation: Operation
) -> list[str]:
    """The owners for which `operation` is allowed in `space`."""
    owners = owners_in_space(space)
    if privileges.superuser:
        return owners
    return [owner for owner in owners if privileges.level(OWNERS[owner].id) >= operation.level]


def ensure_authorized(
    *,
    privileges: SpacePrivileges,
    space: SpaceScope,
    operation: Operation,
    owners: Sequence[str],
) -> None:
    """Raise Kibana's 403 unless `operation` is allowed for every one of `owners`."""
    allowed = authorized_owners(privileges=privileges, space=space, operation=operation)
    # An unknown owner, or one whose feature is disabled in the space, fails even for the
    # superuser: Kibana checks the owner exists before it checks privileges.
    if not owners or any(owner not in allowed for owner in owners):
        raise unauthorized(operation, owners)


def ensure_any_owner(
    *, privileges: SpacePrivileges, space: SpaceScope, operation: Operation
) -> list[str]:
    """The authorized owners, or Kibana's `of any owner` 403 when there are none."""
    owners = authorized_owners(privileges=privileges, space=space, operation=operation)
    if not owners:
        raise unauthorized(operation, ())
    return owners


def unauthorized(operation: Operation, owners: Collection[str]) -> Forbidden:
    """Kibana's Cases 403: `Unauthorized to <verb> <docType> <owners>`."""
    owner_message = f'with owners: "{", ".join(owners)}"' if owners else "of any owner"
    return Forbidden(f"Unauthorized to {operation.verb} {operation.doc_type} {owner_message}")


def api_unauthorized(api: str, privilege: str) -> Forbidden:
    """Kibana's 403 for a route's API privilege (`requiredPrivileges`) the caller lacks.

    `api` is the request as Kibana quotes it: `<METHOD> <path>[?<query>]`.
    """
    return Forbidden(
        f"API [{api}] is unauthorized for user, this action is granted by the Kibana"
        f" privileges [{privilege}]"
    )


def grants_global_base(grants: Iterable[RoleGrant], base: str) -> bool:
    """Whether `grants` hold Kibana's global base privilege `base` (on spaces `*`)."""
    return any(
        grant.superuser
        or any(base in privilege.base and "*" in privilege.spaces for privilege in grant.kibana)
        for grant in grants
    )


def ensure_feature(
    *, privileges: SpacePrivileges, feature: str, level: Level, message: str
) -> None:
    """Raise Forbidden(message) unless `feature` is granted at `level` or above."""
    if privileges.level(feature) < level:
        raise Forbidden(message)


def grants_cluster_action(
    grants: Iterable[RoleGrant], *, action: str, privileges: Collection[str]
) -> bool:
    """Whether the roles' cluster privileges grant `action`: one of `privileges`, or a pattern."""
    # Elasticsearch's ClusterPrivilegeResolver: names are case-insensitive, and a cluster
    # action `a` named in a role stands for the pattern `a*`.
    for grant in grants:
        for name in grant.cluster:
            name = name.lower()
            if name in privileges:
                return True
            if name.startswith("cluster:") and _action_pattern(name).fullmatch(action):
                return True
    return False


@functools.lru_cache(maxsize=256)
def _action_pattern(name: str) -> re.Pattern[str]:
    # Elasticsearch's wildcards: `*` any run of characters, `?` any one.
    wildcard = {"*": ".*", "?": "."}
    return re.compile("".join(wildcard.get(c) or re.escape(c) for c in name + "*"))


# What an Elasticsearch role descriptor may hold besides privileges (RoleDescriptor.isEmpty
# leaves them out).
_NOT_PRIVILEGES = frozenset({"description", "transient_metadata"})


def grants_nothing(role_descriptors: Mapping[str, Any] | None) -> bool:
    """Whether API key role descriptors are given and all empty: the key then has no privileges."""
    # Elasticsearch gives a key the intersection of its descriptors and its owner's
    # privileges: with only empty descriptors, nothing (none given means the owner's).
    if not role_descriptors:
        return False
    return all(
        isinstance(descriptor, dict)
        and all(
            key in _NOT_PRIVILEGES or value is None or value == [] or value == {}
            for key, value in descriptor.items()
        )
        for descriptor in role_descriptors.values()
    )
