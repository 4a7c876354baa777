"""TheHive: pushes, alerts, failures and validation, as Kibana words them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from opencases.connectors.errors import ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.thehive import TheHive
from opencases.kibana.time import parse_time
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout

THEHIVE = TheHive()
URL = "https://external.example.com"
CONFIG = {"url": URL, "organisation": None}
SECRETS = {"apiKey": "token12345"}
CASE = {
    "_id": "~172064",
    "_type": "Case",
    "_createdBy": "user1@thehive.local",
    "_createdAt": 1712128153041,
    "number": 67,
    "title": "title",
    "description": "description",
    "severity": 1,
    "severityLabel": "LOW",
    "startDate": 1712128153029,
    "tags": ["tag1", "tag2"],
    "flag": False,
    "tlp": 2,
    "tlpLabel": "AMBER",
    "pap": 2,
    "papLabel": "AMBER",
    "status": "New",
    "stage": "New",
    "customFields": [],
    "extraData": {},
    "newDate": 1712128153029,
    "timeToDetect": 0,
}
CREATED_AT = "2024-04-03T07:09:13.041Z"
COMMENT = {
    "_id": "~41156688",
    "_type": "Comment",
    "createdBy": "user1@thehive.local",
    "createdAt": 1712158280100,
    "message": "test comment",
    "isEdited": False,
    "extraData": {},
}
ALERT = {
    "_id": "~41128088",
    "_type": "Alert",
    "_createdBy": "user1@thehive.local",
    "_createdAt": 1712161128982,
    "type": "alert type",
    "source": "alert source",
    "sourceRef": "test123",
    "title": "title",
    "description": "description",
    "severity": 1,
    "severityLabel": "LOW",
    "date": 1712161128964,
    "tlp": 2,
    "tlpLabel": "AMBER",
    "pap": 2,
    "papLabel": "AMBER",
    "observableCount": 1,
    "status": "New",
    "stage": "New",
    "extraData": {},
    "newDate": 1712161128967,
    "timeToDetect": 0,
}


def push(incident: dict[str, Any], comments: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Params of a pushToService."""
    return {
        "subAction": "pushToService",
        "subActionParams": {"incident": incident, "comments": comments},
    }


def failed(service_message: str, source: str = "framework") -> dict[str, Any]:
    """A thrown failure's execute result."""
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": "an error occurred while running the action",
        "service_message": service_message,
        "retry": True,
        "errorSource": source,
    }


async def run(
    run_connector: RunConnector,
    fake: FakeService,
    params: dict[str, Any],
    config: dict[str, Any] = CONFIG,
) -> Any:
    return await run_connector(THEHIVE, fake=fake, config=config, secrets=SECRETS, params=params)


async def test_push_creates_a_case_and_adds_the_comments(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/api/v1/case", httpx.Response(201, json=CASE))
    fake.on("POST", "/api/v1/case/~172064/comment", httpx.Response(201, json=COMMENT))
    incident = {
        "title": "title",
        "description": "description",
        "tlp": 2,
        "severity": 1,
        "tags": ["tag1", "tag2"],
    }
    comments = [{"comment": "first", "commentId": "c1"}, {"comment": "second", "commentId": "c2"}]

    result = await run(run_connector, fake, push(incident, comments))

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "id": "~172064",
            "title": "title",
            "url": f"{URL}/cases/~172064/details",
            "pushedDate": CREATED_AT,
            "comments": [
                {"commentId": "c1", "pushedDate": CREATED_AT},
                {"commentId": "c2", "pushedDate": CREATED_AT},
            ],
        },
    }
    assert fake.summaries() == [
        {"method": "POST", "path": "/api/v1/case", "query": {}, "body": incident},
        {
            "method": "POST",
            "path": "/api/v1/case/~172064/comment",
            "query": {},
            "body": {"message": "first"},
        },
        {
            "method": "POST",
            "path": "/api/v1/case/~172064/comment",
            "query": {},
            "body": {"message": "second"},
        },
    ]
    for request in fake.received:
        assert request.headers["authorization"] == "Bearer token12345"
        assert request.headers["content-type"] == "application/json"
        # No organisation configured: axios drops Kibana's null header.
        assert "x-organisation" not in request.headers


