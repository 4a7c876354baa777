"""Sessions: Kibana's login and logout routes, the `sid` cookie, its lifetimes and its end.

Kibana's own tests of the routes are ported where they apply to the one `basic` provider
(`x-pack/platform/plugins/shared/security/server/routes/authentication/common.test.ts`,
`login` and `logout`), with the `[request body.` prefix Kibana's HTTP layer adds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
from starlette.applications import Starlette

from opencases.app import create_app
from opencases.db import Database
from opencases.security.sessions import LoginThrottle
from opencases.settings import Settings
from tests.conftest import ELASTIC_PASSWORD, login_body, make_client, reset, snapshot

LOGIN = "/internal/security/login"
COOKIE = re.compile(r"sid=([A-Za-z0-9_\-]{43}); HttpOnly; Path=/; SameSite=Lax")
CLEARED = "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Path=/; SameSite=Lax"
NO_SESSION = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}
START = datetime(2026, 6, 1, tzinfo=UTC)
DAY_MS = 86_400_000


def es_401(username: str) -> dict[str, Any]:
    """Elasticsearch's refusal of a user's credentials, as Kibana passes it on."""
    reason = f"unable to authenticate user [{username}] for REST request [/_security/_authenticate]"
    message = f"[security_exception\n\tRoot causes:\n\t\tsecurity_exception: {reason}]: {reason}"
    return {"statusCode": 401, "error": "Unauthorized", "message": message}


@dataclass
class MovableClock:
    """A clock the test moves."""

    moment: datetime

    def now(self) -> datetime:
        """The moment the test set."""
        return self.moment


@pytest.fixture
def clock() -> MovableClock:
    """The app's clock, at START."""
    return MovableClock(START)


@pytest.fixture
async def app(
    settings: Settings, elastic_hash: str, clock: MovableClock
) -> AsyncIterator[Starlette]:
    """The app, on the movable clock, with Kibana's session lifetimes (3 days idle, 30 in all)."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        await reset(application.state.opencases.db, elastic_hash)
        yield application


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials that keeps cookies, as a browser."""
    async with make_client(app, headers={"kbn-xsrf": "true"}) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, **fields: Any) -> str:
    """Log in through Kibana's login route; the session cookie's value."""
    response = await client.post(LOGIN, json=login_body(**fields))
    assert response.status_code == 200, response.text
    match = COOKIE.fullmatch(response.headers["set-cookie"])
    assert match, response.headers["set-cookie"]
    return match.group(1)


async def stored_sessions(db: Database) -> list[dict[str, Any]]:
    """Every stored session."""
    rows = await db.fetch_all("SELECT * FROM sessions ORDER BY created_at, id")
    return [dict(row) for row in rows]


# --- logging in ----------------------------------------------------------------------------


async def test_a_login_answers_where_to_go_and_keeps_the_session_in_an_http_only_cookie(
    browser: httpx.AsyncClient, db: Database
) -> None:
    current = "http://localhost:5601/login?next=%2Fapp%2Fsecurity%2Fcases%3Fx%3D1#/tab"
    response = await browser.post(LOGIN, json=login_body(currentURL=current))
    assert (response.status_code, response.json()) == (
        200,
        {"location": "/app/security/cases?x=1#/tab"},
    )
    match = COOKIE.fullmatch(response.headers["set-cookie"])
    assert match, response.headers["set-cookie"]
    assert "www-authenticate" not in response.headers
    # The database keeps a digest of the cookie, never the cookie itself.
    [session] = await stored_sessions(db)
    assert session == {
        "id": hashlib.sha256(match.group(1).encode()).hexdigest(),
        "username": "elastic",
        "provider_type": "basic",
        "provider_name": "basic",
        "password_stamp": session["password_stamp"],
        "idle_expires_at": int(START.timestamp() * 1000) + 3 * DAY_MS,
        "lifespan_expires_at": int(START.timestamp() * 1000) + 30 * DAY_MS,
        "created_at": int(START.timestamp() * 1000),
    }
    assert match.group(1) not in str(session)


