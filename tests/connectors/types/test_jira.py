"""The Jira connector against a fake Jira: requests sent, results and messages."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from opencases.connectors.errors import ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.jira import Jira
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout

JIRA = Jira()
CONFIG = {"apiUrl": "https://external.example.com/", "projectKey": "CK"}
SECRETS = {"email": "elastic@elastic.co", "apiToken": "token"}
AUTHORIZATION = "Basic " + base64.b64encode(b"elastic@elastic.co:token").decode()
ISSUE = {"id": "10001", "key": "CK-1"}
UNSUPPORTED = (
    "types that failed validation:\n"
    "- [0.subAction]: expected value to equal [getFields]\n"
    "- [1.subAction]: expected value to equal [getIncident]\n"
    "- [2.subAction]: expected value to equal [handshake]\n"
    "{push}\n"
    "- [4.subAction]: expected value to equal [issueTypes]\n"
    "- [5.subAction]: expected value to equal [fieldsByIssueType]\n"
    "- [6.subAction]: expected value to equal [issues]\n"
    "- [7.subAction]: expected value to equal [issue]"
)


def push(incident: dict[str, Any], comments: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """pushToService params."""
    return {
        "subAction": "pushToService",
        "subActionParams": {"incident": incident, "comments": comments},
    }


def issue_answer(**fields: str) -> httpx.Response:
    """Jira's answer to GET /rest/api/2/issue/{id}."""
    return httpx.Response(200, json={**ISSUE, "fields": {"summary": "title", **fields}})


def run(run_connector: RunConnector, fake: FakeService, params: dict[str, Any]) -> Any:
    return run_connector(JIRA, fake=fake, config=CONFIG, secrets=SECRETS, params=params)


def failed(service_message: str, source: str = "framework") -> dict[str, Any]:
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": "an error occurred while running the action",
        "service_message": service_message,
        "retry": True,
        "errorSource": source,
    }


# --- create, update, comments ---------------------------------------------------------


async def test_create_takes_the_first_issue_type_and_joins_summary_lines(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on(
        "GET",
        "/rest/api/2/issue/createmeta/CK/issuetypes",
        httpx.Response(200, json={"issueTypes": [{"id": "10006", "name": "Task"}]}),
    )
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json={**ISSUE, "self": "x"}))
    fake.on("GET", "/rest/api/2/issue/10001", issue_answer(created="2020-04-27T10:59:46.202+0000"))

    result = await run(
        run_connector,
        fake,
        push({"summary": " title \n\n  second line \r", "labels": [], "priority": "High"}),
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "CK-1",
            "id": "10001",
            "pushedDate": "2020-04-27T10:59:46.202Z",
            "url": "https://external.example.com/browse/CK-1",
        },
    }
    assert fake.summaries() == [
        {
            "method": "GET",
            "path": "/rest/api/2/issue/createmeta/CK/issuetypes",
            "query": {},
            "body": None,
        },
        {
            "method": "POST",
            "path": "/rest/api/2/issue",
            "query": {},
            "body": {
                "fields": {
                    "summary": "title, second line",
                    "project": {"key": "CK"},
                    "issuetype": {"id": "10006"},
                    "labels": [],
                    "priority": {"name": "High"},
                }
            },
        },
        {"method": "GET", "path": "/rest/api/2/issue/10001", "query": {}, "body": None},
    ]
    assert {request.headers["authorization"] for request in fake.received} == {AUTHORIZATION}


async def test_create_reads_data_center_issue_types_from_values(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on(
        "GET",
        "/rest/api/2/issue/createmeta/CK/issuetypes",
        httpx.Response(200, json={"values": [{"id": "3", "name": "Bug"}]}),
    )
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json=ISSUE))
    fake.on("GET", "/rest/api/2/issue/10001", issue_answer(created="2020-04-27T10:59:46.202Z"))

    result = await run(run_connector, fake, push({"summary": "title"}))

    assert result["status"] == "ok"
    assert fake.received[1].body == {
        "fields": {"summary": "title", "project": {"key": "CK"}, "issuetype": {"id": "3"}}
    }


