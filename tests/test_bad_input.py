"""Bad input on every route: a 4xx with Kibana's error body, never a 5xx, nothing stored.

Every route of the route table gets each kind of bad input: malformed JSON, deep nesting,
huge bodies, NUL bytes and invalid UTF-8 in bodies, paths, query strings and headers.
Most go through httpx's ASGI transport; what it cannot express (raw bytes in the request
line, over-long lines, malformed framing) goes to a real server over a socket (`e2e`).
Where Kibana's answer is known its exact body is asserted; otherwise any 4xx with Kibana's
error envelope. A bad input Kibana ignores (a query parameter a route does not read) may be
answered normally, but never with a 5xx and never with a change to what is stored.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any, get_args, get_origin

import httpx
import msgspec
import pytest
from starlette.applications import Starlette

from opencases import KIBANA_VERSION
from opencases.db import Database, connect
from opencases.kibana.http import SAFE_METHODS, ApiRoute
from tests.conftest import BACKENDS, fresh_database, snapshot, unused_port
from tests.server import OPENCASES, running

LIMIT = 1_048_576


def error(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope."""
    phrases = {
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Request Entity Too Large",
        415: "Unsupported Media Type",
    }
    return {"statusCode": status, "error": phrases[status], "message": message}


INVALID_JSON = error(400, "Invalid request payload JSON format")
TOO_LARGE = error(413, f"Payload content length greater than maximum allowed: {LIMIT}")
TOO_DEEP = error(400, "[request body]: nesting deeper than 100 levels is not allowed")
NUL_IN_BODY = error(400, "[request body]: the NUL character (\\u0000) is not allowed in strings")
NOT_FOUND = error(404, "Not Found")
NO_CREDENTIALS = error(401, "Unauthorized")


def not_an_object(found: str) -> dict[str, Any]:
    """Kibana's 400 for a JSON body that is not an object."""
    return error(
        400, f"[request body]: expected a plain object value, but found [{found}] instead."
    )


def es_401(reason: str) -> dict[str, Any]:
    """Kibana's 401 passing on Elasticsearch's refusal of the credentials."""
    return error(
        401, f"[security_exception\n\tRoot causes:\n\t\tsecurity_exception: {reason}]: {reason}"
    )


def basic_401(username: str) -> dict[str, Any]:
    """Elasticsearch's refusal of a Basic credential."""
    return es_401(
        f"unable to authenticate user [{username}] for REST request [/_security/_authenticate]"
    )


def nested(levels: int) -> bytes:
    """A JSON object whose `x` holds arrays, `levels` deep in all."""
    return b'{"x":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


def oversized() -> bytes:
    """A JSON object one byte over the limit."""
    return b'{"a":"' + b"x" * (LIMIT + 1 - 8) + b'"}'


# Each: the body, and Kibana's answer to it on a route that takes a body (None: the route's
# own 400, which depends on its schema).
BODIES: dict[str, tuple[bytes, dict[str, Any] | None]] = {
    "malformed JSON": (b'{"name": "x",', INVALID_JSON),
    "a raw NUL byte in a string": (b'{"name":"a\x00b"}', INVALID_JSON),
    "an escaped NUL in a string": (b'{"name":"a\\u0000b"}', NUL_IN_BODY),
    "an escaped NUL in a key": (b'{"a\\u0000b":1}', NUL_IN_BODY),
    "an escaped NUL deep inside": (b'{"a":[{"b":["ok","\\u0000"]}]}', NUL_IN_BODY),
    "invalid UTF-8 outside strings": (b"{\xff\xfe}", INVALID_JSON),
    # hapi reads a malformed byte as U+FFFD: here an unknown key, which the schema refuses.
    "invalid UTF-8 in a key": (b'{"\xff\xfe":1}', None),
    "nesting 101 levels deep": (nested(101), TOO_DEEP),
    "nesting 100,000 levels deep": (nested(100_000), TOO_DEEP),
    "a __proto__ key": (b'{"__proto__":{"x":1}}', INVALID_JSON),
    "a byte order mark": (b"\xef\xbb\xbf{}", INVALID_JSON),
    "an array": (b"[]", not_an_object("Array")),
    "a string": (b'"x"', not_an_object("string")),
    "a number": (b"1", not_an_object("number")),
    "null": (b"null", not_an_object("null")),
    "no body at all": (b"", not_an_object("null")),
    "1 MiB and one byte": (oversized(), TOO_LARGE),
}

