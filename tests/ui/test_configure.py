"""The case settings page: closures, default connector, custom fields, templates, observables."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.ui.conftest import Server, sign_in

# What these tests check is drawn alike on both databases: they run on SQLite
# (tests/ui/test_roles.py and test_story.py run on each).
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CASES = "/app/management/insightsAndAlerting/cases"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def configuration(server: Server, space: str) -> list[dict[str, Any]]:
    response = server.api.get(f"{space}/api/cases/configure", params={"owner": "cases"})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_settings_saved_in_the_page_are_what_the_api_then_says(
    page: Page, server: Server, space: str
) -> None:
    name = f"ServiceNow {uuid.uuid4().hex[:6]}"
    connector = server.api.post(
        f"{space}/api/actions/connector",
        json={
            "name": name,
            "connector_type_id": ".servicenow",
            "config": {"apiUrl": "http://127.0.0.1:9", "usesTableApi": False},
            "secrets": {"username": "admin", "password": "a-password"},
        },
    )
    assert connector.status_code == 200, connector.text
    connector_id = connector.json()["id"]
    sign_in(page, path=f"{space}{CASES}/configure")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases settings")
    expect(page.get_by_label("Close cases manually")).to_be_checked()
    expect(page.get_by_text("No custom fields.")).to_be_visible()

    page.get_by_label("Close cases when pushed to an external system").check()
    page.get_by_label("Default connector").select_option(label=name)
    page.get_by_label("Custom field label").fill("Impact")
    page.get_by_label("Custom field type").select_option("text")
    page.get_by_label("Required", exact=True).check()
    page.get_by_label("Default value").fill("limited")
    page.get_by_role("button", name="Add custom field").click()
    page.get_by_label("Template name").fill("Phishing")
    page.get_by_label("Template tags").fill("mail, triage")
    page.get_by_label("Template description").fill("A reported mail.")
    page.get_by_label("Case title").fill("Phishing report")
    page.get_by_label("Case severity").select_option("high")
    page.get_by_role("button", name="Add template").click()
    page.get_by_label("Observable type label").fill("Ticket")
    page.get_by_role("button", name="Add observable type").click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")

    [saved] = configuration(server, space)
    assert saved["closure_type"] == "close-by-pushing"
    assert saved["connector"] == {
        "id": connector_id,
        "name": name,
        "type": ".servicenow",
        "fields": None,
    }
    [field] = saved["customFields"]
    assert field == {
        "key": field["key"],
        "label": "Impact",
        "type": "text",
        "required": True,
        "defaultValue": "limited",
    }
    assert UUID.fullmatch(field["key"])
    [template] = saved["templates"]
    assert template == {
        "key": template["key"],
        "name": "Phishing",
        "description": "A reported mail.",
        "tags": ["mail", "triage"],
        "caseFields": {
            "title": "Phishing report",
            "severity": "high",
            "customFields": [{"key": field["key"], "type": "text", "value": "limited"}],
        },
    }
    [observable] = saved["observableTypes"]
    assert observable["label"] == "Ticket"
    assert UUID.fullmatch(observable["key"])

    # A reload shows what was saved.
    page.reload()
    expect(page.get_by_label("Close cases when pushed to an external system")).to_be_checked()
    expect(page.get_by_label("Default connector")).to_have_value(connector_id)
    expect(page.get_by_role("row", name="Impact Text Yes limited")).to_be_visible()
    expect(page.get_by_role("row", name="Phishing")).to_contain_text("Phishing report")
    expect(page.get_by_role("button", name="Remove observable type Ticket")).to_be_visible()

    # A second save changes the configuration at its version.
    page.get_by_role("button", name="Remove observable type Ticket").click()
    page.get_by_label("Close cases manually").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    [changed] = configuration(server, space)
    assert (changed["id"], changed["closure_type"], changed["observableTypes"]) == (
        saved["id"],
        "close-by-user",
        [],
    )
    assert changed["version"] != saved["version"]
    assert changed["customFields"] == saved["customFields"]


def test_a_stale_version_is_refused_with_kibana_s_message(
    page: Page, server: Server, space: str
) -> None:
    created = server.api.post(
        f"{space}/api/cases/configure",
        json={
            "owner": "cases",
            "closure_type": "close-by-user",
            "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        },
    )
    assert created.status_code == 200, created.text
    sign_in(page, path=f"{space}{CASES}/configure")
    expect(page.get_by_label("Close cases manually")).to_be_checked()
    # Someone else saves meanwhile.
    patched = server.api.patch(
        f"{space}/api/cases/configure/{created.json()['id']}",
        json={"closure_type": "close-by-pushing", "version": created.json()["version"]},
    )
    assert patched.status_code == 200, patched.text
    page.get_by_label("Observable type label").fill("Ticket")
    page.get_by_role("button", name="Add observable type").click()
    page.get_by_role("button", name="Save settings").click()
    stale = server.api.patch(
        f"{space}/api/cases/configure/{created.json()['id']}",
        json={"observableTypes": [], "version": created.json()["version"]},
    )
    assert stale.status_code == 409
    expect(page.get_by_role("alert")).to_have_text(stale.json()["message"])
    [kept] = configuration(server, space)
    assert (kept["closure_type"], kept["observableTypes"]) == ("close-by-pushing", [])
