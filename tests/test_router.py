"""Routing: ids in the path that no stored object can have."""

from __future__ import annotations

import httpx
import pytest

from opencases.db import Database
from tests.conftest import snapshot

NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}


def nul_refused(name: str) -> dict[str, object]:
    """The 400 for a path parameter holding U+0000 where the caller chooses the id."""
    return {
        "statusCode": 400,
        "error": "Bad Request",
        "message": (
            f"[request params.{name}]: the NUL character (\\u0000) is not allowed in strings"
        ),
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "answer"),
    [
        ("GET", "/api/spaces/space/%00", None, 404, NOT_FOUND),
        ("DELETE", "/api/spaces/space/a%00b", None, 404, NOT_FOUND),
        ("GET", "/api/actions/connector/a%00b", None, 404, NOT_FOUND),
        ("DELETE", "/api/actions/connector/a%00b", None, 404, NOT_FOUND),
        ("POST", "/api/actions/connector/a%00b/_execute", {"params": {}}, 404, NOT_FOUND),
        (
            "POST",
            "/api/actions/connector/a%00b",
            {"name": "x", "connector_type_id": ".webhook", "config": {"url": "http://x"}},
            400,
            nul_refused("id"),
        ),
        (
            "PUT",
            "/api/security/role/a%00b",
            {"elasticsearch": {}, "kibana": []},
            400,
            nul_refused("name"),
        ),
        ("GET", "/api/security/role/a%00b", None, 404, NOT_FOUND),
        ("GET", "/internal/security/users/a%00b", None, 404, NOT_FOUND),
        (
            "PATCH",
            "/api/cases/configure/a%00b",
            {"version": "WzEsMV0=", "closure_type": "close-by-user"},
            404,
            NOT_FOUND,
        ),
    ],
)
async def test_an_id_holding_nul_names_nothing_and_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    method: str,
    path: str,
    body: object,
    status: int,
    answer: dict[str, object],
) -> None:
    before = await snapshot(db)
    response = await client.request(method, path, json=body)
    assert (response.status_code, response.json()) == (status, answer)
    assert await snapshot(db) == before
