"""Connector management: create, edit, test and delete a case connector; what a reader may do."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.ui.conftest import Server, sign_in

# What these tests check is drawn alike on both databases: they run on SQLite
# (tests/ui/test_roles.py and test_story.py run on each).
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CONNECTORS = "/app/management/insightsAndAlerting/triggersActionsConnectors/connectors"
# Nothing listens on the discard port: runs fail at once, with the API's own error.
DEAD_URL = "http://127.0.0.1:9"
PASSWORD = "servicenow-password-never-shown"


def listed(server: Server, space: str) -> list[dict[str, Any]]:
    response = server.api.get(f"{space}/api/actions/connectors")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_servicenow_connector_is_created_edited_tested_and_deleted(
    page: Page, server: Server, space: str
) -> None:
    name = f"ServiceNow {uuid.uuid4().hex[:6]}"
    sign_in(page, path=f"{space}{CONNECTORS}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connectors")
    expect(page.get_by_text("No connectors in this space yet.")).to_be_visible()

    # Create.
    page.get_by_role("button", name="Create connector").click()
    page.get_by_label("Connector type (required)").select_option(label="ServiceNow ITSM")
    page.get_by_label("Connector name (required)").fill(name)
    page.get_by_label("ServiceNow instance URL (required)").fill(DEAD_URL)
    page.get_by_label("Username (required)").fill("admin")
    page.get_by_label("Password (required)").fill(PASSWORD)
    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_role("status")).to_have_text(f"Created connector {name}.")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("ServiceNow ITSM")
    [connector] = listed(server, space)
    shown = server.api.get(f"{space}/api/actions/connector/{connector['id']}").json()
    assert shown == {
        "id": connector["id"],
        "name": name,
        "connector_type_id": ".servicenow",
        "config": {
            "apiUrl": DEAD_URL,
            "isOAuth": False,
            "usesTableApi": False,
            "userIdentifierValue": None,
            "clientId": None,
            "jwtKeyId": None,
        },
        "is_preconfigured": False,
        "is_deprecated": False,
        "is_missing_secrets": False,
        "is_system_action": False,
    }
    expect(row).to_contain_text(connector["id"])
    assert PASSWORD not in page.content()

    # Edit: the name changes; the secrets must be given again (the PUT replaces them).
    page.get_by_role("button", name=f"Edit {name}").click()
    expect(page.get_by_label("ServiceNow instance URL (required)")).to_have_value(DEAD_URL)
    expect(page.get_by_label("Password (required)")).to_have_value("")
    renamed = f"{name} renamed"
    page.get_by_label("Connector name (required)").fill(renamed)
    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_role("alert")).to_have_text("Username is required. Password is required.")
    assert listed(server, space)[0]["name"] == name
    page.get_by_label("Username (required)").fill("admin")
    page.get_by_label("Password (required)").fill(PASSWORD)
    page.get_by_role("button", name="Save connector").click()
    expect(page.get_by_role("status")).to_have_text(f"Saved connector {renamed}.")
    [edited] = listed(server, space)
    assert (edited["name"], edited["config"]) == (renamed, shown["config"])

    # Test: the run fails (nothing listens), and the page says what the API said.
    page.get_by_role("button", name=f"Test {renamed}").click()
    params = page.get_by_label("Parameters (JSON)")
    expect(params).to_have_value('{\n  "subAction": "getFields",\n  "subActionParams": {}\n}')
    page.get_by_role("button", name="Run").click()
    result = page.get_by_role("region", name="Test result")
    expect(result).to_contain_text("error")
    run = server.api.post(
        f"{space}/api/actions/connector/{connector['id']}/_execute",
        json={"params": {"subAction": "getFields", "subActionParams": {}}},
    ).json()
    assert run["status"] == "error"
    expect(result).to_contain_text(run["message"])
    expect(result).to_contain_text(run["service_message"])

    # Delete, once confirmed.
    page.get_by_role("button", name=f"Delete {renamed}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Delete connector {renamed}?")
    dialog.get_by_role("button", name="Cancel").click()
    assert len(listed(server, space)) == 1
    page.get_by_role("button", name=f"Delete {renamed}").click()
    dialog.get_by_role("button", name="Delete connector").click()
    expect(page.get_by_role("status")).to_have_text(f"Deleted connector {renamed}.")
    expect(page.get_by_text("No connectors in this space yet.")).to_be_visible()
    assert listed(server, space) == []
    assert server.api.get(f"{space}/api/actions/connector/{connector['id']}").status_code == 404


def test_an_api_refusal_is_shown_as_kibana_words_it(page: Page, server: Server, space: str) -> None:
    sign_in(page, path=f"{space}{CONNECTORS}")
    page.get_by_role("button", name="Create connector").click()
    page.get_by_label("Connector type (required)").select_option(label="Jira")
    page.get_by_label("Connector name (required)").fill("Jira")
    page.get_by_label("Jira URL (required)").fill("not a url")
    page.get_by_label("Project key (required)").fill("OC")
    page.get_by_label("Email (required)").fill("someone@example.com")
    page.get_by_label("API token (required)").fill("a-token")
    page.get_by_role("button", name="Save connector").click()
    refused = server.api.post(
        f"{space}/api/actions/connector",
        json={
            "name": "Jira",
            "connector_type_id": ".jira",
            "config": {"apiUrl": "not a url", "projectKey": "OC"},
            "secrets": {"email": "someone@example.com", "apiToken": "a-token"},
        },
    )
    assert refused.status_code == 400
    expect(page.get_by_role("alert")).to_have_text(refused.json()["message"])
    expect(page.get_by_label("Project key (required)")).to_have_value("OC")
    assert listed(server, space) == []
