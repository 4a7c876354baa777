"""The Spaces API: /api/spaces/space, the /s/{id} prefix, and what deleting a space removes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import ForeignKey

from opencases.db import Database
from opencases.db.tables import metadata
from opencases.spaces import store
from opencases.spaces.schemas import Space
from tests.conftest import Users

DEFAULT_SPACE = {
    "id": "default",
    "name": "Default",
    "description": "This is your default space!",
    "color": "#00bfb3",
    "disabledFeatures": [],
    "_reserved": True,
}
SPACE1 = {"id": "space1", "name": "Space 1", "disabledFeatures": []}
NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
IMAGE = "data:image/png;base64,iVBORw0KGgo="


def error(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope."""
    reason = {400: "Bad Request", 403: "Forbidden", 409: "Conflict"}[status]
    return {"statusCode": status, "error": reason, "message": message}


async def all_spaces(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """GET /api/spaces/space as the superuser."""
    response = await client.get("/api/spaces/space")
    assert response.status_code == 200, response.text
    spaces: list[dict[str, Any]] = response.json()
    return spaces


# --- create -------------------------------------------------------------------


async def test_create_answers_the_space_with_kibana_keys_in_kibana_order(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "id": "ops-team_2",
        "name": "  Ops team \n",
        "description": "On call",
        "initials": "OT",
        "color": "#AAbb00",
        "imageUrl": IMAGE,
        "disabledFeatures": ["observabilityCases"],
        "_reserved": True,
        "solution": "classic",
    }
    expected = {
        "id": "ops-team_2",
        "name": "Ops team",
        "description": "On call",
        "color": "#AAbb00",
        "initials": "OT",
        "imageUrl": IMAGE,
        "disabledFeatures": ["observabilityCases"],
        "solution": "classic",
    }
    response = await client.post("/api/spaces/space", json=body)
    assert response.status_code == 200
    assert response.json() == expected
    # `_reserved` is not stored; the keys come in transformSavedObjectToSpace's order.
    assert list(response.json()) == list(expected)
    assert response.headers["elastic-api-version"] == "2023-10-31"
    response = await client.get("/api/spaces/space/ops-team_2")
    assert (response.status_code, response.json()) == (200, expected)


async def test_create_minimal_space_leaves_absent_attributes_out(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/spaces/space", json={"id": "s", "name": "S"})
    assert response.status_code == 200
    assert response.json() == {"id": "s", "name": "S", "disabledFeatures": []}


async def test_create_an_existing_id_is_a_conflict_and_keeps_the_first(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    response = await client.post("/api/spaces/space", json={"id": "space1", "name": "Other"})
    assert response.status_code == 409
    assert response.json() == error(409, "A space with the identifier space1 already exists.")
    assert await all_spaces(client) == [DEFAULT_SPACE, SPACE1]


# --- read ---------------------------------------------------------------------


async def test_list_is_sorted_by_name_byte_for_byte(client: httpx.AsyncClient) -> None:
    for space_id, name in [("b", "b"), ("a", "a"), ("upper-b", "B"), ("under", "_x"), ("z", "Z")]:
        response = await client.post("/api/spaces/space", json={"id": space_id, "name": name})
        assert response.status_code == 200, response.text
    spaces = await all_spaces(client)
    # Kibana sorts on name.keyword: code point order, upper case before lower case.
    assert [space["name"] for space in spaces] == ["B", "Default", "Z", "_x", "a", "b"]
    assert spaces[1] == DEFAULT_SPACE
    assert spaces[0] == {"id": "upper-b", "name": "B", "disabledFeatures": []}


async def test_get_one_space_and_the_default_space(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    assert space1 == SPACE1
    response = await client.get("/api/spaces/space/space1")
    assert (response.status_code, response.json()) == (200, SPACE1)
    response = await client.get("/api/spaces/space/default")
    assert (response.status_code, response.json()) == (200, DEFAULT_SPACE)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_missing_space_is_not_found(client: httpx.AsyncClient, method: str) -> None:
    body = {"id": "nope", "name": "Nope"} if method == "PUT" else None
    response = await client.request(method, "/api/spaces/space/nope", json=body)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert await all_spaces(client) == [DEFAULT_SPACE]


# --- update -------------------------------------------------------------------


async def test_update_path_id_wins_and_absent_attributes_are_kept(
    client: httpx.AsyncClient,
) -> None:
    created = {
        "id": "team",
        "name": "Team",
        "description": "Before",
        "color": "#000000",
        "initials": "TE",
        "imageUrl": IMAGE,
        "disabledFeatures": ["generalCases"],
        "solution": "classic",
    }
    response = await client.post("/api/spaces/space", json=created)
    assert response.status_code == 200, response.text
    # Kibana's update is a partial saved-object update: attributes left out keep their value;
    # disabledFeatures defaults to [] and so is always written.
    response = await client.put(
        "/api/spaces/space/team",
        json={"id": "other-id", "name": " Renamed ", "description": "After"},
    )
    expected = {
        "id": "team",
        "name": "Renamed",
        "description": "After",
        "color": "#000000",
        "initials": "TE",
        "imageUrl": IMAGE,
        "disabledFeatures": [],
        "solution": "classic",
    }
    assert response.status_code == 200
    assert response.json() == expected
    assert response.headers["elastic-api-version"] == "2023-10-31"
    assert await all_spaces(client) == [DEFAULT_SPACE, expected]


# --- solution views -----------------------------------------------------------


@pytest.mark.parametrize(
    ("solution", "disabled"),
    [
        ("es", ["observabilityCases", "securitySolutionCases"]),
        ("oblt", ["securitySolutionCases"]),
        ("security", ["observabilityCases"]),
        ("classic", ["generalCases"]),
    ],
)
async def test_a_solution_view_decides_the_disabled_features(
    client: httpx.AsyncClient, solution: str, disabled: list[str]
) -> None:
    # Kibana's withSpaceSolutionDisabledFeatures: a solution other than classic disables
    # the features of the other solutions, whatever the space stores.
    body = {"id": "team", "name": "Team", "disabledFeatures": ["generalCases"]}
    expected = {"id": "team", "name": "Team", "disabledFeatures": disabled, "solution": solution}
    response = await client.post("/api/spaces/space", json={**body, "solution": solution})
    assert (response.status_code, response.json()) == (200, expected)
    response = await client.get("/api/spaces/space/team")
    assert (response.status_code, response.json()) == (200, expected)
    assert await all_spaces(client) == [DEFAULT_SPACE, expected]


async def test_owners_of_features_a_solution_disables_do_not_exist_in_its_space(
    client: httpx.AsyncClient,
) -> None:
    body = {"id": "sec", "name": "Security", "solution": "security"}
    assert (await client.post("/api/spaces/space", json=body)).status_code == 200
    configuration = {
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        "closure_type": "close-by-user",
    }

    response = await client.post(
        "/s/sec/api/cases/configure", json={**configuration, "owner": "observability"}
    )
    assert (response.status_code, response.json()) == (
        403,
        error(403, 'Unauthorized to create case configuration with owners: "observability"'),
    )
    response = await client.post(
        "/s/sec/api/cases/configure", json={**configuration, "owner": "securitySolution"}
    )
    assert response.status_code == 200, response.text


async def test_an_update_under_a_solution_keeps_the_stored_disabled_features(
    client: httpx.AsyncClient,
) -> None:
    body = {"id": "team", "name": "Team", "disabledFeatures": ["generalCases"]}
    assert (await client.post("/api/spaces/space", json=body)).status_code == 200
    response = await client.put(
        "/api/spaces/space/team",
        json={**body, "solution": "oblt", "disabledFeatures": ["observabilityCases"]},
    )
    shown = {**body, "solution": "oblt", "disabledFeatures": ["securitySolutionCases"]}
    assert (response.status_code, response.json()) == (200, shown)

    # Back to classic with the list the solution showed: the stored list counts again.
    response = await client.put(
        "/api/spaces/space/team",
        json={**body, "solution": "classic", "disabledFeatures": ["securitySolutionCases"]},
    )
    assert (response.status_code, response.json()) == (200, {**body, "solution": "classic"})


async def test_an_update_back_to_classic_with_another_list_stores_it(
    client: httpx.AsyncClient,
) -> None:
    body = {"id": "team", "name": "Team", "disabledFeatures": ["generalCases"], "solution": "es"}
    assert (await client.post("/api/spaces/space", json=body)).status_code == 200
    response = await client.put(
        "/api/spaces/space/team",
        json={**body, "solution": "classic", "disabledFeatures": ["actions"]},
    )
    expected = {
        "id": "team",
        "name": "Team",
        "disabledFeatures": ["actions"],
        "solution": "classic",
    }
    assert (response.status_code, response.json()) == (200, expected)
    response = await client.get("/api/spaces/space/team")
    assert response.json() == expected


async def test_update_keeps_the_default_space_reserved(client: httpx.AsyncClient) -> None:
    body = {"id": "default", "name": "Default", "color": "#123456", "disabledFeatures": ["x"]}
    response = await client.put("/api/spaces/space/default", json=body)
    expected = DEFAULT_SPACE | {"color": "#123456", "disabledFeatures": ["x"]}
    assert (response.status_code, response.json()) == (200, expected)
    assert await all_spaces(client) == [expected]


@pytest.mark.parametrize(
    ("name", "stored"),
    [(" Legacy\t", " Legacy\t"), (" Legacy", "Legacy"), ("\u3000New\ufeff", "New")],
)
async def test_update_trims_a_new_name_and_keeps_an_unchanged_one(
    client: httpx.AsyncClient, db: Database, name: str, stored: str
) -> None:
    # A space stored before Kibana trimmed names keeps its name while the name is unchanged.
    async with db.transaction() as tx:
        await store.insert_space(
            tx, Space(id="legacy", name=" Legacy\t"), now="2026-01-01T00:00:00.000Z"
        )
    response = await client.put("/api/spaces/space/legacy", json={"id": "legacy", "name": name})
    expected = {"id": "legacy", "name": stored, "disabledFeatures": []}
    assert (response.status_code, response.json()) == (200, expected)
    response = await client.get("/api/spaces/space/legacy")
    assert response.json() == expected


# --- delete -------------------------------------------------------------------


async def test_delete_then_the_space_is_gone(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    response = await client.delete("/api/spaces/space/space1")
    assert (response.status_code, response.content) == (204, b"")
    response = await client.get("/api/spaces/space/space1")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert await all_spaces(client) == [DEFAULT_SPACE]


async def test_the_default_space_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/spaces/space/default")
    assert response.status_code == 400
    assert response.json() == error(
        400, "The default space cannot be deleted because it is reserved."
    )
    assert await all_spaces(client) == [DEFAULT_SPACE]


# --- validation (@kbn/config-schema messages) -----------------------------------

VALID = {"id": "new-space", "name": "New space"}
SOLUTION_MESSAGE = (
    "[request body.solution]: types that failed validation:\n"
    "- [request body.solution.0]: expected value to equal [es] but got [x]\n"
    "- [request body.solution.1]: expected value to equal [oblt] but got [x]\n"
    "- [request body.solution.2]: expected value to equal [security] but got [x]\n"
    "- [request body.solution.3]: expected value to equal [classic] but got [x]"
)
ID_MESSAGE = "must be lower case, a-z, 0-9, '_', and '-' are allowed"
INVALID = [
    pytest.param({"id": "Space"}, f"[request body.id]: {ID_MESSAGE}", id="upper-case-id"),
    pytest.param({"id": "a b"}, f"[request body.id]: {ID_MESSAGE}", id="space-in-id"),
    pytest.param({"id": "ok\n"}, f"[request body.id]: {ID_MESSAGE}", id="newline-after-id"),
    pytest.param({"id": ""}, f"[request body.id]: {ID_MESSAGE}", id="empty-id"),
    pytest.param(
        {"id": 1},
        "[request body.id]: expected value of type [string] but got [number]",
        id="number-id",
    ),
    pytest.param(
        {"name": ""},
        "[request body.name]: value has length [0] but it must have a minimum length of [1].",
        id="empty-name",
    ),
    pytest.param(
        {"name": None},
        "[request body.name]: expected value of type [string] but got [null]",
        id="null-name",
    ),
    pytest.param(
        {"description": None},
        "[request body.description]: expected value of type [string] but got [null]",
        id="null-description",
    ),
    pytest.param(
        {"initials": "ABC"},
        "[request body.initials]: value has length [3] but it must have a maximum length of [2].",
        id="three-initials",
    ),
    pytest.param(
        # JavaScript counts UTF-16 code units: one emoji is 2, two are 4.
        {"initials": "\U0001f600\U0001f600"},
        "[request body.initials]: value has length [4] but it must have a maximum length of [2].",
        id="emoji-initials",
    ),
    pytest.param(
        {"color": "#12345"},
        "[request body.color]: must be a 6 digit hex color, starting with a #",
        id="short-color",
    ),
    pytest.param(
        {"color": "123456"},
        "[request body.color]: must be a 6 digit hex color, starting with a #",
        id="color-without-hash",
    ),
    pytest.param(
        {"imageUrl": "http://example.com/a.png"},
        "[request body.imageUrl]: must start with 'data:image'",
        id="http-image",
    ),
    pytest.param(
        {"imageUrl": "data:image/png\nx"},
        "[request body.imageUrl]: must start with 'data:image'",
        id="image-with-newline",
    ),
    pytest.param(
        {"foo": 1}, "[request body.foo]: definition for this key is missing", id="unknown-key"
    ),
    pytest.param(
        {"disabledFeatures": [f"f{i}" for i in range(101)]},
        "[request body.disabledFeatures]: array size is [101], but cannot be greater than [100]",
        id="101-disabled-features",
    ),
    pytest.param(
        {"disabledFeatures": ["a", 1]},
        "[request body.disabledFeatures.1]: expected value of type [string] but got [number]",
        id="number-feature",
    ),
    pytest.param(
        {"disabledFeatures": "a"},
        "[request body.disabledFeatures]: expected value of type [array] but got [string]",
        id="string-features",
    ),
    pytest.param(
        {"_reserved": "yes"},
        "[request body._reserved]: expected value of type [boolean] but got [string]",
        id="string-reserved",
    ),
    pytest.param({"solution": "x"}, SOLUTION_MESSAGE, id="bad-solution"),
    # config-schema reports the first error only, in the schema's key order.
    pytest.param(
        {"foo": 1, "color": "red", "id": "BAD"},
        f"[request body.id]: {ID_MESSAGE}",
        id="first-error-only",
    ),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_invalid_body_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    space1: dict[str, Any],
    method: str,
    change: dict[str, Any],
    message: str,
) -> None:
    before = await all_spaces(client)
    body = {**VALID, "id": "space1" if method == "PUT" else VALID["id"], **change}
    path = "/api/spaces/space" + ("/space1" if method == "PUT" else "")
    response = await client.request(method, path, json=body)
    assert response.status_code == 400
    assert response.json() == error(400, message)
    assert await all_spaces(client) == before


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("id", "[request body.id]: expected value of type [string] but got [undefined]"),
        ("name", "[request body.name]: expected value of type [string] but got [undefined]"),
    ],
)
async def test_missing_required_key_is_refused(
    client: httpx.AsyncClient, missing: str, message: str
) -> None:
    body = {key: value for key, value in VALID.items() if key != missing}
    response = await client.post("/api/spaces/space", json=body)
    assert (response.status_code, response.json()) == (400, error(400, message))
    assert await all_spaces(client) == [DEFAULT_SPACE]


async def test_initials_of_two_emoji_units_and_an_empty_image_are_valid(
    client: httpx.AsyncClient,
) -> None:
    body = {"id": "e", "name": "E", "initials": "\U0001f600", "imageUrl": ""}
    response = await client.post("/api/spaces/space", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == body | {"disabledFeatures": []}


# --- privileges -----------------------------------------------------------------


async def test_only_the_superuser_manages_spaces(
    client: httpx.AsyncClient, users: Users, space1: dict[str, Any]
) -> None:
    await users.role("admin_everywhere", [{"base": ["all"], "spaces": ["*"]}])
    async with await users.user("manager", ["admin_everywhere"]) as manager:
        calls = [
            ("POST", "/api/spaces/space", {"id": "x", "name": "X"}, "create"),
            ("PUT", "/api/spaces/space/space1", {"id": "space1", "name": "Y"}, "update"),
            ("DELETE", "/api/spaces/space/space1", None, "delete"),
            # Authorization comes before the reserved-space and existence checks.
            ("DELETE", "/api/spaces/space/default", None, "delete"),
            ("PUT", "/api/spaces/space/nope", {"id": "nope", "name": "Y"}, "update"),
        ]
        for method, path, body, verb in calls:
            response = await manager.request(method, path, json=body)
            assert response.status_code == 403, (method, path)
            assert response.json() == error(403, f"Unauthorized to {verb} spaces")
    assert await all_spaces(client) == [DEFAULT_SPACE, SPACE1]


async def test_a_user_sees_only_the_spaces_where_it_has_a_privilege(
    users: Users, space1: dict[str, Any]
) -> None:
    await users.role(
        "space1_reader", [{"feature": {"generalCases": ["read"]}, "spaces": ["space1"]}]
    )
    await users.role("everywhere", [{"feature": {"generalCases": ["read"]}, "spaces": ["*"]}])
    async with await users.user("reader", ["space1_reader"]) as reader:
        response = await reader.get("/api/spaces/space")
        assert (response.status_code, response.json()) == (200, [SPACE1])
        response = await reader.get("/api/spaces/space/space1")
        assert (response.status_code, response.json()) == (200, SPACE1)
        # No privilege: 403, whether or not the space exists.
        for space_id in ["default", "nope"]:
            response = await reader.get(f"/api/spaces/space/{space_id}")
            assert response.status_code == 403
            assert response.json() == error(403, f"Unauthorized to get {space_id} space")
    async with await users.user("everyone", ["everywhere"]) as everyone:
        response = await everyone.get("/api/spaces/space")
        assert (response.status_code, response.json()) == (200, [DEFAULT_SPACE, SPACE1])
        response = await everyone.get("/api/spaces/space/nope")
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


async def test_a_user_without_any_space_is_forbidden_to_list(users: Users) -> None:
    await users.role("nowhere", [{"feature": {"generalCases": ["read"]}, "spaces": ["elsewhere"]}])
    async with await users.user("lost", ["nowhere"]) as lost:
        response = await lost.get("/api/spaces/space")
    assert response.status_code == 403
    assert response.json() == error(403, "Forbidden")


def purposes(*, manages: bool) -> dict[str, bool]:
    """`authorizedPurposes` of a space where the caller has some privilege."""
    return {
        "any": True,
        "copySavedObjectsIntoSpace": manages,
        "findSavedObjects": True,
        "shareSavedObjectsIntoSpace": manages,
    }


async def test_the_list_for_a_purpose_holds_the_spaces_authorized_for_it(
    users: Users, space1: dict[str, Any]
) -> None:
    # Kibana's purposes: copying and sharing saved objects need saved objects management,
    # which only a base `all` grants; any privilege serves `any` and `findSavedObjects`.
    await users.role(
        "mixed",
        [
            {"base": ["all"], "spaces": ["space1"]},
            {"feature": {"generalCases": ["all"]}, "spaces": ["default"]},
        ],
    )
    async with await users.user("mixed", ["mixed"]) as user:
        for query, expected in [
            ("", [DEFAULT_SPACE, SPACE1]),
            ("?purpose=any", [DEFAULT_SPACE, SPACE1]),
            ("?purpose=copySavedObjectsIntoSpace", [SPACE1]),
            ("?purpose=shareSavedObjectsIntoSpace&include_authorized_purposes=false", [SPACE1]),
            (
                "?include_authorized_purposes=true",
                [
                    {**DEFAULT_SPACE, "authorizedPurposes": purposes(manages=False)},
                    {**SPACE1, "authorizedPurposes": purposes(manages=True)},
                ],
            ),
        ]:
            response = await user.get(f"/api/spaces/space{query}")
            assert (response.status_code, response.json()) == (200, expected), query
    await users.role("reader", [{"base": ["read"], "spaces": ["*"]}])
    async with await users.user("reader", ["reader"]) as reader:
        response = await reader.get("/api/spaces/space?purpose=copySavedObjectsIntoSpace")
        assert (response.status_code, response.json()) == (403, error(403, "Forbidden"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "purpose=everything",
            "[request query.purpose]: types that failed validation:\n"
            "- [request query.purpose.0]: expected value to equal [any] but got [everything]\n"
            "- [request query.purpose.1]: expected value to equal [copySavedObjectsIntoSpace]"
            " but got [everything]\n"
            "- [request query.purpose.2]: expected value to equal [shareSavedObjectsIntoSpace]"
            " but got [everything]",
        ),
        (
            "include_authorized_purposes=yes",
            "[request query.include_authorized_purposes]:"
            " expected value of type [boolean] but got [string]",
        ),
        (
            "purpose=any&include_authorized_purposes=true",
            "[request query]: include_authorized_purposes can only be false when purpose"
            " is specified",
        ),
        ("page=2", "[request query.page]: definition for this key is missing"),
    ],
)
async def test_the_list_refuses_a_query_kibana_refuses(
    client: httpx.AsyncClient, query: str, message: str
) -> None:
    response = await client.get(f"/api/spaces/space?{query}")
    assert (response.status_code, response.json()) == (400, error(400, message))


# --- the /s/{id} prefix ----------------------------------------------------------


async def test_space_prefix_serves_the_api_in_that_space(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    response = await client.get("/s/space1/api/spaces/space/space1")
    assert (response.status_code, response.json()) == (200, SPACE1)
    response = await client.get("/s/space1/api/spaces/space")
    assert (response.status_code, response.json()) == (200, [DEFAULT_SPACE, SPACE1])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/s/nope/api/spaces/space", None),
        ("GET", "/s/nope/api/status", None),
        ("POST", "/s/nope/api/spaces/space", {"id": "made-in-nope", "name": "N"}),
        ("DELETE", "/s/nope/api/spaces/space/space1", None),
    ],
)
async def test_unknown_space_prefix_is_not_found_and_changes_nothing(
    client: httpx.AsyncClient,
    space1: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = await client.request(method, path, json=body)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert await all_spaces(client) == [DEFAULT_SPACE, SPACE1]


async def test_deleted_space_prefix_is_not_found(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    response = await client.delete("/s/space1/api/spaces/space/space1")
    assert response.status_code == 204
    response = await client.get("/s/space1/api/spaces/space")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- deleting a space deletes what is stored in it ----------------------------------


def test_every_space_id_column_cascades_from_spaces() -> None:
    children = [table for table in metadata.sorted_tables if "space_id" in table.columns]
    for table in children:
        keys: set[ForeignKey] = table.columns["space_id"].foreign_keys
        assert [(key.target_fullname, key.ondelete) for key in keys] == [
            ("spaces.id", "CASCADE")
        ], table.name
        assert table.columns["space_id"].nullable is False, table.name
    # No other column may point at a space without cascading.
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "spaces":
                assert key.ondelete == "CASCADE", (table.name, key.parent.name)


async def rows_by_space(db: Database) -> dict[str, dict[str, int]]:
    """For every table with a space_id, how many rows each space holds."""
    counts: dict[str, dict[str, int]] = {}
    for table in metadata.sorted_tables:
        if "space_id" in table.columns:
            rows = await db.fetch_all(
                f"SELECT space_id, COUNT(*) AS n FROM {table.name} GROUP BY space_id"
            )
            counts[table.name] = {row["space_id"]: row["n"] for row in rows}
    return counts


async def test_deleting_a_space_deletes_what_is_stored_in_it(
    client: httpx.AsyncClient, db: Database, space1: dict[str, Any]
) -> None:
    configuration = {
        "owner": "securitySolution",
        "closure_type": "close-by-user",
        "connector": {"id": "jira-1", "name": "Jira", "type": ".jira", "fields": None},
        "customFields": [],
        "templates": [],
    }
    for prefix in ("", "/s/space1"):
        response = await client.post(f"{prefix}/api/cases/configure", json=configuration)
        assert response.status_code == 200, response.text
    before = await rows_by_space(db)
    assert before["case_configurations"] == {"default": 1, "space1": 1}
    assert before["connector_mappings"] == {"default": 1, "space1": 1}
    response = await client.delete("/api/spaces/space/space1")
    assert response.status_code == 204
    after = await rows_by_space(db)
    assert after == {
        table: {space: n for space, n in counts.items() if space != "space1"}
        for table, counts in before.items()
    }
    # A space created again with the same id starts empty.
    response = await client.post("/api/spaces/space", json={"id": "space1", "name": "Space 1"})
    assert response.status_code == 200
    response = await client.get("/s/space1/api/cases/configure")
    assert (response.status_code, response.json()) == (200, [])


async def test_foreign_keys_are_enforced(db: Database) -> None:
    if db.dialect == "sqlite":
        # SQLite enforces foreign keys (and so cascades) only when asked, per connection.
        row = await db.fetch_one("PRAGMA foreign_keys")
        assert row is not None
        assert row[0] == 1
        async with db.transaction() as tx:
            row = await tx.fetch_one("PRAGMA foreign_keys")
        assert row is not None
        assert row[0] == 1
    # On both databases: a row pointing at a missing parent is refused.
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO api_keys (id, name, key_hash, username, created_at, invalidated)"
                " VALUES ('k', 'k', 'h', 'nobody', '2026-01-01T00:00:00.000Z', false)"
            )
    assert await db.fetch_one("SELECT id FROM api_keys WHERE id = 'k'") is None
