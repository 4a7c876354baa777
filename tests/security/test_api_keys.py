"""The internal API key routes, and authentication with `Authorization: ApiKey`."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.db import Database
from tests.conftest import Users, make_client

KEY_REFUSED = (
    "unable to authenticate with provided credentials and anonymous access is not allowed"
    " for this request"
)
DAY_MS = 86_400_000


def es_error(status: int, kind: str, reason: str) -> dict[str, Any]:
    """An Elasticsearch error as Kibana passes it on."""
    phrase = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}[status]
    message = f"[{kind}\n\tRoot causes:\n\t\t{kind}: {reason}]: {reason}"
    return {"statusCode": status, "error": phrase, "message": message}


KEY_401 = es_error(401, "security_exception", KEY_REFUSED)
NO_CREDENTIALS = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}
CREATE = "cluster:admin/xpack/security/api_key/create"
# Elasticsearch's list (ClusterPrivilegeResolver.findPrivilegesThatGrant: least privileged first).
CREATE_PRIVILEGES = "manage_own_api_key,manage_api_key,manage_security,all"
DERIVED_REFUSED = es_error(
    400,
    "illegal_argument_exception",
    "creating derived api keys requires an explicit role descriptor that is empty"
    " (has no privileges)",
)


def with_key(app: Starlette, encoded: str) -> httpx.AsyncClient:
    """A client authenticating with an API key."""
    return make_client(app, headers={"Authorization": f"ApiKey {encoded}", "kbn-xsrf": "true"})


async def create_key(client: httpx.AsyncClient, name: str, **body: Any) -> dict[str, Any]:
    """Create an API key; its creation answer."""
    response = await client.post("/internal/security/api_key", json={"name": name, **body})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


# A role that lets its users create API keys of their own, as Elasticsearch's roles do.
OWN_KEYS = "own_keys"


async def key_maker(users: Users, username: str, roles: list[str]) -> httpx.AsyncClient:
    """A user with `roles` and the cluster privilege to create its own keys; a client as it."""
    body = {"elasticsearch": {"cluster": ["manage_own_api_key"]}, "kibana": []}
    response = await users.admin.put(f"/api/security/role/{OWN_KEYS}", json=body)
    assert response.status_code == 204, response.text
    return await users.user(username, [*roles, OWN_KEYS])


def me_by_key(username: str, roles: list[str]) -> dict[str, Any]:
    """GET /internal/security/me for a native user's API key, minus its profile uid."""
    realm = {"name": "_es_api_key", "type": "_es_api_key"}
    return {
        "username": username,
        "roles": roles,
        "full_name": None,
        "email": None,
        "enabled": True,
        "metadata": {},
        "authentication_realm": realm,
        "lookup_realm": realm,
        "authentication_provider": {"type": "http", "name": "__http__"},
        "authentication_type": "api_key",
        "elastic_cloud_user": False,
    }


async def test_create_answers_the_secret_once(client: httpx.AsyncClient) -> None:
    response = await client.post("/internal/security/api_key", json={"name": "k1"})
    assert response.status_code == 200
    created = response.json()
    assert list(created) == ["id", "name", "api_key", "encoded"]
    assert created["name"] == "k1"
    assert len(created["id"]) == 20
    assert len(created["api_key"]) == 22
    assert (
        created["encoded"]
        == base64.b64encode(f"{created['id']}:{created['api_key']}".encode()).decode()
    )
    other = await create_key(client, "k1")
    assert other["id"] != created["id"]
    assert other["api_key"] != created["api_key"]


