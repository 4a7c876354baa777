"""The roles API: /api/security/role."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Executor
from opencases.security.roles import store as roles_store
from tests.conftest import Users

DEFAULT_SPACE = {
    "id": "default",
    "name": "Default",
    "description": "This is your default space!",
    "color": "#00bfb3",
    "disabledFeatures": [],
    "_reserved": True,
}
EMPTY_ES: dict[str, list[str]] = {"cluster": [], "indices": [], "run_as": []}
RESERVED = {"_reserved": True}


def builtin(name: str, elasticsearch: dict[str, Any], base: str) -> dict[str, Any]:
    """A built-in role as GET answers it."""
    return {
        "name": name,
        "metadata": RESERVED,
        "transient_metadata": {"enabled": True},
        "elasticsearch": elasticsearch,
        "kibana": [{"base": [base], "feature": {}, "spaces": ["*"]}],
        "_transform_error": [],
        "_unrecognized_applications": [],
    }


KIBANA_ADMIN = builtin("kibana_admin", EMPTY_ES, "all")
SUPERUSER = builtin(
    "superuser",
    {
        "cluster": ["all"],
        "indices": [{"names": ["*"], "privileges": ["all"], "allow_restricted_indices": True}],
        "run_as": ["*"],
    },
    "all",
)
VIEWER = builtin(
    "viewer",
    {
        "cluster": [],
        "indices": [{"names": ["*"], "privileges": ["read", "view_index_metadata"]}],
        "run_as": [],
    },
    "read",
)


def error(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope."""
    phrase = {400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    return {"statusCode": status, "error": phrase, "message": message}


def es_error(kind: str, reason: str) -> dict[str, Any]:
    """An Elasticsearch 400 as Kibana passes it on."""
    return error(400, f"[{kind}\n\tRoot causes:\n\t\t{kind}: {reason}]: {reason}")


def role_body(*kibana: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A PUT role body with no Elasticsearch privileges."""
    return {"elasticsearch": {}, "kibana": list(kibana), **extra}


async def test_put_then_get_role(client: httpx.AsyncClient) -> None:
    body = {
        "description": "Case handlers",
        "metadata": {"team": "soc"},
        "elasticsearch": {
            "cluster": ["monitor"],
            "indices": [{"names": ["logs-*"], "privileges": ["read"]}],
        },
        "kibana": [
            {"feature": {"generalCases": ["all"], "actions": ["read"]}, "spaces": ["space1"]},
            {"base": ["read"], "spaces": ["*"]},
        ],
    }
    response = await client.put("/api/security/role/r1", json=body)
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["elastic-api-version"] == "2023-10-31"
    response = await client.get("/api/security/role/r1")
    assert response.status_code == 200
    role = response.json()
    assert role == {
        "name": "r1",
        "description": "Case handlers",
        "metadata": {"team": "soc"},
        "transient_metadata": {"enabled": True},
        "elasticsearch": {
            "cluster": ["monitor"],
            "indices": [{"names": ["logs-*"], "privileges": ["read"]}],
            "run_as": [],
        },
        "kibana": [
            {
                "base": [],
                "feature": {"generalCases": ["all"], "actions": ["read"]},
                "spaces": ["space1"],
            },
            {"base": ["read"], "feature": {}, "spaces": ["*"]},
        ],
        "_transform_error": [],
        "_unrecognized_applications": [],
    }
    assert list(role) == [
        "name",
        "description",
        "metadata",
        "transient_metadata",
        "elasticsearch",
        "kibana",
        "_transform_error",
        "_unrecognized_applications",
    ]


async def test_put_replaces_a_role(client: httpx.AsyncClient) -> None:
    first = role_body({"base": ["all"]}, description="first", metadata={"a": 1})
    assert (await client.put("/api/security/role/r1", json=first)).status_code == 204
    second = role_body({"feature": {"observabilityCases": ["read"]}, "spaces": ["default"]})
    assert (await client.put("/api/security/role/r1", json=second)).status_code == 204
    response = await client.get("/api/security/role/r1")
    assert response.json() == {
        "name": "r1",
        "metadata": {},
        "transient_metadata": {"enabled": True},
        "elasticsearch": EMPTY_ES,
        "kibana": [
            {"base": [], "feature": {"observabilityCases": ["read"]}, "spaces": ["default"]}
        ],
        "_transform_error": [],
        "_unrecognized_applications": [],
    }


async def test_list_roles_sorted_with_builtins(client: httpx.AsyncClient) -> None:
    for name in ("zeta", "alpha", "r1"):
        response = await client.put(f"/api/security/role/{name}", json=role_body())
        assert response.status_code == 204
    response = await client.get("/api/security/role")
    assert response.status_code == 200
    assert response.headers["elastic-api-version"] == "2023-10-31"

    def stored(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "metadata": {},
            "transient_metadata": {"enabled": True},
            "elasticsearch": EMPTY_ES,
            "kibana": [],
            "_transform_error": [],
            "_unrecognized_applications": [],
        }

    assert response.json() == [
        stored("alpha"),
        KIBANA_ADMIN,
        stored("r1"),
        SUPERUSER,
        VIEWER,
        stored("zeta"),
    ]


@pytest.mark.parametrize("role", [SUPERUSER, VIEWER, KIBANA_ADMIN], ids=lambda r: r["name"])
async def test_get_builtin_role(client: httpx.AsyncClient, role: dict[str, Any]) -> None:
    response = await client.get(f"/api/security/role/{role['name']}")
    assert response.status_code == 200
    assert response.json() == role


async def test_delete_role(client: httpx.AsyncClient) -> None:
    assert (await client.put("/api/security/role/r1", json=role_body())).status_code == 204
    response = await client.delete("/api/security/role/r1")
    assert response.status_code == 204
    assert response.content == b""
    response = await client.get("/api/security/role/r1")
    assert response.status_code == 404
    assert response.json() == error(404, "[{}]: undefined")
    response = await client.delete("/api/security/role/r1")
    assert response.status_code == 404
    assert response.json() == error(404, '[{"found":false}]: undefined')


async def test_missing_role_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/security/role/nope")
    assert response.status_code == 404
    assert response.json() == error(404, "[{}]: undefined")
    response = await client.delete("/api/security/role/nope")
    assert response.status_code == 404
    assert response.json() == error(404, '[{"found":false}]: undefined')


@pytest.mark.parametrize("name", ["superuser", "viewer", "kibana_admin"])
async def test_builtin_roles_cannot_change(client: httpx.AsyncClient, name: str) -> None:
    response = await client.put(f"/api/security/role/{name}", json=role_body())
    assert response.status_code == 400
    assert response.json() == es_error(
        "illegal_argument_exception", f"role [{name}] is reserved and cannot be modified"
    )
    response = await client.delete(f"/api/security/role/{name}")
    assert response.status_code == 400
    assert response.json() == es_error(
        "illegal_argument_exception", f"role [{name}] is reserved and cannot be deleted"
    )
    response = await client.get(f"/api/security/role/{name}")
    assert response.json()["metadata"] == RESERVED


async def test_create_only(client: httpx.AsyncClient) -> None:
    body = role_body({"base": ["read"]})
    response = await client.put("/api/security/role/r1?createOnly=true", json=body)
    assert response.status_code == 204
    changed = role_body({"base": ["all"]})
    response = await client.put("/api/security/role/r1?createOnly=true", json=changed)
    assert response.status_code == 409
    assert response.json() == error(409, "Role already exists and cannot be created: r1")
    kibana = (await client.get("/api/security/role/r1")).json()["kibana"]
    assert kibana == [{"base": ["read"], "feature": {}, "spaces": ["*"]}]
    response = await client.put("/api/security/role/r1?createOnly=false", json=changed)
    assert response.status_code == 204
    kibana = (await client.get("/api/security/role/r1")).json()["kibana"]
    assert kibana == [{"base": ["all"], "feature": {}, "spaces": ["*"]}]


async def test_create_only_keeps_a_role_created_since_it_was_looked_for(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """createOnly is decided by the write itself, against the roles as they are then.

    Looking first and writing next would replace a role another request creates in
    between: here a look is made to find no role, as it would just before that creation.
    """
    first = role_body({"base": ["read"]}, description="first")
    assert (await client.put("/api/security/role/r1", json=first)).status_code == 204

    async def none_yet(db: Executor, names: Any) -> list[roles_store.RoleRecord]:
        return []

    with monkeypatch.context() as patch:
        patch.setattr(roles_store, "get_roles", none_yet)
        changed = role_body({"base": ["all"]}, description="second")
        response = await client.put("/api/security/role/r1?createOnly=true", json=changed)
    assert response.status_code == 409
    assert response.json() == error(409, "Role already exists and cannot be created: r1")
    role = (await client.get("/api/security/role/r1")).json()
    assert (role["description"], role["kibana"]) == (
        "first",
        [{"base": ["read"], "feature": {}, "spaces": ["*"]}],
    )


INVALID = {
    "base and feature": (
        role_body({"base": ["all"], "feature": {"generalCases": ["all"]}}),
        "[request body.kibana.0]: definition of [feature] isn't allowed when non-empty [base]"
        " is defined.",
    ),
    "neither base nor feature": (
        role_body({"spaces": ["*"]}),
        "[request body.kibana.0]: either [base] or [feature] is expected, but none of them"
        " specified",
    ),
    "feature with no privileges": (
        role_body({"feature": {"generalCases": []}}),
        "[request body.kibana.0]: either [base] or [feature] is expected, but none of them"
        " specified",
    ),
    "unknown global base privilege": (
        role_body({"base": ["foo"], "spaces": ["*"]}),
        '[request body.kibana.0.base.0]: unknown global privilege "foo", must be one of [all,read]',
    ),
    "unknown space base privilege": (
        role_body({"base": ["read", "foo"], "spaces": ["space1"]}),
        '[request body.kibana.0.base.1]: unknown space privilege "foo", must be one of [all,read]',
    ),
    "space privilege name as base": (
        role_body({"base": ["space_all"], "spaces": ["space1"]}),
        '[request body.kibana.0.base.0]: unknown space privilege "space_all", must be one of'
        " [all,read]",
    ),
    "bad space id": (
        role_body({"base": ["all"], "spaces": ["Space1"]}),
        "[request body.kibana.0.spaces]: types that failed validation:\n"
        "- [request body.kibana.0.spaces.0.0]: expected value to equal [*] but got [Space1]\n"
        "- [request body.kibana.0.spaces.1.0]: must be lower case, a-z, 0-9, '_', and '-'"
        " are allowed",
    ),
    "all spaces with another space": (
        role_body({"base": ["all"], "spaces": ["*", "space1"]}),
        "[request body.kibana.0.spaces]: types that failed validation:\n"
        "- [request body.kibana.0.spaces.0.1]: expected value to equal [*] but got [space1]\n"
        "- [request body.kibana.0.spaces.1.0]: must be lower case, a-z, 0-9, '_', and '-'"
        " are allowed",
    ),
    "all spaces twice": (
        role_body({"base": ["all"], "spaces": ["*", "*"]}),
        "[request body.kibana.0.spaces]: types that failed validation:\n"
        "- [request body.kibana.0.spaces.0]: array size is [2], but cannot be greater than [1]\n"
        "- [request body.kibana.0.spaces.1.0]: must be lower case, a-z, 0-9, '_', and '-'"
        " are allowed",
    ),
    "bad space id before a missing base and feature": (
        role_body({"spaces": ["Space1"]}),
        "[request body.kibana.0.spaces]: types that failed validation:\n"
        "- [request body.kibana.0.spaces.0.0]: expected value to equal [*] but got [Space1]\n"
        "- [request body.kibana.0.spaces.1.0]: must be lower case, a-z, 0-9, '_', and '-'"
        " are allowed",
    ),
    "bad space id in the second entry": (
        role_body({"base": ["all"], "spaces": ["space1"]}, {"base": ["read"], "spaces": ["a b"]}),
        "[request body.kibana.1.spaces]: types that failed validation:\n"
        "- [request body.kibana.1.spaces.0.0]: expected value to equal [*] but got [a b]\n"
        "- [request body.kibana.1.spaces.1.0]: must be lower case, a-z, 0-9, '_', and '-'"
        " are allowed",
    ),
    "the same space in two entries": (
        role_body(
            {"base": ["all"], "spaces": ["space1"]},
            {"feature": {"generalCases": ["read"]}, "spaces": ["space2", "space1"]},
        ),
        "[request body.kibana]: more than one privilege is applied to the following spaces:"
        " [space1]",
    ),
    "all spaces in two entries": (
        role_body({"base": ["all"]}, {"feature": {"generalCases": ["read"]}, "spaces": ["*"]}),
        "[request body.kibana]: more than one privilege is applied to the following spaces: [*]",
    ),
    "bad feature name": (
        role_body({"feature": {"general cases": ["all"]}}),
        "[request body.kibana.0.feature.key(\"general cases\")]: only a-z, A-Z, 0-9, '_', and"
        " '-' are allowed",
    ),
    "bad feature privilege name": (
        role_body({"feature": {"generalCases": ["read", "all!"]}}),
        "[request body.kibana.0.feature.generalCases.1]: only a-z, A-Z, 0-9, '_', and '-' are"
        " allowed",
    ),
    "feature privileges not an array": (
        role_body({"feature": {"generalCases": "all"}}),
        "[request body.kibana.0.feature.generalCases]: expected value of type [array] but got"
        " [string]",
    ),
    "unknown key in an entry": (
        role_body({"base": ["all"], "_reserved": ["x"]}),
        "[request body.kibana.0._reserved]: definition for this key is missing",
    ),
    "missing elasticsearch": (
        {"kibana": [{"base": ["all"]}]},
        "[request body.elasticsearch]: expected a plain object value, but found [undefined]"
        " instead.",
    ),
    "unknown key in elasticsearch": (
        {"elasticsearch": {"foo": []}},
        "[request body.elasticsearch.foo]: definition for this key is missing",
    ),
    "unknown top-level key": (
        {"elasticsearch": {}, "foo": 1},
        "[request body.foo]: definition for this key is missing",
    ),
    "kibana not an array": (
        {"elasticsearch": {}, "kibana": {}},
        "[request body.kibana]: expected value of type [array] but got [Object]",
    ),
    "description too long": (
        {"elasticsearch": {}, "description": "x" * 2049},
        "[request body.description]: value has length [2049] but it must have a maximum length"
        " of [2048].",
    ),
    "unsupported feature privilege": (
        role_body({"feature": {"generalCases": ["foo"]}}),
        'Role cannot be updated due to validation errors: ["Feature [generalCases] does not'
        ' support privilege [foo]."]',
    ),
    "unsupported privileges of two features": (
        role_body(
            {"feature": {"generalCasesV2": ["read", "bar"]}, "spaces": ["space1"]},
            {"feature": {"observabilityCases": ["foo"]}, "spaces": ["space2"]},
        ),
        'Role cannot be updated due to validation errors: ["Feature [generalCasesV2] does not'
        ' support privilege [bar].","Feature [observabilityCases] does not support privilege'
        ' [foo]."]',
    ),
}


@pytest.mark.parametrize(("body", "message"), INVALID.values(), ids=INVALID)
async def test_invalid_role_is_refused_and_not_stored(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await client.put("/api/security/role/r1", json=body)
    assert response.status_code == 400
    assert response.json() == error(400, message)
    assert (await client.get("/api/security/role/r1")).status_code == 404


async def test_unknown_feature_is_accepted(client: httpx.AsyncClient) -> None:
    body = role_body({"feature": {"discover": ["all"], "generalCases": ["minimal_read"]}})
    assert (await client.put("/api/security/role/r1", json=body)).status_code == 204
    kibana = (await client.get("/api/security/role/r1")).json()["kibana"]
    assert kibana == [
        {
            "base": [],
            "feature": {"discover": ["all"], "generalCases": ["minimal_read"]},
            "spaces": ["*"],
        }
    ]


async def test_non_superuser_cannot_manage_roles(client: httpx.AsyncClient, users: Users) -> None:
    async with await users.user("u1", ["kibana_admin"]) as user:
        for method, path, body, action in [
            ("GET", "/api/security/role", None, "get"),
            ("GET", "/api/security/role/viewer", None, "get"),
            ("PUT", "/api/security/role/r1", role_body({"base": ["all"]}), "put"),
            ("DELETE", "/api/security/role/viewer", None, "delete"),
        ]:
            response = await user.request(method, path, json=body)
            assert response.status_code == 403, (method, path)
            reason = (
                f"action [cluster:admin/xpack/security/role/{action}] is unauthorized for user"
                " [u1] with effective roles [kibana_admin], this action is granted by the cluster"
                f" privileges [{'read_security,' if action == 'get' else ''}manage_security,all]"
            )
            assert response.json() == {
                "statusCode": 403,
                "error": "Forbidden",
                "message": f"[security_exception\n\tRoot causes:\n\t\tsecurity_exception:"
                f" {reason}]: {reason}",
            }
    assert (await client.get("/api/security/role/r1")).status_code == 404


async def test_role_change_takes_effect_at_once(
    client: httpx.AsyncClient, users: Users, space1: dict[str, Any]
) -> None:
    await users.role("r1", [{"feature": {"generalCases": ["read"]}, "spaces": ["default"]}])
    async with await users.user("u1", ["r1"]) as user:
        response = await user.get("/api/spaces/space")
        assert response.status_code == 200
        assert response.json() == [DEFAULT_SPACE]
        response = await user.get("/api/spaces/space/space1")
        assert response.status_code == 403
        await users.role(
            "r1", [{"feature": {"generalCases": ["read"]}, "spaces": ["default", "space1"]}]
        )
        assert (await user.get("/api/spaces/space")).json() == [DEFAULT_SPACE, space1]
        assert (await user.get("/api/spaces/space/space1")).json() == space1
        await users.role("r1", [{"feature": {"generalCases": ["read"]}, "spaces": ["space1"]}])
        assert (await user.get("/api/spaces/space")).json() == [space1]
        assert (await client.delete("/api/security/role/r1")).status_code == 204
        # Kibana's secure spaces client refuses a list with no space at all.
        response = await user.get("/api/spaces/space")
        assert response.status_code == 403
        assert response.json() == {
            "statusCode": 403,
            "error": "Forbidden",
            "message": "Forbidden",
        }
