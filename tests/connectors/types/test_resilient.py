"""IBM Resilient: pushes, sub-actions, failures and validation, as Kibana words them."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from opencases.connectors.errors import ValidationFailed
from opencases.connectors.outbound import Outbound
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
FIELDS = "/rest/orgs/201/types/incident/fields"
GET_FIELDS = {"method": "GET", "path": FIELDS, "query": {}, "body": {}}


def option(value: int | str, label: str) -> dict[str, Any]:
    """One of a select field's options, as Resilient lists it."""
    return {"value": value, "label": label, "enabled": True, "hidden": False, "default": False}


def field(
    name: str, input_type: str, prefix: str | None = None, values: list[Any] | None = None
) -> dict[str, Any]:
    """An incident field's metadata, as Resilient answers it (with keys Kibana drops)."""
    return {
        "name": name,
        "input_type": input_type,
        "read_only": False,
        "required": None,
        "text": "",
        "internal": prefix is None,
        "prefix": prefix,
        "values": values,
    }


TEST_OPTIONS = [option(value, f"Option {n}") for n, value in enumerate((100, 110, 120, 130), 1)]
# Kibana's `resilientFields` mock, with the options of its select fields.
RESILIENT_FIELDS = [
    field("name", "text"),
    field("description", "textarea"),
    field("severity_code", "select", values=[option(5, "Low"), option(6, "Medium")]),
    field(
        "incident_type_ids",
        "multiselect",
        values=[
            option(12, "Communication error (fax; email)"),
            option(16, "Custom type"),
            option(1001, "Custom type 2"),
        ],
    ),
    field("customField1", "text", "properties"),
    field("test_text", "text", "properties"),
    field("test_text_area", "textarea", "properties"),
    field("test_boolean", "boolean", "properties"),
    field("test_date_picker", "datepicker", "properties"),
    field("test_date_time_picker", "datetimepicker", "properties"),
    field("test_number", "number", "properties"),
    field("test_select", "select", "properties", TEST_OPTIONS),
    field("test_multi_select", "multiselect", "properties", TEST_OPTIONS),
    field("resolution_summary", "textarea"),
]
ACCEPTED_TEST_OPTIONS = (
    'Accepted values: 100 (for "Option 1"),110 (for "Option 2"),'
    '120 (for "Option 3"),130 (for "Option 4")'
)


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


async def test_create_places_additional_fields_by_their_prefix(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
    fake.on("POST", INCIDENTS, httpx.Response(200, json={"id": 5, "create_date": CREATED_AT}))
    additional = {
        "customField1": "customValue1",
        "properties": {"test_text": "some text", "test_multi_select": [100, 110]},
        "test_text_area": "some textarea",
        "test_boolean": True,
        "test_number": 123,
        "test_select": 100,
        "test_date_picker": 943983345345,
        "test_date_time_picker": 943983345345,
        "resolution_summary": "some resolution summary",
        "unknown123": "field",
    }
    incident = {"name": "a title", "severityCode": 6, "additionalFields": additional}

    result = await run(run_connector, fake, push(incident))

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "5",
            "id": "5",
            "pushedDate": "2020-05-13T17:44:34.472Z",
            "url": "https://external.example.com/#incidents/5",
        },
    }
    discovered = fake.received[1].body["discovered_date"]
    # Custom fields go under their prefix, whether given in `properties` or not.
    assert fake.summaries() == [
        GET_FIELDS,
        {
            "method": "POST",
            "path": INCIDENTS,
            "query": OBJECTS_CONVERT,
            "body": {
                "name": "a title",
                "discovered_date": discovered,
                "severity_code": {"id": 6},
                "resolution_summary": "some resolution summary",
                "unknown123": "field",
                "properties": {
                    "test_text": "some text",
                    "test_multi_select": [100, 110],
                    "customField1": "customValue1",
                    "test_text_area": "some textarea",
                    "test_boolean": True,
                    "test_number": 123,
                    "test_select": 100,
                    "test_date_picker": 943983345345,
                    "test_date_time_picker": 943983345345,
                },
            },
        },
    ]


