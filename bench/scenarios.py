"""What the bench measures: one scenario per endpoint, each run against every target."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec

from bench import seed, servicenow

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
    """What a scenario must reach: a share of the bare app's req/s (or a rate), a p99 ceiling."""

    min_ratio: float = 0.0
    min_requests_per_second: float = 0.0
    max_p99_ms: float | None = None
    # Checked on SQLite only, unless the target holds on every database.
    every_database: bool = False


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
    # Checked on SQLite (or every database, as the target says); None: only watched.
    target: Target | None = None
    # Fills the database directly before the setup runs (its URL); the seconds it took.
    seed: Callable[[str], float] | None = None
    # Cases another client creates per second while the scenario is measured.
    background_creates_per_second: float = 0.0


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

# --- cases ------------------------------------------------------------------------------

CASE = {
    "title": "Suspicious logins on the VPN gateway",
    "description": "Several failed logins, then one success, from an unusual country.",
    "tags": ["vpn", "credentials"],
    "severity": "medium",
    "connector": NO_CONNECTOR,
    "settings": {"syncAlerts": False},
    "owner": "securitySolution",
}
# More cases than connections, so no two PATCHes in flight share a version; each PATCH
# adds a user action, and a case holds at most 10,000.
CASE_TARGETS = 400
CASE_PATCH_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-cases-{os.getpid()}.tsv"
CASE_GET_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-case-{os.getpid()}.tsv"
COMMENT_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-comments-{os.getpid()}.tsv"
FIND_COMMENTS_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-find-{os.getpid()}.tsv"
COMMENTS_ON_ONE_CASE = 1000
PUSH_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-push-{os.getpid()}.tsv"
SEEDED_CASES = 100_000
CASE_SPACES = ("default", "bench-cases")
FIND_TARGET = Target(min_requests_per_second=1000.0, max_p99_ms=100.0, every_database=True)
# The web UI's pages: each request a page makes within the page's server time (the list
# page's 100 ms; the case page's rounds of requests, each well under its 150 ms).
PAGE_TARGET = Target(max_p99_ms=100.0, every_database=True)
INTERNAL = {"x-elastic-internal-origin": "Kibana"}


async def create_cases(client: httpx.AsyncClient, count: int, path: str) -> str:
    """Create `count` cases; the target lines whose requests go to `path` (or the case)."""
    lines = []
    for index in range(count):
        response = await client.post("/api/cases", json={**CASE, "title": f"Case {index}"})
        response.raise_for_status()
        case = response.json()
        lines.append(f"{case['id']}\t{path or '/api/cases/' + case['id']}\t{case['version']}\n")
    return "".join(lines)


async def case_patch_targets(client: httpx.AsyncClient) -> None:
    """Fresh cases to PATCH, as targets."""
    CASE_PATCH_TARGETS.write_text(await create_cases(client, CASE_TARGETS, "/api/cases"))


async def case_get_targets(client: httpx.AsyncClient) -> None:
    """Cases to GET, as targets (each its own path)."""
    CASE_GET_TARGETS.write_text(await create_cases(client, 64, ""))


async def comment_targets(client: httpx.AsyncClient) -> None:
    """Cases to comment on, as targets: each answer lists the case's comments, so many cases."""
    lines = await create_cases(client, CASE_TARGETS, "")
    COMMENT_TARGETS.write_text(
        "".join(
            f"{case_id}\t{path}/comments\t{version}\n"
            for case_id, path, version in (line.split("\t") for line in lines.splitlines())
        )
    )


