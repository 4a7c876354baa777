"""Screenshots of every page, for the README (`docs/screenshots/`).

Taken in a temporary folder by every run; `OPENCASES_SCREENSHOTS=docs/screenshots` makes
the run write them where the README finds them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.ui.conftest import Server, create_case, sign_in

# What a page draws does not depend on the database: the server runs on SQLite alone.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CASES = "/app/security/cases"
CONNECTORS = "/app/management/insightsAndAlerting/triggersActionsConnectors/connectors"
PNG = b"\x89PNG\r\n\x1a\n"


def test_every_page_is_pictured(page: Page, server: Server, tmp_path: Path) -> None:
    folder = Path(os.environ.get("OPENCASES_SCREENSHOTS") or tmp_path)
    created = server.api.post("/api/spaces/space", json={"id": "soc", "name": "SOC"})
    assert created.status_code == 200, created.text
    space = "/s/soc"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    connector = server.api.post(
        f"{space}/api/actions/connector",
        json={
            "name": "ServiceNow ITSM",
            "connector_type_id": ".servicenow",
            "config": {"apiUrl": "https://example.service-now.com", "usesTableApi": True},
            "secrets": {"username": "opencases", "password": "a-password"},
        },
    ).json()
    stories = [
        ("Phishing campaign against finance", "high", ["phishing", "email"], "in-progress"),
        ("Ransomware beacon on FIN-WS-042", "critical", ["ransomware", "endpoint"], "open"),
        ("Suspicious OAuth consent grant", "medium", ["cloud", "identity"], "open"),
        ("Brute force on the VPN gateway", "low", ["network"], "closed"),
    ]
    cases = []
    for title, severity, tags, status in stories:
        case = create_case(
            server,
            space,
            title=title,
            description="Detected by the **SOC** triage rule. See the runbook.",
            severity=severity,
            tags=tags,
            owner="securitySolution",
            category="Incident",
        )
        if status != "open":
            server.api.patch(
                f"{space}/api/cases",
                json={"cases": [{"id": case["id"], "version": case["version"], "status": status}]},
            )
        cases.append(case)
    first = cases[0]
    for text in (
        "Blocked the sender domain at the mail gateway.",
        "Three users clicked the link:\n\n- `a.jones`\n- `m.lee`\n- `r.khan`\n\nPasswords reset.",
    ):
        server.api.post(
            f"{space}/api/cases/{first['id']}/comments",
            json={"type": "user", "comment": text, "owner": "securitySolution"},
        )
    server.api.post(
        f"{space}/api/cases/configure",
        json={
            "owner": "securitySolution",
            "closure_type": "close-by-pushing",
            "connector": {
                "id": connector["id"],
                "name": connector["name"],
                "type": ".servicenow",
                "fields": None,
            },
            "customFields": [
                {"key": "ticket", "label": "Ticket", "type": "text", "required": False},
            ],
        },
    )

    page.goto("/login")
    page.screenshot(path=folder / "login.png")
    sign_in(page, path=space + CASES)
    pictures = {
        "cases.png": space + CASES,
        "case.png": f"{space}{CASES}/{first['id']}",
        "create.png": f"{space}{CASES}/create",
        "settings.png": f"{space}{CASES}/configure",
        "connectors.png": space + CONNECTORS,
    }
    for name, path in pictures.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=folder / name, full_page=name == "case.png")
    for name in ["login.png", *pictures]:
        assert (folder / name).read_bytes().startswith(PNG), name