@pytest.mark.parametrize(
    ("additional", "sent"),
    [
        ({}, {}),
        ('{"customField1": "from JSON"}', {"properties": {"customField1": "from JSON"}}),
        (
            {"incident_type_ids": [12], "discovered_date": 1},
            {"incident_type_ids": [12], "discovered_date": 1},
        ),
        ({"properties": "ab"}, {"0": "a", "1": "b"}),
        ({"properties": None, "properties_x": None}, {"properties_x": None}),
    ],
    ids=["empty", "json", "overriding", "spread-string", "null-properties"],
)
async def test_create_with_other_additional_fields(
    run_connector: RunConnector, fake: FakeService, additional: Any, sent: dict[str, Any]
) -> None:
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
    fake.on("POST", INCIDENTS, httpx.Response(200, json={"id": 5, "create_date": CREATED_AT}))

    result = await run(
        run_connector,
        fake,
        push({"name": "n", "incidentTypes": [16], "additionalFields": additional}),
    )

    assert result["status"] == "ok"
    # An empty record is true to JavaScript, so the fields are fetched all the same; the
    # additional fields are spread over the incident's own, a string as its characters.
    get_fields, create = fake.summaries()
    assert get_fields == GET_FIELDS
    assert create["body"] == {
        "name": "n",
        "discovered_date": create["body"]["discovered_date"],
        "incident_type_ids": [{"id": 16}],
        **sent,
    }


async def test_create_with_fifty_additional_fields(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
    fake.on("POST", INCIDENTS, httpx.Response(200, json={"id": 5, "create_date": CREATED_AT}))
    additional = {f"u_field_{n}": n for n in range(50)}

    result = await run(run_connector, fake, push({"name": "n", "additionalFields": additional}))

    assert result["status"] == "ok"
    body = fake.received[1].body
    assert body == {"name": "n", "discovered_date": body["discovered_date"], **additional}


@pytest.mark.parametrize(
    ("additional", "reason"),
    [
        (
            {"test_select": 1337},
            f"Invalid values provided to test_select: [\n  1337\n]. {ACCEPTED_TEST_OPTIONS}",
        ),
        (
            {"properties": {"test_multi_select": [100, 1337]}},
            "Invalid values provided to test_multi_select: [\n  100,\n  1337\n]. "
            + ACCEPTED_TEST_OPTIONS,
        ),
        (
            {"test_select": None},
            f"Invalid values provided to test_select: [\n  null\n]. {ACCEPTED_TEST_OPTIONS}",
        ),
        (
            {"incident_type_ids": [{"id": 12}]},
            'Invalid values provided to incident_type_ids: [\n  {\n    "id": 12\n  }\n]. '
            'Accepted values: 12 (for "Communication error (fax; email)"),'
            '16 (for "Custom type"),1001 (for "Custom type 2")',
        ),
    ],
)
async def test_create_refuses_values_not_among_the_options(
    run_connector: RunConnector, fake: FakeService, additional: dict[str, Any], reason: str
) -> None:
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))

    result = await run(run_connector, fake, push({"name": "n", "additionalFields": additional}))

    assert result == failed(f"[Action][IBM Resilient]: Unable to create incident. Error: {reason}.")
    assert fake.summaries() == [GET_FIELDS]


