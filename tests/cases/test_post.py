"""POST /api/cases: Kibana's post_case.ts (security_and_spaces/tests/common/cases), ported.

Kibana asserts only the status of its 400s; these tests also pin the message, read against
Kibana's codecs (`CasePostRequestRt`, common/types/api/case/v1.ts) and validators.ts.
Responses follow the released 9.x mock (`postCaseResp` without `totalEvents`; `settings`
echoes the request, without `extractObservables`).

Skipped: `should set the attachment stats to zero` (reads the saved object from
Elasticsearch; the totals show as `totalComment`/`totalAlerts: 0` in every test here).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    CASES_URL,
    DISABLED,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    case_response,
    create_case,
    refused,
    user_actions,
    without_server_fields,
)
from tests.configure.conftest import KibanaUsers, configuration_request, create_configuration

JIRA = {
    "id": "123",
    "name": "Jira",
    "type": ".jira",
    "fields": {"issueType": "Task", "priority": "High", "parent": None},
}


async def post_refused(
    client: httpx.AsyncClient, db: Database, body: Any, message: str, status: int = 400
) -> None:
    """POST a case Kibana refuses with `status` and `message`; nothing is stored."""
    await refused(client, db, "POST", CASES_URL, status, message, json=body)


async def configure(client: httpx.AsyncClient, custom_fields: list[dict[str, Any]]) -> None:
    """Kibana's createConfiguration with custom fields, for securitySolution."""
    await create_configuration(client, configuration_request(customFields=custom_fields))


# --- happy path ---------------------------------------------------------------------------


async def test_a_case_is_created_with_a_connector_that_does_not_exist(
    client: httpx.AsyncClient,
) -> None:
    """post_case.ts: it('should post a case')."""
    request = case_request(connector=JIRA)

    case = await create_case(client, request)

    assert without_server_fields(case) == case_response(request)


async def test_a_case_is_created_with_the_none_connector(client: httpx.AsyncClient) -> None:
    """post_case.ts: it('should post a case: none connector')."""
    request = case_request(
        connector={"id": "none", "name": "none", "type": ".none", "fields": None}
    )

    case = await create_case(client, request)

    assert without_server_fields(case) == case_response(request)


async def test_a_new_case_carries_its_server_fields(client: httpx.AsyncClient) -> None:
    """post_case.ts: it('should post a case without severity'), and what omit.ts strips."""
    case = await create_case(client)

    assert without_server_fields(case) == case_response()
    assert case["version"] == "WzEsMV0="
    assert case["updated_at"] is None
    assert case["closed_at"] is None
    assert case["incremental_id"] == 1
    # Set by the first status change only (bulk_update.ts, getInProgressInfoForUpdate).
    assert "in_progress_at" not in case
    assert "time_to_acknowledge" not in case


async def test_a_case_without_severity_is_low(client: httpx.AsyncClient) -> None:
    """post_case.ts: it('should post a case without severity') (the request leaves it out)."""
    request = case_request()
    del request["severity"]

    case = await create_case(client, request)

    assert without_server_fields(case) == case_response(request, severity="low")


async def test_a_case_is_created_with_a_severity(client: httpx.AsyncClient) -> None:
    """post_case.ts: it('should post a case with severity')."""
    request = case_request(severity="high")

    case = await create_case(client, request)

    assert without_server_fields(case) == case_response(request)


async def test_a_case_without_category_has_a_null_category(client: httpx.AsyncClient) -> None:
    """post_case.ts: it('should post a case with default category')."""
    case = await create_case(client)

    assert case["category"] is None


async def test_creating_a_case_records_a_create_case_user_action(
    client: httpx.AsyncClient,
) -> None:
    """post_case.ts: it('should create a user action when creating a case')."""
    case = await create_case(client)

    assert await user_actions(client, case["id"]) == [
        {
            "action": "create",
            "type": "create_case",
            "created_by": ELASTIC,
            "comment_id": None,
            "owner": SECURITY,
            "payload": {
                "description": case["description"],
                "title": case["title"],
                "tags": case["tags"],
                "connector": case["connector"],
                "settings": case["settings"],
                "owner": case["owner"],
                "status": "open",
                "severity": "low",
                "assignees": [],
                "category": None,
                "customFields": [],
            },
        }
    ]


