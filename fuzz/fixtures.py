"""Objects made before fuzzing, so that operations on an existing object have one to find.

Schemathesis reads the ids the list routes answer (connectors, users, roles, spaces) and
tries them as path parameters; random ids alone only ever reach the 404s. Each request
must succeed: a failure here is reported as the run's failure.
"""

from __future__ import annotations

from typing import Any

import httpx
from bench.servers import Server

from fuzz.servers import ELASTIC_PASSWORD

# Nothing listens on port 9 (discard) here: connectors that run fail fast.
NOWHERE = "http://127.0.0.1:9"
# (method, path, body) in order: the role before the user that has it.
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/spaces/space", {"id": "fuzz-space", "name": "Fuzz", "disabledFeatures": []}),
    (
        "PUT",
        "/api/security/role/fuzz_analyst",
        {
            "elasticsearch": {},
            "kibana": [{"base": [], "feature": {"generalCases": ["all"]}, "spaces": ["*"]}],
        },
    ),
    (
        "POST",
        "/internal/security/users/fuzz_user",
        {"username": "fuzz_user", "password": "fuzz-user-password", "roles": ["fuzz_analyst"]},
    ),
    (
        "POST",
        "/api/actions/connector/fuzz-webhook",
        {
            "name": "Fuzz webhook",
            "connector_type_id": ".webhook",
            "config": {"url": f"{NOWHERE}/hook", "method": "post", "hasAuth": False},
        },
    ),
    (
        "POST",
        "/api/actions/connector/fuzz-jira",
        {
            "name": "Fuzz Jira",
            "connector_type_id": ".jira",
            "config": {"apiUrl": NOWHERE, "projectKey": "FUZZ"},
            "secrets": {"email": "fuzz@example.com", "apiToken": "fuzz-token"},
        },
    ),
    (
        "POST",
        "/api/cases/configure",
        {
            "owner": "cases",
            "connector": {"id": "fuzz-jira", "name": "Fuzz Jira", "type": ".jira", "fields": None},
            "closure_type": "close-by-user",
            "customFields": [
                {"key": "score", "label": "Score", "type": "number", "required": False}
            ],
        },
    ),
]


def create(server: Server) -> list[str]:
    """Make the objects; what went wrong, in words (empty when all was made)."""
    problems = []
    headers = {"kbn-xsrf": "true", "x-elastic-internal-origin": "fuzz"}
    with httpx.Client(
        base_url=server.base_url,
        auth=("elastic", ELASTIC_PASSWORD),
        headers=headers,
        timeout=10,
    ) as client:
        for method, path, body in REQUESTS:
            response = client.request(method, path, json=body)
            if response.status_code >= 300:
                status = response.status_code
                problems.append(f"the fixture {method} {path} answered {status}: {response.text}")
    return problems
