"""A case pushed to each case connector type, against a fake of its external system.

For each type: the first push creates the external incident with the case's mapped title
and description and the type's fields, then sends the user comment and the alerts count;
a second push, after a comment was edited and one added, updates the same incident and
sends only those two comments (the alerts were pushed already). The requests are the
ones the connector types' own tests (tests/connectors/types/) show Kibana sending.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from opencases.kibana.time import parse_time
from tests.cases.conftest import CASE_REQUEST, ELASTIC, case_request
from tests.cases.push.conftest import ALERT, SERVICENOW, comment, incident
from tests.conftest import ELASTIC_PASSWORD, make_client
from tests.connectors.fakes import FakeService, Received
from tests.connectors.helpers import FixedClock, connector_settings, started_app
from tests.connectors.types import test_cases_webhook as cases_webhook_fakes
from tests.connectors.types import test_jira as jira_fakes
from tests.connectors.types import test_resilient as resilient_fakes
from tests.connectors.types import test_swimlane as swimlane_fakes
from tests.connectors.types import test_thehive as thehive_fakes
from tests.connectors.types.test_servicenow import (
    BASIC,
    BASIC_AUTH,
    HEALTH_PATH,
    IMPORT_PATH,
    INCIDENT_PATH,
    SIR_PATH,
    STORED_INCIDENT,
    URL,
    VIEW_URL,
    answer,
    get,
    prefixed,
    sent,
    serve_import_set_api,
    serve_table_api,
)

# The connectors' clock: Swimlane dates the comments it sends with it.
NOW = "2024-05-06T07:08:09.010Z"
TITLE = CASE_REQUEST["title"]
DESCRIPTION = f"{CASE_REQUEST['description']}\n\nAdded by elastic."
FIRST = "First look\n\nAdded by elastic."
EDITED = "First look, edited\n\nAdded by elastic."
SECOND = "Second look\n\nAdded by elastic."
ALERTS = "Elastic Alerts attached to the case: 2"


@pytest.fixture
def fake() -> FakeService:
    """The external system; each test serves its type's routes."""
    return FakeService()


