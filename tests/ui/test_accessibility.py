"""Accessibility: axe-core finds no serious or critical violation; the keyboard reaches all.

axe-core (vendored in tests/ui/vendor/) is evaluated in each page through the browser's
debugging protocol, as an audit tool runs: the pages' own policy refuses inline scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.ui.conftest import Server, create_case, sign_in

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# What a page draws does not depend on the database: the server runs on SQLite alone.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CASES = "/app/management/insightsAndAlerting/cases"


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.evaluate(AXE)
    results: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": found["id"], "help": found["help"], "nodes": [n["html"] for n in found["nodes"]]}
        for found in results["violations"]
        if found["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", ["", "/create", "/configure", "/{case}"])
def test_the_pages_have_no_serious_accessibility_violation(
    page: Page, server: Server, space: str, path: str
) -> None:
    case = create_case(server, space, title="An accessible case", tags=["a11y"])
    server.api.post(
        f"{space}/api/cases/{case['id']}/comments",
        json={"type": "user", "comment": "A **comment**", "owner": "cases"},
    )
    sign_in(page, path=space + CASES + path.replace("{case}", case["id"]))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []


def test_the_login_page_has_no_serious_accessibility_violation(page: Page) -> None:
    page.goto("/login")
    assert serious_violations(page) == []


def test_the_list_is_worked_with_the_keyboard_alone(page: Page, server: Server, space: str) -> None:
    create_case(server, space, title="Reached by keyboard")
    sign_in(page, path=space + CASES)
    expect(page.get_by_role("table", name="Cases")).to_contain_text("Reached by keyboard")
    # Tab from the top of the page to the case's link, then open it with Enter.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Reached by keyboard":
            break
    else:
        raise AssertionError("the case's link is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reached by keyboard")
