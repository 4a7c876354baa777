"""IBM Resilient: pushes, sub-actions, failures and validation, as Kibana words them."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import ValidationFailed
from opencases.connectors.types.resilient import Resilient
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout

RESILIENT = Resilient()
CONFIG = {"apiUrl": "https://external.example.com", "orgId": "201"}
SECRETS = {"apiKeyId": "key", "apiKeySecret": "secret"}
# base64("key:secret")
AUTHORIZATION = "Basic a2V5OnNlY3JldA=="
INCIDENTS = "/rest/orgs/201/incidents"
OBJECTS_CONVERT = {"text_content_output_format": "objects_convert"}
CREATED_AT = 1589391874472  # 2020-05-13T17:44:34.472Z
MODIFIED_AT = 1589391999000  # 2020-05-13T17:46:39.000Z


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


def now_ms() -> int:
    return int(time.time() * 1000)


async def run(run_connector: RunConnector, fake: FakeService, params: dict[str, Any]) -> Any:
    return await run_connector(RESILIENT, fake=fake, config=CONFIG, secrets=SECRETS, params=params)


async def test_push_creates_an_incident_and_adds_the_comments(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", INCIDENTS, httpx.Response(200, json={"id": 123, "create_date": CREATED_AT}))
    fake.on("POST", f"{INCIDENTS}/123/comments", httpx.Response(200, json={"id": 9}))
    incident = {
        "name": "a title",
        "description": "a description",
        "incidentTypes": [1001, 16],
        "severityCode": 6,
        "externalId": None,
    }
    comments = [{"comment": "first", "commentId": "c1"}, {"comment": "second", "commentId": "c2"}]

    before = now_ms()
    result = await run(run_connector, fake, push(incident, comments))
    after = now_ms()

    pushed_date = "2020-05-13T17:44:34.472Z"
    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "123",
            "id": "123",
            "pushedDate": pushed_date,
            "url": "https://external.example.com/#incidents/123",
            "comments": [
                {"commentId": "c1", "pushedDate": pushed_date},
                {"commentId": "c2", "pushedDate": pushed_date},
            ],
        },
    }
    discovered = fake.received[0].body["discovered_date"]
    assert isinstance(discovered, int)
    assert before <= discovered <= after
    assert fake.summaries() == [
        {
            "method": "POST",
            "path": INCIDENTS,
            "query": OBJECTS_CONVERT,
            "body": {
                "name": "a title",
                "discovered_date": discovered,
                "description": {"format": "html", "content": "a description"},
                "incident_type_ids": [{"id": 1001}, {"id": 16}],
                "severity_code": {"id": 6},
            },
        },
        {
            "method": "POST",
            "path": f"{INCIDENTS}/123/comments",
            "query": {},
            "body": {"text": {"format": "text", "content": "first"}},
        },
        {
            "method": "POST",
            "path": f"{INCIDENTS}/123/comments",
            "query": {},
            "body": {"text": {"format": "text", "content": "second"}},
        },
    ]
    for request in fake.received:
        assert request.headers["authorization"] == AUTHORIZATION
        assert request.headers["content-type"] == "application/json"


async def test_create_sends_only_the_fields_given(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("POST", INCIDENTS, httpx.Response(200, json={"id": 5, "create_date": CREATED_AT}))

    result = await run(run_connector, fake, push({"name": "only a name"}))

    assert result["status"] == "ok"
    assert result["data"]["id"] == "5"
    (create,) = fake.received
    assert set(create.body) == {"name", "discovered_date"}


async def test_push_updates_an_incident_with_its_changes(
    run_connector: RunConnector, fake: FakeService
) -> None:
    old = {
        "id": 123,
        "name": "old title",
        "description": {"format": "html", "content": "old description"},
        "incident_type_ids": [1001, 16, 12],
        "severity_code": 6,
        "inc_last_modified_date": CREATED_AT,
    }
    updated = {**old, "name": "new title", "inc_last_modified_date": MODIFIED_AT}
    fake.on(
        "GET",
        f"{INCIDENTS}/123",
        httpx.Response(200, json=old),
        httpx.Response(200, json=updated),
    )
    fake.on("PATCH", f"{INCIDENTS}/123", httpx.Response(200, json={"success": True}))
    fake.on("POST", f"{INCIDENTS}/123/comments", httpx.Response(200, json={}))
    incident = {
        "name": "new title",
        "description": "new description",
        "incidentTypes": [1001],
        "severityCode": 5,
        "externalId": "123",
    }

    result = await run(run_connector, fake, push(incident, [{"comment": "c", "commentId": "x"}]))

    modified = "2020-05-13T17:46:39.000Z"
    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "123",
            "id": "123",
            "pushedDate": modified,
            "url": "https://external.example.com/#incidents/123",
            "comments": [{"commentId": "x", "pushedDate": modified}],
        },
    }
    changes = [
        {
            "field": {"name": "name"},
            "old_value": {"text": "old title"},
            "new_value": {"text": "new title"},
        },
        {
            "field": {"name": "description"},
            "old_value": {"textarea": {"format": "html", "content": "old description"}},
            "new_value": {"textarea": {"format": "html", "content": "new description"}},
        },
        {
            "field": {"name": "incident_type_ids"},
            "old_value": {"ids": [1001, 16, 12]},
            "new_value": {"ids": [1001]},
        },
        {
            "field": {"name": "severity_code"},
            "old_value": {"id": 6},
            "new_value": {"id": 5},
        },
    ]
    # Kibana sends `{}` as the body of its GET requests too.
    assert fake.summaries() == [
        {"method": "GET", "path": f"{INCIDENTS}/123", "query": OBJECTS_CONVERT, "body": {}},
        {
            "method": "PATCH",
            "path": f"{INCIDENTS}/123",
            "query": {},
            "body": {"changes": changes},
        },
        {"method": "GET", "path": f"{INCIDENTS}/123", "query": OBJECTS_CONVERT, "body": {}},
        {
            "method": "POST",
            "path": f"{INCIDENTS}/123/comments",
            "query": {},
            "body": {"text": {"format": "text", "content": "c"}},
        },
    ]
    assert all(r.headers["authorization"] == AUTHORIZATION for r in fake.received)


async def test_update_leaves_out_null_fields_and_empties_missing_old_values(
    run_connector: RunConnector, fake: FakeService
) -> None:
    old = {"id": 7, "inc_last_modified_date": CREATED_AT}
    fake.on("GET", f"{INCIDENTS}/7", httpx.Response(200, json=old))
    fake.on("PATCH", f"{INCIDENTS}/7", httpx.Response(200, json={"success": True}))
    incident = {"name": "n", "description": None, "severityCode": 4, "externalId": "7"}

    result = await run(run_connector, fake, push(incident))

    assert result["status"] == "ok"
    assert fake.received[1].body == {
        "changes": [
            {"field": {"name": "name"}, "old_value": {"text": ""}, "new_value": {"text": "n"}},
            {
                "field": {"name": "severity_code"},
                "old_value": {"text": ""},
                "new_value": {"id": 4},
            },
        ]
    }


async def test_update_refused_by_resilient(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on(
        "GET", f"{INCIDENTS}/7", httpx.Response(200, json={"id": 7, "inc_last_modified_date": 1})
    )
    fake.on("PATCH", f"{INCIDENTS}/7", httpx.Response(200, json={"success": False}))

    result = await run(run_connector, fake, push({"name": "n", "externalId": "7"}))

    assert result == failed(
        "[Action][IBM Resilient]: Unable to update incident with id 7. "
        "Error: Error while updating incident."
    )


async def test_update_of_an_incident_without_description_fails_as_kibana_does(
    run_connector: RunConnector, fake: FakeService
) -> None:
    old = {"id": 7, "description": None, "inc_last_modified_date": 1}
    fake.on("GET", f"{INCIDENTS}/7", httpx.Response(200, json=old))

    result = await run(
        run_connector, fake, push({"name": "n", "description": "d", "externalId": "7"})
    )

    assert result == failed(
        "[Action][IBM Resilient]: Unable to update incident with id 7. "
        "Error: Cannot read properties of null (reading 'content')."
    )
    assert [r.method for r in fake.received] == ["GET"]


async def test_update_of_a_missing_incident(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("GET", f"{INCIDENTS}/404", httpx.Response(404, json={"message": "gone"}))

    result = await run(run_connector, fake, push({"name": "n", "externalId": "404"}))

    # Kibana wraps the read's failure in the update's.
    assert result == failed(
        "[Action][IBM Resilient]: Unable to update incident with id 404. "
        "Error: [Action][IBM Resilient]: Unable to get incident with id 404. "
        "Error: Status code: 404. Message: API Error: Not Found.."
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            httpx.Response(401, json={"message": "bad key"}),
            "Status code: 401. Message: Unauthorized API Error",
        ),
        (
            httpx.Response(500, text="oops"),
            "Status code: 500. Message: API Error: Internal Server Error",
        ),
        (timeout, "Status code: undefined. Message: Unknown API Error"),
        (
            httpx.Response(200, text="<html>not json</html>"),
            "Response validation failed (Error: could not parse object value from json input)",
        ),
        (
            httpx.Response(200, json={"create_date": CREATED_AT}),
            "Response validation failed "
            "(Error: [id]: expected value of type [number] but got [undefined])",
        ),
    ],
)
async def test_create_failures(
    run_connector: RunConnector, fake: FakeService, answer: Any, reason: str
) -> None:
    fake.on("POST", INCIDENTS, answer)

    result = await run(
        run_connector, fake, push({"name": "n"}, [{"comment": "c", "commentId": "1"}])
    )

    assert result == failed(f"[Action][IBM Resilient]: Unable to create incident. Error: {reason}.")
    assert len(fake.received) == 1


async def test_comment_failure(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("POST", INCIDENTS, httpx.Response(200, json={"id": 1, "create_date": CREATED_AT}))
    fake.on("POST", f"{INCIDENTS}/1/comments", httpx.Response(403, json={}))

    result = await run(
        run_connector, fake, push({"name": "n"}, [{"comment": "c", "commentId": "1"}])
    )

    assert result == failed(
        "[Action][IBM Resilient]: Unable to create comment at incident with id 1. "
        "Error: Status code: 403. Message: API Error: Forbidden."
    )


@pytest.mark.parametrize(
    ("sub_action", "path"),
    [("incidentTypes", "incident_type_ids"), ("severity", "severity_code")],
)
async def test_value_lists(
    run_connector: RunConnector, fake: FakeService, sub_action: str, path: str
) -> None:
    values = [{"value": 4, "label": "Low", "enabled": True}, {"value": 1001, "label": "Custom"}]
    fake.on(
        "GET",
        f"/rest/orgs/201/types/incident/fields/{path}",
        httpx.Response(200, json={"values": values}),
    )

    result = await run(run_connector, fake, {"subAction": sub_action})

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": [{"id": "4", "name": "Low"}, {"id": "1001", "name": "Custom"}],
    }
    assert fake.summaries() == [
        {
            "method": "GET",
            "path": f"/rest/orgs/201/types/incident/fields/{path}",
            "query": {},
            "body": {},
        }
    ]


async def test_get_fields(run_connector: RunConnector, fake: FakeService) -> None:
    field = {
        "name": "name",
        "input_type": "text",
        "read_only": False,
        "required": "always",
        "text": "Name",
        "internal": True,
    }
    fake.on("GET", "/rest/orgs/201/types/incident/fields", httpx.Response(200, json=[field]))

    result = await run(run_connector, fake, {"subAction": "getFields", "subActionParams": {}})

    assert result["data"] == [
        {
            "name": "name",
            "input_type": "text",
            "read_only": False,
            "required": "always",
            "text": "Name",
        }
    ]


async def test_value_list_with_a_bad_answer(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on(
        "GET",
        "/rest/orgs/201/types/incident/fields/severity_code",
        httpx.Response(200, json={"id": 1}),
    )

    result = await run(run_connector, fake, {"subAction": "severity"})

    assert result == failed(
        "[Action][IBM Resilient]: Unable to get severity. Error: Response validation failed "
        "(Error: [values]: expected value of type [array] but got [undefined])."
    )


async def test_unknown_sub_action(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run(run_connector, fake, {"subAction": "getIncident"})

    assert result == failed(
        'Sub action "getIncident" is not registered. Connector id: connector-1. '
        "Connector name: IBM Resilient. Connector type: .resilient"
    )
    assert fake.received == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "[subAction]: expected value of type [string] but got [undefined]"),
        (
            {"subAction": "pushToService", "subActionParams": None},
            "[subActionParams]: expected a plain object value, but found [null] instead.",
        ),
        ({"subAction": "severity", "foo": 1}, "[foo]: definition for this key is missing"),
    ],
)
async def test_params_refused(
    run_connector: RunConnector, fake: FakeService, params: dict[str, Any], message: str
) -> None:
    result = await run(run_connector, fake, params)

    assert result == {
        "connector_id": "connector-1",
        "status": "error",
        "message": f"error validating action params: {message}",
        "retry": False,
        "errorSource": "user",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"subAction": "pushToService"},
            "[incident.name]: expected value of type [string] but got [undefined]",
        ),
        (
            push({"description": "success"}, []),
            "[incident.name]: expected value of type [string] but got [undefined]",
        ),
        (
            push({"name": "n"}, [{"comment": "comment"}]),
            "[comments]: types that failed validation:\n"
            "- [comments.0.0.commentId]: expected value of type [string] but got [undefined]\n"
            "- [comments.1]: expected value to equal [null]",
        ),
        (
            push({"name": "n", "severityCode": "high"}),
            "[incident.severityCode]: types that failed validation:\n"
            "- [incident.severityCode.0]: expected value of type [number] but got [string]\n"
            "- [incident.severityCode.1]: expected value to equal [null]",
        ),
        (
            push({"name": "n", "additional_fields": {}}),
            "[incident.additional_fields]: definition for this key is missing",
        ),
        (
            {"subAction": "getFields", "subActionParams": {"x": 1}},
            "[x]: definition for this key is missing",
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


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"orgId": "201"}, "[apiUrl]: expected value of type [string] but got [undefined]"),
        (
            {"apiUrl": CONFIG["apiUrl"]},
            "[orgId]: expected value of type [string] but got [undefined]",
        ),
        ({**CONFIG, "orgId": 201}, "[orgId]: expected value of type [string] but got [number]"),
        ({**CONFIG, "foo": "x"}, "[foo]: definition for this key is missing"),
    ],
)
def test_config_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        RESILIENT.validate_config(config, http=ANYWHERE)

    assert refused.value.message == message


def test_config_outside_allowed_hosts() -> None:
    http = Outbound(allowed_hosts=("elsewhere.example.com",))
    config = {"apiUrl": "http://resilient.mynonexistent.com", "orgId": "201"}

    with pytest.raises(ValidationFailed) as refused:
        RESILIENT.validate_config(config, http=http)

    assert refused.value.message == (
        'error validating url: target url "http://resilient.mynonexistent.com" '
        "is not added to the Kibana config xpack.actions.allowedHosts"
    )


def test_config_and_secrets_accepted() -> None:
    assert RESILIENT.validate_config(dict(CONFIG), http=ANYWHERE) == CONFIG
    assert RESILIENT.validate_secrets(dict(SECRETS), http=ANYWHERE) == SECRETS


def test_secrets_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        RESILIENT.validate_secrets({}, http=ANYWHERE)

    assert (
        refused.value.message == "[apiKeyId]: expected value of type [string] but got [undefined]"
    )


def test_connector_type() -> None:
    assert (RESILIENT.id, RESILIENT.name, RESILIENT.minimum_license_required) == (
        ".resilient",
        "IBM Resilient",
        "platinum",
    )
    assert RESILIENT.supported_feature_ids == ("alerting", "cases", "siem")
