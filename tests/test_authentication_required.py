"""Every route refuses callers as Kibana does, and changes nothing when it refuses.

For each route of the route table, with a valid request: bad credentials of every kind
(none, a wrong password, an unknown or disabled user, an invalidated API key, a malformed
header) are a 401, and a user whose role grants nothing gets the route's Kibana 403 when
the route declares a privilege (`Requires`), or the normal answer when it opts out
(`OptOut`). The same request then succeeds as the superuser, which shows the refusals are
about the caller and not the request. Every route must declare its authorization, as
Kibana 9 requires: `ApiRoute(authz=...)` is a required keyword, and a route missing from
the table below fails `test_the_table_covers_every_route`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.db import Database
from opencases.kibana.http import ApiRoute, OptOut, Requires
from tests.conftest import login_body, make_client, snapshot

# --- what Kibana answers ------------------------------------------------------------------

NO_CREDENTIALS = {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"}


def es_401(reason: str) -> dict[str, Any]:
    """Kibana's 401 passing on Elasticsearch's `security_exception`."""
    message = f"[security_exception\n\tRoot causes:\n\t\tsecurity_exception: {reason}]: {reason}"
    return {"statusCode": 401, "error": "Unauthorized", "message": message}


def basic_401(username: str) -> dict[str, Any]:
    """Elasticsearch's refusal of a Basic credential, as Kibana answers it."""
    return es_401(
        f"unable to authenticate user [{username}] for REST request [/_security/_authenticate]"
    )


API_KEY_401 = es_401(
    "unable to authenticate with provided credentials and anonymous access is not allowed"
    " for this request"
)


def es_403(action: str, granted_by: str) -> str:
    """Elasticsearch's cluster action denial for `nobody` (AuthorizationDenialMessages)."""
    reason = (
        f"action [{action}] is unauthorized for user [nobody] with effective roles [nothing],"
        f" this action is granted by the cluster privileges [{granted_by}]"
    )
    return f"[security_exception\n\tRoot causes:\n\t\tsecurity_exception: {reason}]: {reason}"


def api_403(api: str, privilege: str) -> str:
    """Kibana's route-level API authorization 403 (the security plugin's api_authorization)."""
    return (
        f"API [{api}] is unauthorized for user,"
        f" this action is granted by the Kibana privileges [{privilege}]"
    )


USER_ACTION = "cluster:admin/xpack/security/user"
ROLE_ACTION = "cluster:admin/xpack/security/role"
SECURITY_ADMIN = "manage_security,all"
SECURITY_READ = "read_security,manage_security,all"


@dataclass(frozen=True)
class Call:
    """A valid request to a route, and what a user whose roles grant nothing gets.

    Strings `$name` in `params` and `body` stand for the objects `world` made in the
    request's space (a configuration id and version, a connector id).
    """

    body: Mapping[str, Any] | list[Any] | None = None
    # A multipart/form-data body instead: httpx's `files`.
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    # The 403 message for a route that requires a privilege; None for an opt-out route.
    forbidden: str | None = None
    # The answer of a caller allowed it, where it is not the route's success.
    success_status: int | None = None


CONFIGURATION = {
    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    "closure_type": "close-by-user",
    "owner": "securitySolution",
    "customFields": [],
    "templates": [],
}
# A webhook nobody listens to: a run fails at once, and never leaves the machine.
CONNECTOR = {
    "name": "A webhook",
    "connector_type_id": ".webhook",
    "config": {"url": "http://127.0.0.1:9/hook", "hasAuth": False},
}

CASE = {
    "title": "A case",
    "description": "What happened.",
    "tags": ["a tag"],
    "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
    "settings": {"syncAlerts": False},
    "owner": "securitySolution",
}
ON_THE_CASE = 'with owners: "securitySolution"'
COMMENT = {"type": "user", "comment": "A comment", "owner": "securitySolution"}
OBSERVABLE = {"typeKey": "observable-type-hostname", "value": "host", "description": None}
FILE_UPLOAD = {"file": ("notes.txt", b"some notes", "text/plain")}
FILE_KIND = "securitySolutionFilesCases"

