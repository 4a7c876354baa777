"""Concurrent pushes of one case to one connector, against `opencases serve --workers 2`."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.cases.conftest import CASE_REQUEST, concurrent_client

pytestmark = pytest.mark.e2e

PUSHES = 10


class ServiceNow(BaseHTTPRequestHandler):
    """ServiceNow's Table API, counting the incidents it creates."""

    created: Counter[str] = Counter()
    numbers = itertools.count(1)

    def _answer(self, status: int, result: dict[str, Any]) -> None:
        body = json.dumps({"result": result}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _incident(self, sys_id: str) -> dict[str, Any]:
        return {
            "sys_id": sys_id,
            "number": f"INC{sys_id}",
            "sys_created_on": "2026-12-02 10:00:00",
            "sys_updated_on": "2026-12-02 10:00:00",
        }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        sys_id = str(next(self.numbers))
        self.created[sys_id] += 1
        self._answer(201, self._incident(sys_id))

    def do_PATCH(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self._answer(200, self._incident(self.path.rsplit("/", 1)[-1]))

    def do_GET(self) -> None:
        self._answer(200, self._incident(self.path.rsplit("/", 1)[-1]))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def servicenow() -> Iterator[str]:
    """The fake's base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ServiceNow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_concurrent_pushes_create_one_incident_and_update_it(
    two_workers: str, servicenow: str
) -> None:
    async with concurrent_client(two_workers, PUSHES) as http:
        connector = await http.post(
            "/api/actions/connector",
            json={
                "name": "ServiceNow",
                "connector_type_id": ".servicenow",
                "config": {"apiUrl": servicenow, "usesTableApi": True},
                "secrets": {"username": "admin", "password": "secret"},
            },
        )
        assert connector.status_code == 200, connector.text
        case = (await http.post("/api/cases", json=CASE_REQUEST)).json()
        before = set(ServiceNow.created)
        url = f"/api/cases/{case['id']}/connector/{connector.json()['id']}/_push"

        responses = await asyncio.gather(*(http.post(url) for _ in range(PUSHES)))

        assert Counter(r.status_code for r in responses) == {200: PUSHES}
        created = set(ServiceNow.created) - before
        assert len(created) == 1
        [incident] = created
        stored = (await http.get(f"/api/cases/{case['id']}")).json()
        assert stored["external_service"]["external_id"] == incident
        activity = (
            await http.get(
                f"/api/cases/{case['id']}/user_actions/_find", params={"types": "pushed"}
            )
        ).json()
        assert activity["total"] == PUSHES
        assert {
            a["payload"]["externalService"]["external_id"] for a in activity["userActions"]
        } == {incident}
