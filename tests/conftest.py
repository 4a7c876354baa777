"""Fixtures: the app on SQLite and (when OPENCASES_TEST_POSTGRES_URL is set) on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from opencases.app import create_app
from opencases.db import Database
from opencases.db.migrate import migrate
from opencases.db.tables import metadata
from opencases.security import secrets
from opencases.security import store as security_store
from opencases.security.secrets import profile_uid
from opencases.settings import Settings

ELASTIC_PASSWORD = "changeme-elastic"
POSTGRES_URL = os.environ.get("OPENCASES_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
# pytest-xdist's worker name (gw0, gw1, ...), or None when the tests run in one process.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")

# The tests' files (SQLite databases above all) go to memory when the machine has a tmpfs:
# SQLite fsyncs every commit, and no test is about surviving a power cut. Set before pytest
# makes its first temporary directory; TMPDIR, when set, still wins.
if "TMPDIR" not in os.environ and os.access("/dev/shm", os.W_OK):
    tempfile.tempdir = "/dev/shm"


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """Run the end-to-end tests first: they take longest, and last they would be stragglers.

    After pytest's own ordering (which groups tests by backend; the e2e tests use no session
    database, so moving them keeps that grouping). Under `--dist worksteal` the first worker
    takes them in this order, so a module's tests that share servers stay together.
    """
    yield
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: granian and asyncpg run on it."""
    return "asyncio"


# Still argon2id, at the smallest cost: verification reads the parameters from the hash,
# so the code under test is the same; only the work per hash (0.3 s by default) shrinks.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session")
def elastic_hash() -> str:
    """The argon2 hash of the test `elastic` password, computed once."""
    return FAST_HASHER.hash(ELASTIC_PASSWORD)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash new passwords and API keys cheaply in the in-process tests."""
    monkeypatch.setattr(secrets, "_hasher", FAST_HASHER)


def postgres_admin(statement: str) -> None:
    """Run one statement on the PostgreSQL server the tests were given (CREATE DATABASE)."""

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    # In a thread of its own: the caller's thread may be running an event loop already
    # (the browser tests' Playwright).
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(lambda: asyncio.run(run())).result()


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database `name` beside the given one, dropped at the end."""
    assert POSTGRES_URL is not None
    base, _, _ = POSTGRES_URL.rpartition("/")
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of a database nobody has used: a new SQLite file, or a new PostgreSQL one."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'shared.db'}"
    else:
        with postgres_database(f"opencases_test_{uuid.uuid4().hex[:12]}") as url:
            yield url


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database per backend for the whole session (of this xdist worker)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'opencases.db'}"
        migrate(url)
        yield url
    elif XDIST_WORKER is None:
        assert POSTGRES_URL is not None
        migrate(POSTGRES_URL)
        yield POSTGRES_URL
    else:
        # Each worker resets the tables before every test: each needs a database of its own.
        assert POSTGRES_URL is not None
        name = f"{POSTGRES_URL.rpartition('/')[2]}_{XDIST_WORKER}"
        with postgres_database(name) as url:
            migrate(url)
            yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for a test app."""
    return Settings(database_url=database_url, database_pool_size=4)


async def reset(db: Database, elastic_hash: str) -> None:
    """Empty every table, keep the default space as new, and recreate `elastic`."""
    statements = []
    for table in reversed(metadata.sorted_tables):
        if table.name == "spaces":
            statements.append("DELETE FROM spaces WHERE id <> 'default'")
            statements.append(
                "UPDATE spaces SET name = 'Default',"
                " description = 'This is your default space!', color = '#00bfb3',"
                " initials = NULL, image_url = NULL, disabled_features = '[]',"
                " solution = NULL WHERE id = 'default'"
            )
        else:
            statements.append(f"DELETE FROM {table.name}")
    async with db.transaction() as tx:
        if db.dialect == "postgresql":
            # One round trip (a statement without parameters may hold several on PostgreSQL).
            await tx.execute(";\n".join(statements))
        else:
            for statement in statements:
                await tx.execute(statement)
        await security_store.insert_user(
            tx,
            security_store.UserRecord(
                username="elastic",
                password_hash=elastic_hash,
                full_name=None,
                email=None,
                roles=["superuser"],
                metadata={"_reserved": True},
                enabled=True,
                profile_uid=profile_uid("elastic"),
                revision=1,
            ),
            now="2026-01-01T00:00:00.000Z",
        )


@pytest.fixture
async def app(settings: Settings, elastic_hash: str) -> AsyncIterator[Starlette]:
    """The app, started, on a database holding only the default space and `elastic`."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await reset(application.state.opencases.db, elastic_hash)
        yield application


