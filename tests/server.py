"""Run `opencases serve` (or `make run`) as a real process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

OPENCASES = Path(sys.executable).parent / "opencases"
# Generous: a bound for a stuck process, not a speed assertion.
START_TIMEOUT = 30.0


@contextmanager
def running(
    command: Sequence[str],
    *,
    port: int,
    env: dict[str, str],
    log_file: Path,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait until /api/status answers, stop it with SIGTERM at the end."""
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env, "OPENCASES_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
        try:
            wait_until_listening(port, process, log_file)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=START_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def wait_until_listening(port: int, process: subprocess.Popen[bytes], log_file: Path) -> None:
    """Poll until the server answers HTTP (any status) or fail with its log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{log_file.read_text()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"server did not start:\n{log_file.read_text()}")
