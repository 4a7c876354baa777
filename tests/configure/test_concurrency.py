"""Concurrent writes against `opencases serve --workers 2`, on each database."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import OPENCASES, running

pytestmark = pytest.mark.e2e

PASSWORD = "concurrency-pw"
REQUESTS = 20
REQUEST: dict[str, Any] = {
    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    "closure_type": "close-by-user",
    "owner": "securitySolution",
}


@pytest.fixture
def server(fresh_database_url: str, free_port: int, tmp_path: Path) -> Iterator[str]:
    """The base URL of a two-worker server on a fresh database."""
    env = {
        "OPENCASES_DATABASE_URL": fresh_database_url,
        "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
        "OPENCASES_WORKERS": "2",
    }
    with running(
        [str(OPENCASES), "serve"], port=free_port, env=env, log_file=tmp_path / "server.log"
    ):
        yield f"http://127.0.0.1:{free_port}"


def client(base_url: str) -> httpx.AsyncClient:
    """A client as `elastic` with room for every concurrent request."""
    return httpx.AsyncClient(
        base_url=base_url,
        auth=("elastic", PASSWORD),
        headers={"kbn-xsrf": "true"},
        timeout=60,
        limits=httpx.Limits(max_connections=REQUESTS),
    )


async def test_concurrent_patches_with_one_version_give_one_200_and_19_409(
    server: str,
) -> None:
    async with client(server) as http:
        created = (await http.post("/api/cases/configure", json=REQUEST)).json()
        patches = [
            http.patch(
                f"/api/cases/configure/{created['id']}",
                json={"version": created["version"], "closure_type": "close-by-pushing"},
            )
            for _ in range(REQUESTS)
        ]
        responses = await asyncio.gather(*patches)
        assert Counter(r.status_code for r in responses) == {200: 1, 409: REQUESTS - 1}
        conflict = {
            "statusCode": 409,
            "error": "Conflict",
            "message": "This configuration has been updated. "
            "Please refresh before saving additional updates.",
        }
        assert all(r.json() == conflict for r in responses if r.status_code == 409)
        (winner,) = [r.json() for r in responses if r.status_code == 200]
        stored = (await http.get("/api/cases/configure")).json()
        assert stored == [winner]
        assert winner["closure_type"] == "close-by-pushing"


async def test_concurrent_posts_for_one_owner_leave_one_configuration(server: str) -> None:
    async with client(server) as http:
        posts = [
            http.post(
                "/api/cases/configure",
                json={**REQUEST, "connector": {**REQUEST["connector"], "name": f"n{i}"}},
            )
            for i in range(REQUESTS)
        ]
        responses = await asyncio.gather(*posts)
        assert Counter(r.status_code for r in responses) == {200: REQUESTS}
        stored = (await http.get("/api/cases/configure")).json()
        assert len(stored) == 1
        assert stored[0] in [r.json() for r in responses]
        # The survivor can be patched with the version it was answered with.
        patched = await http.patch(
            f"/api/cases/configure/{stored[0]['id']}",
            json={"version": stored[0]["version"], "closure_type": "close-by-pushing"},
        )
        assert patched.status_code == 200