async def test_create_with_an_issue_type_and_every_field(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json=ISSUE))
    fake.on("GET", "/rest/api/2/issue/10001", issue_answer(created="2020-04-27T10:59:46.202Z"))
    fake.on(
        "POST",
        "/rest/api/2/issue/10001/comment",
        httpx.Response(201, json={"id": "c1", "created": "2020-04-27T11:00:00.000Z"}),
    )

    result = await run(
        run_connector,
        fake,
        push(
            {
                "summary": "title",
                "description": "desc",
                "externalId": None,
                "issueType": "10006",
                "priority": "High",
                "labels": ["one", "two"],
                "parent": "CK-7",
                "otherFields": {"customfield_1": {"value": "x"}},
            },
            comments=[{"comment": "first", "commentId": "case-comment-1"}],
        ),
    )

    assert result["data"] == {
        "title": "CK-1",
        "id": "10001",
        "pushedDate": "2020-04-27T10:59:46.202Z",
        "url": "https://external.example.com/browse/CK-1",
        "comments": [{"commentId": "case-comment-1", "pushedDate": "2020-04-27T11:00:00.000Z"}],
    }
    assert [(r.method, r.path, r.body) for r in fake.received] == [
        (
            "POST",
            "/rest/api/2/issue",
            {
                "fields": {
                    "summary": "title",
                    "project": {"key": "CK"},
                    "issuetype": {"id": "10006"},
                    "description": "desc",
                    "labels": ["one", "two"],
                    "priority": {"name": "High"},
                    "parent": {"key": "CK-7"},
                    "customfield_1": {"value": "x"},
                }
            },
        ),
        ("GET", "/rest/api/2/issue/10001", None),
        ("POST", "/rest/api/2/issue/10001/comment", {"body": "first"}),
    ]


async def test_update_sends_only_given_fields_then_comments(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("PUT", "/rest/api/2/issue/10001", httpx.Response(204))
    fake.on("GET", "/rest/api/2/issue/10001", issue_answer(updated="2020-04-28T08:00:00.000Z"))
    fake.on(
        "POST",
        "/rest/api/2/issue/10001/comment",
        httpx.Response(201, json={"id": "c1", "created": "2020-04-28T09:00:00.000Z"}),
        httpx.Response(201, json={"id": "c2", "created": "2020-04-28T09:30:00.000Z"}),
    )

    result = await run(
        run_connector,
        fake,
        push(
            {"summary": "new title", "description": None, "externalId": "10001", "labels": None},
            comments=[
                {"comment": "one", "commentId": "a"},
                {"comment": "", "commentId": "skipped"},
                {"comment": "two", "commentId": "b"},
            ],
        ),
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "CK-1",
            "id": "10001",
            "pushedDate": "2020-04-28T08:00:00.000Z",
            "url": "https://external.example.com/browse/CK-1",
            "comments": [
                {"commentId": "a", "pushedDate": "2020-04-28T09:00:00.000Z"},
                {"commentId": "b", "pushedDate": "2020-04-28T09:30:00.000Z"},
            ],
        },
    }
    assert [(r.method, r.path, r.body) for r in fake.received] == [
        (
            "PUT",
            "/rest/api/2/issue/10001",
            {"fields": {"summary": "new title", "project": {"key": "CK"}}},
        ),
        ("GET", "/rest/api/2/issue/10001", None),
        ("POST", "/rest/api/2/issue/10001/comment", {"body": "one"}),
        ("POST", "/rest/api/2/issue/10001/comment", {"body": "two"}),
    ]
    assert {request.headers["authorization"] for request in fake.received} == {AUTHORIZATION}


