"""Kibana's HTTP conventions over HTTP: kbn-xsrf, bodies, size limit, 404/405/500, request ids."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from opencases import KIBANA_VERSION
from opencases.app import create_app
from opencases.db import Database
from opencases.kibana.http import ApiRoute, OptOut
from opencases.settings import Settings
from tests.conftest import ELASTIC_PASSWORD, make_client, reset, snapshot

LIMIT = 1_048_576
NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
UNAUTHORIZED = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}
INTERNAL = {
    "statusCode": 500,
    "error": "Internal Server Error",
    "message": "An internal server error occurred.",
}
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
JSON = {"content-type": "application/json"}


def bad_request(message: str) -> dict[str, Any]:
    """Kibana's 400 envelope."""
    return {"statusCode": 400, "error": "Bad Request", "message": message}


@pytest.fixture
async def no_xsrf(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client as `elastic` that sends no kbn-xsrf header."""
    async with make_client(app, auth=("elastic", ELASTIC_PASSWORD)) as client:
        yield client


async def space_ids(client: httpx.AsyncClient) -> list[str]:
    """The ids of every space."""
    response = await client.get("/api/spaces/space")
    assert response.status_code == 200, response.text
    return [space["id"] for space in response.json()]


# --- kbn-xsrf -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/spaces/space", {"id": "new", "name": "New"}),
        ("PUT", "/api/spaces/space/space1", {"id": "space1", "name": "Changed"}),
        ("DELETE", "/api/spaces/space/space1", None),
    ],
)
async def test_unsafe_method_without_kbn_xsrf_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    no_xsrf: httpx.AsyncClient,
    space1: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = await no_xsrf.request(method, path, json=body)
    assert response.status_code == 400
    assert response.json() == bad_request("Request must contain a kbn-xsrf header.")
    assert await space_ids(client) == ["default", "space1"]
    response = await client.get("/api/spaces/space/space1")
    assert response.json()["name"] == "Space 1"


@pytest.mark.parametrize(
    "headers", [{"kbn-xsrf": ""}, {"kbn-xsrf": "anything"}, {"kbn-version": KIBANA_VERSION}]
)
async def test_kbn_xsrf_of_any_value_or_kbn_version_lets_the_request_through(
    no_xsrf: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await no_xsrf.post(
        "/api/spaces/space", json={"id": "new", "name": "New"}, headers=headers
    )
    assert response.status_code == 200, response.text
    response = await no_xsrf.delete("/api/spaces/space/new", headers=headers)
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/spaces/space/default", None),
        ("POST", "/api/spaces/space", {"id": "new", "name": "New"}),
        ("DELETE", "/api/spaces/space/space1", None),
    ],
)
async def test_kbn_version_of_another_version_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    no_xsrf: httpx.AsyncClient,
    space1: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = await no_xsrf.request(method, path, json=body, headers={"kbn-version": "8.15.0"})
    assert response.status_code == 400
    assert response.json() == {
        **bad_request(
            "Browser client is out of date, please refresh the page"
            f' ("kbn-version" header was "8.15.0" but should be "{KIBANA_VERSION}")'
        ),
        "attributes": {"expected": KIBANA_VERSION, "got": "8.15.0"},
    }
    assert await space_ids(client) == ["default", "space1"]


async def test_an_empty_kbn_version_counts_as_kbn_xsrf_and_is_not_compared(
    no_xsrf: httpx.AsyncClient,
) -> None:
    response = await no_xsrf.post(
        "/api/spaces/space", json={"id": "new", "name": "New"}, headers={"kbn-version": ""}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
async def outsider(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client as `elastic` that does not say it is Kibana's UI (no internal origin)."""
    async with make_client(
        app, auth=("elastic", ELASTIC_PASSWORD), headers={"kbn-xsrf": "true"}
    ) as client:
        del client.headers["x-elastic-internal-origin"]
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/internal/security/users", None),
        ("GET", "/s/default/internal/security/me", None),
        ("POST", "/internal/security/users/bob", {"username": "bob", "password": "password1"}),
        ("POST", "/internal/security/api_key", {"name": "k"}),
        ("GET", "/internal/security/api_key?elasticInternalOrigin=false", None),
    ],
)
async def test_internal_routes_refuse_requests_not_from_kibana_and_change_nothing(
    outsider: httpx.AsyncClient, db: Database, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = await snapshot(db)
    response = await outsider.request(method, path, json=body)
    route = path.removeprefix("/s/default").split("?")[0]
    assert (response.status_code, response.json()) == (
        400,
        bad_request(
            f"uri [{route}] with method [{method.lower()}] exists but is not available"
            " with the current configuration"
        ),
    )
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"x-elastic-internal-origin": "anything"}, ""), ({}, "?elasticInternalOrigin=true")],
)
async def test_internal_routes_answer_what_says_it_comes_from_kibana(
    outsider: httpx.AsyncClient, headers: dict[str, str], query: str
) -> None:
    response = await outsider.get(f"/internal/security/me{query}", headers=headers)
    assert response.status_code == 200, response.text
    # Public routes never ask.
    assert (await outsider.get("/api/spaces/space/default")).status_code == 200


