"""Properties of POST and PATCH /api/cases over generated bodies (hypothesis).

- Any valid case (every connector type, the three owners, titles, descriptions, tags and
  categories at and inside their limits, up to 10 assignees) is created, and read back by
  GET as sent (trimmed as Kibana trims), with Kibana's defaults.
- Any valid change of such a case (a subset of its fields) is stored and read back.
- One mutation of a valid body (a limit exceeded, a wrong type, an unknown key, a missing
  key) is refused with Kibana's message, and changes nothing stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencases.db import Database
from tests.configure.conftest import ELASTIC
from tests.configure.test_properties import (
    CONNECTOR,
    JS_WHITESPACE,
    OWNERS,
    SAFE_INTEGER,
    invalid,
    limited_text,
    text,
)
from tests.conftest import snapshot

# Hypothesis's deep call stacks under coverage's tracer double the time; the example tests
# reach the same code.
pytestmark = pytest.mark.no_cover

URL = "/api/cases"
ABSENT = object()
SEVERITIES = ["low", "medium", "high", "critical"]
TITLE = limited_text(1, 160)
DESCRIPTION = st.one_of(
    limited_text(1, 160), st.sampled_from(["d" * 30000, " " + "d" * 30000 + " "])
)
TAG = limited_text(1, 256)
TAGS = st.one_of(st.lists(TAG, max_size=5), st.just([f"tag {i}" for i in range(200)]))
CATEGORY = st.none() | limited_text(1, 50)
ASSIGNEES = st.lists(st.fixed_dictionaries({"uid": text(min_size=1, max_size=20)}), max_size=10)


def trim(value: str) -> str:
    """JavaScript's String.prototype.trim()."""
    return value.strip(JS_WHITESPACE)


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid POST /api/cases body."""
    body: dict[str, Any] = {
        "title": draw(TITLE),
        "description": draw(DESCRIPTION),
        "tags": draw(TAGS),
        "connector": draw(CONNECTOR),
        "settings": {"syncAlerts": draw(st.booleans())},
        "owner": draw(st.sampled_from(OWNERS)),
    }
    for key, values in (
        ("severity", st.sampled_from(SEVERITIES)),
        ("category", CATEGORY),
        ("assignees", ASSIGNEES),
    ):
        value = draw(st.just(ABSENT) | values)
        if value is not ABSENT:
            body[key] = value
    return body


@st.composite
def valid_changes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid change of a case: one or more of its fields, new values."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "title": TITLE,
        "description": DESCRIPTION,
        "tags": TAGS,
        "connector": CONNECTOR,
        "settings": st.fixed_dictionaries({"syncAlerts": st.booleans()}),
        "severity": st.sampled_from(SEVERITIES),
        "category": CATEGORY,
        "assignees": ASSIGNEES,
        "status": st.sampled_from(["open", "in-progress", "closed"]),
    }
    names = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, unique=True))
    return {name: draw(fields[name]) for name in names}


def as_stored(body: dict[str, Any]) -> dict[str, Any]:
    """The fields of a request as a case holds them: texts and tags trimmed."""
    stored = dict(body)
    for key in ("title", "description"):
        if key in stored:
            stored[key] = trim(stored[key])
    if "tags" in stored:
        stored["tags"] = [trim(tag) for tag in stored["tags"]]
    if stored.get("category") is not None:
        stored["category"] = trim(stored["category"])
    if "assignees" in stored:
        # Kibana keeps each assignee once, and none without a uid.
        uids = dict.fromkeys(item["uid"] for item in stored["assignees"] if item["uid"])
        stored["assignees"] = [{"uid": uid} for uid in uids]
    return stored


def same(value: Any, stored: Any) -> bool:
    """Whether Kibana sees a sent value as the stored one: lists as sets (getCaseToUpdate)."""
    if isinstance(value, list) and isinstance(stored, list):
        key = partial(json.dumps, sort_keys=True)
        return {key(item) for item in value} == {key(item) for item in stored}
    return bool(value == stored)


# --- one mutation of a valid body ---------------------------------------------------------

Mutation = Callable[[st.DrawFn, dict[str, Any]], str]


def limit_exceeded(draw: st.DrawFn, body: dict[str, Any]) -> str:
    """Go one past a limit of Kibana's CasePostRequestRt."""
    choices = [
        ("title", "t" * 161, "The length of the title is too long. The maximum length is 160."),
        (
            "description",
            "d" * 30001,
            "The length of the description is too long. The maximum length is 30000.",
        ),
        (
            "tags",
            [f"t{i}" for i in range(201)],
            "The length of the field tags is too long. Array must be of length <= 200.",
        ),
        ("tags", ["g" * 257], "The length of the tag is too long. The maximum length is 256."),
        (
            "category",
            "c" * 51,
            "The length of the category is too long. The maximum length is 50.,"
            + invalid("c" * 51, "category"),
        ),
        (
            "assignees",
            [{"uid": f"u{i}"} for i in range(11)],
            "The length of the field assignees is too long. Array must be of length <= 10.",
        ),
        ("title", " \n ", "The title field cannot be an empty string."),
    ]
    key, value, message = draw(st.sampled_from(choices))
    body[key] = value
    return message


