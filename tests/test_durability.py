"""A crash loses no acknowledged write: `kill -9` of the server under load, then a restart.

Concurrent clients create connectors (with chosen ids and sealed secrets), create then
patch case configurations, and create then patch cases, in several spaces, against
`opencases serve` with two workers.
After a fixed number of acknowledged (2xx) writes the whole process group gets SIGKILL,
wherever it is. A new server on the same database must then answer every acknowledged
write exactly as it was acknowledged. A write in flight at the kill may or may not have
happened, but nothing else: a configuration or a case is either as last acknowledged, or as
the one patch then unanswered made it; and no two cases of a space share a number.
"""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import unused_port
from tests.server import OPENCASES, Server, running

pytestmark = [pytest.mark.e2e, pytest.mark.durability]

PASSWORD = "durability-elastic-password"
ENCRYPTION_KEY = "durability-test-encryption-key-0123456789"
SPACES = ("default", "space-a", "space-b")
OWNERS = ("securitySolution", "observability", "cases")
CONNECTOR_WRITERS = 6
CASE_WRITERS = 3
# Acknowledged writes (besides the spaces) before the kill: enough for every writer to be
# busy, few enough for a test of a few seconds.
KILL_AFTER = 120


def prefix(space: str) -> str:
    """The path prefix of a space."""
    return "" if space == "default" else f"/s/{space}"


def connector_body(name: str) -> dict[str, Any]:
    """A webhook connector with basic-auth secrets (sealed with the encryption key)."""
    return {
        "name": name,
        "connector_type_id": ".webhook",
        "config": {"url": "http://127.0.0.1:9/hook", "method": "post", "hasAuth": True},
        "secrets": {"user": "hook-user", "password": f"secret of {name}"},
    }


def configuration_patch(version: str, label: str) -> dict[str, Any]:
    """A patch whose custom field label tells which patch a stored configuration saw."""
    field_ = {"key": "marker", "type": "text", "label": label, "required": False}
    return {"version": version, "customFields": [field_]}


@dataclass
class Ledger:
    """What the server acknowledged, and what was in flight when it died."""

    server: Server
    acknowledged: int = 0
    killed: bool = False
    connectors: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    configurations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # The label of each configuration's patch sent but never answered.
    unanswered_patch: dict[tuple[str, str], str] = field(default_factory=dict)
    cases: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # The title of each case's patch sent but never answered.
    unanswered_title: dict[tuple[str, str], str] = field(default_factory=dict)

    def acknowledge(self) -> None:
        """Count an acknowledged write; the SIGKILL comes right after the KILL_AFTER-th."""
        self.acknowledged += 1
        if self.acknowledged == KILL_AFTER:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.killed = True


async def write(
    client: httpx.AsyncClient, ledger: Ledger, method: str, url: str, body: dict[str, Any]
) -> dict[str, Any] | None:
    """The acknowledged answer of a write, or None once the server is gone."""
    try:
        response = await client.request(method, url, json=body)
    except httpx.TransportError:
        assert ledger.killed, "the server failed a request before it was killed"
        return None
    assert response.status_code == 200, f"{method} {url}: {response.text}"
    answer: dict[str, Any] = response.json()
    ledger.acknowledge()
    return answer


async def create_connectors(client: httpx.AsyncClient, ledger: Ledger, writer: int) -> None:
    """Create connectors with chosen ids, round the spaces, until the server dies."""
    number = 0
    while not ledger.killed:
        space = SPACES[(writer + number) % len(SPACES)]
        connector_id = f"connector-{writer}-{number}"
        answer = await write(
            client,
            ledger,
            "POST",
            f"{prefix(space)}/api/actions/connector/{connector_id}",
            connector_body(f"Hook {writer}.{number}"),
        )
        if answer is None:
            return
        ledger.connectors[space, connector_id] = answer
        number += 1


async def patch_configuration(
    client: httpx.AsyncClient, ledger: Ledger, space: str, owner: str
) -> None:
    """Create an owner's configuration in a space, then patch it until the server dies."""
    url = f"{prefix(space)}/api/cases/configure"
    body = {
        "owner": owner,
        "closure_type": "close-by-user",
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    }
    answer = await write(client, ledger, "POST", url, body)
    number = 0
    while answer is not None:
        ledger.configurations[space, owner] = answer
        if ledger.killed:
            return
        label = f"patch {number} of {owner} in {space}"
        ledger.unanswered_patch[space, owner] = label
        answer = await write(
            client,
            ledger,
            "PATCH",
            f"{url}/{answer['id']}",
            configuration_patch(answer["version"], label),
        )
        if answer is not None:
            del ledger.unanswered_patch[space, owner]
        number += 1


CASE = {
    "title": "A case",
    "description": "Written under load.",
    "tags": ["durability"],
    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    "settings": {"syncAlerts": False},
    "owner": "securitySolution",
}


