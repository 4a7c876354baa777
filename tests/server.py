"""Run `opencases serve` (or `make run`) as a real process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

OPENCASES = Path(sys.executable).parent / "opencases"
# Generous: a bound for a stuck process, not a speed assertion.
START_TIMEOUT = 30.0
# What granian prints once a worker has built the app. The worker's socket listens a moment
# later (granian's "Listening at" comes before any socket listens).
STARTED = b"Started worker-"


class Server(subprocess.Popen[bytes]):
    """A server process whose output a thread copies to its log file, line by line.

    `started` is set when the server says all its `workers` started, or when its output
    ends. Once `wait()` returns, every line the server (and its workers) wrote is in the
    log file.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        log: IO[bytes],
        env: dict[str, str],
        cwd: Path | None,
        workers: int,
    ) -> None:
        super().__init__(
            command,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own process group, so that a signal reaches the workers too.
            start_new_session=True,
        )
        self.started = threading.Event()
        self._workers = workers
        self._copier = threading.Thread(target=self._copy, args=(log,), daemon=True)
        self._copier.start()

    def _copy(self, log: IO[bytes]) -> None:
        assert self.stdout is not None
        started = 0
        with self.stdout:
            for line in self.stdout:
                log.write(line)
                log.flush()
                started += STARTED in line
                if started == self._workers:
                    self.started.set()
        self.started.set()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end, then for the rest of its output to be logged."""
        code = super().wait(timeout)
        # The workers share the pipe: the output ends once they have all gone too.
        self._copier.join(START_TIMEOUT)
        return code


@contextmanager
def running(
    command: Sequence[str],
    *,
    port: int,
    env: dict[str, str],
    log_file: Path,
    cwd: Path | None = None,
    tls_ca: Path | None = None,
) -> Iterator[Server]:
    """Start a server, wait until its workers have started and /api/status answers, stop it
    with SIGTERM at the end."""
    with log_file.open("wb") as log:
        process = Server(
            command,
            log=log,
            env={**os.environ, **env, "OPENCASES_PORT": str(port)},
            cwd=cwd,
            workers=workers(command, env),
        )
        try:
            wait_until_listening(port, process, log_file, tls_ca=tls_ca)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=START_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def workers(command: Sequence[str], env: dict[str, str]) -> int:
    """How many workers `opencases serve` starts: its --workers, or OPENCASES_WORKERS, or 1."""
    arguments = list(command)
    if "--workers" in arguments:
        return int(arguments[arguments.index("--workers") + 1])
    return int(env.get("OPENCASES_WORKERS", "1"))


def wait_until_listening(
    port: int, process: Server, log_file: Path, *, tls_ca: Path | None = None
) -> None:
    """Wait for the workers to start, then for the port to listen and /api/status to answer.

    (A signal sent while a worker is still starting can leave granian waiting forever.)
    """
    if not process.started.wait(START_TIMEOUT):
        raise AssertionError(f"server did not start:\n{log_file.read_text()}")
    deadline = time.monotonic() + START_TIMEOUT
    pause = 0.001
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=START_TIMEOUT).close()
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise AssertionError(f"server does not listen:\n{log_file.read_text()}") from None
        # The workers have started: the socket listens within moments. Until the next try,
        # wait for the server to exit, as it does when it cannot serve.
        try:
            process.wait(timeout=pause)
        except subprocess.TimeoutExpired:
            pause = min(pause * 2, 0.05)
        else:
            raise AssertionError(f"server exited early:\n{log_file.read_text()}")
    try:
        scheme = "http" if tls_ca is None else "https"
        verify: ssl.SSLContext | bool = (
            True if tls_ca is None else ssl.create_default_context(cafile=tls_ca)
        )
        httpx.get(f"{scheme}://127.0.0.1:{port}/api/status", timeout=START_TIMEOUT, verify=verify)
    except httpx.TransportError as exc:
        raise AssertionError(f"server does not answer ({exc!r}):\n{log_file.read_text()}") from exc