async def test_the_session_cookie_authenticates_every_api_route_with_kbn_xsrf_on_writes(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser)
    me = await browser.get("/internal/security/me")
    assert me.status_code == 200, me.text
    assert me.json()["authentication_provider"] == {"type": "basic", "name": "basic"}
    assert me.json()["authentication_type"] == "realm"
    case = {
        "title": "From the browser",
        "description": "Signed in.",
        "tags": [],
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        "settings": {"syncAlerts": False},
        "owner": "cases",
    }
    created = await browser.post("/api/cases", json=case)
    assert created.status_code == 200, created.text
    browser.headers.pop("kbn-xsrf")
    unsafe = await browser.post("/api/cases", json=case)
    assert (unsafe.status_code, unsafe.json()) == (
        400,
        {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "Request must contain a kbn-xsrf header.",
        },
    )
    found = await browser.get("/api/cases/_find")
    assert found.json()["total"] == 1
    profile = await browser.get("/internal/security/user_profile")
    assert profile.json()["user"]["authentication_provider"] == {"type": "basic", "name": "basic"}


@pytest.mark.parametrize(
    ("current_url", "location"),
    [
        ("https://kibana.com/?next=/some-url#/app/nav", "/some-url#/app/nav"),
        ("https://kibana.com/?next=/app/cases&next=/other", "/app/cases"),
        ("https://kibana.com/?next=https://evil.com/some-url#/app/nav", "/"),
        ("https://kibana.com/?next=https://kibana.com:9000/some-url#/app/nav", "/"),
        ("https://kibana.com/?next=kibana.com/some-url#/app/nav", "/"),
        ("https://kibana.com/?next=//some-url#/app/nav", "/"),
        ("https://kibana.com/?next=../some-url#/app/nav", "/"),
        ("https://kibana.com/?next=/%5Cevil.com", "/"),
        ("https://kibana.com/?next=%20//evil.com", "/"),
        ("https://kibana.com/?next=/%09/evil.com", "/"),
        ("https://kibana.com/?next=javascript:alert(1)", "/"),
        ("https://kibana.com/login", "/"),
        ("", "/"),
    ],
)
async def test_the_location_is_next_only_when_it_stays_on_this_server(
    browser: httpx.AsyncClient, current_url: str, location: str
) -> None:
    response = await browser.post(LOGIN, json=login_body(currentURL=current_url))
    assert (response.status_code, response.json()) == (200, {"location": location})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "[request body.providerType]: expected value of type [string] but got [undefined]"),
        (
            {"providerType": "saml"},
            "[request body.providerName]: expected value of type [string] but got [undefined]",
        ),
        (
            {"providerType": "saml", "providerName": "saml1"},
            "[request body.currentURL]: expected value of type [string] but got [undefined]",
        ),
        (
            {"providerType": "saml", "providerName": "saml1", "currentURL": "/", "UnknownArg": 1},
            "[request body.UnknownArg]: definition for this key is missing",
        ),
        (
            {
                "providerType": "saml",
                "providerName": "saml1",
                "currentURL": "/",
                "params": {"username": "some-user", "password": "some-password"},
            },
            "[request body.params]: a value wasn't expected to be present",
        ),
        (
            {"providerType": "basic", "providerName": "basic", "currentURL": "/"},
            "[request body.params.username]: expected value of type [string] but got [undefined]",
        ),
        (
            login_body(params={"username": "some-user"}),
            "[request body.params.password]: expected value of type [string] but got [undefined]",
        ),
        (
            login_body(providerType="token", params={"password": "p"}),
            "[request body.params.username]: expected value of type [string] but got [undefined]",
        ),
        (
            login_body(params={"username": "", "password": "p"}),
            "[request body.params.username]: value has length [0] but it must have a minimum"
            " length of [1].",
        ),
        (
            login_body(params={"username": "u", "password": ""}),
            "[request body.params.password]: value has length [0] but it must have a minimum"
            " length of [1].",
        ),
        (
            login_body(params={"username": "u", "password": "p", "extra": 1}),
            "[request body.params.extra]: definition for this key is missing",
        ),
        (
            login_body(params="elastic:changeme"),
            "[request body.params]: expected a plain object value, but found [string] instead.",
        ),
        (
            login_body(providerType="a" * 1025),
            "[request body.providerType]: value has length [1025] but it must have a maximum"
            " length of [1024].",
        ),
        (
            login_body(providerName="a" * 1025),
            "[request body.providerName]: value has length [1025] but it must have a maximum"
            " length of [1024].",
        ),
        (
            login_body(currentURL="a" * 8193),
            "[request body.currentURL]: value has length [8193] but it must have a maximum"
            " length of [8192].",
        ),
        (
            login_body(params={"username": "a" * 1025, "password": "p"}),
            "[request body.params.username]: value has length [1025] but it must have a maximum"
            " length of [1024].",
        ),
        (
            login_body(params={"username": "u", "password": "a" * 1025}),
            "[request body.params.password]: value has length [1025] but it must have a maximum"
            " length of [1024].",
        ),
    ],
)
async def test_a_login_body_is_checked_as_kibana_checks_it(
    browser: httpx.AsyncClient, db: Database, body: Any, message: str
) -> None:
    before = await snapshot(db)
    response = await browser.post(LOGIN, json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"statusCode": 400, "error": "Bad Request", "message": message},
    )
    assert "set-cookie" not in response.headers
    assert await snapshot(db) == before


