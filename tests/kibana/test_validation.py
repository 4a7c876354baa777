"""opencases.kibana.validation: Kibana's io-ts and @kbn/config-schema messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
import pytest
from msgspec import UNSET, UnsetType

from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import (
    Items,
    RequestStruct,
    SafeInteger,
    Style,
    Text,
    js_string,
    parse_json_object,
    query_values,
    validate,
)

MAX = 2**53 - 1
SAFE_MESSAGE = (
    "The defaultValue field should be an integer between -(2^53 - 1) and 2^53 - 1, inclusive."
)
Label = Annotated[str, Text("label", min=1, max=50)]


class Connector(RequestStruct):
    id: str
    type: Literal[".none", ".jira"]
    fields: dict[str, str] | None


class TextField(RequestStruct, tag_field="type", tag="text"):
    key: str
    label: Label
    defaultValue: Annotated[str, Text("defaultValue", min=3)] | UnsetType | None = UNSET


class NumberField(RequestStruct, tag_field="type", tag="number"):
    key: str
    label: Label
    defaultValue: Annotated[int, SafeInteger("defaultValue")] | UnsetType | None = UNSET


class Configuration(RequestStruct):
    owner: str
    closure_type: Literal["close-by-user", "close-by-pushing"]
    connector: Connector
    customFields: (
        Annotated[list[TextField | NumberField], Items("customFields", max=10)] | UnsetType
    ) = UNSET
    labels: dict[str, int] | UnsetType = UNSET


MISSING: Any = object()  # a key left out of the body
CONNECTOR = {"id": "none", "type": ".none", "fields": None}
BASE = {"owner": "cases", "closure_type": "close-by-user", "connector": CONNECTOR}


def io_ts(body: dict[str, Any]) -> str:
    """The io-ts message `body` is refused with."""
    with pytest.raises(BadRequest) as caught:
        validate(Configuration, body)
    assert caught.value.status_code == 400
    return caught.value.message


def text_field(**overrides: Any) -> dict[str, Any]:
    """A text custom field."""
    return {"type": "text", "key": "k", "label": "Label", **overrides}


# --- io-ts ----------------------------------------------------------------------


def test_valid_body_decodes_to_the_struct() -> None:
    body = {
        **BASE,
        "customFields": [
            text_field(defaultValue=None),
            {"type": "number", "key": "n", "label": " L ", "defaultValue": 2.0},
        ],
    }
    decoded = validate(Configuration, body)
    assert decoded == Configuration(
        owner="cases",
        closure_type="close-by-user",
        connector=Connector(id="none", type=".none", fields=None),
        customFields=[
            TextField(key="k", label="Label", defaultValue=None),
            # JSON's 2.0 is JavaScript's 2; the label is measured trimmed but kept as sent.
            NumberField(key="n", label=" L ", defaultValue=2),
        ],
    )
    assert type(decoded.customFields[1].defaultValue) is int  # type: ignore[index]
    assert decoded.labels is UNSET


IO_TS = [
    pytest.param({"owner": MISSING}, 'Invalid value "undefined" supplied to "owner"', id="missing"),
    pytest.param({"owner": None}, 'Invalid value "null" supplied to "owner"', id="null"),
    pytest.param({"owner": 1.5}, 'Invalid value "1.5" supplied to "owner"', id="number-for-str"),
    pytest.param({"owner": 1e21}, 'Invalid value "1e+21" supplied to "owner"', id="big-number"),
    pytest.param({"owner": 1e-7}, 'Invalid value "1e-7" supplied to "owner"', id="tiny-number"),
    pytest.param(
        # JavaScript holds every number as a double.
        {"owner": 2**60},
        'Invalid value "1152921504606847000" supplied to "owner"',
        id="beyond-double-precision",
    ),
    pytest.param({"owner": True}, 'Invalid value "true" supplied to "owner"', id="bool-for-str"),
    pytest.param(
        {"owner": {"b": [1.0, None], "2": "x", "1": "y"}},
        'Invalid value "{"1":"y","2":"x","b":[1,null]}" supplied to "owner"',
        id="object-as-json-stringify",
    ),
    pytest.param(
        {"closure_type": "foo"}, 'Invalid value "foo" supplied to "closure_type"', id="literal"
    ),
    pytest.param(
        {"connector": {**CONNECTOR, "type": ".nope"}},
        'Invalid value ".nope" supplied to "connector,type"',
        id="nested-path",
    ),
    pytest.param(
        {"connector": [CONNECTOR]},
        'Invalid value "[{"id":"none","type":".none","fields":null}]" supplied to "connector"',
        id="array-for-object",
    ),
    pytest.param(
        {"connector": {**CONNECTOR, "fields": {"a": 1}}},
        # `X | None` is io-ts's union([X, null]): both members report.
        'Invalid value "1" supplied to "connector,fields,a",'
        'Invalid value "{"a":1}" supplied to "connector,fields"',
        id="mapping-value",
    ),
    pytest.param(
        {"owner": MISSING, "closure_type": MISSING, "connector": MISSING},
        'Invalid value "undefined" supplied to "owner",'
        'Invalid value "undefined" supplied to "closure_type",'
        'Invalid value "undefined" supplied to "connector"',
        id="every-error-joined-with-commas",
    ),
    pytest.param(
        {"customFields": [text_field(key=1), text_field(key=2)]},
        'Invalid value "1" supplied to "customFields,key",'
        'Invalid value "2" supplied to "customFields,key"',
        id="array-indices-left-out-of-the-path",
    ),
    pytest.param(
        {"customFields": [text_field(label=1), text_field(label=1)]},
        'Invalid value "1" supplied to "customFields,label"',
        id="duplicates-removed",
    ),
    pytest.param(
        {"customFields": [text_field(label="   ")]},
        "The label field cannot be an empty string.",
        id="blank-text",
    ),
    pytest.param(
        {"customFields": [text_field(label="")]},
        "The label field cannot be an empty string.",
        id="empty-text",
    ),
    pytest.param(
        {"customFields": [text_field(label="x" * 51)]},
        "The length of the label is too long. The maximum length is 50.",
        id="text-too-long",
    ),
    pytest.param(
        # JavaScript measures UTF-16 code units: 26 emoji are 52.
        {"customFields": [text_field(label="\U0001f600" * 26)]},
        "The length of the label is too long. The maximum length is 50.",
        id="emoji-text-too-long",
    ),
    pytest.param(
        {"customFields": [text_field(defaultValue=" ab ")]},
        "The length of the defaultValue is too short. The minimum length is 3.,"
        'Invalid value " ab " supplied to "customFields,defaultValue"',
        id="text-too-short",
    ),
    pytest.param(
        {"customFields": [text_field(key=str(i)) for i in range(11)]},
        "The length of the field customFields is too long. Array must be of length <= 10.",
        id="array-too-long",
    ),
    pytest.param(
        # The elements are checked first; the length only when they are valid.
        {"customFields": [text_field(key=1)] + [text_field()] * 10},
        'Invalid value "1" supplied to "customFields,key"',
        id="array-elements-before-length",
    ),
    pytest.param(
        {"customFields": [{"type": "date", "key": "k", "label": "L"}]},
        # Tagged members make io-ts's tagged union: an unknown tag is one error on the whole.
        'Invalid value "{"type":"date","key":"k","label":"L"}" supplied to "customFields"',
        id="tagged-union-unknown-tag",
    ),
    pytest.param(
        {"customFields": [{"key": "k", "label": 1}]},
        'Invalid value "{"key":"k","label":1}" supplied to "customFields"',
        id="tagged-union-without-tag",
    ),
    pytest.param(
        {"customFields": [{"type": "number", "key": "k", "label": "L", "defaultValue": "1"}]},
        # Only the member the tag names reports; its two messages are the same one.
        'Invalid value "1" supplied to "customFields,defaultValue"',
        id="tagged-union-member-named-by-the-tag",
    ),
    pytest.param(
        {"labels": {"12": "x", " ": "x", "1.0": "x", "1e3": "x", "-4": "x", "1.5": "x", "a": "y"}},
        'Invalid value "x" supplied to "labels",'
        'Invalid value "x" supplied to "labels,1.5",'
        'Invalid value "y" supplied to "labels,a"',
        id="integer-like-keys-left-out-of-the-path",
    ),
]


@pytest.mark.parametrize(("change", "message"), IO_TS)
def test_io_ts_messages(change: dict[str, Any], message: str) -> None:
    body = {key: value for key, value in {**BASE, **change}.items() if value is not MISSING}
    assert io_ts(body) == message


@pytest.mark.parametrize("value", [MAX, -MAX, 0, 1.0, -(2**52) + 0.0])
def test_safe_integer_bounds_accepted(value: float) -> None:
    field = {"type": "number", "key": "n", "label": "L", "defaultValue": value}
    decoded = validate(Configuration, {**BASE, "customFields": [field]})
    assert decoded.customFields == [NumberField(key="n", label="L", defaultValue=int(value))]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (MAX + 1, "9007199254740992"),
        (-(MAX + 1), "-9007199254740992"),
        (2**64, "18446744073709552000"),
        (1.5, "1.5"),
        (-0.5, "-0.5"),
        (1e300, "1e+300"),
    ],
)
def test_safe_integer_beyond_bounds_refused(value: float, shown: str) -> None:
    field = {"type": "number", "key": "n", "label": "L", "defaultValue": value}
    # The number fails the safe-integer codec, then the null member of the union.
    assert io_ts({**BASE, "customFields": [field]}) == (
        f'{SAFE_MESSAGE},Invalid value "{shown}" supplied to "customFields,defaultValue"'
    )


def test_text_lengths_at_the_limits_are_accepted() -> None:
    fields = [
        text_field(label="x" * 50),
        text_field(label=f"  {'x' * 50}\t"),
        text_field(label="\U0001f600" * 25),
        text_field(defaultValue="abc"),
    ]
    decoded = validate(Configuration, {**BASE, "customFields": fields})
    assert decoded.customFields is not UNSET
    assert [field.label for field in decoded.customFields] == [
        "x" * 50,
        f"  {'x' * 50}\t",
        "\U0001f600" * 25,
        "Label",
    ]


UNKNOWN_KEYS = [
    pytest.param({"foo": 1}, 'invalid keys "foo"', id="top-level"),
    pytest.param({"foo": {"a": 1}}, 'invalid keys "foo,{"a":1}"', id="object-value"),
    pytest.param({"foo": [1, {"a": 1}]}, 'invalid keys "foo,[1,{"a":1}]"', id="array-value"),
    pytest.param(
        {"connector": {**CONNECTOR, "foo": None}}, 'invalid keys "foo"', id="nested-object"
    ),
    pytest.param(
        {"customFields": [text_field(), text_field(bar=True)]},
        'invalid keys "bar"',
        id="in-array-element",
    ),
    pytest.param(
        # Kibana's findDifferencesRecursive keeps duplicates, in Object.keys order.
        {"connector": {**CONNECTOR, "foo": 1}, "foo": 2, "1": 3},
        'invalid keys "1,foo,foo"',
        id="duplicates-kept",
    ),
]


@pytest.mark.parametrize(("change", "message"), UNKNOWN_KEYS)
def test_unknown_keys_at_any_depth(change: dict[str, Any], message: str) -> None:
    assert io_ts({**BASE, **change}) == message


def test_unknown_keys_are_reported_only_when_the_rest_is_valid() -> None:
    assert io_ts({**BASE, "foo": 1, "owner": 1}) == 'Invalid value "1" supplied to "owner"'


# --- config-schema ----------------------------------------------------------------


class Item(RequestStruct):
    name: Annotated[str, Text("name", min=1, max=3, trim=False)]
    enabled: bool = False


class Space(RequestStruct):
    id: str
    items: Annotated[list[Item], Items("items", max=2)] = msgspec.field(default_factory=list)
    kind: Literal["es"] | UnsetType = UNSET
    solution: Literal["es", "oblt"] | UnsetType = UNSET
    count: int | UnsetType = UNSET
    reserved: bool | UnsetType = msgspec.field(default=UNSET, name="_reserved")


CONFIG_SCHEMA = [
    pytest.param({}, "[request body.id]: expected value of type [string] but got [undefined]"),
    pytest.param({"id": None}, "[request body.id]: expected value of type [string] but got [null]"),
    pytest.param(
        {"id": "a", "foo": 1, "bar": 2}, "[request body.foo]: definition for this key is missing"
    ),
    pytest.param(
        {"id": 1, "foo": 1},
        "[request body.id]: expected value of type [string] but got [number]",
        id="first-error-only",
    ),
    pytest.param(
        {"id": "a", "items": [{"name": "a"}, {"name": ""}]},
        "[request body.items.1.name]: value has length [0] but it must have a minimum length"
        " of [1].",
    ),
    pytest.param(
        {"id": "a", "items": [{"name": " \U0001f600 "}]},
        "[request body.items.0.name]: value has length [4] but it must have a maximum length"
        " of [3].",
        id="length-in-utf16-units-untrimmed",
    ),
    pytest.param(
        {"id": "a", "items": [{"name": "a", "enabled": "true"}]},
        "[request body.items.0.enabled]: expected value of type [boolean] but got [string]",
    ),
    pytest.param(
        {"id": "a", "items": [{"name": "a"}] * 3},
        "[request body.items]: array size is [3], but cannot be greater than [2]",
    ),
    pytest.param(
        {"id": "a", "items": {"name": "a"}},
        "[request body.items]: expected value of type [array] but got [Object]",
    ),
    pytest.param(
        {"id": "a", "items": [[]]},
        "[request body.items.0]: expected a plain object value, but found [Array] instead.",
    ),
    pytest.param(
        {"id": "a", "items": [{"name": "a", "x": {}}]},
        "[request body.items.0.x]: definition for this key is missing",
    ),
    pytest.param(
        {"id": "a", "kind": "x"}, "[request body.kind]: expected value to equal [es] but got [x]"
    ),
    pytest.param(
        {"id": "a", "solution": {"a": 1}},
        "[request body.solution]: types that failed validation:\n"
        '- [request body.solution.0]: expected value to equal [es] but got [{"a":1}]\n'
        '- [request body.solution.1]: expected value to equal [oblt] but got [{"a":1}]',
    ),
    pytest.param(
        {"id": "a", "count": "1"},
        "[request body.count]: expected value of type [number] but got [string]",
    ),
    pytest.param(
        {"id": "a", "_reserved": 1},
        "[request body._reserved]: expected value of type [boolean] but got [number]",
    ),
]


@pytest.mark.parametrize(("body", "message"), CONFIG_SCHEMA)
def test_config_schema_messages(body: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        validate(Space, body, style="config-schema")
    assert caught.value.message == message


def test_config_schema_valid_body() -> None:
    body = {"id": "a", "items": [{"name": "abc", "enabled": True}], "count": 2.0, "_reserved": True}
    assert validate(Space, body, style="config-schema") == Space(
        id="a", items=[Item(name="abc", enabled=True)], count=2, reserved=True
    )


# --- query strings ------------------------------------------------------------------


class Query(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    page: int = 1
    perPage: int = 20
    tags: list[str] | str | UnsetType = UNSET
    flag: bool = False


def test_query_values_make_a_repeated_key_an_array() -> None:
    items = [("tags", "a"), ("page", "2"), ("tags", "b"), ("tags", "a"), ("flag", "")]
    assert query_values(items) == {"tags": ["a", "b", "a"], "page": "2", "flag": ""}
    assert query_values([]) == {}


@pytest.mark.parametrize("style", ["io-ts", "config-schema"])
def test_query_numbers_and_booleans_are_read_from_text(style: Style) -> None:
    values = query_values([("page", "2"), ("perPage", " 1e2 "), ("tags", "a"), ("flag", "true")])
    decoded = validate(Query, values, style=style, where="request query")
    assert decoded == Query(page=2, perPage=100, tags="a", flag=True)
    values = query_values([("tags", "a"), ("tags", "b")])
    assert validate(Query, values, style=style, where="request query").tags == ["a", "b"]


@pytest.mark.parametrize(
    ("style", "message"),
    [
        ("io-ts", 'Invalid value "two" supplied to "page"'),
        ("config-schema", "[request query.page]: expected value of type [number] but got [string]"),
    ],
)
def test_query_text_that_is_not_a_number_is_refused(style: Style, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        validate(Query, {"page": "two"}, style=style, where="request query")
    assert caught.value.message == message


def test_query_unknown_key_in_config_schema() -> None:
    with pytest.raises(BadRequest) as caught:
        validate(Query, {"zzz": "1"}, style="config-schema", where="request query")
    assert caught.value.message == "[request query.zzz]: definition for this key is missing"


# --- bodies and values --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a":1}', {"a": 1}),
        (b' \n{"a":[1,{"b":null}]}\n', {"a": [1, {"b": None}]}),
        (b'{"a":1,"a":2}', {"a": 2}),
        (b'{"__proto":1}', {"__proto": 1}),
        (b'{"a":"\xff"}', {"a": "\ufffd"}),
    ],
)
def test_parse_json_object(raw: bytes, expected: dict[str, Any]) -> None:
    assert parse_json_object(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "[request body]: expected a plain object value, but found [null] instead."),
        (b"[]", "[request body]: expected a plain object value, but found [Array] instead."),
        (b'"{}"', "[request body]: expected a plain object value, but found [string] instead."),
        (b"0", "[request body]: expected a plain object value, but found [number] instead."),
        (b"false", "[request body]: expected a plain object value, but found [boolean] instead."),
        (b" ", "Invalid request payload JSON format"),
        (b"{", "Invalid request payload JSON format"),
        (b"{\xff}", "Invalid request payload JSON format"),
        (b'{"a":NaN}', "Invalid request payload JSON format"),
        (b'{"a":{"__proto__":null}}', "Invalid request payload JSON format"),
    ],
)
def test_parse_json_object_refuses(raw: bytes, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_json_object(raw)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (False, "false"),
        (0, "0"),
        (-0.0, "0"),
        (100.0, "100"),
        (0.1, "0.1"),
        (0.000001, "0.000001"),
        (1.5e-7, "1.5e-7"),
        (1e21, "1e+21"),
        (123456789012345680000.0, "123456789012345680000"),
        (2**53 + 1, "9007199254740992"),
        ("text", "text"),
        ([1, "a", None], '[1,"a",null]'),
        ({"é": "\n"}, '{"é":"\\n"}'),
        # Array indices first, ascending; "²" and "٣" are names to JavaScript.
        ({"b": 1, "2": 2, "\u00b2": 3, "1": 4, "\u0663": 5}, '{"1":4,"2":2,"b":1,"²":3,"٣":5}'),
    ],
)
def test_js_string(value: Any, shown: str) -> None:
    assert js_string(value) == shown
