"""What a user whose role only reads may do on each page: see, never change.

On each database (the pages' other tests run on SQLite: what they draw does not depend on
it); the list's reader is in tests/ui/test_list.py, the forged write in test_shell.py.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.ui.conftest import (
    USER_PASSWORD,
    Server,
    create_case,
    make_user,
    read_only,
    sign_in,
    webhook_connector,
)
from tests.ui.test_case import add_comment, open_case
from tests.ui.test_connectors import CONNECTORS, DEAD_URL

CASES = "/app/management/insightsAndAlerting/cases"


def test_a_reader_sees_the_case_but_no_control_to_change_it(
    page: Page, server: Server, space: str
) -> None:
    username = make_user(server, read_only("generalCases"))
    connector = webhook_connector(server, space, "http://127.0.0.1:9")
    case = create_case(server, space, connector=connector, tags=["seen"])
    add_comment(server, space, case["id"], "Read **me**")
    observable = {"typeKey": "observable-type-ipv4", "value": "10.0.0.1", "description": None}
    added = server.api.post(
        f"{space}/internal/cases/{case['id']}/observables", json={"observable": observable}
    )
    assert added.status_code == 200, added.text

    open_case(page, space, case, username, USER_PASSWORD)

    main = page.locator("main")
    expect(page.get_by_role("article", name="Comment by elastic").locator("strong")).to_have_text(
        "me"
    )
    expect(page.get_by_role("region", name="Observables")).to_contain_text("10.0.0.1")
    expect(page.get_by_role("region", name="External incident")).to_contain_text(
        "Connector: Tracker"
    )
    expect(main.locator(".case-tags .tag")).to_have_text(["seen"])
    expect(main.get_by_role("button")).to_have_count(0)
    expect(main.get_by_role("textbox")).to_have_count(0)
    expect(main.get_by_role("combobox")).to_have_count(0)
    expect(main.get_by_role("checkbox")).to_have_count(0)
    expect(main.locator("input, textarea, select, form")).to_have_count(0)


def test_a_role_that_may_not_create_cases_is_told_so(
    page: Page, server: Server, space: str
) -> None:
    name = make_user(server, read_only("generalCases"))
    sign_in(page, name, USER_PASSWORD, path=f"{space}{CASES}/create")
    expect(page.locator("main .notice")).to_have_text(
        "Your role does not let you create cases here."
    )
    expect(page.get_by_role("button", name="Create case")).to_have_count(0)


def test_a_reader_sees_the_settings_but_cannot_save_them(
    page: Page, server: Server, space: str
) -> None:
    saved = server.api.post(
        f"{space}/api/cases/configure",
        json={
            "owner": "cases",
            "closure_type": "close-by-pushing",
            "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
            "observableTypes": [{"key": "ticket", "label": "Ticket"}],
        },
    )
    assert saved.status_code == 200, saved.text
    name = make_user(server, read_only("generalCases"))
    sign_in(page, name, USER_PASSWORD, path=f"{space}{CASES}/configure")
    expect(page.locator("main .notice")).to_have_text(
        "Your role lets you see these settings, not change them."
    )
    expect(page.get_by_label("Close cases when pushed to an external system")).to_be_checked()
    expect(page.get_by_label("Close cases when pushed to an external system")).to_be_disabled()
    expect(page.get_by_text("Ticket")).to_be_visible()
    expect(page.get_by_role("button", name="Save settings")).to_have_count(0)
    expect(page.get_by_role("button", name="Add custom field")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove observable type Ticket")).to_have_count(0)


def test_a_reader_may_test_but_not_change_connectors(
    page: Page, server: Server, space: str
) -> None:
    name = f"TheHive {uuid.uuid4().hex[:6]}"
    created = server.api.post(
        f"{space}/api/actions/connector",
        json={
            "name": name,
            "connector_type_id": ".thehive",
            "config": {"url": DEAD_URL},
            "secrets": {"apiKey": "a-key"},
        },
    )
    assert created.status_code == 200, created.text
    user = make_user(server, read_only("actions"))
    sign_in(page, user, USER_PASSWORD, path=f"{space}{CONNECTORS}")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("TheHive")
    expect(page.get_by_role("button", name=f"Test {name}")).to_be_visible()
    expect(page.get_by_role("button", name="Create connector")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Edit {name}")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Delete {name}")).to_have_count(0)
