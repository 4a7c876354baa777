"""An update of a space writes what its body sets and nothing else."""

from __future__ import annotations

import httpx
import pytest

from opencases.db import Database, Executor
from opencases.spaces import store
from opencases.spaces.schemas import Space


async def test_an_update_writes_only_what_its_body_sets(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the body leaves out is never written back, even if it changed since it was read.

    The update is made to read the space as it was before another update (as if that one
    landed between its read and its write): what the other one set stands.
    """
    created = {"id": "team", "name": "Team", "description": "Before", "color": "#000000"}
    assert (await client.post("/api/spaces/space", json=created)).status_code == 200
    before = await store.get_space(db, "team")
    changed = {"id": "team", "name": "Team", "description": "After", "color": "#111111"}
    assert (await client.put("/api/spaces/space/team", json=changed)).status_code == 200
    get_space = store.get_space

    async def as_before(db: Executor, space_id: str) -> Space | None:
        return before if space_id == "team" else await get_space(db, space_id)

    with monkeypatch.context() as patch:
        patch.setattr(store, "get_space", as_before)
        response = await client.put(
            "/api/spaces/space/team", json={"id": "team", "name": "Renamed"}
        )
    assert response.status_code == 200
    response = await client.get("/api/spaces/space/team")
    assert response.json() == {
        "id": "team",
        "name": "Renamed",
        "description": "After",
        "color": "#111111",
        "disabledFeatures": [],
    }
