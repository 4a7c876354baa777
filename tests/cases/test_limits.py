"""Every limit of creating and updating cases at its edge, with Kibana's messages.

Each edge is a pair: the largest allowed value is accepted and one more is refused (400,
Kibana's exact message), the refusal changing no table. The limits are Kibana's constants
(x-pack/platform/plugins/shared/cases/common/constants/index.ts) and its codecs'
messages (common/schema/index.ts: limitedStringSchema, limitedArraySchema): lengths count
the trimmed string in UTF-16 code units. A nullable field (`category`, a text custom field's
`value`) is an io-ts union with null, whose message follows the limit's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    BULK_GET_URL,
    CASES_URL,
    case_request,
    create_case,
    delete_cases,
    refused,
    update_cases,
)
from tests.configure.conftest import configuration_request, create_configuration


@dataclass(frozen=True)
class Limit:
    """A case field at its limit: the largest value allowed, one more, and the refusal."""

    name: str
    field: str
    largest: Any
    too_large: Any
    message: str

    def refusal(self, prefix: str) -> str:
        """The message, its io-ts paths (`"category"`) under `prefix` (`cases,` for PATCH)."""
        return self.message.replace('supplied to "', f'supplied to "{prefix}')


def custom_field(index: int, value: Any = None) -> dict[str, Any]:
    """A text custom field value, of the configured field `field_<index>`."""
    return {"key": f"field_{index}", "type": "text", "value": value}


CATEGORY = "c" * 51
TEXT_VALUE = "v" * 161

LIMITS = [
    Limit(
        "title 160",
        "title",
        "t" * 160,
        "t" * 161,
        "The length of the title is too long. The maximum length is 160.",
    ),
    Limit(
        "title 160 UTF-16 code units",
        "title",
        "\N{GRINNING FACE}" * 80,
        "\N{GRINNING FACE}" * 80 + "t",
        "The length of the title is too long. The maximum length is 160.",
    ),
    Limit(
        "description 30000",
        "description",
        "d" * 30000,
        "d" * 30001,
        "The length of the description is too long. The maximum length is 30000.",
    ),
    Limit(
        "tags 200 per case",
        "tags",
        [f"tag {index}" for index in range(200)],
        [f"tag {index}" for index in range(201)],
        "The length of the field tags is too long. Array must be of length <= 200.",
    ),
    Limit(
        "tag length 256",
        "tags",
        ["g" * 256],
        ["g" * 257],
        "The length of the tag is too long. The maximum length is 256.",
    ),
    Limit(
        "category 50",
        "category",
        "c" * 50,
        CATEGORY,
        "The length of the category is too long. The maximum length is 50.,"
        f'Invalid value "{CATEGORY}" supplied to "category"',
    ),
    Limit(
        "assignees 10",
        "assignees",
        [{"uid": f"u_{index}"} for index in range(10)],
        [{"uid": f"u_{index}"} for index in range(11)],
        "The length of the field assignees is too long. Array must be of length <= 10.",
    ),
    Limit(
        "customFields 10 per case",
        "customFields",
        [custom_field(index, "a value") for index in range(10)],
        [custom_field(index, "a value") for index in range(11)],
        "The length of the field customFields is too long. Array must be of length <= 10.",
    ),
    Limit(
        "custom text value 160",
        "customFields",
        [custom_field(0, "v" * 160)],
        [custom_field(0, TEXT_VALUE)],
        "The length of the value is too long. The maximum length is 160.,"
        f'Invalid value "{TEXT_VALUE}" supplied to "customFields,value"',
    ),
]


def stored_as_sent(stored: Any, sent: Any) -> bool:
    """Whether a case holds the value sent (custom fields: then the configured ones left out)."""
    if isinstance(sent, list) and sent and "key" in sent[0]:
        return bool(stored[: len(sent)] == sent)
    return bool(stored == sent)


@pytest.fixture
async def configured(client: httpx.AsyncClient) -> None:
    """securitySolution's configuration: ten optional text custom fields, field_0 to field_9."""
    fields = [
        {"key": f"field_{index}", "label": f"Field {index}", "type": "text", "required": False}
        for index in range(10)
    ]
    await create_configuration(client, configuration_request(customFields=fields))


@pytest.mark.parametrize("limit", LIMITS, ids=[limit.name for limit in LIMITS])
async def test_create_accepts_a_field_at_its_limit(
    client: httpx.AsyncClient, configured: None, limit: Limit
) -> None:
    """POST /api/cases with the largest value Kibana allows: stored as sent."""
    case = await create_case(client, case_request(**{limit.field: limit.largest}))

    assert stored_as_sent(case[limit.field], limit.largest)