CALLS: dict[str, Call] = {
    # Kibana's create reads the owner's configuration first (configure.get).
    "POST /api/cases": Call(
        body=CASE, forbidden="Unauthorized to access case configurations of any owner"
    ),
    "PATCH /api/cases": Call(
        body={"cases": [{"id": "$case", "version": "$case_version", "title": "New title"}]},
        forbidden=f"Unauthorized to update case {ON_THE_CASE}",
    ),
    "DELETE /api/cases": Call(
        query={"ids": "$case"}, forbidden=f"Unauthorized to delete case {ON_THE_CASE}"
    ),
    # Kibana's find and search read the owners' configurations first (configure.get).
    "GET /api/cases/_find": Call(
        forbidden="Unauthorized to access case configurations of any owner"
    ),
    "GET /api/cases/tags": Call(forbidden="Unauthorized to access case of any owner"),
    "GET /api/cases/reporters": Call(forbidden="Unauthorized to access case of any owner"),
    "GET /internal/cases/categories": Call(forbidden="Unauthorized to access cases of any owner"),
    "POST /internal/cases/_search": Call(
        body={"owner": []}, forbidden="Unauthorized to access case configurations of any owner"
    ),
    "POST /internal/cases/_bulk_get": Call(
        body={"ids": ["$case"]}, forbidden="Unauthorized to access cases of any owner"
    ),
    "GET /api/cases/{case_id}": Call(
        params={"case_id": "$case"}, forbidden=f"Unauthorized to access case {ON_THE_CASE}"
    ),
    "GET /api/cases/{case_id}/resolve": Call(
        params={"case_id": "$case"}, forbidden=f"Unauthorized to access case {ON_THE_CASE}"
    ),
    "GET /api/cases/{case_id}/user_actions/_find": Call(
        params={"case_id": "$case"},
        forbidden="Unauthorized to access user actions of any owner",
    ),
    "GET /internal/cases/{case_id}/user_actions/_stats": Call(
        params={"case_id": "$case"},
        forbidden="Unauthorized to access user actions of any owner",
    ),
    "GET /internal/cases/{case_id}/user_actions/_find": Call(
        params={"case_id": "$case"},
        forbidden="Unauthorized to access user actions of any owner",
    ),
    "GET /internal/cases/{case_id}/_users": Call(
        params={"case_id": "$case"},
        forbidden="Unauthorized to access user actions of any owner",
    ),
    "GET /internal/cases/metrics": Call(
        query={"features": "mttr"}, forbidden="Unauthorized to access cases of any owner"
    ),
    "GET /internal/cases/metrics/{case_id}": Call(
        params={"case_id": "$case"},
        query={"features": "connectors"},
        forbidden="Unauthorized to access case of any owner",
    ),
    "POST /internal/cases/_suggest_user_profiles": Call(
        body={"name": "", "owners": ["securitySolution"]},
        forbidden=api_403(
            "POST /internal/cases/_suggest_user_profiles", "casesSuggestUserProfiles"
        ),
    ),
    "POST /api/cases/{case_id}/comments": Call(
        params={"case_id": "$case"},
        body=COMMENT,
        forbidden=f"Unauthorized to create comments {ON_THE_CASE}",
    ),
    "PATCH /api/cases/{case_id}/comments": Call(
        params={"case_id": "$case"},
        body={**COMMENT, "id": "$comment", "version": "$comment_version"},
        forbidden=f"Unauthorized to update comments {ON_THE_CASE}",
    ),
    "DELETE /api/cases/{case_id}/comments": Call(
        params={"case_id": "$case"}, forbidden=f"Unauthorized to delete comments {ON_THE_CASE}"
    ),
    "GET /api/cases/{case_id}/comments/_find": Call(
        params={"case_id": "$case"}, forbidden="Unauthorized to access comments of any owner"
    ),
    "GET /api/cases/{case_id}/comments/{comment_id}": Call(
        params={"case_id": "$case", "comment_id": "$comment"},
        forbidden=f"Unauthorized to access comments {ON_THE_CASE}",
    ),
    "DELETE /api/cases/{case_id}/comments/{comment_id}": Call(
        params={"case_id": "$case", "comment_id": "$comment"},
        forbidden=f"Unauthorized to delete comments {ON_THE_CASE}",
    ),
    "POST /internal/cases/{case_id}/attachments/_bulk_create": Call(
        params={"case_id": "$case"},
        body=[COMMENT],
        forbidden=f"Unauthorized to create comments {ON_THE_CASE}",
    ),
    "POST /internal/cases/{case_id}/attachments/_bulk_get": Call(
        params={"case_id": "$case"},
        body={"ids": ["$comment"]},
        forbidden=f"Unauthorized to access case {ON_THE_CASE}",
    ),
    "POST /internal/cases/{case_id}/attachments/files/_bulk_delete": Call(
        params={"case_id": "$case"},
        body={"ids": ["$file"]},
        forbidden=f"Unauthorized to access case {ON_THE_CASE}",
    ),
    "GET /api/cases/alerts/{alert_id}": Call(
        params={"alert_id": "an-alert"}, forbidden="Unauthorized to access cases of any owner"
    ),
    "GET /api/cases/{case_id}/alerts": Call(
        params={"case_id": "$case"}, forbidden=f"Unauthorized to access case {ON_THE_CASE}"
    ),
    "POST /api/cases/{case_id}/files": Call(
        params={"case_id": "$case"},
        files=FILE_UPLOAD,
        forbidden="Unauthorized to create comments of any owner",
    ),
    "POST /api/files/files/{file_kind}/list": Call(
        params={"file_kind": FILE_KIND},
        body={"meta": {"caseIds": ["$case"]}},
        forbidden=api_403(f"POST /api/files/files/{FILE_KIND}/list", f"{FILE_KIND}Read"),
    ),
    "GET /api/files/files/{file_kind}/{file_id}": Call(
        params={"file_kind": FILE_KIND, "file_id": "$file"},
        forbidden=api_403(f"GET /api/files/files/{FILE_KIND}/$file", f"{FILE_KIND}Read"),
    ),
    "GET /api/files/files/{file_kind}/{file_id}/blob": Call(
        params={"file_kind": FILE_KIND, "file_id": "$file"},
        forbidden=api_403(f"GET /api/files/files/{FILE_KIND}/$file/blob", f"{FILE_KIND}Read"),
    ),
    "GET /api/files/files/{file_kind}/{file_id}/blob/{file_name}": Call(
        params={"file_kind": FILE_KIND, "file_id": "$file", "file_name": "notes.txt"},
        forbidden=api_403(
            f"GET /api/files/files/{FILE_KIND}/$file/blob/notes.txt", f"{FILE_KIND}Read"
        ),
    ),
    "POST /internal/cases/{case_id}/observables": Call(
        params={"case_id": "$case"},
        body={"observable": {**OBSERVABLE, "value": "another-host"}},
        forbidden=f"Unauthorized to update case {ON_THE_CASE}",
    ),
    "POST /internal/cases/{case_id}/observables/_bulk_create": Call(
        params={"case_id": "$case"},
        body={"observables": [{**OBSERVABLE, "value": "another-host"}]},
        forbidden=f"Unauthorized to update case {ON_THE_CASE}",
    ),
    "PATCH /internal/cases/{case_id}/observables/{observable_id}": Call(
        params={"case_id": "$case", "observable_id": "$observable"},
        body={"observable": {"value": "renamed-host", "description": None}},
        forbidden=f"Unauthorized to update case {ON_THE_CASE}",
    ),
    "DELETE /internal/cases/{case_id}/observables/{observable_id}": Call(
        params={"case_id": "$case", "observable_id": "$observable"},
        forbidden=f"Unauthorized to update case {ON_THE_CASE}",
    ),
    # The world's connector is a webhook, not a case connector: its run refuses the push
    # (Kibana's 424), which still shows that the 403s are about the caller.
    "POST /api/cases/{case_id}/connector/{connector_id}/_push": Call(
        params={"case_id": "$case", "connector_id": "$connector"},
        forbidden=f"Unauthorized to update case {ON_THE_CASE}",
        success_status=424,
    ),
    "GET /internal/cases/{case_id}/_connectors": Call(
        params={"case_id": "$case"},
        forbidden="Unauthorized to access user actions of any owner",
    ),
    "GET /api/cases/configure": Call(
        forbidden="Unauthorized to access case configurations of any owner"
    ),
    "POST /api/cases/configure": Call(
        body=CONFIGURATION, forbidden="Unauthorized to create case configuration of any owner"
    ),
    "PATCH /api/cases/configure/{configuration_id}": Call(
        params={"configuration_id": "$configuration"},
        body={"version": "$version", "closure_type": "close-by-pushing"},
        forbidden='Unauthorized to update case configuration with owners: "securitySolution"',
    ),
    "GET /api/cases/configure/connectors/_find": Call(
        forbidden=api_403(
            "GET /api/cases/configure/connectors/_find", "casesGetConnectorsConfigure"
        )
    ),
    "POST /api/actions/connector": Call(
        body=CONNECTOR, forbidden='Unauthorized to create a ".webhook" action'
    ),
    "POST /api/actions/connector/{id}": Call(
        params={"id": "new-connector"},
        body=CONNECTOR,
        forbidden='Unauthorized to create a ".webhook" action',
    ),
    "GET /api/actions/connector/{id}": Call(
        params={"id": "$connector"}, forbidden="Unauthorized to get actions"
    ),
    "PUT /api/actions/connector/{id}": Call(
        params={"id": "$connector"},
        body={"name": "Renamed", "config": CONNECTOR["config"]},
        forbidden="Unauthorized to update actions",
    ),
    "DELETE /api/actions/connector/{id}": Call(
        params={"id": "$connector"}, forbidden="Unauthorized to delete actions"
    ),
    "POST /api/actions/connector/{id}/_execute": Call(
        params={"id": "$connector"},
        body={"params": {"body": "{}"}},
        forbidden='Unauthorized to execute a ".webhook" action',
    ),
    "GET /api/actions/connectors": Call(forbidden="Unauthorized to get actions"),
    "GET /api/actions/connector_types": Call(),
    "POST /api/spaces/space": Call(
        body={"id": "space2", "name": "Space 2"}, forbidden="Unauthorized to create spaces"
    ),
    # Kibana's secure spaces client answers a bare Boom.forbidden() when no space is left.
    "GET /api/spaces/space": Call(forbidden="Forbidden"),
    "GET /api/spaces/space/{id}": Call(
        params={"id": "space1"}, forbidden="Unauthorized to get space1 space"
    ),
    "PUT /api/spaces/space/{id}": Call(
        params={"id": "space1"},
        body={"id": "space1", "name": "Space one"},
        forbidden="Unauthorized to update spaces",
    ),
    "DELETE /api/spaces/space/{id}": Call(
        params={"id": "space1"}, forbidden="Unauthorized to delete spaces"
    ),
    "GET /api/status": Call(),
    "GET /api/features": Call(
        # Kibana's features route: `requiredPrivileges: ['read_features']` (older Kibanas
        # tag it `access:features`), granted by the global `all` base privilege only.
        forbidden=api_403("GET /api/features", "read_features"),
    ),
    "POST /internal/security/users/{username}": Call(
        params={"username": "newcomer"},
        body={"username": "newcomer", "password": "password1", "roles": []},
        forbidden=es_403(f"{USER_ACTION}/put", SECURITY_ADMIN),
    ),
    "GET /internal/security/users": Call(forbidden=es_403(f"{USER_ACTION}/get", SECURITY_READ)),
    "GET /internal/security/users/{username}": Call(
        params={"username": "someone"},
        forbidden=es_403(f"{USER_ACTION}/get", SECURITY_READ),
    ),
    "DELETE /internal/security/users/{username}": Call(
        params={"username": "someone"},
        forbidden=es_403(f"{USER_ACTION}/delete", SECURITY_ADMIN),
    ),
    # Someone else's password: one's own needs no privilege, only the current password.
    "POST /internal/security/users/{username}/password": Call(
        params={"username": "someone"},
        body={"newPassword": "password2"},
        forbidden=es_403(f"{USER_ACTION}/change_password", SECURITY_ADMIN),
    ),
    "GET /internal/security/me": Call(),
    "POST /api/core/capabilities": Call(body={"applications": []}),
    # A caller with an Authorization header has no session.
    "GET /internal/security/session": Call(success_status=204),
    "POST /internal/security/session": Call(),
    "POST /internal/security/user_profile/_bulk_get": Call(
        body={"uids": ["u_unknown_0"]},
        forbidden=api_403("POST /internal/security/user_profile/_bulk_get", "bulkGetUserProfiles"),
    ),
    "GET /internal/security/user_profile": Call(),
    "PUT /api/security/role/{name}": Call(
        params={"name": "newrole"},
        body={"elasticsearch": {}, "kibana": []},
        forbidden=es_403(f"{ROLE_ACTION}/put", SECURITY_ADMIN),
    ),
    "GET /api/security/role": Call(forbidden=es_403(f"{ROLE_ACTION}/get", SECURITY_READ)),
    "GET /api/security/role/{name}": Call(
        params={"name": "nothing"},
        forbidden=es_403(f"{ROLE_ACTION}/get", SECURITY_READ),
    ),
    "DELETE /api/security/role/{name}": Call(
        params={"name": "somerole"},
        forbidden=es_403(f"{ROLE_ACTION}/delete", SECURITY_ADMIN),
    ),
    "POST /internal/security/api_key": Call(
        body={"name": "a key"},
        forbidden=es_403(
            "cluster:admin/xpack/security/api_key/create",
            "manage_own_api_key,manage_api_key,manage_security,all",
        ),
    ),
    "GET /internal/security/api_key": Call(),
    "POST /internal/security/api_key/invalidate": Call(
        body={"apiKeys": [{"id": "no-such-key", "name": "gone"}], "isAdmin": False}
    ),
    "GET /api/oas": Call(),
}

