"""POST /internal/cases/_search: Kibana's internal/search_cases.ts, ported."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    FIND_RESPONSE,
    OBSERVABILITY,
    SEARCH_URL,
    SECURITY,
    case_request,
    create_case,
    find_cases,
    load_cases_various_dates,
    refusal,
    search_cases,
    unchanged,
)
from tests.configure.conftest import (
    KibanaUsers,
    configuration_request,
    create_configuration,
    ensure_saved_object_is_authorized,
)

TEXT_1 = {"key": "valid_key_1", "label": "text", "type": "text", "required": False}
TOGGLE_2 = {
    "key": "valid_key_2",
    "label": "toggle",
    "type": "toggle",
    "required": True,
    "defaultValue": False,
}
TOGGLE_3 = {"key": "valid_key_3", "label": "another_toggle", "type": "toggle", "required": False}
OBSERVABILITY_FIELDS = [
    {**TEXT_1, "key": "valid_obs_key_1"},
    {**TOGGLE_2, "key": "valid_obs_key_2"},
    {**TOGGLE_3, "key": "valid_obs_key_3"},
]


def values(*found: Any, prefix: str = "valid_key") -> list[dict[str, Any]]:
    """A case's custom fields: the text of key 1, then the toggles of keys 2 and 3."""
    types = ["text", "toggle", "toggle"]
    return [
        {"key": f"{prefix}_{index + 1}", "type": types[index], "value": value}
        for index, value in enumerate(found)
    ]


async def configure(
    client: httpx.AsyncClient, *fields: dict[str, Any], owner: str = SECURITY
) -> None:
    """Kibana's createConfiguration(getConfigurationRequest({overrides: {customFields}}))."""
    await create_configuration(
        client, configuration_request(customFields=list(fields), owner=owner)
    )


async def refused_search(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], status: int, message: str
) -> None:
    """A _search Kibana refuses with `status` and `message`."""
    async with unchanged(db):
        response = await client.post(SEARCH_URL, json=body)
    assert (response.status_code, response.json()) == (status, refusal(status, message))


# --- basic tests -----------------------------------------------------------------------


async def test_search_filters_by_a_custom_field(client: httpx.AsyncClient) -> None:
    """search_cases.ts: `filters by single customField`."""
    await configure(client, TEXT_1, TOGGLE_2)
    await create_case(client, case_request(customFields=values(None, False)))
    posted = await create_case(
        client, case_request(customFields=values("this is a text field value", True))
    )

    body = {"customFields": {"valid_key_2": [True]}, "owner": SECURITY}

    assert await search_cases(client, body) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [posted],
        "count_open_cases": 1,
    }


async def test_search_filters_by_several_custom_fields(client: httpx.AsyncClient) -> None:
    """search_cases.ts: `filters by multiple customField` (every key must match)."""
    await configure(client, TEXT_1, TOGGLE_2, TOGGLE_3)
    await create_case(client, case_request(customFields=values(None, False, True)))
    posted = await create_case(
        client, case_request(customFields=values("this is a text field value", True, False))
    )

    body = {"customFields": {"valid_key_2": [True], "valid_key_3": [False]}, "owner": SECURITY}

    assert await search_cases(client, body) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [posted],
        "count_open_cases": 1,
    }


async def test_search_filters_by_the_custom_fields_of_the_owner(client: httpx.AsyncClient) -> None:
    """search_cases.ts: `filters by customField with correct owner`."""
    await configure(client, TEXT_1, TOGGLE_2, TOGGLE_3)
    await configure(client, *OBSERVABILITY_FIELDS, owner=OBSERVABILITY)
    sec = await create_case(client, case_request(customFields=values(None, False, True)))
    obs = await create_case(
        client,
        case_request(
            owner=OBSERVABILITY, customFields=values(None, False, True, prefix="valid_obs_key")
        ),
    )

    for body, case in [
        ({"customFields": {"valid_key_2": [False]}, "owner": SECURITY}, sec),
        ({"customFields": {"valid_obs_key_2": [False]}, "owner": OBSERVABILITY}, obs),
    ]:
        assert await search_cases(client, body) == {
            **FIND_RESPONSE,
            "total": 1,
            "cases": [case],
            "count_open_cases": 1,
        }