def unknown_key(draw: st.DrawFn, body: dict[str, Any]) -> str:
    """Add a key Kibana does not know, to the body, its settings or its connector."""
    target = draw(st.sampled_from([body, body["settings"], body["connector"]]))
    target["foo"] = draw(st.none() | st.booleans() | SAFE_INTEGER | text(max_size=10))
    return 'invalid keys "foo"'


def missing_key(draw: st.DrawFn, body: dict[str, Any]) -> str:
    """Remove a required key."""
    key = draw(st.sampled_from(["title", "description", "tags", "connector", "settings", "owner"]))
    del body[key]
    return invalid("undefined", key)


def wrong_type(draw: st.DrawFn, body: dict[str, Any]) -> str:
    """Give a field a value of another type."""
    key, value = draw(
        st.sampled_from(
            [
                ("title", 1),
                ("tags", "a tag"),
                ("settings", True),
                ("owner", None),
                ("severity", "urgent"),
                ("assignees", {}),
            ]
        )
    )
    body[key] = value
    return invalid(value, key)


MUTATIONS: list[Mutation] = [limit_exceeded, unknown_key, missing_key, wrong_type]


@st.composite
def invalid_bodies(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid body with one mutation, and Kibana's message for the mutation."""
    body = json.loads(json.dumps(draw(valid_bodies())))
    message = draw(st.sampled_from(MUTATIONS))(draw, body)
    return body, message


# --- the properties -----------------------------------------------------------------------

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def expected_case(request: dict[str, Any]) -> dict[str, Any]:
    """What GET answers for a case created from `request`, but its server fields."""
    return {
        "severity": "low",
        "category": None,
        "assignees": [],
        **as_stored(request),
        "status": "open",
        "customFields": [],
        "observables": [],
        "duration": None,
        "closed_at": None,
        "closed_by": None,
        "created_by": ELASTIC,
        "updated_at": None,
        "updated_by": None,
        "external_service": None,
        "totalComment": 0,
        "totalAlerts": 0,
    }


def without_server_fields(case: dict[str, Any]) -> dict[str, Any]:
    """A case without id, version, number and timestamps."""
    ignored = {"id", "version", "incremental_id", "created_at"}
    return {key: value for key, value in case.items() if key not in ignored}


@SETTINGS
@given(request=valid_bodies())
async def test_a_valid_case_is_stored_as_sent(
    client: httpx.AsyncClient, request: dict[str, Any]
) -> None:
    posted = await client.post(URL, json=request)
    assert posted.status_code == 200, posted.text

    found = await client.get(f"{URL}/{posted.json()['id']}")

    assert found.status_code == 200, found.text
    assert found.json() == {k: v for k, v in posted.json().items() if k != "comments"}
    assert without_server_fields(found.json()) == expected_case(request)


@SETTINGS
@given(request=valid_bodies(), change=valid_changes())
async def test_a_valid_change_is_stored_as_sent(
    client: httpx.AsyncClient, request: dict[str, Any], change: dict[str, Any]
) -> None:
    case = (await client.post(URL, json=request)).json()
    patch = {"id": case["id"], "version": case["version"], **change}

    patched = await client.patch(URL, json={"cases": [patch]})

    # Kibana compares the values as sent (untrimmed) with the stored ones.
    stored = {**expected_case(request), "status": "open"}
    sent = {**change, **{k: as_stored(change)[k] for k in ("assignees",) if k in change}}
    changed = [key for key, value in sent.items() if not same(value, stored.get(key))]
    if not changed:
        assert patched.status_code == 406, patched.text
        return
    assert patched.status_code == 200, patched.text
    found = (await client.get(f"{URL}/{case['id']}")).json()
    assert {key: found[key] for key in changed} == {key: as_stored(change)[key] for key in changed}
    assert found["updated_by"] == ELASTIC
    assert (found["closed_at"] is None) == (found["status"] != "closed")


@SETTINGS
@given(case=invalid_bodies())
async def test_an_invalid_case_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, case: tuple[dict[str, Any], str]
) -> None:
    body, message = case
    before = await snapshot(db)

    response = await client.post(URL, json=body)

    assert response.status_code == 400, response.text
    assert response.json() == {"statusCode": 400, "error": "Bad Request", "message": message}
    assert await snapshot(db) == before
