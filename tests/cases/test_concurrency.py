"""Concurrent case writes against `opencases serve --workers 2`, on each database."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.cases.conftest import CASE_REQUEST
from tests.conftest import BACKENDS, fresh_database, unused_port
from tests.server import OPENCASES, running

pytestmark = pytest.mark.e2e

PASSWORD = "concurrency-pw"
PATCHES = 20
CREATES = 50


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a two-worker server on a fresh database, shared by this module."""
    directory = tmp_path_factory.mktemp("cases-concurrency")
    port = unused_port()
    with fresh_database(request.param, directory) as url:
        env = {
            "OPENCASES_DATABASE_URL": url,
            "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
            "OPENCASES_WORKERS": "2",
        }
        with running(
            [str(OPENCASES), "serve"], port=port, env=env, log_file=directory / "server.log"
        ):
            yield f"http://127.0.0.1:{port}"


def client(base_url: str, connections: int) -> httpx.AsyncClient:
    """A client as `elastic` with a connection for every concurrent request."""
    return httpx.AsyncClient(
        base_url=base_url,
        auth=("elastic", PASSWORD),
        headers={"kbn-xsrf": "true"},
        timeout=60,
        limits=httpx.Limits(max_connections=connections),
    )


async def test_concurrent_patches_of_one_case_at_one_version_give_one_200_and_19_409(
    server: str,
) -> None:
    async with client(server, PATCHES) as http:
        created = (await http.post("/api/cases", json=CASE_REQUEST)).json()
        patches = [
            http.patch(
                "/api/cases",
                json={
                    "cases": [
                        {"id": created["id"], "version": created["version"], "title": f"t{i}"}
                    ]
                },
            )
            for i in range(PATCHES)
        ]
        responses = await asyncio.gather(*patches)
        assert Counter(r.status_code for r in responses) == {200: 1, 409: PATCHES - 1}
        conflict = {
            "statusCode": 409,
            "error": "Conflict",
            "message": f"These cases {created['id']} has been updated."
            " Please refresh before saving additional updates.",
        }
        assert all(r.json() == conflict for r in responses if r.status_code == 409)
        ((winner,),) = [r.json() for r in responses if r.status_code == 200]
        stored = (await http.get(f"/api/cases/{created['id']}")).json()
        assert stored == {key: value for key, value in winner.items() if key != "comments"}
        # The case's activity holds its creation and the one title change that won.
        found = (await http.get(f"/api/cases/{created['id']}/user_actions/_find")).json()
        assert [(a["type"], a["payload"]) for a in found["userActions"]][1:] == [
            ("title", {"title": winner["title"]})
        ]


async def test_concurrent_creates_in_a_space_get_distinct_case_numbers_without_a_gap(
    server: str,
) -> None:
    async with client(server, CREATES) as http:
        before = (await http.get("/api/cases/_find", params={"perPage": 1})).json()["total"]
        creates = [
            http.post("/api/cases", json={**CASE_REQUEST, "title": f"case {i}"})
            for i in range(CREATES)
        ]
        responses = await asyncio.gather(*creates)
        assert Counter(r.status_code for r in responses) == {200: CREATES}
        numbers = sorted(r.json()["incremental_id"] for r in responses)
        assert numbers == list(range(before + 1, before + CREATES + 1))