async def create_cases(client: httpx.AsyncClient, ledger: Ledger, writer: int) -> None:
    """Create cases round the spaces until the server dies; patch every third one's title."""
    number = 0
    while not ledger.killed:
        space = SPACES[(writer + number) % len(SPACES)]
        body = {**CASE, "title": f"Case {writer}.{number}"}
        answer = await write(client, ledger, "POST", f"{prefix(space)}/api/cases", body)
        if answer is None:
            return
        ledger.cases[space, answer["id"]] = answer
        number += 1
        if number % 3 or ledger.killed:
            continue
        title = f"Case {writer}.{number - 1}, renamed"
        ledger.unanswered_title[space, answer["id"]] = title
        patch = {"cases": [{"id": answer["id"], "version": answer["version"], "title": title}]}
        patched = await write_cases(client, ledger, f"{prefix(space)}/api/cases", patch)
        if patched is None:
            return
        del ledger.unanswered_title[space, answer["id"]]
        ledger.cases[space, answer["id"]] = patched


async def write_cases(
    client: httpx.AsyncClient, ledger: Ledger, url: str, body: dict[str, Any]
) -> dict[str, Any] | None:
    """The acknowledged case of a PATCH /api/cases of one case, or None once the server is gone."""
    try:
        response = await client.patch(url, json=body)
    except httpx.TransportError:
        assert ledger.killed, "the server failed a request before it was killed"
        return None
    assert response.status_code == 200, f"PATCH {url}: {response.text}"
    ledger.acknowledge()
    [answer] = response.json()
    return dict(answer)


def serve(database_url: str, port: int, log_file: Path) -> AbstractContextManager[Server]:
    """`opencases serve` with two workers on the database, until the block ends."""
    env = {
        "OPENCASES_DATABASE_URL": database_url,
        "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
        "OPENCASES_ENCRYPTION_KEY": ENCRYPTION_KEY,
    }
    return running(
        [str(OPENCASES), "serve", "--workers", "2"], port=port, env=env, log_file=log_file
    )


async def test_every_acknowledged_write_survives_a_kill_9(
    fresh_database_url: str, tmp_path: Path
) -> None:
    port = unused_port()
    with serve(fresh_database_url, port, tmp_path / "before.log") as server:
        ledger = Ledger(server=server)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            auth=("elastic", PASSWORD),
            headers={"kbn-xsrf": "true"},
            timeout=60,
            limits=httpx.Limits(max_connections=32),
        ) as client:
            for space in SPACES[1:]:
                response = await client.post(
                    "/api/spaces/space", json={"id": space, "name": f"Space {space}"}
                )
                assert response.status_code == 200, response.text
            await asyncio.gather(
                *(create_connectors(client, ledger, writer) for writer in range(CONNECTOR_WRITERS)),
                *(create_cases(client, ledger, writer) for writer in range(CASE_WRITERS)),
                *(
                    patch_configuration(client, ledger, space, owner)
                    for space in SPACES
                    for owner in OWNERS
                ),
            )
        assert ledger.killed
        server.wait()
    assert ledger.acknowledged >= KILL_AFTER
    assert ledger.cases, "no case was acknowledged before the kill"

    port = unused_port()
    with serve(fresh_database_url, port, tmp_path / "after.log"):
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", auth=("elastic", PASSWORD), timeout=60
        ) as client:
            for (space, connector_id), acknowledged in ledger.connectors.items():
                response = await client.get(f"{prefix(space)}/api/actions/connector/{connector_id}")
                assert (response.status_code, response.json()) == (200, acknowledged)
            for (space, owner), acknowledged in ledger.configurations.items():
                response = await client.get(
                    f"{prefix(space)}/api/cases/configure", params={"owner": owner}
                )
                assert response.status_code == 200, response.text
                [stored] = response.json()
                if stored != acknowledged:
                    # The patch in flight at the kill was committed, unanswered.
                    label = ledger.unanswered_patch.get((space, owner))
                    assert label is not None, (stored, acknowledged)
                    assert stored["id"] == acknowledged["id"]
                    assert stored["customFields"][0]["label"] == label
            numbers: dict[str, set[int]] = {space: set() for space in SPACES}
            for (space, case_id), acknowledged in ledger.cases.items():
                response = await client.get(f"{prefix(space)}/api/cases/{case_id}")
                assert response.status_code == 200, response.text
                stored = response.json()
                expected = {k: v for k, v in acknowledged.items() if k != "comments"}
                if stored != expected:
                    # The title patch in flight at the kill was committed, unanswered.
                    assert stored["title"] == ledger.unanswered_title.get((space, case_id))
                assert stored["incremental_id"] not in numbers[space]
                numbers[space].add(stored["incremental_id"])
