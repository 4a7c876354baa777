"""Every limit of the case configuration API at its edge, with Kibana's io-ts messages.

Each edge is a pair: the largest allowed value is accepted (200) and one more is refused
(400, Kibana's exact message), and a refused request leaves every table as it was.

The messages are io-ts's (Kibana's `formatErrors` and `exactCheck`), read against its codecs:
- custom fields, template custom-field values and connectors are *tagged* unions (io-ts
  picks the member by `type`), so a bad key of a text field reports one message, and an
  unknown `type` reports the whole item: `Invalid value "<json>" supplied to "customFields"`;
- `X | null` unions report X's message and then null's `Invalid value "<v>" supplied to
  "<path>"` (a text `defaultValue`, a number `defaultValue`, `category`, template values);
- a template's `caseFields` is `rt.union([rt.null, ...])`: null's message comes *first*.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from opencases.db import Database
from opencases.kibana.validation import NUL_MESSAGE
from opencases.security.secrets import profile_uid
from tests.conftest import snapshot

URL = "/api/cases/configure"
OWNER = "securitySolution"
CONNECTOR = {"id": "none", "name": "none", "type": ".none", "fields": None}
REQUEST: dict[str, Any] = {"connector": CONNECTOR, "closure_type": "close-by-user", "owner": OWNER}
ELASTIC = {
    "email": None,
    "full_name": None,
    "username": "elastic",
    "profile_uid": profile_uid("elastic"),
}
MAX_SAFE_INTEGER = 2**53 - 1

KEY_TOO_LONG = "The length of the key is too long. The maximum length is 36."
KEY_PATTERN = "Key must be lower case, a-z, 0-9, '_', and '-' are allowed"
KEY_EMPTY = "The key field cannot be an empty string."
LABEL_TOO_LONG = "The length of the label is too long. The maximum length is 50."
LABEL_EMPTY = "The label field cannot be an empty string."
NOT_SAFE = "The {} field should be an integer between -(2^53 - 1) and 2^53 - 1, inclusive."


def body(**overrides: Any) -> dict[str, Any]:
    """A POST body: Kibana's default request R plus overrides."""
    return {**REQUEST, **overrides}


def text_field(key: str = "text_1", label: str = "Text 1", **extra: Any) -> dict[str, Any]:
    """A text custom field."""
    return {"key": key, "label": label, "type": "text", "required": False, **extra}


def toggle_field(key: str = "toggle_1", label: str = "Toggle 1", **extra: Any) -> dict[str, Any]:
    """A toggle custom field."""
    return {"key": key, "label": label, "type": "toggle", "required": True, **extra}


def number_field(key: str = "number_1", label: str = "Number 1", **extra: Any) -> dict[str, Any]:
    """A number custom field."""
    return {"key": key, "label": label, "type": "number", "required": False, **extra}


def template(key: str = "template_1", name: str = "Template 1", **extra: Any) -> dict[str, Any]:
    """A template without case fields (unless given)."""
    return {"key": key, "name": name, "caseFields": None, **extra}


def with_case_fields(**case_fields: Any) -> dict[str, Any]:
    """A POST body with one template filling in `case_fields`."""
    return body(templates=[template(caseFields=case_fields)])


def with_template_value(field: dict[str, Any], value: Any) -> dict[str, Any]:
    """A POST body configuring `field` and a template giving it `value`."""
    case_fields = {"customFields": [{"key": field["key"], "type": field["type"], "value": value}]}
    return body(customFields=[field], templates=[template(caseFields=case_fields)])


def observable(key: str = "type_1", label: str = "Type 1", **extra: Any) -> dict[str, Any]:
    """A custom observable type."""
    return {"key": key, "label": label, **extra}


def js(value: Any) -> str:
    """How io-ts's formatErrors shows a value: objects as JSON.stringify, the rest as String()."""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def invalid(value: Any, *path: str) -> str:
    """io-ts's message for a value no codec (or only a message-less one) accepted."""
    return f'Invalid value "{js(value)}" supplied to "{",".join(path)}"'


def too_long(field: str, maximum: int) -> str:
    """limitedStringSchema's message for a string over `maximum` (trimmed, UTF-16 units)."""
    return f"The length of the {field} is too long. The maximum length is {maximum}."