@pytest.fixture
async def app(database_url: str, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the shipped connector types, its network the fake, its clock NOW."""
    settings = connector_settings(database_url)
    clock = FixedClock(parse_time(NOW))
    async with started_app(
        settings, elastic_hash, fake, connector_types=None, clock=clock
    ) as application:
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """`elastic`, without connectors or case configuration."""
    credentials = {"auth": ("elastic", ELASTIC_PASSWORD), "headers": {"kbn-xsrf": "true"}}
    async with make_client(app, **credentials) as http:
        yield http


async def create_connector(
    client: httpx.AsyncClient,
    connector: dict[str, Any],
    *,
    config: dict[str, Any],
    secrets: dict[str, Any],
) -> None:
    """POST /api/actions/connector/{id} for the case connector `connector`."""
    created = await client.post(
        f"/api/actions/connector/{connector['id']}",
        json={
            "name": connector["name"],
            "connector_type_id": connector["type"],
            "config": config,
            "secrets": secrets,
        },
    )
    assert created.status_code == 200, created.text


@dataclass(frozen=True, slots=True)
class Pushes:
    """Two pushes of one case, and what the external system received for each."""

    case: dict[str, Any]
    first: dict[str, Any]
    first_received: list[Received]
    second: dict[str, Any]
    second_received: list[Received]


async def push_twice(
    client: httpx.AsyncClient, fake: FakeService, connector: dict[str, Any]
) -> Pushes:
    """A case on `connector` with a comment and an alert, pushed; the comment edited and
    another added, pushed again."""
    case = (await client.post("/api/cases", json=case_request(connector=connector))).json()
    url = f"/api/cases/{case['id']}"
    for body in (comment("First look"), ALERT):
        added = await client.post(f"{url}/comments", json=body)
        assert added.status_code == 200, added.text
    push_url = f"{url}/connector/{connector['id']}/_push"
    fake.received.clear()

    first = await client.post(push_url)

    assert first.status_code == 200, first.text
    first_received = list(fake.received)
    fake.received.clear()
    user_comment = next(c for c in first.json()["comments"] if c["type"] == "user")
    edited = await client.patch(
        f"{url}/comments",
        json={
            **comment("First look, edited"),
            "id": user_comment["id"],
            "version": user_comment["version"],
        },
    )
    assert edited.status_code == 200, edited.text
    added = await client.post(f"{url}/comments", json=comment("Second look"))
    assert added.status_code == 200, added.text
    fake.received.clear()

    second = await client.post(push_url)

    assert second.status_code == 200, second.text
    second_received = list(fake.received)
    return Pushes(case, first.json(), first_received, second.json(), second_received)


def summaries(received: list[Received]) -> list[dict[str, Any]]:
    return [request.summary() for request in received]


async def assert_recorded(
    client: httpx.AsyncClient,
    pushes: Pushes,
    connector: dict[str, Any],
    external: dict[str, str],
    updated: dict[str, str] | None = None,
) -> None:
    """Each push's answer: its `external_service` (`external`, after the update `updated`
    where the type answers otherwise), the attachments marked pushed, the case left open
    (no configuration), and a `pushed` user action naming the push."""
    first_at, second_at = pushes.first["updated_at"], pushes.second["updated_at"]

    def external_service(pushed_at: str, *, second: bool = False) -> dict[str, Any]:
        return {
            "connector_id": connector["id"],
            "connector_name": connector["name"],
            **(updated if updated is not None and second else external),
            "pushed_at": pushed_at,
            "pushed_by": ELASTIC,
        }

    assert pushes.first["external_service"] == external_service(first_at)
    assert pushes.second["external_service"] == external_service(second_at, second=True)
    assert [(c["type"], c["pushed_at"], c["pushed_by"]) for c in pushes.first["comments"]] == [
        ("user", first_at, ELASTIC),
        ("alert", first_at, ELASTIC),
    ]
    # Editing a pushed comment keeps its push; the new one is pushed by the second push.
    assert [(c["type"], c["pushed_at"], c["pushed_by"]) for c in pushes.second["comments"]] == [
        ("user", first_at, ELASTIC),
        ("alert", first_at, ELASTIC),
        ("user", second_at, ELASTIC),
    ]
    assert (pushes.first["status"], pushes.second["status"]) == ("open", "open")
    assert (pushes.second["updated_by"], pushes.second["connector"]) == (
        ELASTIC,
        pushes.case["connector"],
    )
    stored = (await client.get(f"/api/cases/{pushes.case['id']}")).json()
    assert stored["external_service"] == external_service(second_at, second=True)
    activity = await client.get(
        f"/api/cases/{pushes.case['id']}/user_actions/_find", params={"perPage": 100}
    )
    actions = activity.json()["userActions"]
    pushed = [(a["type"], a["action"], a["payload"]) for a in actions if a["type"] == "pushed"]
    assert pushed == [
        ("pushed", "push_to_service", {"externalService": external_service(first_at)}),
        (
            "pushed",
            "push_to_service",
            {"externalService": external_service(second_at, second=True)},
        ),
    ]
    last = actions[-1]
    assert (last["type"], last["action"], last["created_by"], last["comment_id"]) == (
        "pushed",
        "push_to_service",
        ELASTIC,
        None,
    )


# --- ServiceNow ITSM -------------------------------------------------------------------


async def test_servicenow_table_api(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should map the fields and add the
    backlink to Kibana correctly') (without a public base URL), it('should format the
    comments correctly'), it('pushes a comment appropriately')."""
    serve_table_api(fake)
    await create_connector(
        client, SERVICENOW, config={"apiUrl": URL, "usesTableApi": True}, secrets=BASIC
    )

    pushes = await push_twice(client, fake, SERVICENOW)

    case = pushes.case
    assert summaries(pushes.first_received) == [
        sent("POST", INCIDENT_PATH, {**incident(case), "caller_id": "admin", "opened_by": "admin"}),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", incident(case, work_notes=FIRST)),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", incident(case, work_notes=ALERTS)),
        get(f"{INCIDENT_PATH}/sys-1"),
    ]
    for request in pushes.first_received + pushes.second_received:
        assert request.headers["authorization"] == BASIC_AUTH
        if request.method != "GET":
            assert request.headers["content-type"] == "application/json"
    await assert_recorded(
        client,
        pushes,
        SERVICENOW,
        {"external_id": "sys-1", "external_title": "INC0010001", "external_url": VIEW_URL},
    )
    # The update sends no caller; only the edited and the new comment follow.
    assert summaries(pushes.second_received) == [
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", incident(case)),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", incident(case, work_notes=EDITED)),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", incident(case, work_notes=SECOND)),
        get(f"{INCIDENT_PATH}/sys-1"),
    ]