async def test_the_longest_login_fields_are_taken(browser: httpx.AsyncClient) -> None:
    body = login_body(currentURL="/" + "a" * 8191, providerType="basic")
    response = await browser.post(LOGIN, json=body)
    assert (response.status_code, response.json()) == (200, {"location": "/"})
    response = await browser.post(
        LOGIN, json=login_body(params={"username": "u" * 1024, "password": "p" * 1024})
    )
    assert (response.status_code, response.json()) == (401, es_401("u" * 1024))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"password": "not-the-password"}, es_401("elastic")),
        ({"username": "stranger"}, es_401("stranger")),
        # No provider of that name handles the attempt: a bare 401, as Kibana's.
        ({"providerName": "basic1"}, NO_SESSION),
        ({"providerName": ""}, NO_SESSION),
        ({"providerType": "saml", "params": msgspec.UNSET}, NO_SESSION),
    ],
)
async def test_a_refused_login_is_a_401_without_a_challenge_and_changes_nothing(
    browser: httpx.AsyncClient, db: Database, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    before = await snapshot(db)
    body = {
        name: value for name, value in login_body(**fields).items() if value is not msgspec.UNSET
    }
    response = await browser.post(LOGIN, json=body)
    assert (response.status_code, response.json()) == (401, expected)
    # A challenge would make the browser open its own password dialog over the login page.
    assert "www-authenticate" not in response.headers
    assert "set-cookie" not in response.headers
    assert await snapshot(db) == before


async def test_a_disabled_user_cannot_log_in(
    browser: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    body = {"username": "bob", "password": "password1", "roles": [], "enabled": False}
    assert (await client.post("/internal/security/users/bob", json=body)).status_code == 200
    response = await browser.post(LOGIN, json=login_body("bob", "password1"))
    assert (response.status_code, response.json()) == (401, es_401("bob"))


async def test_the_login_route_wants_kbn_xsrf_and_the_internal_origin(app: Starlette) -> None:
    async with make_client(app) as plain:
        response = await plain.post(LOGIN, json=login_body())
        assert (response.status_code, response.json()["message"]) == (
            400,
            "Request must contain a kbn-xsrf header.",
        )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"kbn-xsrf": "true"},
    ) as outside:
        response = await outside.post(LOGIN, json=login_body())
        assert (response.status_code, response.json()["message"]) == (
            400,
            "uri [/internal/security/login] with method [post] exists but is not available"
            " with the current configuration",
        )


async def test_a_new_login_ends_the_session_the_browser_had(
    browser: httpx.AsyncClient, db: Database
) -> None:
    first = await sign_in(browser)
    second = await sign_in(browser)
    assert second != first
    assert [session["id"] for session in await stored_sessions(db)] == [
        hashlib.sha256(second.encode()).hexdigest()
    ]
    browser.cookies.clear()
    stale = await browser.get("/internal/security/me", headers={"cookie": f"sid={first}"})
    assert (stale.status_code, stale.json()) == (401, NO_SESSION)
    assert stale.headers["kbn-session-error-reason"] == "UNEXPECTED_SESSION_ERROR"
    assert stale.headers["set-cookie"] == CLEARED


