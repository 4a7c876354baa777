"""POST /api/cases/configure: Kibana's post_configure.ts (common and trial), ported.

Skipped: Kibana's extractObservables tests (generation D, not implemented).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.configure.conftest import (
    DISABLED,
    JIRA_MAPPINGS,
    OBSERVABILITY,
    RESILIENT_MAPPINGS,
    SECURITY,
    SERVICENOW_CONNECTOR,
    SERVICENOW_MAPPINGS,
    KibanaUsers,
    configuration_output,
    configuration_request,
    connector,
    create_configuration,
    ensure_saved_object_is_authorized,
    error,
    get_configuration,
    unchanged,
    without_server_fields,
)


async def post_rejected(
    client: httpx.AsyncClient,
    body: Any,
    status: int = 400,
    *,
    admin: httpx.AsyncClient | None = None,
    space: str | None = None,
) -> dict[str, Any]:
    """POST a body that must be rejected with `status`; the error body.

    The superuser first stores a configuration the request would replace if it went
    through (the body's owner where that is one of ours, else securitySolution), so that
    reading every space's configurations before and after shows the request changed nothing.
    """
    admin = admin or client
    owner = body.get("owner") if body.get("owner") in (SECURITY, OBSERVABILITY) else SECURITY
    await create_configuration(admin, configuration_request(owner=owner), space=space)
    async with unchanged(admin):
        rejected = await create_configuration(client, body, status, space=space)
    assert set(rejected) == {"statusCode", "error", "message"}
    assert rejected["statusCode"] == status
    return rejected


async def test_should_create_a_configuration(client: httpx.AsyncClient) -> None:
    configuration = await create_configuration(client)

    assert without_server_fields(configuration) == configuration_output()


async def test_should_create_a_configuration_with_no_custom_fields(
    client: httpx.AsyncClient,
) -> None:
    request = configuration_request()
    del request["customFields"]

    configuration = await create_configuration(client, request)

    assert configuration["customFields"] == []
    assert without_server_fields(configuration) == configuration_output()


async def test_should_create_a_configuration_with_custom_fields(
    client: httpx.AsyncClient,
) -> None:
    custom_fields = [
        {"key": "text_1", "label": "text 1", "type": "text", "required": False},
        {
            "key": "toggle_1",
            "label": "toggle 1",
            "type": "toggle",
            "required": True,
            "defaultValue": False,
        },
        {"key": "text_2", "label": "text 2", "type": "text", "required": True},
        {
            "key": "toggle_2",
            "label": "toggle 2",
            "type": "toggle",
            "required": False,
            "defaultValue": True,
        },
        {"key": "number_1", "label": "number 1", "type": "number", "required": False},
        {
            "key": "number_2",
            "label": "number 2",
            "type": "number",
            "required": True,
            "defaultValue": 2,
        },
    ]

    configuration = await create_configuration(
        client, configuration_request(customFields=custom_fields)
    )

    assert without_server_fields(configuration) == configuration_output(
        False, customFields=custom_fields
    )


async def test_should_create_a_configuration_with_templates(client: httpx.AsyncClient) -> None:
    custom_fields = [
        {"key": "text_field_1", "type": "text", "label": "Text field 1", "required": True},
        {"key": "toggle_field_1", "label": "#2", "type": "toggle", "required": False},
        {"key": "number_field_1", "label": "#3", "type": "number", "required": False},
    ]
    templates = [
        {
            "key": "test_template_1",
            "name": "First test template",
            "description": "This is a first test template",
            "caseFields": {
                "customFields": [
                    {"key": "text_field_1", "type": "text", "value": None},
                    {"key": "toggle_field_1", "value": False, "type": "toggle"},
                    {"key": "number_field_1", "value": 3, "type": "number"},
                ]
            },
        },
        {
            "key": "test_template_2",
            "name": "Second test template",
            "description": "This is a second test template",
            "tags": ["foo", "bar"],
            "caseFields": {
                "title": "Case with sample template 2",
                "description": "case desc",
                "severity": "low",
                "category": None,
                "tags": ["sample-4"],
                "assignees": [],
                "customFields": [
                    {"key": "text_field_1", "type": "text", "value": "this is a text field value"},
                    {"key": "toggle_field_1", "value": True, "type": "toggle"},
                    {"key": "number_field_1", "value": 4, "type": "number"},
                ],
                "connector": connector(name="My Connector"),
            },
        },
        {
            "key": "test_template_3",
            "name": "Third test template",
            "description": "This is a third test template",
            "tags": ["foobar"],
            "caseFields": {
                "title": "Case with sample template 3",
                "tags": ["sample-3"],
                "customFields": [
                    {"key": "text_field_1", "type": "text", "value": None},
                    {"key": "toggle_field_1", "value": False, "type": "toggle"},
                    {"key": "number_field_1", "value": 5, "type": "number"},
                ],
            },
        },
    ]

    configuration = await create_configuration(
        client, configuration_request(customFields=custom_fields, templates=templates)
    )

    assert without_server_fields(configuration) == {
        **configuration_output(False),
        "customFields": custom_fields,
        "templates": templates,
    }


async def test_should_keep_only_the_latest_configuration(client: httpx.AsyncClient) -> None:
    first = await create_configuration(
        client, configuration_request(connector=connector(id="connector-2"))
    )
    latest = await create_configuration(client)

    configurations = await get_configuration(client)

    assert len(configurations) == 1
    # The replacement is a new configuration, not an update of the first.
    assert configurations[0]["id"] == latest["id"] != first["id"]
    assert without_server_fields(configurations[0]) == configuration_output()


async def test_should_return_an_empty_mapping_when_the_type_is_none(
    client: httpx.AsyncClient,
) -> None:
    configuration = await create_configuration(
        client,
        configuration_request(connector=connector(id="not-exists", name="not-exists")),
    )

    assert configuration["mappings"] == []


@pytest.mark.parametrize(
    ("connector_id", "name", "connector_type", "mappings"),
    [
        ("jira", "Jira", ".jira", JIRA_MAPPINGS),
        ("resilient", "Resilient", ".resilient", RESILIENT_MAPPINGS),
        ("serviceNowITSM", "ServiceNow ITSM", ".servicenow", SERVICENOW_MAPPINGS),
        ("serviceNowSIR", "ServiceNow SecOps", ".servicenow-sir", SERVICENOW_MAPPINGS),
    ],
    ids=["Jira", "IBM Resilient", "ServiceNow ITSM", "ServiceNow SecOps"],
)
async def test_should_return_the_correct_mapping(
    client: httpx.AsyncClient,
    connector_id: str,
    name: str,
    connector_type: str,
    mappings: list[dict[str, str]],
) -> None:
    configuration = await create_configuration(
        client,
        configuration_request(connector=connector(id=connector_id, name=name, type=connector_type)),
    )

    assert configuration["mappings"] == mappings


# --- validation -------------------------------------------------------------------


async def test_should_not_create_a_configuration_when_missing_connector_id(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        {
            "connector": {"name": "Connector", "type": ".none", "fields": None},
            "closure_type": "close-by-user",
        },
    )
    assert rejected == error(
        400,
        'Invalid value "undefined" supplied to "connector,id",'
        'Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_when_missing_connector_name(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        {
            "connector": {"id": "test-id", "type": ".none", "fields": None},
            "closure_type": "close-by-user",
        },
    )
    assert rejected == error(
        400,
        'Invalid value "undefined" supplied to "connector,name",'
        'Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_when_missing_connector_type(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        {
            "connector": {"id": "test-id", "name": "Connector", "fields": None},
            "closure_type": "close-by-user",
        },
    )
    # The connector is an io-ts tagged union: without a known `type` it fails as a whole.
    assert rejected == error(
        400,
        'Invalid value "{"id":"test-id","name":"Connector","fields":null}" supplied to'
        ' "connector",Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_when_missing_connector_fields(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        {
            "connector": {"id": "test-id", "type": ".none", "name": "Connector"},
            "closure_type": "close-by-user",
        },
    )
    assert rejected == error(
        400,
        'Invalid value "undefined" supplied to "connector,fields",'
        'Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_when_missing_closure_type(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        {"connector": {"id": "test-id", "type": ".none", "name": "Connector", "fields": None}},
    )
    assert rejected == error(
        400,
        'Invalid value "undefined" supplied to "closure_type",'
        'Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_when_missing_connector(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(client, {"closure_type": "close-by-user"})
    assert rejected == error(
        400,
        'Invalid value "undefined" supplied to "connector",'
        'Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_when_fields_are_not_null(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        {
            "connector": {"id": "test-id", "type": ".none", "name": "Connector", "fields": {}},
            "closure_type": "close-by-user",
        },
    )
    assert rejected == error(
        400,
        'Invalid value "{}" supplied to "connector,fields",'
        'Invalid value "undefined" supplied to "owner"',
    )


async def test_should_not_create_a_configuration_with_unsupported_connector_type(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client, configuration_request(connector=connector(type=".unsupported"))
    )
    assert rejected == error(
        400,
        'Invalid value "{"id":"none","name":"none","type":".unsupported","fields":null}"'
        ' supplied to "connector"',
    )


async def test_should_not_create_a_configuration_with_unsupported_connector_fields(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        configuration_request(connector=connector(type=".jira", fields={"unsupported": "value"})),
    )
    # `fields` is io-ts's union([JiraFieldsRt, null]): both members' errors, in that order.
    assert rejected == error(
        400,
        'Invalid value "undefined" supplied to "connector,fields,issueType",'
        'Invalid value "undefined" supplied to "connector,fields,priority",'
        'Invalid value "undefined" supplied to "connector,fields,parent",'
        'Invalid value "{"unsupported":"value"}" supplied to "connector,fields"',
    )


async def test_should_not_create_a_configuration_when_custom_field_label_is_too_long(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        configuration_request(
            customFields=[{"key": "hello", "label": "#" * 51, "type": "text", "required": False}]
        ),
    )
    # The custom field union is tagged by `type`: only the text member reports.
    assert rejected == error(400, "The length of the label is too long. The maximum length is 50.")


async def test_should_not_create_a_configuration_with_duplicated_keys(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        configuration_request(
            customFields=[
                {"key": "duplicated_key", "label": "#1", "type": "text", "required": False},
                {"key": "duplicated_key", "label": "#2", "type": "text", "required": False},
            ]
        ),
    )
    assert rejected == error(400, "Invalid duplicated customFields keys in request: duplicated_key")


async def test_should_not_create_a_configuration_with_duplicated_template_keys(
    client: httpx.AsyncClient,
) -> None:
    rejected = await post_rejected(
        client,
        configuration_request(
            templates=[
                {
                    "key": "test_template_1",
                    "name": "First test template",
                    "description": "This is a first test template",
                    "caseFields": None,
                },
                {
                    "key": "test_template_1",
                    "name": "Third test template",
                    "description": "This is a third test template",
                    "caseFields": {
                        "title": "Case with sample template 3",
                        "tags": ["sample-3"],
                    },
                },
            ]
        ),
    )
    assert rejected == error(400, "Invalid duplicated templates keys in request: test_template_1")


async def test_should_not_create_a_configuration_when_templates_have_unknown_custom_fields(
    client: httpx.AsyncClient,
) -> None:
    """Templates have custom fields and custom fields don't exist in the configuration."""
    rejected = await post_rejected(
        client,
        configuration_request(
            customFields=[],
            templates=[
                {
                    "key": "test_template_1",
                    "name": "First test template",
                    "description": "This is a first test template",
                    "caseFields": {
                        "customFields": [{"key": "random_key", "type": "text", "value": "Test"}]
                    },
                }
            ],
        ),
    )
    assert rejected == error(400, "Invalid custom field keys: random_key")


async def test_should_not_create_a_configuration_when_templates_lack_the_custom_fields(
    client: httpx.AsyncClient,
) -> None:
    """Templates do not have custom fields and custom fields exist in the configuration."""
    rejected = await post_rejected(
        client,
        configuration_request(
            customFields=[
                {
                    "key": "random_key",
                    "type": "text",
                    "label": "New custom field",
                    "defaultValue": "Test",
                    "required": True,
                }
            ],
            templates=[
                {
                    "key": "test_template_1",
                    "name": "First test template",
                    "description": "This is a first test template",
                    "caseFields": None,
                }
            ],
        ),
    )
    assert rejected == error(400, "No custom fields added to template.")


# --- rbac -------------------------------------------------------------------------


async def test_returns_403_for_an_owner_whose_feature_is_disabled_in_the_space(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    test_disabled = await kibana_users("test_disabled")

    rejected = await post_rejected(
        test_disabled, configuration_request(owner=DISABLED), 403, admin=client, space="space1"
    )

    assert rejected == error(403, 'Unauthorized to create case configuration with owners: "cases"')


async def test_security_solution_only_should_create_a_configuration(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    sec_only = await kibana_users("sec_only")

    configuration = await create_configuration(sec_only, space="space1")

    assert configuration["owner"] == SECURITY
    stored = await get_configuration(client, space="space1")
    assert [item["id"] for item in stored] == [configuration["id"]]
    assert stored[0]["created_by"]["username"] == "sec_only"


async def test_security_solution_only_should_not_create_a_configuration_of_different_owner(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    sec_only = await kibana_users("sec_only")

    rejected = await post_rejected(
        sec_only, configuration_request(owner=OBSERVABILITY), 403, admin=client, space="space1"
    )

    assert rejected == error(
        403, 'Unauthorized to create case configuration with owners: "observability"'
    )


@pytest.mark.parametrize(
    "username",
    ["global_read", "sec_only_read", "obs_only_read", "obs_sec_read", "no_kibana_privileges"],
)
async def test_user_should_not_create_a_configuration(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str
) -> None:
    user = await kibana_users(username)

    rejected = await post_rejected(
        user, configuration_request(owner=SECURITY), 403, admin=client, space="space1"
    )

    assert rejected == error(403, "Unauthorized to create case configuration of any owner")


async def test_should_not_create_a_configuration_in_a_space_with_no_permissions(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    sec_only = await kibana_users("sec_only")

    rejected = await post_rejected(
        sec_only, configuration_request(owner=SECURITY), 403, admin=client, space="space2"
    )

    assert rejected == error(403, "Unauthorized to create case configuration of any owner")


async def test_it_deletes_the_correct_configurations(
    client: httpx.AsyncClient, space1: dict[str, Any]
) -> None:
    await create_configuration(client, configuration_request(owner=SECURITY), space="space1")
    # This must not delete the previous configuration: it belongs to another owner.
    await create_configuration(client, configuration_request(owner=OBSERVABILITY), space="space1")

    configurations = await get_configuration(
        client, owner=[SECURITY, OBSERVABILITY], space="space1"
    )

    ensure_saved_object_is_authorized(configurations, 2, [SECURITY, OBSERVABILITY])
    assert {item["owner"] for item in configurations} == {SECURITY, OBSERVABILITY}


# --- trial ------------------------------------------------------------------------


async def test_should_create_a_configuration_with_mapping(client: httpx.AsyncClient) -> None:
    # Kibana creates a real ServiceNow connector (simulator backend) first; see
    # SERVICENOW_CONNECTOR for why ours is only an id of type .servicenow.
    configuration = await create_configuration(
        client, configuration_request(connector=SERVICENOW_CONNECTOR)
    )

    assert without_server_fields(configuration) == configuration_output(
        False, mappings=SERVICENOW_MAPPINGS, connector=SERVICENOW_CONNECTOR
    )
