"""Every route of the app refuses requests without valid credentials, and changes nothing."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from starlette.applications import Starlette

from opencases.kibana.http import ApiRoute
from tests.conftest import make_client, snapshot

EXPECTED_401 = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}


def concrete_path(route: ApiRoute) -> str:
    """The route's path with every parameter filled in."""
    return re.sub(r"{\w+}", "x", route.path)


def basic(username: str, password: str) -> str:
    """A Basic Authorization header value."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
async def bad_credentials(client: httpx.AsyncClient, users: object) -> dict[str, str | None]:
    """Authorization headers of each kind that must be refused."""
    disabled = {"username": "disabled", "password": "password1", "roles": ["superuser"]}
    response = await client.post(
        "/internal/security/users/disabled", json={**disabled, "enabled": False}
    )
    assert response.status_code == 200
    key = (await client.post("/internal/security/api_key", json={"name": "soon-gone"})).json()
    invalidated = await client.post(
        "/internal/security/api_key/invalidate",
        json={"apiKeys": [{"id": key["id"], "name": "soon-gone"}], "isAdmin": False},
    )
    assert invalidated.json()["itemsInvalidated"] == [{"id": key["id"], "name": "soon-gone"}]
    return {
        "no credentials": None,
        "wrong password": basic("elastic", "not-the-password"),
        "unknown user": basic("nobody", "password1"),
        "disabled user": basic("disabled", "password1"),
        "invalidated API key": f"ApiKey {key['encoded']}",
        "malformed header": "Basic not-base64!",
    }


async def test_every_route_answers_401_without_valid_credentials(
    app: Starlette, db: object, bad_credentials: dict[str, str | None]
) -> None:
    routes: list[ApiRoute] = app.state.opencases.routes
    assert len(routes) >= 20
    before = await snapshot(db)  # type: ignore[arg-type]
    async with make_client(app) as anonymous:
        for route in routes:
            for prefix in ("", "/s/default"):
                for kind, authorization in bad_credentials.items():
                    headers = {"kbn-xsrf": "true"}
                    if authorization:
                        headers["authorization"] = authorization
                    response = await anonymous.request(
                        route.method, prefix + concrete_path(route), headers=headers, json={}
                    )
                    where = f"{route.method} {route.path} with {kind}"
                    assert response.status_code == 401, where
                    assert response.headers["www-authenticate"] == 'Basic realm="kibana"', where
                    body = response.json()
                    if authorization is None or kind == "malformed header":
                        assert body == EXPECTED_401, where
                    else:
                        assert body["statusCode"] == 401, where
                        assert body["error"] == "Unauthorized", where
                        assert body["message"].startswith("[security_exception"), where
    assert await snapshot(db) == before  # type: ignore[arg-type]


async def test_wrong_password_message_is_elasticsearch_s(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get(
        "/api/status", headers={"authorization": basic("elastic", "nope")}
    )
    assert response.status_code == 401
    reason = "unable to authenticate user [elastic] for REST request [/_security/_authenticate]"
    message = f"[security_exception\n\tRoot causes:\n\t\tsecurity_exception: {reason}]: {reason}"
    assert response.json() == {"statusCode": 401, "error": "Unauthorized", "message": message}
