"""POST /internal/cases/_suggest_user_profiles: Kibana's suggest_user_profiles.ts, ported.

(x-pack/test/cases_api_integration/security_and_spaces/tests/common/internal/
suggest_user_profiles.ts, whose users log in first so that Elasticsearch makes their
profiles: OpenCases has a profile for every user.) Suggested are the enabled users whose
username, full name or email has a word starting with the name asked, and who may read
(`getCase`) cases of every owner asked in the request's space, as 9.x's UserProfileService
requires. Two differences from the stored copies of Kibana's test:

- They expect the users with update privileges only (`does not find a user who does not
  have update privileges to cases`): the rule of Kibana's older UserProfileService
  (Operations.updateCase and getCase). 9.x's asks for getCase only, so readers are found.
- Elasticsearch orders suggestions by relevance; OpenCases by username.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from opencases.security.secrets import profile_uid
from tests.cases.conftest import OBSERVABILITY, SECURITY, refused
from tests.configure.conftest import space_prefix
from tests.conftest import Users, make_client

SUGGEST_URL = "/internal/cases/_suggest_user_profiles"

# Kibana's roles (common/lib/authentication/roles.ts), with our owners' features.
ROLES: dict[str, dict[str, list[str]]] = {
    "sec_only_all": {"securitySolutionCases": ["all"]},
    "sec_only_no_delete": {"securitySolutionCases": ["minimal_all"]},
    "sec_only_read": {"securitySolutionCases": ["read"]},
    # Kibana's also grants the create_comment sub-feature privilege: OpenCases has none.
    "sec_only_read_create_comment": {"securitySolutionCases": ["minimal_read"]},
    "obs_only_all": {"observabilityCases": ["all"]},
    "no_cases_kibana_privileges": {"actions": ["read"]},
    "obsAndSecRole": {
        "securitySolutionCases": ["all"],
        "observabilityCases": ["all"],
        "actions": ["all"],
    },
}
# Kibana's activateUserProfiles users, and their roles.
USERS = {
    "sec_only": "sec_only_all",
    "sec_only_no_delete": "sec_only_no_delete",
    "sec_only_read": "sec_only_read",
    "sec_only_read_create_comment": "sec_only_read_create_comment",
    "obs_only": "obs_only_all",
}
# The superuser has every privilege (Elasticsearch's has_privileges): always suggested.
ELASTIC_PROFILE = {
    "uid": profile_uid("elastic"),
    "enabled": True,
    "data": {},
    "user": {"username": "elastic"},
}


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


def profile(username: str) -> dict[str, Any]:
    """The profile of a named_user, as Kibana's parseUserProfile answers it."""
    return {
        "uid": profile_uid(username),
        "enabled": True,
        "data": {},
        "user": {
            "username": username,
            "email": f"{username}@elastic.co",
            "full_name": username.replace("_", " ", 1),
        },
    }


@pytest.fixture
async def profiles(users: Users, client: httpx.AsyncClient) -> Users:
    """suggest_user_profiles.ts's setup: the users (space1 roles) and space1."""
    response = await client.post("/api/spaces/space", json={"id": "space1", "name": "Space 1"})
    assert response.status_code == 200, response.text
    for role, features in ROLES.items():
        await users.role(role, [{"feature": features, "spaces": ["space1"]}])
    for username, role in USERS.items():
        await named_user(users, username, [role])
    return users


async def suggest(
    client: httpx.AsyncClient, body: dict[str, Any], *, space: str | None = "space1"
) -> list[dict[str, Any]]:
    """Kibana's suggestUserProfiles: POST the body, 200, the profiles."""
    response = await client.post(f"{space_prefix(space)}{SUGGEST_URL}", json=body)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.mark.usefixtures("profiles")
async def test_no_owner_suggests_nobody(client: httpx.AsyncClient) -> None:
    """suggest_user_profiles.ts: it('returns no suggestions when the owner is an empty
    array')."""
    assert await suggest(client, {"name": "delete", "owners": []}) == []


@pytest.mark.usefixtures("profiles")
async def test_a_word_of_the_username_finds_the_user(client: httpx.AsyncClient) -> None:
    """suggest_user_profiles.ts: it('finds the profile for the user without deletion
    privileges')."""
    found = await suggest(client, {"name": "delete", "owners": [SECURITY]})

    assert found == [profile("sec_only_no_delete")]