async def test_an_authorization_header_wins_over_the_session_cookie(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser)
    response = await browser.get("/internal/security/me", auth=("elastic", "wrong"))
    assert (response.status_code, response.json()) == (401, es_401("elastic"))


# --- logging out ---------------------------------------------------------------------------


async def test_logout_ends_the_session_clears_the_cookie_and_goes_to_the_login_page(
    app: Starlette, browser: httpx.AsyncClient, db: Database
) -> None:
    value = await sign_in(browser)
    async with make_client(app, headers={"cookie": f"sid={value}"}) as page:
        response = await page.get("/api/security/logout")
    assert response.status_code == 302
    assert response.headers["location"] == "/login?msg=LOGGED_OUT"
    assert response.headers["set-cookie"] == CLEARED
    assert await stored_sessions(db) == []
    browser.cookies.clear()
    after = await browser.get("/internal/security/me", headers={"cookie": f"sid={value}"})
    assert (after.status_code, after.json()) == (401, NO_SESSION)
    assert after.headers["kbn-session-error-reason"] == "UNEXPECTED_SESSION_ERROR"
    assert "www-authenticate" not in after.headers


async def test_logout_without_a_session_still_goes_to_the_login_page_with_next_and_msg(
    app: Starlette,
) -> None:
    async with make_client(app) as page:
        response = await page.get(
            "/api/security/logout", params={"next": "/app/cases", "msg": "SESSION_EXPIRED"}
        )
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=%2Fapp%2Fcases&msg=SESSION_EXPIRED"


@pytest.mark.parametrize("header", ["kbn-xsrf", "kbn-version"])
async def test_logout_refuses_a_client_that_cannot_follow_a_redirect(
    browser: httpx.AsyncClient, db: Database, header: str
) -> None:
    await sign_in(browser)
    before = await snapshot(db)
    response = await browser.get("/api/security/logout", headers={header: "9.1.0"})
    assert (response.status_code, response.json()) == (
        400,
        {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "Client should be able to process redirect response.",
        },
    )
    assert await snapshot(db) == before


# --- what ends a session -------------------------------------------------------------------


