"""What the bench measures: one scenario per endpoint, each run against every target."""

from __future__ import annotations

import base64
import os
import tempfile
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
    max_p99_ms: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """One request that wrk repeats, and how to prepare the data it needs."""

    name: str
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # A file whose bytes are sent as the body of every request.
    body_file: Path | None = None
    # Run once against a fresh server before the warm-up, over HTTP (before every wrk run
    # when the scenario has a targets file).
    setup: Setup | None = None
    # Lines of "id<TAB>path<TAB>version" the setup writes; report.lua rotates through them.
    targets_file: Path | None = None
    # Checked on SQLite; None for a scenario that is only watched.
    target: Target | None = None


BODIES = Path(__file__).parent / "bodies"
OWNERS = ("cases", "observability", "securitySolution")
NO_CONNECTOR = {"id": "none", "name": "none", "type": ".none", "fields": None}
# More configurations than connections, so no two PATCHes in flight share a version.
PATCH_SPACES = 14
PATCH_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-patch-{os.getpid()}.tsv"


async def configure(client: httpx.AsyncClient, *, space: str, owner: str) -> dict[str, str]:
    """POST a configuration for `owner` in `space`; its answer."""
    prefix = "" if space == "default" else f"/s/{space}"
    body = {"owner": owner, "connector": NO_CONNECTOR, "closure_type": "close-by-user"}
    response = await client.post(f"{prefix}/api/cases/configure", json=body)
    response.raise_for_status()
    answer: dict[str, str] = response.json()
    return answer


async def three_owners(client: httpx.AsyncClient) -> None:
    """One configuration per owner in the default space."""
    for owner in OWNERS:
        await configure(client, space="default", owner=owner)


async def patch_targets(client: httpx.AsyncClient) -> None:
    """Fresh configurations in PATCH_SPACES spaces, written out as PATCH targets."""
    lines = []
    for index in range(PATCH_SPACES):
        space = f"bench-{index}"
        created = await client.post(
            "/api/spaces/space", json={"id": space, "name": space, "disabledFeatures": []}
        )
        if created.status_code not in (200, 409):
            created.raise_for_status()
        for owner in OWNERS:
            answer = await configure(client, space=space, owner=owner)
            path = f"/s/{space}/api/cases/configure/{answer['id']}"
            lines.append(f"{answer['id']}\t{path}\t{answer['version']}\n")
    PATCH_TARGETS.write_text("".join(lines))


# Fifty connectors: ten of each of five case types, so `_find` has work to do.
BENCH_CONNECTORS: list[dict[str, object]] = [
    {
        "connector_type_id": ".jira",
        "config": {"apiUrl": "https://jira.example.com", "projectKey": "SEC"},
        "secrets": {"email": "bench@example.com", "apiToken": "token"},
    },
    {
        "connector_type_id": ".servicenow",
        "config": {"apiUrl": "https://sn.example.com"},
        "secrets": {"username": "bench", "password": "password"},
    },
    {
        "connector_type_id": ".resilient",
        "config": {"apiUrl": "https://resilient.example.com", "orgId": "201"},
        "secrets": {"apiKeyId": "key", "apiKeySecret": "secret"},
    },
    {
        "connector_type_id": ".thehive",
        "config": {"url": "https://thehive.example.com"},
        "secrets": {"apiKey": "key"},
    },
    {
        "connector_type_id": ".webhook",
        "config": {"url": "https://hooks.example.com", "method": "post"},
        "secrets": {"user": "bench", "password": "password"},
    },
]
CONNECTORS_PER_TYPE = 10


async def fifty_connectors(client: httpx.AsyncClient) -> None:
    """Fifty connectors in the default space (the webhooks are not case connectors)."""
    for template in BENCH_CONNECTORS:
        for index in range(CONNECTORS_PER_TYPE):
            body = {**template, "name": f"{template['connector_type_id']} {index}"}
            response = await client.post("/api/actions/connector", json=body)
            response.raise_for_status()


WRITE_HEADERS = {**ELASTIC_AUTH, "kbn-xsrf": "bench", "content-type": "application/json"}
WRITE_TARGET = Target(min_ratio=0.03, max_p99_ms=50.0)

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
    Scenario(
        name="GET /api/cases/configure",
        method="GET",
        path="/api/cases/configure",
        headers=ELASTIC_AUTH,
        setup=three_owners,
        target=Target(min_ratio=0.25, max_p99_ms=5.0),
    ),
    Scenario(
        name="POST /api/cases/configure",
        method="POST",
        path="/api/cases/configure",
        headers=WRITE_HEADERS,
        body_file=BODIES / "post_configuration.json",
        target=WRITE_TARGET,
    ),
    Scenario(
        name="PATCH /api/cases/configure/{id}",
        method="PATCH",
        path="/api/cases/configure",
        headers=WRITE_HEADERS,
        body_file=BODIES / "patch_configuration.json",
        setup=patch_targets,
        targets_file=PATCH_TARGETS,
        target=WRITE_TARGET,
    ),
    Scenario(
        name="GET /api/cases/configure/connectors/_find",
        method="GET",
        path="/api/cases/configure/connectors/_find",
        headers=ELASTIC_AUTH,
        setup=fifty_connectors,
        target=Target(min_ratio=0.15),
    ),
]
