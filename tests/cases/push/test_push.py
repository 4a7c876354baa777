"""POST /api/cases/{case_id}/connector/{connector_id}/_push, against a fake ServiceNow."""

from __future__ import annotations

from datetime import datetime

import httpx
from starlette.applications import Starlette

from opencases.db import Database
from tests.cases.conftest import ELASTIC, SECURITY, case_request
from tests.cases.push.conftest import (
    ALERT,
    SERVICENOW,
    comment,
    external_service,
    incident,
    writes,
)
from tests.conftest import make_client, snapshot
from tests.connectors.fakes import FakeService
from tests.connectors.types.test_servicenow import INCIDENT_PATH


async def test_a_push_creates_the_incident_sends_the_comments_and_closes_the_case(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    """The issue's user story: two comments and an alert, pushed; close-by-pushing closes."""
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    url = f"/api/cases/{case['id']}"
    for body in (comment("First look"), comment("Second look"), ALERT):
        assert (await client.post(f"{url}/comments", json=body)).status_code == 200
    fake.received.clear()

    response = await client.post(f"{url}/connector/servicenow/_push")

    assert response.status_code == 200, response.text
    pushed = response.json()
    assert writes(fake) == [
        ("POST", {**incident(case), "caller_id": "admin", "opened_by": "admin"}),
        ("PATCH", incident(case, work_notes="First look\n\nAdded by elastic.")),
        ("PATCH", incident(case, work_notes="Second look\n\nAdded by elastic.")),
        ("PATCH", incident(case, work_notes="Elastic Alerts attached to the case: 2")),
    ]
    now = pushed["updated_at"]
    assert pushed["external_service"] == external_service(now)
    assert (pushed["status"], pushed["closed_at"], pushed["closed_by"]) == ("closed", now, ELASTIC)
    assert [(c["pushed_at"], c["pushed_by"]) for c in pushed["comments"]] == [(now, ELASTIC)] * 3
    assert (pushed["totalComment"], pushed["totalAlerts"]) == (3, 2)
    activity = (await client.get(f"{url}/user_actions/_find", params={"perPage": 100})).json()
    status, push = activity["userActions"][-2:]
    assert (status["type"], status["action"], status["payload"]) == (
        "status",
        "update",
        {"status": "closed"},
    )
    assert (push["type"], push["action"], push["payload"]) == (
        "pushed",
        "push_to_service",
        {"externalService": external_service(now)},
    )
    # GET counts user comments and distinct alerts; the push answers as Kibana's
    # encodeWithComments counts (every attachment, every alert id).
    without_comments = {key: value for key, value in pushed.items() if key != "comments"}
    stored = (await client.get(url)).json()
    assert stored == {**without_comments, "totalComment": 2, "totalAlerts": 2}


async def test_a_second_push_updates_the_incident_with_the_comments_changed_since(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    url = f"/api/cases/{case['id']}"
    for body in (comment("First look"), comment("Second look"), ALERT):
        assert (await client.post(f"{url}/comments", json=body)).status_code == 200
    pushed = await client.post(f"{url}/connector/servicenow/_push")
    # A push marks each attachment pushed: a new version of each.
    first = pushed.json()["comments"][0]
    edited = await client.patch(
        f"{url}/comments",
        json={**comment("First look, edited"), "id": first["id"], "version": first["version"]},
    )
    assert edited.status_code == 200, edited.text
    assert (await client.post(f"{url}/comments", json=comment("Third look"))).status_code == 200
    fake.received.clear()

    response = await client.post(f"{url}/connector/servicenow/_push")

    assert response.status_code == 200, response.text
    updated = incident(case, externalId="sys-1")
    del updated["externalId"]  # the Table API names the incident in its path
    assert writes(fake) == [
        ("PATCH", updated),
        ("PATCH", incident(case, work_notes="First look, edited\n\nAdded by elastic.")),
        ("PATCH", incident(case, work_notes="Third look\n\nAdded by elastic.")),
    ]


async def test_a_refused_push_answers_424_with_the_reason_and_changes_nothing(
    client: httpx.AsyncClient, fake: FakeService, db: Database
) -> None:
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    fake.on(
        "POST",
        INCIDENT_PATH,
        httpx.Response(401, json={"error": {"message": "User Not Authenticated"}}),
    )
    before = await snapshot(db)

    response = await client.post(f"/api/cases/{case['id']}/connector/servicenow/_push")

    assert response.status_code == 424, response.text
    body = response.json()
    assert (body["statusCode"], body["error"]) == (424, "Failed Dependency")
    assert "User Not Authenticated" in body["message"]
    assert await snapshot(db) == before


async def test_an_unknown_case_or_connector_is_404_and_nothing_is_sent(
    client: httpx.AsyncClient, fake: FakeService, db: Database
) -> None:
    """push_case.ts: it('unhappy path - 404s when case does not exist'); an unknown
    connector is the Actions API's 404."""
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    before = await snapshot(db)
    fake.received.clear()

    unknown_case = await client.post("/api/cases/nope/connector/servicenow/_push")
    unknown_connector = await client.post(f"/api/cases/{case['id']}/connector/nope/_push")

    assert (unknown_case.status_code, unknown_case.json()["message"]) == (
        404,
        "Saved object [cases/nope] not found",
    )
    assert (unknown_connector.status_code, unknown_connector.json()["message"]) == (
        404,
        "Saved object [action/nope] not found",
    )
    assert (fake.received, await snapshot(db)) == ([], before)


async def test_a_reader_may_not_push(
    client: httpx.AsyncClient, app: Starlette, fake: FakeService, db: Database
) -> None:
    """push_case.ts rbac: a user who may only read the owner's cases is refused."""
    role = {
        "elasticsearch": {},
        "kibana": [
            {
                "base": [],
                "feature": {"securitySolutionCases": ["read"], "actions": ["all"]},
                "spaces": ["*"],
            }
        ],
    }
    assert (await client.put("/api/security/role/reader", json=role)).status_code == 204
    user = {"username": "reader", "password": "reader-pw", "roles": ["reader"]}
    created = await client.post(
        "/internal/security/users/reader",
        json=user,
        headers={"x-elastic-internal-origin": "Kibana"},
    )
    assert created.status_code == 200, created.text
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    before = await snapshot(db)
    fake.received.clear()

    credentials = {"auth": ("reader", "reader-pw"), "headers": {"kbn-xsrf": "true"}}
    async with make_client(app, **credentials) as reader:
        response = await reader.post(f"/api/cases/{case['id']}/connector/servicenow/_push")

    assert (response.status_code, response.json()) == (
        403,
        {
            "statusCode": 403,
            "error": "Forbidden",
            "message": f'Unauthorized to update case with owners: "{SECURITY}"',
        },
    )
    assert (fake.received, await snapshot(db)) == ([], before)


async def test_a_closed_case_can_be_pushed_and_close_by_user_keeps_the_status(
    client: httpx.AsyncClient,
) -> None:
    """push_case.ts: it('should push a case that has been closed') (Kibana 9: allowed)."""
    configurations = (await client.get("/api/cases/configure")).json()
    [configuration] = configurations
    changed = await client.patch(
        f"/api/cases/configure/{configuration['id']}",
        json={"version": configuration["version"], "closure_type": "close-by-user"},
    )
    assert changed.status_code == 200, changed.text
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    closed = await client.patch(
        "/api/cases",
        json={"cases": [{"id": case["id"], "version": case["version"], "status": "closed"}]},
    )
    [closed_case] = closed.json()

    response = await client.post(f"/api/cases/{case['id']}/connector/servicenow/_push")

    assert response.status_code == 200, response.text
    pushed = response.json()
    assert (pushed["status"], pushed["closed_at"]) == ("closed", closed_case["closed_at"])
    activity = await client.get(f"/api/cases/{case['id']}/user_actions/_find")
    assert [a["type"] for a in activity.json()["userActions"]] == [
        "create_case",
        "status",
        "pushed",
    ]


async def test_the_comments_are_formatted_as_kibana_formats_them(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    """push_case.ts: it('should format the comments correctly') (without Kibana's link,
    which needs `server.publicBaseUrl`): user comments and host actions in words, one alert
    count; alerts, external references and persistable state send nothing of their own."""
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    url = f"/api/cases/{case['id']}"
    host = {"targets": [{"hostname": "host-name", "endpointId": "endpoint-id"}]}
    attachments = [
        {**comment("This is a cool comment")},
        {**ALERT, "alertId": "test-id", "index": "test-index"},
        ALERT,
        {"type": "actions", "comment": "comment text", "actions": {**host, "type": "isolate"}},
        {"type": "actions", "comment": "comment text", "actions": {**host, "type": "unisolate"}},
        {
            "type": "persistableState",
            "persistableStateAttachmentTypeId": ".lens",
            "persistableStateAttachmentState": {"foo": "bar"},
        },
    ]
    bulk = await client.post(
        f"/internal/cases/{case['id']}/attachments/_bulk_create",
        json=[{**attachment, "owner": SECURITY} for attachment in attachments],
        headers={"x-elastic-internal-origin": "Kibana"},
    )
    assert bulk.status_code == 200, bulk.text
    fake.received.clear()

    response = await client.post(f"{url}/connector/servicenow/_push")

    assert response.status_code == 200, response.text
    notes = [body["work_notes"] for method, body in writes(fake) if "work_notes" in body]
    assert notes == [
        "This is a cool comment\n\nAdded by elastic.",
        "Isolated host host-name with comment: comment text\n\nAdded by elastic.",
        "Released host host-name with comment: comment text\n\nAdded by elastic.",
        "Elastic Alerts attached to the case: 3",
    ]


async def test_a_push_names_the_updaters_full_name(
    client: httpx.AsyncClient, app: Starlette, fake: FakeService
) -> None:
    """push_case.ts: it('should push a with a description using the updated profile full
    name'): the case's updater, by full name."""
    role = {"elasticsearch": {}, "kibana": [{"base": ["all"], "feature": {}, "spaces": ["*"]}]}
    assert (await client.put("/api/security/role/editor", json=role)).status_code == 204
    user = {
        "username": "super",
        "password": "super-pw-1",
        "roles": ["editor"],
        "full_name": "super_full_name",
    }
    created = await client.post(
        "/internal/security/users/super", json=user, headers={"x-elastic-internal-origin": "Kibana"}
    )
    assert created.status_code == 200, created.text
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    credentials = {"auth": ("super", "super-pw-1"), "headers": {"kbn-xsrf": "true"}}
    async with make_client(app, **credentials) as editor:
        patched = await editor.patch(
            "/api/cases",
            json={"cases": [{"id": case["id"], "version": case["version"], "title": "Renamed"}]},
        )
        assert patched.status_code == 200, patched.text
        fake.received.clear()
        response = await editor.post(f"/api/cases/{case['id']}/connector/servicenow/_push")

    assert response.status_code == 200, response.text
    [(method, created_incident), *_] = writes(fake)
    assert (method, created_incident["description"]) == (
        "POST",
        f"{case['description']}\n\nAdded by super_full_name.",
    )


async def test_closing_by_pushing_sets_the_duration(client: httpx.AsyncClient) -> None:
    """push_case.ts: it('updates the duration correctly when pushed a case and case closure
    options is set to automatically'), and it('preserves the connector.id after pushing a
    case')."""
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()

    pushed = (await client.post(f"/api/cases/{case['id']}/connector/servicenow/_push")).json()

    created = datetime.fromisoformat(case["created_at"])
    closed = datetime.fromisoformat(pushed["closed_at"])
    assert pushed["duration"] == int((closed - created).total_seconds())
    assert pushed["connector"]["id"] == "servicenow"