@pytest.mark.usefixtures("profiles")
async def test_a_user_without_privileges_in_the_space_is_not_suggested(
    client: httpx.AsyncClient,
) -> None:
    """suggest_user_profiles.ts: it('does not find a user who does not have access to the
    default space')."""
    assert await suggest(client, {"name": "delete", "owners": [SECURITY]}, space=None) == []


@pytest.mark.usefixtures("profiles")
async def test_a_user_without_access_to_the_owner_is_not_suggested(
    client: httpx.AsyncClient,
) -> None:
    """suggest_user_profiles.ts: it('does not find a user who does not have access to the
    securitySolutionFixture owner') (obs_only is not found)."""
    found = await suggest(client, {"name": "only", "owners": [SECURITY]})

    assert found == [
        profile("sec_only"),
        profile("sec_only_no_delete"),
        profile("sec_only_read"),
        profile("sec_only_read_create_comment"),
    ]


@pytest.mark.usefixtures("profiles")
async def test_a_reader_of_the_owner_is_suggested(client: httpx.AsyncClient) -> None:
    """suggest_user_profiles.ts: it('does not find a user who does not have update
    privileges to cases'), under 9.x's rule (getCase only): the readers are found."""
    found = await suggest(client, {"name": "read", "owners": [SECURITY]})

    assert found == [profile("sec_only_read"), profile("sec_only_read_create_comment")]


@pytest.mark.usefixtures("profiles")
async def test_a_user_must_read_every_owner_asked(client: httpx.AsyncClient, users: Users) -> None:
    """Kibana's checkUserProfilesPrivileges: a profile must have all the privileges asked."""
    await named_user(users, "obs_and_sec_user", ["obsAndSecRole"])

    found = await suggest(client, {"name": "", "owners": [SECURITY, OBSERVABILITY]})

    assert found == [ELASTIC_PROFILE, profile("obs_and_sec_user")]


async def test_a_caller_without_the_api_privilege_is_refused(
    client: httpx.AsyncClient, db: Database, profiles: Users
) -> None:
    """suggest_user_profiles.ts: it('fails with a 403 because the user making the request
    does not have the appropriate api kibana endpoint privileges')."""
    caller = await named_user(
        profiles, "no_cases_privileges_space1", ["no_cases_kibana_privileges"]
    )

    await refused(
        caller,
        db,
        "POST",
        f"/s/space1{SUGGEST_URL}",
        403,
        f"API [POST {SUGGEST_URL}] is unauthorized for user, this action is granted by the"
        " Kibana privileges [casesSuggestUserProfiles]",
        json={"name": "delete", "owners": [SECURITY]},
    )


@pytest.mark.usefixtures("profiles")
async def test_an_owner_that_does_not_exist_suggests_nobody(client: httpx.AsyncClient) -> None:
    """suggest_user_profiles.ts: it('returns no profiles for an owner that does not exist')."""
    assert await suggest(client, {"name": "read", "owners": ["invalidOwner"]}, space=None) == []