async def test_get_incident_answers_the_issue_fields(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("GET", "/rest/api/2/issue/CK-1", issue_answer(created="c", updated="u"))

    result = await run(
        run_connector, fake, {"subAction": "getIncident", "subActionParams": {"externalId": "CK-1"}}
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {"id": "10001", "key": "CK-1", "created": "c", "updated": "u", "summary": "title"},
    }


async def test_issues_searches_the_project_with_escaped_jql(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on(
        "GET",
        "/rest/api/2/search/jql",
        httpx.Response(200, json={"issues": [{**ISSUE, "fields": {"summary": "a-b"}}]}),
    )

    result = await run(
        run_connector, fake, {"subAction": "issues", "subActionParams": {"title": 'a-b "c"'}}
    )

    assert result["data"] == [{"id": "10001", "key": "CK-1", "title": "a-b"}]
    assert fake.received[0].query == {
        "jql": 'project="CK" and summary ~"a\\\\-b c"',
        "fields": "summary,key",
    }


async def test_handshake_is_not_a_supported_sub_action(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run(run_connector, fake, {"subAction": "handshake", "subActionParams": {}})

    assert result == failed("[Action][ExternalService] subAction handshake not implemented.")
    assert fake.received == []


# --- failures ---------------------------------------------------------------------


async def test_unauthorized_create(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on(
        "POST",
        "/rest/api/2/issue",
        httpx.Response(401, json={"errorMessages": ["You are not authenticated."], "errors": {}}),
    )

    result = await run(run_connector, fake, push({"summary": "title", "issueType": "10006"}))

    assert result == failed(
        "[Action][Jira]: Unable to create incident. Error: Request failed with status code 401. "
        "Reason: You are not authenticated."
    )


async def test_server_error_on_create_quotes_jira_field_errors(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on(
        "POST",
        "/rest/api/2/issue",
        httpx.Response(
            500,
            json={"errorMessages": [], "errors": {"summary": "Required", "priority": "Bad"}},
        ),
    )

    result = await run(run_connector, fake, push({"summary": "title", "issueType": "10006"}))

    assert result == failed(
        "[Action][Jira]: Unable to create incident. Error: Request failed with status code 500. "
        "Reason: Required Bad"
    )


async def test_rate_limit_is_the_users_error(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("PUT", "/rest/api/2/issue/CK-1", httpx.Response(429, text="slow down"))

    result = await run(run_connector, fake, push({"summary": "t", "externalId": "CK-1"}))

    assert result == failed(
        "[Action][Jira]: Unable to update incident with id CK-1. Error: Request failed with "
        "status code 429. Reason: unknown: errorResponse.errors was null",
        source="user",
    )


async def test_issue_types_failure_before_create(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("GET", "/rest/api/2/issue/createmeta/CK/issuetypes", httpx.Response(404))

    result = await run(run_connector, fake, push({"summary": "title"}))

    assert result == failed(
        "[Action][Jira]: Unable to get issue types. Error: Request failed with status code 404. "
        "Reason: unknown: errorResponse.errors was null"
    )


async def test_invalid_json_answer(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on(
        "POST",
        "/rest/api/2/issue",
        httpx.Response(201, text="{not json", headers={"content-type": "application/json"}),
    )

    result = await run(run_connector, fake, push({"summary": "title", "issueType": "1"}))

    assert result == failed(
        "[Action][Jira]: Unable to create incident. Error: Response is not a valid JSON. "
        "Reason: unknown: errorResponse was null"
    )


async def test_answer_that_is_not_json(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(200, html="<html></html>"))

    result = await run(run_connector, fake, push({"summary": "title", "issueType": "1"}))

    assert result == failed(
        "[Action][Jira]: Unable to create incident. Error: Unsupported content type: "
        "text/html; charset=utf-8 in post https://external.example.com/rest/api/2/issue. "
        "Supported content types: application/json. Reason: unknown: errorResponse was null"
    )


async def test_answer_missing_expected_fields(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json=ISSUE))
    fake.on("GET", "/rest/api/2/issue/10001", issue_answer(created="2020-04-27T10:59:46.202Z"))
    fake.on("POST", "/rest/api/2/issue/10001/comment", httpx.Response(201, json={"id": "c1"}))

    result = await run(
        run_connector,
        fake,
        push({"summary": "t", "issueType": "1"}, comments=[{"comment": "c", "commentId": "x"}]),
    )

    assert result == failed(
        "[Action][Jira]: Unable to create comment at incident with id 10001. Error: Response is "
        "missing at least one of the expected fields: id,created. "
        "Reason: unknown: errorResponse was null"
    )


async def test_failed_read_after_create_is_wrapped_twice(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/rest/api/2/issue", httpx.Response(201, json=ISSUE))
    fake.on("GET", "/rest/api/2/issue/10001", httpx.Response(200, json={"id": "10001"}))

    result = await run(run_connector, fake, push({"summary": "t", "issueType": "1"}))

    assert result == failed(
        "[Action][Jira]: Unable to create incident. Error: [Action][Jira]: Unable to get "
        "incident with id 10001. Error: Response is missing at least one of the expected "
        "fields: id,key. Reason: unknown: errorResponse was null. "
        "Reason: unknown: errorResponse was null"
    )


async def test_timeout(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("POST", "/rest/api/2/issue", timeout)

    result = await run(run_connector, fake, push({"summary": "title", "issueType": "1"}))

    assert result == failed(
        "[Action][Jira]: Unable to create incident. Error: timeout of 60000ms exceeded. "
        "Reason: unknown: errorResponse was null"
    )


# --- config, secrets and params validation -------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"projectKey": "CK"}, "[apiUrl]: expected value of type [string] but got [undefined]"),
        (
            {"apiUrl": "https://external.example.com"},
            "[projectKey]: expected value of type [string] but got [undefined]",
        ),
        ({**CONFIG, "foo": "bar"}, "[foo]: definition for this key is missing"),
        (
            {"apiUrl": "http://jira.mynonexistent.com", "projectKey": "CK"},
            'error configuring connector action: target url "http://jira.mynonexistent.com" '
            "is not added to the Kibana config xpack.actions.allowedHosts",
        ),
    ],
)
def test_config_is_refused(config: dict[str, Any], message: str) -> None:
    http = Outbound(allowed_hosts=("external.example.com",))
    with pytest.raises(ValidationFailed) as refused:
        JIRA.validate_config(config, http=http)
    assert refused.value.message == message


def test_config_and_secrets_are_kept_as_given() -> None:
    http = Outbound()
    assert JIRA.validate_config(CONFIG, http=http) == CONFIG
    assert JIRA.validate_secrets(SECRETS, http=http) == SECRETS


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({}, "[email]: expected value of type [string] but got [undefined]"),
        ({"email": "e"}, "[apiToken]: expected value of type [string] but got [undefined]"),
        ({**SECRETS, "password": "x"}, "[password]: definition for this key is missing"),
    ],
)
def test_secrets_are_refused(secrets: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        JIRA.validate_secrets(secrets, http=Outbound())
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("params", "push_line"),
    [
        (
            {"subAction": "non-supported"},
            "- [3.subAction]: expected value to equal [pushToService]",
        ),
        (
            {"subAction": "pushToService"},
            "- [3.subActionParams.incident.summary]: "
            "expected value of type [string] but got [undefined]",
        ),
        (
            push({"summary": "a title", "labels": ["label with spaces"]}),
            "- [3.subActionParams.incident.labels]: types that failed validation:\n"
            " - [subActionParams.incident.labels.0.0]: "
            "The label label with spaces cannot contain spaces\n"
            " - [subActionParams.incident.labels.1]: expected value to equal [null]",
        ),
        (
            push({"summary": "a title", "otherFields": {str(i): "foobar" for i in range(21)}}),
            "- [3.subActionParams.incident.otherFields]: types that failed validation:\n"
            " - [subActionParams.incident.otherFields.0]: "
            "A maximum of 20 fields in otherFields can be defined at a time.\n"
            " - [subActionParams.incident.otherFields.1]: expected value to equal [null]",
        ),
        (
            push({"summary": "a title", "otherFields": {"summary": "foo"}}),
            "- [3.subActionParams.incident.otherFields]: types that failed validation:\n"
            ' - [subActionParams.incident.otherFields.0.key("summary")]: '
            "The following properties cannot be defined inside otherFields: summary.\n"
            " - [subActionParams.incident.otherFields.1]: expected value to equal [null]",
        ),
        (
            push({"summary": "a title"}, comments=[{"comment": "comment"}]),
            "- [3.subActionParams.comments]: types that failed validation:\n"
            " - [subActionParams.comments.0.0.commentId]: "
            "expected value of type [string] but got [undefined]\n"
            " - [subActionParams.comments.1]: expected value to equal [null]",
        ),
    ],
)
async def test_params_are_refused(
    run_connector: RunConnector, fake: FakeService, params: dict[str, Any], push_line: str
) -> None:
    result = await run(run_connector, fake, params)

    assert result == {
        "connector_id": "connector-1",
        "status": "error",
        "message": "error validating action params: " + UNSUPPORTED.format(push=push_line),
        "retry": False,
        "errorSource": "user",
    }
    assert fake.received == []


def test_params_fill_nullable_fields_and_read_other_fields_given_as_json() -> None:
    params = push({"summary": "t", "otherFields": '{ "foo": "bar" }'})
    del params["subActionParams"]["comments"]

    assert JIRA.validate_params(params) == {
        "subAction": "pushToService",
        "subActionParams": {
            "incident": {
                "summary": "t",
                "description": None,
                "externalId": None,
                "issueType": None,
                "priority": None,
                "labels": None,
                "parent": None,
                "otherFields": {"foo": "bar"},
            },
            "comments": None,
        },
    }
