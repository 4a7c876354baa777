"""The create-case form: templates, custom fields, a connector and its fields, and refusals."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.ui.conftest import Server, sign_in

# What these tests check is drawn alike on both databases: they run on SQLite
# (tests/ui/test_roles.py and test_story.py run on each).
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CASES = "/app/management/insightsAndAlerting/cases"


def configure(server: Server, space: str, **fields: Any) -> dict[str, Any]:
    """The `cases` owner's configuration in `space`, made through the API."""
    body = {
        "owner": "cases",
        "closure_type": "close-by-user",
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        **fields,
    }
    response = server.api.post(f"{space}/api/cases/configure", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def found_cases(server: Server, space: str) -> list[dict[str, Any]]:
    response = server.api.get(f"{space}/api/cases/_find", params={"owner": "cases"})
    assert response.status_code == 200, response.text
    return list(response.json()["cases"])


def case_posts(page: Page) -> list[Request]:
    """The POST /api/cases requests the page sends from now on."""
    sent: list[Request] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request)
            if request.method == "POST" and request.url.endswith("/api/cases")
            else None
        ),
    )
    return sent


def test_a_case_made_from_a_template_keeps_the_custom_field_defaults(
    page: Page, server: Server, space: str
) -> None:
    configure(
        server,
        space,
        customFields=[
            {
                "key": "impact",
                "label": "Impact",
                "type": "text",
                "required": True,
                "defaultValue": "limited",
            },
            {
                "key": "reviewed",
                "label": "Reviewed",
                "type": "toggle",
                "required": False,
                "defaultValue": False,
            },
        ],
        templates=[
            {
                "key": "phishing",
                "name": "Phishing",
                "description": "A reported mail.",
                "caseFields": {
                    "title": "Phishing report",
                    "tags": ["phishing"],
                    "severity": "high",
                    "customFields": [{"key": "reviewed", "type": "toggle", "value": True}],
                },
            }
        ],
    )
    sign_in(page, path=f"{space}{CASES}/create")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create case")
    expect(page.get_by_label("Impact (required)")).to_have_value("limited")
    expect(page.get_by_label("Reviewed")).not_to_be_checked()

    page.get_by_label("Template").select_option(label="Phishing")
    expect(page.get_by_label("Title (required)")).to_have_value("Phishing report")
    expect(page.get_by_label("Tags")).to_have_value("phishing")
    expect(page.get_by_label("Severity")).to_have_value("high")
    expect(page.get_by_label("Reviewed")).to_be_checked()
    page.get_by_label("Description (required)").fill("A user reported a **mail**.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("mail")
    page.get_by_label("Tags").fill("phishing, mail")
    page.get_by_role("button", name="Create case").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(space + CASES)}/[0-9a-f-]{{36}}$"))
    [case] = found_cases(server, space)
    assert page.url.endswith(f"{space}{CASES}/{case['id']}")
    assert {key: case[key] for key in ("title", "description", "tags", "severity", "owner")} == {
        "title": "Phishing report",
        "description": "A user reported a **mail**.",
        "tags": ["phishing", "mail"],
        "severity": "high",
        "owner": "cases",
    }
    assert sorted(case["customFields"], key=lambda field: field["key"]) == [
        {"key": "impact", "type": "text", "value": "limited"},
        {"key": "reviewed", "type": "toggle", "value": True},
    ]
    assert case["connector"]["id"] == "none"


def test_a_missing_required_field_is_refused_in_the_page_and_kibana_s_refusals_shown(
    page: Page, server: Server, space: str
) -> None:
    configure(
        server,
        space,
        customFields=[{"key": "ticket", "label": "Ticket", "type": "number", "required": True}],
    )
    sign_in(page, path=f"{space}{CASES}/create")
    posts = case_posts(page)
    page.get_by_label("Title (required)").fill("Disk full")
    page.get_by_label("Description (required)").fill("The disk is full.")
    expect(page.get_by_label("Ticket (required)")).to_have_value("")
    page.get_by_role("button", name="Create case").click()
    expect(page.get_by_role("alert")).to_have_text("Ticket is required.")
    expect(page.get_by_label("Ticket (required)")).to_have_attribute("aria-invalid", "true")
    assert posts == []
    assert found_cases(server, space) == []

    # What only the API refuses: its message is shown, and what was typed stays.
    long_tag = "x" * 300
    refused = server.api.post(
        f"{space}/api/cases",
        json={
            "title": "Disk full",
            "description": "The disk is full.",
            "tags": [long_tag],
            "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
            "settings": {"syncAlerts": False},
            "owner": "cases",
            "customFields": [{"key": "ticket", "type": "number", "value": 42}],
        },
    )
    assert refused.status_code == 400
    page.get_by_label("Ticket (required)").fill("42")
    page.get_by_label("Tags").fill(long_tag)
    page.get_by_role("button", name="Create case").click()
    # Next to the field the message names.
    expect(page.get_by_role("alert")).to_have_text(refused.json()["message"])
    expect(page.get_by_label("Tags")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field:has(input[name=tags]) [role=alert]")).to_have_text(
        refused.json()["message"]
    )
    assert len(posts) == 1
    expect(page.get_by_label("Title (required)")).to_have_value("Disk full")
    expect(page.get_by_label("Ticket (required)")).to_have_value("42")
    assert found_cases(server, space) == []


def test_the_connector_and_its_fields_are_sent(page: Page, server: Server, space: str) -> None:
    name = f"Jira {uuid.uuid4().hex[:6]}"
    connector = server.api.post(
        f"{space}/api/actions/connector",
        json={
            "name": name,
            "connector_type_id": ".jira",
            "config": {"apiUrl": "http://127.0.0.1:9", "projectKey": "OC"},
            "secrets": {"email": "someone@example.com", "apiToken": "a-token"},
        },
    )
    assert connector.status_code == 200, connector.text
    connector_id = connector.json()["id"]
    configure(
        server,
        space,
        connector={"id": connector_id, "name": name, "type": ".jira", "fields": None},
    )
    sign_in(page, path=f"{space}{CASES}/create")
    # The configuration's connector is the default.
    expect(page.get_by_label("Connector", exact=True)).to_have_value(connector_id)
    page.get_by_label("Title (required)").fill("Printer on fire")
    page.get_by_label("Description (required)").fill("Smoke from the printer.")
    page.get_by_label("Issue type").fill("10001")
    page.get_by_label("Priority").fill("High")
    page.get_by_role("button", name="Create case").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(space + CASES)}/[0-9a-f-]{{36}}$"))
    [case] = found_cases(server, space)
    assert case["connector"] == {
        "id": connector_id,
        "name": name,
        "type": ".jira",
        "fields": {"issueType": "10001", "priority": "High", "parent": None},
    }
