"""Signing in and out, the shell's navigation, spaces and what a role may see."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import BACKENDS, fresh_database, unused_port
from tests.server import OPENCASES, running
from tests.ui.conftest import (
    PASSWORD,
    USER_PASSWORD,
    Server,
    create_case,
    make_user,
    read_only,
    sign_in,
    sign_in_on_the_login_page,
)

CASES = "/app/management/insightsAndAlerting/cases"


def test_the_root_asks_to_sign_in_and_then_shows_the_cases(page: Page, server: Server) -> None:
    page.goto("/")
    expect(page).to_have_url(f"{server.url}/login?next={quote('/', safe='')}")
    sign_in_on_the_login_page(page, path=page.url)
    expect(page).to_have_url(server.url + CASES)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")


def test_a_wrong_password_is_said_as_kibana_says_it(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill("elastic")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Username or password is incorrect. Please try again."
    )
    assert page.context.cookies() == []


def test_a_page_asked_for_before_signing_in_is_shown_after(page: Page, space: str) -> None:
    page.goto(f"{space}/app/security/cases")
    assert "/login?next=" in page.url
    sign_in_on_the_login_page(page, path=page.url)
    assert page.url.endswith(f"{space}/app/security/cases")


def test_the_session_cookie_is_http_only_and_logging_out_ends_it(
    page: Page, server: Server
) -> None:
    sign_in_on_the_login_page(page)
    [cookie] = page.context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == ("sid", True, "Lax")
    assert page.evaluate("document.cookie") == ""
    page.locator("#user-name").click()
    page.get_by_role("link", name="Log out").click()
    expect(page.locator("#login-message")).to_have_text("You have logged out.")
    # The old cookie opens nothing any more, anywhere.
    response = page.request.get(
        "/internal/security/me",
        headers={"cookie": f"sid={cookie['value']}", "x-elastic-internal-origin": "Kibana"},
    )
    assert response.status == 401


def test_the_space_switcher_moves_to_the_same_application_in_another_space(
    page: Page, server: Server, space: str
) -> None:
    sign_in(page, path=f"{space}/app/observability/cases")
    expect(page.get_by_label("Space")).to_have_value(space.removeprefix("/s/"))
    page.get_by_label("Space").select_option("default")
    expect(page).to_have_url(server.url + "/app/observability/cases")


def test_a_role_sees_only_the_applications_it_may_read(page: Page, server: Server) -> None:
    reader = make_user(server, read_only("securitySolutionCases"))
    sign_in(page, reader, USER_PASSWORD, path="/app/security/cases")
    nav = page.get_by_role("navigation", name="Applications")
    expect(nav.get_by_role("link")).to_have_text(["Security cases"])
    page.goto(CASES)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see these cases")


def test_pages_are_served_with_a_strict_content_security_policy(page: Page) -> None:
    response = page.goto("/login")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert PASSWORD not in page.content()


@pytest.fixture(scope="module", params=BACKENDS)
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """OpenCases with 2 worker processes on one fresh database of each backend; its URL."""
    directory = tmp_path_factory.mktemp("two-workers")
    port = unused_port()
    with fresh_database(request.param, directory) as database_url:
        env = {"OPENCASES_DATABASE_URL": database_url, "OPENCASES_ELASTIC_PASSWORD": PASSWORD}
        with running(
            [str(OPENCASES), "serve", "--workers", "2"],
            port=port,
            env=env,
            log_file=directory / "server.log",
        ):
            yield f"http://127.0.0.1:{port}"


def test_signing_out_ends_the_session_on_every_worker(browser: Browser, two_workers: str) -> None:
    context = browser.new_context(base_url=two_workers)
    page = context.new_page()
    sign_in(page)
    [cookie] = context.cookies()
    headers = {"cookie": f"sid={cookie['value']}", "x-elastic-internal-origin": "Kibana"}
    # Each request on a new connection: the kernel spreads them over both workers.
    for _ in range(20):
        assert httpx.get(f"{two_workers}/internal/security/me", headers=headers).status_code == 200
    page.locator("#user-name").click()
    page.get_by_role("link", name="Log out").click()
    expect(page.locator("#login-message")).to_have_text("You have logged out.")
    answers = {
        httpx.get(f"{two_workers}/internal/security/me", headers=headers).status_code
        for _ in range(20)
    }
    assert answers == {401}
    context.close()


def test_a_write_forged_from_the_page_of_a_reader_is_refused(
    page: Page, server: Server, space: str
) -> None:
    case = create_case(server, space, title="Not yours to change")
    forger = make_user(server, read_only("generalCases"))
    sign_in(page, forger, USER_PASSWORD, path=f"{space}{CASES}")
    answer = page.evaluate(
        """async ([space, id, version]) => {
            const response = await fetch(`${space}/api/cases`, {
                method: 'PATCH',
                headers: {'content-type': 'application/json', 'kbn-xsrf': 'forged'},
                body: JSON.stringify({cases: [{id, version, title: 'Forged'}]}),
            });
            return [response.status, await response.json()];
        }""",
        [space, case["id"], case["version"]],
    )
    assert answer == [
        403,
        {
            "statusCode": 403,
            "error": "Forbidden",
            "message": 'Unauthorized to update case with owners: "cases"',
        },
    ]
    # Without kbn-xsrf, as a form of another site would send it: refused before anything.
    status = page.evaluate(
        """async (space) => (await fetch(`${space}/api/cases`, {method: 'PATCH',
            headers: {'content-type': 'application/json'}, body: '{}'})).status""",
        space,
    )
    assert status == 400
    assert (
        server.api.get(f"{space}/api/cases/{case['id']}").json()["title"] == "Not yours to change"
    )
