"""Kibana's cases test helpers, ported (x-pack/platform/test/cases_api_integration/common/lib).

Owners as in tests/configure: Kibana's `securitySolutionFixture` is our `securitySolution`,
`observabilityFixture` is `observability`, `testDisabledFixture` is `cases` (its feature is
disabled in `space1`). Kibana's users and roles are tests/configure/conftest.py's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from opencases.db import Database
from opencases.kibana.time import parse_time
from opencases.security.secrets import profile_uid
from tests.configure.conftest import (
    DISABLED,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    error,
    kibana_users,
    space1,
    space2,
    space_prefix,
)
from tests.conftest import BACKENDS, fresh_database, snapshot, unused_port
from tests.connectors.helpers import ENCRYPTION_KEY
from tests.server import OPENCASES, running

CASES_URL = "/api/cases"
NONE_CONNECTOR = {"id": "none", "name": "none", "type": ".none", "fields": None}

# Kibana's postCaseReq (mock.ts), for our securitySolution owner.
CASE_REQUEST: dict[str, Any] = {
    "description": "This is a brand new case of a bad meanie defacing data",
    "title": "Super Bad Security Issue",
    "tags": ["defacement"],
    "severity": "low",
    "connector": NONE_CONNECTOR,
    "settings": {"syncAlerts": True},
    "owner": SECURITY,
    "assignees": [],
}

# What removeServerGeneratedPropertiesFromCase drops (common/lib/api/omit.ts), and the
# case number, which Kibana gives later and OpenCases at creation.
SERVER_FIELDS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "closed_at",
    "in_progress_at",
    "time_to_acknowledge",
    "incremental_id",
)


def case_request(**overrides: Any) -> dict[str, Any]:
    """Kibana's getPostCaseRequest(overrides)."""
    return {**CASE_REQUEST, **overrides}


