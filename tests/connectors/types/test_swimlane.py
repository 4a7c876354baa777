"""Swimlane: config, secrets and params validation, and pushes against a fake Swimlane."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.connectors.errors import ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.swimlane import Swimlane
from opencases.kibana.time import Clock, parse_time
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout
from tests.connectors.helpers import FixedClock

API_URL = "https://external.example.com"
NOW = "2024-05-06T07:08:09.010Z"


def field(field_id: str, key: str, field_type: str = "text") -> dict[str, str]:
    return {"id": field_id, "key": key, "name": key.title(), "fieldType": field_type}


def swimlane_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "apiUrl": API_URL,
        "appId": "123",
        "connectorType": "cases",
        "mappings": {
            "caseIdConfig": field("f-case-id", "case-id"),
            "caseNameConfig": field("f-case-name", "case-name"),
            "commentsConfig": field("f-comments", "comments", "comments"),
            "descriptionConfig": field("f-description", "description"),
            "severityConfig": field("f-severity", "severity", "numeric"),
        },
    }
    return {**config, **overrides}


SECRETS = {"apiToken": "swimlane-token"}


def push(externalId: str | None = None, comments: Any = None) -> dict[str, Any]:
    return {
        "subAction": "pushToService",
        "subActionParams": {
            "incident": {
                "caseId": "case-1",
                "caseName": "Suspicious login",
                "description": "Seen twice",
                "severity": "3",
                "externalId": externalId,
            },
            "comments": comments,
        },
    }


@pytest.fixture
def clock() -> Clock:
    """The connectors' time: comments are dated NOW."""
    return FixedClock(parse_time(NOW))


def record(**extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"id": "rec-1", "name": "SL-1", **extra})


async def test_push_creates_a_record_then_updates_it_with_comments(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/api/app/123/record", record(createdDate="2024-01-02T03:04:05.006Z"))
    fake.on("PATCH", "/api/app/123/record/rec-1", record(modifiedDate="2024-01-03T00:00:00Z"))
    fake.on("POST", "/api/app/123/record/rec-1/f-comments/comment", httpx.Response(200))

    created = await run_connector(
        Swimlane(), fake=fake, config=swimlane_config(), secrets=SECRETS, params=push()
    )
    updated = await run_connector(
        Swimlane(),
        fake=fake,
        config=swimlane_config(apiUrl=f"{API_URL}/"),
        secrets=SECRETS,
        params=push(
            "rec-1",
            [{"comment": "first", "commentId": "c-1"}, {"comment": "second", "commentId": "c-2"}],
        ),
    )

    assert created == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "id": "rec-1",
            "title": "SL-1",
            "url": f"{API_URL}/record/123/rec-1",
            "pushedDate": "2024-01-02T03:04:05.006Z",
        },
    }
    assert updated == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "id": "rec-1",
            "title": "SL-1",
            "url": f"{API_URL}/record/123/rec-1",
            "pushedDate": "2024-01-03T00:00:00.000Z",
            "comments": [
                {"commentId": "c-1", "pushedDate": NOW},
                {"commentId": "c-2", "pushedDate": NOW},
            ],
        },
    }
    values = {
        "f-case-id": "case-1",
        "f-case-name": "Suspicious login",
        "f-severity": 3,
        "f-description": "Seen twice",
    }
    assert fake.summaries() == [
        {
            "method": "POST",
            "path": "/api/app/123/record",
            "query": {},
            "body": {"applicationId": "123", "values": values},
        },
        {
            "method": "PATCH",
            "path": "/api/app/123/record/rec-1",
            "query": {},
            "body": {"applicationId": "123", "id": "rec-1", "values": values},
        },
        *(
            {
                "method": "POST",
                "path": "/api/app/123/record/rec-1/f-comments/comment",
                "query": {},
                "body": {
                    "createdDate": NOW,
                    "fieldId": "f-comments",
                    "isRichText": True,
                    "message": message,
                },
            }
            for message in ("first", "second")
        ),
    ]
    for request in fake.received:
        assert request.headers["private-token"] == "swimlane-token"
        assert request.headers["content-type"] == "application/json"
        assert "authorization" not in request.headers


