"""GET /internal/cases/{case_id}/_users: Kibana's user_actions_get_users.ts, ported.

(x-pack/platform/test/cases_api_integration/security_and_spaces/tests/common/internal/
user_actions_get_users.ts.) Kibana reads each user's profile from Elasticsearch; OpenCases'
profile of a user is the user itself (security/profiles), found by its `profile_uid`. No
profile holds an avatar, so Kibana's avatar tests (`does not throw with imageUrl set to
null`, `does not return any avatar data if they are not a string`) and its io-ts schema
test have nothing to port.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database, to_json
from opencases.security.secrets import profile_uid
from tests.cases.conftest import ELASTIC, case_request, create_case, refused, update_cases
from tests.configure.conftest import KibanaUsers, space_prefix
from tests.conftest import Users, make_client

NOBODY = {"email": None, "full_name": None, "username": None}
ELASTIC_USER = {
    "user": {"email": None, "full_name": None, "username": "elastic"},
    "uid": ELASTIC["profile_uid"],
}


def users_url(case_id: str, *, space: str | None = None) -> str:
    """Kibana's getCaseUsersUrl."""
    return f"{space_prefix(space)}/internal/cases/{case_id}/_users"


async def get_case_users(
    client: httpx.AsyncClient, case_id: str, *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's getCaseUsers: GET _users, 200, the body."""
    response = await client.get(users_url(case_id, space=space))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def named_user(users: Users, username: str, roles: list[str]) -> httpx.AsyncClient:
    """A user with Kibana's getUserInfo name and email (`sec_only` is `sec only`)."""
    body = {
        "username": username,
        "password": "password1",
        "roles": roles,
        "full_name": username.replace("_", " ", 1),
        "email": f"{username}@elastic.co",
    }
    response = await users.admin.post(f"/internal/security/users/{username}", json=body)
    assert response.status_code == 200, response.text
    return make_client(users.app, auth=(username, "password1"), headers={"kbn-xsrf": "true"})


def profile_user(username: str) -> dict[str, Any]:
    """How _users shows a named_user: its profile's values and uid."""
    return {
        "user": {
            "email": f"{username}@elastic.co",
            "full_name": username.replace("_", " ", 1),
            "username": username,
        },
        "uid": profile_uid(username),
    }


async def title(client: httpx.AsyncClient, case_id: str, new_title: str) -> None:
    """Change a case's title at its current version."""
    response = await client.post("/internal/cases/_bulk_get", json={"ids": [case_id]})
    [case] = response.json()["cases"]
    await update_cases(client, [{"id": case_id, "version": case["version"], "title": new_title}])


# --- no users -------------------------------------------------------------------------------


async def test_users_without_information_are_null(client: httpx.AsyncClient, db: Database) -> None:
    """user_actions_get_users.ts: it('returns users without information').

    Kibana's archive (cases/8.5.0/cases_no_users.json) holds a case whose creator has no
    name at all, assigned to a uid without a profile (`abc`), whose history removed
    another (`dfg`): the case is made here, then given that history in the database.
    """
    case = await create_case(client, case_request(assignees=[{"uid": "abc"}]))
    await update_cases(client, [{"id": case["id"], "version": case["version"], "assignees": []}])
    nobody = to_json(NOBODY)
    await db.execute(
        "UPDATE cases SET created_by = :nobody, assignees = :assignees WHERE id = :id",
        {"nobody": nobody, "assignees": to_json([{"uid": "abc"}]), "id": case["id"]},
    )
    await db.execute(
        "UPDATE case_user_actions SET created_by = :nobody, payload = :payload"
        " WHERE case_id = :id AND type = 'assignees'",
        {"nobody": nobody, "payload": to_json({"assignees": [{"uid": "dfg"}]}), "id": case["id"]},
    )
    await db.execute(
        "UPDATE case_user_actions SET created_by = :nobody WHERE case_id = :id",
        {"nobody": nobody, "id": case["id"]},
    )

    users = await get_case_users(client, case["id"])

    assert users == {
        "participants": [{"user": NOBODY}],
        "assignees": [{"uid": "abc", "user": NOBODY}],
        "unassignedUsers": [{"uid": "dfg", "user": NOBODY}],
        "reporter": {"user": NOBODY},
    }


# --- profiles -----------------------------------------------------------------------------


@pytest.fixture
async def superuser(users: Users) -> httpx.AsyncClient:
    """Kibana's superUser (`superuser`, role superuser), with its getUserInfo name."""
    return await named_user(users, "superuser", ["superuser"])


@pytest.fixture
async def sec_user(users: Users) -> httpx.AsyncClient:
    """Kibana's secOnlySpacesAll: securitySolution cases in every space."""
    await users.role(
        "sec_only_all_spaces", [{"feature": {"securitySolutionCases": ["all"]}, "spaces": ["*"]}]
    )
    return await named_user(users, "sec_only_all_spaces", ["sec_only_all_spaces"])


async def test_a_new_case_has_its_creator_as_participant_and_reporter(
    superuser: httpx.AsyncClient,
) -> None:
    """user_actions_get_users.ts: it('returns only the creator of the case')."""
    case = await create_case(superuser)

    users = await get_case_users(superuser, case["id"])

    assert users == {
        "participants": [profile_user("superuser")],
        "assignees": [],
        "unassignedUsers": [],
        "reporter": profile_user("superuser"),
    }


async def test_one_user_is_one_participant(superuser: httpx.AsyncClient) -> None:
    """user_actions_get_users.ts: it('returns one participant if it is the only one that
    participates to the case')."""
    case = await create_case(superuser)
    await title(superuser, case["id"], "new title")

    users = await get_case_users(superuser, case["id"])

    assert users["participants"] == [profile_user("superuser")]
    assert users["reporter"] == profile_user("superuser")


async def test_every_participant_is_listed_by_username(
    superuser: httpx.AsyncClient, sec_user: httpx.AsyncClient
) -> None:
    """user_actions_get_users.ts: it('returns all participants of the case')."""
    case = await create_case(superuser)
    await title(sec_user, case["id"], "new title")

    users = await get_case_users(superuser, case["id"])

    assert users == {
        "participants": [profile_user("sec_only_all_spaces"), profile_user("superuser")],
        "assignees": [],
        "unassignedUsers": [],
        "reporter": profile_user("superuser"),
    }


async def test_a_participant_is_listed_once(
    superuser: httpx.AsyncClient, sec_user: httpx.AsyncClient
) -> None:
    """user_actions_get_users.ts: it('does not return duplicate participants')."""
    case = await create_case(superuser)
    await title(sec_user, case["id"], "new title")
    await title(sec_user, case["id"], "another title")

    users = await get_case_users(superuser, case["id"])

    assert users["participants"] == [
        profile_user("sec_only_all_spaces"),
        profile_user("superuser"),
    ]


async def test_assignees_and_former_assignees_show_as_their_profiles(
    superuser: httpx.AsyncClient, sec_user: httpx.AsyncClient
) -> None:
    """Kibana's getUsers (client/user_actions/users.ts): `assignees` are the case's, and
    `unassignedUsers` every uid ever assigned that is nobody else of the list."""
    sec_uid = profile_uid("sec_only_all_spaces")
    case = await create_case(
        superuser, case_request(assignees=[{"uid": sec_uid}, {"uid": "u_gone"}])
    )
    await update_cases(
        superuser, [{"id": case["id"], "version": case["version"], "assignees": [{"uid": "u_new"}]}]
    )

    users = await get_case_users(superuser, case["id"])

    assert users == {
        "participants": [profile_user("superuser")],
        "assignees": [{"uid": "u_new", "user": NOBODY}],
        "unassignedUsers": [profile_user("sec_only_all_spaces"), {"uid": "u_gone", "user": NOBODY}],
        "reporter": profile_user("superuser"),
    }


async def test_a_participant_shows_as_its_profile_is_now(
    client: httpx.AsyncClient, users: Users
) -> None:
    """Kibana's getUserInformation: the profile's name and email win over the stored ones."""
    case = await create_case(client)
    response = await client.post(
        "/internal/security/users/elastic",
        json={"username": "elastic", "roles": ["superuser"], "full_name": "Elastic"},
    )
    # `elastic` is reserved: its name cannot change; a user who can is made instead.
    assert response.status_code == 400, response.text
    renamed = await named_user(users, "renamed", ["superuser"])
    await title(renamed, case["id"], "new title")
    body = {"username": "renamed", "roles": ["superuser"], "full_name": "New Name"}
    response = await client.post("/internal/security/users/renamed", json=body)
    assert response.status_code == 200, response.text

    users_of_case = await get_case_users(client, case["id"])

    assert users_of_case["participants"] == [
        ELASTIC_USER,
        {
            "user": {"email": "renamed@elastic.co", "full_name": "New Name", "username": "renamed"},
            "uid": profile_uid("renamed"),
        },
    ]


async def test_a_deleted_user_shows_as_the_case_recorded_it(
    client: httpx.AsyncClient, users: Users
) -> None:
    """Kibana keeps a deleted user's profile; OpenCases has none left, so _users shows
    what the case recorded of that user (its name and email when it created the case)."""
    gone = await named_user(users, "gone", ["superuser"])
    case = await create_case(gone)
    body = {"username": "gone", "roles": ["superuser"], "full_name": "Renamed"}
    response = await client.post("/internal/security/users/gone", json=body)
    assert response.status_code == 200, response.text
    response = await client.delete("/internal/security/users/gone")
    assert response.status_code == 204, response.text

    users_of_case = await get_case_users(client, case["id"])

    assert users_of_case["reporter"] == profile_user("gone")


# --- rbac ---------------------------------------------------------------------------------


async def test_readers_of_the_owner_get_the_users(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """user_actions_get_users.ts: it('should retrieve the users for a case')."""
    case = await create_case(client, space="space1")
    for username in ["global_read", "sec_only", "sec_only_read", "obs_sec", "obs_sec_read"]:
        users = await get_case_users(await kibana_users(username), case["id"], space="space1")
        assert users["reporter"] == ELASTIC_USER
    assert (await get_case_users(client, case["id"], space="space1"))["participants"] == [
        ELASTIC_USER
    ]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("no_kibana_privileges", "Unauthorized to access user actions of any owner"),
        ("obs_only", 'Unauthorized to access case with owners: "securitySolution"'),
        ("obs_only_read", 'Unauthorized to access case with owners: "securitySolution"'),
    ],
)
async def test_a_user_without_access_to_the_owner_gets_no_users(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers, username: str, message: str
) -> None:
    """user_actions_get_users.ts: it('should not get the users for a case when the user does
    not have access to the owner')."""
    case = await create_case(client, space="space1")

    user = await kibana_users(username)

    await refused(user, db, "GET", users_url(case["id"], space="space1"), 403, message)


async def test_a_user_without_privileges_in_the_space_gets_no_users(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers
) -> None:
    """user_actions_get_users.ts: it('should not get a case in a space the user does not have
    permissions to')."""
    case = await create_case(client, space="space2")

    user = await kibana_users("sec_only")

    await refused(
        user,
        db,
        "GET",
        users_url(case["id"], space="space2"),
        403,
        "Unauthorized to access user actions of any owner",
    )


async def test_the_users_of_a_missing_case_are_a_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's getUsers resolves the case first: an unknown id is its 404."""
    await refused(
        client,
        db,
        "GET",
        users_url("no-such-case"),
        404,
        "Saved object [cases/no-such-case] not found",
    )