def case_response(request: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """Kibana's postCaseResp(null, request): a new case without its server fields."""
    request = CASE_REQUEST if request is None else request
    return {
        **request,
        "comments": [],
        "duration": None,
        "severity": request.get("severity", "low"),
        "totalAlerts": 0,
        "totalComment": 0,
        "closed_by": None,
        "created_by": ELASTIC,
        "external_service": None,
        "status": "open",
        "updated_by": None,
        "category": None,
        "customFields": [],
        "observables": [],
        "assignees": request.get("assignees", []),
        **overrides,
    }


def without_server_fields(case: dict[str, Any]) -> dict[str, Any]:
    """Kibana's removeServerGeneratedPropertiesFromCase (and our incremental_id)."""
    return {key: value for key, value in case.items() if key not in SERVER_FIELDS}


async def create_case(
    client: httpx.AsyncClient,
    body: dict[str, Any] | None = None,
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's createCase: POST, assert the status, return the body."""
    response = await client.post(
        f"{space_prefix(space)}{CASES_URL}", json=CASE_REQUEST if body is None else body
    )
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


async def update_cases(
    client: httpx.AsyncClient,
    cases: list[dict[str, Any]],
    expected: int = 200,
    *,
    space: str | None = None,
) -> Any:
    """Kibana's updateCase: PATCH {cases}, assert the status, return the body."""
    response = await client.patch(f"{space_prefix(space)}{CASES_URL}", json={"cases": cases})
    assert response.status_code == expected, response.text
    return response.json()


async def delete_cases(
    client: httpx.AsyncClient,
    ids: Sequence[str],
    expected: int = 204,
    *,
    space: str | None = None,
) -> httpx.Response:
    """Kibana's deleteCases: DELETE ?ids=<JSON array>, assert the status."""
    response = await client.delete(
        f"{space_prefix(space)}{CASES_URL}", params={"ids": json.dumps(list(ids))}
    )
    assert response.status_code == expected, response.text
    return response


async def get_case(
    client: httpx.AsyncClient, case_id: str, expected: int = 200, *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's getCase: GET, assert the status, return the body."""
    response = await client.get(f"{space_prefix(space)}{CASES_URL}/{case_id}")
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


async def find_cases(
    client: httpx.AsyncClient,
    query: dict[str, Any] | None = None,
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's findCases: GET _find with `sortOrder=asc` unless the query says otherwise."""
    params = {"sortOrder": "asc", **(query or {})}
    response = await client.get(f"{space_prefix(space)}{CASES_URL}/_find", params=params)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


@asynccontextmanager
async def unchanged(db: Database) -> AsyncIterator[None]:
    """Assert that no table (cases, user actions or any other) changes in the block."""
    before = await snapshot(db)
    yield
    assert await snapshot(db) == before


# What the case tests take from tests/configure/conftest.py through this module.
__all__ = [
    "DISABLED",
    "ELASTIC",
    "OBSERVABILITY",
    "SECURITY",
    "error",
    "kibana_users",
    "space1",
    "space2",
    "space_prefix",
]


# --- helpers of the case CRUD tests -------------------------------------------------------

BULK_GET_URL = "/internal/cases/_bulk_get"
REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    409: "Conflict",
}


def refusal(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope, 406 included."""
    return {"error": REASONS[status], "message": message, "statusCode": status}


def user_ref(username: str) -> dict[str, Any]:
    """How a case records one of Kibana's test users (created without a name or an email)."""
    return {
        "email": None,
        "full_name": None,
        "username": username,
        "profile_uid": profile_uid(username),
    }


async def refused(
    client: httpx.AsyncClient,
    db: Database,
    method: str,
    url: str,
    status: int,
    message: str,
    *,
    json: Any = None,
    params: Any = None,
) -> None:
    """Send a request Kibana refuses with `status` and `message`; assert it changed nothing."""
    async with unchanged(db):
        response = await client.request(method, url, json=json, params=params)
    assert (response.status_code, response.json()) == (status, refusal(status, message))


async def stored_case(client: httpx.AsyncClient, case_id: str, *, space: str | None = None) -> Any:
    """A case as _bulk_get answers it to the superuser (with `comments: []`, unlike GET)."""
    response = await client.post(f"{space_prefix(space)}{BULK_GET_URL}", json={"ids": [case_id]})
    assert response.status_code == 200, response.text
    return response.json()["cases"][0]


async def user_actions(
    client: httpx.AsyncClient, case_id: str, *, space: str | None = None
) -> list[dict[str, Any]]:
    """Every user action of a case, oldest first, without Kibana's server fields."""
    response = await client.get(
        f"{space_prefix(space)}{CASES_URL}/{case_id}/user_actions/_find",
        params={"perPage": 100},
    )
    assert response.status_code == 200, response.text
    return [
        {k: v for k, v in action.items() if k not in ("id", "version", "created_at")}
        for action in response.json()["userActions"]
    ]


# --- helpers of the case list tests (_find, _search, tags, reporters, categories) --------

SEARCH_URL = "/internal/cases/_search"

# Kibana's findCasesResp (mock.ts): the answer of a _find that found nothing.
FIND_RESPONSE: dict[str, Any] = {
    "page": 1,
    "per_page": 20,
    "total": 0,
    "cases": [],
    "count_open_cases": 0,
    "count_closed_cases": 0,
    "count_in_progress_cases": 0,
}


async def search_cases(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    expected: int = 200,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's searchCases: POST the body to _search, assert the status, return the answer."""
    response = await client.post(f"{space_prefix(space)}{SEARCH_URL}", json=body)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


async def set_created_at(db: Database, case_id: str, created_at: str) -> None:
    """Date a case's creation in the past, writing `created_at` in the database.

    Kibana's range tests import saved objects created on given dates; neither its API nor
    OpenCases' lets a client choose a case's creation time, so these tests write it.
    """
    async with db.transaction() as tx:
        changed = await tx.execute(
            "UPDATE cases SET created_at = :created_at WHERE id = :id",
            {"created_at": created_at, "id": case_id},
        )
    assert changed == 1


# The cases of Kibana's archive cases/8.2.0/cases_various_dates.json: (owner, created_at).
CASES_VARIOUS_DATES = (
    (SECURITY, "2022-03-15T10:16:56.252Z"),
    (OBSERVABILITY, "2022-03-20T10:16:56.252Z"),
    (SECURITY, "2022-03-25T10:16:56.252Z"),
)


async def load_cases_various_dates(
    client: httpx.AsyncClient, db: Database, *, space: str | None = None
) -> list[dict[str, Any]]:
    """The archive's three open cases titled `stack`, created through the API then dated."""
    created = []
    for owner, created_at in CASES_VARIOUS_DATES:
        case = await create_case(client, case_request(title="stack", owner=owner), space=space)
        await set_created_at(db, case["id"], created_at)
        created.append({**case, "created_at": created_at})
    return created


def seconds_between(start: str, end: str) -> int:
    """Kibana's calculateDuration: whole seconds from `start` to `end`, rounded down."""
    return (parse_time(end) - parse_time(start)) // timedelta(milliseconds=1) // 1000


# --- concurrency: a two-worker server ----------------------------------------------------

CONCURRENCY_PASSWORD = "concurrency-pw"


@pytest.fixture(scope="module", params=BACKENDS)
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of `opencases serve --workers 2` on a fresh database, for one module."""
    directory = tmp_path_factory.mktemp("two-workers")
    port = unused_port()
    with fresh_database(request.param, directory) as url:
        env = {
            "OPENCASES_DATABASE_URL": url,
            "OPENCASES_ELASTIC_PASSWORD": CONCURRENCY_PASSWORD,
            "OPENCASES_WORKERS": "2",
            "OPENCASES_ENCRYPTION_KEY": ENCRYPTION_KEY,
        }
        with running(
            [str(OPENCASES), "serve"], port=port, env=env, log_file=directory / "server.log"
        ):
            yield f"http://127.0.0.1:{port}"


def concurrent_client(base_url: str, connections: int) -> httpx.AsyncClient:
    """A client as `elastic` with a connection for every concurrent request."""
    return httpx.AsyncClient(
        base_url=base_url,
        auth=("elastic", CONCURRENCY_PASSWORD),
        headers={"kbn-xsrf": "true"},
        timeout=60,
        limits=httpx.Limits(max_connections=connections),
    )