async def test_search_filters_by_a_custom_field_and_tags(client: httpx.AsyncClient) -> None:
    """search_cases.ts: `filters by customField and tags`."""
    await configure(client, TEXT_1, TOGGLE_2)
    await create_case(client, case_request(customFields=values(None, False)))
    posted = await create_case(
        client,
        case_request(customFields=values("this is a text field value", True), tags=["unique"]),
    )

    body = {"customFields": {"valid_key_2": [True]}, "tags": ["unique"], "owner": SECURITY}

    assert await search_cases(client, body) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [posted],
        "count_open_cases": 1,
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # Any of a key's values.
        ({"valid_key_2": [True, False]}, [0, 1, 2]),
        # null: the key without a value (a toggle left empty).
        ({"valid_key_3": [None]}, [2]),
        ({"valid_key_3": [None, True]}, [0, 2]),
        # []: any value of the key, null included (every case has every configured key).
        ({"valid_key_3": []}, [0, 1, 2]),
        # Numbers, by their value.
        ({"valid_key_4": [2]}, [1]),
        ({"valid_key_4": [1.0, 3]}, [0]),
        ({"valid_key_4": [None]}, [2]),
    ],
)
async def test_search_filters_by_custom_field_values(
    client: httpx.AsyncClient, filters: dict[str, Any], expected: list[int]
) -> None:
    """OpenCases: Kibana's buildCustomFieldsFilter, for toggles and numbers."""
    number = {"key": "valid_key_4", "label": "number", "type": "number", "required": False}
    await configure(client, TEXT_1, TOGGLE_2, TOGGLE_3, number)
    created = []
    for toggles, count in [((True, True), 1), ((False, False), 2), ((True, None), None)]:
        fields = [*values(None, *toggles), {"key": "valid_key_4", "type": "number", "value": count}]
        created.append(await create_case(client, case_request(customFields=fields)))

    found = await search_cases(client, {"customFields": filters, "owner": SECURITY})

    assert found["cases"] == [created[index] for index in expected]


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # `unhappy path - 400s when no owner` (the route's check)
        ({"customFields": {"valid_key_2": [False]}}, "Owner is required."),
        # `unhappy path - 400s when multiple owners`
        (
            {
                "customFields": {"valid_key_2": [False], "valid_obs_key_2": [False]},
                "owner": [OBSERVABILITY, SECURITY],
            },
            "Owner must be provided. Multiple owners are not supported.",
        ),
        # `unhappy path - 400s when customFieldConfiguration owner and search customFields owner
        # are different ` (no configuration of that owner)
        (
            {"customFields": {"valid_key_2": [False]}, "owner": OBSERVABILITY},
            "No custom fields configured.",
        ),
        # `unhappy path - 400s when invalid custom field key passed`
        (
            {"customFields": {"random_key": [False]}, "owner": SECURITY},
            "Invalid custom field key: random_key.",
        ),
        # `unhappy path - 400s when invalid value of custom field`
        (
            {"customFields": {"valid_key_2": [1234]}, "owner": SECURITY},
            "Unsupported filtering value for custom field of type toggle.",
        ),
        # `unhappy path - 400s when custom field type is non filterable`
        (
            {"customFields": {"valid_key_1": ["hello!"]}, "owner": SECURITY},
            "Filtering by custom field of type text is not allowed.",
        ),
        # OpenCases: Kibana's other checks (validateSearchCasesCustomFields).
        (
            {"customFields": {"valid_key_2": [False]}, "owner": [""]},
            "Owner must be provided. Multiple owners are not supported.",
        ),
        (
            {"customFields": {"valid_key_2": [False]}, "owner": []},
            "Owner must be provided. Multiple owners are not supported.",
        ),
        (
            {"customFields": {f"k{i}": [True] for i in range(11)}, "owner": SECURITY},
            "Maximum 10 customFields are allowed.",
        ),
        (
            {"customFields": {"valid_key_2": ["true"]}, "owner": SECURITY},
            "Unsupported filtering value for custom field of type toggle.",
        ),
        (
            {"customFields": {"valid_key_2": {"a": True}}, "owner": SECURITY},
            'Invalid value "{"a":true}" supplied to "customFields,valid_key_2"',
        ),
    ],
)
async def test_search_refuses_bad_custom_field_filters(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """search_cases.ts, `errors` (Kibana's messages from search.ts and validators.ts)."""
    await configure(client, TEXT_1, TOGGLE_2)

    await refused_search(client, db, body, 400, message)


async def test_search_refuses_custom_fields_without_configuration(
    client: httpx.AsyncClient, db: Database
) -> None:
    """search_cases.ts: `unhappy path - 400s when configuration is empty`."""
    await create_configuration(client, configuration_request())

    body = {"customFields": {"random_key": [False]}, "owner": SECURITY}
    await refused_search(client, db, body, 400, "No custom fields configured.")


async def test_search_with_no_custom_field_filter_needs_no_configuration(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases: Kibana checks `customFields` only when it holds a key (lodash isEmpty)."""
    case = await create_case(client)

    found = await search_cases(client, {"customFields": {}, "owner": []})

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [case], "count_open_cases": 1}


# --- rbac ----------------------------------------------------------------------------------


async def test_search_answers_the_cases_of_the_owners_a_user_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """search_cases.ts: `should return the correct cases`."""
    await create_case(await kibana_users("sec_only"), case_request(owner=SECURITY), space="space1")
    await create_case(
        await kibana_users("obs_only"), case_request(owner=OBSERVABILITY), space="space1"
    )

    for user, count, owners in [
        (await kibana_users("global_read"), 2, [SECURITY, OBSERVABILITY]),
        (client, 2, [SECURITY, OBSERVABILITY]),
        (await kibana_users("sec_only_read"), 1, [SECURITY]),
        (await kibana_users("obs_only_read"), 1, [OBSERVABILITY]),
        (await kibana_users("obs_sec_read"), 2, [SECURITY, OBSERVABILITY]),
    ]:
        body = {"owner": [SECURITY, OBSERVABILITY]}
        found = await search_cases(user, body, space="space1")

        ensure_saved_object_is_authorized(found["cases"], count, owners)


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_search_refuses_a_user_who_may_read_no_cases_in_the_space(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    """search_cases.ts: `User ${user} with role(s) ${roles} and space ${space} - should NOT read
    a case` (search.ts reads the configurations first: theirs is the 403).
    """
    await create_case(client, case_request(owner=SECURITY), space=space)

    user = await kibana_users(username)
    response = await user.post(f"/s/{space}{SEARCH_URL}", json={"owner": SECURITY})

    assert (response.status_code, response.json()) == (
        403,
        refusal(403, "Unauthorized to access case configurations of any owner"),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # `should NOT allow to pass a filter`
        (
            {
                "sortOrder": "asc",
                "filter": '{cases.attributes.owner:"observabilityFixture"}',
                "owner": OBSERVABILITY,
            },
            'invalid keys "filter"',
        ),
        # `should NOT allow to pass non-valid fields`
        (
            {"searchFields": ["foobar"], "search": "some search string*", "owner": OBSERVABILITY},
            'Invalid value "foobar" supplied to "searchFields",'
            'Invalid value "["foobar"]" supplied to "searchFields"',
        ),
        # `should NOT allow to pass a namespaces`
        (
            {"sortOrder": "asc", "filter": "{namespaces[0]=*}", "owner": OBSERVABILITY},
            'invalid keys "filter"',
        ),
        (
            {"sortOrder": "asc", "namespaces": "*", "owner": OBSERVABILITY},
            'invalid keys "namespaces"',
        ),
        # `should NOT allow to pass a non supported query parameter`
        ({"notExists": "papa", "owner": OBSERVABILITY}, 'invalid keys "notExists"'),
        # OpenCases: the limits of _find.
        (
            {"perPage": 101, "owner": SECURITY},
            "The provided perPage value is too high. The maximum allowed perPage value is 100.",
        ),
    ],
)
async def test_search_refuses_parameters_kibana_does_not_take(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """search_cases.ts, `rbac`: no saved-objects filter, namespaces or unknown key."""
    await refused_search(client, db, body, 400, message)


async def test_search_filters_by_owner(kibana_users: KibanaUsers) -> None:
    """search_cases.ts: `should respect the owner filter when having permissions`."""
    obs_sec = await kibana_users("obs_sec")
    sec = await create_case(obs_sec, case_request(owner=SECURITY), space="space1")
    await create_case(obs_sec, case_request(owner=OBSERVABILITY), space="space1")

    found = await search_cases(obs_sec, {"owner": SECURITY}, space="space1")

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [sec], "count_open_cases": 1}


async def test_search_ignores_owners_the_user_may_not_read(kibana_users: KibanaUsers) -> None:
    """search_cases.ts: `should return the correct cases when trying to exploit RBAC through the
    owner query parameter`.
    """
    obs_sec = await kibana_users("obs_sec")
    sec = await create_case(obs_sec, case_request(owner=SECURITY), space="space1")
    await create_case(obs_sec, case_request(owner=OBSERVABILITY), space="space1")

    sec_only = await kibana_users("sec_only")
    found = await search_cases(sec_only, {"owner": [SECURITY, OBSERVABILITY]}, space="space1")

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [sec], "count_open_cases": 1}


async def test_search_filters_by_creation_time_among_the_readable_owners(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers
) -> None:
    """search_cases.ts, `rbac`, `range queries`: `should respect the owner filter when using
    range queries`.
    """
    archive = await load_cases_various_dates(client, db, space="space1")

    body = {"from": "2022-03-15", "to": "2022-03-21", "owner": SECURITY}
    found = await search_cases(await kibana_users("sec_only"), body, space="space1")

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [archive[0]], "count_open_cases": 1}


async def test_search_filters_by_severity_among_the_readable_owners(
    kibana_users: KibanaUsers,
) -> None:
    """search_cases.ts, `rbac`, `RBAC query filter`: `should return the correct cases when
    trying to query filter by severity`.
    """
    obs_sec = await kibana_users("obs_sec")
    obs_only = await kibana_users("obs_only")
    for user, owner in [(obs_sec, SECURITY), (obs_sec, SECURITY), (obs_only, OBSERVABILITY)]:
        await create_case(user, case_request(owner=owner, severity="high"), space="space1")

    body = {"severity": "high", "owner": SECURITY}
    found = await search_cases(await kibana_users("sec_only"), body, space="space1")

    ensure_saved_object_is_authorized(found["cases"], 2, [SECURITY])


# --- OpenCases: _search takes what _find takes ---------------------------------------------


async def test_search_answers_as_find_does(client: httpx.AsyncClient) -> None:
    """OpenCases: the body's filters, search, sort and page give the same answer as _find."""
    for title, severity in [("red apple", "low"), ("red car", "high"), ("blue car", "high")]:
        await create_case(client, case_request(title=title, severity=severity, tags=[title]))
    query: dict[str, Any] = {
        "search": "red car",
        "severity": ["high", "low"],
        "tags": ["red apple", "red car"],
        "sortField": "title",
        "sortOrder": "desc",
        "page": 1,
        "perPage": 1,
    }

    searched = await search_cases(client, {**query, "owner": SECURITY})

    assert searched == await find_cases(client, query)
    assert [case["title"] for case in searched["cases"]] == ["red car"]
    assert searched["total"] == 2
