"""The case list: counts, search (`#number` too), filters, sorting, paging and bulk actions."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.ui.conftest import USER_PASSWORD, Server, create_case, make_user, read_only, sign_in

CASES = "/app/management/insightsAndAlerting/cases"
CASE_BODY = {
    "description": "What happened.",
    "tags": [],
    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    "settings": {"syncAlerts": False},
    "owner": "cases",
}


def names(page: Page) -> Locator:
    """The case titles the table shows, in order."""
    return page.get_by_role("table", name="Cases").locator("tbody td a")


def test_the_list_shows_the_owner_s_cases_with_counts_and_finds_by_number(
    page: Page, server: Server, space: str
) -> None:
    first = create_case(server, space, title="Phishing wave", tags=["phishing"])
    create_case(server, space, title="Ransomware on a host", severity="critical")
    create_case(server, space, title="Another owner's case", owner="securitySolution")
    server.api.patch(
        f"{space}/api/cases",
        json={"cases": [{"id": first["id"], "version": first["version"], "status": "closed"}]},
    )
    sign_in(page, path=space + CASES)
    table = page.get_by_role("table", name="Cases")
    expect(table.locator("tbody tr")).to_have_count(2)
    counts = page.get_by_label("Cases by status")
    expect(counts).to_contain_text("1Open cases")
    expect(counts).to_contain_text("0In progress cases")
    expect(counts).to_contain_text("1Closed cases")

    page.get_by_label("Search cases").fill(f"#{first['incremental_id']}")
    page.get_by_role("button", name="Search").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Phishing wave")
    # The filters are kept in the page's address: a reload shows the same list.
    page.reload()
    expect(page.get_by_label("Search cases")).to_have_value(f"#{first['incremental_id']}")
    expect(table.locator("tbody tr")).to_have_count(1)


def test_filters_sorting_and_paging_ask_the_api_as_kibana_s_list_does(
    page: Page, server: Server, space: str
) -> None:
    for number in range(12):
        create_case(
            server,
            space,
            title=f"Case {number:02}",
            tags=["even" if number % 2 == 0 else "odd"],
            severity="high" if number < 3 else "low",
            category="malware" if number == 5 else None,
        )
    sign_in(page, path=space + CASES)
    table = page.get_by_role("table", name="Cases")
    expect(table.locator("tbody tr")).to_have_count(10)
    page.get_by_role("button", name="Name").click()  # by title, newest first: descending
    expect(table.locator("tbody tr").first).to_contain_text("Case 11")
    page.get_by_role("button", name="Name").click()
    expect(table.locator("tbody tr").first).to_contain_text("Case 00")
    page.get_by_role("button", name="Next page").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(names(page)).to_have_text(["Case 10", "Case 11"])

    page.get_by_label("Severity", exact=True).select_option("high")
    expect(table.locator("tbody tr")).to_have_count(3)
    page.get_by_label("Tags").select_option("odd")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(names(page)).to_have_text(["Case 01"])
    page.get_by_label("Severity", exact=True).select_option("")
    page.get_by_label("Tags").select_option("")
    page.get_by_label("Category").select_option("malware")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(names(page)).to_have_text(["Case 05"])


def test_bulk_status_change_and_delete_are_seen_by_the_api(
    page: Page, server: Server, space: str
) -> None:
    cases = [create_case(server, space, title=f"Bulk {number}") for number in range(3)]
    sign_in(page, path=space + CASES)
    page.get_by_label("Select Bulk 0").check()
    page.get_by_label("Select Bulk 1").check()
    page.get_by_role("button", name="Mark as in progress").click()
    expect(page.get_by_role("status")).to_have_text("Updated 2 cases")
    statuses = {
        item["title"]: item["status"]
        for item in server.api.get(f"{space}/api/cases/_find").json()["cases"]
    }
    assert statuses == {"Bulk 0": "in-progress", "Bulk 1": "in-progress", "Bulk 2": "open"}

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Select Bulk 2").check()
    page.get_by_role("button", name="Delete cases").click()
    expect(page.get_by_role("status")).to_have_text("Deleted 1 case")
    remaining = server.api.get(f"{space}/api/cases/_find").json()
    assert sorted(item["id"] for item in remaining["cases"]) == sorted(
        item["id"] for item in cases[:2]
    )


def test_a_reader_is_offered_no_create_settings_or_bulk_actions(
    page: Page, server: Server, space: str
) -> None:
    create_case(server, space, title="Read only")
    reader = make_user(server, read_only("generalCases"))
    sign_in(page, reader, USER_PASSWORD, path=space + CASES)
    expect(page.get_by_role("table", name="Cases")).to_contain_text("Read only")
    expect(page.get_by_role("link", name="Create case")).to_have_count(0)
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete cases")).to_have_count(0)


def test_the_status_assignee_and_reporter_filters_ask_the_api(
    page: Page, server: Server, space: str
) -> None:
    analyst = make_user(
        server, [{"base": ["all"], "spaces": ["*"]}], username="ui_list_analyst", full_name="Ana"
    )
    me = server.api.get("/internal/security/me", auth=(analyst, USER_PASSWORD)).json()
    assigned = create_case(server, space, title="Assigned", assignees=[{"uid": me["profile_uid"]}])
    closed = create_case(server, space, title="Closed one")
    server.api.patch(
        f"{space}/api/cases",
        json={"cases": [{"id": closed["id"], "version": closed["version"], "status": "closed"}]},
    )
    reported = server.api.post(
        f"{space}/api/cases",
        auth=(analyst, USER_PASSWORD),
        json={**CASE_BODY, "title": "Reported by Ana"},
    )
    assert reported.status_code == 200, reported.text
    sign_in(page, path=space + CASES)
    table = page.get_by_role("table", name="Cases")
    expect(table.locator("tbody tr")).to_have_count(3)

    page.get_by_label("Status", exact=True).select_option("closed")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(names(page)).to_have_text(["Closed one"])
    page.get_by_label("Status", exact=True).select_option("")
    page.get_by_label("Assignees").select_option(me["profile_uid"])
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(names(page)).to_have_text([assigned["title"]])
    page.get_by_label("Assignees").select_option("none")
    expect(table.locator("tbody tr")).to_have_count(2)
    page.get_by_label("Assignees").select_option("")
    page.get_by_label("Reporter").select_option("ui_list_analyst")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(names(page)).to_have_text(["Reported by Ana"])


def test_a_page_loads_less_than_200_kb_of_files_gzipped(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space, title="Weighed")
    sizes: dict[str, int] = {}
    page.on(
        "requestfinished",
        lambda request: sizes.__setitem__(request.url, request.sizes()["responseBodySize"]),
    )
    sign_in(page, path=f"{space}{CASES}/{case['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Weighed")
    page.wait_for_load_state("networkidle")
    files = {url: size for url, size in sizes.items() if "/ui/" in url or url.endswith(case["id"])}
    assert any(url.endswith("/ui/vendor/purify.es.mjs") for url in files)
    assert sum(files.values()) < 200_000, files
