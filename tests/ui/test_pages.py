"""The UI's pages and files as a browser receives them (in-process, on each database)."""

from __future__ import annotations

import gzip
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from opencases.ui import pages
from opencases.ui.pages import CONTENT_SECURITY_POLICY
from tests.conftest import login_body, make_client

SHELL_PATHS = [
    "/app/management/insightsAndAlerting/cases",
    "/app/security/cases/create",
    "/app/observability/cases/configure",
    "/app/security/cases/a-case-id",
    "/app/management/insightsAndAlerting/triggersActionsConnectors/connectors",
]


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies and never follows redirects, signed in as `elastic`."""
    async with make_client(app, headers={"kbn-xsrf": "true"}) as client:
        signed_in = await client.post("/internal/security/login", json=login_body())
        assert signed_in.status_code == 200
        del client.headers["kbn-xsrf"]
        yield client


@pytest.mark.parametrize("path", SHELL_PATHS)
async def test_an_application_page_sends_a_browser_without_a_session_to_the_login_page(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    for prefix in ("", "/s/space1"):
        response = await anonymous.get(f"{prefix}{path}?x=1")
        assert response.status_code == 302
        assert (
            response.headers["location"]
            == "/login?" + httpx.QueryParams({"next": f"{prefix}{path}?x=1"}).__str__()
        )
        assert "set-cookie" not in response.headers


async def test_an_ended_session_goes_to_the_login_page_with_its_reason_and_loses_its_cookie(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get(SHELL_PATHS[0], headers={"cookie": "sid=ended"})
    assert response.status_code == 302
    assert response.headers["location"] == (
        "/login?next=%2Fapp%2Fmanagement%2FinsightsAndAlerting%2Fcases&msg=UNEXPECTED_SESSION_ERROR"
    )
    assert response.headers["set-cookie"].startswith("sid=; Max-Age=0;")


@pytest.mark.parametrize("path", SHELL_PATHS)
async def test_a_signed_in_browser_gets_the_shell_with_the_security_headers(
    browser: httpx.AsyncClient, path: str
) -> None:
    response = await browser.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/ui/app.js"></script>' in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


async def test_the_root_goes_to_the_cases_of_its_space(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/")
    assert (response.status_code, response.headers["location"]) == (
        302,
        "/app/management/insightsAndAlerting/cases",
    )
    response = await browser.get("/s/space1/")
    assert response.headers["location"] == "/s/space1/app/management/insightsAndAlerting/cases"


async def test_the_login_page_needs_no_session(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/login?next=%2Fapp%2Fcases")
    assert response.status_code == 200
    assert '<script type="module" src="/ui/login.js"></script>' in response.text


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/ui/app.js", "text/javascript; charset=utf-8"),
        ("/ui/app.css", "text/css; charset=utf-8"),
        ("/ui/vendor/marked.esm.js", "text/javascript; charset=utf-8"),
        ("/ui/vendor/purify.es.mjs", "text/javascript; charset=utf-8"),
    ],
)
async def test_files_are_served_to_anyone_and_revalidated_by_their_etag(
    anonymous: httpx.AsyncClient, path: str, media_type: str
) -> None:
    response = await anonymous.get(path)
    assert (response.status_code, response.headers["content-type"]) == (200, media_type)
    assert response.headers["cache-control"] == "no-cache"
    etag = response.headers["etag"]
    again = await anonymous.get(path, headers={"if-none-match": etag})
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize(
    "path",
    [
        "/ui/missing.js",
        "/ui/..%2Fpages.py",
        "/ui/%2E%2E/pages.py",
        "/ui/vendor/..%2F..%2Fpages.py",
        "/ui/.hidden",
        "/ui/other/app.js",
        "/ui/app.js%00",
        "/app/security/cases/a/b",
    ],
)
async def test_nothing_outside_the_ui_s_files_is_served(
    browser: httpx.AsyncClient, path: str
) -> None:
    response = await browser.get(path)
    assert (response.status_code, response.json()) == (
        404,
        {"statusCode": 404, "error": "Not Found", "message": "Not Found"},
    )


async def test_files_are_sent_gzipped_to_a_browser_that_takes_it(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
        plain = await raw.get("/ui/vendor/purify.es.mjs", headers={"accept-encoding": "identity"})
        async with raw.stream(
            "GET", "/ui/vendor/purify.es.mjs", headers={"accept-encoding": "gzip, br"}
        ) as packed:
            compressed = b"".join([chunk async for chunk in packed.aiter_raw()])
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "accept-encoding"
    # Two representations, two entity tags.
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert gzip.decompress(compressed) == plain.content
    assert len(compressed) < len(plain.content) / 3


async def test_a_file_changed_on_disk_is_served_anew(
    anonymous: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "_STATIC", tmp_path)
    script = tmp_path / "changing.js"
    script.write_text("export const version = 1;\n")
    first = await anonymous.get("/ui/changing.js")
    script.write_text("export const version = 2;\n")
    os.utime(script, ns=(0, script.stat().st_mtime_ns + 1_000_000))
    second = await anonymous.get("/ui/changing.js")
    assert (first.text, second.text) == (
        "export const version = 1;\n",
        "export const version = 2;\n",
    )
    assert first.headers["etag"] != second.headers["etag"]