async def test_an_admin_s_password_change_ends_the_user_s_session(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    body = {"username": "bob", "password": "password1", "roles": ["superuser"]}
    assert (await client.post("/internal/security/users/bob", json=body)).status_code == 200
    async with make_client(app, headers={"kbn-xsrf": "true"}) as bob:
        await sign_in(bob, username="bob", password="password1")
        assert (await bob.get("/internal/security/me")).status_code == 200
        change = {"newPassword": "password2"}
        changed = await client.post("/internal/security/users/bob/password", json=change)
        assert changed.status_code == 204, changed.text
        response = await bob.get("/internal/security/me")
        assert (response.status_code, response.json()) == (401, es_401("bob"))
        assert response.headers["set-cookie"] == CLEARED
        assert await stored_sessions(db) == []


async def test_a_user_s_own_password_change_keeps_its_session(
    browser: httpx.AsyncClient, db: Database
) -> None:
    await sign_in(browser)
    change = {"password": ELASTIC_PASSWORD, "newPassword": "a-new-password"}
    changed = await browser.post("/internal/security/users/elastic/password", json=change)
    assert changed.status_code == 204, changed.text
    me = await browser.get("/internal/security/me")
    assert me.status_code == 200, me.text
    assert len(await stored_sessions(db)) == 1


@pytest.mark.parametrize("change", ["disabled", "deleted"])
async def test_disabling_or_deleting_the_user_ends_its_session(
    app: Starlette, client: httpx.AsyncClient, db: Database, change: str
) -> None:
    body = {"username": "bob", "password": "password1", "roles": ["superuser"]}
    assert (await client.post("/internal/security/users/bob", json=body)).status_code == 200
    async with make_client(app, headers={"kbn-xsrf": "true"}) as bob:
        await sign_in(bob, username="bob", password="password1")
        if change == "disabled":
            changed = await client.post(
                "/internal/security/users/bob", json=body | {"enabled": False}
            )
            expected = (401, es_401("bob"))
        else:
            changed = await client.delete("/internal/security/users/bob")
            expected = (401, NO_SESSION)
        assert changed.status_code in (200, 204), changed.text
        response = await bob.get("/internal/security/me")
        assert (response.status_code, response.json()) == expected
        assert response.headers["set-cookie"] == CLEARED
    assert await stored_sessions(db) == []


async def test_roles_changed_after_login_hold_at_the_next_request(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    body = {"username": "bob", "password": "password1", "roles": ["superuser"]}
    assert (await client.post("/internal/security/users/bob", json=body)).status_code == 200
    async with make_client(app, headers={"kbn-xsrf": "true"}) as bob:
        await sign_in(bob, username="bob", password="password1")
        assert (await bob.get("/internal/security/users")).status_code == 200
        # Without a password: setting one, even the same, ends the user's sessions.
        demoted = await client.post(
            "/internal/security/users/bob", json={"username": "bob", "roles": []}
        )
        assert demoted.status_code == 200
        assert (await bob.get("/internal/security/users")).status_code == 403
        assert (await bob.get("/internal/security/me")).json()["roles"] == []


# --- lifetimes -----------------------------------------------------------------------------


async def test_a_session_idle_longer_than_the_idle_timeout_ends(
    browser: httpx.AsyncClient, clock: MovableClock, db: Database
) -> None:
    value = await sign_in(browser)
    clock.moment = START + timedelta(days=3)
    response = await browser.get("/internal/security/me")
    assert (response.status_code, response.json()) == (401, NO_SESSION)
    assert response.headers["kbn-session-error-reason"] == "SESSION_IDLE_TIMEOUT"
    assert response.headers["set-cookie"] == CLEARED
    assert await stored_sessions(db) == []
    assert value


async def test_each_request_moves_the_idle_expiry_but_never_the_lifespan(
    browser: httpx.AsyncClient, clock: MovableClock, db: Database
) -> None:
    await sign_in(browser)
    start = int(START.timestamp() * 1000)
    # Used every two days, the session outlives the 3-day idle timeout...
    for day in range(2, 30, 2):
        clock.moment = START + timedelta(days=day)
        assert (await browser.get("/internal/security/me")).status_code == 200, day
        [session] = await stored_sessions(db)
        assert session["idle_expires_at"] == start + (day + 3) * DAY_MS
        assert session["lifespan_expires_at"] == start + 30 * DAY_MS
    # ...but not its 30-day lifespan.
    clock.moment = START + timedelta(days=30)
    response = await browser.get("/internal/security/me")
    assert (response.status_code, response.json()) == (401, NO_SESSION)
    assert response.headers["kbn-session-error-reason"] == "SESSION_LIFESPAN_TIMEOUT"


async def test_a_system_request_does_not_move_the_idle_expiry(
    browser: httpx.AsyncClient, clock: MovableClock, db: Database
) -> None:
    await sign_in(browser)
    clock.moment = START + timedelta(days=1)
    system = {"kbn-system-request": "true"}
    assert (await browser.get("/internal/security/me", headers=system)).status_code == 200
    [session] = await stored_sessions(db)
    assert session["idle_expires_at"] == int(START.timestamp() * 1000) + 3 * DAY_MS


async def test_the_session_route_says_when_the_session_ends(
    browser: httpx.AsyncClient, client: httpx.AsyncClient, clock: MovableClock
) -> None:
    await sign_in(browser)
    clock.moment = START + timedelta(hours=1)
    system = {"kbn-system-request": "true"}
    response = await browser.get("/internal/security/session", headers=system)
    assert (response.status_code, response.json()) == (
        200,
        {
            "expiresInMs": 3 * DAY_MS - 3_600_000,
            "canBeExtended": True,
            "provider": {"type": "basic", "name": "basic"},
            "expirationReason": "idle",
        },
    )
    extended = await browser.post("/internal/security/session", follow_redirects=False)
    assert (extended.status_code, extended.headers["location"]) == (
        302,
        "/internal/security/session",
    )
    response = await browser.get("/internal/security/session", headers=system)
    assert response.json()["expiresInMs"] == 3 * DAY_MS
    # Used every other day, near the end of its lifespan the session ends with it.
    for day in range(2, 30, 2):
        clock.moment = START + timedelta(days=day)
        assert (await browser.get("/internal/security/me")).status_code == 200, day
    clock.moment = START + timedelta(days=29)
    response = await browser.get("/internal/security/session")
    assert response.json() == {
        "expiresInMs": DAY_MS,
        "canBeExtended": False,
        "provider": {"type": "basic", "name": "basic"},
        "expirationReason": "lifespan",
    }
    # A request with its own credentials has no session.
    no_session = await client.get("/internal/security/session")
    assert (no_session.status_code, no_session.content) == (204, b"")


# --- cookie attributes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "attributes"),
    [
        ({"secure_cookies": True}, "; HttpOnly; Path=/; SameSite=Lax; Secure"),
        ({"same_site_cookies": "Strict"}, "; HttpOnly; Path=/; SameSite=Strict"),
        ({"same_site_cookies": None}, "; HttpOnly; Path=/"),
        (
            {"same_site_cookies": "None", "secure_cookies": True},
            "; HttpOnly; Path=/; SameSite=None; Secure",
        ),
    ],
)
async def test_the_cookie_s_attributes_follow_the_settings(
    settings: Settings, elastic_hash: str, overrides: dict[str, Any], attributes: str
) -> None:
    application = create_app(msgspec.structs.replace(settings, **overrides))
    async with application.router.lifespan_context(application):
        await reset(application.state.opencases.db, elastic_hash)
        async with make_client(application, headers={"kbn-xsrf": "true"}) as browser:
            response = await browser.post(LOGIN, json=login_body())
    assert response.status_code == 200, response.text
    assert re.fullmatch(
        r"sid=[A-Za-z0-9_\-]{43}" + re.escape(attributes), response.headers["set-cookie"]
    )


def test_same_site_none_needs_secure_cookies() -> None:
    with pytest.raises(
        msgspec.ValidationError, match='"SameSite: None" requires Secure connection'
    ):
        msgspec.convert({"same_site_cookies": "None"}, Settings)


# --- guessing ------------------------------------------------------------------------------


async def test_failed_logins_queue_the_next_ones_of_that_user_with_growing_turns(
    app: Starlette, browser: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    body = {"username": "bob", "password": "password1", "roles": []}
    assert (await client.post("/internal/security/users/bob", json=body)).status_code == 200
    waits: list[float] = []
    moment = [1000.0]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        moment[0] += seconds

    app.state.opencases.sessions.throttle = LoginThrottle(sleep=sleep, now=lambda: moment[0])
    for _ in range(6):
        response = await browser.post(LOGIN, json=login_body("bob", "wrong"))
        assert (response.status_code, response.json()) == (401, es_401("bob"))
    # Three free failures; then each attempt waits for the turn the one before it took.
    assert waits == [0.5, 1.0]
    # Another user is not slowed down.
    await sign_in(browser)
    assert waits == [0.5, 1.0]
    # The right password too waits for its turn; then the user is forgotten.
    await sign_in(browser, username="bob", password="password1")
    assert waits == [0.5, 1.0, 2.0]
    await sign_in(browser, username="bob", password="password1")
    assert waits == [0.5, 1.0, 2.0]


async def test_turns_are_forgotten_after_a_quiet_quarter_of_an_hour(
    app: Starlette, browser: httpx.AsyncClient
) -> None:
    waits: list[float] = []
    moment = [1000.0]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        moment[0] += seconds

    app.state.opencases.sessions.throttle = LoginThrottle(sleep=sleep, now=lambda: moment[0])
    for _ in range(5):
        await browser.post(LOGIN, json=login_body("elastic", "wrong"))
    assert waits == [0.5]
    moment[0] += 16 * 60
    # Forgotten: three free failures again, then turns from the first one.
    for _ in range(5):
        await browser.post(LOGIN, json=login_body("elastic", "wrong"))
    assert waits == [0.5, 0.5]
    moment[0] += 16 * 60
    await sign_in(browser)
    assert waits == [0.5, 0.5]