async def test_a_case_is_created_without_a_connector_in_the_configuration(
    client: httpx.AsyncClient,
) -> None:
    """post_case.ts: it('creates the case without connector in the configuration')."""
    await create_configuration(client)

    case = await create_case(client)

    assert without_server_fields(case) == case_response()


async def test_a_case_is_created_with_custom_fields(client: httpx.AsyncClient) -> None:
    """post_case.ts: it('should post a case with customFields')."""
    await configure(
        client,
        [
            {"key": "valid_key_1", "label": "text", "type": "text", "required": False},
            {
                "key": "valid_key_2",
                "label": "toggle",
                "type": "toggle",
                "defaultValue": False,
                "required": True,
            },
            {
                "key": "valid_key_3",
                "label": "number",
                "type": "number",
                "defaultValue": 123,
                "required": True,
            },
        ],
    )
    custom_fields = [
        {"key": "valid_key_1", "type": "text", "value": "this is a text field value"},
        {"key": "valid_key_2", "type": "toggle", "value": True},
        {"key": "valid_key_3", "type": "number", "value": 123456},
    ]
    request = case_request(customFields=custom_fields)

    case = await create_case(client, request)

    assert without_server_fields(case) == case_response(request, customFields=custom_fields)


async def test_missing_custom_fields_are_filled_in_after_the_sent_ones(
    client: httpx.AsyncClient,
) -> None:
    """post_case.ts: it('should fill out missing custom fields')."""
    await configure(
        client,
        [
            {"key": "valid_key_1", "label": "text", "type": "text", "required": False},
            {
                "key": "valid_key_2",
                "label": "toggle",
                "type": "toggle",
                "defaultValue": False,
                "required": True,
            },
            {
                "key": "valid_key_3",
                "label": "number",
                "type": "number",
                "defaultValue": 123,
                "required": False,
            },
        ],
    )

    case = await create_case(
        client, case_request(customFields=[{"key": "valid_key_2", "type": "toggle", "value": True}])
    )

    assert case["customFields"] == [
        {"key": "valid_key_2", "type": "toggle", "value": True},
        {"key": "valid_key_1", "type": "text", "value": None},
        {"key": "valid_key_3", "type": "number", "value": 123},
    ]


@pytest.mark.parametrize("required", [True, False], ids=["required", "optional"])
async def test_missing_custom_fields_get_their_default_values(
    client: httpx.AsyncClient, required: bool
) -> None:
    """post_case.ts: it('creates a case with missing required custom fields and default values')
    and it('creates a case with missing optional custom fields and default values')."""
    await configure(
        client,
        [
            {
                "key": "text_custom_field",
                "label": "text",
                "type": "text",
                "defaultValue": "default value",
                "required": required,
            },
            {
                "key": "toggle_custom_field",
                "label": "toggle",
                "type": "toggle",
                "defaultValue": False,
                "required": required,
            },
            {
                "key": "number_custom_field",
                "label": "number",
                "type": "number",
                "defaultValue": 123,
                "required": required,
            },
        ],
    )

    case = await create_case(client, case_request(customFields=[]))

    assert case["customFields"] == [
        {"key": "text_custom_field", "type": "text", "value": "default value"},
        {"key": "toggle_custom_field", "type": "toggle", "value": False},
        {"key": "number_custom_field", "type": "number", "value": 123},
    ]


async def test_title_description_category_and_tags_are_trimmed(
    client: httpx.AsyncClient,
) -> None:
    """Kibana's normalizeCreateCaseRequest (client/cases/utils.ts) trims what it stores."""
    case = await create_case(
        client,
        case_request(
            title="  a title ", description=" a description  ", category=" cat ", tags=[" a "]
        ),
    )

    assert (case["title"], case["description"], case["category"], case["tags"]) == (
        "a title",
        "a description",
        "cat",
        ["a"],
    )