async def test_create_without_the_fields(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("GET", FIELDS, httpx.Response(401, json={}))

    result = await run(run_connector, fake, push({"name": "n", "additionalFields": {"a": 1}}))

    assert result == failed(
        "[Action][IBM Resilient]: Unable to create incident. "
        "Error: [Action][IBM Resilient]: Unable to get fields. "
        "Error: Status code: 401. Message: Unauthorized API Error.."
    )
    assert fake.summaries() == [GET_FIELDS]


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
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
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
        GET_FIELDS,
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
    old = {"id": 7, "description": None, "inc_last_modified_date": CREATED_AT}
    fake.on("GET", f"{INCIDENTS}/7", httpx.Response(200, json=old))
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
    fake.on("PATCH", f"{INCIDENTS}/7", httpx.Response(200, json={"success": True}))
    incident = {
        "name": "n",
        "description": "d",
        "incidentTypes": None,
        "severityCode": 5,
        "additionalFields": None,
        "externalId": "7",
    }

    result = await run(run_connector, fake, push(incident))

    assert result["status"] == "ok"
    # Without an old description to take the format from, Kibana sends plain text.
    assert fake.received[2].body == {
        "changes": [
            {"field": {"name": "name"}, "old_value": {}, "new_value": {"text": "n"}},
            {
                "field": {"name": "description"},
                "old_value": {"textarea": None},
                "new_value": {"textarea": {"format": "text", "content": "d"}},
            },
            {"field": {"name": "severity_code"}, "old_value": {}, "new_value": {"id": 5}},
        ]
    }


async def test_push_updates_additional_fields_by_their_input_type(
    run_connector: RunConnector, fake: FakeService
) -> None:
    old = {
        "id": 123,
        "name": "title",
        "description": {"format": "html", "content": "desc"},
        "severity_code": 5,
        "incident_type_ids": [12, 16],
        "resolution_summary": "some resolution summary",
        "properties": {
            "customField1": "oldCustomValue",
            "test_text": "some text",
            "test_text_area": "some textarea",
            "test_boolean": True,
            "test_number": 123,
            "test_select": 100,
            "test_multi_select": [100, 110],
            "test_date_picker": 943983345345,
            "test_date_time_picker": 943983345345,
        },
        "inc_last_modified_date": CREATED_AT,
    }
    fake.on("GET", f"{INCIDENTS}/123", httpx.Response(200, json=old))
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
    fake.on("PATCH", f"{INCIDENTS}/123", httpx.Response(200, json={"success": True}))
    incident = {
        "name": "title_updated",
        "description": "desc_updated",
        "severityCode": 6,
        "incidentTypes": [12, 16, 1001],
        "additionalFields": {
            "customField1": "customValue1",
            "test_text": "some new text",
            "test_text_area": "some new textarea",
            "test_boolean": False,
            "test_number": 1234,
            "test_select": 110,
            "test_multi_select": [120, 130],
            "test_date_picker": 1234567890123,
            "test_date_time_picker": 1234567890123,
            "resolution_summary": "some new resolution summary",
        },
        "externalId": "123",
    }

    result = await run(run_connector, fake, push(incident))

    assert result["status"] == "ok"
    # The additional fields come first, as Kibana merges them under the incident's own.
    changes = [
        {
            "field": {"name": "customField1"},
            "old_value": {"text": "oldCustomValue"},
            "new_value": {"text": "customValue1"},
        },
        {
            "field": {"name": "test_text"},
            "old_value": {"text": "some text"},
            "new_value": {"text": "some new text"},
        },
        {
            "field": {"name": "test_text_area"},
            "old_value": {"textarea": {"format": "text", "content": "some textarea"}},
            "new_value": {"textarea": {"format": "text", "content": "some new textarea"}},
        },
        {
            "field": {"name": "test_boolean"},
            "old_value": {"boolean": True},
            "new_value": {"boolean": False},
        },
        {
            "field": {"name": "test_number"},
            "old_value": {"object": 123},
            "new_value": {"object": 1234},
        },
        {"field": {"name": "test_select"}, "old_value": {"id": 100}, "new_value": {"id": 110}},
        {
            "field": {"name": "test_multi_select"},
            "old_value": {"ids": [100, 110]},
            "new_value": {"ids": [120, 130]},
        },
        {
            "field": {"name": "test_date_picker"},
            "old_value": {"date": 943983345345},
            "new_value": {"date": 1234567890123},
        },
        {
            "field": {"name": "test_date_time_picker"},
            "old_value": {"date": 943983345345},
            "new_value": {"date": 1234567890123},
        },
        {
            "field": {"name": "resolution_summary"},
            "old_value": {"textarea": {"format": "text", "content": "some resolution summary"}},
            "new_value": {"textarea": {"format": "text", "content": "some new resolution summary"}},
        },
        {
            "field": {"name": "name"},
            "old_value": {"text": "title"},
            "new_value": {"text": "title_updated"},
        },
        {
            "field": {"name": "description"},
            "old_value": {"textarea": {"format": "html", "content": "desc"}},
            "new_value": {"textarea": {"format": "html", "content": "desc_updated"}},
        },
        {"field": {"name": "severity_code"}, "old_value": {"id": 5}, "new_value": {"id": 6}},
        {
            "field": {"name": "incident_type_ids"},
            "old_value": {"ids": [12, 16]},
            "new_value": {"ids": [12, 16, 1001]},
        },
    ]
    assert fake.summaries() == [
        {"method": "GET", "path": f"{INCIDENTS}/123", "query": OBJECTS_CONVERT, "body": {}},
        GET_FIELDS,
        {"method": "PATCH", "path": f"{INCIDENTS}/123", "query": {}, "body": {"changes": changes}},
        {"method": "GET", "path": f"{INCIDENTS}/123", "query": OBJECTS_CONVERT, "body": {}},
    ]


async def test_update_of_new_custom_fields_and_unshaped_values(
    run_connector: RunConnector, fake: FakeService
) -> None:
    old = {"id": 7, "name": "title", "inc_last_modified_date": CREATED_AT}
    fields = [*RESILIENT_FIELDS, field("plan_status", "custom_input")]
    fake.on("GET", f"{INCIDENTS}/7", httpx.Response(200, json=old))
    fake.on("GET", FIELDS, httpx.Response(200, json=fields))
    fake.on("PATCH", f"{INCIDENTS}/7", httpx.Response(200, json={"success": True}))
    additional = {
        "test_text_area": {"format": "html", "content": "<b>x</b>", "extra": 1},
        "test_number": "12",
        "test_boolean": "true",
        "test_date_picker": "2020-01-01",
        "plan_status": "A",
    }
    incident = {"name": "title", "additionalFields": additional, "externalId": "7"}

    result = await run(run_connector, fake, push(incident))

    assert result["status"] == "ok"
    # A custom field the incident lacks has no old value; values of another type are dropped.
    assert fake.received[2].body == {
        "changes": [
            {
                "field": {"name": "test_text_area"},
                "old_value": {"textarea": None},
                "new_value": {"textarea": {"format": "html", "content": "<b>x</b>", "extra": 1}},
            },
            {"field": {"name": "test_number"}, "old_value": {}, "new_value": {}},
            {"field": {"name": "test_boolean"}, "old_value": {}, "new_value": {}},
            {"field": {"name": "test_date_picker"}, "old_value": {}, "new_value": {}},
            {"field": {"name": "plan_status"}, "old_value": {}, "new_value": {}},
            {
                "field": {"name": "name"},
                "old_value": {"text": "title"},
                "new_value": {"text": "title"},
            },
        ]
    }


@pytest.mark.parametrize(
    ("incident", "reason"),
    [
        (
            {"name": "n", "additionalFields": {"unknown123": "x"}},
            "No metadata found for field unknown123",
        ),
        (
            {"name": "n", "severityCode": 1337},
            "Invalid values provided to severity_code: [\n  1337\n]. "
            'Accepted values: 5 (for "Low"),6 (for "Medium")',
        ),
        (
            {"name": "n", "additionalFields": {"incident_type_ids": [12, 16, 1337]}},
            "Invalid values provided to incident_type_ids: [\n  12,\n  16,\n  1337\n]. "
            'Accepted values: 12 (for "Communication error (fax; email)"),'
            '16 (for "Custom type"),1001 (for "Custom type 2")',
        ),
        (
            {"name": "n", "additionalFields": {"test_select": "100"}},
            f'Invalid values provided to test_select: [\n  "100"\n]. {ACCEPTED_TEST_OPTIONS}',
        ),
    ],
)
async def test_update_refused_before_patching(
    run_connector: RunConnector, fake: FakeService, incident: dict[str, Any], reason: str
) -> None:
    old = {"id": 7, "name": "n", "severity_code": 5, "inc_last_modified_date": CREATED_AT}
    fake.on("GET", f"{INCIDENTS}/7", httpx.Response(200, json=old))
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))

    result = await run(run_connector, fake, push({**incident, "externalId": "7"}))

    assert result == failed(
        f"[Action][IBM Resilient]: Unable to update incident with id 7. Error: {reason}."
    )
    assert [r.method for r in fake.received] == ["GET", "GET"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"success": False}, "Error while updating incident: null"),
        (
            {"success": False, "message": "field is read only"},
            "Error while updating incident: field is read only",
        ),
    ],
)
async def test_update_refused_by_resilient(
    run_connector: RunConnector, fake: FakeService, answer: dict[str, Any], reason: str
) -> None:
    fake.on(
        "GET", f"{INCIDENTS}/7", httpx.Response(200, json={"id": 7, "inc_last_modified_date": 1})
    )
    fake.on("GET", FIELDS, httpx.Response(200, json=RESILIENT_FIELDS))
    fake.on("PATCH", f"{INCIDENTS}/7", httpx.Response(200, json=answer))

    result = await run(run_connector, fake, push({"name": "n", "externalId": "7"}))

    assert result == failed(
        f"[Action][IBM Resilient]: Unable to update incident with id 7. Error: {reason}."
    )


