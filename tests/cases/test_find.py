"""GET /api/cases/_find: Kibana's find_cases.ts (common and trial) and assignees.ts, ported.

Kibana's tests not ported: `correctly counts comments` and `correctly counts alerts ignoring
duplicates` (they add comments and alerts, which OpenCases does not have yet).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import msgspec
import pytest

from opencases.cases import store
from opencases.db import Database, new_id
from opencases.security.secrets import profile_uid
from tests.cases.conftest import (
    CASES_URL,
    FIND_RESPONSE,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    delete_cases,
    find_cases,
    load_cases_various_dates,
    refusal,
    set_created_at,
    update_cases,
)
from tests.configure.conftest import KibanaUsers, ensure_saved_object_is_authorized

FIND_URL = f"{CASES_URL}/_find"


async def set_status(
    client: httpx.AsyncClient, case: dict[str, Any], status: str = "closed"
) -> Any:
    """The case with a new status, as PATCH answers it."""
    return (
        await update_cases(
            client, [{"id": case["id"], "version": case["version"], "status": status}]
        )
    )[0]


async def refused_find(client: httpx.AsyncClient, params: Any, message: str) -> None:
    """A _find that Kibana answers 400 with `message`."""
    response = await client.get(FIND_URL, params=params)
    assert (response.status_code, response.json()) == (400, refusal(400, message))


# --- basic tests -----------------------------------------------------------------------


async def test_find_without_cases_answers_an_empty_page(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `should return empty response`."""
    assert await find_cases(client) == FIND_RESPONSE


async def test_find_answers_the_cases_as_created(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `should return cases`."""
    a = await create_case(client)
    b = await create_case(client)
    c = await create_case(client)

    assert await find_cases(client) == {
        **FIND_RESPONSE,
        "total": 3,
        "cases": [a, b, c],
        "count_open_cases": 3,
    }


async def test_find_filters_by_tags(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by tags`."""
    await create_case(client)
    posted = await create_case(client, case_request(tags=["unique"]))

    assert await find_cases(client, {"tags": ["unique"]}) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [posted],
        "count_open_cases": 1,
    }


async def test_find_filters_by_tags_with_reserved_kql_characters(
    client: httpx.AsyncClient,
) -> None:
    """find_cases.ts: `can filter by reserved kql characters in tags`."""
    slash_quote = await create_case(client, case_request(tags=['awesome"']))
    colon = await create_case(client, case_request(tags=["super:bad:case"]))

    assert await find_cases(client, {"tags": ["super:bad:case", 'awesome"']}) == {
        **FIND_RESPONSE,
        "total": 2,
        "cases": [slash_quote, colon],
        "count_open_cases": 2,
    }


async def test_find_filters_by_status_and_counts_every_status(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by status` (the counts ignore the status filter)."""
    await create_case(client)
    closed = await set_status(client, await create_case(client))

    assert await find_cases(client, {"status": "closed"}) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [closed],
        "count_open_cases": 1,
        "count_closed_cases": 1,
        "count_in_progress_cases": 0,
    }


async def test_find_filters_by_several_statuses(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filter by multiple status`."""
    open_case = await create_case(client)
    closed = await set_status(client, await create_case(client))

    assert await find_cases(client, {"status": ["closed", "open"]}) == {
        **FIND_RESPONSE,
        "total": 2,
        "cases": [open_case, closed],
        "count_open_cases": 1,
        "count_closed_cases": 1,
    }


async def test_find_filters_by_severity(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by severity`."""
    await create_case(client)
    case = await create_case(client)
    [high] = await update_cases(
        client, [{"id": case["id"], "version": case["version"], "severity": "high"}]
    )

    assert await find_cases(client, {"severity": "high"}) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [high],
        "count_open_cases": 1,
    }


async def test_find_by_a_severity_no_case_has_finds_nothing(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by severity (none found)`."""
    await create_case(client)
    await create_case(client)

    assert await find_cases(client, {"severity": "critical"}) == FIND_RESPONSE


async def test_find_filters_by_several_severities(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by multiple severities`."""
    low = await create_case(client)
    critical = await create_case(client, case_request(severity="critical"))

    assert await find_cases(client, {"severity": ["low", "critical"]}) == {
        **FIND_RESPONSE,
        "total": 2,
        "cases": [low, critical],
        "count_open_cases": 2,
    }


async def test_find_filters_by_a_category(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by a single category`."""
    await create_case(client)
    foobar = await create_case(client, case_request(category="foobar"))

    assert await find_cases(client, {"category": ["foobar"]}) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [foobar],
        "count_open_cases": 1,
    }