async def case_with_comments(client: httpx.AsyncClient) -> str:
    """A new case with COMMENTS_ON_ONE_CASE comments; its id."""
    response = await client.post("/api/cases", json=CASE)
    response.raise_for_status()
    case_id: str = response.json()["id"]
    comment = msgspec.json.decode((BODIES / "post_comment.json").read_bytes())
    for _ in range(COMMENTS_ON_ONE_CASE // 100):
        response = await client.post(
            f"/internal/cases/{case_id}/attachments/_bulk_create",
            json=[comment] * 100,
            headers={"x-elastic-internal-origin": "Kibana"},
        )
        response.raise_for_status()
    return case_id


async def commented_case(client: httpx.AsyncClient) -> None:
    """A case with COMMENTS_ON_ONE_CASE comments, whose _find page is the target."""
    case_id = await case_with_comments(client)
    path = f"/api/cases/{case_id}/comments/_find"
    first = (await client.get(path)).json()["comments"][0]["id"]
    # The answer's first id is its first comment's: the target goes back under that id.
    FIND_COMMENTS_TARGETS.write_text(f"{first}\t{path}\tnone\n" * 64)


ACTIVITY_TARGETS = Path(tempfile.gettempdir()) / f"opencases-bench-activity-{os.getpid()}.tsv"
# What the case page asks for its activity: a page of 100 user actions, oldest first.
ACTIVITY_QUERY = "sortOrder=asc&perPage=100&page=1"


async def commented_case_activity(client: httpx.AsyncClient) -> None:
    """A case with COMMENTS_ON_ONE_CASE comments, whose activity page is the target."""
    case_id = await case_with_comments(client)
    path = f"/internal/cases/{case_id}/user_actions/_find?{ACTIVITY_QUERY}"
    page = await client.get(path, headers={"x-elastic-internal-origin": "Kibana"})
    page.raise_for_status()
    first = page.json()["userActions"][0]["id"]
    ACTIVITY_TARGETS.write_text(f"{first}\t{path}\tnone\n" * 64)


async def push_targets(client: httpx.AsyncClient) -> None:
    """A ServiceNow connector to the fake, and cases of that connector to push, as targets."""
    connector = await client.post(
        "/api/actions/connector/bench-servicenow",
        json={
            "name": "ServiceNow",
            "connector_type_id": ".servicenow",
            "config": {"apiUrl": servicenow.url(), "usesTableApi": True},
            "secrets": {"username": "bench", "password": "bench"},
        },
    )
    if connector.status_code not in (200, 409):
        connector.raise_for_status()
    fields = {"impact": "2", "severity": "2", "urgency": "2", "category": None, "subcategory": None}
    lines = []
    for index in range(CASE_TARGETS):
        body = {
            **CASE,
            "title": f"Pushed case {index}",
            "connector": {
                "id": "bench-servicenow",
                "name": "ServiceNow",
                "type": ".servicenow",
                "fields": fields,
            },
        }
        response = await client.post("/api/cases", json=body)
        response.raise_for_status()
        case = response.json()
        path = f"/api/cases/{case['id']}/connector/bench-servicenow/_push"
        lines.append(f"{case['id']}\t{path}\t{case['version']}\n")
    PUSH_TARGETS.write_text("".join(lines))


async def cases_space(client: httpx.AsyncClient) -> None:
    """The second space the seeded cases live in."""
    body = {"id": CASE_SPACES[1], "name": "Bench cases", "disabledFeatures": []}
    response = await client.post("/api/spaces/space", json=body)
    if response.status_code not in (200, 409):
        response.raise_for_status()


def hundred_thousand_cases(database_url: str) -> float:
    """SEEDED_CASES cases over two spaces and three owners, through the cases store."""
    return seed.seed(database_url, count=SEEDED_CASES, space_ids=CASE_SPACES)


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
    Scenario(
        name="POST /api/cases",
        method="POST",
        path="/api/cases",
        headers=WRITE_HEADERS,
        body_file=BODIES / "post_case.json",
        target=Target(min_ratio=0.05, max_p99_ms=50.0),
    ),
    Scenario(
        name="PATCH /api/cases",
        method="PATCH",
        path="/api/cases",
        headers=WRITE_HEADERS,
        body_file=BODIES / "patch_case.json",
        setup=case_patch_targets,
        targets_file=CASE_PATCH_TARGETS,
        target=Target(min_ratio=0.05, max_p99_ms=50.0),
    ),
    Scenario(
        name="GET /api/cases/{id}",
        method="GET",
        path="/api/cases",
        headers=ELASTIC_AUTH,
        setup=case_get_targets,
        targets_file=CASE_GET_TARGETS,
        target=Target(min_ratio=0.25, max_p99_ms=5.0),
    ),
    Scenario(
        name="POST /api/cases/{id}/comments",
        method="POST",
        path="/api/cases",
        headers=WRITE_HEADERS,
        body_file=BODIES / "post_comment.json",
        setup=comment_targets,
        targets_file=COMMENT_TARGETS,
        target=Target(min_ratio=0.05, max_p99_ms=50.0),
    ),
    Scenario(
        name="GET /api/cases/{id}/comments/_find (1,000 comments)",
        method="GET",
        path="/api/cases",
        headers=ELASTIC_AUTH,
        setup=commented_case,
        targets_file=FIND_COMMENTS_TARGETS,
        target=Target(min_ratio=0.15, max_p99_ms=10.0),
    ),
    Scenario(
        name="GET /internal/cases/{id}/user_actions/_find (case page, 1,000 comments)",
        method="GET",
        path="/internal/cases",
        headers={**ELASTIC_AUTH, **INTERNAL},
        setup=commented_case_activity,
        targets_file=ACTIVITY_TARGETS,
        target=PAGE_TARGET,
    ),
    Scenario(
        name="POST /api/cases/{id}/connector/{id}/_push (ServiceNow)",
        method="POST",
        path="/api/cases",
        headers=WRITE_HEADERS,
        setup=push_targets,
        targets_file=PUSH_TARGETS,
        target=Target(min_requests_per_second=300.0),
    ),
    Scenario(
        name="GET /api/cases/_find (default page)",
        method="GET",
        path="/api/cases/_find",
        headers=ELASTIC_AUTH,
        setup=cases_space,
        seed=hundred_thousand_cases,
        background_creates_per_second=20.0,
        target=FIND_TARGET,
    ),
    Scenario(
        name="GET /api/cases/_find (tags, status, severity)",
        method="GET",
        path="/api/cases/_find?tags=tag-7&status=open&severity=high",
        headers=ELASTIC_AUTH,
        background_creates_per_second=20.0,
        target=FIND_TARGET,
    ),
    Scenario(
        name="GET /api/cases/_find (two-word search)",
        method="GET",
        path="/api/cases/_find?search=" + seed.SEARCH.replace(" ", "%20"),
        headers=ELASTIC_AUTH,
        background_creates_per_second=20.0,
        target=FIND_TARGET,
    ),
    # What the list page asks besides _find, on the same 100,000 cases.
    *(
        Scenario(
            name=f"GET {path} (list page, 100,000 cases)",
            method="GET",
            path=f"{path}?owner=securitySolution",
            headers={**ELASTIC_AUTH, **INTERNAL},
            background_creates_per_second=20.0,
            target=PAGE_TARGET,
        )
        for path in ("/api/cases/tags", "/api/cases/reporters", "/internal/cases/categories")
    ),
]
