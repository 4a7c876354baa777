"""Concurrent attachment writes against `opencases serve --workers 2`, on each database."""

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
EDITS = 20
POSTS = 50
COMMENT = {"type": "user", "comment": "A comment", "owner": CASE_REQUEST["owner"]}


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a two-worker server on a fresh database, shared by this module."""
    directory = tmp_path_factory.mktemp("attachments-concurrency")
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


async def test_concurrent_edits_of_one_comment_at_one_version_give_one_200_and_19_409(
    server: str,
) -> None:
    async with client(server, EDITS) as http:
        case = (await http.post("/api/cases", json=CASE_REQUEST)).json()
        posted = (await http.post(f"/api/cases/{case['id']}/comments", json=COMMENT)).json()
        [comment] = posted["comments"]
        edits = [
            http.patch(
                f"/api/cases/{case['id']}/comments",
                json={
                    **COMMENT,
                    "comment": f"edit {i}",
                    "id": comment["id"],
                    "version": comment["version"],
                },
            )
            for i in range(EDITS)
        ]
        responses = await asyncio.gather(*edits)
        assert Counter(r.status_code for r in responses) == {200: 1, 409: EDITS - 1}
        conflict = {
            "statusCode": 409,
            "error": "Conflict",
            "message": "This case has been updated. Please refresh before saving additional"
            " updates.",
        }
        assert all(r.json() == conflict for r in responses if r.status_code == 409)
        [winner] = [r.json() for r in responses if r.status_code == 200]
        stored = (await http.get(f"/api/cases/{case['id']}/comments/{comment['id']}")).json()
        assert stored == winner["comments"][0]
        actions = (
            await http.get(f"/api/cases/{case['id']}/user_actions/_find", params={"perPage": 10})
        ).json()
        assert [(a["type"], a["action"]) for a in actions["userActions"]] == [
            ("create_case", "create"),
            ("comment", "create"),
            ("comment", "update"),
        ]


async def test_concurrent_comments_on_one_case_are_all_counted_with_their_user_actions(
    server: str,
) -> None:
    async with client(server, POSTS) as http:
        case = (await http.post("/api/cases", json=CASE_REQUEST)).json()
        posts = [
            http.post(
                f"/api/cases/{case['id']}/comments", json={**COMMENT, "comment": f"comment {i}"}
            )
            for i in range(POSTS)
        ]
        responses = await asyncio.gather(*posts)
        assert Counter(r.status_code for r in responses) == {200: POSTS}
        stored = (await http.get(f"/api/cases/{case['id']}")).json()
        assert stored["totalComment"] == POSTS
        found = (
            await http.get(f"/api/cases/{case['id']}/comments/_find", params={"perPage": 100})
        ).json()
        assert sorted(c["comment"] for c in found["comments"]) == sorted(
            f"comment {i}" for i in range(POSTS)
        )
        actions = (
            await http.get(
                f"/api/cases/{case['id']}/user_actions/_find",
                params={"perPage": 100, "types": "comment"},
            )
        ).json()
        assert actions["total"] == POSTS
        assert {a["comment_id"] for a in actions["userActions"]} == {
            c["id"] for c in found["comments"]
        }