async def test_api_url_ending_in_api_is_the_api_base(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/api/app/123/record", record(createdDate="2024-01-02T03:04:05.006Z"))

    result = await run_connector(
        Swimlane(),
        fake=fake,
        config=swimlane_config(apiUrl=f"{API_URL}/api"),
        secrets=SECRETS,
        params=push(),
    )

    assert result["data"]["url"] == f"{API_URL}/api/record/123/rec-1"
    assert [r.path for r in fake.received] == ["/api/app/123/record"]


async def test_non_numeric_value_in_a_numeric_field_is_sent_as_0(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/api/app/123/record", record(createdDate="2024-01-02T03:04:05.006Z"))
    params = push()
    params["subActionParams"]["incident"]["severity"] = "high"

    await run_connector(
        Swimlane(), fake=fake, config=swimlane_config(), secrets=SECRETS, params=params
    )

    assert fake.received[0].body["values"]["f-severity"] == 0


def failed(service_message: str) -> dict[str, Any]:
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": "an error occurred while running the action",
        "service_message": service_message,
        "retry": True,
        "errorSource": "framework",
    }


CREATE_FAILED = "[Action][Swimlane]: Unable to create record in application with id 123."


@pytest.mark.parametrize(
    ("answer", "service_message"),
    [
        (
            httpx.Response(401, json={"ErrorCode": 1001, "Argument": "Invalid token"}),
            f"{CREATE_FAILED} Status: 401. Error: Request failed with status code 401. "
            "Reason: Invalid token (1001)",
        ),
        (
            httpx.Response(500, text="boom"),
            f"{CREATE_FAILED} Status: 500. Error: Request failed with status code 500. "
            "Reason: unknown",
        ),
        (
            httpx.Response(200, text="<html>", headers={"content-type": "text/html"}),
            f"{CREATE_FAILED} Status: 500. Error: Unsupported content type: text/html in post "
            f"{API_URL}/api/app/123/record. Supported content types: application/json. "
            "Reason: unknown",
        ),
        (
            httpx.Response(200, text="not json", headers={"content-type": "application/json"}),
            f"{CREATE_FAILED} Status: 500. Error: Response is not a valid JSON. Reason: unknown",
        ),
        (
            httpx.Response(200, json={"id": "rec-1"}),
            f"{CREATE_FAILED} Status: 500. Error: Response is missing at least one of the "
            "expected fields: id,name,createdDate. Reason: unknown",
        ),
        (
            timeout,
            f"{CREATE_FAILED} Status: 500. Error: timeout of 60000ms exceeded. Reason: unknown",
        ),
    ],
)
async def test_create_failures(
    run_connector: RunConnector, fake: FakeService, answer: Any, service_message: str
) -> None:
    fake.on("POST", "/api/app/123/record", answer)

    result = await run_connector(
        Swimlane(), fake=fake, config=swimlane_config(), secrets=SECRETS, params=push()
    )

    assert result == failed(service_message)


async def test_comment_without_a_comments_mapping_fails(
    run_connector: RunConnector, fake: FakeService
) -> None:
    config = swimlane_config()
    config["mappings"]["commentsConfig"] = None
    fake.on("PATCH", "/api/app/123/record/rec-1", record(modifiedDate="2024-01-03T00:00:00Z"))

    result = await run_connector(
        Swimlane(),
        fake=fake,
        config=config,
        secrets=SECRETS,
        params=push("rec-1", [{"comment": "first", "commentId": "c-1"}]),
    )

    assert result == failed(
        "[Action][Swimlane]: Unable to create comment in application with id 123. Status: 500. "
        "Error: No comment field mapped in Swimlane connector. Reason: unknown"
    )
    assert [r.method for r in fake.received] == ["PATCH"]


async def test_update_failure_names_the_update(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("PATCH", "/api/app/123/record/rec-9", httpx.Response(404, json={}))

    result = await run_connector(
        Swimlane(), fake=fake, config=swimlane_config(), secrets=SECRETS, params=push("rec-9")
    )

    assert result == failed(
        "[Action][Swimlane]: Unable to update record in application with id 123. Status: 404. "
        "Error: Request failed with status code 404. Reason: unknown"
    )


HTTP = Outbound(allowed_hosts=("external.example.com",))


def config_error(config: dict[str, Any]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        Swimlane().validate_config(config, http=HTTP)
    return caught.value.message


def test_config_is_returned_with_null_mappings_filled_in() -> None:
    config = swimlane_config(mappings={"caseIdConfig": field("f", "case-id")})

    assert Swimlane().validate_config(config, http=HTTP) == {
        "apiUrl": API_URL,
        "appId": "123",
        "connectorType": "cases",
        "mappings": {
            "ruleNameConfig": None,
            "alertIdConfig": None,
            "caseIdConfig": field("f", "case-id"),
            "caseNameConfig": None,
            "commentsConfig": None,
            "severityConfig": None,
            "descriptionConfig": None,
        },
    }


def test_config_validation_messages() -> None:
    without_url = swimlane_config()
    del without_url["apiUrl"]
    bad_mapping = swimlane_config(mappings={"caseIdConfig": {"id": "f"}})

    assert config_error(without_url) == (
        "[apiUrl]: expected value of type [string] but got [undefined]"
    )
    assert config_error(swimlane_config(connectorType="other")) == (
        "[connectorType]: types that failed validation:\n"
        "- [connectorType.0]: expected value to equal [all] but got [other]\n"
        "- [connectorType.1]: expected value to equal [alerts] but got [other]\n"
        "- [connectorType.2]: expected value to equal [cases] but got [other]"
    )
    assert config_error(bad_mapping) == (
        "[mappings.caseIdConfig]: types that failed validation:\n"
        "- [mappings.caseIdConfig.0.key]: expected value of type [string] but got [undefined]\n"
        '- [mappings.caseIdConfig.1]: expected value to equal [null] but got [{"id":"f"}]'
    )
    assert config_error(swimlane_config(apiUrl="https://elsewhere.example.com")) == (
        'error configuring connector action: target url "https://elsewhere.example.com" '
        "is not added to the Kibana config xpack.actions.allowedHosts"
    )
    assert config_error(swimlane_config(extra=1)) == "[extra]: definition for this key is missing"


def test_secrets_need_the_api_token() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Swimlane().validate_secrets({}, http=HTTP)

    assert caught.value.message == "[apiToken]: expected value of type [string] but got [undefined]"


async def test_params_validation_messages(run_connector: RunConnector, fake: FakeService) -> None:
    async def refused(params: dict[str, Any]) -> str:
        result = await run_connector(
            Swimlane(), fake=fake, config=swimlane_config(), secrets=SECRETS, params=params
        )
        assert result["status"] == "error"
        assert (result["retry"], result["errorSource"]) == (False, "user")
        message: str = result["message"]
        return message

    assert await refused({}) == (
        "error validating action params: "
        "[subAction]: expected value to equal [pushToService] but got [undefined]"
    )
    assert await refused({"subAction": "pushToService", "subActionParams": None}) == (
        "error validating action params: "
        "[subActionParams]: expected a plain object value, but found [null] instead."
    )
    assert await refused(push(comments=[{"comment": "no id"}])) == (
        "error validating action params: [subActionParams.comments]: types that failed "
        "validation:\n- [subActionParams.comments.0.0.commentId]: expected value of type "
        "[string] but got [undefined]\n- [subActionParams.comments.1]: expected value to "
        'equal [null] but got [[{"comment":"no id"}]]'
    )
    assert fake.received == []


async def test_push_without_sub_action_params_creates_an_empty_record(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", "/api/app/123/record", record(createdDate="2024-01-02T03:04:05.006Z"))

    result = await run_connector(
        Swimlane(),
        fake=fake,
        config=swimlane_config(),
        secrets=SECRETS,
        params={"subAction": "pushToService"},
    )

    assert result["status"] == "ok"
    assert fake.received[0].body == {"applicationId": "123", "values": {}}
