"""User text is shown as text on every page: no script of it runs, no markup of it is made.

Each payload sets `window.__xss` if it ever runs. The pages would refuse inline scripts
anyway (their Content-Security-Policy), and say so on the console: the tests also assert
the console stayed free of errors, which shows no payload even reached the HTML parser.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.ui.conftest import Server, create_case, sign_in

# What a page draws does not depend on the database: the server runs on SQLite alone.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CASES = "/app/management/insightsAndAlerting/cases"
CONNECTORS = "/app/management/insightsAndAlerting/triggersActionsConnectors/connectors"
SCRIPT = "<script>window.__xss = 1</script>"
IMAGE = '"><img src=x onerror="window.__xss = 1">'
LINK = "javascript:window.__xss = 1"


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """The console errors the page logs."""
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", note)
    return errors


def assert_nothing_ran(page: Page, console_errors: list[str]) -> None:
    """No payload ran, made an element, or was refused by the page's policy."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") is None
    assert page.locator("main script, main img[src='x'], main [onerror]").count() == 0
    assert page.locator("main a[href^='javascript:']").count() == 0
    assert console_errors == []


@pytest.fixture
def hostile(server: Server, space: str) -> dict[str, str]:
    """Every kind of user text, holding the payloads, made through the API in `space`."""
    configuration = {
        "owner": "cases",
        "closure_type": "close-by-user",
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        "customFields": [
            {"key": "evil_text", "label": IMAGE, "type": "text", "required": False},
        ],
        "templates": [
            {
                "key": "evil_template",
                "name": SCRIPT,
                "caseFields": {
                    "title": IMAGE,
                    "customFields": [{"key": "evil_text", "type": "text", "value": IMAGE}],
                },
            }
        ],
    }
    response = server.api.post(f"{space}/api/cases/configure", json=configuration)
    assert response.status_code == 200, response.text
    connector = server.api.post(
        f"{space}/api/actions/connector",
        json={
            "name": SCRIPT + IMAGE,
            "connector_type_id": ".jira",
            "config": {"apiUrl": "http://127.0.0.1:9", "projectKey": "XSS"},
            "secrets": {"email": "a@b.c", "apiToken": "token"},
        },
    )
    assert connector.status_code == 200, connector.text
    case = create_case(
        server,
        space,
        title=SCRIPT + IMAGE,
        description=f"{SCRIPT}\n\n{IMAGE}\n\n[click me]({LINK})",
        tags=[SCRIPT, IMAGE],
        category=IMAGE[:50],
        customFields=[{"key": "evil_text", "type": "text", "value": SCRIPT}],
    )
    comment = {"type": "user", "comment": f"{IMAGE} [click]({LINK}) {SCRIPT}", "owner": "cases"}
    response = server.api.post(f"{space}/api/cases/{case['id']}/comments", json=comment)
    assert response.status_code == 200, response.text
    return {"case": case["id"], "connector": connector.json()["id"]}


def test_the_list_shows_hostile_titles_tags_and_categories_as_text(
    page: Page, space: str, hostile: dict[str, str], console_errors: list[str]
) -> None:
    sign_in(page, path=space + CASES)
    table = page.get_by_role("table", name="Cases")
    expect(table).to_contain_text(SCRIPT + IMAGE)
    expect(table).to_contain_text(IMAGE[:50])
    assert_nothing_ran(page, console_errors)


def test_the_case_shows_hostile_text_comments_and_fields_as_text(
    page: Page, space: str, hostile: dict[str, str], console_errors: list[str]
) -> None:
    sign_in(page, path=f"{space}{CASES}/{hostile['case']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(SCRIPT + IMAGE)
    expect(page.locator("main")).to_contain_text("click me")
    expect(page.locator("main")).to_contain_text(IMAGE)
    assert_nothing_ran(page, console_errors)


@pytest.mark.parametrize("path", [f"{CASES}/create", f"{CASES}/configure", CONNECTORS])
def test_forms_show_hostile_labels_templates_and_connector_names_as_text(
    page: Page, space: str, hostile: dict[str, str], console_errors: list[str], path: str
) -> None:
    sign_in(page, path=space + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    if path == CONNECTORS:
        expect(page.locator("main")).to_contain_text(SCRIPT + IMAGE)
    elif path.endswith("/configure"):
        expect(page.locator("main")).to_contain_text(SCRIPT)
    assert_nothing_ran(page, console_errors)