@pytest.fixture
def db(app: Starlette) -> Database:
    """The app's database."""
    database: Database = app.state.opencases.db
    return database


# Kibana 9 answers its `/internal/...` routes only to requests that carry this header, as
# its own UI does; the tests send it as the UI would (tests/kibana shows the refusal).
INTERNAL_ORIGIN = {"x-elastic-internal-origin": "Kibana"}


def login_body(
    username: str = "elastic", password: str = ELASTIC_PASSWORD, **fields: Any
) -> dict[str, Any]:
    """What Kibana's login page sends to POST /internal/security/login."""
    return {
        "providerType": "basic",
        "providerName": "basic",
        "currentURL": "/login",
        "params": {"username": username, "password": password},
        **fields,
    }


def make_client(app: Starlette, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client for the app, as Kibana's UI (no credentials unless given)."""
    headers = {**INTERNAL_ORIGIN, **kwargs.pop("headers", {})}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=headers,
        **kwargs,
    )


@pytest.fixture
async def anonymous(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials."""
    async with make_client(app) as client:
        yield client


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client as `elastic` that sends kbn-xsrf, as Kibana's test client does."""
    async with make_client(
        app, auth=("elastic", ELASTIC_PASSWORD), headers={"kbn-xsrf": "true"}
    ) as client:
        yield client


class Users:
    """Creates roles and users over the API, and clients acting as them."""

    def __init__(self, app: Starlette, admin: httpx.AsyncClient) -> None:
        self.app = app
        self.admin = admin

    async def role(self, name: str, kibana: list[dict[str, Any]]) -> None:
        """PUT a role with Kibana privileges."""
        body = {"elasticsearch": {}, "kibana": kibana}
        response = await self.admin.put(f"/api/security/role/{name}", json=body)
        assert response.status_code == 204, response.text

    async def user(
        self, username: str, roles: list[str], *, password: str = "password1"
    ) -> httpx.AsyncClient:
        """Create a user; a client acting as it (sending kbn-xsrf)."""
        body = {"username": username, "password": password, "roles": roles}
        response = await self.admin.post(f"/internal/security/users/{username}", json=body)
        assert response.status_code == 200, response.text
        return make_client(self.app, auth=(username, password), headers={"kbn-xsrf": "true"})


@pytest.fixture
def users(app: Starlette, client: httpx.AsyncClient) -> Users:
    """A factory of roles, users and their clients."""
    return Users(app, client)


@pytest.fixture
async def space1(client: httpx.AsyncClient) -> dict[str, Any]:
    """A space `space1`."""
    body = {"id": "space1", "name": "Space 1", "disabledFeatures": []}
    response = await client.post("/api/spaces/space", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def free_port() -> int:
    """A TCP port nobody listens on."""
    return unused_port()


def unused_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def repo_root() -> Path:
    """The checkout's top directory."""
    return Path(__file__).resolve().parent.parent


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show a request changed nothing."""
    names = [table.name for table in metadata.sorted_tables]
    if db.dialect == "postgresql":
        # One round trip (a table a column), not one per table: tests take snapshots often.
        tables = ", ".join(
            f"(SELECT coalesce(json_agg(t ORDER BY t::text), '[]')::text FROM {name} t)"
            for name in names
        )
        row = await db.fetch_one(f"SELECT {tables}")
        assert row is not None
        return {
            name: [tuple(record.values()) for record in json.loads(rows)]
            for name, rows in zip(names, row, strict=True)
        }
    return {
        name: [tuple(row) for row in await db.fetch_all(f"SELECT * FROM {name} ORDER BY 1")]
        for name in names
    }


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody has used, on each backend."""
    with fresh_database(request.param, tmp_path) as url:
        yield url
