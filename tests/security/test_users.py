"""The internal users routes, password changes and GET /internal/security/me."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from opencases.db import Database, Executor
from opencases.security import secrets
from opencases.security import store as security_store
from tests.conftest import ELASTIC_PASSWORD, Users, make_client

ELASTIC_PROFILE_UID = "u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0"
ELASTIC = {
    "username": "elastic",
    "email": None,
    "full_name": None,
    "roles": ["superuser"],
    "enabled": True,
    "metadata": {"_reserved": True},
}


def es_error(status: int, kind: str, reason: str) -> dict[str, Any]:
    """An Elasticsearch error as Kibana passes it on."""
    phrase = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}[status]
    message = f"[{kind}\n\tRoot causes:\n\t\t{kind}: {reason}]: {reason}"
    return {"statusCode": status, "error": phrase, "message": message}


def error(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope."""
    phrase = {400: "Bad Request", 403: "Forbidden", 404: "Not Found"}[status]
    return {"statusCode": status, "error": phrase, "message": message}


def bad_login(username: str) -> dict[str, Any]:
    """The 401 for a wrong, unknown or disabled user."""
    return es_error(
        401,
        "security_exception",
        f"unable to authenticate user [{username}] for REST request [/_security/_authenticate]",
    )


def profile_uid(username: str) -> str:
    """Elasticsearch's profile uid of a native user."""
    digest = hashlib.sha256(username.encode()).digest()
    return "u_" + base64.urlsafe_b64encode(digest).decode().rstrip("=") + "_0"


def as_user(app: Starlette, username: str, password: str) -> httpx.AsyncClient:
    """A client sending `username:password`."""
    return make_client(app, auth=(username, password), headers={"kbn-xsrf": "true"})


async def create(client: httpx.AsyncClient, username: str, **body: Any) -> httpx.Response:
    """POST a user with a password and no roles unless given."""
    body = {"username": username, "password": "password1", "roles": [], **body}
    return await client.post(f"/internal/security/users/{username}", json=body)


async def test_create_echoes_the_body_without_password(client: httpx.AsyncClient) -> None:
    body = {
        "username": "u1",
        "password": "password1",
        "roles": ["r1", "r2"],
        "full_name": "User One",
        "email": "u1@example.com",
        "metadata": {"team": "a"},
    }
    response = await client.post("/internal/security/users/u1", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "username": "u1",
        "roles": ["r1", "r2"],
        "full_name": "User One",
        "email": "u1@example.com",
        "metadata": {"team": "a"},
        "enabled": True,
    }
    response = await client.get("/internal/security/users/u1")
    assert response.status_code == 200
    assert response.json() == {
        "username": "u1",
        "email": "u1@example.com",
        "full_name": "User One",
        "roles": ["r1", "r2"],
        "enabled": True,
        "metadata": {"team": "a"},
    }


async def test_minimal_user_echo_and_defaults(client: httpx.AsyncClient) -> None:
    response = await create(client, "u1")
    assert response.status_code == 200
    assert response.json() == {"username": "u1", "roles": [], "enabled": True}
    response = await client.get("/internal/security/users/u1")
    assert response.json() == {
        "username": "u1",
        "email": None,
        "full_name": None,
        "roles": [],
        "enabled": True,
        "metadata": {},
    }


async def test_list_users_sorted_with_elastic(client: httpx.AsyncClient) -> None:
    assert (await create(client, "zed", roles=["viewer"])).status_code == 200
    assert (await create(client, "amy", full_name="Amy")).status_code == 200
    response = await client.get("/internal/security/users")
    assert response.status_code == 200
    assert response.json() == [
        {
            "username": "amy",
            "email": None,
            "full_name": "Amy",
            "roles": [],
            "enabled": True,
            "metadata": {},
        },
        ELASTIC,
        {
            "username": "zed",
            "email": None,
            "full_name": None,
            "roles": ["viewer"],
            "enabled": True,
            "metadata": {},
        },
    ]


