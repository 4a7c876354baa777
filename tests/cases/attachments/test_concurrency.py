"""Concurrent attachment writes against `opencases serve --workers 2`, on each database."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.cases.conftest import CASE_REQUEST, concurrent_client

pytestmark = pytest.mark.e2e

EDITS = 20
POSTS = 50
COMMENT = {"type": "user", "comment": "A comment", "owner": CASE_REQUEST["owner"]}


async def test_concurrent_edits_of_one_comment_at_one_version_give_one_200_and_19_409(
    two_workers: str,
) -> None:
    async with concurrent_client(two_workers, EDITS) as http:
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
    two_workers: str,
) -> None:
    async with concurrent_client(two_workers, POSTS) as http:
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
