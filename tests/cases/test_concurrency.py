"""Concurrent case writes against `opencases serve --workers 2`, on each database."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.cases.conftest import CASE_REQUEST, concurrent_client

pytestmark = pytest.mark.e2e

PATCHES = 20
CREATES = 50


async def test_concurrent_patches_of_one_case_at_one_version_give_one_200_and_19_409(
    two_workers: str,
) -> None:
    async with concurrent_client(two_workers, PATCHES) as http:
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
    two_workers: str,
) -> None:
    async with concurrent_client(two_workers, CREATES) as http:
        before = (await http.get("/api/cases/_find", params={"perPage": 1})).json()["total"]
        creates = [
            http.post("/api/cases", json={**CASE_REQUEST, "title": f"case {i}"})
            for i in range(CREATES)
        ]
        responses = await asyncio.gather(*creates)
        assert Counter(r.status_code for r in responses) == {200: CREATES}
        numbers = sorted(r.json()["incremental_id"] for r in responses)
        assert numbers == list(range(before + 1, before + CREATES + 1))