# --- unhappy path -------------------------------------------------------------------------


async def test_an_unknown_key_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """post_case.ts: it('400s when bad query supplied')."""
    await post_refused(client, db, case_request(badKey=True), 'invalid keys "badKey"')


@pytest.mark.parametrize(
    ("field", "kibana_title"),
    [
        ("connector", "400s when connector is not supplied"),
        ("title", "400s when missing title"),
        ("description", "400s when missing description"),
        ("tags", "400s when missing tags"),
    ],
)
async def test_a_missing_required_field_is_refused(
    client: httpx.AsyncClient, db: Database, field: str, kibana_title: str
) -> None:
    """post_case.ts: it('400s when connector is not supplied'), it('400s when missing title'),
    it('400s when missing description'), it('400s when missing tags')."""
    request = case_request()
    del request[field]

    await post_refused(client, db, request, f'Invalid value "undefined" supplied to "{field}"')


async def test_a_connector_of_an_unknown_type_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_case.ts: it('400s when connector has wrong type')."""
    connector = {"id": "wrong", "name": "wrong", "type": ".not-exists", "fields": None}

    await post_refused(
        client,
        db,
        case_request(connector=connector),
        # io-ts picks a connector by its `type`: an unknown one reports the whole object.
        'Invalid value "{"id":"wrong","name":"wrong","type":".not-exists","fields":null}"'
        ' supplied to "connector"',
    )


async def test_a_connector_with_wrong_fields_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_case.ts: it('400s when connector has wrong fields')."""
    connector = {
        "id": "wrong",
        "name": "wrong",
        "type": ".jira",
        "fields": {"unsupported": "value"},
    }

    await post_refused(
        client,
        db,
        case_request(connector=connector),
        'Invalid value "undefined" supplied to "connector,fields,issueType",'
        'Invalid value "undefined" supplied to "connector,fields,priority",'
        'Invalid value "undefined" supplied to "connector,fields,parent",'
        'Invalid value "{"unsupported":"value"}" supplied to "connector,fields"',
    )


async def test_a_wrong_severity_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """post_case.ts: it('400s when passing a wrong severity value')."""
    await post_refused(
        client,
        db,
        case_request(severity="very-severe"),
        'Invalid value "very-severe" supplied to "severity"',
    )


async def test_a_status_is_refused_for_a_new_case(client: httpx.AsyncClient, db: Database) -> None:
    """post_case.ts: it('400s if you passing status for a new case')."""
    await post_refused(client, db, case_request(status="open"), 'invalid keys "status"')


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"title": "a" * 161},
            "The length of the title is too long. The maximum length is 160.",
        ),
        (
            {"description": "a" * 30001},
            "The length of the description is too long. The maximum length is 30000.",
        ),
        ({"tags": ["test", " "]}, "The tag field cannot be an empty string."),
        ({"tags": ["test", ""]}, "The tag field cannot be an empty string."),
        (
            {"tags": ["a" * 257]},
            "The length of the tag is too long. The maximum length is 256.",
        ),
        (
            {"tags": ["foo"] * 201},
            "The length of the field tags is too long. Array must be of length <= 200.",
        ),
        (
            {"category": "A very long category with more than fifty characters!"},
            "The length of the category is too long. The maximum length is 50.,"
            'Invalid value "A very long category with more than fifty characters!"'
            ' supplied to "category"',
        ),
        (
            {"category": ""},
            'The category field cannot be an empty string.,Invalid value "" supplied to "category"',
        ),
        (
            {"category": "   "},
            "The category field cannot be an empty string.,"
            'Invalid value "   " supplied to "category"',
        ),
    ],
    ids=[
        "400s if the title is too long",
        "400s if the description is too long",
        "400s if the a tag is a whitespace",
        "400s if the a tag is an empty string",
        "400s if the a tag is too long",
        "400s if the a tags array is too long",
        "400s when the category is too long",
        "400s when the category is an empty string",
        "400s when the category is a string just with spaces",
    ],
)
async def test_a_value_out_of_its_limits_is_refused(
    client: httpx.AsyncClient, db: Database, overrides: dict[str, Any], message: str
) -> None:
    """post_case.ts: the `it(...)` named by each case's id (title, description, tags and
    categories describes)."""
    await post_refused(client, db, case_request(**overrides), message)