PREFIXES = ("", "/s/space1")


def route_of(app: Starlette, key: str) -> ApiRoute:
    """The route `METHOD /path` of the app's route table."""
    routes: list[ApiRoute] = app.state.opencases.routes
    [route] = [route for route in routes if f"{route.method} {route.path}" == key]
    return route


def basic(username: str, password: str) -> str:
    """A Basic Authorization header value."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# --- the objects the requests name --------------------------------------------------------


@dataclass
class World:
    """What the requests need: objects per space, and credentials that must be refused."""

    objects: dict[str, dict[str, str]]
    # Each: the request's credential headers, and Kibana's 401.
    refused: dict[str, tuple[dict[str, str], dict[str, Any]]]


async def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    """The JSON body of a response that must have `status`."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json() if response.content else {}
    return body


@pytest.fixture
async def world(app: Starlette, client: httpx.AsyncClient) -> World:
    """`nobody` (whose one role grants nothing), a space, objects in each space, and a
    disabled user and an invalidated API key that both worked before."""
    for role in ("nothing", "somerole"):
        empty: dict[str, Any] = {"elasticsearch": {}, "kibana": []}
        await expect(await client.put(f"/api/security/role/{role}", json=empty), 204)
    for username, roles in (("nobody", ["nothing"]), ("someone", []), ("disabled", ["superuser"])):
        body = {"username": username, "password": "password1", "roles": roles}
        await expect(await client.post(f"/internal/security/users/{username}", json=body), 200)
    await expect(await client.post("/api/spaces/space", json={"id": "space1", "name": "S1"}), 200)
    key = await expect(await client.post("/internal/security/api_key", json={"name": "k"}), 200)
    async with make_client(app) as anonymous:
        # Both work, and are remembered, before they are ended.
        for authorization in (basic("disabled", "password1"), f"ApiKey {key['encoded']}"):
            me = await anonymous.get(
                "/internal/security/me", headers={"authorization": authorization}
            )
            assert me.status_code == 200, me.text
    # A session that worked, then ended by logging out.
    async with make_client(app, headers={"kbn-xsrf": "true"}) as browser:
        await expect(await browser.post("/internal/security/login", json=login_body()), 200)
        ended_session = browser.cookies["sid"]
        await expect(await browser.get("/internal/security/me"), 200)
        del browser.headers["kbn-xsrf"]  # Kibana's logout wants a client that can redirect
        logout = await browser.get("/api/security/logout")
        assert logout.status_code == 302, logout.text
    disable = {"username": "disabled", "roles": ["superuser"], "enabled": False}
    await expect(await client.post("/internal/security/users/disabled", json=disable), 200)
    invalidate = {"apiKeys": [{"id": key["id"], "name": "k"}], "isAdmin": False}
    await expect(await client.post("/internal/security/api_key/invalidate", json=invalidate), 200)

    objects: dict[str, dict[str, str]] = {}
    for prefix in PREFIXES:
        connector_id = f"connector-{prefix.rpartition('/')[2] or 'default'}"
        url = f"{prefix}/api/actions/connector/{connector_id}"
        await expect(await client.post(url, json=CONNECTOR), 200)
        configuration = await expect(
            await client.post(f"{prefix}/api/cases/configure", json=CONFIGURATION), 200
        )
        case = await expect(await client.post(f"{prefix}/api/cases", json=CASE), 200)
        on_case = f"{prefix}/api/cases/{case['id']}"
        commented = await expect(await client.post(f"{on_case}/comments", json=COMMENT), 200)
        with_file = await expect(await client.post(f"{on_case}/files", files=FILE_UPLOAD), 200)
        observed = await expect(
            await client.post(
                f"{prefix}/internal/cases/{case['id']}/observables",
                json={"observable": OBSERVABLE},
                headers={"x-elastic-internal-origin": "Kibana"},
            ),
            200,
        )
        objects[prefix] = {
            "connector": connector_id,
            "configuration": configuration["id"],
            "version": configuration["version"],
            "case": case["id"],
            # The case's version after the comment, the file and the observable.
            "case_version": observed["version"],
            "comment": commented["comments"][0]["id"],
            "comment_version": commented["comments"][0]["version"],
            "file": with_file["comments"][-1]["externalReferenceId"],
            "observable": observed["observables"][0]["id"],
        }
    return World(
        objects=objects,
        refused={
            "no credentials": ({}, NO_CREDENTIALS),
            "wrong password": (with_authorization(basic("elastic", "nope")), basic_401("elastic")),
            "unknown user": (
                with_authorization(basic("stranger", "password1")),
                basic_401("stranger"),
            ),
            "disabled user": (
                with_authorization(basic("disabled", "password1")),
                basic_401("disabled"),
            ),
            "invalidated API key": (with_authorization(f"ApiKey {key['encoded']}"), API_KEY_401),
            "malformed header": (with_authorization("Basic not-base64!"), NO_CREDENTIALS),
            "ended session": ({"cookie": f"sid={ended_session}"}, NO_CREDENTIALS),
        },
    )