async def test_find_filters_by_several_categories(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by multiple categories`."""
    await create_case(client)
    foobar = await create_case(client, case_request(category="foobar"))
    other = await create_case(client, case_request(category="other"))

    assert await find_cases(client, {"category": ["foobar", "other"]}) == {
        **FIND_RESPONSE,
        "total": 2,
        "cases": [foobar, other],
        "count_open_cases": 2,
    }


async def test_find_filters_by_reporter_username(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `filters by reporters`."""
    posted = await create_case(client)

    assert await find_cases(client, {"reporters": "elastic"}) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [posted],
        "count_open_cases": 1,
    }


async def test_find_counts_open_closed_and_in_progress_cases(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `correctly counts open/closed/in-progress`."""
    await create_case(client)
    in_progress = await create_case(client)
    await set_status(client, await create_case(client))
    await set_status(client, in_progress, "in-progress")

    found = await find_cases(client)

    assert (found["count_open_cases"], found["count_closed_cases"]) == (1, 1)
    assert found["count_in_progress_cases"] == 1


async def test_find_sorts_by_title(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `sorts by title`."""
    c = await create_case(client, case_request(title="c"))
    b = await create_case(client, case_request(title="b"))
    a = await create_case(client, case_request(title="a"))

    assert await find_cases(client, {"sortField": "title", "sortOrder": "asc"}) == {
        **FIND_RESPONSE,
        "total": 3,
        "cases": [a, b, c],
        "count_open_cases": 3,
    }


async def test_find_sorts_by_severity_rank(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `sorts by severity` (by rank, not by name)."""
    created = {}
    for severity in ["critical", "high", "medium", "low"]:
        created[severity] = await create_case(client, case_request(severity=severity))

    assert await find_cases(client, {"sortField": "severity", "sortOrder": "asc"}) == {
        **FIND_RESPONSE,
        "total": 4,
        "cases": [created[s] for s in ["low", "medium", "high", "critical"]],
        "count_open_cases": 4,
    }


# --- search and searchField --------------------------------------------------------------

SEARCH_FIELDS = ["title", "description", "incremental_id.text"]


@pytest.mark.parametrize(
    ("query", "total"),
    [
        # `should successfully find a case when using valid searchFields`
        ({"searchFields": SEARCH_FIELDS, "search": "Issue"}, 1),
        # `should successfully find a case when not passing the searchFields parameter`
        ({"search": "Issue"}, 1),
        # `should not find any cases when it does not use a wildcard and the string does not match`
        ({"search": "Iss"}, 0),
        # `should find a case when it uses a wildcard`
        ({"search": "Iss*"}, 1),
    ],
)
async def test_find_searches_words_of_the_title_and_description(
    client: httpx.AsyncClient, query: dict[str, Any], total: int
) -> None:
    """find_cases.ts, `search and searchField`: the words of a search, and `*` for a prefix."""
    await create_case(client)

    assert (await find_cases(client, query))["total"] == total


async def test_find_finds_a_case_by_its_id(client: httpx.AsyncClient) -> None:
    """find_cases.ts: `should successfully find a case when using a valid uuid`."""
    await create_case(client)
    case = await create_case(client)

    found = await find_cases(client, {"searchFields": SEARCH_FIELDS, "search": case["id"]})

    assert (found["total"], found["cases"][0]["id"]) == (1, case["id"])


@pytest.mark.parametrize("field", ["title", "description"])
async def test_find_finds_a_uuid_in_the_title_or_description(
    client: httpx.AsyncClient, field: str
) -> None:
    """find_cases.ts: `should successfully find a case with a valid uuid in title|description`."""
    uuid = "1537b380-a512-41ec-b94f-85999e89e434"
    await create_case(client)
    await create_case(client, case_request(**{field: uuid}))

    found = await find_cases(client, {"searchFields": SEARCH_FIELDS, "search": uuid})

    assert (found["total"], found["cases"][0][field]) == (1, uuid)


# --- errors ------------------------------------------------------------------------------

TAGS_101 = ",".join(['"foobar"'] * 101)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        # `unhappy path - 400s when bad query supplied`
        ({"perPage": "true"}, 'Invalid value "true" supplied to "perPage"'),
        # `400s when trying to fetch with invalid searchField`
        (
            {"searchFields": "closed_by.username", "search": "some search string*"},
            'Invalid value "closed_by.username" supplied to "searchFields"',
        ),
        # `400s when trying to fetch with invalid array of searchFields`
        (
            {"searchFields": ["closed_by.username", "title"], "search": "some search string*"},
            'Invalid value "closed_by.username" supplied to "searchFields",'
            'Invalid value "["closed_by.username","title"]" supplied to "searchFields"',
        ),
        # `400s when trying to fetch with invalid sortField`
        (
            {"sortField": "foobar", "search": "some search string*"},
            'Invalid value "foobar" supplied to "sortField"',
        ),
        # `400s when trying to fetch with rootSearchFields`
        (
            {"rootSearchFields": "_id", "search": "some search string*"},
            'invalid keys "rootSearchFields"',
        ),
        # `400s when perPage > 100 supplied`
        (
            {"perPage": 101},
            "The provided perPage value is too high. The maximum allowed perPage value is 100.",
        ),
        # `400s when trying to fetch more than 10,000 documents`
        (
            {"page": 209, "perPage": 100},
            "The number of documents is too high. Paginating through more than 10000"
            " documents is not possible.",
        ),
        # OpenCases: Kibana's enums; a date Elasticsearch could not read gets the message of
        # one KQL could not (buildRangeFilter).
        ({"status": "bad"}, 'Invalid value "bad" supplied to "status"'),
        (
            {"severity": ["low", "bad"]},
            'Invalid value "["low","bad"]" supplied to "severity",'
            'Invalid value "bad" supplied to "severity"',
        ),
        ({"sortOrder": "up"}, 'Invalid value "up" supplied to "sortOrder"'),
        ({"defaultSearchOperator": "or"}, 'Invalid value "or" supplied to "defaultSearchOperator"'),
        ({"from": "yesterday"}, 'Invalid "from" and/or "to" query parameters'),
        ({"to": "now-1x"}, 'Invalid "from" and/or "to" query parameters'),
        ({"from": ""}, 'Invalid "from" and/or "to" query parameters'),
        # Elasticsearch's refusal of a page before the first.
        ({"page": 0}, "[from] parameter cannot be negative, found [-20]"),
        ({"perPage": -1}, "[size] parameter cannot be negative, found [-1]"),
    ],
)
async def test_find_refuses_a_bad_query(
    client: httpx.AsyncClient, params: dict[str, Any], message: str
) -> None:
    """find_cases.ts, `errors` (OpenCases asserts the messages of Kibana's find.ts too)."""
    await refused_find(client, params, message)


@pytest.mark.parametrize("field", ["owner", "tags", "severity", "status"])
async def test_find_refuses_to_search_a_keyword_field(
    client: httpx.AsyncClient, field: str
) -> None:
    """find_cases.ts, `errors`.

    `should return a 400 when attempting to query a keyword field [${field}] when using a
    wildcard query`.
    """
    params = {"searchFields": [field], "search": "some search string*"}
    await refused_find(client, params, f'Invalid value "{field}" supplied to "searchFields"')


@pytest.mark.parametrize("field", ["category", "tags", "assignees", "reporters"])
async def test_find_refuses_more_than_100_values_of_a_filter(
    client: httpx.AsyncClient, field: str
) -> None:
    """find_cases.ts: `unhappy path - 400s when the field ${fieldName} exceeds the size limit`."""
    await refused_find(
        client,
        {field: ["foobar"] * 101},
        f"The length of the field {field} is too long. Array must be of length <= 100.,"
        f'Invalid value "[{TAGS_101}]" supplied to "{field}"',
    )


# --- pagination --------------------------------------------------------------------------


@pytest.fixture
async def ten_cases(client: httpx.AsyncClient, db: Database) -> list[str]:
    """find_cases pagination's `before`: ten cases titled 0 to 9, created concurrently.

    Their titles in creation order (Kibana's getAllCasesSortedByCreatedAtAsc, from the store).
    """
    await asyncio.gather(*(create_case(client, case_request(title=str(i))) for i in range(10)))
    rows = await db.fetch_all("SELECT title FROM cases ORDER BY created_at, seq")
    return [row["title"] for row in rows]


@pytest.mark.parametrize(
    ("page", "per_page", "titles"),
    [
        # `returns the correct total when perPage is less than the total`
        (1, 5, slice(0, 5)),
        # `returns the correct total when perPage is greater than the total`
        (1, 11, slice(0, 10)),
        # `returns the correct total when perPage is equal to the total`
        (1, 10, slice(0, 10)),
        # `returns the second page of results`
        (2, 5, slice(5, 10)),
        # `retrieves the last three cases`
        (2, 7, slice(7, 10)),
        # OpenCases: a page after the last.
        (3, 5, slice(10, 10)),
    ],
)
async def test_find_pages_through_the_cases(
    client: httpx.AsyncClient, ten_cases: list[str], page: int, per_page: int, titles: slice
) -> None:
    """find_cases.ts, `find_cases pagination`."""
    found = await find_cases(client, {"page": page, "perPage": per_page})

    assert [case["title"] for case in found["cases"]] == ten_cases[titles]
    assert found == {
        **FIND_RESPONSE,
        "cases": found["cases"],
        "page": page,
        "per_page": per_page,
        "total": 10,
        "count_open_cases": 10,
    }


async def test_find_pages_two_by_two(client: httpx.AsyncClient, ten_cases: list[str]) -> None:
    """find_cases.ts: `paginates with perPage of 2 through 10 total cases`."""
    for page in range(1, 6):
        found = await find_cases(client, {"page": page, "perPage": 2})

        assert [case["title"] for case in found["cases"]] == ten_cases[2 * page - 2 : 2 * page]
        assert (found["total"], found["page"], found["per_page"]) == (10, page, 2)


# --- range queries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "total"),
    [
        # `returns all cases without a range filter`
        ({}, 3),
        # `respects the range parameters`
        ({"from": "2022-03-16"}, 2),
        ({"to": "2022-03-21"}, 2),
        ({"from": "2022-03-15", "to": "2022-03-21"}, 2),
        # `escapes correctly`: both bounds are inclusive; a date without a zone is UTC.
        ({"from": "2022-03-15T10:16:56.252Z", "to": "2022-03-20T10:16:56.252"}, 2),
        # OpenCases: a date alone as `to` stands for its whole day, date math rounds.
        ({"to": "2022-03-20"}, 2),
        ({"from": "2022-03-20T10:16:56.253Z"}, 1),
        ({"to": "2022-03-15||+10d/d"}, 3),
        ({"from": "2022-03-15||/M", "to": "2022-03-15||/M"}, 3),
        ({"from": "now-1d"}, 0),
        ({"to": "1647512216252"}, 1),
    ],
)
async def test_find_filters_by_creation_time(
    client: httpx.AsyncClient, db: Database, query: dict[str, str], total: int
) -> None:
    """find_cases.ts, `range queries` (Kibana's cases_various_dates archive, rebuilt)."""
    await load_cases_various_dates(client, db)

    found = await find_cases(client, query)

    assert (found["total"], found["count_open_cases"], len(found["cases"])) == (total,) * 3


async def test_find_filters_by_date_math_relative_to_now(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases: `now-1d`, `now/d` and `now-1d/d` bounds, as Elasticsearch rounds them.

    (A case created now is of today, unless midnight passes during the test.)
    """
    old = await create_case(client, case_request(title="old"))
    await set_created_at(db, old["id"], "2000-01-01T00:00:00.000Z")
    await create_case(client, case_request(title="today"))

    for query, titles in [
        ({"from": "now-1d"}, ["today"]),
        ({"from": "now/d"}, ["today"]),
        ({"to": "now-1d/d"}, ["old"]),
        ({"from": "now-1d/d", "to": "now/d"}, ["today"]),
        ({"to": "now+1h"}, ["old", "today"]),
        ({"from": "now+1d"}, []),
    ]:
        found = await find_cases(client, query)

        assert [case["title"] for case in found["cases"]] == titles, query


# --- rbac ----------------------------------------------------------------------------------


async def test_find_answers_the_cases_of_the_owners_a_user_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """find_cases.ts: `should return the correct cases`."""
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
        found = await find_cases(user, space="space1")

        ensure_saved_object_is_authorized(found["cases"], count, owners)
        assert sorted(case["owner"] for case in found["cases"]) == sorted(owners)


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_find_refuses_a_user_who_may_read_no_cases_in_the_space(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    """find_cases.ts: `User ${user} with role(s) ${roles} and space ${space} - should NOT read a
    case` (no_kibana_privileges in space1, sec_only in space2).

    Kibana's find reads the configurations first (configure.get): theirs is the 403.
    """
    await create_case(client, case_request(owner=SECURITY), space=space)

    response = await (await kibana_users(username)).get(f"/s/{space}{FIND_URL}")

    assert (response.status_code, response.json()) == (
        403,
        refusal(403, "Unauthorized to access case configurations of any owner"),
    )


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        # `should NOT allow to pass a filter query parameter`
        (
            'sortOrder=asc&filter=cases.attributes.owner:"observabilityFixture"',
            'invalid keys "filter"',
        ),
        # `should NOT allow to pass non-valid fields query parameter`
        (
            "searchFields=foobar&search=some+search+string*",
            'Invalid value "foobar" supplied to "searchFields"',
        ),
        # `should NOT allow to pass a namespaces query parameter`
        ("sortOrder=asc&namespaces[0]=*", 'invalid keys "namespaces[0]"'),
        ("sortOrder=asc&namespaces=*", 'invalid keys "namespaces"'),
        # `should NOT allow to pass a non supported query parameter`
        ("notExists=papa", 'invalid keys "notExists"'),
    ],
)
async def test_find_refuses_parameters_kibana_does_not_take(
    client: httpx.AsyncClient, query_string: str, message: str
) -> None:
    """find_cases.ts, `rbac`: no saved-objects filter, namespaces or unknown parameter."""
    response = await client.get(f"{FIND_URL}?{query_string}")

    assert (response.status_code, response.json()) == (400, refusal(400, message))


async def test_find_filters_by_owner(kibana_users: KibanaUsers) -> None:
    """find_cases.ts: `should respect the owner filter when having permissions`."""
    obs_sec = await kibana_users("obs_sec")
    sec = await create_case(obs_sec, case_request(owner=SECURITY), space="space1")
    await create_case(obs_sec, case_request(owner=OBSERVABILITY), space="space1")

    found = await find_cases(obs_sec, {"owner": SECURITY}, space="space1")

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [sec], "count_open_cases": 1}


async def test_find_ignores_owners_the_user_may_not_read(kibana_users: KibanaUsers) -> None:
    """find_cases.ts, `rbac`.

    `should return the correct cases when trying to exploit RBAC through the owner query
    parameter`: no 403, the other owners' cases are left out.
    """
    obs_sec = await kibana_users("obs_sec")
    sec = await create_case(obs_sec, case_request(owner=SECURITY), space="space1")
    await create_case(obs_sec, case_request(owner=OBSERVABILITY), space="space1")

    found = await find_cases(
        await kibana_users("sec_only"), {"owner": [SECURITY, OBSERVABILITY]}, space="space1"
    )

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [sec], "count_open_cases": 1}
    only_observability = {"owner": OBSERVABILITY}
    sec_only = await kibana_users("sec_only")
    assert await find_cases(sec_only, only_observability, space="space1") == FIND_RESPONSE


async def test_find_filters_by_creation_time_among_the_readable_owners(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers
) -> None:
    """find_cases.ts, `rbac`, `range queries`.

    `should respect the owner filter when using range queries`.
    """
    archive = await load_cases_various_dates(client, db, space="space1")

    found = await find_cases(
        await kibana_users("sec_only"), {"from": "2022-03-15", "to": "2022-03-21"}, space="space1"
    )

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [archive[0]], "count_open_cases": 1}


async def test_find_filters_by_severity_among_the_readable_owners(
    kibana_users: KibanaUsers,
) -> None:
    """find_cases.ts, `rbac`, `RBAC query filter`.

    `should return the correct cases when trying to query filter by severity`.
    """
    obs_sec = await kibana_users("obs_sec")
    for user, owner in [
        (obs_sec, SECURITY),
        (obs_sec, SECURITY),
        (await kibana_users("obs_only"), OBSERVABILITY),
    ]:
        await create_case(user, case_request(owner=owner, severity="high"), space="space1")

    found = await find_cases(await kibana_users("sec_only"), {"severity": "high"}, space="space1")

    ensure_saved_object_is_authorized(found["cases"], 2, [SECURITY])


# --- trial: reporters by profile, assignees (trial/cases/find_cases.ts, assignees.ts) ------


async def test_find_filters_by_reporter_profile_uid_and_username(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """trial find_cases.ts: `filters by reporters using the profile uid and username`."""
    elastic_case = await create_case(client, space="space1")
    sec_case = await create_case(await kibana_users("sec_only"), space="space1")

    found = await find_cases(
        client, {"reporters": [profile_uid("sec_only"), "elastic"]}, space="space1"
    )

    assert found == {
        **FIND_RESPONSE,
        "total": 2,
        "cases": [elastic_case, sec_case],
        "count_open_cases": 2,
    }


async def test_find_filters_by_reporter_profile_uid(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """trial find_cases.ts: `filters by reporters using the profile uid`."""
    await create_case(client, space="space1")
    sec_case = await create_case(await kibana_users("sec_only"), space="space1")

    found = await find_cases(client, {"reporters": profile_uid("sec_only")}, space="space1")

    assert found == {**FIND_RESPONSE, "total": 1, "cases": [sec_case], "count_open_cases": 1}


@pytest.mark.parametrize(
    ("assignees", "expected"),
    [
        # `filters cases using the assigned user`
        (["u_delete_0"], [1, 2]),
        # `filters cases using an assignee uid with a colon in it`
        (["abc:uid:123"], [3]),
        # `filters cases using the assigned users by constructing an or'd filter`
        (["u_delete_0", "abc:uid:123"], [1, 2, 3]),
        # `filters cases with no assignees`
        ("none", [0]),
        # `filters cases with no assignees and multiple users`
        (["none", "abc:uid:123"], [0, 3]),
    ],
)
async def test_find_filters_by_assignees(
    client: httpx.AsyncClient, assignees: Any, expected: list[int]
) -> None:
    """trial assignees.ts, `filter cases by assignees` (`none`: cases assigned to nobody)."""
    created = [await create_case(client)]
    for uid in ["u_delete_0", "u_delete_0", "abc:uid:123"]:
        created.append(await create_case(client, case_request(assignees=[{"uid": uid}])))

    assert await find_cases(client, {"assignees": assignees}) == {
        **FIND_RESPONSE,
        "total": len(expected),
        "cases": [created[index] for index in expected],
        "count_open_cases": len(expected),
    }