def too_many(field: str, maximum: int) -> str:
    """limitedArraySchema's message for an array over `maximum` items."""
    return f"The length of the field {field} is too long. Array must be of length <= {maximum}."


def case_fields_message(case_fields: dict[str, Any], *messages: str) -> str:
    """A template's `caseFields` failing: rt.null's message first, then the object codec's."""
    return ",".join([invalid(case_fields, "templates", "caseFields"), *messages])


@dataclass(frozen=True)
class Edge:
    """A limit: a body just inside it (accepted) and one just past it (refused with `message`)."""

    id: str
    accepted: dict[str, Any] | None
    refused: dict[str, Any] | None
    message: str = ""


TEXT_161 = "v" * 161
CATEGORY_51 = "c" * 51
TITLE_161 = "t" * 161
DESCRIPTION_30001 = "d" * 30001
JIRA_FIELDS_UNSUPPORTED = {"unsupported": "value"}

EDGES = [
    # --- custom fields ---------------------------------------------------------------
    Edge(
        "custom field key 36/37",
        body(customFields=[text_field(key="k" * 36)]),
        body(customFields=[text_field(key="k" * 37)]),
        KEY_TOO_LONG,
    ),
    Edge(
        "custom field key: trimmed length, then the pattern on the raw key",
        body(customFields=[text_field(key="az09_-")]),
        body(customFields=[text_field(key=" " + "k" * 36)]),
        KEY_PATTERN,
    ),
    *(
        Edge(f"custom field key pattern {key!r}", None, body(customFields=[field]), KEY_PATTERN)
        for key in ("Key", "a b", "a.b", "ключ", "key\n")
        for field in (text_field(key=key), toggle_field(key=key), number_field(key=key))
    ),
    *(
        Edge(f"custom field key empty {key!r}", None, body(customFields=[field]), KEY_EMPTY)
        for key in ("", "   ", "\u00a0\t\u2028")
        for field in (text_field(key=key), number_field(key=key))
    ),
    Edge(
        "custom field label 50/51",
        body(customFields=[text_field(label="L" * 50)]),
        body(customFields=[text_field(label="L" * 51)]),
        LABEL_TOO_LONG,
    ),
    Edge(
        "custom field label is measured trimmed",
        body(customFields=[toggle_field(label="  " + "L" * 50 + "\n")]),
        body(customFields=[toggle_field(label="  " + "L" * 51 + "\n")]),
        LABEL_TOO_LONG,
    ),
    Edge(
        "custom field label is measured in UTF-16 code units",
        body(customFields=[number_field(label="\U0001f600" * 25)]),
        body(customFields=[number_field(label="\U0001f600" * 25 + "L")]),
        LABEL_TOO_LONG,
    ),
    *(
        Edge(f"custom field label empty {label!r}", None, body(customFields=[field]), LABEL_EMPTY)
        for label in ("", "  ")
        for field in (text_field(label=label), toggle_field(label=label))
    ),
    Edge(
        "text defaultValue 160/161",
        body(customFields=[text_field(defaultValue="v" * 160)]),
        body(customFields=[text_field(defaultValue=TEXT_161)]),
        f"{too_long('defaultValue', 160)},{invalid(TEXT_161, 'customFields', 'defaultValue')}",
    ),
    Edge(
        "text defaultValue empty (null is the way to leave it out)",
        body(customFields=[text_field(defaultValue=None)]),
        body(customFields=[text_field(defaultValue="  ")]),
        "The defaultValue field cannot be an empty string.,"
        + invalid("  ", "customFields", "defaultValue"),
    ),
    *(
        Edge(
            f"number defaultValue {accepted} / {refused}",
            body(customFields=[number_field(defaultValue=accepted)]),
            body(customFields=[number_field(defaultValue=refused)]),
            f"{NOT_SAFE.format('defaultValue')},"
            + invalid(refused, "customFields", "defaultValue"),
        )
        for accepted, refused in (
            (MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1),
            (-MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER - 1),
            (0, 1.5),
            (-1, -0.5),
        )
    ),
    Edge(
        # JavaScript holds 2^60 as a double and String() prints its shortest digits.
        "number defaultValue far past the limit, as JavaScript prints it",
        None,
        body(customFields=[number_field(defaultValue=2**60)]),
        f"{NOT_SAFE.format('defaultValue')},"
        + 'Invalid value "1152921504606847000" supplied to "customFields,defaultValue"',
    ),
    Edge(
        "number defaultValue as a string",
        body(customFields=[number_field(defaultValue=None)]),
        body(customFields=[number_field(defaultValue="1")]),
        invalid("1", "customFields", "defaultValue"),
    ),
    Edge(
        "toggle defaultValue as a string",
        body(customFields=[toggle_field(defaultValue=False)]),
        body(customFields=[toggle_field(defaultValue="true")]),
        invalid("true", "customFields", "defaultValue"),
    ),
    Edge(
        "customFields 10/11",
        body(customFields=[text_field(key=f"f{i}", label=f"F {i}") for i in range(10)]),
        body(customFields=[text_field(key=f"f{i}", label=f"F {i}") for i in range(11)]),
        too_many("customFields", 10),
    ),
    Edge(
        "custom field of an unknown type: the whole item is reported",
        None,
        body(customFields=[text_field(type="list")]),
        invalid(text_field(type="list"), "customFields"),
    ),
    Edge(
        "custom field without a type",
        None,
        body(customFields=[{"key": "k", "label": "L", "required": False}]),
        invalid({"key": "k", "label": "L", "required": False}, "customFields"),
    ),
    Edge(
        "custom field `required` not a boolean",
        None,
        body(customFields=[text_field(required="yes")]),
        invalid("yes", "customFields", "required"),
    ),
    Edge(
        "custom field without key and label: both reported, in io-ts order",
        None,
        body(customFields=[{"type": "toggle", "required": True}]),
        invalid("undefined", "customFields", "key")
        + ","
        + invalid("undefined", "customFields", "label"),
    ),
    # --- templates -------------------------------------------------------------------
    Edge(
        "templates 10/11",
        body(templates=[template(key=f"t{i}") for i in range(10)]),
        body(templates=[template(key=f"t{i}") for i in range(11)]),
        too_many("templates", 10),
    ),
    Edge(
        "template key 36/37",
        body(templates=[template(key="t" * 36)]),
        body(templates=[template(key="t" * 37)]),
        KEY_TOO_LONG,
    ),
    Edge("template key pattern", None, body(templates=[template(key="Tpl")]), KEY_PATTERN),
    Edge("template key empty", None, body(templates=[template(key=" ")]), KEY_EMPTY),
    Edge(
        "template name 50/51",
        body(templates=[template(name="N" * 50)]),
        body(templates=[template(name="N" * 51)]),
        too_long("name", 50),
    ),
    Edge(
        "template name empty",
        None,
        body(templates=[template(name="\t")]),
        "The name field cannot be an empty string.",
    ),
    Edge(
        "template description 1000/1001",
        body(templates=[template(description="d" * 1000)]),
        body(templates=[template(description="d" * 1001)]),
        too_long("description", 1000),
    ),
    Edge("template description may be empty", body(templates=[template(description="")]), None),
    Edge("template description may be blank", body(templates=[template(description="  ")]), None),
    Edge(
        "template tags 10/11",
        body(templates=[template(tags=[f"tag {i}" for i in range(10)])]),
        body(templates=[template(tags=[f"tag {i}" for i in range(11)])]),
        too_many("template's tags", 10),
    ),
    Edge(
        "template tag 50/51",
        body(templates=[template(tags=["g" * 50])]),
        body(templates=[template(tags=["g" * 51])]),
        too_long("template's tag", 50),
    ),
    Edge(
        "template tag empty",
        body(templates=[template(tags=[])]),
        body(templates=[template(tags=[""])]),
        "The template's tag field cannot be an empty string.",
    ),
    Edge(
        "template caseFields title 160/161",
        with_case_fields(title="t" * 160),
        with_case_fields(title=TITLE_161),
        case_fields_message({"title": TITLE_161}, too_long("title", 160)),
    ),
    Edge(
        "template caseFields description 30000/30001",
        with_case_fields(description="d" * 30000),
        with_case_fields(description=DESCRIPTION_30001),
        case_fields_message({"description": DESCRIPTION_30001}, too_long("description", 30000)),
    ),
    Edge(
        "template caseFields tags 200/201",
        with_case_fields(tags=[f"tag-{i}" for i in range(200)]),
        with_case_fields(tags=[f"tag-{i}" for i in range(201)]),
        case_fields_message({"tags": [f"tag-{i}" for i in range(201)]}, too_many("tags", 200)),
    ),
    Edge(
        "template caseFields tag 256/257",
        with_case_fields(tags=["g" * 256]),
        with_case_fields(tags=["g" * 257]),
        case_fields_message({"tags": ["g" * 257]}, too_long("tag", 256)),
    ),
    Edge(
        "template caseFields category 50/51",
        with_case_fields(category="c" * 50),
        with_case_fields(category=CATEGORY_51),
        case_fields_message(
            {"category": CATEGORY_51},
            too_long("category", 50),
            invalid(CATEGORY_51, "templates", "caseFields", "category"),
        ),
    ),
    Edge("template caseFields category null", with_case_fields(category=None), None),
    Edge(
        "template caseFields assignees 10/11",
        with_case_fields(assignees=[{"uid": f"u{i}"} for i in range(10)]),
        with_case_fields(assignees=[{"uid": f"u{i}"} for i in range(11)]),
        case_fields_message(
            {"assignees": [{"uid": f"u{i}"} for i in range(11)]}, too_many("assignees", 10)
        ),
    ),
    Edge(
        "template caseFields severity",
        with_case_fields(severity="critical"),
        with_case_fields(severity="urgent"),
        case_fields_message(
            {"severity": "urgent"}, invalid("urgent", "templates", "caseFields", "severity")
        ),
    ),
    Edge(
        "template text value 160/161",
        with_template_value(text_field(), "v" * 160),
        with_template_value(text_field(), TEXT_161),
        case_fields_message(
            {"customFields": [{"key": "text_1", "type": "text", "value": TEXT_161}]},
            too_long("value", 160),
            invalid(TEXT_161, "templates", "caseFields", "customFields", "value"),
        ),
    ),
    Edge(
        "template number value 2^53-1 / 2^53",
        with_template_value(number_field(), MAX_SAFE_INTEGER),
        with_template_value(number_field(), MAX_SAFE_INTEGER + 1),
        case_fields_message(
            {"customFields": [{"key": "number_1", "type": "number", "value": 2**53}]},
            NOT_SAFE.format("value"),
            invalid(2**53, "templates", "caseFields", "customFields", "value"),
        ),
    ),
    # --- observable types ------------------------------------------------------------
    Edge(
        "observableTypes 10/11",
        body(observableTypes=[observable(key=f"o{i}", label=f"O {i}") for i in range(10)]),
        body(observableTypes=[observable(key=f"o{i}", label=f"O {i}") for i in range(11)]),
        too_many("observableTypes", 10),
    ),
    Edge(
        "observable type key 36/37",
        body(observableTypes=[observable(key="o" * 36)]),
        body(observableTypes=[observable(key="o" * 37)]),
        KEY_TOO_LONG,
    ),
    Edge(
        "observable type key pattern",
        body(observableTypes=[observable(key="50d4d08c-12b4-4055-a343-b303e0ab3724")]),
        body(observableTypes=[observable(key="50D4D08C")]),
        KEY_PATTERN,
    ),
    Edge(
        "observable type label 50/51",
        body(observableTypes=[observable(label="L" * 50)]),
        body(observableTypes=[observable(label="L" * 51)]),
        LABEL_TOO_LONG,
    ),
    Edge(
        "observable type label empty",
        None,
        body(observableTypes=[observable(label=" ")]),
        LABEL_EMPTY,
    ),
    # --- unknown keys, at any depth (exactCheck, once everything else decoded) ------------
    Edge("unknown key at the top", None, body(foo=1), 'invalid keys "foo"'),
    Edge(
        "unknown key in the connector",
        None,
        body(connector={**CONNECTOR, "foo": "bar"}),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key in the connector's fields",
        body(
            connector={
                "id": "jira",
                "name": "Jira",
                "type": ".jira",
                "fields": {"issueType": "10006", "priority": None, "parent": None},
            }
        ),
        body(
            connector={
                "id": "jira",
                "name": "Jira",
                "type": ".jira",
                "fields": {"issueType": None, "priority": None, "parent": None, "foo": 1},
            }
        ),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key in a custom field",
        None,
        body(customFields=[text_field(foo=None)]),
        'invalid keys "foo"',
    ),
    Edge(
        # An array is an object to lodash's isObject: findDifferencesRecursive reports it too.
        "unknown key holding an array, in a template",
        None,
        body(templates=[template(foo=[])]),
        'invalid keys "foo,[]"',
    ),
    Edge(
        "unknown key in caseFields",
        None,
        with_case_fields(title="t", foo="bar"),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key in caseFields.settings",
        with_case_fields(settings={"syncAlerts": True}),
        with_case_fields(settings={"syncAlerts": True, "foo": True}),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key in an assignee",
        None,
        with_case_fields(assignees=[{"uid": "u1", "foo": "bar"}]),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key in a template's custom field value",
        None,
        body(
            customFields=[toggle_field()],
            templates=[
                template(
                    caseFields={
                        "customFields": [
                            {"key": "toggle_1", "type": "toggle", "value": True, "foo": 1}
                        ]
                    }
                )
            ],
        ),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key in an observable type",
        None,
        body(observableTypes=[observable(foo="bar")]),
        'invalid keys "foo"',
    ),
    Edge(
        "unknown key holding an object: the object is reported too",
        None,
        body(foo={"bar": 1}),
        'invalid keys "foo,{"bar":1}"',
    ),
    Edge(
        "unknown keys at two depths, in document order",
        None,
        body(connector={**CONNECTOR, "foo": 1}, bar=2),
        'invalid keys "foo,bar"',
    ),
    # --- required keys and types -----------------------------------------------------
    Edge(
        "closure_type",
        body(closure_type="close-by-pushing"),
        body(closure_type="foo"),
        invalid("foo", "closure_type"),
    ),
    Edge(
        "missing owner",
        None,
        {"connector": CONNECTOR, "closure_type": "close-by-user"},
        invalid("undefined", "owner"),
    ),
    Edge("owner null", None, body(owner=None), invalid(None, "owner")),
    Edge(
        "missing owner and a wrong closure_type: every error, in io-ts order",
        None,
        {"connector": CONNECTOR, "closure_type": "close"},
        invalid("close", "closure_type") + "," + invalid("undefined", "owner"),
    ),
    Edge(
        "connector of an unsupported type: the whole connector is reported",
        None,
        body(connector={**CONNECTOR, "type": ".unsupported"}),
        invalid({**CONNECTOR, "type": ".unsupported"}, "connector"),
    ),
    Edge(
        "connector .none with fields",
        None,
        body(connector={**CONNECTOR, "fields": {}}),
        invalid({}, "connector", "fields"),
    ),
    Edge(
        "connector without id",
        None,
        body(connector={"name": "none", "type": ".none", "fields": None}),
        invalid("undefined", "connector", "id"),
    ),
    Edge(
        "connector without fields and name: io-ts checks fields first",
        None,
        body(connector={"id": "none", "type": ".none"}),
        invalid("undefined", "connector", "fields")
        + ","
        + invalid("undefined", "connector", "name"),
    ),
    Edge(
        "connector .jira with unknown fields",
        None,
        body(
            connector={"id": "j", "name": "J", "type": ".jira", "fields": JIRA_FIELDS_UNSUPPORTED}
        ),
        ",".join(
            [
                invalid("undefined", "connector", "fields", "issueType"),
                invalid("undefined", "connector", "fields", "priority"),
                invalid("undefined", "connector", "fields", "parent"),
                invalid(JIRA_FIELDS_UNSUPPORTED, "connector", "fields"),
            ]
        ),
    ),
    Edge(
        "customFields not an array",
        None,
        body(customFields={}),
        invalid({}, "customFields"),
    ),
]


