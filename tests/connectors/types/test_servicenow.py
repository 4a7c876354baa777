"""ServiceNow ITSM and SecOps connectors against a fake ServiceNow instance."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from opencases.connectors.errors import ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.servicenow import ServiceNowITSM, ServiceNowSecOps
from opencases.connectors.types.servicenow_api import pushed_date
from tests.conftest import ELASTIC_PASSWORD, make_client
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout
from tests.connectors.helpers import connector_settings, started_app

ITSM = ServiceNowITSM()
SIR = ServiceNowSecOps()
URL = "https://external.example.com"
BASIC = {"username": "admin", "password": "secret"}
BASIC_AUTH = "Basic " + base64.b64encode(b"admin:secret").decode()
INCIDENT_PATH = "/api/now/v2/table/incident"
IMPORT_PATH = "/api/now/import/x_elas2_inc_int_elastic_incident"
HEALTH_PATH = "/api/x_elas2_inc_int/elastic_api/health"
STORED_INCIDENT = {
    "sys_id": "sys-1",
    "number": "INC0010001",
    "sys_created_on": "2024-05-01 10:20:30",
    "sys_updated_on": "2024-05-02 11:22:33",
}
VIEW_URL = f"{URL}/nav_to.do?uri=incident.do?sys_id=sys-1"
# Every ITSM incident field the params schema knows, as validation fills them in.
ITSM_FIELDS = {
    "short_description": "Server down",
    "description": "It stopped answering",
    "category": "software",
    "subcategory": "os",
    "correlation_id": None,
    "correlation_display": None,
    "severity": "1",
    "urgency": "2",
    "impact": "3",
}
COMMENTS = [
    {"comment": "first comment", "commentId": "comment-1"},
    {"comment": "second comment", "commentId": "comment-2"},
]


def push(incident: dict[str, Any], comments: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """pushToService params."""
    sub_params: dict[str, Any] = {"incident": incident}
    if comments is not None:
        sub_params["comments"] = comments
    return {"subAction": "pushToService", "subActionParams": sub_params}


def itsm_incident(**overrides: Any) -> dict[str, Any]:
    """An ITSM incident as a case push sends it."""
    incident = {
        "short_description": "Server down",
        "description": "It stopped answering",
        "externalId": None,
        "severity": "1",
        "urgency": "2",
        "impact": "3",
        "category": "software",
        "subcategory": "os",
    }
    return {**incident, **overrides}


def answer(result: Any, status: int = 200) -> httpx.Response:
    """A ServiceNow answer: the payload under `result`."""
    return httpx.Response(status, json={"result": result})


def serve_table_api(fake: FakeService) -> None:
    """A ServiceNow that creates, updates and reads incident sys-1 through the Table API."""
    fake.on("POST", INCIDENT_PATH, answer({"sys_id": "sys-1", "number": "INC0010001"}, 201))
    fake.on("PATCH", f"{INCIDENT_PATH}/sys-1", answer({"sys_id": "sys-1"}))
    fake.on("GET", f"{INCIDENT_PATH}/sys-1", answer(STORED_INCIDENT))


def serve_import_set_api(fake: FakeService, *, status: str = "inserted") -> None:
    """A ServiceNow with the Elastic ITSM application that writes incident sys-1."""
    fake.on("GET", HEALTH_PATH, answer({"version": "2.3.0", "scope": "x_elas2_inc_int"}))
    fake.on(
        "POST",
        IMPORT_PATH,
        answer([{"transform_map": "Elastic Incident", "status": status, "sys_id": "sys-1"}], 201),
    )
    fake.on("GET", f"{INCIDENT_PATH}/sys-1", answer(STORED_INCIDENT))


def authorizations(fake: FakeService) -> set[str | None]:
    """The Authorization headers the fake saw."""
    return {request.headers.get("authorization") for request in fake.received}


def get(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    """A GET as the fake records it."""
    return {"method": "GET", "path": path, "query": query or {}, "body": None}


def sent(method: str, path: str, body: Any) -> dict[str, Any]:
    """A request with a JSON body as the fake records it."""
    return {"method": method, "path": path, "query": {}, "body": body}


def failed(service_message: str) -> dict[str, Any]:
    """The execute result of a push that ServiceNow refused."""
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": "an error occurred while running the action",
        "service_message": service_message,
        "retry": True,
        "errorSource": "framework",
    }


def refused_params(message: str) -> dict[str, Any]:
    """The execute result of params the schema refuses."""
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": f"error validating action params: {message}",
        "retry": False,
        "errorSource": "user",
    }


# --- pushToService: Table API ----------------------------------------------------


async def test_table_api_create_with_comments(
    fake: FakeService, run_connector: RunConnector
) -> None:
    serve_table_api(fake)

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": f"{URL}/"},
        secrets=BASIC,
        params=push(itsm_incident(), COMMENTS),
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "INC0010001",
            "id": "sys-1",
            "pushedDate": "2024-05-01T10:20:30.000Z",
            "url": VIEW_URL,
            "comments": [
                {"commentId": "comment-1", "pushedDate": "2024-05-01T10:20:30.000Z"},
                {"commentId": "comment-2", "pushedDate": "2024-05-01T10:20:30.000Z"},
            ],
        },
    }
    assert fake.summaries() == [
        sent("POST", INCIDENT_PATH, {**ITSM_FIELDS, "caller_id": "admin", "opened_by": "admin"}),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", {**ITSM_FIELDS, "work_notes": "first comment"}),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", {**ITSM_FIELDS, "work_notes": "second comment"}),
        get(f"{INCIDENT_PATH}/sys-1"),
    ]
    assert authorizations(fake) == {BASIC_AUTH}
    assert fake.received[0].headers["content-type"] == "application/json"


async def test_table_api_update_uses_the_update_time(
    fake: FakeService, run_connector: RunConnector
) -> None:
    serve_table_api(fake)

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params=push(itsm_incident(externalId="sys-1"), [COMMENTS[0]]),
    )

    assert result["data"] == {
        "title": "INC0010001",
        "id": "sys-1",
        "pushedDate": "2024-05-02T11:22:33.000Z",
        "url": VIEW_URL,
        "comments": [{"commentId": "comment-1", "pushedDate": "2024-05-02T11:22:33.000Z"}],
    }
    # An update sends no caller: only a create names who opened the incident.
    assert fake.summaries() == [
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", ITSM_FIELDS),
        get(f"{INCIDENT_PATH}/sys-1"),
        sent("PATCH", f"{INCIDENT_PATH}/sys-1", {**ITSM_FIELDS, "work_notes": "first comment"}),
        get(f"{INCIDENT_PATH}/sys-1"),
    ]


# --- pushToService: Import Set API ----------------------------------------------------


def prefixed(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as the Import Set API takes them."""
    return {f"u_{key}": value for key, value in fields.items()}


