"""GET /api/cases/{case_id}/comments/_find: Kibana's find_comments.ts (security_and_spaces/
tests/common/comments), ported.

Kibana 9's find (io-ts era, client/attachments/get.ts) answers only `user` comments, sorted
by `created_at`, in pages of 20 by default and at most 100; it does not check that the case
exists. Nothing skipped: the file has no alert-index tests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.attachments.conftest import ALERT_COMMENT, USER_COMMENT, comments_url, post_comment
from tests.cases.conftest import (
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    refused,
)
from tests.configure.conftest import KibanaUsers

ACTIONS_COMMENT: dict[str, Any] = {
    "comment": "comment text",
    "actions": {
        "targets": [{"hostname": "host-name", "endpointId": "endpoint-id"}],
        "type": "isolate",
    },
    "type": "actions",
    "owner": SECURITY,
}
LENS: dict[str, Any] = {
    "type": "persistableState",
    "persistableStateAttachmentTypeId": ".lens",
    "persistableStateAttachmentState": {"foo": "bar"},
    "owner": SECURITY,
}
INTERNAL = {"x-elastic-internal-origin": "kibana"}


async def bulk_create(
    client: httpx.AsyncClient, case_id: str, bodies: list[dict[str, Any]]
) -> dict[str, Any]:
    """Kibana's bulkCreateAttachments: POST the list, 200, the case with its comments."""
    response = await client.post(
        f"/internal/cases/{case_id}/attachments/_bulk_create", json=bodies, headers=INTERNAL
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def find_comments(
    client: httpx.AsyncClient,
    case_id: str,
    query: Any = None,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's findAttachments: GET _find, 200, the page."""
    response = await client.get(f"{comments_url(case_id, space)}/_find", params=query)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_all_user_comments_are_found(client: httpx.AsyncClient) -> None:
    """find_comments.ts: it('should find all case comment')."""
    case = await create_case(client)
    await post_comment(client, case["id"], USER_COMMENT)
    posted = await post_comment(client, case["id"], USER_COMMENT)

    found = await find_comments(client, case["id"])

    assert found == {"comments": posted["comments"], "page": 1, "per_page": 20, "total": 2}


async def test_only_user_comments_are_found(client: httpx.AsyncClient) -> None:
    """find_comments.ts: it('should find only case comments of the correct type')."""
    case = await create_case(client)
    posted = await bulk_create(
        client, case["id"], [USER_COMMENT, ALERT_COMMENT, ACTIONS_COMMENT, LENS]
    )

    found = await find_comments(client, case["id"])

    assert found == {"comments": posted["comments"][:1], "page": 1, "per_page": 20, "total": 1}
    assert found["comments"][0]["type"] == "user"


async def test_comments_are_sorted_by_creation(client: httpx.AsyncClient) -> None:
    """client/attachments/get.ts find: sortField `created_at`, ascending unless `sortOrder`
    says `desc`."""
    case = await create_case(client)
    for text in ("one", "two", "three"):
        posted = await post_comment(client, case["id"], {**USER_COMMENT, "comment": text})
    comments = posted["comments"]

    ascending = await find_comments(client, case["id"], {"sortOrder": "asc"})
    descending = await find_comments(client, case["id"], {"sortOrder": "desc"})

    assert ascending["comments"] == comments
    assert descending == {
        "comments": comments[::-1],
        "page": 1,
        "per_page": 20,
        "total": 3,
    }


async def test_comments_are_paged(client: httpx.AsyncClient) -> None:
    """client/attachments/get.ts find: `page` and `perPage`, the total of every page."""
    case = await create_case(client)
    for text in ("one", "two", "three"):
        posted = await post_comment(client, case["id"], {**USER_COMMENT, "comment": text})
    comments = posted["comments"]

    assert await find_comments(client, case["id"], {"page": 2, "perPage": 2}) == {
        "comments": comments[2:],
        "page": 2,
        "per_page": 2,
        "total": 3,
    }
    assert await find_comments(
        client, case["id"], {"page": 1, "perPage": 2, "sortOrder": "desc"}
    ) == {"comments": comments[:0:-1], "page": 1, "per_page": 2, "total": 3}
    assert await find_comments(client, case["id"], {"page": 3, "perPage": 2}) == {
        "comments": [],
        "page": 3,
        "per_page": 2,
        "total": 3,
    }


async def test_the_largest_pages_are_allowed(client: httpx.AsyncClient) -> None:
    """find_comments.ts: the edges of paginationSchema: perPage 100, page * perPage 10000."""
    posted = await post_comment(client, (await create_case(client))["id"], USER_COMMENT)
    case_id = posted["id"]

    assert await find_comments(client, case_id, {"perPage": 100}) == {
        "comments": posted["comments"],
        "page": 1,
        "per_page": 100,
        "total": 1,
    }
    assert await find_comments(client, case_id, {"page": 100, "perPage": 100}) == {
        "comments": [],
        "page": 100,
        "per_page": 100,
        "total": 1,
    }
    assert await find_comments(client, case_id, {"page": 10000, "perPage": 1}) == {
        "comments": [],
        "page": 10000,
        "per_page": 1,
        "total": 1,
    }


async def test_an_unknown_case_has_no_comments(client: httpx.AsyncClient) -> None:
    """client/attachments/get.ts find: no check that the case exists."""
    assert await find_comments(client, "fake-id") == {
        "comments": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
    }


async def test_deleted_comments_are_not_found(client: httpx.AsyncClient) -> None:
    """find_comments.ts: it('should find all case comment'), after a delete."""
    case = await create_case(client)
    await post_comment(client, case["id"], USER_COMMENT)
    posted = await post_comment(client, case["id"], USER_COMMENT)
    first, second = posted["comments"]
    response = await client.delete(f"{comments_url(case['id'])}/{first['id']}")
    assert response.status_code == 204

    assert await find_comments(client, case["id"]) == {
        "comments": [second],
        "page": 1,
        "per_page": 20,
        "total": 1,
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"perPage": "true"}, 'Invalid value "true" supplied to "perPage"'),
        ({"foo": "bar"}, 'invalid keys "foo"'),
        (
            {"page": 10001},
            "The number of documents is too high. Paginating through more than 10000"
            " documents is not possible.",
        ),
        (
            {"perPage": 101},
            "The provided perPage value is too high. The maximum allowed perPage value is 100.",
        ),
        (
            {"page": 2, "perPage": 9001},
            "The provided perPage value is too high. The maximum allowed perPage value is 100.",
        ),
        (
            {"page": 101, "perPage": 100},
            "The number of documents is too high. Paginating through more than 10000"
            " documents is not possible.",
        ),
        ({"sortOrder": "up"}, 'Invalid value "up" supplied to "sortOrder"'),
        # Elasticsearch's refusal of the search Kibana then makes (a 500 on PostgreSQL once).
        ({"page": 0}, "[from] parameter cannot be negative, found [-20]"),
        ({"page": 0, "perPage": 5}, "[from] parameter cannot be negative, found [-5]"),
        ({"perPage": -1}, "[size] parameter cannot be negative, found [-1]"),
    ],
    ids=[
        "field is wrong type",
        "field is unknown",
        "page > 10k",
        "perPage > 100",
        "page * perPage > 10k",
        "page * perPage just over 10k",
        "sortOrder is unknown",
        "page 0",
        "page 0 of 5",
        "perPage < 0",
    ],
)
async def test_bad_queries_are_refused(
    client: httpx.AsyncClient, db: Database, query: dict[str, Any], message: str
) -> None:
    """find_comments.ts: it(`400s when ${name}`) (`field is wrong type`, `field is unknown`,
    `page > 10k`, `perPage > 100`, `page * perPage > 10k`: perPage is checked first)."""
    posted = await post_comment(client, (await create_case(client))["id"], USER_COMMENT)

    await refused(
        client, db, "GET", f"{comments_url(posted['id'])}/_find", 400, message, params=query
    )