def expected_output(request: dict[str, Any]) -> dict[str, Any]:
    """Kibana's getConfigurationOutput for a request: what POST answers, sans server fields."""
    return {
        "customFields": [],
        "templates": [],
        "observableTypes": [],
        **request,
        "mappings": [],
        "created_by": ELASTIC,
        "updated_by": None,
        "error": None,
    }


def without_server_fields(response: dict[str, Any]) -> dict[str, Any]:
    """The response without id, version and timestamps (Kibana's helper)."""
    assert isinstance(response.pop("id"), str)
    assert isinstance(response.pop("version"), str)
    assert isinstance(response.pop("created_at"), str)
    assert response.pop("updated_at") is None
    return response


def bad_request(message: str) -> dict[str, Any]:
    """Kibana's 400 envelope."""
    return {"statusCode": 400, "error": "Bad Request", "message": message}


def mappings_of(request: dict[str, Any]) -> list[dict[str, str]]:
    """The mappings POST answers for the request's connector (only .none and .jira here)."""
    if request["connector"]["type"] != ".jira":
        return []
    return [
        {"action_type": "overwrite", "source": "title", "target": "summary"},
        {"action_type": "overwrite", "source": "description", "target": "description"},
        {"action_type": "overwrite", "source": "tags", "target": "labels"},
        {"action_type": "append", "source": "comments", "target": "comments"},
    ]