@pytest.mark.parametrize(("expiration", "ms"), [("1d", DAY_MS), ("90m", 90 * 60_000)])
async def test_create_with_expiration(client: httpx.AsyncClient, expiration: str, ms: int) -> None:
    before = int(time.time() * 1000)
    response = await client.post(
        "/internal/security/api_key",
        json={"name": "k1", "expiration": expiration, "role_descriptors": {}, "metadata": {}},
    )
    after = int(time.time() * 1000) + 1
    assert response.status_code == 200
    created = response.json()
    assert list(created) == ["id", "name", "api_key", "encoded", "expiration"]
    assert before + ms <= created["expiration"] <= after + ms


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {},
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "[request body.name]: expected value of type [string] but got"
                " [undefined]",
            },
        ),
        (
            {"name": "x" * 257},
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "[request body.name]: value has length [257] but it must have a"
                " maximum length of [256].",
            },
        ),
        (
            {"name": "k1", "foo": 1},
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": "[request body.foo]: definition for this key is missing",
            },
        ),
        (
            {"name": "k1", "expiration": "soon"},
            es_error(
                400,
                "illegal_argument_exception",
                "failed to parse setting [expiration] with value [soon] as a time value: unit is"
                " missing or unrecognized",
            ),
        ),
        (
            {"name": "k1", "expiration": "99999999999999999999d"},
            es_error(
                400,
                "illegal_argument_exception",
                "failed to parse [99999999999999999999d], fractional time values are not supported",
            ),
        ),
        (
            {"name": "k1", "expiration": "1.5d"},
            es_error(
                400,
                "illegal_argument_exception",
                "failed to parse [1.5d], fractional time values are not supported",
            ),
        ),
        (
            {"name": "k1", "expiration": "-5d"},
            es_error(
                400,
                "illegal_argument_exception",
                "failed to parse setting [expiration] with value [-5d] as a time value: negative"
                " durations are not supported",
            ),
        ),
        (
            {"name": "k1", "expiration": "5M"},
            es_error(
                400,
                "illegal_argument_exception",
                "failed to parse setting [expiration] with value [5M] as a time value: unit is"
                " missing or unrecognized",
            ),
        ),
        (
            {"name": "k1", "expiration": "xd"},
            es_error(400, "illegal_argument_exception", "failed to parse [xd]"),
        ),
        (
            {"name": "k1", "expiration": "9223372036854775807d"},
            es_error(400, "illegal_argument_exception", "failed to parse [9223372036854775807d]"),
        ),
    ],
    ids=[
        "no name",
        "name too long",
        "unknown key",
        "bad expiration",
        "expiration beyond a long",
        "fractional expiration",
        "negative expiration",
        "months are no unit",
        "expiration without a number",
        "expiration beyond a long of milliseconds",
    ],
)
async def test_invalid_create_is_refused(
    client: httpx.AsyncClient, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = await client.post("/internal/security/api_key", json=body)
    assert response.status_code == 400
    assert response.json() == expected
    assert (await client.get("/internal/security/api_key")).json()["apiKeys"] == []


async def test_key_acts_as_its_creator(app: Starlette, users: Users) -> None:
    async with await key_maker(users, "u1", ["viewer"]) as user:
        created = await create_key(user, "k1")
        profile_uid = (await user.get("/internal/security/me")).json()["profile_uid"]
    async with with_key(app, created["encoded"]) as key:
        response = await key.get("/internal/security/me")
    assert response.status_code == 200
    assert response.json() == {
        **me_by_key("u1", ["viewer", OWN_KEYS]),
        "profile_uid": profile_uid,
    }


async def test_key_of_elastic(app: Starlette, client: httpx.AsyncClient) -> None:
    created = await create_key(client, "k1")
    async with with_key(app, created["encoded"]) as key:
        me = (await key.get("/internal/security/me")).json()
        assert me["username"] == "elastic"
        assert me["authentication_type"] == "api_key"
        response = await key.post("/api/spaces/space", json={"id": "s2", "name": "S2"})
        assert response.status_code == 200


async def test_key_carries_its_creators_current_roles(
    app: Starlette, client: httpx.AsyncClient, users: Users, space1: dict[str, Any]
) -> None:
    await users.role("in_default", [{"base": ["read"], "spaces": ["default"]}])
    await users.role("in_space1", [{"base": ["read"], "spaces": ["space1"]}])
    async with await key_maker(users, "u1", ["in_default"]) as user:
        created = await create_key(user, "k1")
    async with with_key(app, created["encoded"]) as key:
        me = await key.get("/internal/security/me")
        assert me.json()["roles"] == ["in_default", OWN_KEYS]
        assert [s["id"] for s in (await key.get("/api/spaces/space")).json()] == ["default"]
        response = await client.post(
            "/internal/security/users/u1", json={"username": "u1", "roles": ["in_space1"]}
        )
        assert response.status_code == 200
        assert (await key.get("/internal/security/me")).json()["roles"] == ["in_space1"]
        assert (await key.get("/api/spaces/space")).json() == [space1]


async def test_list_shows_the_callers_keys_without_secrets(
    client: httpx.AsyncClient, users: Users
) -> None:
    own = await create_key(client, "elastic-key")
    async with await key_maker(users, "u1", []) as user:
        k1 = await create_key(user, "k1")
        k2 = await create_key(user, "k2", expiration="1d")
        response = await user.get("/internal/security/api_key")
    assert response.status_code == 200
    for secret in (own, k1, k2):
        assert secret["api_key"] not in response.text
    assert '"api_key"' not in response.text
    assert "key_hash" not in response.text
    body = response.json()
    keys = sorted(body.pop("apiKeys"), key=lambda k: k["name"])
    assert body == {
        "canManageCrossClusterApiKeys": False,
        "canManageApiKeys": False,
        "canManageOwnApiKeys": True,
    }
    for key in keys:
        assert isinstance(key.pop("creation"), int)
    common = {"type": "rest", "invalidated": False, "username": "u1", "realm": "default_native"}
    assert keys == [
        {"id": k1["id"], "name": "k1", **common, "metadata": {}},
        {"id": k2["id"], "name": "k2", **common, "metadata": {}, "expiration": k2["expiration"]},
    ]

    response = await client.get("/internal/security/api_key")
    body = response.json()
    assert [(k["id"], k["username"], k["realm"]) for k in body.pop("apiKeys")] == [
        (own["id"], "elastic", "reserved")
    ]
    assert body == {
        "canManageCrossClusterApiKeys": True,
        "canManageApiKeys": True,
        "canManageOwnApiKeys": True,
    }


async def test_invalidate_own_key(app: Starlette, users: Users) -> None:
    async with await key_maker(users, "u1", []) as user:
        created = await create_key(user, "k1")
        kept = await create_key(user, "k2")
        async with with_key(app, created["encoded"]) as key:
            assert (await key.get("/internal/security/me")).status_code == 200
            response = await user.post(
                "/internal/security/api_key/invalidate",
                json={"apiKeys": [{"id": created["id"], "name": "k1"}], "isAdmin": False},
            )
            assert response.status_code == 200
            assert response.json() == {
                "itemsInvalidated": [{"id": created["id"], "name": "k1"}],
                "errors": [],
            }
            response = await key.get("/internal/security/me")
            assert response.status_code == 401
            assert response.json() == KEY_401
        listed = (await user.get("/internal/security/api_key")).json()["apiKeys"]
        assert [k["id"] for k in listed] == [kept["id"]]
    async with with_key(app, kept["encoded"]) as key:
        assert (await key.get("/internal/security/me")).status_code == 200


async def test_a_key_may_invalidate_itself(app: Starlette, client: httpx.AsyncClient) -> None:
    created = await create_key(client, "k1")
    async with with_key(app, created["encoded"]) as key:
        response = await key.post(
            "/internal/security/api_key/invalidate",
            json={"apiKeys": [{"id": created["id"], "name": "k1"}], "isAdmin": False},
        )
        assert response.json()["itemsInvalidated"] == [{"id": created["id"], "name": "k1"}]
        assert (await key.get("/internal/security/me")).status_code == 401


async def test_invalidating_another_users_key_needs_is_admin(
    app: Starlette, client: httpx.AsyncClient, users: Users
) -> None:
    elastic_key = await create_key(client, "ek")
    async with await key_maker(users, "u1", ["kibana_admin"]) as user:
        body = {"apiKeys": [{"id": elastic_key["id"], "name": "ek"}], "isAdmin": False}
        response = await user.post("/internal/security/api_key/invalidate", json=body)
        assert response.status_code == 200
        assert response.json() == {
            "itemsInvalidated": [],
            "errors": [
                {
                    "id": elastic_key["id"],
                    "name": "ek",
                    "error": {
                        "statusCode": 404,
                        "error": "Not Found",
                        "message": f"api key [{elastic_key['id']}] not found",
                    },
                }
            ],
        }
        response = await user.post(
            "/internal/security/api_key/invalidate", json={**body, "isAdmin": True}
        )
        assert response.status_code == 403
        reason = (
            "action [cluster:admin/xpack/security/api_key/invalidate] is unauthorized for user"
            f" [u1] with effective roles [kibana_admin,{OWN_KEYS}], this action is granted by"
            " the cluster privileges [manage_api_key,manage_security,all]"
        )
        assert response.json() == es_error(403, "security_exception", reason)
        u1_key = await create_key(user, "k1")
    async with with_key(app, elastic_key["encoded"]) as key:
        assert (await key.get("/internal/security/me")).status_code == 200

    response = await client.post(
        "/internal/security/api_key/invalidate",
        json={"apiKeys": [{"id": u1_key["id"], "name": "k1"}], "isAdmin": True},
    )
    assert response.json() == {
        "itemsInvalidated": [{"id": u1_key["id"], "name": "k1"}],
        "errors": [],
    }
    async with with_key(app, u1_key["encoded"]) as key:
        assert (await key.get("/internal/security/me")).json() == KEY_401


async def test_invalidate_unknown_key(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/internal/security/api_key/invalidate",
        json={"apiKeys": [{"id": "nope", "name": "x"}], "isAdmin": True},
    )
    assert response.status_code == 200
    assert response.json() == {
        "itemsInvalidated": [],
        "errors": [
            {
                "id": "nope",
                "name": "x",
                "error": {
                    "statusCode": 404,
                    "error": "Not Found",
                    "message": "api key [nope] not found",
                },
            }
        ],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"apiKeys": []}, "[request body.isAdmin]: expected value of type [boolean]"),
        ({"isAdmin": False}, "[request body.apiKeys]: expected value of type [array]"),
        (
            {"apiKeys": [{"id": "a"}], "isAdmin": False},
            "[request body.apiKeys.0.name]: expected value of type [string]",
        ),
    ],
    ids=["no isAdmin", "no apiKeys", "key without name"],
)
async def test_invalid_invalidate_is_refused(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await client.post("/internal/security/api_key/invalidate", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": f"{message} but got [undefined]",
    }


async def test_expired_key_is_refused(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    created = await create_key(client, "k1", expiration="1d")
    await db.execute(
        "UPDATE api_keys SET expiration = :e WHERE id = :id",
        {"e": "2000-01-01T00:00:00.000Z", "id": created["id"]},
    )
    async with with_key(app, created["encoded"]) as key:
        response = await key.get("/internal/security/me")
    assert response.status_code == 401
    assert response.json() == KEY_401


async def test_deleting_the_user_stops_its_keys(
    app: Starlette, client: httpx.AsyncClient, users: Users, db: Database
) -> None:
    async with await key_maker(users, "u1", []) as user:
        created = await create_key(user, "k1")
    async with with_key(app, created["encoded"]) as key:
        assert (await key.get("/internal/security/me")).status_code == 200
        assert (await client.delete("/internal/security/users/u1")).status_code == 204
        response = await key.get("/internal/security/me")
        assert response.status_code == 401
        assert response.json() == KEY_401
    # Recreating the user does not bring its old keys back.
    async with await users.user("u1", []):
        pass
    async with with_key(app, created["encoded"]) as key:
        assert (await key.get("/internal/security/me")).status_code == 401


async def test_disabling_the_user_stops_its_keys(
    app: Starlette, client: httpx.AsyncClient, users: Users
) -> None:
    async with await key_maker(users, "u1", []) as user:
        created = await create_key(user, "k1")
    async with with_key(app, created["encoded"]) as key:
        assert (await key.get("/internal/security/me")).status_code == 200
        response = await client.post(
            "/internal/security/users/u1", json={"username": "u1", "roles": [], "enabled": False}
        )
        assert response.status_code == 200
        assert (await key.get("/internal/security/me")).json() == KEY_401


async def test_stored_key_is_hashed(client: httpx.AsyncClient, db: Database) -> None:
    created = await create_key(client, "k1")
    row = await db.fetch_one("SELECT * FROM api_keys WHERE id = :id", {"id": created["id"]})
    assert row is not None
    stored = " ".join(str(row[column]) for column in dict(row))
    assert created["api_key"] not in stored
    assert created["encoded"] not in stored
    assert row["key_hash"].startswith("$argon2")


def basic(value: str) -> str:
    """base64 of `value`."""
    return base64.b64encode(value.encode()).decode()


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        ("ApiKey not-base64!", NO_CREDENTIALS),
        (f"ApiKey {basic('no-separator')}", NO_CREDENTIALS),
        (f"ApiKey {basic(':secret')}", NO_CREDENTIALS),
        ("Bearer abc", NO_CREDENTIALS),
        ("wrong secret", KEY_401),
        ("unknown id", KEY_401),
    ],
)
async def test_bad_key_credentials(
    app: Starlette, client: httpx.AsyncClient, authorization: str, expected: dict[str, Any]
) -> None:
    created = await create_key(client, "k1")
    if authorization == "wrong secret":
        authorization = f"ApiKey {basic(created['id'] + ':' + created['api_key'][::-1])}"
    elif authorization == "unknown id":
        authorization = f"ApiKey {basic('x' * 20 + ':' + created['api_key'])}"
    async with make_client(app, headers={"Authorization": authorization}) as anonymous:
        response = await anonymous.get("/internal/security/me")
    assert response.status_code == 401
    assert response.json() == expected