async def test_create_sends_missing_fields_as_null_and_the_organisation(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/api/v1/case", httpx.Response(201, json=CASE))
    config = {"url": f"{URL}/", "organisation": "my-org"}

    result = await run(
        run_connector, fake, push({"title": "t", "description": "d", "externalId": None}), config
    )

    assert result["data"] == {
        "id": "~172064",
        "title": "title",
        "url": f"{URL}/cases/~172064/details",
        "pushedDate": CREATED_AT,
    }
    (create,) = fake.received
    assert create.path == "/api/v1/case"
    assert create.body == {
        "title": "t",
        "description": "d",
        "severity": None,
        "tlp": None,
        "tags": None,
    }
    assert create.headers["x-organisation"] == "my-org"


async def test_push_updates_a_case(run_connector: RunConnector, fake: FakeService) -> None:
    # TheHive answers a case PATCH with no content; Kibana does not read the answer.
    fake.on("PATCH", "/api/v1/case/~172064", httpx.Response(204))
    fake.on("POST", "/api/v1/case/~172064/comment", httpx.Response(201, json=COMMENT))
    incident = {"title": "new title", "description": "new", "severity": 3, "externalId": "~172064"}

    before = datetime.now().astimezone()
    result = await run(run_connector, fake, push(incident, [{"comment": "c", "commentId": "x"}]))
    after = datetime.now().astimezone()

    pushed_date = result["data"]["pushedDate"]
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= parse_time(pushed_date)
    assert parse_time(pushed_date) <= after
    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "id": "~172064",
            "title": "new title",
            "url": f"{URL}/cases/~172064/details",
            "pushedDate": pushed_date,
            "comments": [{"commentId": "x", "pushedDate": pushed_date}],
        },
    }
    assert fake.summaries() == [
        {
            "method": "PATCH",
            "path": "/api/v1/case/~172064",
            "query": {},
            "body": {
                "title": "new title",
                "description": "new",
                "severity": 3,
                "tlp": None,
                "tags": None,
            },
        },
        {
            "method": "POST",
            "path": "/api/v1/case/~172064/comment",
            "query": {},
            "body": {"message": "c"},
        },
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            httpx.Response(
                401, json={"type": "AuthenticationError", "message": "Authentication failure"}
            ),
            "Status code: 401. Message: API Error: AuthenticationError - Authentication failure",
        ),
        (
            httpx.Response(500, text="<html>oops</html>"),
            "Status code: 500. Message: API Error: undefined - undefined",
        ),
        (timeout, "Status code: undefined. Message: Unknown API Error"),
        (
            httpx.Response(201, text="not json"),
            "Response validation failed (Error: could not parse object value from json input)",
        ),
        (
            httpx.Response(201, json={**CASE, "_id": None}),
            "Response validation failed (Error: [_id]: expected value of type [string] "
            "but got [null])",
        ),
        (
            httpx.Response(201, json={**CASE, "_updatedAt": "yesterday"}),
            "Response validation failed (Error: [_updatedAt]: types that failed validation:\n"
            "- [_updatedAt.0]: expected value of type [number] but got [string]\n"
            "- [_updatedAt.1]: expected value to equal [null])",
        ),
    ],
)
async def test_create_failures(
    run_connector: RunConnector, fake: FakeService, answer: Any, message: str
) -> None:
    fake.on("POST", "/api/v1/case", answer)

    incident = {"title": "t", "description": "d"}
    result = await run(run_connector, fake, push(incident, [{"comment": "c", "commentId": "1"}]))

    assert result == failed(message)
    assert len(fake.received) == 1


