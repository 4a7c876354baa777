"""A change to credentials or spaces made through one worker holds on every worker at once.

Each worker (process) remembers the credentials it verified and the spaces it read; a
password change, a disabled or deleted user, changed roles, an invalidated API key or a
changed or deleted space made through another worker must end that at its next request.
In-process, two apps on one database stand for two workers; the e2e tests run two servers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from opencases.app import create_app
from opencases.db import Database
from opencases.db.postgres_epoch import LISTENER_NAME
from opencases.settings import Settings
from tests.conftest import INTERNAL_ORIGIN, Users, login_body, make_client, unused_port
from tests.db.test_database import count_round_trips, listening
from tests.server import OPENCASES, running


def es_error(status: int, kind: str, reason: str) -> dict[str, Any]:
    """An Elasticsearch error as Kibana passes it on."""
    phrase = {401: "Unauthorized", 403: "Forbidden"}[status]
    message = f"[{kind}\n\tRoot causes:\n\t\t{kind}: {reason}]: {reason}"
    return {"statusCode": status, "error": phrase, "message": message}


def password_refused(username: str) -> dict[str, Any]:
    """The 401 of a wrong, changed or disabled user's password."""
    return es_error(
        401,
        "security_exception",
        f"unable to authenticate user [{username}] for REST request [/_security/_authenticate]",
    )


KEY_REFUSED = es_error(
    401,
    "security_exception",
    "unable to authenticate with provided credentials and anonymous access is not allowed"
    " for this request",
)
NOT_FOUND = {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
NO_CREDENTIALS = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}


