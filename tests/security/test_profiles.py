"""Kibana's user profile routes the Cases UI uses: bulk get by uid, and the current profile.

POST /internal/security/user_profile/_bulk_get (the security plugin's
routes/user_profile/bulk_get.ts) and GET /internal/security/user_profile (get_current.ts).
A profile is Kibana's parseUserProfile of Elasticsearch's: `{uid, enabled, data, user:
{username, email?, full_name?}}`, `data` holding what was asked with `dataPath` (OpenCases
keeps no profile data: always `{}`). The current profile adds the user's roles, realm and
authentication provider, and `labels` (get_current.test.ts: it('returns user profile for
the current user.')).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from opencases.security.secrets import profile_uid
from tests.conftest import Users, make_client, snapshot

BULK_GET_URL = "/internal/security/user_profile/_bulk_get"
CURRENT_URL = "/internal/security/user_profile"


def error(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope."""
    phrase = {400: "Bad Request", 403: "Forbidden", 404: "Not Found"}[status]
    return {"statusCode": status, "error": phrase, "message": message}


async def named(users: Users, username: str, roles: list[str], **fields: Any) -> httpx.AsyncClient:
    """A user with a password, `roles` and the other fields given; a client acting as it."""
    body = {"username": username, "password": "password1", "roles": roles, **fields}
    response = await users.admin.post(f"/internal/security/users/{username}", json=body)
    assert response.status_code == 200, response.text
    return make_client(users.app, auth=(username, "password1"), headers={"kbn-xsrf": "true"})


def profile(username: str, **user: Any) -> dict[str, Any]:
    """A profile as parseUserProfile answers it (email and full_name only when set)."""
    return {
        "uid": profile_uid(username),
        "enabled": True,
        "data": {},
        "user": {"username": username, **user},
    }


async def refused(
    client: httpx.AsyncClient,
    db: Database,
    method: str,
    url: str,
    status: int,
    message: str,
    **kwargs: Any,
) -> None:
    """A request refused with Kibana's `status` and `message` that changes nothing."""
    before = await snapshot(db)
    response = await client.request(method, url, **kwargs)
    assert (response.status_code, response.json()) == (status, error(status, message))
    assert await snapshot(db) == before


# --- bulk get -----------------------------------------------------------------------------


async def test_bulk_get_answers_the_known_profiles_in_the_order_asked(
    client: httpx.AsyncClient, users: Users
) -> None:
    """bulk_get.ts: the profiles of the uids (a Set) that exist; unknown uids are left out."""
    await named(users, "jdoe", [], full_name="Jane Doe", email="jd@example.org")
    uids = [profile_uid("jdoe"), "u_unknown_0", profile_uid("elastic"), profile_uid("jdoe")]

    response = await client.post(BULK_GET_URL, json={"uids": uids, "dataPath": "avatar"})

    assert response.status_code == 200, response.text
    assert response.json() == [
        profile("jdoe", email="jd@example.org", full_name="Jane Doe"),
        profile("elastic"),
    ]


async def test_bulk_get_is_also_served_in_a_space(client: httpx.AsyncClient, users: Users) -> None:
    """The Cases UI asks from a space's pages: the profiles are the same in every space."""
    response = await client.post("/api/spaces/space", json={"id": "space1", "name": "Space 1"})
    assert response.status_code == 200, response.text

    response = await client.post(
        f"/s/space1{BULK_GET_URL}", json={"uids": [profile_uid("elastic")]}
    )

    assert (response.status_code, response.json()) == (200, [profile("elastic")])


async def test_a_reader_of_any_cases_may_bulk_get_profiles(users: Users) -> None:
    """The cases plugin's getApiTags: every Cases feature's read grants bulkGetUserProfiles."""
    await users.role(
        "sec_read", [{"feature": {"securitySolutionCases": ["read"]}, "spaces": ["*"]}]
    )
    reader = await named(users, "reader", ["sec_read"])

    response = await reader.post(BULK_GET_URL, json={"uids": [profile_uid("reader")]})

    assert (response.status_code, response.json()) == (200, [profile("reader")])


