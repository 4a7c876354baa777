"""The pure authorization rules: roles x spaces x owners x operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from opencases.kibana.errors import Forbidden
from opencases.security.authorization import (
    BUILTIN_ROLES,
    KibanaPrivilege,
    Level,
    Operation,
    RoleGrant,
    authorized_owners,
    ensure_any_owner,
    ensure_authorized,
    space_privileges,
    unauthorized,
)

FIND = Operation(
    name="findConfigurations", verb="access", doc_type="case configurations", read_only=True
)
CREATE = Operation(
    name="createConfiguration", verb="create", doc_type="case configuration", read_only=False
)
# What each operation's 403 says it was unauthorized to do.
DOING = {
    "findConfigurations": "access case configurations",
    "createConfiguration": "create case configuration",
}
ALL_OWNERS = ["cases", "observability", "securitySolution"]


@dataclass
class Space:
    """A stand-in for the space a request acts in."""

    id: str = "default"
    disabledFeatures: list[str] = field(default_factory=list)


def role(*entries: dict[str, Any], name: str = "r") -> RoleGrant:
    """A stored role with the given `kibana` entries."""
    return RoleGrant(name=name, kibana=tuple(KibanaPrivilege(**entry) for entry in entries))


def feature(privileges: dict[str, list[str]], spaces: list[str] | None = None) -> RoleGrant:
    """A role with one feature-privilege entry."""
    return role({"feature": privileges, "spaces": spaces or ["*"]})


def base(privilege: str, spaces: list[str] | None = None) -> RoleGrant:
    """A role with one base-privilege entry."""
    return role({"base": [privilege], "spaces": spaces or ["*"]})


SUPERUSER = BUILTIN_ROLES["superuser"]
VIEWER = BUILTIN_ROLES["viewer"]
KIBANA_ADMIN = BUILTIN_ROLES["kibana_admin"]


def authorized(roles: list[RoleGrant], space: Space, operation: Operation) -> list[str]:
    """The owners `roles` may use for `operation` in `space`."""
    return authorized_owners(
        privileges=space_privileges(roles, space.id), space=space, operation=operation
    )


# (roles, space, owners allowed to read, owners allowed to write)
CASES = {
    "no roles": ([], Space(), [], []),
    "generalCases all": ([feature({"generalCases": ["all"]})], Space(), ["cases"], ["cases"]),
    "generalCases read": ([feature({"generalCases": ["read"]})], Space(), ["cases"], []),
    "observabilityCases all": (
        [feature({"observabilityCases": ["all"]})],
        Space(),
        ["observability"],
        ["observability"],
    ),
    "observabilityCases read": (
        [feature({"observabilityCases": ["read"]})],
        Space(),
        ["observability"],
        [],
    ),
    "securitySolutionCases all": (
        [feature({"securitySolutionCases": ["all"]})],
        Space(),
        ["securitySolution"],
        ["securitySolution"],
    ),
    "securitySolutionCases read": (
        [feature({"securitySolutionCases": ["read"]})],
        Space(),
        ["securitySolution"],
        [],
    ),
    "two features in one entry": (
        [feature({"generalCases": ["all"], "securitySolutionCases": ["read"]})],
        Space(),
        ["cases", "securitySolution"],
        ["cases"],
    ),
    "named space, in it": (
        [feature({"generalCases": ["all"]}, ["space1"])],
        Space("space1"),
        ["cases"],
        ["cases"],
    ),
    "named space, in another space": (
        [feature({"generalCases": ["all"]}, ["space1"])],
        Space("space2"),
        [],
        [],
    ),
    "named space, in the default space": (
        [feature({"generalCases": ["all"]}, ["space1"])],
        Space(),
        [],
        [],
    ),
    "several named spaces": (
        [feature({"generalCases": ["all"]}, ["space1", "space2"])],
        Space("space2"),
        ["cases"],
        ["cases"],
    ),
    "base all everywhere": ([base("all")], Space("space1"), ALL_OWNERS, ALL_OWNERS),
    "base read everywhere": ([base("read")], Space("space1"), ALL_OWNERS, []),
    "base all in space1, in space1": (
        [base("all", ["space1"])],
        Space("space1"),
        ALL_OWNERS,
        ALL_OWNERS,
    ),
    "base all in space1, in space2": ([base("all", ["space1"])], Space("space2"), [], []),
    "unknown base privilege": ([base("foo")], Space(), [], []),
    "generalCasesV2 all": ([feature({"generalCasesV2": ["all"]})], Space(), ["cases"], ["cases"]),
    "observabilityCasesV3 read": (
        [feature({"observabilityCasesV3": ["read"]})],
        Space(),
        ["observability"],
        [],
    ),
    "securitySolutionCasesV3 all": (
        [feature({"securitySolutionCasesV3": ["all"]})],
        Space(),
        ["securitySolution"],
        ["securitySolution"],
    ),
    "minimal_all": ([feature({"generalCases": ["minimal_all"]})], Space(), ["cases"], ["cases"]),
    "minimal_read": ([feature({"generalCases": ["minimal_read"]})], Space(), ["cases"], []),
    "unknown feature privilege": ([feature({"generalCases": ["foo"]})], Space(), [], []),
    "a feature that is no cases owner": ([feature({"actions": ["all"]})], Space(), [], []),
    "an unknown feature": ([feature({"discover": ["all"]})], Space(), [], []),
    "a lookalike of a versioned id": ([feature({"generalCasesVx": ["all"]})], Space(), [], []),
    "superuser": ([SUPERUSER], Space("space1"), ALL_OWNERS, ALL_OWNERS),
    "viewer": ([VIEWER], Space("space1"), ALL_OWNERS, []),
    "kibana_admin": ([KIBANA_ADMIN], Space("space1"), ALL_OWNERS, ALL_OWNERS),
    "read and all of one feature: all wins": (
        [
            feature({"generalCases": ["read"]}),
            feature({"generalCases": ["all"]}, ["space1"]),
        ],
        Space("space1"),
        ["cases"],
        ["cases"],
    ),
    "read and all of one feature, all elsewhere": (
        [
            feature({"generalCases": ["read"]}),
            feature({"generalCases": ["all"]}, ["space1"]),
        ],
        Space("space2"),
        ["cases"],
        [],
    ),
    "all then read in one role": (
        [role({"base": ["read"]}, {"feature": {"generalCases": ["all"]}, "spaces": ["space1"]})],
        Space("space1"),
        ALL_OWNERS,
        ["cases"],
    ),
    "roles of different owners add up": (
        [feature({"generalCases": ["read"]}), feature({"observabilityCases": ["all"]})],
        Space(),
        ["cases", "observability"],
        ["observability"],
    ),
    "viewer plus one feature all": (
        [VIEWER, feature({"securitySolutionCases": ["all"]})],
        Space(),
        ALL_OWNERS,
        ["securitySolution"],
    ),
    "versioned and unversioned ids of one feature": (
        [feature({"generalCases": ["read"], "generalCasesV3": ["all"]})],
        Space(),
        ["cases"],
        ["cases"],
    ),
    "disabled feature hidden from the superuser": (
        [SUPERUSER],
        Space(disabledFeatures=["securitySolutionCases"]),
        ["cases", "observability"],
        ["cases", "observability"],
    ),
    "disabled feature hidden from base all": (
        [base("all")],
        Space(disabledFeatures=["generalCases", "observabilityCases"]),
        ["securitySolution"],
        ["securitySolution"],
    ),
    "disabled feature by a versioned id": (
        [SUPERUSER],
        Space(disabledFeatures=["securitySolutionCasesV3", "generalCasesV2"]),
        ["observability"],
        ["observability"],
    ),
    "disabled feature that was the only grant": (
        [feature({"generalCases": ["all"]})],
        Space(disabledFeatures=["generalCases"]),
        [],
        [],
    ),
    "other disabled features change nothing": (
        [SUPERUSER],
        Space(disabledFeatures=["discover", "actions"]),
        ALL_OWNERS,
        ALL_OWNERS,
    ),
}


@pytest.mark.parametrize(("roles", "space", "readers", "writers"), CASES.values(), ids=CASES)
def test_authorized_owners(
    roles: list[RoleGrant], space: Space, readers: list[str], writers: list[str]
) -> None:
    assert authorized(roles, space, FIND) == readers
    assert authorized(roles, space, CREATE) == writers


@pytest.mark.parametrize(("roles", "space", "readers", "writers"), CASES.values(), ids=CASES)
def test_ensure_authorized_per_owner(
    roles: list[RoleGrant], space: Space, readers: list[str], writers: list[str]
) -> None:
    privileges = space_privileges(roles, space.id)
    for operation, allowed in ((FIND, readers), (CREATE, writers)):
        for owner in ALL_OWNERS:
            if owner in allowed:
                ensure_authorized(
                    privileges=privileges, space=space, operation=operation, owners=[owner]
                )
            else:
                with pytest.raises(Forbidden) as raised:
                    ensure_authorized(
                        privileges=privileges, space=space, operation=operation, owners=[owner]
                    )
                assert raised.value.body() == {
                    "statusCode": 403,
                    "error": "Forbidden",
                    "message": f'Unauthorized to {DOING[operation.name]} with owners: "{owner}"',
                }


@pytest.mark.parametrize(("roles", "space", "readers", "writers"), CASES.values(), ids=CASES)
def test_ensure_any_owner(
    roles: list[RoleGrant], space: Space, readers: list[str], writers: list[str]
) -> None:
    privileges = space_privileges(roles, space.id)
    for operation, allowed, message in (
        (FIND, readers, "Unauthorized to access case configurations of any owner"),
        (CREATE, writers, "Unauthorized to create case configuration of any owner"),
    ):
        if allowed:
            owners = ensure_any_owner(privileges=privileges, space=space, operation=operation)
            assert owners == allowed
        else:
            with pytest.raises(Forbidden) as raised:
                ensure_any_owner(privileges=privileges, space=space, operation=operation)
            assert raised.value.status_code == 403
            assert raised.value.message == message


# (roles, space, operation, owners, 403 message or None when allowed)
ENSURE = {
    "one owner allowed": (
        [feature({"securitySolutionCases": ["all"]})],
        Space(),
        CREATE,
        ["securitySolution"],
        None,
    ),
    "create with read only": (
        [feature({"securitySolutionCases": ["read"]})],
        Space(),
        CREATE,
        ["securitySolution"],
        'Unauthorized to create case configuration with owners: "securitySolution"',
    ),
    "two owners, both allowed": (
        [feature({"generalCases": ["all"], "observabilityCases": ["all"]})],
        Space(),
        CREATE,
        ["cases", "observability"],
        None,
    ),
    "two owners, one allowed: both named": (
        [feature({"generalCases": ["all"]})],
        Space(),
        CREATE,
        ["cases", "observability"],
        'Unauthorized to create case configuration with owners: "cases, observability"',
    ),
    "two owners, none allowed": (
        [],
        Space(),
        FIND,
        ["cases", "observability"],
        'Unauthorized to access case configurations with owners: "cases, observability"',
    ),
    "superuser, owner disabled in the space": (
        [SUPERUSER],
        Space(disabledFeatures=["securitySolutionCases"]),
        CREATE,
        ["securitySolution"],
        'Unauthorized to create case configuration with owners: "securitySolution"',
    ),
    "superuser, owner disabled by a versioned id": (
        [SUPERUSER],
        Space(disabledFeatures=["securitySolutionCasesV2"]),
        FIND,
        ["securitySolution"],
        'Unauthorized to access case configurations with owners: "securitySolution"',
    ),
    "superuser, unknown owner": (
        [SUPERUSER],
        Space(),
        CREATE,
        ["foo"],
        'Unauthorized to create case configuration with owners: "foo"',
    ),
    "superuser, a known and an unknown owner": (
        [SUPERUSER],
        Space(),
        FIND,
        ["cases", "foo"],
        'Unauthorized to access case configurations with owners: "cases, foo"',
    ),
    "feature id is no owner": (
        [SUPERUSER],
        Space(),
        FIND,
        ["generalCases"],
        'Unauthorized to access case configurations with owners: "generalCases"',
    ),
    "named space, in another space": (
        [feature({"generalCases": ["all"]}, ["space1"])],
        Space("space2"),
        FIND,
        ["cases"],
        'Unauthorized to access case configurations with owners: "cases"',
    ),
}


@pytest.mark.parametrize(
    ("roles", "space", "operation", "owners", "message"), ENSURE.values(), ids=ENSURE
)
def test_ensure_authorized(
    roles: list[RoleGrant],
    space: Space,
    operation: Operation,
    owners: list[str],
    message: str | None,
) -> None:
    privileges = space_privileges(roles, space.id)
    if message is None:
        ensure_authorized(privileges=privileges, space=space, operation=operation, owners=owners)
        return
    with pytest.raises(Forbidden) as raised:
        ensure_authorized(privileges=privileges, space=space, operation=operation, owners=owners)
    assert raised.value.body() == {"statusCode": 403, "error": "Forbidden", "message": message}


# (roles, space id, superuser, feature levels, any)
PRIVILEGES = {
    "nothing": ([], "default", False, {}, False),
    "superuser": ([SUPERUSER], "default", True, {}, True),
    "base read": (
        [base("read")],
        "default",
        False,
        {
            "generalCases": Level.READ,
            "observabilityCases": Level.READ,
            "securitySolutionCases": Level.READ,
            "actions": Level.READ,
            # Kibana's saved objects management, which the Spaces API's purposes ask for.
            "savedObjectsManagement": Level.READ,
        },
        True,
    ),
    "versioned ids count as their feature": (
        [feature({"generalCasesV2": ["read"], "generalCasesV3": ["all"]})],
        "default",
        False,
        {"generalCases": Level.ALL},
        True,
    ),
    "max over roles": (
        [
            feature({"actions": ["all"], "generalCases": ["read"]}),
            feature({"actions": ["read"], "generalCases": ["minimal_all"]}),
        ],
        "default",
        False,
        {"actions": Level.ALL, "generalCases": Level.ALL},
        True,
    ),
    "other space only": ([base("all", ["space1"])], "space2", False, {}, False),
    "unknown privilege grants nothing": (
        [feature({"generalCases": ["foo"]})],
        "default",
        False,
        {"generalCases": Level.NONE},
        False,
    ),
}


@pytest.mark.parametrize(
    ("roles", "space_id", "superuser", "features", "anything"), PRIVILEGES.values(), ids=PRIVILEGES
)
def test_space_privileges(
    roles: list[RoleGrant],
    space_id: str,
    superuser: bool,
    features: dict[str, Level],
    anything: bool,
) -> None:
    privileges = space_privileges(roles, space_id)
    assert privileges.superuser is superuser
    assert privileges.features == features
    assert privileges.any is anything


def test_superuser_has_every_level() -> None:
    privileges = space_privileges([SUPERUSER], "default")
    assert privileges.level("generalCasesV2") == Level.ALL
    assert privileges.level("anything") == Level.ALL


@pytest.mark.parametrize(
    ("operation", "owners", "message"),
    [
        (FIND, [], "Unauthorized to access case configurations of any owner"),
        (CREATE, [], "Unauthorized to create case configuration of any owner"),
        (
            CREATE,
            ["securitySolution"],
            'Unauthorized to create case configuration with owners: "securitySolution"',
        ),
        (
            FIND,
            ("cases", "observability"),
            'Unauthorized to access case configurations with owners: "cases, observability"',
        ),
    ],
)
def test_unauthorized_message(operation: Operation, owners: list[str], message: str) -> None:
    error = unauthorized(operation, owners)
    assert isinstance(error, Forbidden)
    assert error.body() == {"statusCode": 403, "error": "Forbidden", "message": message}