async def test_import_set_api_create_with_comments(
    fake: FakeService, run_connector: RunConnector
) -> None:
    serve_import_set_api(fake)

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL, "usesTableApi": False},
        secrets=BASIC,
        params=push(itsm_incident(), COMMENTS),
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "INC0010001",
            "id": "sys-1",
            "pushedDate": "2024-05-01T10:20:30.000Z",
            "url": VIEW_URL,
            "comments": [
                {"commentId": "comment-1", "pushedDate": "2024-05-01T10:20:30.000Z"},
                {"commentId": "comment-2", "pushedDate": "2024-05-01T10:20:30.000Z"},
            ],
        },
    }
    created = prefixed({**ITSM_FIELDS, "caller_id": "admin", "opened_by": "admin"})
    first = {
        **prefixed({**ITSM_FIELDS, "work_notes": "first comment"}),
        "elastic_incident_id": "sys-1",
    }
    second = {
        **prefixed({**ITSM_FIELDS, "work_notes": "second comment"}),
        "elastic_incident_id": "sys-1",
    }
    # Every write checks first that the Elastic application is installed.
    assert fake.summaries() == [
        get(HEALTH_PATH),
        sent("POST", IMPORT_PATH, created),
        get(f"{INCIDENT_PATH}/sys-1"),
        get(HEALTH_PATH),
        sent("POST", IMPORT_PATH, first),
        get(f"{INCIDENT_PATH}/sys-1"),
        get(HEALTH_PATH),
        sent("POST", IMPORT_PATH, second),
        get(f"{INCIDENT_PATH}/sys-1"),
    ]
    assert authorizations(fake) == {BASIC_AUTH}


async def test_import_set_api_update_names_the_incident(
    fake: FakeService, run_connector: RunConnector
) -> None:
    serve_import_set_api(fake, status="updated")

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL, "usesTableApi": False},
        secrets=BASIC,
        params=push(itsm_incident(externalId="sys-1")),
    )

    assert result["data"] == {
        "title": "INC0010001",
        "id": "sys-1",
        "pushedDate": "2024-05-02T11:22:33.000Z",
        "url": VIEW_URL,
    }
    assert fake.summaries()[1] == sent(
        "POST", IMPORT_PATH, {**prefixed(ITSM_FIELDS), "elastic_incident_id": "sys-1"}
    )


async def test_import_set_api_sends_additional_fields_unprefixed(
    fake: FakeService, run_connector: RunConnector
) -> None:
    serve_import_set_api(fake)
    # A JSON string is read as the object, as config-schema's recordOf reads it.
    additional = '{"u_cmdb_ci": "web-01", "assignment_group": "ops", "u_short_description": "x"}'

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL, "usesTableApi": False},
        secrets=BASIC,
        params=push(itsm_incident(additional_fields=additional)),
    )

    assert result["status"] == "ok", result
    # The incident's own (prefixed) fields win over an additional field of the same name.
    created = {
        "u_cmdb_ci": "web-01",
        "assignment_group": "ops",
        **prefixed({**ITSM_FIELDS, "caller_id": "admin", "opened_by": "admin"}),
    }
    assert fake.summaries()[1] == sent("POST", IMPORT_PATH, created)
    assert list(fake.summaries()[1]["body"])[:2] == ["u_cmdb_ci", "assignment_group"]