@pytest.mark.parametrize(
    "request_body",
    [pytest.param(edge.accepted, id=edge.id) for edge in EDGES if edge.accepted is not None],
)
async def test_post_accepts_the_largest_allowed_value(
    client: httpx.AsyncClient, request_body: dict[str, Any]
) -> None:
    response = await client.post(URL, json=request_body)

    assert response.status_code == 200, response.text
    expected = {**expected_output(request_body), "mappings": mappings_of(request_body)}
    assert without_server_fields(response.json()) == expected


@pytest.mark.parametrize(
    ("request_body", "message"),
    [pytest.param(edge.refused, edge.message, id=edge.id) for edge in EDGES if edge.refused],
)
async def test_post_refuses_one_more_with_kibanas_message_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, request_body: dict[str, Any], message: str
) -> None:
    # A configuration of the same owner is in place: a POST that got through would replace it.
    existing = await client.post(URL, json=body(customFields=[text_field()]))
    assert existing.status_code == 200, existing.text
    before = await snapshot(db)

    response = await client.post(URL, json=request_body)

    assert (response.status_code, response.json()) == (400, bad_request(message))
    assert await snapshot(db) == before


# --- PATCH: the same codecs, plus `version` required and `owner` refused -------------------


@dataclass(frozen=True)
class PatchEdge:
    """A PATCH body just inside a limit (with what the configuration then holds) and one past it."""

    id: str
    accepted: dict[str, Any] | None
    holds: dict[str, Any] | None
    refused: dict[str, Any] | None
    message: str = ""


