"""First run and operations: the generated encryption key, rotation, backup and restore."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sqlite3
import ssl
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases.conftest import CASE_REQUEST
from tests.conftest import login_body, unused_port
from tests.connectors.tls import Pki
from tests.server import OPENCASES, running

pytestmark = pytest.mark.e2e

PASSWORD = "operations-pw"
JIRA_SECRETS = {"email": "elastic@example.com", "apiToken": "jira-token-of-the-test"}


class Jira(BaseHTTPRequestHandler):
    """Jira's issue read, recording the credentials it was sent."""

    authorizations: list[str | None] = []

    def do_GET(self) -> None:
        self.authorizations.append(self.headers.get("authorization"))
        body = json.dumps(
            {
                "id": "10001",
                "key": "CK-1",
                "fields": {
                    "summary": "title",
                    "created": "2026-12-01T10:00:00.000+0000",
                    "updated": "2026-12-01T10:00:00.000+0000",
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def jira() -> Iterator[str]:
    """A local Jira's base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Jira)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def client(port: int) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        auth=("elastic", PASSWORD),
        headers={"kbn-xsrf": "true"},
        timeout=30,
    )


@contextmanager
def serve(data: Path, log: str) -> Iterator[int]:
    """`opencases serve` on the SQLite database in `data`, without an encryption key: its port."""
    data.mkdir(parents=True, exist_ok=True)
    env = {
        "OPENCASES_DATABASE_URL": f"sqlite:///{data}/opencases.db",
        "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
    }
    port = unused_port()
    with running([str(OPENCASES), "serve"], port=port, env=env, log_file=data / log):
        yield port


def test_the_first_start_generates_the_key_that_secrets_are_sealed_with(
    tmp_path: Path, jira: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh data directory: a Jira connector with secrets, a restart, a run."""
    monkeypatch.delenv("OPENCASES_ENCRYPTION_KEY", raising=False)
    data = tmp_path / "data"
    connector = {
        "name": "Jira",
        "connector_type_id": ".jira",
        "config": {"apiUrl": jira, "projectKey": "CK"},
        "secrets": JIRA_SECRETS,
    }
    with serve(data, "first.log") as port, client(port) as http:
        created = http.post("/api/actions/connector/jira", json=connector)
        assert created.status_code == 200, created.text
    key_file = data / "encryption.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64

    with serve(data, "second.log") as port, client(port) as http:
        ran = http.post(
            "/api/actions/connector/jira/_execute",
            json={"params": {"subAction": "getIncident", "subActionParams": {"externalId": "1"}}},
        )

    assert (ran.status_code, ran.json()["status"]) == (200, "ok"), ran.text
    credentials = base64.b64encode(b"elastic@example.com:jira-token-of-the-test").decode()
    assert Jira.authorizations[-1] == f"Basic {credentials}"
    logs = (data / "first.log").read_text() + (data / "second.log").read_text()
    assert str(key_file) in logs
    assert key not in logs


def opencases(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    """Run an `opencases` command on the database in `data`."""
    return subprocess.run(
        [str(OPENCASES), *args, f"--database-url=sqlite:///{data}/opencases.db"],
        capture_output=True,
        text=True,
        check=False,
    )


async def write_cases(
    port: int, stop: threading.Event, acknowledged: list[tuple[float, str]]
) -> None:
    """8 clients creating cases until `stop`; each acknowledged case with when it was."""
    loop = asyncio.get_running_loop()

    async def writer(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            response = await http.post("/api/cases", json=CASE_REQUEST)
            assert response.status_code == 200, response.text
            acknowledged.append((loop.time(), response.json()["id"]))

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        auth=("elastic", PASSWORD),
        headers={"kbn-xsrf": "true"},
        timeout=30,
    ) as http:
        await asyncio.gather(*(writer(http) for _ in range(8)))


def test_a_backup_taken_under_load_holds_every_acknowledged_write_and_restores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENCASES_ENCRYPTION_KEY", raising=False)
    data = tmp_path / "data"
    backup_file = tmp_path / "backup.db"
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()
    with serve(data, "server.log") as port:
        loop = asyncio.new_event_loop()
        writers = threading.Thread(
            target=lambda: loop.run_until_complete(write_cases(port, stop, acknowledged))
        )
        writers.start()
        while len(acknowledged) < 50:
            stop.wait(0.05)
        began = loop.time()
        taken = opencases("backup", str(backup_file), data=data)
        refused = opencases("restore", str(backup_file), data=data)
        stop.set()
        writers.join()
        loop.close()

    assert taken.returncode == 0, taken.stderr
    before = {case_id for when, case_id in acknowledged if when < began}
    copy = sqlite3.connect(backup_file)
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    stored = {case_id for (case_id,) in copy.execute("SELECT id FROM cases")}
    copy.close()
    assert before <= stored
    assert refused.returncode != 0
    assert "a server is using the database" in refused.stderr

    fresh = tmp_path / "fresh"
    restored = opencases("restore", str(backup_file), data=fresh)
    assert restored.returncode == 0, restored.stderr
    os.link(data / "encryption.key", fresh / "encryption.key")
    with serve(fresh, "restored.log") as port, client(port) as http:
        found = http.get("/api/cases/_find", params={"perPage": 1}).json()
    assert found["total"] == len(stored)


def test_the_server_answers_over_https_only_with_its_certificate(tmp_path: Path) -> None:
    """Kibana's server.ssl: HTTPS with the configured certificate, plain HTTP refused, and
    the session cookie sent over HTTPS only (Kibana's secureCookies, forced on by TLS)."""
    pki = Pki.create()
    cert, key, ca = tmp_path / "server.crt", tmp_path / "server.key", tmp_path / "ca.crt"
    cert.write_bytes(pki.server.cert)
    key.write_bytes(pki.server.key)
    ca.write_bytes(pki.ca.issued.cert)
    env = {
        "OPENCASES_DATABASE_URL": f"sqlite:///{tmp_path}/opencases.db",
        "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
        "OPENCASES_SSL_ENABLED": "true",
        "OPENCASES_SSL_CERTIFICATE": str(cert),
        "OPENCASES_SSL_KEY": str(key),
    }
    port = unused_port()
    with running(
        [str(OPENCASES), "serve"], port=port, env=env, log_file=tmp_path / "tls.log", tls_ca=ca
    ):
        secure = httpx.get(
            f"https://127.0.0.1:{port}/api/status",
            auth=("elastic", PASSWORD),
            verify=ssl.create_default_context(cafile=ca),
        )
        login = httpx.post(
            f"https://127.0.0.1:{port}/internal/security/login",
            json=login_body(
                "elastic",
                PASSWORD,
                currentURL=f"https://127.0.0.1:{port}/login?next=%2Fapp%2Fcases",
            ),
            headers={"kbn-xsrf": "true", "x-elastic-internal-origin": "Kibana"},
            verify=ssl.create_default_context(cafile=ca),
        )
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/api/status", auth=("elastic", PASSWORD))

    assert secure.status_code == 200
    assert (login.status_code, login.json()) == (200, {"location": "/app/cases"})
    assert re.fullmatch(
        r"sid=[A-Za-z0-9_\-]{43}; HttpOnly; Path=/; SameSite=Lax; Secure",
        login.headers["set-cookie"],
    )


def test_a_certificate_that_does_not_match_its_key_stops_the_start(tmp_path: Path) -> None:
    pki = Pki.create()
    cert, key = tmp_path / "server.crt", tmp_path / "other.key"
    cert.write_bytes(pki.server.cert)
    key.write_bytes(pki.client.key)
    env = {
        **os.environ,
        "OPENCASES_DATABASE_URL": f"sqlite:///{tmp_path}/opencases.db",
        "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
        "OPENCASES_SSL_ENABLED": "true",
        "OPENCASES_SSL_CERTIFICATE": str(cert),
        "OPENCASES_SSL_KEY": str(key),
    }

    started = subprocess.run(
        [str(OPENCASES), "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert started.returncode != 0
    assert "the TLS certificate and key do not belong together" in started.stderr