@pytest.fixture
async def other_worker(app: Starlette, settings: Settings) -> AsyncIterator[Starlette]:
    """A second app on the first one's database: another worker, with caches of its own."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def on(worker: Starlette, auth: tuple[str, str]) -> httpx.AsyncClient:
    """A client of `worker` with a username and password."""
    return make_client(worker, auth=auth, headers={"kbn-xsrf": "true"})


async def test_a_changed_password_is_refused_by_another_worker_at_the_next_request(
    client: httpx.AsyncClient, users: Users, other_worker: Starlette
) -> None:
    await users.user("alice", ["viewer"], password="old-password")
    async with on(other_worker, ("alice", "old-password")) as old:
        assert (await old.get("/api/status")).status_code == 200  # verified and remembered

        changed = await client.post(
            "/internal/security/users/alice/password", json={"newPassword": "new-password"}
        )
        assert changed.status_code == 204

        refused = await old.get("/api/status")
        assert (refused.status_code, refused.json()) == (401, password_refused("alice"))
    async with on(other_worker, ("alice", "new-password")) as new:
        assert (await new.get("/api/status")).status_code == 200


@pytest.mark.parametrize("change", ["disabled", "deleted"])
async def test_a_disabled_or_deleted_user_is_refused_by_another_worker_at_the_next_request(
    client: httpx.AsyncClient, users: Users, other_worker: Starlette, change: str
) -> None:
    await users.user("bob", ["viewer"])
    async with on(other_worker, ("bob", "password1")) as bob:
        assert (await bob.get("/api/status")).status_code == 200

        if change == "disabled":
            body = {"username": "bob", "roles": ["viewer"], "enabled": False}
            response = await client.post("/internal/security/users/bob", json=body)
            assert response.status_code == 200, response.text
        else:
            response = await client.delete("/internal/security/users/bob")
            assert response.status_code == 204, response.text

        refused = await bob.get("/api/status")
        assert (refused.status_code, refused.json()) == (401, password_refused("bob"))


async def test_a_session_ended_through_one_worker_is_refused_by_another_at_the_next_request(
    app: Starlette, client: httpx.AsyncClient, users: Users, other_worker: Starlette
) -> None:
    await users.user("dave", ["viewer"])
    login = login_body("dave", "password1")
    for end in ("logout", "password change"):
        async with make_client(app, headers={"kbn-xsrf": "true"}) as browser:
            signed_in = await browser.post("/internal/security/login", json=login)
            assert signed_in.status_code == 200, signed_in.text
            cookie = {"cookie": f"sid={browser.cookies['sid']}"}
            async with make_client(other_worker, headers=cookie) as elsewhere:
                assert (await elsewhere.get("/api/status")).status_code == 200  # remembered
                if end == "logout":
                    del browser.headers["kbn-xsrf"]
                    assert (await browser.get("/api/security/logout")).status_code == 302
                    expected = (401, NO_CREDENTIALS)
                else:
                    change = {"newPassword": "password1"}
                    url = "/internal/security/users/dave/password"
                    assert (await client.post(url, json=change)).status_code == 204
                    expected = (401, password_refused("dave"))
                refused = await elsewhere.get("/api/status")
                assert (refused.status_code, refused.json()) == expected, end


async def test_an_invalidated_api_key_is_refused_by_another_worker_at_the_next_request(
    client: httpx.AsyncClient, users: Users, other_worker: Starlette
) -> None:
    own_keys = {"elasticsearch": {"cluster": ["manage_own_api_key"]}, "kibana": []}
    assert (await client.put("/api/security/role/own_keys", json=own_keys)).status_code == 204
    async with await users.user("carol", ["viewer", "own_keys"]) as carol:
        created = await carol.post("/internal/security/api_key", json={"name": "k1"})
        assert created.status_code == 200, created.text
        key = created.json()
        headers = {**INTERNAL_ORIGIN, "Authorization": f"ApiKey {key['encoded']}"}
        async with make_client(other_worker, headers=headers) as by_key:
            assert (await by_key.get("/internal/security/me")).status_code == 200

            invalidated = await carol.post(
                "/internal/security/api_key/invalidate",
                json={"apiKeys": [{"id": key["id"], "name": "k1"}], "isAdmin": False},
            )
            assert invalidated.json()["itemsInvalidated"] == [{"id": key["id"], "name": "k1"}]

            refused = await by_key.get("/internal/security/me")
            assert (refused.status_code, refused.json()) == (401, KEY_REFUSED)


async def test_changed_roles_hold_on_another_worker_at_the_next_request(
    client: httpx.AsyncClient, users: Users, other_worker: Starlette
) -> None:
    await users.user("dave", ["viewer"])
    async with on(other_worker, ("dave", "password1")) as dave:
        assert (await dave.get("/api/spaces/space/default")).status_code == 200

        body = {"username": "dave", "roles": [], "enabled": True}
        response = await client.post("/internal/security/users/dave", json=body)
        assert response.status_code == 200, response.text

        refused = await dave.get("/api/spaces/space/default")
        message = "Unauthorized to get default space"
        assert (refused.status_code, refused.json()) == (
            403,
            {"statusCode": 403, "error": "Forbidden", "message": message},
        )


async def test_a_changed_or_deleted_space_shows_on_another_worker_at_the_next_request(
    client: httpx.AsyncClient, space1: dict[str, Any], other_worker: Starlette
) -> None:
    async with on(other_worker, ("elastic", "changeme-elastic")) as elastic:
        assert (await elastic.get("/api/spaces/space/space1")).json()["name"] == "Space 1"

        body = {"id": "space1", "name": "Renamed", "disabledFeatures": []}
        response = await client.put("/api/spaces/space/space1", json=body)
        assert response.status_code == 200, response.text
        assert (await elastic.get("/api/spaces/space/space1")).json()["name"] == "Renamed"

        assert (await elastic.get("/s/space1/api/cases/configure")).status_code == 200
        assert (await client.delete("/api/spaces/space/space1")).status_code == 204
        gone = await elastic.get("/s/space1/api/cases/configure")
        assert (gone.status_code, gone.json()) == (404, NOT_FOUND)


async def test_on_postgresql_a_remembered_credential_and_space_cost_no_round_trip(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite knows the epoch from data_version, asked on the event loop")
    assert (await client.get("/api/spaces/space/default")).status_code == 200
    await listening(db)
    round_trips = count_round_trips(monkeypatch)

    assert (await client.get("/api/spaces/space/default")).status_code == 200
    assert (await client.get("/internal/security/me")).status_code == 200
    assert round_trips == []


async def test_on_postgresql_another_worker_knows_of_a_change_when_the_writer_answers(
    client: httpx.AsyncClient, users: Users, db: Database, other_worker: Starlette
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite knows the epoch from data_version, asked on the event loop")
    other_db: Database = other_worker.state.opencases.db
    await users.user("alice", ["viewer"], password="old-password")
    async with on(other_worker, ("alice", "old-password")) as old:
        assert (await old.get("/internal/security/me")).status_code == 200
        epoch = await listening(db)
        assert await listening(other_db) == epoch

        changed = await client.post(
            "/internal/security/users/alice/password", json={"newPassword": "new-password"}
        )
        assert changed.status_code == 204
        # The writer answered once the other worker had taken the bump in.
        known = other_db.known_security_epoch()
        assert known == db.known_security_epoch()
        assert (known or 0) > epoch

        refused = await old.get("/internal/security/me")
        assert (refused.status_code, refused.json()) == (401, password_refused("alice"))


# --- two processes ------------------------------------------------------------------

ELASTIC = ("elastic", "e2e-elastic-password")


@contextmanager
def two_servers(tmp_path: Path, database_url: str) -> Iterator[tuple[str, str]]:
    """Two `opencases serve` processes on one database: their base URLs."""
    ports = unused_port(), unused_port()
    env = {"OPENCASES_DATABASE_URL": database_url, "OPENCASES_ELASTIC_PASSWORD": ELASTIC[1]}
    serve = [str(OPENCASES), "serve"]
    with (
        running(serve, port=ports[0], env=env, log_file=tmp_path / "first.log"),
        running(serve, port=ports[1], env=env, log_file=tmp_path / "second.log"),
    ):
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"


@pytest.mark.e2e
def test_credentials_ended_through_one_server_are_refused_by_another_at_once(
    tmp_path: Path, fresh_database_url: str
) -> None:
    with (
        two_servers(tmp_path, fresh_database_url) as (first, second),
        httpx.Client(headers={"kbn-xsrf": "true", **INTERNAL_ORIGIN}, timeout=30) as http,
    ):

        def status(server: str, **kwargs: Any) -> httpx.Response:
            return http.get(f"{server}/api/status", **kwargs)

        body = {"username": "erin", "password": "old-password", "roles": ["viewer"]}
        created = http.post(f"{first}/internal/security/users/erin", json=body, auth=ELASTIC)
        assert created.status_code == 200, created.text
        made = http.post(f"{first}/internal/security/api_key", json={"name": "k1"}, auth=ELASTIC)
        assert made.status_code == 200, made.text
        key = made.json()
        by_key = {"Authorization": f"ApiKey {key['encoded']}"}
        # The second server verifies (and remembers) both credentials.
        assert status(second, auth=("erin", "old-password")).status_code == 200
        assert status(second, headers=by_key).status_code == 200

        invalidated = http.post(
            f"{first}/internal/security/api_key/invalidate",
            json={"apiKeys": [{"id": key["id"], "name": "k1"}], "isAdmin": True},
            auth=ELASTIC,
        )
        assert invalidated.json()["itemsInvalidated"] == [{"id": key["id"], "name": "k1"}]
        refused = status(second, headers=by_key)
        assert (refused.status_code, refused.json()) == (401, KEY_REFUSED)

        changed = http.post(
            f"{first}/internal/security/users/erin/password",
            json={"newPassword": "new-password"},
            auth=ELASTIC,
        )
        assert changed.status_code == 204, changed.text
        refused = status(second, auth=("erin", "old-password"))
        assert (refused.status_code, refused.json()) == (401, password_refused("erin"))
        assert status(second, auth=("erin", "new-password")).status_code == 200


def listener_sessions(database_url: str) -> int:
    """How many security epoch listeners are connected to a PostgreSQL database."""

    async def count() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            n: int = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = $1",
                LISTENER_NAME,
            )
        finally:
            await connection.close()
        return n

    return asyncio.run(count())


@pytest.mark.e2e
def test_roles_changed_through_one_server_hold_on_another_at_once_every_time(
    tmp_path: Path, fresh_database_url: str
) -> None:
    with (
        two_servers(tmp_path, fresh_database_url) as (first, second),
        httpx.Client(headers={"kbn-xsrf": "true", **INTERNAL_ORIGIN}, timeout=30) as http,
    ):
        body = {"username": "frank", "password": "frank-password", "roles": ["viewer"]}
        created = http.post(f"{first}/internal/security/users/frank", json=body, auth=ELASTIC)
        assert created.status_code == 200, created.text

        def space() -> int:
            response = http.get(
                f"{second}/api/spaces/space/default", auth=("frank", "frank-password")
            )
            return response.status_code

        assert space() == 200  # verified and remembered
        if fresh_database_url.startswith("postgresql"):
            # Both servers listen: what the second remembers holds without a round trip.
            deadline = time.monotonic() + 10
            while listener_sessions(fresh_database_url) < 2:
                assert time.monotonic() < deadline, "the servers do not listen for bumps"
                time.sleep(0.01)
        # Changed roles cost no hashing: many changes, each checked at the very next request.
        for roles, status in [([], 403), (["viewer"], 200)] * 10:
            change = {"username": "frank", "roles": roles, "enabled": True}
            changed = http.post(f"{first}/internal/security/users/frank", json=change, auth=ELASTIC)
            assert changed.status_code == 200, changed.text
            assert space() == status