@pytest.mark.parametrize(
    ("size", "message"),
    [
        # it('returns a 400 if size is greater than 100')
        (101, "The size field cannot be more than 10."),
        (11, "The size field cannot be more than 10."),
        # it('returns a 400 if size is less than 0')
        (-1, "The size field cannot be less than 1."),
        (0, "The size field cannot be less than 1."),
    ],
)
async def test_a_size_out_of_bounds_is_refused(
    client: httpx.AsyncClient, db: Database, size: int, message: str
) -> None:
    """suggest_user_profiles.ts: it('returns a 400 if size is greater than 100') and it('returns
    a 400 if size is less than 0'), with 9.x's limits (SuggestUserProfilesRequestRt: 1 to 10)."""
    body = {"name": "blah", "owners": [SECURITY], "size": size}
    await refused(client, db, "POST", SUGGEST_URL, 400, message, json=body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"owners": [SECURITY]}, 'Invalid value "undefined" supplied to "name"'),
        ({"name": "a", "owners": SECURITY}, f'Invalid value "{SECURITY}" supplied to "owners"'),
        ({"name": "a", "owners": [], "hint": "x"}, 'invalid keys "hint"'),
    ],
)
async def test_a_malformed_request_is_refused(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """Kibana's SuggestUserProfilesRequestRt (strict: name, owners, size)."""
    await refused(client, db, "POST", SUGGEST_URL, 400, message, json=body)


@pytest.mark.usefixtures("profiles")
async def test_the_size_limits_the_suggestions(client: httpx.AsyncClient) -> None:
    """suggest_user_profiles.ts: it('limits the results to one, when the size is specified
    as one') (the first by username here, by relevance in Kibana)."""
    found = await suggest(client, {"name": "only", "owners": [SECURITY], "size": 1})

    assert found == [profile("sec_only")]


@pytest.mark.usefixtures("profiles")
async def test_a_user_with_both_owners_is_suggested_for_either(
    client: httpx.AsyncClient, users: Users
) -> None:
    """suggest_user_profiles.ts, user with both security and observability privileges:
    it('finds 3 profiles when searching for the name sec when a user has both security and
    observability privileges') (with the readers, under 9.x's rule)."""
    await named_user(users, "obs_and_sec_user", ["obsAndSecRole"])

    found = await suggest(client, {"name": "sec", "owners": [SECURITY]})

    assert found == [
        profile("obs_and_sec_user"),
        profile("sec_only"),
        profile("sec_only_no_delete"),
        profile("sec_only_read"),
        profile("sec_only_read_create_comment"),
    ]


@pytest.mark.usefixtures("profiles")
async def test_a_deleted_user_is_not_suggested(client: httpx.AsyncClient, users: Users) -> None:
    """suggest_user_profiles.ts: it('does not find the profile for a deleted user and role').

    Kibana's it('finds the profile for a user who was deleted') differs: Elasticsearch keeps
    a deleted user's profile, OpenCases keeps none, so the user is gone with its role kept
    too.
    """
    await users.role(
        "deleted_user_sec_all_role", [{"feature": ROLES["sec_only_all"], "spaces": ["space1"]}]
    )
    await named_user(users, "deletedUserSecAll", ["deleted_user_sec_all_role"])
    found = await suggest(client, {"name": "deletedUserSecAll", "owners": [SECURITY]})
    assert found == [profile("deletedUserSecAll")]
    response = await client.delete("/internal/security/users/deletedUserSecAll")
    assert response.status_code == 204, response.text

    assert await suggest(client, {"name": "deletedUserSecAll", "owners": [SECURITY]}) == []


@pytest.mark.usefixtures("profiles")
async def test_a_disabled_user_is_not_suggested(client: httpx.AsyncClient) -> None:
    """Elasticsearch suggests enabled profiles only; a disabled user cannot be assigned."""
    body = {"username": "sec_only", "roles": ["sec_only_all"], "enabled": False}
    response = await client.post("/internal/security/users/sec_only", json=body)
    assert response.status_code == 200, response.text

    found = await suggest(client, {"name": "sec", "owners": [SECURITY]})

    assert profile("sec_only") not in found
    assert profile("sec_only_no_delete") in found


@pytest.mark.usefixtures("profiles")
async def test_an_empty_name_suggests_every_user_who_may_read_the_owner(
    client: httpx.AsyncClient,
) -> None:
    """The Cases UI asks with the text typed so far, at first empty: every profile matches."""
    found = await suggest(client, {"name": "", "owners": [OBSERVABILITY]})

    assert found == [ELASTIC_PROFILE, profile("obs_only")]


@pytest.mark.usefixtures("profiles")
async def test_the_name_matches_the_full_name_and_the_email(
    client: httpx.AsyncClient, users: Users
) -> None:
    """Elasticsearch's suggest matches a profile's username, full name and email."""
    body = {
        "username": "u1",
        "password": "password1",
        "roles": ["obs_only_all"],
        "full_name": "Jane Roe",
        "email": "jr@example.org",
    }
    response = await users.admin.post("/internal/security/users/u1", json=body)
    assert response.status_code == 200, response.text
    jane = {
        "uid": profile_uid("u1"),
        "enabled": True,
        "data": {},
        "user": {"username": "u1", "email": "jr@example.org", "full_name": "Jane Roe"},
    }

    for name in ("u1", "ROE", "jan", "example.org"):
        assert await suggest(client, {"name": name, "owners": [OBSERVABILITY]}) == [jane], name