TEN_FIELDS = [number_field(key=f"n{i}", label=f"N {i}") for i in range(10)]
TEN_TYPES = [observable(key=f"o{i}", label=f"O {i}") for i in range(10)]

PATCH_EDGES = [
    PatchEdge(
        "customFields 10/11",
        {"customFields": TEN_FIELDS},
        {"customFields": TEN_FIELDS},
        {"customFields": [*TEN_FIELDS, number_field()]},
        too_many("customFields", 10),
    ),
    PatchEdge(
        "custom field key 36/37",
        {"customFields": [toggle_field(key="k" * 36)]},
        {"customFields": [toggle_field(key="k" * 36)]},
        {"customFields": [toggle_field(key="k" * 37)]},
        KEY_TOO_LONG,
    ),
    PatchEdge(
        "number defaultValue -(2^53-1) / -2^53",
        {"customFields": [number_field(defaultValue=-MAX_SAFE_INTEGER)]},
        {"customFields": [number_field(defaultValue=-MAX_SAFE_INTEGER)]},
        {"customFields": [number_field(defaultValue=-(2**53))]},
        f"{NOT_SAFE.format('defaultValue')}," + invalid(-(2**53), "customFields", "defaultValue"),
    ),
    PatchEdge(
        # Without custom fields, PATCH turns each template's caseFields into
        # {customFields: []} (Kibana's transformTemplateCustomFields).
        "template name 50/51",
        {"templates": [template(name="N" * 50)]},
        {"templates": [template(name="N" * 50, caseFields={"customFields": []})]},
        {"templates": [template(name="N" * 51)]},
        too_long("name", 50),
    ),
    PatchEdge(
        "observableTypes 10/11",
        {"observableTypes": TEN_TYPES},
        {"observableTypes": TEN_TYPES},
        {"observableTypes": [*TEN_TYPES, observable()]},
        too_many("observableTypes", 10),
    ),
    PatchEdge(
        "observable type label 50/51",
        {"observableTypes": [observable(label="L" * 50)]},
        {"observableTypes": [observable(label="L" * 50)]},
        {"observableTypes": [observable(label="L" * 51)]},
        LABEL_TOO_LONG,
    ),
    PatchEdge(
        "closure_type",
        {"closure_type": "close-by-pushing"},
        {"closure_type": "close-by-pushing"},
        {"closure_type": "foo"},
        invalid("foo", "closure_type"),
    ),
    PatchEdge("owner cannot change", None, None, {"owner": OWNER}, 'invalid keys "owner"'),
    PatchEdge("unknown key", None, None, {"notExist": "not-exist"}, 'invalid keys "notExist"'),
]