@pytest.mark.parametrize(
    ("expiration", "ms", "listed"),
    [
        ("999999999d", 999_999_999 * DAY_MS, False),
        ("5D", 5 * DAY_MS, True),
        (" 2h", 2 * 3_600_000, True),
        ("1500ms", 1000, True),
        ("0", 0, True),
    ],
    ids=["beyond the year 9999", "upper-case unit", "leading space", "below a second", "zero"],
)
async def test_expiration_is_read_as_elasticsearch_reads_it(
    app: Starlette, client: httpx.AsyncClient, expiration: str, ms: int, listed: bool
) -> None:
    """Elasticsearch's TimeValue: units in any case but `m`, in whole seconds, any size.

    Elasticsearch answers `now + expiration` for whatever a long of milliseconds holds;
    OpenCases' timestamps end with the year 9999, so a key expiring later is kept as one
    that never expires (its creation still answers Elasticsearch's time). Beyond a long,
    Elasticsearch fails (a 500); OpenCases answers 400 (`expiration beyond a long of
    milliseconds` above).
    """
    before = int(time.time() * 1000)
    created = await create_key(client, "k1", expiration=expiration)
    after = int(time.time() * 1000) + 1
    assert before + ms <= created["expiration"] <= after + ms
    (key,) = (await client.get("/internal/security/api_key")).json()["apiKeys"]
    assert key.get("expiration") == (created["expiration"] if listed else None)
    if not listed:
        async with with_key(app, created["encoded"]) as by_key:
            assert (await by_key.get("/internal/security/me")).status_code == 200