# --- OpenCases: every parameter ------------------------------------------------------------


async def test_find_pages_twenty_cases_oldest_first_by_default(client: httpx.AsyncClient) -> None:
    """OpenCases: page 1 of 20, by `createdAt` ascending (Kibana sends no order to the store)."""
    first = await create_case(client)
    second = await create_case(client)

    response = await client.get(FIND_URL)

    assert response.json() == {
        **FIND_RESPONSE,
        "total": 2,
        "cases": [first, second],
        "count_open_cases": 2,
    }


async def sort_fixture(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Three cases whose sort fields all differ (but `closedAt`), updated one after the other."""
    b = await create_case(client, case_request(title="b", category="y", severity="medium"))
    a = await create_case(client, case_request(title="a", severity="critical"))
    c = await create_case(client, case_request(title="C", category="x"))
    await set_status(client, b, "in-progress")
    await set_status(client, a)
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    ("sort_field", "ascending"),
    [
        # Keywords sort by their bytes: an upper-case letter before the lower-case ones.
        ("title", "cab"),
        # A case without a category comes last either way, as in Elasticsearch.
        ("category", "cb-"),
        ("createdAt", "bac"),
        ("updatedAt", "ba-"),
        # The ranks: open, in-progress, closed; low, medium, high, critical.
        ("status", "cba"),
        ("severity", "cba"),
    ],
)
async def test_find_sorts_by_each_field_both_ways(
    client: httpx.AsyncClient, sort_field: str, ascending: str
) -> None:
    """OpenCases: every sortField, ascending and descending; missing values last."""
    await sort_fixture(client)
    titles = {"a": "a", "b": "b", "c": "C"}
    known = [titles[key] for key in ascending if key != "-"]

    for order, expected in [("asc", known), ("desc", known[::-1])]:
        found = await find_cases(client, {"sortField": sort_field, "sortOrder": order})

        listed = [case["title"] for case in found["cases"]]
        assert listed[: len(known)] == expected, order
        assert sorted(listed) == ["C", "a", "b"]


async def test_find_sorts_by_closing_time(client: httpx.AsyncClient) -> None:
    """OpenCases: `closedAt`, open cases last both ways."""
    first = await create_case(client, case_request(title="first"))
    second = await create_case(client, case_request(title="second"))
    await create_case(client, case_request(title="open"))
    await set_status(client, first)
    await set_status(client, second)

    for order, titles in [
        ("asc", ["first", "second", "open"]),
        ("desc", ["second", "first", "open"]),
    ]:
        found = await find_cases(client, {"sortField": "closedAt", "sortOrder": order})

        assert [case["title"] for case in found["cases"]] == titles


async def test_find_filters_combine(client: httpx.AsyncClient) -> None:
    """OpenCases: every filter at once; each one must hold (and the counts ignore the status)."""
    matching = case_request(
        tags=["a", "b"], category="cat", severity="high", assignees=[{"uid": "u_1"}]
    )
    wanted = await create_case(client, matching)
    await set_status(client, await create_case(client, matching))
    changes: list[dict[str, Any]] = [
        {"tags": ["a"]},
        {"category": "dog"},
        {"severity": "low"},
        {"assignees": []},
    ]
    for change in changes:
        await create_case(client, {**matching, **change})
    query = {
        "tags": ["b", "c"],
        "category": "cat",
        "severity": "high",
        "assignees": "u_1",
        "reporters": "elastic",
        "owner": SECURITY,
        "from": "now-1h",
        "to": "now+1h",
        "status": "open",
    }

    assert await find_cases(client, query) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [wanted],
        "count_open_cases": 1,
        "count_closed_cases": 1,
    }


# --- OpenCases: the search ---------------------------------------------------------------


@pytest.fixture
async def titled(client: httpx.AsyncClient) -> list[str]:
    """Cases #1 to #4, with the titles and descriptions the search tests look for."""
    for title, description in [
        ("Red apple", "fruit 3.14"),
        ("green APPLE", "an e-mail from 2 people"),
        ("red car", "no fruit"),
        ("case 1", "the number 4"),
    ]:
        await create_case(client, case_request(title=title, description=description))
    return ["Red apple", "green APPLE", "red car", "case 1"]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        # Words, whatever their case; any of them (OR, the default) or all of them (AND).
        ({"search": "red apple"}, ["Red apple", "green APPLE", "red car"]),
        (
            {"search": "red apple", "defaultSearchOperator": "OR"},
            ["Red apple", "green APPLE", "red car"],
        ),
        ({"search": "RED apple", "defaultSearchOperator": "AND"}, ["Red apple"]),
        ({"search": "red fruit", "defaultSearchOperator": "AND"}, ["Red apple", "red car"]),
        # A quoted phrase, its words in that order.
        ({"search": '"red apple"'}, ["Red apple"]),
        ({"search": '"apple red"'}, []),
        # Prefixes, and words as the tokenizer reads them.
        ({"search": "app*"}, ["Red apple", "green APPLE"]),
        ({"search": "3.14"}, ["Red apple"]),
        ({"search": "e-mail"}, ["green APPLE"]),
        # The search fields.
        ({"search": "fruit", "searchFields": "title"}, []),
        ({"search": "fruit", "searchFields": "description"}, ["Red apple", "red car"]),
        (
            {"search": "apple", "searchFields": ["description", "title"]},
            ["Red apple", "green APPLE"],
        ),
        # The case numbers: `#n` alone, or a number with incremental_id.text.
        ({"search": "#2"}, ["green APPLE"]),
        ({"search": " #4 "}, ["case 1"]),
        ({"search": "#9"}, []),
        ({"search": "4"}, ["case 1"]),
        ({"search": "2", "searchFields": "incremental_id.text"}, ["green APPLE"]),
        ({"search": "1 red", "searchFields": "incremental_id.text"}, ["Red apple"]),
        (
            {"search": "1", "searchFields": ["title", "incremental_id.text"]},
            ["Red apple", "case 1"],
        ),
        (
            {
                "search": "1 case",
                "searchFields": ["title", "incremental_id.text"],
                "defaultSearchOperator": "AND",
            },
            ["case 1"],
        ),
        ({"search": "red", "searchFields": "incremental_id.text"}, []),
        # Nothing left to look for matches nothing, as simple_query_string.
        ({"search": "   "}, []),
        ({"search": ":: -"}, []),
        ({"search": "apple ::", "defaultSearchOperator": "AND"}, ["Red apple", "green APPLE"]),
    ],
)
async def test_find_searches_the_text_and_numbers_of_cases(
    client: httpx.AsyncClient, titled: list[str], query: dict[str, Any], titles: list[str]
) -> None:
    """OpenCases: the full-text search of `search`, `searchFields` and `defaultSearchOperator`."""
    found = await find_cases(client, query)

    assert [case["title"] for case in found["cases"]] == titles
    assert found["total"] == len(titles)