async def test_bulk_get_needs_the_api_privilege(users: Users, db: Database) -> None:
    """bulk_get.ts: `requiredPrivileges: ['bulkGetUserProfiles']`, checked at the route."""
    await users.role("actions_only", [{"feature": {"actions": ["all"]}, "spaces": ["*"]}])
    caller = await named(users, "actions_user", ["actions_only"])

    await refused(
        caller,
        db,
        "POST",
        BULK_GET_URL,
        403,
        f"API [POST {BULK_GET_URL}] is unauthorized for user, this action is granted by the"
        " Kibana privileges [bulkGetUserProfiles]",
        json={"uids": [profile_uid("elastic")]},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"uids": []}, "[request body.uids]: array size is [0], but cannot be smaller than [1]"),
        (
            {"uids": ["u"] * 1001},
            "[request body.uids]: array size is [1001], but cannot be greater than [1000]",
        ),
        ({}, "[request body.uids]: expected value of type [array] but got [undefined]"),
        ({"uids": [1]}, "[request body.uids.0]: expected value of type [string] but got [number]"),
        (
            {"uids": ["u"], "dataPath": 1},
            "[request body.dataPath]: expected value of type [string] but got [number]",
        ),
        ({"uids": ["u"], "other": 1}, "[request body.other]: definition for this key is missing"),
    ],
)
async def test_a_malformed_bulk_get_is_refused(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """bulk_get.ts: its config-schema body (uids: 1 to 1000 strings, dataPath: a string)."""
    await refused(client, db, "POST", BULK_GET_URL, 400, message, json=body)


# --- the current profile ------------------------------------------------------------------


async def test_the_current_profile_of_elastic(client: httpx.AsyncClient) -> None:
    """get_current.ts: the caller's profile, with its roles, realm and provider."""
    response = await client.get(CURRENT_URL, params={"dataPath": "avatar,userSettings"})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "uid": profile_uid("elastic"),
        "enabled": True,
        "data": {},
        "user": {
            "username": "elastic",
            "roles": ["superuser"],
            "realm_name": "reserved",
            "authentication_provider": {"type": "http", "name": "__http__"},
        },
        "labels": {},
    }


async def test_the_current_profile_of_a_native_user(users: Users) -> None:
    """get_current.ts: a native user's profile shows its name and email."""
    caller = await named(users, "jdoe", ["nothing"], full_name="Jane Doe", email="jd@example.org")

    response = await caller.get(CURRENT_URL)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "uid": profile_uid("jdoe"),
        "enabled": True,
        "data": {},
        "user": {
            "username": "jdoe",
            "email": "jd@example.org",
            "full_name": "Jane Doe",
            "roles": ["nothing"],
            "realm_name": "default_native",
            "authentication_provider": {"type": "http", "name": "__http__"},
        },
        "labels": {},
    }


async def test_the_current_profile_of_an_api_key_is_its_owner_s(
    client: httpx.AsyncClient, users: Users
) -> None:
    """Kibana's getCurrent: an API key's profile is the one its owner's uid names."""
    response = await client.post("/internal/security/api_key", json={"name": "k"})
    assert response.status_code == 200, response.text
    key = response.json()["encoded"]

    async with make_client(users.app, headers={"authorization": f"ApiKey {key}"}) as by_key:
        by_key_profile = await by_key.get(CURRENT_URL)

    assert by_key_profile.status_code == 200, by_key_profile.text
    assert by_key_profile.json() == (await client.get(CURRENT_URL)).json()


async def test_an_unknown_query_parameter_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """get_current.ts: its config-schema query (`dataPath` only)."""
    await refused(
        client,
        db,
        "GET",
        CURRENT_URL,
        400,
        "[request query.other]: definition for this key is missing",
        params={"other": "x"},
    )