@pytest.mark.parametrize("additional_fields", [{"u_cmdb_ci": "web-01"}, {}])
async def test_table_api_refuses_additional_fields_before_calling(
    fake: FakeService, run_connector: RunConnector, additional_fields: dict[str, Any]
) -> None:
    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params=push(itsm_incident(additional_fields=additional_fields)),
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: ServiceNow additional fields"
        " are not supported for deprecated connectors. Reason: unknown: errorResponse was null"
    )
    assert fake.summaries() == []


async def test_import_set_row_error_fails_the_push(
    fake: FakeService, run_connector: RunConnector
) -> None:
    serve_import_set_api(fake)
    fake.on(
        "POST",
        IMPORT_PATH,
        answer([{"status": "error", "error_message": "Target record not found", "sys_id": ""}]),
    )

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL, "usesTableApi": False},
        secrets=BASIC,
        params=push(itsm_incident()),
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: Target record not found "
        "Reason: unknown: errorResponse was null"
    )
    assert len(fake.received) == 2


async def test_import_set_without_the_application_fails_on_the_health_check(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on(
        "GET",
        HEALTH_PATH,
        httpx.Response(
            400,
            json={
                "error": {
                    "message": "Requested URI does not represent any resource",
                    "detail": None,
                },
                "status": "failure",
            },
        ),
    )

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL, "usesTableApi": False},
        secrets=BASIC,
        params=push(itsm_incident()),
    )

    # The inner step's failure is wrapped again in the outer step's words.
    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: [Action][ServiceNow]: "
        "Unable to get application version. Error: Request failed with status code 400 "
        "Reason: Requested URI does not represent any resource: null "
        "Reason: unknown: errorResponse was null"
    )
    assert fake.summaries() == [get(HEALTH_PATH)]


# --- SecOps ------------------------------------------------------------------------------

SIR_PATH = "/api/now/v2/table/sn_si_incident"
SIR_IMPORT_PATH = "/api/now/import/x_elas2_sir_int_elastic_si_incident"
SIR_HEALTH_PATH = "/api/x_elas2_sir_int/elastic_api/health"
SIR_INCIDENT = {
    "short_description": "Malware",
    "description": "Found on a laptop",
    "externalId": None,
    "dest_ip": ["10.0.0.1", "10.0.0.2"],
    "source_ip": "10.0.0.3, 10.0.0.1",
    "malware_hash": ["abc123"],
    "malware_url": None,
    "priority": "1",
}
SIR_COMMON = {
    "short_description": "Malware",
    "description": "Found on a laptop",
    "category": None,
    "subcategory": None,
    "correlation_id": None,
    "correlation_display": None,
    "priority": "1",
}


