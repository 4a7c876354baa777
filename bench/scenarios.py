"""What the bench measures: one scenario per endpoint, each run against every target."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# The `elastic` superuser's password: handed to `opencases serve` at first start.
ELASTIC_PASSWORD = "bench-elastic-password"

Setup = Callable[[httpx.AsyncClient], Awaitable[None]]


def basic_auth(username: str, password: str) -> str:
    """An Authorization header value for HTTP Basic."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"


ELASTIC_AUTH = {"Authorization": basic_auth("elastic", ELASTIC_PASSWORD)}


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


SCENARIOS: list[Scenario] = [
    Scenario(
        name="GET /api/spaces/space/default",
        method="GET",
        path="/api/spaces/space/default",
        headers=ELASTIC_AUTH,
    ),
]
