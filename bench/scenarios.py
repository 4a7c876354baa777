"""What the bench measures: one scenario per endpoint, each run against every target."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# The `elastic` superuser's password: handed to `opencases serve` at first start.
ELASTIC_PASSWORD = "bench-elastic-password"

# Prepares a scenario's data through a client on the server, sending `elastic`'s
# credentials and kbn-xsrf with every request.
Setup = Callable[[httpx.AsyncClient], Awaitable[None]]


def basic_auth(username: str, password: str) -> str:
    """An Authorization header value for HTTP Basic."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"


ELASTIC_AUTH = {"Authorization": basic_auth("elastic", ELASTIC_PASSWORD)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What a scenario must reach on SQLite: a share of the bare app's req/s, a p99 ceiling."""

    min_ratio: float
    max_p99_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """One request that wrk repeats, and how to prepare the data it needs."""

    name: str
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # A file whose bytes are sent as the body of every request.
    body_file: Path | None = None
    # Run once against a fresh server before the warm-up, over HTTP.
    setup: Setup | None = None
    # Checked on SQLite; None for a scenario that is only watched.
    target: Target | None = None


# Every scenario runs on every backend, against one fresh server per backend, in this
# order: a scenario's setup may rely on the data an earlier one left.
SCENARIOS: list[Scenario] = [
    Scenario(
        name="GET /api/spaces/space/default",
        method="GET",
        path="/api/spaces/space/default",
        headers=ELASTIC_AUTH,
        target=Target(min_ratio=0.30, max_p99_ms=5.0),
    ),
]
