"""Kibana's cases test helpers, ported (x-pack/platform/test/cases_api_integration/common/lib).

Owners as in tests/configure: Kibana's `securitySolutionFixture` is our `securitySolution`,
`observabilityFixture` is `observability`, `testDisabledFixture` is `cases` (its feature is
disabled in `space1`). Kibana's users and roles are tests/configure/conftest.py's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

from opencases.db import Database
from tests.configure.conftest import (  # noqa: F401 (fixtures)
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
from tests.conftest import snapshot

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


__all__ = ["DISABLED", "OBSERVABILITY", "error"]