# The JavaScript type of the bodies that are not objects (None: an array, which is taken).
NOT_OBJECTS = {
    "an array": None,
    "a string": "string",
    "a number": "number",
    "null": "null",
    "no body at all": "null",
}

# Path parameter values (already percent-encoded), each standing for every parameter.
PATH_VALUES = {
    "a NUL": "%00",
    "a NUL inside": "a%00b",
    "invalid UTF-8": "%FF%FE",
    "an overlong UTF-8 dot": "%C0%AE",
    "an encoded UTF-16 surrogate": "%ED%A0%80",
    "an encoded slash": "a%2Fb",
    "a lone percent sign": "%25",
    "10,000 characters": "x" * 10_000,
}

QUERIES = {
    "a NUL in a value": "{key}=%00",
    "a NUL in a key": "%00=1",
    "invalid UTF-8 in a value": "{key}=%FF%FE",
    "invalid UTF-8 in a key": "%FF=1",
    "a malformed escape": "{key}=%zz",
    "a 50 KB value": "{key}=" + "x" * 50_000,
    "a key repeated 1,000 times": "&".join(["{key}=1"] * 1_000),
}

PREFIXES = ("", "/s/default")


def concrete_path(route: ApiRoute, value: str = "x") -> str:
    """The route's path with every parameter `value`."""
    return re.sub(r"{\w+}", lambda _: value, route.path)


def routes_of(app: Starlette) -> list[ApiRoute]:
    """The app's route table."""
    routes: list[ApiRoute] = app.state.opencases.routes
    assert len(routes) >= 30
    return routes


def takes_array(route: ApiRoute) -> bool:
    """Whether the route's body is a JSON array."""
    body = route.body
    if get_origin(body) is Annotated:
        body = get_args(body)[0]
    return get_origin(body) is list


def assert_kibana_error(response: httpx.Response, where: str) -> None:
    """A 4xx whose body is Kibana's error envelope with that status."""
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text}"
    body = response.json()
    assert set(body) >= {"statusCode", "error", "message"}, where
    assert body["statusCode"] == response.status_code, where


# --- bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BODIES))
async def test_bad_bodies_are_refused_with_kibana_s_message_and_change_nothing(
    app: Starlette, client: httpx.AsyncClient, db: Database, kind: str
) -> None:
    raw, expected = BODIES[kind]
    before = await snapshot(db)
    takes_body = [
        route
        for route in routes_of(app)
        if route.body is not None and route.body_media_type == "application/json"
    ]
    assert len(takes_body) >= 10
    for route in takes_body:
        for prefix in PREFIXES:
            where = f"{route.method} {prefix}{route.path} with {kind}"
            response = await client.request(
                route.method,
                prefix + concrete_path(route),
                content=raw,
                headers={"content-type": "application/json"},
            )
            assert_kibana_error(response, where)
            wanted = expected
            if takes_array(route) and kind in NOT_OBJECTS:
                # A route taking an array (config-schema's arrayOf) names what it got instead.
                found = NOT_OBJECTS[kind]
                wanted = None
                if found is not None:
                    message = f"[request body]: expected value of type [array] but got [{found}]"
                    wanted = error(400, message)
            if wanted is not None:
                assert response.json() == wanted, where
            assert await snapshot(db) == before, where


async def stream(data: bytes) -> AsyncIterator[bytes]:
    """`data` in 64 KiB chunks, sent without a content-length (chunked)."""
    for start in range(0, len(data), 65_536):
        yield data[start : start + 65_536]