async def test_servicenow_import_set_api(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should format the comments correctly'),
    on the Elastic ServiceNow application's Import Set API (usesTableApi: false)."""
    serve_import_set_api(fake)
    await create_connector(
        client, SERVICENOW, config={"apiUrl": URL, "usesTableApi": False}, secrets=BASIC
    )

    pushes = await push_twice(client, fake, SERVICENOW)

    case = pushes.case
    created = prefixed({**incident(case), "caller_id": "admin", "opened_by": "admin"})

    def noted(text: str) -> dict[str, Any]:
        return {**prefixed(incident(case, work_notes=text)), "elastic_incident_id": "sys-1"}

    def written(body: dict[str, Any]) -> list[dict[str, Any]]:
        # Every write checks first that the application is installed, then reads back.
        return [get(HEALTH_PATH), sent("POST", IMPORT_PATH, body), get(f"{INCIDENT_PATH}/sys-1")]

    assert summaries(pushes.first_received) == [
        *written(created),
        *written(noted(FIRST)),
        *written(noted(ALERTS)),
    ]
    assert {r.headers["authorization"] for r in pushes.first_received} == {BASIC_AUTH}
    await assert_recorded(
        client,
        pushes,
        SERVICENOW,
        {"external_id": "sys-1", "external_title": "INC0010001", "external_url": VIEW_URL},
    )
    assert summaries(pushes.second_received) == [
        *written({**prefixed(incident(case)), "elastic_incident_id": "sys-1"}),
        *written(noted(EDITED)),
        *written(noted(SECOND)),
    ]


# --- ServiceNow SecOps -----------------------------------------------------------------

SERVICENOW_SIR = {
    "id": "servicenow-sir",
    "name": "ServiceNow SecOps",
    "type": ".servicenow-sir",
    "fields": {
        "category": "Denial of Service",
        "subcategory": "26",
        "priority": "1",
        "destIp": True,
        "sourceIp": True,
        "malwareHash": True,
        "malwareUrl": True,
        "additionalFields": None,
    },
}
SIR_URL = f"{URL}/nav_to.do?uri=sn_si_incident.do?sys_id=sir-1"


async def test_servicenow_sir_table_api(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case') for ServiceNow SecOps. Its observables come
    from the alerts' documents, which OpenCases does not keep: the lists are empty, which
    the Table API receives joined (as text)."""
    fake.on("POST", SIR_PATH, answer({"sys_id": "sir-1"}, 201))
    fake.on("PATCH", f"{SIR_PATH}/sir-1", answer({"sys_id": "sir-1"}))
    fake.on(
        "GET",
        f"{SIR_PATH}/sir-1",
        answer({**STORED_INCIDENT, "sys_id": "sir-1", "number": "SIR0010001"}),
    )
    await create_connector(
        client, SERVICENOW_SIR, config={"apiUrl": URL, "usesTableApi": True}, secrets=BASIC
    )

    pushes = await push_twice(client, fake, SERVICENOW_SIR)

    sir = {
        "short_description": TITLE,
        "description": DESCRIPTION,
        "dest_ip": "",
        "source_ip": "",
        "malware_hash": "",
        "malware_url": "",
        "category": "Denial of Service",
        "subcategory": "26",
        "priority": "1",
        "correlation_id": pushes.case["id"],
        "correlation_display": "Elastic Case",
    }
    path = f"{SIR_PATH}/sir-1"
    assert summaries(pushes.first_received) == [
        sent("POST", SIR_PATH, {**sir, "caller_id": "admin", "opened_by": "admin"}),
        get(path),
        sent("PATCH", path, {**sir, "work_notes": FIRST}),
        get(path),
        sent("PATCH", path, {**sir, "work_notes": ALERTS}),
        get(path),
    ]
    assert {r.headers["authorization"] for r in pushes.first_received} == {BASIC_AUTH}
    await assert_recorded(
        client,
        pushes,
        SERVICENOW_SIR,
        {"external_id": "sir-1", "external_title": "SIR0010001", "external_url": SIR_URL},
    )
    assert summaries(pushes.second_received) == [
        sent("PATCH", path, sir),
        get(path),
        sent("PATCH", path, {**sir, "work_notes": EDITED}),
        get(path),
        sent("PATCH", path, {**sir, "work_notes": SECOND}),
        get(path),
    ]


# --- Jira ------------------------------------------------------------------------------

JIRA = {
    "id": "jira",
    "name": "Jira",
    "type": ".jira",
    "fields": {"issueType": "10006", "priority": "High", "parent": None},
}
ISSUE_PATH = "/rest/api/2/issue"


async def test_jira(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should format the comments correctly'),
    for Jira: the case's tags are the issue's labels."""
    fake.on("POST", ISSUE_PATH, httpx.Response(201, json=jira_fakes.ISSUE))
    fake.on("PUT", f"{ISSUE_PATH}/10001", httpx.Response(204))
    fake.on(
        "GET",
        f"{ISSUE_PATH}/10001",
        jira_fakes.issue_answer(
            created="2020-04-27T10:59:46.202Z", updated="2020-04-28T08:00:00.000Z"
        ),
    )
    fake.on(
        "POST",
        f"{ISSUE_PATH}/10001/comment",
        httpx.Response(201, json={"id": "c1", "created": "2020-04-27T11:00:00.000Z"}),
    )
    await create_connector(client, JIRA, config=jira_fakes.CONFIG, secrets=jira_fakes.SECRETS)

    pushes = await push_twice(client, fake, JIRA)

    fields = {
        "summary": TITLE,
        "project": {"key": "CK"},
        "issuetype": {"id": "10006"},
        "description": DESCRIPTION,
        "labels": ["defacement"],
        "priority": {"name": "High"},
    }

    def commented(text: str) -> dict[str, Any]:
        return sent("POST", f"{ISSUE_PATH}/10001/comment", {"body": text})

    assert summaries(pushes.first_received) == [
        sent("POST", ISSUE_PATH, {"fields": fields}),
        get(f"{ISSUE_PATH}/10001"),
        commented(FIRST),
        commented(ALERTS),
    ]
    for request in pushes.first_received + pushes.second_received:
        assert request.headers["authorization"] == jira_fakes.AUTHORIZATION
        if request.method != "GET":
            assert request.headers["content-type"] == "application/json"
    await assert_recorded(
        client,
        pushes,
        JIRA,
        {
            "external_id": "10001",
            "external_title": "CK-1",
            "external_url": "https://external.example.com/browse/CK-1",
        },
    )
    assert summaries(pushes.second_received) == [
        sent("PUT", f"{ISSUE_PATH}/10001", {"fields": fields}),
        get(f"{ISSUE_PATH}/10001"),
        commented(EDITED),
        commented(SECOND),
    ]


# --- IBM Resilient ---------------------------------------------------------------------

RESILIENT = {
    "id": "resilient",
    "name": "IBM Resilient",
    "type": ".resilient",
    "fields": {"incidentTypes": ["1001", "16"], "severityCode": "6"},
}


async def test_resilient(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should format the comments correctly'),
    for IBM Resilient: the update sends each field's change from the incident as read."""
    incidents = resilient_fakes.INCIDENTS
    stored = {
        "id": 123,
        "name": TITLE,
        "description": {"format": "html", "content": DESCRIPTION},
        "incident_type_ids": [1001, 16],
        "severity_code": 6,
        "inc_last_modified_date": resilient_fakes.MODIFIED_AT,
    }
    fake.on(
        "POST",
        incidents,
        httpx.Response(200, json={"id": 123, "create_date": resilient_fakes.CREATED_AT}),
    )
    fake.on("POST", f"{incidents}/123/comments", httpx.Response(200, json={"id": 9}))
    fake.on("GET", f"{incidents}/123", httpx.Response(200, json=stored))
    fake.on(
        "GET", resilient_fakes.FIELDS, httpx.Response(200, json=resilient_fakes.RESILIENT_FIELDS)
    )
    fake.on("PATCH", f"{incidents}/123", httpx.Response(200, json={"success": True}))
    await create_connector(
        client, RESILIENT, config=resilient_fakes.CONFIG, secrets=resilient_fakes.SECRETS
    )

    pushes = await push_twice(client, fake, RESILIENT)

    objects_convert = resilient_fakes.OBJECTS_CONVERT
    # Resilient's discovered date is the connectors' clock's, in milliseconds.
    discovered = int(parse_time(NOW).timestamp() * 1000)

    def commented(text: str) -> dict[str, Any]:
        body = {"text": {"format": "text", "content": text}}
        return sent("POST", f"{incidents}/123/comments", body)

    assert summaries(pushes.first_received) == [
        {
            "method": "POST",
            "path": incidents,
            "query": objects_convert,
            "body": {
                "name": TITLE,
                "discovered_date": discovered,
                "description": {"format": "html", "content": DESCRIPTION},
                "incident_type_ids": [{"id": 1001}, {"id": 16}],
                "severity_code": {"id": 6},
            },
        },
        commented(FIRST),
        commented(ALERTS),
    ]
    for request in pushes.first_received + pushes.second_received:
        assert request.headers["authorization"] == resilient_fakes.AUTHORIZATION
        assert request.headers["content-type"] == "application/json"
    await assert_recorded(
        client,
        pushes,
        RESILIENT,
        {
            "external_id": "123",
            "external_title": "123",
            "external_url": "https://external.example.com/#incidents/123",
        },
    )
    read = {"method": "GET", "path": f"{incidents}/123", "query": objects_convert, "body": {}}
    changes = [
        {"field": {"name": "name"}, "old_value": {"text": TITLE}, "new_value": {"text": TITLE}},
        {
            "field": {"name": "description"},
            "old_value": {"textarea": {"format": "html", "content": DESCRIPTION}},
            "new_value": {"textarea": {"format": "html", "content": DESCRIPTION}},
        },
        {
            "field": {"name": "incident_type_ids"},
            "old_value": {"ids": [1001, 16]},
            "new_value": {"ids": [1001, 16]},
        },
        {"field": {"name": "severity_code"}, "old_value": {"id": 6}, "new_value": {"id": 6}},
    ]
    assert summaries(pushes.second_received) == [
        read,
        resilient_fakes.GET_FIELDS,
        sent("PATCH", f"{incidents}/123", {"changes": changes}),
        read,
        commented(EDITED),
        commented(SECOND),
    ]


# --- Swimlane --------------------------------------------------------------------------

SWIMLANE = {
    "id": "swimlane",
    "name": "Swimlane",
    "type": ".swimlane",
    "fields": {"caseId": "SOC-7"},
}
RECORD_PATH = "/api/app/123/record"
SWIMLANE_COMMENT_PATH = f"{RECORD_PATH}/rec-1/f-comments/comment"


def serve_swimlane(fake: FakeService) -> None:
    """A Swimlane application 123 that writes record rec-1 and its comments."""
    fake.on("POST", RECORD_PATH, swimlane_fakes.record(createdDate="2024-01-02T03:04:05.006Z"))
    fake.on(
        "PATCH", f"{RECORD_PATH}/rec-1", swimlane_fakes.record(modifiedDate="2024-01-03T00:00:00Z")
    )
    fake.on("POST", SWIMLANE_COMMENT_PATH, httpx.Response(200))


def swimlane_comment(text: str) -> dict[str, Any]:
    body = {"createdDate": NOW, "fieldId": "f-comments", "isRichText": True, "message": text}
    return sent("POST", SWIMLANE_COMMENT_PATH, body)


async def test_swimlane(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should format the comments correctly'),
    for Swimlane: the record's values are the mapped case id, name and description."""
    serve_swimlane(fake)
    await create_connector(
        client,
        SWIMLANE,
        config=swimlane_fakes.swimlane_config(),
        secrets=swimlane_fakes.SECRETS,
    )

    pushes = await push_twice(client, fake, SWIMLANE)

    values = {"f-case-id": "SOC-7", "f-case-name": TITLE, "f-description": DESCRIPTION}
    assert summaries(pushes.first_received) == [
        sent("POST", RECORD_PATH, {"applicationId": "123", "values": values}),
        swimlane_comment(FIRST),
        swimlane_comment(ALERTS),
    ]
    for request in pushes.first_received + pushes.second_received:
        assert request.headers["private-token"] == "swimlane-token"
        assert request.headers["content-type"] == "application/json"
        assert "authorization" not in request.headers
    await assert_recorded(
        client,
        pushes,
        SWIMLANE,
        {
            "external_id": "rec-1",
            "external_title": "SL-1",
            "external_url": f"{swimlane_fakes.API_URL}/record/123/rec-1",
        },
    )
    assert summaries(pushes.second_received) == [
        sent(
            "PATCH",
            f"{RECORD_PATH}/rec-1",
            {"applicationId": "123", "id": "rec-1", "values": values},
        ),
        swimlane_comment(EDITED),
        swimlane_comment(SECOND),
    ]


async def test_swimlane_case_id_field_left_null_is_not_replaced_by_the_case_id(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    """OpenCases' own, from Kibana's swimlane format.ts: `const { caseId = theCase.id } =
    fields ?? {}` takes the case's id only when the field is absent (or the fields null);
    a `caseId: null` stays null, and Swimlane gets no case id value."""
    serve_swimlane(fake)
    await create_connector(
        client,
        SWIMLANE,
        config=swimlane_fakes.swimlane_config(),
        secrets=swimlane_fakes.SECRETS,
    )
    connector = {**SWIMLANE, "fields": {"caseId": None}}
    case = (await client.post("/api/cases", json=case_request(connector=connector))).json()
    fake.received.clear()

    pushed = await client.post(f"/api/cases/{case['id']}/connector/swimlane/_push")

    assert pushed.status_code == 200, pushed.text
    assert summaries(fake.received) == [
        sent(
            "POST",
            RECORD_PATH,
            {
                "applicationId": "123",
                "values": {"f-case-name": TITLE, "f-description": DESCRIPTION},
            },
        )
    ]


async def test_swimlane_without_fields_sends_the_case_id(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    """OpenCases' own, from Kibana's swimlane format.ts: a case connector without fields
    gives Swimlane the case's own id."""
    serve_swimlane(fake)
    await create_connector(
        client,
        SWIMLANE,
        config=swimlane_fakes.swimlane_config(),
        secrets=swimlane_fakes.SECRETS,
    )
    connector = {**SWIMLANE, "fields": None}
    case = (await client.post("/api/cases", json=case_request(connector=connector))).json()
    fake.received.clear()

    pushed = await client.post(f"/api/cases/{case['id']}/connector/swimlane/_push")

    assert pushed.status_code == 200, pushed.text
    values = {"f-case-id": case["id"], "f-case-name": TITLE, "f-description": DESCRIPTION}
    assert summaries(fake.received) == [
        sent("POST", RECORD_PATH, {"applicationId": "123", "values": values})
    ]


# --- Webhook - Case Management ---------------------------------------------------------

CASES_WEBHOOK = {
    "id": "cases-webhook",
    "name": "Webhook - Case Management",
    "type": ".cases-webhook",
    "fields": None,
}


async def test_cases_webhook(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should format the comments correctly'),
    for Webhook - Case Management: its mapping is empty (Kibana 9's cases_webook/mapping.ts),
    so its templates get the case's own title, description (without "Added by") and tags;
    the comments are formatted as for every type."""
    issues = "/rest/api/2/issue"
    fake.on("POST", issues, httpx.Response(201, json={"id": "10001"}))
    fake.on("GET", f"{issues}/10001", cases_webhook_fakes.issue())
    fake.on("PUT", f"{issues}/10001", httpx.Response(204))
    fake.on("POST", f"{issues}/10001/comment", httpx.Response(201, json={"id": "c"}))
    await create_connector(
        client,
        CASES_WEBHOOK,
        config=cases_webhook_fakes.webhook_config(),
        secrets=cases_webhook_fakes.SECRETS,
    )

    pushes = await push_twice(client, fake, CASES_WEBHOOK)

    body = {
        "fields": {
            "summary": TITLE,
            "description": CASE_REQUEST["description"],
            "labels": ["defacement"],
            "project": {"key": "ROC"},
        }
    }

    def commented(text: str) -> dict[str, Any]:
        return sent("POST", f"{issues}/10001/comment", {"body": text, "issue": "10001"})

    assert summaries(pushes.first_received) == [
        sent("POST", issues, body),
        get(f"{issues}/10001"),
        commented(FIRST),
        commented(ALERTS),
    ]
    for request in pushes.first_received + pushes.second_received:
        assert request.headers["authorization"] == cases_webhook_fakes.BASIC
        assert request.headers["x-team"] == "soc"
        expected_type = None if request.method == "GET" else "application/json"
        assert request.headers.get("content-type") == expected_type
    await assert_recorded(
        client,
        pushes,
        CASES_WEBHOOK,
        {
            "external_id": "10001",
            "external_title": "ROC-1",
            "external_url": f"{cases_webhook_fakes.BASE}/browse/ROC-1",
        },
    )
    assert summaries(pushes.second_received) == [
        sent("PUT", f"{issues}/10001", body),
        get(f"{issues}/10001"),
        commented(EDITED),
        commented(SECOND),
    ]


# --- TheHive ---------------------------------------------------------------------------

THEHIVE = {"id": "thehive", "name": "TheHive", "type": ".thehive", "fields": {"tlp": 2}}


async def test_thehive(client: httpx.AsyncClient, fake: FakeService) -> None:
    """push_case.ts: it('should push a case'), it('should format the comments correctly'),
    for TheHive: the case's tags, its severity as TheHive numbers it (low: 1) and the tlp."""
    case_path = "/api/v1/case/~172064"
    fake.on("POST", "/api/v1/case", httpx.Response(201, json=thehive_fakes.CASE))
    fake.on("PATCH", case_path, httpx.Response(204))
    fake.on("POST", f"{case_path}/comment", httpx.Response(201, json=thehive_fakes.COMMENT))
    await create_connector(
        client, THEHIVE, config=thehive_fakes.CONFIG, secrets=thehive_fakes.SECRETS
    )

    pushes = await push_twice(client, fake, THEHIVE)

    body = {
        "title": TITLE,
        "description": DESCRIPTION,
        "tags": ["defacement"],
        "severity": 1,
        "tlp": 2,
    }

    def commented(text: str) -> dict[str, Any]:
        return sent("POST", f"{case_path}/comment", {"message": text})

    assert summaries(pushes.first_received) == [
        sent("POST", "/api/v1/case", body),
        commented(FIRST),
        commented(ALERTS),
    ]
    for request in pushes.first_received + pushes.second_received:
        assert request.headers["authorization"] == "Bearer token12345"
        assert request.headers["content-type"] == "application/json"
        assert "x-organisation" not in request.headers
    await assert_recorded(
        client,
        pushes,
        THEHIVE,
        {
            "external_id": "~172064",
            "external_title": str(thehive_fakes.CASE["title"]),
            "external_url": f"{thehive_fakes.URL}/cases/~172064/details",
        },
        # TheHive answers an update with no content: Kibana titles it with the case's title.
        {
            "external_id": "~172064",
            "external_title": TITLE,
            "external_url": f"{thehive_fakes.URL}/cases/~172064/details",
        },
    )
    assert summaries(pushes.second_received) == [
        sent("PATCH", case_path, body),
        commented(EDITED),
        commented(SECOND),
    ]