async def test_update_without_the_fields(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on(
        "GET", f"{INCIDENTS}/7", httpx.Response(200, json={"id": 7, "inc_last_modified_date": 1})
    )
    fake.on("GET", FIELDS, httpx.Response(503, json={}))

    result = await run(run_connector, fake, push({"name": "n", "externalId": "7"}))

    assert result == failed(
        "[Action][IBM Resilient]: Unable to update incident with id 7. "
        "Error: [Action][IBM Resilient]: Unable to get fields. "
        "Error: Status code: 503. Message: API Error: Service Unavailable.."
    )


async def test_update_of_a_missing_incident(run_connector: RunConnector, fake: FakeService) -> None:
    fake.on("GET", f"{INCIDENTS}/404", httpx.Response(404, json={"message": "gone"}))

    result = await run(run_connector, fake, push({"name": "n", "externalId": "404"}))

    # Kibana wraps the read's failure in the update's, with the message Resilient gave.
    assert result == failed(
        "[Action][IBM Resilient]: Unable to update incident with id 404. "
        "Error: [Action][IBM Resilient]: Unable to get incident with id 404. "
        "Error: Status code: 404. Message: API Error: gone.."
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
        (
            httpx.Response(400, json={"message": "A test error message"}),
            "Status code: 400. Message: API Error: A test error message",
        ),
        (
            httpx.Response(400, json={"message": None}),
            "Status code: 400. Message: API Error: null",
        ),
        (
            httpx.Response(400, json=["message"]),
            "Status code: 400. Message: API Error: Bad Request",
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
    name = {
        "name": "name",
        "input_type": "text",
        "read_only": False,
        "required": "always",
        "text": "Name",
        "internal": True,
    }
    level = {
        **field("plan_level", "select", "properties"),
        "values": [{**option(1, "One"), "uuid": "u-1"}, option("two", "Two")],
    }
    fake.on("GET", FIELDS, httpx.Response(200, json=[name, level]))

    result = await run(run_connector, fake, {"subAction": "getFields", "subActionParams": {}})

    # Kibana keeps the options as Resilient lists them, and reads a missing prefix as null.
    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": [
            {
                "name": "name",
                "input_type": "text",
                "read_only": False,
                "required": "always",
                "text": "Name",
                "prefix": None,
                "values": None,
            },
            {
                "name": "plan_level",
                "input_type": "select",
                "read_only": False,
                "required": None,
                "text": "",
                "prefix": "properties",
                "values": [{**option(1, "One"), "uuid": "u-1"}, option("two", "Two")],
            },
        ],
    }
    assert fake.summaries() == [GET_FIELDS]


async def test_get_fields_with_a_bad_option(run_connector: RunConnector, fake: FakeService) -> None:
    fields = [field("plan_level", "select", values=[{"value": 1, "label": "One"}])]
    fake.on("GET", FIELDS, httpx.Response(200, json=fields))

    result = await run(run_connector, fake, {"subAction": "getFields", "subActionParams": {}})

    assert result == failed(
        "[Action][IBM Resilient]: Unable to get fields. Error: Response validation failed "
        "(Error: [0.values]: types that failed validation:\n"
        "- [0.values.0.0.enabled]: expected value of type [boolean] but got [undefined]\n"
        "- [0.values.1]: expected value to equal [null])."
    )


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
        (
            push({"name": "n", "additionalFields": {f"u_field_{n}": n for n in range(51)}}),
            "[incident.additionalFields]: types that failed validation:\n"
            "- [incident.additionalFields.0]: "
            "A maximum of 50 fields in additionalFields can be defined at a time.\n"
            "- [incident.additionalFields.1]: expected value to equal [null]",
        ),
        *(
            (
                push({"name": "n", "additionalFields": {"u_field": 1, key: "x"}}),
                "[incident.additionalFields]: types that failed validation:\n"
                f'- [incident.additionalFields.0.key("{key}")]: '
                f"The following properties cannot be defined inside additionalFields: {key}.\n"
                "- [incident.additionalFields.1]: expected value to equal [null]",
            )
            for key in ("name", "externalId", "severityCode", "additionalFields")
        ),
        (
            push({"name": "n", "additionalFields": "[1]"}),
            "[incident.additionalFields]: types that failed validation:\n"
            "- [incident.additionalFields.0]: expected value of type [object] but got [Array]\n"
            "- [incident.additionalFields.1]: expected value to equal [null]",
        ),
        (
            push({"name": "n", "additionalFields": "{not json"}),
            "[incident.additionalFields]: types that failed validation:\n"
            "- [incident.additionalFields.0]: could not parse record value from json input\n"
            "- [incident.additionalFields.1]: expected value to equal [null]",
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