async def test_a_huge_body_without_content_length_is_refused_as_it_streams(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    before = await snapshot(db)
    for route in routes_of(app):
        if route.method in SAFE_METHODS or route.body_media_type != "application/json":
            continue
        where = f"{route.method} {route.path}"
        response = await client.request(
            route.method,
            concrete_path(route),
            content=stream(oversized() + b" " * LIMIT),
            headers={"content-type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert (response.status_code, response.json()) == (413, TOO_LARGE), where
        assert await snapshot(db) == before, where


CASE = {
    "title": "A case",
    "description": "What happened.",
    "tags": [],
    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    "settings": {"syncAlerts": False},
    "owner": "cases",
}

# The routes that take no body but whose method has one, and the object each names.
UNREAD_BODY_PARAMS = {
    "DELETE /api/actions/connector/{id}": "a-connector",
    "DELETE /api/spaces/space/{id}": "space1",
    "DELETE /internal/security/users/{username}": "someone",
    "DELETE /api/security/role/{name}": "somerole",
    "DELETE /api/cases": "$case",
    "DELETE /api/cases/{case_id}/comments": "$all_comments",
    "DELETE /api/cases/{case_id}/comments/{comment_id}": "$comment",
    "DELETE /internal/cases/{case_id}/observables/{observable_id}": "$observable",
    "POST /api/cases/{case_id}/connector/{connector_id}/_push": "$push",
    "POST /internal/security/session": "",
}
# What a body-less request that parses gets where it is not the route's success: a push to
# the webhook, which is no case connector (its run refuses the params: Kibana's 424).
# Extending the session answers with a redirect to its state.
UNREAD_BODY_STATUS = {
    "POST /api/cases/{case_id}/connector/{connector_id}/_push": 424,
    "POST /internal/security/session": 302,
}


def unread_path(route: ApiRoute, objects: dict[str, str]) -> str:
    """The path naming the object UNREAD_BODY_PARAMS gives the route (`$...`: `objects`)."""
    value = UNREAD_BODY_PARAMS[f"{route.method} {route.path}"]
    if value == "$case":
        return f"{route.path}?ids={objects['case']}"
    if value == "$push":
        path = route.path.replace("{case_id}", objects["push_case"])
        return path.replace("{connector_id}", "a-connector")
    if value.startswith("$"):
        path = route.path.replace("{case_id}", objects[value[1:] + "_case"])
        return re.sub(r"{\w+}", lambda _: objects[value[1:]], path)
    return concrete_path(route, value)


@pytest.fixture
async def deletable(client: httpx.AsyncClient) -> dict[str, str]:
    """An object for each route of UNREAD_BODY_PARAMS to name; the ids of the case objects."""
    connector = {
        "name": "A webhook",
        "connector_type_id": ".webhook",
        "config": {"url": "http://127.0.0.1:9/hook", "hasAuth": False},
    }
    for method, url, body in (
        ("POST", "/api/actions/connector/a-connector", connector),
        ("POST", "/api/spaces/space", {"id": "space1", "name": "Space 1"}),
        (
            "POST",
            "/internal/security/users/someone",
            {"username": "someone", "password": "password1", "roles": []},
        ),
        ("PUT", "/api/security/role/somerole", {"elasticsearch": {}, "kibana": []}),
    ):
        response = await client.request(method, url, json=body)
        assert response.status_code in (200, 204), response.text
    objects = {}
    for name in ("case", "all_comments_case", "comment_case", "observable_case", "push_case"):
        response = await client.post("/api/cases", json=CASE)
        assert response.status_code == 200, response.text
        objects[name] = str(response.json()["id"])
    comment = {"type": "user", "comment": "a comment", "owner": CASE["owner"]}
    for name in ("all_comments", "comment"):
        response = await client.post(f"/api/cases/{objects[name + '_case']}/comments", json=comment)
        assert response.status_code == 200, response.text
        objects[name] = str(response.json()["comments"][0]["id"])
    observable = {"typeKey": "observable-type-hostname", "value": "host", "description": None}
    response = await client.post(
        f"/internal/cases/{objects['observable_case']}/observables",
        json={"observable": observable},
        headers={"x-elastic-internal-origin": "Kibana"},
    )
    assert response.status_code == 200, response.text
    objects["observable"] = str(response.json()["observables"][0]["id"])
    return objects


async def test_a_route_taking_no_body_refuses_a_malformed_or_huge_one_and_keeps_the_object(
    app: Starlette, client: httpx.AsyncClient, db: Database, deletable: dict[str, str]
) -> None:
    # hapi parses the payload of every method but GET and HEAD, whether or not the route
    # reads it: a DELETE with a malformed or huge body is refused, and deletes nothing.
    unread = [r for r in routes_of(app) if r.body is None and r.method not in SAFE_METHODS]
    assert sorted(f"{r.method} {r.path}" for r in unread) == sorted(UNREAD_BODY_PARAMS)
    before = await snapshot(db)
    for route in unread:
        path = unread_path(route, deletable)
        for raw, expected in (
            (b'{"force": tru', INVALID_JSON),
            (b"{\xff}", INVALID_JSON),
            (oversized(), TOO_LARGE),
        ):
            response = await client.request(route.method, path, content=raw)
            answer = (response.status_code, response.json())
            assert answer == (expected["statusCode"], expected), route.path
            assert await snapshot(db) == before, route.path
    # A body that parses is ignored, as Kibana ignores it.
    for route in unread:
        path = unread_path(route, deletable)
        response = await client.request(route.method, path, content=b'{"ignored":[1]}')
        expected_status = UNREAD_BODY_STATUS.get(f"{route.method} {route.path}", route.status)
        assert response.status_code == expected_status, response.text


# --- paths --------------------------------------------------------------------------------


def nul_answer(route: ApiRoute, name: str) -> dict[str, Any]:
    """The answer to a path parameter holding U+0000 (see router._nul_in_path)."""
    if route.method in ("POST", "PUT") and route.path.endswith("{" + name + "}"):
        return error(
            400, f"[request params.{name}]: the NUL character (\\u0000) is not allowed in strings"
        )
    return NOT_FOUND


# Routes that answer an empty list for an id naming nothing (Kibana's find of comments
# does not look the case up; the cases of an unknown alert are none).
EMPTY_FOR_UNKNOWN = {
    "GET /api/cases/{case_id}/comments/_find",
    "GET /api/cases/alerts/{alert_id}",
    "GET /internal/cases/{case_id}/_connectors",
}
EMPTY_COMMENTS = {"comments": [], "page": 1, "per_page": 20, "total": 0}


@pytest.mark.parametrize("kind", list(PATH_VALUES))
async def test_bad_path_parameters_are_refused_and_change_nothing(
    app: Starlette, client: httpx.AsyncClient, db: Database, kind: str
) -> None:
    value = PATH_VALUES[kind]
    before = await snapshot(db)
    templated = [route for route in routes_of(app) if "{" in route.path]
    assert len(templated) >= 15
    for route in templated:
        for prefix in PREFIXES:
            where = f"{route.method} {prefix}{route.path} with {kind}"
            # No body: a write that got past the path would be refused for that.
            response = await client.request(route.method, prefix + concrete_path(route, value))
            if response.status_code == 200 and f"{route.method} {route.path}" in EMPTY_FOR_UNKNOWN:
                # Kibana finds nothing for an unknown id there, without an error.
                assert response.json() in ([], {}, EMPTY_COMMENTS), where
                continue
            assert_kibana_error(response, where)
            if "%00" in value:
                # The router answers for the first parameter holding U+0000.
                first = re.findall(r"{(\w+)}", route.path)[0]
                assert response.json() == nul_answer(route, first), where
            assert await snapshot(db) == before, where


async def test_a_nul_after_any_path_names_no_route(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    before = await snapshot(db)
    for route in routes_of(app):
        if "{" in route.path:
            continue
        for suffix in ("%00", "%FF", "%00/x"):
            path = concrete_path(route) + suffix
            response = await client.request(route.method, path)
            expected = NOT_FOUND
            case_id = path.removeprefix("/api/cases/").replace("%FF", "\ufffd")
            if suffix == "%FF" and path != case_id and "/" not in case_id:
                # `/api/cases/_find\ufffd` is a case id: a path of GET /api/cases/{case_id}.
                expected = (
                    error(404, f"Saved object [cases/{case_id}] not found")
                    if route.method == "GET"
                    else error(405, "Method Not Allowed")
                )
            assert response.json() == expected, route.path
    assert await snapshot(db) == before


# --- query strings ------------------------------------------------------------------------


def query_keys(route: ApiRoute) -> list[str]:
    """The query parameters the route reads, or one it does not."""
    if route.query is None:
        return ["unknown"]
    return [field.encode_name for field in msgspec.structs.fields(route.query)]


# The session routes validate no query (Kibana's `validate: false`): a client with an
# Authorization header has no session, and its extension is a redirect.
SESSION_ROUTE_STATUS = {
    "GET /internal/security/session": 204,
    "POST /internal/security/session": 302,
}


@pytest.mark.parametrize("kind", list(QUERIES))
async def test_bad_query_strings_never_fail_the_server_nor_change_anything(
    app: Starlette, client: httpx.AsyncClient, db: Database, kind: str
) -> None:
    before = await snapshot(db)
    for route in routes_of(app):
        for key in query_keys(route):
            where = f"{route.method} {route.path} with {kind} ({key})"
            query = QUERIES[kind].format(key=key)
            # No body: a write is refused for that if not for its query.
            response = await client.request(route.method, f"{concrete_path(route)}?{query}")
            status = SESSION_ROUTE_STATUS.get(f"{route.method} {route.path}")
            if status is not None:
                assert response.status_code == status, f"{where}: {response.text}"
            elif route.method not in SAFE_METHODS or response.status_code >= 400:
                assert_kibana_error(response, where)
            else:
                assert response.status_code == route.status, f"{where}: {response.text}"
            assert await snapshot(db) == before, where


# --- headers ------------------------------------------------------------------------------


def basic_header(credentials: bytes) -> bytes:
    """A Basic Authorization value for raw `user:password` bytes."""
    return b"Basic " + base64.b64encode(credentials)


def api_key_header(credentials: bytes) -> bytes:
    """An ApiKey Authorization value for raw `id:secret` bytes."""
    return b"ApiKey " + base64.b64encode(credentials)


API_KEY_401 = es_401(
    "unable to authenticate with provided credentials and anonymous access is not allowed"
    " for this request"
)

# Each: the Authorization header, and Kibana's answer.
AUTHORIZATIONS: dict[str, tuple[bytes, dict[str, Any]]] = {
    "non-ASCII bytes in the Authorization header": (b"Basic \xff\xfe", NO_CREDENTIALS),
    "a NUL in the Authorization header": (b"Basic a\x00b", NO_CREDENTIALS),
    "a NUL in the Basic username": (basic_header(b"a\x00b:password"), basic_401("a\x00b")),
    "a NUL in the API key id": (api_key_header(b"a\x00b:secret"), API_KEY_401),
    "invalid UTF-8 in the Basic credentials": (basic_header(b"\xff:password"), NO_CREDENTIALS),
    "a 100 KB username": (basic_header(b"u" * 100_000 + b":pw"), basic_401("u" * 100_000)),
}


@pytest.mark.parametrize("kind", list(AUTHORIZATIONS))
async def test_bad_authorization_headers_are_a_401_and_change_nothing(
    app: Starlette, db: Database, kind: str
) -> None:
    value, expected = AUTHORIZATIONS[kind]
    before = await snapshot(db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        # The login and logout routes read no credentials (tests/security/test_sessions.py).
        for route in [route for route in routes_of(app) if route.authentication == "required"]:
            where = f"{route.method} {route.path} with {kind}"
            response = await anonymous.request(
                route.method,
                concrete_path(route),
                headers={
                    b"authorization": value,
                    b"kbn-xsrf": b"true",
                    b"x-elastic-internal-origin": b"Kibana",
                },
            )
            assert (response.status_code, response.json()) == (401, expected), where
            assert await snapshot(db) == before, where


async def test_a_kbn_version_of_non_ascii_bytes_is_refused_on_every_route(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    # Node reads header bytes as latin-1, as the ASGI server hands them over.
    got = "\xff\x00"
    message = (
        "Browser client is out of date, please refresh the page"
        f' ("kbn-version" header was "{got}" but should be "{KIBANA_VERSION}")'
    )
    expected = {**error(400, message), "attributes": {"expected": KIBANA_VERSION, "got": got}}
    before = await snapshot(db)
    for route in routes_of(app):
        response = await client.request(
            route.method, concrete_path(route), headers={b"kbn-version": b"\xff\x00"}
        )
        assert (response.status_code, response.json()) == (400, expected), route.path
    assert await snapshot(db) == before


# --- what only a real server sees ----------------------------------------------------------

PASSWORD = "bad-input-elastic-pw"


class RawServer:
    """A running `opencases serve` and its database, spoken to over raw sockets."""

    def __init__(self, port: int, database_url: str) -> None:
        self.port = port
        self.database_url = database_url

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send raw bytes; the status and body of the answer (the server closes after it)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            # Refused before it all went out: the answer is still there to read.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.sendall(request)
            received = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := connection.recv(65_536):
                    received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        match = re.match(rb"HTTP/1\.1 (\d{3}) ", head)
        assert match, f"no HTTP answer: {received[:200]!r}"
        return int(match.group(1)), body

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row, read beside the server."""
        db = await connect(self.database_url, pool_size=1)
        try:
            return await snapshot(db)
        finally:
            await db.close()


@pytest.fixture(scope="module", params=BACKENDS)
def raw_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RawServer]:
    """A server on a fresh database of each backend, for this module's e2e tests."""
    directory = tmp_path_factory.mktemp("bad-input")
    port = unused_port()
    with fresh_database(request.param, directory) as database_url:
        env = {"OPENCASES_DATABASE_URL": database_url, "OPENCASES_ELASTIC_PASSWORD": PASSWORD}
        log_file = directory / "server.log"
        with running([str(OPENCASES), "serve"], port=port, env=env, log_file=log_file):
            yield RawServer(port, database_url)


def raw_request(
    method: str,
    target: bytes,
    *,
    headers: bytes = b"",
    body: bytes = b"",
    authorization: bytes = b"Basic " + base64.b64encode(f"elastic:{PASSWORD}".encode()),
) -> bytes:
    """An HTTP/1.1 request as elastic (with Kibana's headers) that closes its connection."""
    head = (
        method.encode() + b" " + target + b" HTTP/1.1\r\nHost: opencases\r\n"
        b"Authorization: " + authorization + b"\r\n"
        b"kbn-xsrf: true\r\nx-elastic-internal-origin: Kibana\r\nConnection: close\r\n"
    )
    framing = b"Content-Length: %d\r\n" % len(body) if body else b""
    return head + headers + framing + b"\r\n" + body


def target(route: tuple[str, str], bad: bytes) -> bytes:
    """The route's path (every parameter `x`) followed by `bad`."""
    return re.sub(r"{\w+}", "x", route[1]).encode() + bad


Route = tuple[str, str]  # method, path template

RAW_KINDS: dict[str, Callable[[Route], bytes]] = {
    "raw invalid UTF-8 in the path": lambda r: raw_request(r[0], target(r, b"\xff\xfe")),
    "a raw NUL in the path": lambda r: raw_request(r[0], target(r, b"\x00")),
    "raw invalid UTF-8 in the query": lambda r: raw_request(r[0], target(r, b"?a=\xff")),
    "a raw NUL in the query": lambda r: raw_request(r[0], target(r, b"?a=\x00")),
    "a 100 KB URL": lambda r: raw_request(r[0], target(r, b"x" * 100_000)),
    "a 1 MB URL": lambda r: raw_request(r[0], target(r, b"x" * 1_000_000)),
    "a 1 MB header line": lambda r: raw_request(
        r[0], target(r, b""), headers=b"X-Long: " + b"x" * 1_000_000 + b"\r\n"
    ),
    "600 header lines": lambda r: raw_request(
        r[0], target(r, b""), headers=b"".join(b"X-H%d: v\r\n" % i for i in range(600))
    ),
    "a NUL in a header value": lambda r: raw_request(
        r[0], target(r, b""), headers=b"X-Nul: a\x00b\r\n"
    ),
    "non-ASCII bytes in a header name": lambda r: raw_request(
        r[0], target(r, b""), headers=b"X-\xff: a\r\n"
    ),
    "a header line without a colon": lambda r: raw_request(
        r[0], target(r, b""), headers=b"no colon here\r\n"
    ),
    "two different content-lengths": lambda r: raw_request(
        r[0], target(r, b""), headers=b"Content-Length: 2\r\nContent-Length: 5\r\n"
    ),
    "a content-length that is not a number": lambda r: raw_request(
        r[0], target(r, b""), headers=b"Content-Length: two\r\n"
    ),
    "a malformed chunked body": lambda r: (
        raw_request(r[0], target(r, b""), headers=b"Transfer-Encoding: chunked\r\n")
        + b"zz\r\n{}\r\n0\r\n\r\n"
    ),
    "non-ASCII bytes in the Authorization header": lambda r: raw_request(
        r[0], target(r, b""), authorization=b"Basic \xff\xfe"
    ),
}


def oas_routes(server: RawServer) -> list[Route]:
    """The running server's route table, as its OpenAPI document lists it."""
    status, body = server.exchange(raw_request("GET", b"/api/oas"))
    assert status == 200
    paths: dict[str, dict[str, Any]] = msgspec.json.decode(body)["paths"]
    routes = [(method.upper(), path) for path, item in paths.items() for method in item]
    assert len(routes) >= 30
    return routes


@pytest.mark.e2e
@pytest.mark.parametrize("kind", list(RAW_KINDS))
async def test_what_only_a_real_server_sees_is_a_4xx_and_changes_nothing(
    raw_server: RawServer, kind: str
) -> None:
    before = await raw_server.snapshot()
    for route in oas_routes(raw_server):
        if kind == "a malformed chunked body" and route[0] in SAFE_METHODS:
            continue
        status, body = raw_server.exchange(RAW_KINDS[kind](route))
        where = f"{route[0]} {route[1]} with {kind}: {status} {body[:200]!r}"
        assert 400 <= status < 500, where
        if body:
            assert msgspec.json.decode(body)["statusCode"] == status, where
    assert await raw_server.snapshot() == before


@pytest.mark.e2e
def test_a_long_header_line_is_refused_as_node_refuses_one_over_16_kib(
    raw_server: RawServer,
) -> None:
    # Node (Kibana's server) answers 431 past 16 KiB of request line and headers.
    status, body = raw_server.exchange(
        raw_request("GET", b"/api/status", headers=b"X-Long: " + b"x" * 65_536 + b"\r\n")
    )
    assert status == 431, body


async def test_a_route_taking_files_refuses_any_other_body_unread(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    """hapi answers 415 to a body of a type the route does not accept, before reading it."""
    before = await snapshot(db)
    multipart = [r for r in routes_of(app) if r.body_media_type == "multipart/form-data"]
    assert multipart
    for route in multipart:
        for raw in (b'{"name": "x",', oversized() + b" " * LIMIT):
            response = await client.request(
                route.method,
                concrete_path(route),
                content=stream(raw),
                headers={"content-type": "application/json"},
            )
            assert (response.status_code, response.json()) == (
                415,
                error(415, "Unsupported Media Type"),
            ), route.path
    assert await snapshot(db) == before
