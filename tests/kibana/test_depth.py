"""Bodies nested deeper than any Kibana API needs: a 400 before any walk, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import parse_json_object
from opencases.kibana.validation.parsing import MAX_DEPTH
from tests.conftest import snapshot

TOO_DEEP = {
    "statusCode": 400,
    "error": "Bad Request",
    "message": "[request body]: nesting deeper than 100 levels is not allowed",
}


def nested(levels: int) -> bytes:
    """A JSON object whose `x` holds arrays, `levels` deep in all."""
    return b'{"x":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


def test_the_deepest_body_allowed_is_parsed() -> None:
    assert MAX_DEPTH == 100
    value: Any = parse_json_object(nested(100))
    for _ in range(99):
        value = value["x"] if isinstance(value, dict) else value[0]
    assert value == []


@pytest.mark.parametrize("levels", [101, 400, 5_000, 200_000])
def test_one_level_more_is_refused(levels: int) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json_object(nested(levels))
    assert refused.value.body() == TOO_DEEP


def test_brackets_inside_strings_do_not_count() -> None:
    raw = b'{"x":"' + b"[{" * 300 + b'\\"[[[["}'
    assert parse_json_object(raw) == {"x": "[{" * 300 + '"[[[['}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/spaces/space"),
        ("PUT", "/api/spaces/space/default"),
        ("POST", "/api/cases/configure"),
        ("POST", "/api/actions/connector"),
        ("PUT", "/api/security/role/deep"),
        ("POST", "/internal/security/users/deep"),
    ],
)
@pytest.mark.parametrize("levels", [101, 1_000, 100_000])
async def test_write_routes_refuse_deep_bodies_and_change_nothing(
    client: httpx.AsyncClient, db: Database, method: str, path: str, levels: int
) -> None:
    before = await snapshot(db)
    response = await client.request(
        method, path, content=nested(levels), headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, TOO_DEEP)
    assert await snapshot(db) == before