async def test_duplicated_custom_field_keys_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_case.ts: customFields, it('400s when trying to patch with duplicated custom field
    keys')."""
    value = {"key": "duplicated_key", "type": "text", "value": "this is a text field value"}

    await post_refused(
        client,
        db,
        case_request(customFields=[value, value]),
        "Invalid duplicated customFields keys in request: duplicated_key",
    )


async def test_an_unknown_custom_field_key_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_case.ts: customFields, it('400s when trying to create case with customField key
    that does not exist')."""
    await configure(
        client, [{"key": "test_custom_field", "label": "text", "type": "text", "required": False}]
    )

    await post_refused(
        client,
        db,
        case_request(customFields=[{"key": "invalid_key", "type": "text", "value": "a"}]),
        "Invalid custom field keys: invalid_key",
    )


async def test_custom_fields_without_configuration_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's validateCustomFields (validators.ts): values but no configuration."""
    await post_refused(
        client,
        db,
        case_request(customFields=[{"key": "a_key", "type": "text", "value": "a"}]),
        "No custom fields configured.",
    )


async def test_required_custom_fields_set_to_null_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_case.ts: customFields, it('400s trying to create a case with required custom
    fields set to null')."""
    await configure(
        client,
        [
            {
                "key": "text_custom_field",
                "label": "text",
                "type": "text",
                "defaultValue": "default value",
                "required": True,
            },
            {
                "key": "toggle_custom_field",
                "label": "toggle",
                "type": "toggle",
                "defaultValue": False,
                "required": True,
            },
            {
                "key": "number_custom_field",
                "label": "number",
                "type": "number",
                "defaultValue": 123,
                "required": True,
            },
        ],
    )
    nulls = [
        {"key": "text_custom_field", "type": "text", "value": None},
        {"key": "toggle_custom_field", "type": "toggle", "value": None},
        {"key": "number_custom_field", "type": "number", "value": None},
    ]

    await post_refused(
        client,
        db,
        case_request(customFields=nulls),
        'Invalid value "null" supplied for the following required custom fields:'
        ' "text", "toggle", "number"',
    )


async def test_a_custom_field_of_the_wrong_type_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_case.ts: customFields, it('400s when trying to create case with a custom field
    with the wrong type')."""
    await configure(
        client,
        [
            {
                "key": "test_custom_field",
                "label": "text",
                "type": "text",
                "defaultValue": "foobar",
                "required": True,
            }
        ],
    )

    await post_refused(
        client,
        db,
        case_request(customFields=[{"key": "test_custom_field", "type": "toggle", "value": True}]),
        'The following custom fields have the wrong type in the request: "text"',
    )


async def test_missing_required_custom_fields_without_defaults_are_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's validateCustomFields (validators.ts): required, no value, no default."""
    await configure(
        client, [{"key": "text_custom_field", "label": "text", "type": "text", "required": True}]
    )

    await post_refused(
        client,
        db,
        case_request(customFields=[]),
        'Missing required custom fields without default value configured: "text"',
    )


# --- rbac ---------------------------------------------------------------------------------


async def test_an_owner_whose_feature_is_disabled_in_the_space_is_refused(
    kibana_users: KibanaUsers, db: Database
) -> None:
    """post_case.ts: rbac, it('returns a 403 when attempting to create a case with an owner
    that was from a disabled feature in the space')."""
    await refused(
        await kibana_users("test_disabled"),
        db,
        "POST",
        f"/s/space1{CASES_URL}",
        403,
        f'Unauthorized to create case with owners: "{DISABLED}"',
        json=case_request(owner=DISABLED),
    )


async def test_a_security_solution_user_creates_a_case(kibana_users: KibanaUsers) -> None:
    """post_case.ts: rbac, it('User: security solution only - should create a case')."""
    case = await create_case(await kibana_users("sec_only"), space="space1")

    assert case["owner"] == SECURITY


async def test_a_security_solution_user_cannot_create_a_case_of_another_owner(
    kibana_users: KibanaUsers, db: Database
) -> None:
    """post_case.ts: rbac, it('User: security solution only - should NOT create a case of
    different owner')."""
    await refused(
        await kibana_users("sec_only"),
        db,
        "POST",
        f"/s/space1{CASES_URL}",
        403,
        f'Unauthorized to create case with owners: "{OBSERVABILITY}"',
        json=case_request(owner=OBSERVABILITY),
    )


# Kibana's create.ts reads the owner's configuration first (configure.get): a caller who
# may read no owner's configuration in the space is refused there.
CONFIGURATIONS_REFUSED = "Unauthorized to access case configurations of any owner"


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("global_read", f'Unauthorized to create case with owners: "{SECURITY}"'),
        ("sec_only_read", f'Unauthorized to create case with owners: "{SECURITY}"'),
        ("obs_only_read", f'Unauthorized to create case with owners: "{SECURITY}"'),
        ("obs_sec_read", f'Unauthorized to create case with owners: "{SECURITY}"'),
        ("no_kibana_privileges", CONFIGURATIONS_REFUSED),
    ],
)
async def test_a_user_without_write_privileges_cannot_create_a_case(
    kibana_users: KibanaUsers, db: Database, username: str, message: str
) -> None:
    """post_case.ts: rbac, it(`User ${username} with role(s) ${roles.join()} - should NOT
    create a case`)."""
    await refused(
        await kibana_users(username),
        db,
        "POST",
        f"/s/space1{CASES_URL}",
        403,
        message,
        json=case_request(),
    )


async def test_a_case_cannot_be_created_in_a_space_without_privileges(
    kibana_users: KibanaUsers, db: Database
) -> None:
    """post_case.ts: rbac, it('should NOT create a case in a space with no permissions')."""
    await refused(
        await kibana_users("sec_only"),
        db,
        "POST",
        f"/s/space2{CASES_URL}",
        403,
        CONFIGURATIONS_REFUSED,
        json=case_request(),
    )


async def test_custom_fields_are_checked_against_a_configuration_the_caller_may_read(
    kibana_users: KibanaUsers, client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's create.ts: configure.get({owner}) sees only the configurations the caller may
    read, so an obs_only user's values meet no configuration (400) before `createCase` (403)."""
    await create_configuration(
        client,
        configuration_request(
            customFields=[{"key": "a_key", "label": "text", "type": "text", "required": False}]
        ),
        space="space1",
    )

    await refused(
        await kibana_users("obs_only"),
        db,
        "POST",
        f"/s/space1{CASES_URL}",
        400,
        "No custom fields configured.",
        json=case_request(customFields=[{"key": "a_key", "type": "text", "value": "a"}]),
    )


async def test_the_create_case_action_records_the_request_as_sent(
    client: httpx.AsyncClient,
) -> None:
    """Kibana's create.ts: the create_case payload is the request before trimming and filling
    in custom fields; assignees without a uid are dropped, repeated ones kept (the case keeps
    each uid once)."""
    await configure(client, [{"key": "a_key", "label": "text", "type": "text", "required": False}])
    request = case_request(
        title=" Spaced title ",
        tags=[" a "],
        assignees=[{"uid": "u1"}, {"uid": ""}, {"uid": "u1"}, {"uid": "u2"}],
    )

    case = await create_case(client, request)

    assert (case["title"], case["tags"], case["assignees"], case["customFields"]) == (
        "Spaced title",
        ["a"],
        [{"uid": "u1"}, {"uid": "u2"}],
        [{"key": "a_key", "type": "text", "value": None}],
    )
    assert (await user_actions(client, case["id"]))[0]["payload"] == {
        **request,
        "assignees": [{"uid": "u1"}, {"uid": "u1"}, {"uid": "u2"}],
        "category": None,
        "customFields": [],
        "status": "open",
    }