async def test_comment_with_a_bad_answer(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("PATCH", "/api/v1/case/~1", httpx.Response(200, json={}))
    fake.on("POST", "/api/v1/case/~1/comment", httpx.Response(201, json={"_id": "~2"}))

    incident = {"title": "t", "description": "d", "externalId": "~1"}
    result = await run(run_connector, fake, push(incident, [{"comment": "c", "commentId": "1"}]))

    assert result == failed(
        "Response validation failed (Error: [_type]: expected value of type [string] "
        "but got [undefined])"
    )


async def test_create_alert_merges_the_body(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("POST", "/api/v1/alert", httpx.Response(201, json=ALERT))
    alert = {
        "title": "title",
        "description": "description",
        "type": "alert type",
        "source": "alert source",
        "sourceRef": "test123",
        "tags": ["tag1"],
        "template": 0,
        "body": '{"observables": [{"dataType": "url", "data": "http://example.com"}], "tlp": 3}',
    }

    result = await run(run_connector, fake, {"subAction": "createAlert", "subActionParams": alert})

    assert result == {"connector_id": "connector-1", "status": "ok", "data": {}}
    assert fake.summaries() == [
        {
            "method": "POST",
            "path": "/api/v1/alert",
            "query": {},
            "body": {
                "title": "title",
                "description": "description",
                "type": "alert type",
                "source": "alert source",
                "sourceRef": "test123",
                "tags": ["tag1"],
                "severity": None,
                "tlp": 3,
                "observables": [{"dataType": "url", "data": "http://example.com"}],
            },
        }
    ]
    assert fake.received[0].headers["authorization"] == "Bearer token12345"


async def test_create_alert_with_a_body_that_is_not_json(
    run_connector: RunConnector, fake: FakeService
) -> None:
    alert = {
        "title": "t",
        "description": "d",
        "type": "x",
        "source": "s",
        "sourceRef": "r",
        "template": 0,
        "body": "",
    }

    result = await run(run_connector, fake, {"subAction": "createAlert", "subActionParams": alert})

    assert result == failed("Unexpected end of JSON input")
    assert fake.received == []


async def test_unknown_sub_action(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run(run_connector, fake, {"subAction": "invalidAction"})

    assert result == failed(
        'Sub action "invalidAction" is not registered. Connector id: connector-1. '
        "Connector name: TheHive. Connector type: .thehive"
    )


async def test_params_refused(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run(run_connector, fake, {})

    assert result == {
        "connector_id": "connector-1",
        "status": "error",
        "message": (
            "error validating action params: "
            "[subAction]: expected value of type [string] but got [undefined]"
        ),
        "retry": False,
        "errorSource": "user",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            push({"title": "t"}),
            "[incident.description]: expected value of type [string] but got [undefined]",
        ),
        (
            push({"title": "t", "description": "d", "tags": "a"}),
            "[incident.tags]: types that failed validation:\n"
            "- [incident.tags.0]: expected value of type [array] but got [string]\n"
            "- [incident.tags.1]: expected value to equal [null]",
        ),
        (
            push({"title": "t", "description": "d"}, [{"commentId": "1"}]),
            "[comments]: types that failed validation:\n"
            "- [comments.0.0.comment]: expected value of type [string] but got [undefined]\n"
            "- [comments.1]: expected value to equal [null]",
        ),
        (
            {"subAction": "createAlert", "subActionParams": {"title": "t"}},
            "[description]: expected value of type [string] but got [undefined]",
        ),
    ],
)
async def test_sub_action_params_refused(
    run_connector: RunConnector, fake: FakeService, params: dict[str, Any], message: str
) -> None:
    result = await run(run_connector, fake, params)

    assert result == failed(f"Request validation failed (Error: {message})", "user")
    assert fake.received == []


ANYWHERE = Outbound()


def test_config_gets_a_null_organisation() -> None:
    assert THEHIVE.validate_config({"url": URL}, http=ANYWHERE) == CONFIG
    assert THEHIVE.validate_secrets(dict(SECRETS), http=ANYWHERE) == SECRETS


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "[url]: expected value of type [string] but got [undefined]"),
        ({"url": URL, "org": "x"}, "[org]: definition for this key is missing"),
    ],
)
def test_config_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        THEHIVE.validate_config(config, http=ANYWHERE)

    assert refused.value.message == message


def test_config_outside_allowed_hosts() -> None:
    http = Outbound(allowed_hosts=("elsewhere.example.com",))

    with pytest.raises(ValidationFailed) as refused:
        THEHIVE.validate_config({"url": "http://thehive.mynonexistent.com"}, http=http)

    assert refused.value.message == (
        'error validating url: target url "http://thehive.mynonexistent.com" '
        "is not added to the Kibana config xpack.actions.allowedHosts"
    )


def test_secrets_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        THEHIVE.validate_secrets({}, http=ANYWHERE)

    assert refused.value.message == "[apiKey]: expected value of type [string] but got [undefined]"


def test_connector_type() -> None:
    assert (THEHIVE.id, THEHIVE.name, THEHIVE.minimum_license_required) == (
        ".thehive",
        "TheHive",
        "platinum",
    )
    assert THEHIVE.supported_feature_ids == ("alerting", "siem", "uptime", "cases")