async def create(client: httpx.AsyncClient) -> dict[str, Any]:
    """POST R; the answer."""
    response = await client.post(URL, json=body())
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize(
    ("patch", "holds"),
    [
        pytest.param(edge.accepted, edge.holds, id=edge.id)
        for edge in PATCH_EDGES
        if edge.accepted is not None
    ],
)
async def test_patch_accepts_the_largest_allowed_value(
    client: httpx.AsyncClient, patch: dict[str, Any], holds: dict[str, Any]
) -> None:
    created = await create(client)

    response = await client.patch(
        f"{URL}/{created['id']}", json={**patch, "version": created["version"]}
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert isinstance(updated.pop("updated_at"), str)
    assert updated.pop("version") != created.pop("version")
    created.pop("updated_at")
    assert updated == {**created, **holds, "updated_by": ELASTIC}


@pytest.mark.parametrize(
    ("patch", "message"),
    [pytest.param(edge.refused, edge.message, id=edge.id) for edge in PATCH_EDGES if edge.refused],
)
async def test_patch_refuses_one_more_with_kibanas_message_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, patch: dict[str, Any], message: str
) -> None:
    created = await create(client)
    before = await snapshot(db)

    response = await client.patch(
        f"{URL}/{created['id']}", json={**patch, "version": created["version"]}
    )

    assert (response.status_code, response.json()) == (400, bad_request(message))
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"closure_type": "close-by-pushing"}, invalid("undefined", "version")),
        ({"version": None}, invalid(None, "version")),
        ({"version": 1}, invalid(1, "version")),
        # Every error is reported: the codec's first, then `version`'s.
        (
            {"closure_type": "x"},
            invalid("x", "closure_type") + "," + invalid("undefined", "version"),
        ),
    ],
    ids=["missing", "null", "a number", "missing, with another error"],
)
async def test_patch_requires_a_version_string(
    client: httpx.AsyncClient, db: Database, patch: dict[str, Any], message: str
) -> None:
    created = await create(client)
    before = await snapshot(db)

    response = await client.patch(f"{URL}/{created['id']}", json=patch)

    assert (response.status_code, response.json()) == (400, bad_request(message))
    assert await snapshot(db) == before


async def test_a_nul_character_is_refused_on_every_database(
    client: httpx.AsyncClient, db: Database
) -> None:
    # PostgreSQL cannot store U+0000; OpenCases refuses it everywhere (Kibana stores it).
    before = await snapshot(db)
    request_body = body(
        connector={**CONNECTOR, "name": "nul\x00"},
        customFields=[text_field(label="a\x00b", defaultValue="\x00")],
    )

    response = await client.post(URL, json=request_body)

    assert (response.status_code, response.json()) == (400, bad_request(NUL_MESSAGE))
    assert await snapshot(db) == before