async def test_secops_table_api_create_sends_observables_as_text(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on("POST", SIR_PATH, answer({"sys_id": "sir-1"}, 201))
    fake.on(
        "GET",
        f"{SIR_PATH}/sir-1",
        answer(
            {"sys_id": "sir-1", "number": "SIR0010001", "sys_created_on": "2024-06-01 00:00:01"}
        ),
    )

    result = await run_connector(
        SIR, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=push(SIR_INCIDENT)
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "ok",
        "data": {
            "title": "SIR0010001",
            "id": "sir-1",
            "pushedDate": "2024-06-01T00:00:01.000Z",
            "url": f"{URL}/nav_to.do?uri=sn_si_incident.do?sys_id=sir-1",
        },
    }
    assert fake.summaries() == [
        sent(
            "POST",
            SIR_PATH,
            {
                **SIR_COMMON,
                "dest_ip": "10.0.0.1,10.0.0.2",
                "source_ip": "10.0.0.3, 10.0.0.1",
                "malware_hash": "abc123",
                "malware_url": None,
                "caller_id": "admin",
                "opened_by": "admin",
            },
        ),
        get(f"{SIR_PATH}/sir-1"),
    ]


async def test_secops_import_set_create_adds_observables_afterwards(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on("GET", SIR_HEALTH_PATH, answer({"version": "2.3.0", "scope": "x_elas2_sir_int"}))
    fake.on("POST", SIR_IMPORT_PATH, answer([{"status": "inserted", "sys_id": "sir-1"}]))
    fake.on(
        "GET",
        f"{SIR_PATH}/sir-1",
        answer(
            {"sys_id": "sir-1", "number": "SIR0010001", "sys_created_on": "2024-06-01 00:00:01"}
        ),
    )
    observables_path = "/api/x_elas2_sir_int/elastic_api/incident/sir-1/observables/bulk"
    fake.on("POST", observables_path, answer([{"value": "10.0.0.1", "observable_sys_id": "o-1"}]))

    result = await run_connector(
        SIR,
        fake=fake,
        config={"apiUrl": URL, "usesTableApi": False},
        secrets=BASIC,
        params=push(SIR_INCIDENT, [COMMENTS[0]]),
    )

    assert result["status"] == "ok"
    assert result["data"]["comments"] == [
        {"commentId": "comment-1", "pushedDate": "2024-06-01T00:00:01.000Z"}
    ]
    no_observables = dict.fromkeys(("dest_ip", "source_ip", "malware_hash", "malware_url"))
    fields = {**SIR_COMMON, **no_observables}
    assert fake.summaries() == [
        get(SIR_HEALTH_PATH),
        sent(
            "POST",
            SIR_IMPORT_PATH,
            prefixed({**fields, "caller_id": "admin", "opened_by": "admin"}),
        ),
        get(f"{SIR_PATH}/sir-1"),
        get(SIR_HEALTH_PATH),
        sent(
            "POST",
            SIR_IMPORT_PATH,
            {**prefixed({**fields, "work_notes": "first comment"}), "elastic_incident_id": "sir-1"},
        ),
        get(f"{SIR_PATH}/sir-1"),
        get(SIR_HEALTH_PATH),
        # Distinct values, both IP fields together, empty pieces of a string dropped.
        sent(
            "POST",
            observables_path,
            [
                {"value": "10.0.0.1", "type": "ipv4-addr"},
                {"value": "10.0.0.2", "type": "ipv4-addr"},
                {"value": "10.0.0.3", "type": "ipv4-addr"},
                {"value": "abc123", "type": "SHA256"},
            ],
        ),
    ]


# --- failures ------------------------------------------------------------------------------


async def test_unauthorized_gives_servicenow_reason(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on(
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
    )

    result = await run_connector(
        ITSM, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=push(itsm_incident())
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: Request failed with status "
        "code 401 Reason: User Not Authenticated: Required to provide Auth information"
    )


async def test_server_error_without_error_object(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on("PATCH", f"{INCIDENT_PATH}/sys-9", httpx.Response(500, json={"status": "failure"}))

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params=push(itsm_incident(externalId="sys-9")),
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to update incident with id sys-9. Error: Request failed "
        "with status code 500 Reason: unknown: no error in error response"
    )


async def test_answer_that_is_not_json_points_at_the_instance(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on(
        "POST",
        INCIDENT_PATH,
        httpx.Response(200, content=b"<html>Instance hibernating</html>"),
    )

    result = await run_connector(
        ITSM, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=push(itsm_incident())
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: There is an issue with your "
        "Service Now Instance. Please check external.example.com. "
        "Reason: unknown: errorResponse was null"
    )


async def test_timeout(fake: FakeService, run_connector: RunConnector) -> None:
    fake.on("POST", INCIDENT_PATH, timeout)

    result = await run_connector(
        ITSM, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=push(itsm_incident())
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: timeout of 60000ms exceeded "
        "Reason: unknown: errorResponse was null"
    )


async def test_failed_read_after_create_is_wrapped_twice(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on("POST", INCIDENT_PATH, answer({"sys_id": "sys-1"}, 201))
    fake.on("GET", f"{INCIDENT_PATH}/sys-1", httpx.Response(404, content=b""))

    result = await run_connector(
        ITSM, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=push(itsm_incident())
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: [Action][ServiceNow]: Unable "
        "to get incident with id sys-1. Error: Request failed with status code 404 Reason: "
        "unknown: no error in error response Reason: unknown: errorResponse was null"
    )


# --- other sub-actions ------------------------------------------------------------------------


async def test_get_fields(fake: FakeService, run_connector: RunConnector) -> None:
    fields = [{"element": "short_description", "column_label": "Short description"}]
    fake.on("GET", "/api/now/table/sys_dictionary", answer(fields))

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params={"subAction": "getFields", "subActionParams": {}},
    )

    assert result == {"connector_id": "connector-1", "status": "ok", "data": fields}
    assert fake.summaries() == [
        get(
            "/api/now/table/sys_dictionary",
            {
                "sysparm_query": "name=task^ORname=incident^internal_type=string",
                "active": "true",
                "array": "false",
                "read_only": "false",
                "sysparm_fields": "max_length,element,column_label,mandatory",
            },
        )
    ]


async def test_get_choices(fake: FakeService, run_connector: RunConnector) -> None:
    choices = [
        {"label": "1 - Critical", "value": "1", "dependent_value": "", "element": "priority"}
    ]
    fake.on("GET", "/api/now/table/sys_choice", answer(choices))

    result = await run_connector(
        SIR,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params={"subAction": "getChoices", "subActionParams": {"fields": ["priority", "category"]}},
    )

    assert result == {"connector_id": "connector-1", "status": "ok", "data": choices}
    assert fake.summaries() == [
        get(
            "/api/now/table/sys_choice",
            {
                "sysparm_query": (
                    "name=task^ORname=sn_si_incident^element=priority^ORelement=category"
                    "^language=en"
                ),
                "sysparm_fields": "label,value,dependent_value,element",
            },
        )
    ]


async def test_close_incident_by_correlation_id(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on("GET", INCIDENT_PATH, answer([{"sys_id": "sys-1", "state": "2"}]))
    serve_table_api(fake)

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params={
            "subAction": "closeIncident",
            "subActionParams": {"incident": {"correlation_id": "rule-1:alert-1"}},
        },
    )

    assert result["data"] == {
        "title": "INC0010001",
        "id": "sys-1",
        "pushedDate": "2024-05-02T11:22:33.000Z",
        "url": VIEW_URL,
    }
    assert fake.summaries() == [
        get(
            INCIDENT_PATH,
            {"sysparm_query": "ORDERBYDESCsys_created_on^correlation_id=rule-1:alert-1"},
        ),
        sent(
            "PATCH",
            f"{INCIDENT_PATH}/sys-1",
            {
                "state": "7",
                "close_code": "Closed/Resolved by Caller",
                "close_notes": "Closed by Caller",
            },
        ),
        get(f"{INCIDENT_PATH}/sys-1"),
    ]


async def test_close_incident_with_nothing_to_close(
    fake: FakeService, run_connector: RunConnector
) -> None:
    fake.on("GET", INCIDENT_PATH, answer([]))

    result = await run_connector(
        ITSM,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params={
            "subAction": "closeIncident",
            "subActionParams": {"incident": {"correlation_id": "x"}},
        },
    )

    assert result == {"connector_id": "connector-1", "status": "ok", "data": {}}


@pytest.mark.parametrize(
    ("connector_type", "params", "service_message"),
    [
        (ITSM, {"subAction": "handshake"}, "subAction handshake not implemented."),
        (
            ITSM,
            {"subAction": "getIncident", "subActionParams": {"externalId": "sys-1"}},
            "subAction getIncident not implemented.",
        ),
        (SIR, {"subAction": "handshake"}, "subAction handshake not implemented."),
    ],
)
async def test_sub_actions_kibana_does_not_run(
    fake: FakeService,
    run_connector: RunConnector,
    connector_type: Any,
    params: dict[str, Any],
    service_message: str,
) -> None:
    result = await run_connector(
        connector_type, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=params
    )

    assert result == failed(f"[Action][ExternalService] {service_message}")
    assert fake.received == []


async def test_secops_get_incident_answers_nothing(
    fake: FakeService, run_connector: RunConnector
) -> None:
    result = await run_connector(
        SIR,
        fake=fake,
        config={"apiUrl": URL},
        secrets=BASIC,
        params={"subAction": "getIncident", "subActionParams": {"externalId": "sir-1"}},
    )

    assert result == {"connector_id": "connector-1", "status": "ok", "data": {}}
    assert fake.received == []


# --- OAuth --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    """An RSA key for signing JWT assertions."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey, passphrase: bytes | None = None) -> str:
    """The key in PEM, encrypted when a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


OAUTH_CONFIG = {
    "apiUrl": URL,
    "isOAuth": True,
    "clientId": "client-1",
    "userIdentifierValue": "integration@example.com",
    "jwtKeyId": "key-1",
}


def decode_segment(segment: str) -> Any:
    """One base64url JWT segment as JSON."""
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


async def test_oauth_gets_a_token_with_a_signed_assertion(
    fake: FakeService, run_connector: RunConnector, private_key: rsa.RSAPrivateKey
) -> None:
    fake.on(
        "POST",
        "/oauth_token.do",
        httpx.Response(
            200, json={"access_token": "token-1", "token_type": "Bearer", "expires_in": 1799}
        ),
    )
    serve_table_api(fake)

    result = await run_connector(
        ITSM,
        fake=fake,
        config=OAUTH_CONFIG,
        secrets={
            "clientSecret": "s3cret&more",
            "privateKey": pem(private_key, b"pass"),
            "privateKeyPassword": "pass",
        },
        params=push(itsm_incident(), [COMMENTS[0]]),
    )

    assert result["status"] == "ok"
    token_request, *calls = fake.received
    assert token_request.method == "POST"
    assert token_request.path == "/oauth_token.do"
    assert token_request.headers["content-type"] == (
        "application/x-www-form-urlencoded; charset=UTF-8"
    )
    form_text = token_request.body
    assert isinstance(form_text, str)
    # query-string sorts the keys and encodes strictly.
    assert [key for key, _ in parse_qsl(form_text)] == [
        "assertion",
        "client_id",
        "client_secret",
        "grant_type",
    ]
    assert (
        "client_secret=s3cret%26more&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
        in form_text
    )
    form = dict(parse_qsl(form_text))
    assert form["client_id"] == "client-1"
    header, payload, signature = form["assertion"].split(".")
    assert decode_segment(header) == {"alg": "RS256", "typ": "JWT", "kid": "key-1"}
    claims = decode_segment(payload)
    assert list(claims) == ["sub", "aud", "iss", "iat", "exp"]
    assert claims["sub"] == "integration@example.com"
    assert claims["aud"] == claims["iss"] == "client-1"
    assert claims["exp"] - claims["iat"] == 3600
    private_key.public_key().verify(
        base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        f"{header}.{payload}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    # One token serves every call of the execution; OAuth pushes name no caller.
    assert {request.headers["authorization"] for request in calls} == {"Bearer token-1"}
    assert [request.method for request in calls] == ["POST", "GET", "PATCH", "GET"]
    assert calls[0].body["caller_id"] is None


OAUTH_SECRETS = {"clientSecret": "s3cret", "privateKey": "", "privateKeyPassword": None}


async def test_oauth_token_is_kept_sealed_between_runs_until_refused_expired_or_changed(
    fake: FakeService, database_url: str, elastic_hash: str, private_key: rsa.RSAPrivateKey
) -> None:
    # Kibana's connector_token: later runs reuse the token until it expires, a 4xx answer
    # or an update of the connector drops it.
    tokens = iter(["token-1", "token-2", "token-3", "token-4"])
    fake.on(
        "POST",
        "/oauth_token.do",
        lambda request: httpx.Response(
            200, json={"access_token": next(tokens), "token_type": "Bearer", "expires_in": 1799}
        ),
    )
    choices = answer([])
    refused = httpx.Response(401, json={"error": {"message": "User Not Authenticated"}})
    # The third run's call is refused; the others are answered.
    fake.on("GET", "/api/now/table/sys_choice", choices, choices, refused, choices)
    body = {
        "name": "ServiceNow",
        "connector_type_id": ".servicenow",
        "config": OAUTH_CONFIG,
        "secrets": {**OAUTH_SECRETS, "privateKey": pem(private_key)},
    }
    params = {"params": {"subAction": "getChoices", "subActionParams": {"fields": ["priority"]}}}
    credentials = {"auth": ("elastic", ELASTIC_PASSWORD), "headers": {"kbn-xsrf": "true"}}
    settings = connector_settings(database_url)
    async with (
        started_app(settings, elastic_hash, fake, connector_types=None) as app,
        make_client(app, **credentials) as client,
    ):
        db = app.state.opencases.db

        async def run() -> str:
            """Run the connector; the token its call carried."""
            fake.received.clear()
            response = await client.post("/api/actions/connector/sn/_execute", json=params)
            assert response.status_code == 200, response.text
            return str(fake.received[-1].headers["authorization"])

        async def kept() -> list[tuple[Any, ...]]:
            rows = await db.fetch_all("SELECT connector_id, space_id, token FROM connector_tokens")
            return [tuple(row) for row in rows]

        assert (await client.post("/api/actions/connector/sn", json=body)).status_code == 200
        assert await run() == "Bearer token-1"
        ((connector_id, space_id, sealed),) = await kept()
        assert (connector_id, space_id) == ("sn", "default")
        assert "token-1" not in sealed
        # The next run asks ServiceNow for no token.
        assert await run() == "Bearer token-1"
        assert [request.path for request in fake.received] == ["/api/now/table/sys_choice"]

        # A 4xx answer drops the token; the next run gets a new one.
        assert await run() == "Bearer token-1"
        assert await kept() == []
        assert await run() == "Bearer token-2"
        assert len(await kept()) == 1

        # An expired token is not used.
        await db.execute("UPDATE connector_tokens SET expires_at = '2020-01-01T00:00:00.000Z'")
        assert await run() == "Bearer token-3"

        # Updating the connector drops it.
        update = {"name": "ServiceNow", "config": OAUTH_CONFIG, "secrets": body["secrets"]}
        assert (await client.put("/api/actions/connector/sn", json=update)).status_code == 200
        assert await kept() == []
        # So does deleting it.
        assert await run() == "Bearer token-4"
        assert (await client.delete("/api/actions/connector/sn")).status_code == 204
        assert await kept() == []


async def test_oauth_token_refused(
    fake: FakeService, run_connector: RunConnector, private_key: rsa.RSAPrivateKey
) -> None:
    fake.on(
        "POST",
        "/oauth_token.do",
        httpx.Response(401, json={"error_description": "access_denied", "error": "server_error"}),
    )

    result = await run_connector(
        ITSM,
        fake=fake,
        config=OAUTH_CONFIG,
        secrets={"clientSecret": "s3cret", "privateKey": pem(private_key)},
        params=push(itsm_incident()),
    )

    assert result == failed(
        '[Action][ServiceNow]: Unable to create incident. Error: {"error":"server_error",'
        '"error_description":"access_denied"} Reason: unknown: errorResponse was null'
    )
    assert [request.path for request in fake.received] == ["/oauth_token.do"]


async def test_oauth_with_a_key_that_is_not_one(
    fake: FakeService, run_connector: RunConnector
) -> None:
    result = await run_connector(
        ITSM,
        fake=fake,
        config=OAUTH_CONFIG,
        secrets={
            "clientSecret": "s3cret",
            "privateKey": "-----BEGIN RSA PRIVATE KEY-----\nddddddd\n-----END RSA PRIVATE KEY-----",
        },
        params=push(itsm_incident()),
    )

    assert result == failed(
        "[Action][ServiceNow]: Unable to create incident. Error: Unable to generate JWT token. "
        "Error: Error: secretOrPrivateKey must be an asymmetric key when using RS256 "
        "Reason: unknown: errorResponse was null"
    )
    assert fake.received == []


# --- params validation -------------------------------------------------------------------------

ITSM_MEMBERS = [
    "getFields",
    "getIncident",
    "handshake",
    "pushToService",
    "getChoices",
    "closeIncident",
]


def members(failures: dict[int, str], names: list[str] = ITSM_MEMBERS) -> str:
    """config-schema's oneOf message: every member's failure, the subAction ones by default."""
    lines = [
        failures.get(index, f"[{index}.subAction]: expected value to equal [{name}]")
        for index, name in enumerate(names)
    ]
    return "types that failed validation:" + "".join(f"\n- {line}" for line in lines)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, members({})),
        ({"subAction": "non-supported"}, members({})),
        (
            {"subAction": "pushToService"},
            members(
                {
                    3: "[3.subActionParams.incident.short_description]: "
                    "expected value of type [string] but got [undefined]"
                }
            ),
        ),
        (
            {"subAction": "pushToService", "subActionParams": {"savedObjectId": "success"}},
            members(
                {
                    3: "[3.subActionParams.incident.short_description]: "
                    "expected value of type [string] but got [undefined]"
                }
            ),
        ),
        (
            push(itsm_incident(), [{"comment": "boo"}]),
            members(
                {
                    3: "[3.subActionParams.comments]: types that failed validation:\n"
                    " - [subActionParams.comments.0.0.commentId]: "
                    "expected value of type [string] but got [undefined]\n"
                    " - [subActionParams.comments.1]: expected value to equal [null]"
                }
            ),
        ),
        (
            push(itsm_incident(additional_fields={"short_description": "again"})),
            members(
                {
                    3: "[3.subActionParams.incident.additional_fields]: "
                    "types that failed validation:\n"
                    " - [subActionParams.incident.additional_fields.0"
                    '.key("short_description")]: The following properties cannot be defined'
                    " inside additional_fields: short_description.\n"
                    " - [subActionParams.incident.additional_fields.1]: "
                    "expected value to equal [null]"
                }
            ),
        ),
        (
            push(itsm_incident(additional_fields={f"u_field_{n}": n for n in range(51)})),
            members(
                {
                    3: "[3.subActionParams.incident.additional_fields]: "
                    "types that failed validation:\n"
                    " - [subActionParams.incident.additional_fields.0]: "
                    "A maximum of 50 fields in additional_fields can be defined at a time.\n"
                    " - [subActionParams.incident.additional_fields.1]: "
                    "expected value to equal [null]"
                }
            ),
        ),
        (
            push(itsm_incident(additional_fields="[1]")),
            members(
                {
                    3: "[3.subActionParams.incident.additional_fields]: "
                    "types that failed validation:\n"
                    " - [subActionParams.incident.additional_fields.0]: "
                    "expected value of type [object] but got [Array]\n"
                    " - [subActionParams.incident.additional_fields.1]: "
                    "expected value to equal [null]"
                }
            ),
        ),
        (
            {"subAction": "getChoices", "subActionParams": {}},
            members(
                {
                    4: "[4.subActionParams.fields]: "
                    "expected value of type [array] but got [undefined]"
                }
            ),
        ),
        (
            {"subAction": "getFields", "subActionParams": {}, "extra": 1},
            members({0: "[0.extra]: definition for this key is missing"}),
        ),
    ],
)
async def test_params_refused(
    fake: FakeService, run_connector: RunConnector, params: dict[str, Any], message: str
) -> None:
    result = await run_connector(
        ITSM, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params=params
    )

    assert result == refused_params(message)
    assert fake.received == []


async def test_secops_params_have_no_close_incident(
    fake: FakeService, run_connector: RunConnector
) -> None:
    result = await run_connector(
        SIR, fake=fake, config={"apiUrl": URL}, secrets=BASIC, params={"subAction": "closeIncident"}
    )

    names = ["getFields", "getIncident", "handshake", "pushToService", "getChoices"]
    assert result == refused_params(members({}, names))


def test_params_defaults_fill_every_field() -> None:
    assert ITSM.validate_params(push({"short_description": "Title"})) == {
        "subAction": "pushToService",
        "subActionParams": {
            "incident": {
                "short_description": "Title",
                "description": None,
                "externalId": None,
                "category": None,
                "subcategory": None,
                "correlation_id": None,
                "correlation_display": None,
                "additional_fields": None,
                "severity": None,
                "urgency": None,
                "impact": None,
            },
            "comments": None,
        },
    }


def test_params_take_50_additional_fields() -> None:
    fields = {f"u_field_{n}": n for n in range(50)}
    validated = ITSM.validate_params(push(itsm_incident(additional_fields=fields)))
    assert validated["subActionParams"]["incident"]["additional_fields"] == fields


# --- config, secrets and connector validation ---------------------------------------------------

HTTP = Outbound(allowed_hosts=("external.example.com",))


def config_failure(config: dict[str, Any]) -> str:
    """What validate_config says about `config`."""
    with pytest.raises(ValidationFailed) as caught:
        ITSM.validate_config(config, http=HTTP)
    return caught.value.message


def secrets_failure(secrets: dict[str, Any]) -> str:
    """What validate_secrets says about `secrets`."""
    with pytest.raises(ValidationFailed) as caught:
        SIR.validate_secrets(secrets, http=HTTP)
    return caught.value.message


def connector_failure(config: dict[str, Any], secrets: dict[str, Any]) -> str:
    """What validate_connector says about the pair."""
    stored_config = ITSM.validate_config(config, http=HTTP)
    stored_secrets = ITSM.validate_secrets(secrets, http=HTTP)
    with pytest.raises(ValidationFailed) as caught:
        ITSM.validate_connector(stored_config, stored_secrets)
    return caught.value.message


def test_config_defaults() -> None:
    assert ITSM.validate_config({"apiUrl": URL}, http=HTTP) == {
        "apiUrl": URL,
        "isOAuth": False,
        "userIdentifierValue": None,
        "clientId": None,
        "jwtKeyId": None,
        "usesTableApi": True,
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "[apiUrl]: expected value of type [string] but got [undefined]"),
        ({"isOAuth": True}, "[apiUrl]: expected value of type [string] but got [undefined]"),
        (
            {"apiUrl": URL, "isOAuth": "yes"},
            "[isOAuth]: expected value of type [boolean] but got [string]",
        ),
        ({"apiUrl": URL, "foo": 1}, "[foo]: definition for this key is missing"),
        (
            {"apiUrl": "http://servicenow.mynonexistent.com", "isOAuth": True},
            "error configuring connector action: target url "
            '"http://servicenow.mynonexistent.com" is not added to the Kibana config '
            "xpack.actions.allowedHosts",
        ),
        ({**OAUTH_CONFIG, "clientId": None}, "clientId must be provided when isOAuth = true"),
        (
            {**OAUTH_CONFIG, "clientId": None, "userIdentifierValue": None},
            "userIdentifierValue must be provided when isOAuth = true",
        ),
        ({**OAUTH_CONFIG, "jwtKeyId": None}, "jwtKeyId must be provided when isOAuth = true"),
    ],
)
def test_config_refused(config: dict[str, Any], message: str) -> None:
    assert config_failure(config) == message


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({}, "Either basic auth or OAuth credentials must be specified"),
        ({"privateKeyPassword": "x"}, "Either basic auth or OAuth credentials must be specified"),
        ({"username": "admin"}, "username and password must both be specified"),
        (
            {"password": "secret", "clientSecret": "s", "privateKey": "k"},
            "username and password must both be specified",
        ),
        ({"clientSecret": "s"}, "clientSecret and privateKey must both be specified"),
        ({"privateKey": "k"}, "clientSecret and privateKey must both be specified"),
        ({**BASIC, "token": "t"}, "[token]: definition for this key is missing"),
        ({"username": 1}, "[username]: expected value of type [string] but got [number]"),
    ],
)
def test_secrets_refused(secrets: dict[str, Any], message: str) -> None:
    assert secrets_failure(secrets) == message


def test_secrets_defaults() -> None:
    assert ITSM.validate_secrets(BASIC, http=HTTP) == {
        "password": "secret",
        "username": "admin",
        "clientSecret": None,
        "privateKey": None,
        "privateKeyPassword": None,
    }


OAUTH_SECRETS = {"clientSecret": "s", "privateKey": "k"}


@pytest.mark.parametrize(
    ("config", "secrets", "message"),
    [
        (OAUTH_CONFIG, BASIC, "clientSecret must be provided when isOAuth = true"),
        (
            OAUTH_CONFIG,
            {**OAUTH_SECRETS, **BASIC},
            "Username and password should not be provided with isOAuth = true",
        ),
        ({"apiUrl": URL}, OAUTH_SECRETS, "username must be provided when isOAuth = false"),
        (
            {"apiUrl": URL, "clientId": "client-1"},
            BASIC,
            "clientId, clientSecret, userIdentifierValue, jwtKeyId and privateKey should not be "
            "provided with isOAuth = false",
        ),
        (
            {"apiUrl": URL},
            {**BASIC, **OAUTH_SECRETS},
            "clientId, clientSecret, userIdentifierValue, jwtKeyId and privateKey should not be "
            "provided with isOAuth = false",
        ),
    ],
)
def test_connector_refused(config: dict[str, Any], secrets: dict[str, Any], message: str) -> None:
    assert connector_failure(config, secrets) == message


def test_connector_accepted() -> None:
    ITSM.validate_connector(
        ITSM.validate_config(OAUTH_CONFIG, http=HTTP),
        ITSM.validate_secrets(OAUTH_SECRETS, http=HTTP),
    )


def test_types() -> None:
    assert (ITSM.id, ITSM.name, ITSM.minimum_license_required) == (
        ".servicenow",
        "ServiceNow ITSM",
        "platinum",
    )
    assert ITSM.supported_feature_ids == ("alerting", "cases", "uptime", "siem")
    assert (SIR.id, SIR.name, SIR.minimum_license_required) == (
        ".servicenow-sir",
        "ServiceNow SecOps",
        "platinum",
    )
    assert SIR.supported_feature_ids == ("alerting", "cases", "siem")


@pytest.mark.parametrize(
    ("timestamp", "iso"),
    [
        ("2020-03-10 12:24:20", "2020-03-10T12:24:20.000Z"),
        ("2024-12-31 23:59", "2024-12-31T23:59:00.000Z"),
    ],
)
def test_pushed_date(timestamp: str, iso: str) -> None:
    assert pushed_date(timestamp) == iso
