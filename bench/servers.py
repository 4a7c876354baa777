"""Starting and stopping the servers under load: `opencases serve` and the bare app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.scenarios import ELASTIC_AUTH, ELASTIC_PASSWORD

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Server:
    """A running server: its process, address and the file its output goes to."""

    process: subprocess.Popen[bytes]
    port: int
    log_file: Path

    @property
    def base_url(self) -> str:
        """http://host:port, without a trailing slash."""
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    args: list[str], *, port: int, log_file: Path, env: Mapping[str, str], cwd: Path = REPO
) -> Server:
    """Start a server process with stdout and stderr going to `log_file`."""
    with log_file.open("wb") as output:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own process group: the signal that stops it reaches its workers too.
            start_new_session=True,
        )
    return Server(process=process, port=port, log_file=log_file)


def wait_until_ready(server: Server, path: str, headers: Mapping[str, str]) -> float:
    """Poll `path` until it answers 200 (the seconds that took); fail if the process dies."""
    started = time.monotonic()
    deadline = started + START_TIMEOUT_SECONDS
    with httpx.Client(base_url=server.base_url, headers=dict(headers), timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {server.log_file}")
            try:
                if client.get(path).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    waited = f"{START_TIMEOUT_SECONDS:.0f}s"
    raise RuntimeError(f"server not ready after {waited}; see {server.log_file}")


def stop(server: Server) -> int:
    """SIGTERM to the server's process group (SIGKILL if it lingers); its exit code."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
    return server.process.returncode


@contextmanager
def opencases(database_url: str, workdir: Path, *, name: str) -> Iterator[Server]:
    """`opencases serve --workers 1` on `database_url`, as it runs in production."""
    port = free_port()
    args = [
        str(BIN / "opencases"),
        "serve",
        f"--host={HOST}",
        f"--port={port}",
        "--workers=1",
        f"--database-url={database_url}",
    ]
    env = {
        "OPENCASES_ELASTIC_PASSWORD": ELASTIC_PASSWORD,
        # Connectors with secrets need the key that encrypts them.
        "OPENCASES_ENCRYPTION_KEY": "bench-encryption-key-of-at-least-32-characters",
    }
    server = start(args, port=port, log_file=workdir / f"{name}.log", env=env)
    try:
        ready = wait_until_ready(server, "/api/status", ELASTIC_AUTH)
        # A fresh database: the time includes the migrations and creating `elastic`.
        print(f"  {name}: first answer {ready:.2f}s after start (fresh database)", flush=True)
        yield server
    finally:
        stop(server)


@contextmanager
def bare(workdir: Path) -> Iterator[Server]:
    """The bare ASGI app on granian, one worker, configured as `opencases serve` runs."""
    port = free_port()
    args = [
        str(BIN / "granian"),
        "--interface=asgi",
        "--loop=asyncio",
        "--workers=1",
        "--no-ws",
        f"--host={HOST}",
        f"--port={port}",
        "bench.bare:app",
    ]
    server = start(args, port=port, log_file=workdir / "bare.log", env={})
    try:
        wait_until_ready(server, "/", {})
        yield server
    finally:
        stop(server)
