"""The server as users run it: `make run`, `opencases serve`, workers, signals, logs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, INTERNAL_ORIGIN, fresh_database, unused_port
from tests.server import OPENCASES, running

pytestmark = pytest.mark.e2e

PASSWORD = "bench-and-test-pw"


def serve_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a server on `database_url` with a known elastic password."""
    return {
        "OPENCASES_DATABASE_URL": database_url,
        "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
        **extra,
    }


def status(server: int | str, auth: tuple[str, str]) -> httpx.Response:
    """GET /api/status on a running server (its port or its base URL)."""
    base_url = f"http://127.0.0.1:{server}" if isinstance(server, int) else server
    return httpx.get(f"{base_url}/api/status", auth=auth, timeout=10)


@contextmanager
def two_servers(tmp_path: Path, database_url: str, port: int) -> Iterator[tuple[str, str]]:
    """Two `opencases serve` processes on one database: their base URLs."""
    other_port = unused_port()
    env = serve_env(database_url)
    with (
        running([str(OPENCASES), "serve"], port=port, env=env, log_file=tmp_path / "a.log"),
        running([str(OPENCASES), "serve"], port=other_port, env=env, log_file=tmp_path / "b.log"),
    ):
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{other_port}"


@pytest.fixture(scope="module", params=BACKENDS)
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Two servers on one fresh database, shared by this module's tests (each uses its own
    user and role): their base URLs."""
    directory = tmp_path_factory.mktemp("servers")
    with (
        fresh_database(request.param, directory) as database_url,
        two_servers(directory, database_url, unused_port()) as base_urls,
    ):
        yield base_urls


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> str:
    """A database URL for a SQLite file nobody has used."""
    return f"sqlite:///{tmp_path / 'fresh' / 'opencases.db'}"


def test_make_run_serves_status_with_the_elastic_password(
    repo_root: Path, tmp_path: Path, free_port: int, fresh_sqlite: str
) -> None:
    with running(
        ["make", "--no-print-directory", "run"],
        port=free_port,
        env=serve_env(fresh_sqlite),
        log_file=tmp_path / "server.log",
        cwd=repo_root,
    ):
        response = status(free_port, ("elastic", PASSWORD))
        assert response.status_code == 200
        assert response.json()["status"]["overall"]["level"] == "available"
        assert status(free_port, ("elastic", "wrong")).status_code == 401


def test_first_start_prints_a_generated_password_once(
    tmp_path: Path, free_port: int, fresh_sqlite: str
) -> None:
    env = {"OPENCASES_DATABASE_URL": fresh_sqlite, "OPENCASES_ELASTIC_PASSWORD": ""}
    log_file = tmp_path / "first.log"
    with running([str(OPENCASES), "serve"], port=free_port, env=env, log_file=log_file):
        match = re.search(r"password:\n\n    (\S+)\n", log_file.read_text())
        assert match, log_file.read_text()
        assert status(free_port, ("elastic", match.group(1))).status_code == 200
    second_log = tmp_path / "second.log"
    with running([str(OPENCASES), "serve"], port=free_port, env=env, log_file=second_log):
        assert "password:" not in second_log.read_text()
        assert status(free_port, ("elastic", match.group(1))).status_code == 200


def test_reset_password_prints_a_working_password(
    tmp_path: Path, free_port: int, fresh_sqlite: str
) -> None:
    env = {**os.environ, **serve_env(fresh_sqlite)}
    result = subprocess.run(
        [str(OPENCASES), "users", "reset-password", "elastic"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    password = result.stdout.strip().rsplit(" ", 1)[-1]
    with running(
        [str(OPENCASES), "serve"], port=free_port, env=env, log_file=tmp_path / "server.log"
    ):
        assert status(free_port, ("elastic", password)).status_code == 200
        assert status(free_port, ("elastic", PASSWORD)).status_code == 401


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_cleanly(
    tmp_path: Path, free_port: int, fresh_sqlite: str, signum: signal.Signals
) -> None:
    with running(
        [str(OPENCASES), "serve", "--workers", "2"],
        port=free_port,
        env=serve_env(fresh_sqlite),
        log_file=tmp_path / "server.log",
    ) as process:
        assert status(free_port, ("elastic", PASSWORD)).status_code == 200
        os.killpg(process.pid, signum)
        assert process.wait(timeout=30) == 0


def test_json_logs_carry_one_ecs_line_per_request(
    tmp_path: Path, free_port: int, fresh_sqlite: str
) -> None:
    log_file = tmp_path / "server.log"
    with running(
        [str(OPENCASES), "serve", "--log-format", "json"],
        port=free_port,
        env=serve_env(fresh_sqlite),
        log_file=log_file,
    ) as process:
        response = status(free_port, ("elastic", PASSWORD))
        request_id = response.headers["x-request-id"]
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line[:1] == "{"]
    (line,) = [entry for entry in lines if entry.get("http.request.id") == request_id]
    assert line["http.request.method"] == "GET"
    assert line["url.path"] == "/api/status"
    assert line["http.response.status_code"] == 200
    assert line["user.name"] == "elastic"
    assert line["log.level"] == "info"
    assert isinstance(line["event.duration"], int)
    assert PASSWORD not in log_file.read_text()


@pytest.mark.xdist_group("servers")
def test_password_change_on_one_process_is_honoured_by_another_within_5_seconds(
    servers: tuple[str, str],
) -> None:
    """Two servers (processes) on one database; the change is made through the first."""
    first, second = servers
    admin = ("elastic", PASSWORD)
    headers = {"kbn-xsrf": "true", **INTERNAL_ORIGIN}
    body = {"username": "worker_user", "password": "old-password", "roles": ["viewer"]}
    created = httpx.post(
        f"{first}/internal/security/users/worker_user", json=body, auth=admin, headers=headers
    )
    assert created.status_code == 200, created.text
    # The second process verifies and caches the old password.
    assert status(second, ("worker_user", "old-password")).status_code == 200
    changed = httpx.post(
        f"{first}/internal/security/users/worker_user/password",
        json={"newPassword": "new-password"},
        auth=admin,
        headers=headers,
    )
    assert changed.status_code == 204
    assert status(first, ("worker_user", "old-password")).status_code == 401
    # Asked again and again (one request after the other, no sleep) until it refuses.
    deadline = time.monotonic() + 5.0
    refused = False
    with httpx.Client(auth=("worker_user", "old-password"), timeout=10) as old:
        while time.monotonic() < deadline and not refused:
            refused = old.get(f"{second}/api/status").status_code == 401
    assert refused, "the second process still accepts the old password after 5 seconds"
    assert status(second, ("worker_user", "new-password")).status_code == 200
    httpx.delete(f"{second}/internal/security/users/worker_user", auth=admin, headers=headers)


@pytest.mark.xdist_group("servers")
def test_role_change_on_one_process_is_honoured_by_another_at_once(
    servers: tuple[str, str],
) -> None:
    """Roles are read through the database's read cache, which every commit invalidates."""
    first, second = servers
    admin = ("elastic", PASSWORD)
    headers = {"kbn-xsrf": "true", **INTERNAL_ORIGIN}

    def grant(spaces: list[str]) -> None:
        kibana = [{"feature": {"generalCases": ["read"]}, "spaces": spaces}]
        role = {"elasticsearch": {}, "kibana": kibana}
        response = httpx.put(
            f"{first}/api/security/role/reader", json=role, auth=admin, headers=headers
        )
        assert response.status_code == 204, response.text

    grant(["default"])
    body = {"username": "role_user", "password": "a-password", "roles": ["reader"]}
    created = httpx.post(
        f"{first}/internal/security/users/role_user", json=body, auth=admin, headers=headers
    )
    assert created.status_code == 200, created.text
    user = ("role_user", "a-password")
    # The second process reads (and keeps) the role's grants.
    assert httpx.get(f"{second}/api/spaces/space/default", auth=user).status_code == 200
    grant(["elsewhere"])
    refused = httpx.get(f"{second}/api/spaces/space/default", auth=user)
    assert (refused.status_code, refused.json()["message"]) == (
        403,
        "Unauthorized to get default space",
    )