@pytest.mark.parametrize("limit", LIMITS, ids=[limit.name for limit in LIMITS])
async def test_create_refuses_one_more_and_stores_nothing(
    client: httpx.AsyncClient, db: Database, configured: None, limit: Limit
) -> None:
    """POST /api/cases one past the limit: Kibana's 400, nothing stored."""
    await refused(
        client,
        db,
        "POST",
        CASES_URL,
        400,
        limit.refusal(""),
        json=case_request(**{limit.field: limit.too_large}),
    )


@pytest.mark.parametrize("limit", LIMITS, ids=[limit.name for limit in LIMITS])
async def test_update_accepts_a_field_at_its_limit(
    client: httpx.AsyncClient, configured: None, limit: Limit
) -> None:
    """PATCH /api/cases with the largest value Kibana allows: stored as sent."""
    case = await create_case(client)

    patched = await update_cases(
        client, [{"id": case["id"], "version": case["version"], limit.field: limit.largest}]
    )

    assert stored_as_sent(patched[0][limit.field], limit.largest)


@pytest.mark.parametrize("limit", LIMITS, ids=[limit.name for limit in LIMITS])
async def test_update_refuses_one_more_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, configured: None, limit: Limit
) -> None:
    """PATCH /api/cases one past the limit: Kibana's 400 (paths under `cases`), no change."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "PATCH",
        CASES_URL,
        400,
        limit.refusal("cases,"),
        json={
            "cases": [{"id": case["id"], "version": case["version"], limit.field: limit.too_large}]
        },
    )


async def test_text_is_measured_trimmed(client: httpx.AsyncClient) -> None:
    """limitedStringSchema checks `s.trim()`: 160 characters between spaces are allowed."""
    case = await create_case(client, case_request(title=f"  {'t' * 160}  "))

    assert case["title"] == "t" * 160


# --- how many cases one request may name ------------------------------------------------------


async def test_a_patch_of_100_cases_is_accepted(client: httpx.AsyncClient) -> None:
    """MAX_CASES_TO_UPDATE: 100 cases in one PATCH."""
    cases = [await create_case(client) for _ in range(100)]

    patched = await update_cases(
        client, [{"id": case["id"], "version": case["version"], "title": "new"} for case in cases]
    )

    assert [(case["id"], case["title"]) for case in patched] == [
        (case["id"], "new") for case in cases
    ]


async def test_a_patch_of_101_cases_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """MAX_CASES_TO_UPDATE + 1 (patch_cases.ts: it('400s when trying to update too many
    cases'), with cases that exist)."""
    cases = [await create_case(client) for _ in range(101)]

    await refused(
        client,
        db,
        "PATCH",
        CASES_URL,
        400,
        "The length of the field cases is too long. Array must be of length <= 100.",
        json={
            "cases": [
                {"id": case["id"], "version": case["version"], "title": "new"} for case in cases
            ]
        },
    )


async def test_a_delete_of_100_ids_is_accepted(client: httpx.AsyncClient, db: Database) -> None:
    """MAX_DELETE_IDS_LENGTH: 100 ids in one DELETE."""
    cases = [await create_case(client) for _ in range(100)]

    await delete_cases(client, [case["id"] for case in cases])

    row = await db.fetch_one("SELECT count(*) AS total FROM cases")
    assert row is not None
    assert row["total"] == 0


async def test_a_delete_of_101_ids_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """MAX_DELETE_IDS_LENGTH + 1: the client's codec (CasesDeleteRequestRt) refuses it."""
    cases = [await create_case(client) for _ in range(101)]

    await refused(
        client,
        db,
        "DELETE",
        CASES_URL,
        400,
        "The length of the field ids is too long. Array must be of length <= 100.",
        params={"ids": json.dumps([case["id"] for case in cases])},
    )


async def test_a_bulk_get_of_1000_ids_is_accepted(client: httpx.AsyncClient) -> None:
    """MAX_BULK_GET_CASES: 1000 ids in one _bulk_get (each unknown id an error entry)."""
    case = await create_case(client)
    ids = [case["id"], *(f"missing-{index}" for index in range(999))]

    response = await client.post(BULK_GET_URL, json={"ids": ids})

    assert response.status_code == 200
    found = response.json()
    assert (found["cases"], len(found["errors"])) == ([case], 999)


async def test_a_bulk_get_of_1001_ids_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """MAX_BULK_GET_CASES + 1 (bulk_get_cases.ts: it('400s when requesting more than 1000
    cases'))."""
    await refused(
        client,
        db,
        "POST",
        BULK_GET_URL,
        400,
        "The length of the field ids is too long. Array must be of length <= 1000.",
        json={"ids": [f"id-{index}" for index in range(1001)]},
    )