def with_authorization(value: str) -> dict[str, str]:
    """The headers of a request carrying `value` as its Authorization."""
    return {"authorization": value}


def resolve(value: Any, objects: Mapping[str, str]) -> Any:
    """`value` with every `$name` string replaced by the object `name`."""
    if isinstance(value, str) and value.startswith("$"):
        return objects[value[1:]]
    if isinstance(value, Mapping):
        return {key: resolve(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, objects) for item in value]
    return value


def resolve_text(text: str, objects: Mapping[str, str]) -> str:
    """`text` with every `$name` in it replaced by the object `name`."""
    return re.sub(r"\$(\w+)", lambda match: objects[match.group(1)], text)


def request_args(route: ApiRoute, call: Call, objects: Mapping[str, str]) -> dict[str, Any]:
    """The method, path (without the space prefix) and body of a valid request."""
    params = resolve(call.params, objects)
    path = re.sub(r"{(\w+)}", lambda match: params.get(match.group(1), "x"), route.path)
    args: dict[str, Any] = {"method": route.method, "url": path}
    if call.body is not None:
        args["json"] = resolve(call.body, objects)
    if call.files is not None:
        args["files"] = call.files
    if call.query:
        args["params"] = resolve(call.query, objects)
    return args


@pytest.fixture
async def nobody(app: Starlette, world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client acting as `nobody`, whose only role grants nothing."""
    async with make_client(
        app, auth=("nobody", "password1"), headers={"kbn-xsrf": "true"}
    ) as client:
        yield client


# --- the tests ---------------------------------------------------------------------------


def test_every_route_must_declare_its_authorization() -> None:
    async def handler(request: Any, context: Any) -> Any:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="authz"):
        ApiRoute(  # type: ignore[call-arg]
            method="GET", path="/api/undeclared", handler=handler, summary="x", tag="x"
        )


async def test_the_table_covers_every_route(app: Starlette) -> None:
    # The login and logout routes authenticate nobody (tests/security/test_sessions.py).
    routes = [route for route in app.state.opencases.routes if route.authentication == "required"]
    assert sorted(f"{route.method} {route.path}" for route in routes) == sorted(CALLS)
    for route in routes:
        call = CALLS[f"{route.method} {route.path}"]
        where = f"{route.method} {route.path}"
        if isinstance(route.authz, Requires):
            assert call.forbidden is not None, f"{where}: its 403 message belongs in CALLS"
        else:
            assert isinstance(route.authz, OptOut), where
            assert route.authz.reason, where
            assert call.forbidden is None, f"{where} opts out: nobody may be refused it"


@pytest.mark.parametrize("key", list(CALLS))
async def test_route_refuses_bad_credentials_and_missing_privileges_as_kibana_does(
    app: Starlette,
    db: Database,
    client: httpx.AsyncClient,
    nobody: httpx.AsyncClient,
    world: World,
    key: str,
) -> None:
    route = route_of(app, key)
    call = CALLS[key]
    before = await snapshot(db)
    async with make_client(app, headers={"kbn-xsrf": "true"}) as anonymous:
        for prefix in PREFIXES:
            args = request_args(route, call, world.objects[prefix])
            args["url"] = prefix + args["url"]
            for kind, (headers, expected) in world.refused.items():
                response = await anonymous.request(**args, headers=headers)
                where = f"{key} under {prefix!r} with {kind}"
                assert (response.status_code, response.json()) == (401, expected), where
                if "cookie" in headers:
                    # No challenge to a browser's page: it would open a password dialog.
                    assert "www-authenticate" not in response.headers, where
                    reason = response.headers["kbn-session-error-reason"]
                    assert reason == "UNEXPECTED_SESSION_ERROR", where
                else:
                    assert response.headers["www-authenticate"] == 'Basic realm="kibana"', where
                assert await snapshot(db) == before, where

    for prefix in PREFIXES:
        args = request_args(route, call, world.objects[prefix])
        args["url"] = prefix + args["url"]
        response = await nobody.request(**args)
        where = f"{key} under {prefix!r} as nobody"
        if call.forbidden is None:
            status = call.success_status or route.status
            assert response.status_code == status, f"{where}: {response.text}"
            continue
        assert await snapshot(db) == before, where
        message = resolve_text(call.forbidden, world.objects[prefix])
        expected = {"statusCode": 403, "error": "Forbidden", "message": message}
        assert (response.status_code, response.json()) == (403, expected), where

    # The very same request, as the superuser: the refusals were about the caller.
    response = await client.request(**request_args(route, call, world.objects[""]))
    assert response.status_code == (call.success_status or route.status), response.text


async def test_wrong_password_message_is_elasticsearch_s(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get(
        "/api/status", headers={"authorization": basic("elastic", "nope")}
    )
    assert (response.status_code, response.json()) == (401, basic_401("elastic"))