async def test_a_key_made_with_a_key_has_no_privileges(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    """A key made with a key (a derived key) has no privileges, as in Elasticsearch.

    TransportCreateApiKeyAction asks for role descriptors that are all empty, and
    ApiKeyUserRoleDescriptorResolver limits the key by no role at all. So invalidating the
    parent leaves nothing to get round: the derived key is a key of its own (Elasticsearch
    has no cascade), still valid, that is allowed nothing.
    """
    parent = await create_key(client, "parent", expiration="1h")
    async with with_key(app, parent["encoded"]) as by_parent:
        derived = await create_key(by_parent, "derived", role_descriptors={"none": {}})
    assert list(derived) == ["id", "name", "api_key", "encoded"]
    response = await client.post(
        "/internal/security/api_key/invalidate",
        json={"apiKeys": [{"id": parent["id"], "name": "parent"}], "isAdmin": False},
    )
    assert response.json()["itemsInvalidated"] == [{"id": parent["id"], "name": "parent"}]
    profile_uid = (await client.get("/internal/security/me")).json()["profile_uid"]
    forbidden = {"statusCode": 403, "error": "Forbidden"}
    refused = [
        (
            "POST",
            "/api/spaces/space",
            {"id": "s2", "name": "S2"},
            {**forbidden, "message": "Unauthorized to create spaces"},
        ),
        ("GET", "/api/spaces/space", None, {**forbidden, "message": "Forbidden"}),
        (
            "GET",
            "/api/cases/configure",
            None,
            {**forbidden, "message": "Unauthorized to access case configurations of any owner"},
        ),
        (
            "GET",
            "/internal/security/users",
            None,
            es_error(
                403,
                "security_exception",
                "action [cluster:admin/xpack/security/user/get] is unauthorized for API key id"
                f" [{derived['id']}] of user [elastic], this action is granted by the cluster"
                " privileges [read_security,manage_security,all]",
            ),
        ),
        (
            "POST",
            "/internal/security/api_key",
            {"name": "k3", "role_descriptors": {"none": {}}},
            es_error(
                403,
                "security_exception",
                f"action [{CREATE}] is unauthorized for API key id [{derived['id']}] of user"
                " [elastic], this action is granted by the cluster privileges"
                f" [{CREATE_PRIVILEGES}]",
            ),
        ),
    ]
    async with with_key(app, derived["encoded"]) as key:
        me = await key.get("/internal/security/me")
        assert me.status_code == 200
        assert me.json() == {
            **me_by_key("elastic", []),
            "metadata": {"_reserved": True},
            "profile_uid": profile_uid,
        }
        for method, path, body, expected in refused:
            response = await key.request(method, path, json=body)
            assert (response.status_code, response.json()) == (expected["statusCode"], expected)
    async with with_key(app, parent["encoded"]) as by_parent:
        assert (await by_parent.get("/internal/security/me")).json() == KEY_401
    listed = (await client.get("/internal/security/api_key")).json()["apiKeys"]
    assert [key["id"] for key in listed] == [derived["id"]]


@pytest.mark.parametrize(
    "role_descriptors",
    [
        None,
        {},
        {"all": {"cluster": ["all"]}},
        {"none": {}, "some": {"indices": [{"names": ["*"], "privileges": ["read"]}]}},
        {"tagged": {"metadata": {"team": "a"}}},
    ],
    ids=["none given", "empty", "granting", "one of two granting", "metadata"],
)
async def test_a_key_cannot_make_a_key_that_could_be_granted_anything(
    app: Starlette, client: httpx.AsyncClient, db: Database, role_descriptors: Any
) -> None:
    """Elasticsearch refuses a derived key unless every role descriptor is empty.

    Kibana sends `{}` when the body gives none (restApiKeySchema's default): refused too.
    """
    parent = await create_key(client, "parent")
    body: dict[str, Any] = {"name": "derived"}
    if role_descriptors is not None:
        body["role_descriptors"] = role_descriptors
    async with with_key(app, parent["encoded"]) as by_parent:
        response = await by_parent.post("/internal/security/api_key", json=body)
    assert response.status_code == 400
    assert response.json() == DERIVED_REFUSED
    rows = await db.fetch_all("SELECT id FROM api_keys")
    assert [row["id"] for row in rows] == [parent["id"]]


async def test_a_key_whose_role_descriptors_are_all_empty_has_no_privileges(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    """Elasticsearch gives a key its descriptors' privileges within its owner's: here none."""
    created = await create_key(
        client, "nothing", role_descriptors={"none": {"cluster": [], "indices": []}}
    )
    async with with_key(app, created["encoded"]) as key:
        assert (await key.get("/internal/security/me")).json()["roles"] == []
        response = await key.post("/api/spaces/space", json={"id": "s2", "name": "S2"})
    assert response.status_code == 403
    assert response.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Unauthorized to create spaces",
    }


CASES_ALL = [{"base": [], "feature": {"generalCases": ["all"]}, "spaces": ["*"]}]


@pytest.mark.parametrize(
    ("roles", "described"),
    [
        ([], "with effective roles []"),
        (["viewer"], "with effective roles [viewer]"),
        (["kibana_admin", "cases_all"], "with effective roles [cases_all,kibana_admin]"),
        (
            ["viewer", "nosuch", "gone"],
            "with effective roles [viewer] (assigned roles [gone,nosuch] were not found)",
        ),
        (["monitor"], "with effective roles [monitor]"),
    ],
    ids=["no role", "viewer", "Kibana admin and feature roles", "unknown roles", "monitor"],
)
async def test_creating_a_key_needs_a_cluster_privilege_that_grants_it(
    users: Users, db: Database, roles: list[str], described: str
) -> None:
    """As in Elasticsearch: creating a key needs manage_own_api_key (or more) on a role.

    Kibana's roles and privileges grant none: `kibana_admin` and `viewer` have no cluster
    privileges (ReservedRolesStore), and a Kibana feature privilege is an application
    privilege, never a cluster one (nor is `manage`, which leaves security out). So a
    Kibana user in those roles is refused by Elasticsearch with this 403, which Kibana
    passes on; OpenCases does the same.
    """
    await users.role("cases_all", CASES_ALL)
    monitor = {"elasticsearch": {"cluster": ["monitor", "manage"]}, "kibana": []}
    assert (await users.admin.put("/api/security/role/monitor", json=monitor)).status_code == 204
    async with await users.user("u1", roles) as user:
        response = await user.post("/internal/security/api_key", json={"name": "k1"})
        assert response.status_code == 403
        assert response.json() == es_error(
            403,
            "security_exception",
            f"action [{CREATE}] is unauthorized for user [u1] {described}, this action is"
            f" granted by the cluster privileges [{CREATE_PRIVILEGES}]",
        )
        listed = (await user.get("/internal/security/api_key")).json()
        assert listed["canManageOwnApiKeys"] is False
    assert await db.fetch_all("SELECT id FROM api_keys") == []


@pytest.mark.parametrize(
    "cluster",
    [
        ["manage_own_api_key"],
        ["manage_api_key"],
        ["manage_security"],
        ["all"],
        ["MANAGE_OWN_API_KEY"],
        ["cluster:admin/xpack/security/api_key/*"],
        ["cluster:admin/xpack/security/api_key/create"],
    ],
)
async def test_a_cluster_privilege_that_grants_creating_keys(
    users: Users, cluster: list[str]
) -> None:
    """Any privilege that holds the create action will do, or a pattern of the action."""
    role = {"elasticsearch": {"cluster": cluster}, "kibana": []}
    assert (await users.admin.put("/api/security/role/keys", json=role)).status_code == 204
    async with await users.user("u1", ["keys"]) as user:
        await create_key(user, "k1")
        assert (await user.get("/internal/security/api_key")).json()["canManageOwnApiKeys"]