async def test_get_elastic(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/security/users/elastic")
    assert response.status_code == 200
    assert response.json() == ELASTIC


async def test_get_missing_user_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/security/users/nobody")
    assert response.status_code == 404
    assert response.json() == error(404, "[{}]: undefined")


async def test_update_without_password_keeps_the_password(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert (await create(client, "u1", roles=["r1"], email="a@example.com")).status_code == 200
    response = await client.post(
        "/internal/security/users/u1",
        json={"username": "u1", "roles": ["viewer"], "full_name": "New Name"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "username": "u1",
        "roles": ["viewer"],
        "full_name": "New Name",
        "enabled": True,
    }
    response = await client.get("/internal/security/users/u1")
    assert response.json() == {
        "username": "u1",
        "email": "a@example.com",
        "full_name": "New Name",
        "roles": ["viewer"],
        "enabled": True,
        "metadata": {},
    }
    async with as_user(app, "u1", "password1") as user:
        me = await user.get("/internal/security/me")
        assert me.status_code == 200
        assert me.json()["roles"] == ["viewer"]


async def test_update_with_password_replaces_it(app: Starlette, client: httpx.AsyncClient) -> None:
    assert (await create(client, "u1")).status_code == 200
    async with as_user(app, "u1", "password1") as old:
        assert (await old.get("/internal/security/me")).status_code == 200
        assert (await create(client, "u1", password="password2")).status_code == 200
        response = await old.get("/internal/security/me")
        assert response.status_code == 401
        assert response.json() == bad_login("u1")
    async with as_user(app, "u1", "password2") as new:
        assert (await new.get("/internal/security/me")).status_code == 200


async def test_delete_user(app: Starlette, client: httpx.AsyncClient, users: Users) -> None:
    async with await users.user("u1", ["viewer"]) as user:
        assert (await user.get("/internal/security/me")).status_code == 200
        response = await client.delete("/internal/security/users/u1")
        assert response.status_code == 204
        assert response.content == b""
        response = await user.get("/internal/security/me")
        assert response.status_code == 401
        assert response.json() == bad_login("u1")
    response = await client.get("/internal/security/users/u1")
    assert response.status_code == 404
    response = await client.delete("/internal/security/users/u1")
    assert response.status_code == 404
    assert response.json() == error(404, '[{"found":false}]: undefined')


async def test_deleted_user_can_be_created_again(app: Starlette, client: httpx.AsyncClient) -> None:
    assert (await create(client, "u1")).status_code == 200
    assert (await client.delete("/internal/security/users/u1")).status_code == 204
    assert (await create(client, "u1", password="password2")).status_code == 200
    async with as_user(app, "u1", "password2") as user:
        assert (await user.get("/internal/security/me")).status_code == 200


RESERVED_ROLES = "user [elastic] is reserved and only the password can be changed"


@pytest.mark.parametrize(
    ("method", "body", "reason"),
    [
        ("DELETE", None, "user [elastic] is reserved and cannot be deleted"),
        ("POST", {"username": "elastic", "roles": ["viewer"]}, RESERVED_ROLES),
        ("POST", {"username": "elastic", "roles": ["superuser"], "enabled": False}, RESERVED_ROLES),
    ],
    ids=["delete", "change roles", "disable"],
)
async def test_elastic_is_reserved(
    client: httpx.AsyncClient, method: str, body: dict[str, Any] | None, reason: str
) -> None:
    response = await client.request(method, "/internal/security/users/elastic", json=body)
    assert response.status_code == 400
    assert response.json() == es_error(400, "illegal_argument_exception", reason)
    response = await client.get("/internal/security/users/elastic")
    assert response.json() == ELASTIC


# (path username, body, status, message)
INVALID = {
    "password too short": (
        "u1",
        {"username": "u1", "password": "12345", "roles": []},
        es_error(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: passwords must be at least [6] characters long;",
        ),
    ),
    "new user without password": (
        "u1",
        {"username": "u1", "roles": []},
        es_error(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: passwords must be specified unless you are updating an"
            " existing user;",
        ),
    ),
    "body username differs from the path": (
        "u1",
        {"username": "u2", "password": "password1", "roles": []},
        error(
            400,
            "[request body.username]: username [u2] does not match the username in the path [u1]",
        ),
    ),
    "missing roles": (
        "u1",
        {"username": "u1", "password": "password1"},
        error(400, "[request body.roles]: expected value of type [array] but got [undefined]"),
    ),
    "missing username": (
        "u1",
        {"password": "password1", "roles": []},
        error(400, "[request body.username]: expected value of type [string] but got [undefined]"),
    ),
    "unknown key": (
        "u1",
        {"username": "u1", "password": "password1", "roles": [], "foo": 1},
        error(400, "[request body.foo]: definition for this key is missing"),
    ),
    "empty password": (
        "u1",
        {"username": "u1", "password": "", "roles": []},
        error(
            400,
            "[request body.password]: value has length [0] but it must have a minimum"
            " length of [1].",
        ),
    ),
    "empty role name": (
        "u1",
        {"username": "u1", "password": "password1", "roles": [""]},
        error(
            400,
            "[request body.roles.0]: value has length [0] but it must have a minimum"
            " length of [1].",
        ),
    ),
    "enabled not a boolean": (
        "u1",
        {"username": "u1", "password": "password1", "roles": [], "enabled": "yes"},
        error(400, "[request body.enabled]: expected value of type [boolean] but got [string]"),
    ),
}


@pytest.mark.parametrize(("username", "body", "expected"), INVALID.values(), ids=INVALID)
async def test_invalid_user_is_refused_and_not_stored(
    client: httpx.AsyncClient, username: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = await client.post(f"/internal/security/users/{username}", json=body)
    assert response.status_code == expected["statusCode"]
    assert response.json() == expected
    assert [user["username"] for user in (await client.get("/internal/security/users")).json()] == [
        "elastic"
    ]


UNAUTHORIZED_ACTIONS = [
    ("GET", "/internal/security/users", None, "user/get"),
    ("GET", "/internal/security/users/elastic", None, "user/get"),
    (
        "POST",
        "/internal/security/users/u2",
        {"username": "u2", "password": "password1", "roles": ["superuser"]},
        "user/put",
    ),
    ("DELETE", "/internal/security/users/elastic", None, "user/delete"),
    (
        "POST",
        "/internal/security/users/elastic/password",
        {"newPassword": "password9"},
        "user/change_password",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "action"),
    UNAUTHORIZED_ACTIONS,
    ids=["list", "get", "create", "delete", "change password"],
)
async def test_non_superuser_cannot_manage_users(
    app: Starlette,
    client: httpx.AsyncClient,
    users: Users,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    action: str,
) -> None:
    await users.role("admin_like", [{"base": ["all"], "spaces": ["*"]}])
    async with await users.user("u1", ["admin_like", "viewer"]) as user:
        response = await user.request(method, path, json=body)
    assert response.status_code == 403
    assert response.json() == es_error(
        403,
        "security_exception",
        f"action [cluster:admin/xpack/security/{action}] is unauthorized for user [u1]"
        " with effective roles [admin_like,viewer], this action is granted by the cluster"
        f" privileges [{'read_security,' if action.endswith('/get') else ''}manage_security,all]",
    )
    assert [u["username"] for u in (await client.get("/internal/security/users")).json()] == [
        "elastic",
        "u1",
    ]
    async with as_user(app, "elastic", ELASTIC_PASSWORD) as elastic:
        assert (await elastic.get("/internal/security/me")).status_code == 200


async def test_change_own_password(app: Starlette, users: Users) -> None:
    async with await users.user("u1", [], password="password1") as user:
        response = await user.post(
            "/internal/security/users/u1/password",
            json={"password": "password1", "newPassword": "password2"},
        )
        assert response.status_code == 204
        assert response.content == b""
        response = await user.get("/internal/security/me")
        assert response.status_code == 401
        assert response.json() == bad_login("u1")
    async with as_user(app, "u1", "password2") as user:
        assert (await user.get("/internal/security/me")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"password": "wrong-password", "newPassword": "password2"}, {"newPassword": "password2"}],
    ids=["wrong current password", "no current password"],
)
async def test_change_own_password_needs_the_current_one(
    app: Starlette, users: Users, body: dict[str, str]
) -> None:
    async with await users.user("u1", [], password="password1") as user:
        response = await user.post("/internal/security/users/u1/password", json=body)
        assert response.status_code == 403
        assert response.json() == es_error(
            403,
            "security_exception",
            "unable to authenticate user [u1] for REST request [/_security/user/u1/_password]",
        )
        assert (await user.get("/internal/security/me")).status_code == 200
    async with as_user(app, "u1", "password2") as user:
        assert (await user.get("/internal/security/me")).status_code == 401


async def test_superuser_changes_another_users_password(
    app: Starlette, client: httpx.AsyncClient, users: Users
) -> None:
    async with await users.user("u1", [], password="password1") as user:
        assert (await user.get("/internal/security/me")).status_code == 200
        response = await client.post(
            "/internal/security/users/u1/password", json={"newPassword": "password2"}
        )
        assert response.status_code == 204
        assert (await user.get("/internal/security/me")).status_code == 401
    async with as_user(app, "u1", "password2") as user:
        assert (await user.get("/internal/security/me")).status_code == 200


async def test_elastic_may_change_its_own_password(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/internal/security/users/elastic/password",
        json={"password": ELASTIC_PASSWORD, "newPassword": "new-elastic-password"},
    )
    assert response.status_code == 204
    response = await client.get("/internal/security/me")
    assert response.status_code == 401
    assert response.json() == bad_login("elastic")
    async with as_user(app, "elastic", "new-elastic-password") as elastic:
        assert (await elastic.get("/internal/security/me")).status_code == 200


@pytest.mark.parametrize(
    ("username", "body", "expected"),
    [
        (
            "u1",
            {"password": "password1", "newPassword": "short"},
            es_error(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: passwords must be at least [6] characters long;",
            ),
        ),
        (
            "u1",
            {"password": "password1"},
            error(
                400,
                "[request body.newPassword]: expected value of type [string] but got [undefined]",
            ),
        ),
        (
            "nobody",
            {"newPassword": "password2"},
            error(404, "[{}]: undefined"),
        ),
    ],
    ids=["new password too short", "new password missing", "missing user"],
)
async def test_change_password_refused(
    app: Starlette,
    client: httpx.AsyncClient,
    username: str,
    body: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    assert (await create(client, "u1")).status_code == 200
    response = await client.post(f"/internal/security/users/{username}/password", json=body)
    assert response.status_code == expected["statusCode"]
    assert response.json() == expected
    async with as_user(app, "u1", "password1") as user:
        assert (await user.get("/internal/security/me")).status_code == 200


async def test_disabled_user_is_refused_until_enabled(
    app: Starlette, client: httpx.AsyncClient, users: Users
) -> None:
    async with await users.user("u1", ["viewer"]) as user:
        assert (await user.get("/internal/security/me")).status_code == 200
        response = await client.post(
            "/internal/security/users/u1",
            json={"username": "u1", "roles": ["viewer"], "enabled": False},
        )
        assert response.status_code == 200
        assert response.json() == {"username": "u1", "roles": ["viewer"], "enabled": False}
        assert (await client.get("/internal/security/users/u1")).json()["enabled"] is False
        response = await user.get("/internal/security/me")
        assert response.status_code == 401
        assert response.json() == bad_login("u1")
        response = await client.post(
            "/internal/security/users/u1", json={"username": "u1", "roles": ["viewer"]}
        )
        assert response.status_code == 200
        response = await user.get("/internal/security/me")
        assert response.status_code == 200
        assert response.json()["enabled"] is True


async def test_user_created_disabled_cannot_log_in(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert (await create(client, "u1", enabled=False)).status_code == 200
    async with as_user(app, "u1", "password1") as user:
        response = await user.get("/internal/security/me")
    assert response.status_code == 401
    assert response.json() == bad_login("u1")


async def test_me_for_elastic(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/security/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "elastic",
        "roles": ["superuser"],
        "full_name": None,
        "email": None,
        "enabled": True,
        "metadata": {"_reserved": True},
        "authentication_realm": {"name": "reserved", "type": "reserved"},
        "lookup_realm": {"name": "reserved", "type": "reserved"},
        "authentication_provider": {"type": "http", "name": "__http__"},
        "authentication_type": "realm",
        "elastic_cloud_user": False,
        "profile_uid": ELASTIC_PROFILE_UID,
    }


async def test_me_for_a_native_user(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await create(
        client,
        "u1",
        roles=["viewer", "r1"],
        full_name="User One",
        email="u1@example.com",
        metadata={"k": "v"},
    )
    assert response.status_code == 200
    async with as_user(app, "u1", "password1") as user:
        response = await user.get("/internal/security/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "u1",
        "roles": ["viewer", "r1"],
        "full_name": "User One",
        "email": "u1@example.com",
        "enabled": True,
        "metadata": {"k": "v"},
        "authentication_realm": {"name": "default_native", "type": "native"},
        "lookup_realm": {"name": "default_native", "type": "native"},
        "authentication_provider": {"type": "http", "name": "__http__"},
        "authentication_type": "realm",
        "elastic_cloud_user": False,
        "profile_uid": profile_uid("u1"),
    }


async def test_profile_uid_is_stable_across_recreation(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert (await create(client, "u1")).status_code == 200
    async with as_user(app, "u1", "password1") as user:
        first = (await user.get("/internal/security/me")).json()["profile_uid"]
    assert (await client.delete("/internal/security/users/u1")).status_code == 204
    assert (await create(client, "u1")).status_code == 200
    async with as_user(app, "u1", "password1") as user:
        second = (await user.get("/internal/security/me")).json()["profile_uid"]
    assert first == second == profile_uid("u1")


@pytest.mark.parametrize(
    "auth",
    [None, ("elastic", "wrong-password"), ("nobody", "password1")],
    ids=["no credentials", "wrong password", "unknown user"],
)
async def test_me_needs_valid_credentials(app: Starlette, auth: tuple[str, str] | None) -> None:
    async with make_client(app, auth=auth) as anonymous:
        response = await anonymous.get("/internal/security/me")
    assert response.status_code == 401
    expected = (
        {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}
        if auth is None
        else bad_login(auth[0])
    )
    assert response.json() == expected


class HashingMeanwhile(PasswordHasher):
    """The tests' argon2 hasher, running `meanwhile` on the event loop as it hashes `secret`."""

    # Hashing runs on a worker thread: what `meanwhile` does lands between the start of a
    # request that hashes and its write, as a concurrent request's would.

    def __init__(self, secret: str, meanwhile: Callable[[], Coroutine[Any, Any, None]]) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.secret = secret
        self.meanwhile = meanwhile
        self.loop = asyncio.get_running_loop()
        self.ran = False

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        """The hash of `password`, after `meanwhile` ran if it is `secret`."""
        if password == self.secret and not self.ran:
            self.ran = True
            asyncio.run_coroutine_threadsafe(self.meanwhile(), self.loop).result(timeout=10)
        return super().hash(password, salt=salt)


@pytest.mark.parametrize("by", ["self", "superuser"])
@pytest.mark.parametrize(
    "change",
    [{"roles": []}, {"roles": ["viewer"], "enabled": False}],
    ids=["demoted", "disabled"],
)
async def test_a_password_change_keeps_an_admin_update_made_while_it_hashes(
    app: Starlette,
    client: httpx.AsyncClient,
    users: Users,
    monkeypatch: pytest.MonkeyPatch,
    by: str,
    change: dict[str, Any],
) -> None:
    """A password change writes the password alone, against the user as it is by then.

    Verifying the current password and hashing the new one take a while; an admin who
    demotes or disables the user meanwhile is not undone by the change.
    """

    async def admin_update() -> None:
        async with as_user(app, "elastic", ELASTIC_PASSWORD) as admin:
            body = {"username": "u1", **change}
            response = await admin.post("/internal/security/users/u1", json=body)
            assert response.status_code == 200, response.text

    async with await users.user("u1", ["viewer"], password="password1") as user:
        hasher = HashingMeanwhile("password2", admin_update)
        monkeypatch.setattr(secrets, "_hasher", hasher)
        if by == "self":
            body = {"password": "password1", "newPassword": "password2"}
            response = await user.post("/internal/security/users/u1/password", json=body)
        else:
            body = {"newPassword": "password2"}
            response = await client.post("/internal/security/users/u1/password", json=body)
    assert response.status_code == 204
    assert hasher.ran
    expected = {
        "username": "u1",
        "email": None,
        "full_name": None,
        "roles": change["roles"],
        "enabled": change.get("enabled", True),
        "metadata": {},
    }
    assert (await client.get("/internal/security/users/u1")).json() == expected
    if not expected["enabled"]:
        response = await client.post(
            "/internal/security/users/u1", json={"username": "u1", "roles": change["roles"]}
        )
        assert response.status_code == 200
    async with as_user(app, "u1", "password2") as new:
        me = await new.get("/internal/security/me")
        assert me.status_code == 200
        assert me.json()["roles"] == change["roles"]
    async with as_user(app, "u1", "password1") as old:
        assert (await old.get("/internal/security/me")).json() == bad_login("u1")


async def test_an_update_writes_only_what_its_body_sets(
    app: Starlette, client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the body leaves out is never written back, even if it changed since it was read.

    The update is made to read the user as it was before a password change and a new name
    (as if both landed between its read and its write): both stand.
    """
    assert (await create(client, "u1", roles=["viewer"], full_name="Before")).status_code == 200
    before = await security_store.get_user(db, "u1")
    response = await client.post(
        "/internal/security/users/u1/password", json={"newPassword": "password2"}
    )
    assert response.status_code == 204
    response = await client.post(
        "/internal/security/users/u1",
        json={"username": "u1", "roles": ["viewer"], "full_name": "After"},
    )
    assert response.status_code == 200
    get_user = security_store.get_user

    async def as_before(db: Executor, username: str) -> security_store.UserRecord | None:
        return before if username == "u1" else await get_user(db, username)

    with monkeypatch.context() as patch:
        patch.setattr(security_store, "get_user", as_before)
        response = await client.post(
            "/internal/security/users/u1",
            json={"username": "u1", "roles": [], "email": "u1@example.com"},
        )
    assert response.status_code == 200
    assert (await client.get("/internal/security/users/u1")).json() == {
        "username": "u1",
        "email": "u1@example.com",
        "full_name": "After",
        "roles": [],
        "enabled": True,
        "metadata": {},
    }
    async with as_user(app, "u1", "password2") as user:
        assert (await user.get("/internal/security/me")).status_code == 200