async def test_internal_routes_answer_everyone_when_not_restricted(
    settings: Settings, elastic_hash: str
) -> None:
    app = create_app(msgspec.structs.replace(settings, restrict_internal_apis=False))
    async with (
        app.router.lifespan_context(app),
        make_client(app, auth=("elastic", ELASTIC_PASSWORD)) as client,
    ):
        await reset(app.state.opencases.db, elastic_hash)
        del client.headers["x-elastic-internal-origin"]
        assert (await client.get("/internal/security/me")).status_code == 200


async def test_safe_methods_need_no_kbn_xsrf(no_xsrf: httpx.AsyncClient) -> None:
    response = await no_xsrf.get("/api/spaces/space/default")
    assert response.status_code == 200


async def test_authentication_comes_before_kbn_xsrf(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    response = await anonymous.post("/api/spaces/space", json={"id": "new", "name": "New"})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert await space_ids(client) == ["default"]


# --- request bodies ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"id":', id="truncated"),
        pytest.param(b"{'id': 'x'}", id="single-quotes"),
        pytest.param(b" ", id="whitespace-only"),
        pytest.param(b'\xef\xbb\xbf{"id":"x","name":"X"}', id="byte-order-mark"),
        pytest.param(b'{"id":"x","name":"X"} {}', id="two-values"),
        # hapi's JSON parser (@hapi/bourne) refuses a __proto__ key at any depth.
        pytest.param(b'{"id":"x","name":"X","a":[{"__proto__":{}}]}', id="proto-key"),
        pytest.param(b'{"id":"x","name":"X","\\u005f_proto__":{}}', id="escaped-proto-key"),
    ],
)
async def test_invalid_json_is_refused(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/api/spaces/space", content=raw, headers=JSON)
    assert response.status_code == 400
    assert response.json() == bad_request("Invalid request payload JSON format")
    assert await space_ids(client) == ["default"]


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (b"[1]", "Array"),
        (b'"x"', "string"),
        (b"null", "null"),
        (b"", "null"),
        (b"1", "number"),
        (b"1.5", "number"),
        (b"true", "boolean"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_body_that_is_not_an_object_is_refused(
    client: httpx.AsyncClient, method: str, raw: bytes, found: str
) -> None:
    path = "/api/spaces/space" + ("/default" if method == "PUT" else "")
    response = await client.request(method, path, content=raw, headers=JSON)
    assert response.status_code == 400
    assert response.json() == bad_request(
        f"[request body]: expected a plain object value, but found [{found}] instead."
    )


async def test_malformed_utf8_is_read_as_replacement_characters(
    client: httpx.AsyncClient,
) -> None:
    raw = b'{"id":"bytes","name":"caf\xe9"}'
    response = await client.post("/api/spaces/space", content=raw, headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": "bytes", "name": "caf\ufffd", "disabledFeatures": []}


def body_of_size(size: int) -> bytes:
    """A space body of exactly `size` bytes whose id is invalid (so it is never stored)."""
    head, tail = b'{"id":"NOT VALID","name":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def chunks(raw: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    """`raw` as a chunked body, without a content-length."""
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_body_over_one_mebibyte_is_too_large(
    client: httpx.AsyncClient, chunked: bool
) -> None:
    raw = body_of_size(LIMIT + 1)
    content: bytes | AsyncIterator[bytes] = chunks(raw) if chunked else raw
    response = await client.post("/api/spaces/space", content=content, headers=JSON)
    assert ("content-length" in response.request.headers) is not chunked
    assert response.status_code == 413
    assert response.json() == {
        "statusCode": 413,
        "error": "Request Entity Too Large",
        "message": f"Payload content length greater than maximum allowed: {LIMIT}",
    }
    assert await space_ids(client) == ["default"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_body_of_exactly_one_mebibyte_is_validated(
    client: httpx.AsyncClient, chunked: bool
) -> None:
    raw = body_of_size(LIMIT)
    assert len(raw) == LIMIT
    content: bytes | AsyncIterator[bytes] = chunks(raw) if chunked else raw
    response = await client.post("/api/spaces/space", content=content, headers=JSON)
    assert response.status_code == 400
    assert response.json() == bad_request(
        "[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed"
    )


# --- routes ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/api/nope", "/nope", "/s/default/api/nope", "/api/spaces/space/a/b"]
)
async def test_unknown_route_is_not_found_with_or_without_credentials(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, method: str, path: str
) -> None:
    for caller in (client, anonymous):
        response = await caller.request(method, path)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


async def test_wrong_method_is_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/spaces/space/default", json={})
    assert response.status_code == 405
    assert response.json() == {
        "statusCode": 405,
        "error": "Method Not Allowed",
        "message": "Method Not Allowed",
    }
    assert "GET" in allowed_methods(response)


async def test_allow_header_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/spaces/space/default", json={})
    assert allowed_methods(response) == {"GET", "HEAD", "PUT", "DELETE"}


def allowed_methods(response: httpx.Response) -> set[str]:
    """The methods an Allow header names."""
    return {method.strip() for method in response.headers["allow"].split(",")}


# --- 500 and request ids ------------------------------------------------------------


async def explode(request: Request, context: Any) -> Response:
    """A handler that fails the way a bug would."""
    raise RuntimeError("boom secret")


@pytest.fixture
async def boom_app(app: Starlette, settings: Settings) -> AsyncIterator[Starlette]:
    """The app with one more route, GET /api/boom, whose handler raises."""
    route = ApiRoute(
        method="GET",
        path="/api/boom",
        handler=explode,
        summary="Boom",
        tag="test",
        authz=OptOut("a test route"),
    )
    application = create_app(settings, extra_routes=[route])
    async with application.router.lifespan_context(application):
        yield application


async def test_unexpected_error_is_a_bare_500_and_is_logged_with_the_request_id(
    boom_app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("opencases")
    # configure_logging (run by other tests) stops propagation to caplog's root handler.
    propagate, logger.propagate = logger.propagate, True
    try:
        async with make_client(boom_app, auth=("elastic", ELASTIC_PASSWORD)) as client:
            response = await client.get("/api/boom")
    finally:
        logger.propagate = propagate
    assert response.status_code == 500
    assert response.json() == INTERNAL
    assert "boom" not in response.text
    assert "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    assert REQUEST_ID.fullmatch(request_id)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert request_id in errors[0].getMessage()
    assert "/api/boom" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert repr(errors[0].exc_info[1]) == "RuntimeError('boom secret')"


async def test_every_response_carries_its_own_request_id(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    no_xsrf: httpx.AsyncClient,
    boom_app: Starlette,
) -> None:
    async with make_client(boom_app, auth=("elastic", ELASTIC_PASSWORD)) as boom:
        responses = [
            await client.get("/api/spaces/space"),
            await client.post("/api/spaces/space", json={"id": "BAD", "name": "x"}),
            await no_xsrf.delete("/api/spaces/space/default"),
            await anonymous.get("/api/spaces/space"),
            await client.get("/api/spaces/space/nope"),
            await client.get("/api/nope"),
            await client.patch("/api/spaces/space"),
            await client.post("/api/spaces/space", content=body_of_size(LIMIT + 1)),
            await boom.get("/api/boom"),
        ]
    assert [r.status_code for r in responses] == [200, 400, 400, 401, 404, 404, 405, 413, 500]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(REQUEST_ID.fullmatch(request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)
