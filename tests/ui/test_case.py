"""The case page: a case, its activity, its edits, files, observables and push, in a browser.

Each test does something on the page, then asks the API what the server now holds.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.ui.conftest import (
    PASSWORD,
    Server,
    create_case,
    make_user,
    sign_in,
    webhook_connector,
)

# What these tests check is drawn alike on both databases: they run on SQLite
# (tests/ui/test_roles.py and test_story.py run on each).
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)

CASES = "/app/management/insightsAndAlerting/cases"
NO_CONNECTOR = {"id": "none", "name": "none", "type": ".none", "fields": None}


def open_case(
    page: Page,
    space: str,
    case: dict[str, Any],
    username: str = "elastic",
    password: str = PASSWORD,
) -> None:
    """Sign in on the case's page and wait for it to show the case."""
    sign_in(page, username, password, path=f"{space}{CASES}/{case['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(case["title"])


def accept_dialogs(page: Page) -> None:
    """Say yes to every confirm() of the page."""

    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)


def get_case(server: Server, space: str, case_id: str) -> dict[str, Any]:
    response = server.api.get(f"{space}/api/cases/{case_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def comments_of(server: Server, space: str, case_id: str) -> list[dict[str, Any]]:
    response = server.api.get(f"{space}/api/cases/{case_id}/comments/_find")
    assert response.status_code == 200, response.text
    return list(response.json()["comments"])


def add_comment(server: Server, space: str, case_id: str, text: str) -> dict[str, Any]:
    body = {"type": "user", "comment": text, "owner": "cases"}
    response = server.api.post(f"{space}/api/cases/{case_id}/comments", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def events(page: Page) -> Locator:
    """The feed's events other than comments, in words."""
    return page.locator(".case-feed .case-event-line .what")


def test_a_case_shows_its_number_title_and_markdown_but_no_scripts(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space, title="Suspicious login", description="Some **bold** words")
    add_comment(
        server,
        space,
        case["id"],
        'Look <script>window.pwned = 1</script><img src="x.png" onerror="window.pwned = 2"> *here*',
    )

    open_case(page, space, case)

    expect(page.locator(".case-number")).to_have_text(f"#{case['incremental_id']}")
    description = page.get_by_role("region", name="Description")
    expect(description.locator("strong")).to_have_text("bold")
    comment = page.get_by_role("article", name="Comment by elastic")
    expect(comment.locator("em")).to_have_text("here")
    expect(comment.locator("script")).to_have_count(0)
    expect(comment.locator("img[onerror]")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    expect(events(page)).to_have_text(["created the case"])


def test_an_unknown_case_is_said_to_be_not_found(page: Page, space: str) -> None:
    sign_in(page, path=f"{space}{CASES}/no-such-case")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case not found")
    expect(page.get_by_role("link", name="Back to Cases")).to_be_visible()


def test_a_comment_written_on_the_page_is_in_the_feed_and_the_api(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space)
    open_case(page, space, case)

    page.get_by_label("Comment", exact=True).fill("First look: **nothing** yet")
    page.get_by_role("button", name="Add comment").click()

    comment = page.get_by_role("article", name="Comment by elastic")
    expect(comment.locator("strong")).to_have_text("nothing")
    expect(page.get_by_label("Comment", exact=True)).to_have_value("")
    [stored] = comments_of(server, space, case["id"])
    assert (stored["type"], stored["comment"]) == ("user", "First look: **nothing** yet")


def test_a_long_activity_shows_its_oldest_and_newest_pages_and_reads_the_middle_on_demand(
    page: Page, server: Server, space: str
) -> None:
    """Kibana's case view reads the first and last pages of the activity, and more on demand."""
    case = create_case(server, space)
    for first in range(1, 231, 100):
        comments = [
            {"type": "user", "comment": f"Note {number}", "owner": "cases"}
            for number in range(first, min(first + 100, 231))
        ]
        path = f"{space}/internal/cases/{case['id']}/attachments/_bulk_create"
        response = server.api.post(path, json=comments, headers={"x-elastic-internal-origin": "t"})
        assert response.status_code == 200, response.text
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if "user_actions/_find" in r.url else None)
    open_case(page, space, case)

    # The create and 230 comments: the oldest 100 and the newest 100 are read, 31 are not.
    notes = page.locator(".case-feed article")
    expect(notes).to_have_count(199)
    expect(notes.first).to_contain_text("Note 1")
    expect(notes.nth(98)).to_contain_text("Note 99")
    expect(notes.nth(99)).to_contain_text("Note 131")
    expect(notes.last).to_contain_text("Note 230")
    assert len(reads) == 2

    page.get_by_role("button", name="Show more activity (31 changes not shown)").click()

    expect(notes).to_have_count(230)
    expect(notes.nth(99)).to_contain_text("Note 100")
    expect(notes.nth(129)).to_contain_text("Note 130")
    expect(page.get_by_role("button", name="Show more activity")).to_have_count(0)
    assert len(reads) == 3


def test_a_comment_is_edited_then_deleted(page: Page, server: Server, space: str) -> None:
    case = create_case(server, space)
    add_comment(server, space, case["id"], "A typo hree")
    accept_dialogs(page)
    open_case(page, space, case)
    comment = page.get_by_role("article", name="Comment by elastic")

    comment.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit comment").fill("A typo here")
    page.get_by_role("button", name="Save comment").click()

    expect(comment.locator(".markdown")).to_have_text("A typo here")
    expect(comment).to_contain_text("(edited")
    [stored] = comments_of(server, space, case["id"])
    assert stored["comment"] == "A typo here"

    comment.get_by_role("button", name="Delete").click()

    expect(comment).to_have_count(0)
    expect(events(page)).to_have_text(["created the case", "edited a comment", "removed a comment"])
    assert comments_of(server, space, case["id"]) == []


def test_status_and_severity_changes_are_in_the_feed_in_words_and_in_the_api(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space)
    open_case(page, space, case)

    page.get_by_label("Status").select_option("In progress")
    expect(events(page)).to_have_text(["created the case", "changed the status to In progress"])
    page.get_by_label("Severity").select_option("High")

    expect(events(page)).to_have_text(
        ["created the case", "changed the status to In progress", "changed the severity to High"]
    )
    header = page.locator(".case-header")
    expect(header.locator(".badge")).to_have_text(["In progress", "High"])
    stored = get_case(server, space, case["id"])
    assert (stored["status"], stored["severity"]) == ("in-progress", "high")


def test_title_description_tags_and_category_are_edited(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space, title="Old title", tags=["keep"])
    open_case(page, space, case)

    page.get_by_role("button", name="Edit title").click()
    page.get_by_label("Title").fill("New title")
    page.get_by_role("button", name="Save title").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New title")
    expect(page.get_by_role("button", name="Edit title")).to_be_focused()

    page.get_by_role("button", name="Edit description").click()
    page.get_by_role("textbox", name="Description", exact=True).fill(
        "Now with a [link](https://example.com)"
    )
    page.get_by_role("button", name="Save description").click()
    expect(page.get_by_role("region", name="Description").get_by_role("link")).to_have_text("link")

    page.get_by_role("button", name="Edit tags").click()
    page.get_by_label("Tags").fill("keep, phishing, mail")
    page.get_by_role("button", name="Save tags").click()
    expect(page.locator(".case-tags .tag")).to_have_text(["keep", "phishing", "mail"])

    page.get_by_role("button", name="Edit category").click()
    page.get_by_label("Category").fill("Network")
    page.get_by_role("button", name="Save category").click()

    expect(events(page)).to_have_text(
        [
            "created the case",
            "edited the title to “New title”",
            "edited the description",
            "added tags phishing, mail",
            "changed the category to Network",
        ]
    )
    stored = get_case(server, space, case["id"])
    assert stored["title"] == "New title"
    assert stored["description"] == "Now with a [link](https://example.com)"
    assert stored["tags"] == ["keep", "phishing", "mail"]
    assert stored["category"] == "Network"


def test_a_stale_edit_shows_kibanas_conflict_and_the_new_version(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space, title="Before")
    open_case(page, space, case)
    changed = server.api.patch(
        f"{space}/api/cases",
        json={"cases": [{"id": case["id"], "version": case["version"], "title": "Elsewhere"}]},
    )
    assert changed.status_code == 200, changed.text

    page.get_by_label("Severity").select_option("Critical")

    expect(page.get_by_role("alert")).to_contain_text("has been updated")
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere")
    assert get_case(server, space, case["id"])["severity"] == "low"


def test_custom_fields_are_set_as_configured(page: Page, server: Server, space: str) -> None:
    configuration = {
        "connector": NO_CONNECTOR,
        "closure_type": "close-by-user",
        "owner": "cases",
        "customFields": [
            {"key": "team", "label": "Team", "type": "text", "required": False},
            {"key": "urgent", "label": "Urgent", "type": "toggle", "required": False},
            {"key": "hosts", "label": "Hosts", "type": "number", "required": False},
        ],
    }
    configured = server.api.post(f"{space}/api/cases/configure", json=configuration)
    assert configured.status_code == 200, configured.text
    case = create_case(server, space)
    open_case(page, space, case)

    page.get_by_label("Team").fill("Blue")
    page.get_by_label("Urgent").check()
    page.get_by_label("Hosts").fill("3")
    page.get_by_role("button", name="Save custom fields").click()

    expect(events(page)).to_have_text(
        ["created the case", "changed Team to Blue", "turned on Urgent", "changed Hosts to 3"]
    )
    expect(page.get_by_label("Team")).to_have_value("Blue")
    stored = get_case(server, space, case["id"])
    assert stored["customFields"] == [
        {"key": "team", "type": "text", "value": "Blue"},
        {"key": "urgent", "type": "toggle", "value": True},
        {"key": "hosts", "type": "number", "value": 3},
    ]


def test_a_user_is_assigned_and_unassigned(page: Page, server: Server, space: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    username = make_user(
        server,
        [{"feature": {"generalCases": ["all"]}, "spaces": ["*"]}],
        username=f"ui_alice_{suffix}",
        full_name=f"Alice {suffix}",
    )
    case = create_case(server, space)
    open_case(page, space, case)

    page.get_by_label("Assign a user").fill(username)
    page.get_by_role("button", name=f"Assign Alice {suffix}").click()

    assignees = page.get_by_role("list", name="Assignees")
    expect(assignees.get_by_role("listitem")).to_have_text([f"Alice {suffix}Remove"])
    expect(events(page)).to_have_text(["created the case", f"assigned Alice {suffix}"])
    [assignee] = get_case(server, space, case["id"])["assignees"]
    profiles = server.api.post(
        "/internal/security/user_profile/_bulk_get", json={"uids": [assignee["uid"]]}
    )
    assert [profile["user"]["username"] for profile in profiles.json()] == [username]

    assignees.get_by_role("button", name=f"Unassign Alice {suffix}").click()

    expect(assignees).to_have_count(0)
    expect(page.get_by_role("region", name="Details")).to_contain_text("No one is assigned.")
    expect(events(page).last).to_have_text(f"unassigned Alice {suffix}")
    assert get_case(server, space, case["id"])["assignees"] == []


def test_a_file_is_uploaded_and_downloaded_byte_for_byte(
    page: Page, server: Server, space: str
) -> None:
    content = b"line one\nline two \xe2\x9c\x93\n"
    case = create_case(server, space)
    open_case(page, space, case)

    page.get_by_label("File", exact=True).set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": content}
    )
    page.get_by_role("button", name="Upload").click()

    link = page.get_by_role("region", name="Files").get_by_role("link", name="notes.txt")
    expect(link).to_be_visible()
    expect(events(page)).to_have_text(["created the case", "added a file notes.txt"])
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "notes.txt"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == content
    listed = server.api.post(
        f"{space}/api/files/files/casesFilesCases/list", json={"meta": {"caseIds": [case["id"]]}}
    )
    [file] = listed.json()["files"]
    assert (file["name"], file["extension"], file["size"]) == ("notes", "txt", len(content))


def test_an_observable_is_added_and_deleted(page: Page, server: Server, space: str) -> None:
    case = create_case(server, space)
    accept_dialogs(page)
    open_case(page, space, case)
    observables = page.get_by_role("region", name="Observables")

    page.get_by_label("Observable type").select_option("IPv4")
    page.get_by_label("Observable value").fill("10.0.0.1")
    page.get_by_label("Observable description").fill("the scanner")
    page.get_by_role("button", name="Add observable").click()

    expect(observables.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["IPv4", "10.0.0.1", "the scanner", "Delete"]
    )
    [stored] = get_case(server, space, case["id"])["observables"]
    assert (stored["typeKey"], stored["value"], stored["description"]) == (
        "observable-type-ipv4",
        "10.0.0.1",
        "the scanner",
    )

    observables.get_by_role("button", name="Delete observable 10.0.0.1").click()

    expect(observables).to_contain_text("No observables.")
    expect(events(page)).to_have_text(
        ["created the case", "added an observable", "deleted an observable"]
    )
    assert get_case(server, space, case["id"])["observables"] == []


def test_alerts_attached_to_the_case_are_listed(page: Page, server: Server, space: str) -> None:
    case = create_case(server, space)
    alert = {
        "type": "alert",
        "alertId": "alert-1",
        "index": ".alerts-security",
        "rule": {"id": "rule-1", "name": "Brute force"},
        "owner": "cases",
    }
    assert (
        server.api.post(f"{space}/api/cases/{case['id']}/comments", json=alert).status_code == 200
    )

    open_case(page, space, case)

    rows = page.get_by_role("region", name="Alerts").get_by_role("row")
    expect(rows.nth(1).get_by_role("cell").nth(0)).to_have_text("alert-1")
    expect(rows.nth(1).get_by_role("cell").nth(1)).to_have_text(".alerts-security")
    expect(events(page)).to_have_text(["created the case", "added an alert from Brute force"])


def test_deleting_the_case_goes_back_to_the_list(page: Page, server: Server, space: str) -> None:
    case = create_case(server, space)
    accept_dialogs(page)
    open_case(page, space, case)

    page.get_by_role("button", name="Delete case").click()

    expect(page).to_have_url(f"{server.url}{space}{CASES}")
    assert server.api.get(f"{space}/api/cases/{case['id']}").status_code == 404


def test_a_push_opens_the_incident_then_says_when_it_is_out_of_date(
    page: Page, server: Server, space: str, external: str
) -> None:
    case = create_case(server, space, connector=webhook_connector(server, space, external))
    open_case(page, space, case)
    incident = page.get_by_role("region", name="External incident")
    expect(incident).to_contain_text("Connector: Tracker")
    expect(incident).to_contain_text("The case has not been pushed yet.")

    incident.get_by_role("button", name="Push as new incident").click()

    expect(incident.get_by_role("link", name="INC001")).to_have_attribute(
        "href", f"{external}/view/INC001"
    )
    expect(incident).to_contain_text("The incident is up to date")
    expect(events(page).last).to_have_text("pushed as new incident Tracker INC001")
    pushed = get_case(server, space, case["id"])["external_service"]
    assert (pushed["external_id"], pushed["external_title"]) == ("1", "INC001")

    page.get_by_label("Comment", exact=True).fill("More news")
    page.get_by_role("button", name="Add comment").click()
    expect(incident).to_contain_text("The incident is out of date: push to update it")
    incident.get_by_role("button", name="Update incident").click()

    expect(incident).to_contain_text("The incident is up to date")
    expect(events(page).last).to_have_text("updated incident Tracker INC001")
    stored = get_case(server, space, case["id"])
    assert stored["external_service"]["pushed_at"] > pushed["pushed_at"]


def test_a_failed_push_shows_kibanas_message_and_changes_nothing(
    page: Page, server: Server, space: str
) -> None:
    # Nothing listens on the discard port.
    case = create_case(
        server, space, connector=webhook_connector(server, space, "http://127.0.0.1:9")
    )
    open_case(page, space, case)

    page.get_by_role("button", name="Push as new incident").click()

    expect(page.get_by_role("alert")).to_contain_text("Unable to create case")
    expect(page.get_by_role("button", name="Push as new incident")).to_be_enabled()
    stored = get_case(server, space, case["id"])
    assert (stored["version"], stored["external_service"]) == (case["version"], None)
    found = server.api.get(f"{space}/api/cases/{case['id']}/user_actions/_find")
    assert found.json()["total"] == 1
