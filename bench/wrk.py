"""Running wrk and reading the line that report.lua prints."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

SCRIPT = Path(__file__).with_name("report.lua")
RESULT_PREFIX = "BENCH_RESULT "


class WrkErrors(msgspec.Struct, frozen=True):
    """Socket errors, timeouts and non-2xx/3xx responses, as wrk counts them."""

    connect: int
    read: int
    write: int
    status: int
    timeout: int

    @property
    def total(self) -> int:
        """Every error of every kind."""
        return self.connect + self.read + self.write + self.status + self.timeout


class WrkResult(msgspec.Struct, frozen=True):
    """What one wrk run measured; latencies in microseconds."""

    requests: int
    duration_us: int
    bytes: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    mean_us: float
    errors: WrkErrors

    @property
    def requests_per_second(self) -> float:
        """Completed requests per second."""
        return self.requests / (self.duration_us / 1e6)


@dataclass(frozen=True, slots=True, kw_only=True)
class Load:
    """How hard wrk pushes."""

    # One wrk thread: on the two-core machine one core drives the load and one serves it
    # (two wrk threads fight the single server worker for its core).
    threads: int = 1
    connections: int = 32
    seconds: float = 10.0


def wrk_path() -> str:
    """The wrk binary (`make bench` installs it when missing)."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: run `make bench`, or `apt-get install wrk`")
    return path


def wrk_version() -> str:
    """wrk's first version line."""
    run = subprocess.run([wrk_path(), "--version"], capture_output=True, text=True, check=False)
    return (run.stdout or run.stderr).splitlines()[0].strip()


def command(
    url: str, load: Load, headers: Mapping[str, str], *, timeout_seconds: int = 2
) -> list[str]:
    """The wrk command line for one run."""
    args = [
        wrk_path(),
        f"--threads={load.threads}",
        f"--connections={load.connections}",
        f"--duration={max(1, round(load.seconds))}s",
        f"--timeout={timeout_seconds}s",
        f"--script={SCRIPT}",
    ]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    return [*args, url]


def parse(output: str) -> WrkResult:
    """The result line report.lua printed."""
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            return msgspec.json.decode(line.removeprefix(RESULT_PREFIX), type=WrkResult)
    raise RuntimeError(f"wrk printed no result line:\n{output}")


def run(
    url: str,
    load: Load,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body_file: Path | None = None,
    targets_file: Path | None = None,
) -> WrkResult:
    """Run wrk against `url` and return what it measured."""
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_BODY_FILE": str(body_file) if body_file else "",
        "BENCH_TARGETS_FILE": str(targets_file) if targets_file else "",
    }
    completed = subprocess.run(
        command(url, load, headers or {}),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=load.seconds + 60,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stderr}")
    return parse(completed.stdout)