async def test_find_counts_by_status_regardless_of_the_search(client: httpx.AsyncClient) -> None:
    """Kibana's find.ts: the status counts are taken without the search (nor the status)."""
    apple = await create_case(client, case_request(title="apple"))
    await set_status(client, await create_case(client, case_request(title="pear")))

    assert await find_cases(client, {"search": "apple"}) == {
        **FIND_RESPONSE,
        "total": 1,
        "cases": [apple],
        "count_open_cases": 1,
        "count_closed_cases": 1,
    }


async def test_find_searches_the_current_title_and_not_a_deleted_case(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases: the full-text index follows updates and deletions."""
    case = await create_case(client, case_request(title="before"))
    [renamed] = await update_cases(
        client, [{"id": case["id"], "version": case["version"], "title": "after"}]
    )
    gone = await create_case(client, case_request(title="after"))
    response = await client.delete(CASES_URL, params={"ids": f'["{gone["id"]}"]'})
    assert response.status_code == 204

    assert (await find_cases(client, {"search": "before"}))["total"] == 0
    assert (await find_cases(client, {"search": "after"}))["cases"] == [renamed]


async def test_find_finds_a_case_by_id_in_its_space_only(
    client: httpx.AsyncClient, space1: Any
) -> None:
    """OpenCases: a case id searched in another space finds nothing."""
    case = await create_case(client, space="space1")

    assert (await find_cases(client, {"search": case["id"]}))["total"] == 0
    assert (await find_cases(client, {"search": case["id"]}, space="space1"))["cases"] == [case]


@pytest.mark.parametrize(
    "search",
    [
        "a'b*",
        "a\\b*",
        "it's",
        'say "hi*',
        "a:b* c&d* e|f* !g* (h* <-> i:*",
        "***",
        "über* ÉTÉ",
        "x\x00y",
        "NEAR(a b) AND OR NOT",
        "{title}: a",
        "99999999999999999999",
        "#99999999999999999999",
    ],
)
async def test_find_takes_any_search_text(client: httpx.AsyncClient, search: str) -> None:
    """OpenCases: the database's query syntax never leaks out of a search (no 500)."""
    await create_case(client, case_request(title="it's über"))

    response = await client.get(FIND_URL, params={"search": search, "searchFields": SEARCH_FIELDS})

    assert response.status_code == 200, response.text


async def test_find_searches_what_one_group_commit_wrote(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Creates, a retitle, a delete and a refusal committed together: the index holds the rest."""
    stale, retitled, deleted = [await create_case(client) for _ in range(3)]
    await update_cases(client, [{"id": stale["id"], "version": stale["version"], "tags": []}])
    await asyncio.gather(
        create_case(client, case_request(title="fresh zebra")),
        update_cases(client, [{**_version_of(retitled), "title": "walrus"}]),
        update_cases(client, [{**_version_of(stale), "title": "lost okapi"}], 409),
        delete_cases(client, [deleted["id"]]),
    )

    words = ("zebra", "walrus", "okapi", "Issue")
    found = {word: (await find_cases(client, {"search": word}))["total"] for word in words}
    assert found == {"zebra": 1, "walrus": 1, "okapi": 0, "Issue": 1}
    if db.dialect == "sqlite":
        await db.execute("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")


async def test_find_does_not_search_what_a_request_rolled_back(
    client: httpx.AsyncClient, db: Database
) -> None:
    """A case written and rolled back beside a create: neither its row nor its words stay."""
    written = await create_case(client)
    record = await store.get(db, space_id="default", case_id=written["id"])
    assert record is not None
    unwanted = msgspec.structs.replace(record, id=new_id(), title="wombat", incremental_id=-1)

    async def write_then_fail() -> None:
        async with db.transaction() as tx:
            await store.insert(tx, unwanted)
            raise LookupError

    created, failed = await asyncio.gather(
        create_case(client, case_request(title="quokka")), write_then_fail(), return_exceptions=True
    )

    assert (created["title"], type(failed)) == ("quokka", LookupError)
    words = ("wombat", "quokka")
    found = {word: (await find_cases(client, {"search": word}))["total"] for word in words}
    assert found == {"wombat": 0, "quokka": 1}
    assert await store.get(db, space_id="default", case_id=unwanted.id) is None
    if db.dialect == "sqlite":
        await db.execute("INSERT INTO cases_fts(cases_fts, rank) VALUES ('integrity-check', 1)")


def _version_of(case: dict[str, Any]) -> dict[str, str]:
    return {"id": case["id"], "version": case["version"]}
