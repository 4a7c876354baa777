"""The issue's story, end to end in a browser, on each database.

The `elastic` user signs in, picks a space, sees the case list, opens a case, writes a
Markdown comment, changes its status and severity, sets `close-by-pushing` and adds a
custom field on the settings page, and pushes the case to its connector, which closes it.
Each step is seen at once through the API, and a change made through the API is seen at
the next page load.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.conftest import Server, create_case, sign_in_on_the_login_page, webhook_connector

CASES = "/app/security/cases"


def test_an_analyst_works_a_case_from_sign_in_to_closing_by_pushing(
    page: Page, server: Server, space: str, external: str
) -> None:
    connector = webhook_connector(server, space, external)
    case = create_case(
        server,
        space,
        title="Beaconing from FIN-WS-042",
        owner="securitySolution",
        connector=connector,
    )
    api_case = f"{space}/api/cases/{case['id']}"

    # Sign in, then pick the space the case lives in.
    sign_in_on_the_login_page(page, path="/")
    page.get_by_role("navigation", name="Applications").get_by_role(
        "link", name="Security cases"
    ).click()
    page.get_by_label("Space").select_option(space.removeprefix("/s/"))
    table = page.get_by_role("table", name="Cases")
    expect(table).to_contain_text("Beaconing from FIN-WS-042")
    table.get_by_role("link", name="Beaconing from FIN-WS-042").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beaconing from FIN-WS-042")

    # A Markdown comment.
    page.get_by_label("Comment", exact=True).fill("Isolated the host. **Contained.**")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("main strong", has_text="Contained.")).to_be_visible()
    comments = server.api.get(f"{api_case}/comments/_find").json()["comments"]
    assert [comment["comment"] for comment in comments] == ["Isolated the host. **Contained.**"]

    # Status and severity.
    page.get_by_label("Status", exact=True).select_option("in-progress")
    expect(page.locator("main")).to_contain_text("changed the status to In progress")
    page.get_by_label("Severity", exact=True).select_option("high")
    expect(page.locator("main")).to_contain_text("changed the severity to High")
    stored = server.api.get(api_case).json()
    assert (stored["status"], stored["severity"]) == ("in-progress", "high")

    # The settings: close by pushing, the connector, and a custom field.
    page.goto(f"{space}{CASES}/configure")
    page.get_by_label("Close cases when pushed to an external system").check()
    page.get_by_label("Default connector").select_option(connector["id"])
    page.get_by_label("Custom field label").fill("Ticket")
    page.get_by_role("button", name="Add custom field").click()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    [configuration] = server.api.get(
        f"{space}/api/cases/configure", params={"owner": "securitySolution"}
    ).json()
    assert configuration["closure_type"] == "close-by-pushing"
    assert configuration["connector"]["id"] == connector["id"]
    assert [field["label"] for field in configuration["customFields"]] == ["Ticket"]

    # A change made through the API shows at the next page load.
    latest = server.api.get(api_case).json()
    renamed = server.api.patch(
        f"{space}/api/cases",
        json={"cases": [{"id": case["id"], "version": latest["version"], "title": "Beacon"}]},
    )
    assert renamed.status_code == 200, renamed.text
    page.goto(f"{space}{CASES}/{case['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beacon")
    expect(page.get_by_label("Ticket")).to_be_visible()

    # The push opens the incident and, by the settings, closes the case.
    incident = page.get_by_role("region", name="External incident")
    incident.get_by_role("button", name="Push as new incident").click()
    expect(incident.get_by_role("link", name="INC001")).to_be_visible()
    expect(page.locator("main")).to_contain_text("changed the status to Closed")
    pushed = server.api.get(api_case).json()
    assert pushed["status"] == "closed"
    assert pushed["external_service"]["external_title"] == "INC001"
