"""The web UI in a real browser: Debian's chromium, driven by Playwright, against a server.

One server per backend and module, one browser per module; each test works in a
space of its own (`space` fixture), so tests share the server without seeing each other.
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.conftest import BACKENDS, fresh_database, login_body, unused_port
from tests.server import OPENCASES, running

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "ui-elastic-password"
ENCRYPTION_KEY = "an-encryption-key-for-the-ui-tests-0123456789"
# Bounds for a stuck page, not speed assertions: Playwright waits for what a test expects.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that start a server as end-to-end (`-m "not e2e"` leaves them out)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "server" in names or "two_workers" in names:
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class Server:
    """A running OpenCases, and an API client as `elastic`."""

    url: str
    api: httpx.Client


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """OpenCases on a fresh database of each backend, for the module's tests."""
    directory = tmp_path_factory.mktemp("ui")
    port = unused_port()
    with fresh_database(request.param, directory) as database_url:
        env = {
            "OPENCASES_DATABASE_URL": database_url,
            "OPENCASES_ELASTIC_PASSWORD": PASSWORD,
            "OPENCASES_ENCRYPTION_KEY": ENCRYPTION_KEY,
        }
        with running(
            [str(OPENCASES), "serve"], port=port, env=env, log_file=directory / "server.log"
        ):
            url = f"http://127.0.0.1:{port}"
            headers = {"kbn-xsrf": "true", "x-elastic-internal-origin": "Kibana"}
            with httpx.Client(base_url=url, auth=("elastic", PASSWORD), headers=headers) as api:
                yield Server(url=url, api=api)


# Module-scoped, not session-scoped: sync Playwright runs an event loop of its own in the
# test process while it is started, and the async tests that a worker runs after a module
# of browser tests need the loop to themselves.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright, for the module's tests."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless (Playwright never downloads a browser here)."""
    assert Path(CHROMIUM).exists(), "chromium is missing: `make install` installs it"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A new browser window (its own cookies) on the server."""
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    window = context.new_page()
    errors: list[str] = []
    window.on("pageerror", lambda error: errors.append(str(error)))
    yield window
    context.close()
    assert errors == [], f"the page's scripts failed: {errors}"


@pytest.fixture
def space(server: Server) -> str:
    """A new space for the test; its path prefix (`/s/<id>`)."""
    space_id = f"ui-{uuid.uuid4().hex[:10]}"
    response = server.api.post("/api/spaces/space", json={"id": space_id, "name": space_id})
    assert response.status_code == 200, response.text
    return f"/s/{space_id}"


def sign_in(
    page: Page, username: str = "elastic", password: str = PASSWORD, *, path: str = "/"
) -> None:
    """Sign in as the login page does (Kibana's login route), then open `path`.

    The browser's own cookie jar keeps the session; tests/ui/test_shell.py signs in
    through the page itself.
    """
    headers = {"kbn-xsrf": "true", "x-elastic-internal-origin": "Kibana"}
    response = page.request.post(
        "/internal/security/login", data=login_body(username, password), headers=headers
    )
    assert response.ok, response.text()
    page.goto(path)
    expect(page.locator("#user-name")).to_have_text(username)


def sign_in_on_the_login_page(
    page: Page, username: str = "elastic", password: str = PASSWORD, *, path: str = "/"
) -> None:
    """Open `path`, sign in on the login page it leads to, and wait to be back."""
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-name")).to_have_text(username)


USER_PASSWORD = "a-ui-test-password"


def read_only(feature: str) -> list[dict[str, Any]]:
    """A role's Kibana privileges: `read` on one feature in every space."""
    return [{"feature": {feature: ["read"]}, "spaces": ["*"]}]


def make_user(
    server: Server, kibana: list[dict[str, Any]], *, username: str | None = None, **fields: Any
) -> str:
    """A new user with a role of its own granting `kibana`, password USER_PASSWORD; its name."""
    name = username or f"ui_user_{uuid.uuid4().hex[:8]}"
    role = server.api.put(
        f"/api/security/role/{name}_role", json={"elasticsearch": {}, "kibana": kibana}
    )
    assert role.status_code == 204, role.text
    user = {"username": name, "password": USER_PASSWORD, "roles": [f"{name}_role"], **fields}
    made = server.api.post(f"/internal/security/users/{name}", json=user)
    assert made.status_code == 200, made.text
    return name


def create_case(server: Server, space: str, **fields: Any) -> dict[str, Any]:
    """A case made through the API in `space`."""
    body = {
        "title": "A case",
        "description": "What happened.",
        "tags": [],
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        "settings": {"syncAlerts": False},
        "owner": "cases",
        **fields,
    }
    response = server.api.post(f"{space}/api/cases", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


class ExternalSystem(BaseHTTPRequestHandler):
    """A case system a `.cases-webhook` connector pushes to: one incident, INC001."""

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.answer(201, {"id": "1"})

    def do_PUT(self) -> None:
        self.answer(200, {"id": "1"})

    def do_GET(self) -> None:
        self.answer(200, {"id": "1", "key": "INC001"})

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def external() -> Iterator[str]:
    """The external case system's URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ExternalSystem)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def webhook_connector(server: Server, space: str, base: str) -> dict[str, Any]:
    """A `.cases-webhook` connector to the system at `base`, as a case's connector."""
    incident = base + "/issues/{{{external.system.id}}}"
    config = {
        "createIncidentUrl": f"{base}/issues",
        "createIncidentMethod": "post",
        "createIncidentJson": '{"title":{{{case.title}}}}',
        "createIncidentResponseKey": "id",
        "getIncidentUrl": incident,
        "getIncidentResponseExternalTitleKey": "key",
        "viewIncidentUrl": base + "/view/{{{external.system.title}}}",
        "updateIncidentUrl": incident,
        "updateIncidentMethod": "put",
        "updateIncidentJson": '{"title":{{{case.title}}}}',
        "hasAuth": False,
    }
    body = {
        "name": "Tracker",
        "connector_type_id": ".cases-webhook",
        "config": config,
        "secrets": {},
    }
    response = server.api.post(f"{space}/api/actions/connector", json=body)
    assert response.status_code == 200, response.text
    return {
        "id": response.json()["id"],
        "name": "Tracker",
        "type": ".cases-webhook",
        "fields": None,
    }
