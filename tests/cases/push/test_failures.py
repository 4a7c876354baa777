"""A push the external system fails, or the connector refuses: 424, and nothing stored.

Kibana's push.ts answers `Boom.failedDependency(pushRes.serviceMessage ?? pushRes.message)`
when the connector's run fails; the messages are those the connector types' own tests
(tests/connectors/types/) give as the run's `service_message` (or `message`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette

from opencases.db import Database
from tests.cases.conftest import case_request
from tests.cases.push.conftest import ALERT, SERVICENOW, comment
from tests.conftest import ELASTIC_PASSWORD, make_client, snapshot
from tests.connectors.fakes import Answer, FakeService, timeout
from tests.connectors.helpers import connector_settings, started_app
from tests.connectors.types import test_jira as jira_fakes
from tests.connectors.types import test_resilient as resilient_fakes
from tests.connectors.types import test_swimlane as swimlane_fakes
from tests.connectors.types import test_thehive as thehive_fakes
from tests.connectors.types.test_servicenow import (
    BASIC,
    INCIDENT_PATH,
    URL,
    serve_table_api,
)

# The connectors' timeout here (Kibana's xpack.actions.responseTimeout): 200ms.
TIMEOUT_SECONDS = 0.2

JIRA = {
    "id": "jira",
    "name": "Jira",
    "type": ".jira",
    "fields": {"issueType": "10006", "priority": None, "parent": None},
}
RESILIENT = {
    "id": "resilient",
    "name": "IBM Resilient",
    "type": ".resilient",
    "fields": {"incidentTypes": None, "severityCode": None},
}
SWIMLANE = {"id": "swimlane", "name": "Swimlane", "type": ".swimlane", "fields": None}
THEHIVE = {"id": "thehive", "name": "TheHive", "type": ".thehive", "fields": None}
# Each case connector's connector: (config, secrets).
CONNECTORS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "servicenow": ({"apiUrl": URL, "usesTableApi": True}, BASIC),
    "jira": (jira_fakes.CONFIG, jira_fakes.SECRETS),
    "resilient": (resilient_fakes.CONFIG, resilient_fakes.SECRETS),
    "swimlane": (swimlane_fakes.swimlane_config(), swimlane_fakes.SECRETS),
    "thehive": (thehive_fakes.CONFIG, thehive_fakes.SECRETS),
}
CASE_CONNECTORS = {
    connector["id"]: connector for connector in (SERVICENOW, JIRA, RESILIENT, SWIMLANE, THEHIVE)
}


@pytest.fixture
def fake() -> FakeService:
    """The external systems, answering nothing until a test says what."""
    return FakeService()


@pytest.fixture
async def app(database_url: str, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the shipped connector types, its network the fake, a short timeout."""
    settings = connector_settings(database_url, connector_timeout_seconds=TIMEOUT_SECONDS)
    async with started_app(settings, elastic_hash, fake, connector_types=None) as application:
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """`elastic`, with a connector of each type the tests push to."""
    credentials = {"auth": ("elastic", ELASTIC_PASSWORD), "headers": {"kbn-xsrf": "true"}}
    async with make_client(app, **credentials) as http:
        for connector_id, (config, secrets) in CONNECTORS.items():
            connector = CASE_CONNECTORS[connector_id]
            created = await http.post(
                f"/api/actions/connector/{connector_id}",
                json={
                    "name": connector["name"],
                    "connector_type_id": connector["type"],
                    "config": config,
                    "secrets": secrets,
                },
            )
            assert created.status_code == 200, created.text
        yield http


def failed_dependency(message: str) -> dict[str, Any]:
    """Kibana's 424 body."""
    return {"statusCode": 424, "error": "Failed Dependency", "message": message}


async def case_with_attachments(client: httpx.AsyncClient, connector: dict[str, Any]) -> str:
    """A case on `connector` with a comment and an alert; its id."""
    case = (await client.post("/api/cases", json=case_request(connector=connector))).json()
    for body in (comment("First look"), ALERT):
        added = await client.post(f"/api/cases/{case['id']}/comments", json=body)
        assert added.status_code == 200, added.text
    return str(case["id"])


SN_CREATE = "[Action][ServiceNow]: Unable to create incident. Error:"
JIRA_CREATE = "[Action][Jira]: Unable to create incident. Error:"
RESILIENT_CREATE = "[Action][IBM Resilient]: Unable to create incident. Error:"
SWIMLANE_CREATE = swimlane_fakes.CREATE_FAILED