@pytest.mark.parametrize("key", ["namespaces[0]", "namespaces"])
async def test_a_namespaces_query_parameter_is_refused(
    client: httpx.AsyncClient, db: Database, key: str
) -> None:
    """find_comments.ts: rbac, it('should NOT allow to pass a namespaces query parameter')."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "GET",
        f"{comments_url(case['id'])}/_find",
        400,
        f'invalid keys "{key}"',
        params={key: "*"},
    )


@pytest.mark.parametrize(
    ("username", "owners"),
    [
        ("global_read", [SECURITY, OBSERVABILITY]),
        ("elastic", [SECURITY, OBSERVABILITY]),
        ("sec_only_read", [SECURITY]),
        ("obs_only_read", [OBSERVABILITY]),
        ("obs_sec_read", [SECURITY, OBSERVABILITY]),
    ],
)
async def test_users_find_the_comments_of_owners_they_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str, owners: list[str]
) -> None:
    """find_comments.ts: rbac, it('should return the correct comments') (superUser: our
    `elastic`; a case of an owner the user may not read has no comments for it)."""
    user = client if username == "elastic" else await kibana_users(username)
    for owner in (SECURITY, OBSERVABILITY):
        case = await create_case(client, case_request(owner=owner), space="space1")
        posted = await post_comment(
            client, case["id"], {**USER_COMMENT, "owner": owner}, space="space1"
        )

        found = await find_comments(user, case["id"], space="space1")

        readable = owner in owners
        assert found == {
            "comments": posted["comments"] if readable else [],
            "page": 1,
            "per_page": 20,
            "total": 1 if readable else 0,
        }


@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_users_without_any_owner_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, space: str
) -> None:
    """find_comments.ts: rbac, it(`User ${username} with role(s) ${roles} and space ${space} -
    should NOT read a comment`)."""
    posted = await post_comment(
        client, (await create_case(client, space=space))["id"], USER_COMMENT, space=space
    )

    await refused(
        await kibana_users(username),
        db,
        "GET",
        f"{comments_url(posted['id'], space)}/_find",
        403,
        "Unauthorized to access comments of any owner",
    )