@pytest.mark.parametrize(
    ("connector_id", "method", "path", "answer", "message"),
    [
        pytest.param(
            "servicenow",
            "POST",
            INCIDENT_PATH,
            httpx.Response(
                401,
                json={
                    "error": {
                        "message": "User Not Authenticated",
                        "detail": "Required to provide Auth information",
                    },
                    "status": "failure",
                },
            ),
            f"{SN_CREATE} Request failed with status code 401 Reason: User Not Authenticated: "
            "Required to provide Auth information",
            id="servicenow-4xx",
        ),
        pytest.param(
            "servicenow",
            "POST",
            INCIDENT_PATH,
            httpx.Response(500, json={"status": "failure"}),
            f"{SN_CREATE} Request failed with status code 500 Reason: unknown: no error in "
            "error response",
            id="servicenow-5xx",
        ),
        pytest.param(
            "servicenow",
            "POST",
            INCIDENT_PATH,
            httpx.Response(200, content=b"<html>Instance hibernating</html>"),
            f"{SN_CREATE} There is an issue with your Service Now Instance. Please check "
            "external.example.com. Reason: unknown: errorResponse was null",
            id="servicenow-not-json",
        ),
        pytest.param(
            "servicenow",
            "POST",
            INCIDENT_PATH,
            timeout,
            f"{SN_CREATE} timeout of 200ms exceeded Reason: unknown: errorResponse was null",
            id="servicenow-timeout",
        ),
        pytest.param(
            "jira",
            "POST",
            "/rest/api/2/issue",
            httpx.Response(
                401, json={"errorMessages": ["You are not authenticated."], "errors": {}}
            ),
            f"{JIRA_CREATE} Request failed with status code 401. Reason: You are not "
            "authenticated.",
            id="jira-4xx",
        ),
        pytest.param(
            "jira",
            "POST",
            "/rest/api/2/issue",
            httpx.Response(
                500,
                json={"errorMessages": [], "errors": {"summary": "Required", "priority": "Bad"}},
            ),
            f"{JIRA_CREATE} Request failed with status code 500. Reason: Required Bad",
            id="jira-5xx",
        ),
        pytest.param(
            "jira",
            "POST",
            "/rest/api/2/issue",
            httpx.Response(200, html="<html></html>"),
            f"{JIRA_CREATE} Unsupported content type: text/html; charset=utf-8 in post "
            "https://external.example.com/rest/api/2/issue. Supported content types: "
            "application/json. Reason: unknown: errorResponse was null",
            id="jira-not-json",
        ),
        pytest.param(
            "jira",
            "POST",
            "/rest/api/2/issue",
            timeout,
            f"{JIRA_CREATE} timeout of 200ms exceeded. Reason: unknown: errorResponse was null",
            id="jira-timeout",
        ),
        pytest.param(
            "resilient",
            "POST",
            resilient_fakes.INCIDENTS,
            httpx.Response(400, json={"message": "A test error message"}),
            f"{RESILIENT_CREATE} Status code: 400. Message: API Error: A test error message.",
            id="resilient-4xx",
        ),
        pytest.param(
            "resilient",
            "POST",
            resilient_fakes.INCIDENTS,
            httpx.Response(500, text="oops"),
            f"{RESILIENT_CREATE} Status code: 500. Message: API Error: Internal Server Error.",
            id="resilient-5xx",
        ),
        pytest.param(
            "resilient",
            "POST",
            resilient_fakes.INCIDENTS,
            httpx.Response(200, text="<html>not json</html>"),
            f"{RESILIENT_CREATE} Response validation failed (Error: could not parse object "
            "value from json input).",
            id="resilient-not-json",
        ),
        pytest.param(
            "swimlane",
            "POST",
            "/api/app/123/record",
            httpx.Response(401, json={"ErrorCode": 1001, "Argument": "Invalid token"}),
            f"{SWIMLANE_CREATE} Status: 401. Error: Request failed with status code 401. "
            "Reason: Invalid token (1001)",
            id="swimlane-4xx",
        ),
        pytest.param(
            "swimlane",
            "POST",
            "/api/app/123/record",
            timeout,
            f"{SWIMLANE_CREATE} Status: 500. Error: timeout of 200ms exceeded. Reason: unknown",
            id="swimlane-timeout",
        ),
        pytest.param(
            "thehive",
            "POST",
            "/api/v1/case",
            httpx.Response(500, text="<html>oops</html>"),
            "Status code: 500. Message: API Error: undefined - undefined",
            id="thehive-5xx",
        ),
        pytest.param(
            "thehive",
            "POST",
            "/api/v1/case",
            httpx.Response(201, text="not json"),
            "Response validation failed (Error: could not parse object value from json input)",
            id="thehive-not-json",
        ),
    ],
)
async def test_a_failed_push_answers_424_with_the_connectors_message_and_changes_nothing(
    client: httpx.AsyncClient,
    fake: FakeService,
    db: Database,
    connector_id: str,
    method: str,
    path: str,
    answer: Answer,
    message: str,
) -> None:
    """OpenCases' own: push_case.ts has no test of a failing external system; Kibana's
    push.ts answers 424 (failedDependency) with the run's serviceMessage, and stores
    nothing of the push (no external_service, no pushed attachments, no user action)."""
    case_id = await case_with_attachments(client, CASE_CONNECTORS[connector_id])
    fake.on(method, path, answer)
    before = await snapshot(db)
    fake.received.clear()

    response = await client.post(f"/api/cases/{case_id}/connector/{connector_id}/_push")

    assert (response.status_code, response.json()) == (424, failed_dependency(message))
    assert [(r.method, r.path) for r in fake.received] == [(method, path)]
    assert await snapshot(db) == before


async def test_a_failed_update_answers_424_and_keeps_the_first_push(
    client: httpx.AsyncClient, fake: FakeService, db: Database
) -> None:
    """OpenCases' own: a second push that ServiceNow fails (5xx on the update) leaves the
    case as the first push left it."""
    serve_table_api(fake)
    case_id = await case_with_attachments(client, SERVICENOW)
    url = f"/api/cases/{case_id}"
    pushed = await client.post(f"{url}/connector/servicenow/_push")
    assert pushed.status_code == 200, pushed.text
    added = await client.post(f"{url}/comments", json=comment("Second look"))
    assert added.status_code == 200, added.text
    fake.on("PATCH", f"{INCIDENT_PATH}/sys-1", httpx.Response(500, json={"status": "failure"}))
    before = await snapshot(db)
    fake.received.clear()

    response = await client.post(f"{url}/connector/servicenow/_push")

    assert (response.status_code, response.json()) == (
        424,
        failed_dependency(
            "[Action][ServiceNow]: Unable to update incident with id sys-1. Error: Request "
            "failed with status code 500 Reason: unknown: no error in error response"
        ),
    )
    assert [(r.method, r.path) for r in fake.received] == [("PATCH", f"{INCIDENT_PATH}/sys-1")]
    assert await snapshot(db) == before
    stored = (await client.get(url)).json()
    assert stored["external_service"] == pushed.json()["external_service"]


async def test_an_external_system_that_does_not_answer_in_time(
    client: httpx.AsyncClient, fake: FakeService, db: Database
) -> None:
    """OpenCases' own: an answer that takes longer than connector_timeout_seconds is given
    up after it, as axios gives up after xpack.actions.responseTimeout: 424."""

    async def late(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(201, json={"result": {"sys_id": "sys-1"}})

    case_id = await case_with_attachments(client, SERVICENOW)
    # FakeService hands an async answer's coroutine to MockTransport, which awaits it.
    fake.on("POST", INCIDENT_PATH, cast(Answer, late))
    before = await snapshot(db)

    started = asyncio.get_running_loop().time()
    response = await client.post(f"/api/cases/{case_id}/connector/servicenow/_push")
    elapsed = asyncio.get_running_loop().time() - started

    assert (response.status_code, response.json()) == (
        424,
        failed_dependency(
            f"{SN_CREATE} timeout of 200ms exceeded Reason: unknown: errorResponse was null"
        ),
    )
    assert elapsed < 2
    assert await snapshot(db) == before


async def test_a_connector_that_is_not_a_case_connector_refuses_the_params(
    client: httpx.AsyncClient, fake: FakeService, db: Database
) -> None:
    """OpenCases' own (research notes, push.ts): a `.webhook` connector has no case format
    nor mapping; its params schema refuses pushToService's params, and that run's
    `message` (it has no serviceMessage) is the 424's. Nothing is sent."""
    created = await client.post(
        "/api/actions/connector/webhook",
        json={
            "name": "A webhook",
            "connector_type_id": ".webhook",
            "config": {"url": f"{URL}/hooks/alert"},
            "secrets": {"user": "elastic", "password": "changeme"},
        },
    )
    assert created.status_code == 200, created.text
    case_id = await case_with_attachments(client, SERVICENOW)
    before = await snapshot(db)
    fake.received.clear()

    response = await client.post(f"/api/cases/{case_id}/connector/webhook/_push")

    assert (response.status_code, response.json()) == (
        424,
        failed_dependency(
            "error validating action params: [subAction]: definition for this key is missing"
        ),
    )
    assert fake.received == []
    assert await snapshot(db) == before


async def test_a_case_of_another_space_is_not_found(
    client: httpx.AsyncClient, fake: FakeService, db: Database
) -> None:
    """push_case.ts: it('unhappy path - 404s when case does not exist'), for a case that
    exists in another space (cases are reached from their own space only)."""
    space = {"id": "space2", "name": "Space 2", "disabledFeatures": []}
    assert (await client.post("/api/spaces/space", json=space)).status_code == 200
    created = await client.post("/s/space2/api/cases", json=case_request(connector=SERVICENOW))
    assert created.status_code == 200, created.text
    case_id = created.json()["id"]
    serve_table_api(fake)
    before = await snapshot(db)
    fake.received.clear()

    response = await client.post(f"/api/cases/{case_id}/connector/servicenow/_push")

    assert (response.status_code, response.json()) == (
        404,
        {
            "statusCode": 404,
            "error": "Not Found",
            "message": f"Saved object [cases/{case_id}] not found",
        },
    )
    assert fake.received == []
    assert await snapshot(db) == before
