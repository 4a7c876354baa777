"""A case's observables: Kibana's observables.ts, ported, and OpenCases' own tests.

x-pack/platform/test/cases_api_integration/security_and_spaces/tests/trial/internal/
observables.ts (POST/PATCH/DELETE /internal/cases/{case_id}/observables[/{id}]). Kibana
asserts only statuses; the messages here are read against Kibana's observables client
(server/client/cases/observables.ts, its unit tests) and its io-ts codecs: every failure
inside the client is re-thrown as a 400 under the operation's prefix.

Skipped: licensing (the suite runs under a trial license; OpenCases has no licenses),
and the newest main's bulk-delete route (not in Kibana 9). `_bulk_create` has no Kibana
integration test: its tests here are OpenCases' own, after applyObservablesToCase.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from opencases.db import Database
from tests.cases.conftest import (
    CASES_URL,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    get_case,
    refused,
    space_prefix,
    unchanged,
    user_actions,
)
from tests.configure.conftest import KibanaUsers, configuration_request, create_configuration

IPV4 = "observable-type-ipv4"
MAX_OBSERVABLES = 50
ADD_PREFIX = "Failed to add observable: Error: "
UPDATE_PREFIX = "Failed to update observable: Error: "


def observables_url(case_id: str, *, space: str | None = None) -> str:
    """The internal observables route of a case."""
    return f"{space_prefix(space)}/internal/cases/{case_id}/observables"


def observable(
    value: str = "127.0.0.1", type_key: str = IPV4, description: str | None = ""
) -> dict[str, Any]:
    """An observable of a request (Kibana's ObservablePostRt)."""
    return {"typeKey": type_key, "value": value, "description": description}


async def add_observable(
    client: httpx.AsyncClient,
    case_id: str,
    body: dict[str, Any] | None = None,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's addObservable: POST {observable}, expect 200, return the case."""
    response = await client.post(
        observables_url(case_id, space=space),
        json={"observable": observable() if body is None else body},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def update_observable(
    client: httpx.AsyncClient, case_id: str, observable_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Kibana's updateObservable: PATCH {observable}, expect 200, return the case."""
    response = await client.patch(
        f"{observables_url(case_id)}/{observable_id}", json={"observable": body}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def bulk_add(
    client: httpx.AsyncClient, case_id: str, observables: list[dict[str, Any]]
) -> dict[str, Any]:
    """POST {observables} to _bulk_create, expect 200, return the case."""
    response = await client.post(
        f"{observables_url(case_id)}/_bulk_create", json={"observables": observables}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def stored(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """A requested observable as the case holds it: with the id and times it was given."""
    assert isinstance(answer["id"], str)
    assert answer["id"]
    assert isinstance(answer["createdAt"], str)
    assert isinstance(answer["updatedAt"], str)
    return {
        **request,
        "id": answer["id"],
        "createdAt": answer["createdAt"],
        "updatedAt": answer["updatedAt"],
    }


def answered(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """How the observables routes answer a case: its fields, no comments, zero totals
    (Kibana's flattenCaseSavedObject defaults), `updated_at`/`updated_by` untouched."""
    return {**case, "comments": [], "totalComment": 0, "totalAlerts": 0, **changes}


def observables_action(count: int, action_type: str) -> dict[str, Any]:
    """The user action each change of a case's observables writes."""
    return {
        "type": "observables",
        "action": "create",
        "created_by": ELASTIC,
        "owner": SECURITY,
        "payload": {"observables": {"count": count, "actionType": action_type}},
        "comment_id": None,
    }


def ipv4(n: int) -> str:
    """The n-th of distinct IPv4 addresses."""
    return f"10.0.{n // 256}.{n % 256}"


# --- add ----------------------------------------------------------------------------------


async def test_an_observable_is_added_to_a_case(client: httpx.AsyncClient) -> None:
    """observables.ts: it('can add an observable to a case')."""
    case = await create_case(client)
    assert case["observables"] == []

    updated = await add_observable(client, case["id"])

    [added] = updated["observables"]
    assert added["createdAt"] == added["updatedAt"]
    assert updated == answered(
        case, version=updated["version"], observables=[stored(observable(), added)]
    )
    assert updated["version"] != case["version"]
    assert (await get_case(client, case["id"]))["observables"] == updated["observables"]
    assert (await user_actions(client, case["id"]))[1:] == [observables_action(1, "add")]


async def test_the_answer_counts_no_attachment(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after Kibana's flattenCaseSavedObject: comments `[]` and zero
    totals, whatever the case holds."""
    case = await create_case(client)
    response = await client.post(
        f"{CASES_URL}/{case['id']}/comments",
        json={"type": "user", "comment": "a comment", "owner": SECURITY},
    )
    assert response.status_code == 200, response.text

    updated = await add_observable(client, case["id"])

    assert (updated["comments"], updated["totalComment"], updated["totalAlerts"]) == ([], 0, 0)


async def test_observables_are_appended_in_order(client: httpx.AsyncClient) -> None:
    """OpenCases' own: a description may be null; each new observable comes last."""
    case = await create_case(client)
    first = observable("10.0.0.1", description=None)
    second = observable("https://example.com/a?b=c", "observable-type-url", "a link")
    await add_observable(client, case["id"], first)

    updated = await add_observable(client, case["id"], second)

    [one, two] = updated["observables"]
    assert updated["observables"] == [stored(first, one), stored(second, two)]


async def test_an_invalid_value_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """observables.ts: it('can returns bad request when observable value does not pass
    validation')."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f'{ADD_PREFIX}Observable value "not ip actually" is not valid for selected observable'
        f" type {IPV4}.",
        json={"observable": observable("not ip actually")},
    )


async def test_an_unknown_type_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """observables.ts: it('returns bad request when using unknown observable type')."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f"{ADD_PREFIX}Invalid observable type, key does not exist: unknown type",
        json={"observable": observable("test", "unknown type")},
    )


async def test_a_duplicate_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after observables.test.ts: the same type and value twice."""
    case = await create_case(client)
    await add_observable(client, case["id"])

    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f"{ADD_PREFIX}Invalid duplicated observables in request.",
        json={"observable": observable(description="another description")},
    )


async def test_the_same_value_of_another_type_is_no_duplicate(client: httpx.AsyncClient) -> None:
    """OpenCases' own: a duplicate is the same type key and the same value."""
    case = await create_case(client)
    await add_observable(client, case["id"], observable("example.com", "observable-type-domain"))

    updated = await add_observable(
        client, case["id"], observable("example.com", "observable-type-hostname")
    )

    assert [o["typeKey"] for o in updated["observables"]] == [
        "observable-type-domain",
        "observable-type-hostname",
    ]


async def test_fifty_observables_are_accepted_and_the_51st_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after addObservable: `Max 50 observables per case is allowed.`"""
    case = await create_case(client)
    for n in range(MAX_OBSERVABLES):
        updated = await add_observable(client, case["id"], observable(ipv4(n)))
    assert [o["value"] for o in updated["observables"]] == [ipv4(n) for n in range(MAX_OBSERVABLES)]

    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f"{ADD_PREFIX}Max 50 observables per case is allowed.",
        json={"observable": observable(ipv4(MAX_OBSERVABLES))},
    )


async def test_an_unknown_case_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after addObservable: the case's not-found under the 400 prefix."""
    await refused(
        client,
        db,
        "POST",
        observables_url("fake-id"),
        400,
        f"{ADD_PREFIX}Saved object [cases/fake-id] not found",
        json={"observable": observable()},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'Invalid value "undefined" supplied to "observable"'),
        (
            {"observable": {"typeKey": IPV4, "description": ""}},
            'Invalid value "undefined" supplied to "observable,value"',
        ),
        (
            {"observable": {"typeKey": IPV4, "value": "127.0.0.1"}},
            'Invalid value "undefined" supplied to "observable,description"',
        ),
        (
            {"observable": {"value": "127.0.0.1", "description": None}},
            'Invalid value "undefined" supplied to "observable,typeKey"',
        ),
        (
            {"observable": {"typeKey": IPV4}},
            'Invalid value "undefined" supplied to "observable,value",'
            'Invalid value "undefined" supplied to "observable,description"',
        ),
        (
            {"observable": {**observable(), "value": 1}},
            'Invalid value "1" supplied to "observable,value"',
        ),
        ({"observable": {**observable(), "foo": 1}}, 'invalid keys "foo"'),
        ({"observable": observable(), "foo": 1}, 'invalid keys "foo"'),
    ],
    ids=[
        "no observable",
        "no value",
        "no description",
        "no type key",
        "neither value nor description",
        "a number",
        "an unknown key in the observable",
        "an unknown key beside it",
    ],
)
async def test_a_body_kibana_cannot_decode_is_refused(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """OpenCases' own, after AddObservableRequestRt (decodeWithExcessOrThrow)."""
    case = await create_case(client)

    await refused(
        client, db, "POST", observables_url(case["id"]), 400, f"{ADD_PREFIX}{message}", json=body
    )


# --- value validators (Kibana's common/observables/validators.ts) -----------------------


@pytest.mark.parametrize(
    ("type_key", "value"),
    [
        (IPV4, "192.168.68.1"),
        ("observable-type-ipv6", "2001:db8::1"),
        ("observable-type-ipv6", "::1"),
        ("observable-type-url", "https://example.com/path?q=1#frag"),
        ("observable-type-url", "ftp://files.example.com"),
        ("observable-type-domain", "example.com"),
        ("observable-type-domain", "sub.example.co.uk"),
        ("observable-type-email", "someone@example.com"),
        ("observable-type-hostname", "host-1.local"),
        ("observable-type-file-hash", "d41d8cd98f00b204e9800998ecf8427e"),
        ("observable-type-file-path", "/var/log/syslog"),
        ("observable-type-file-path", "C:\\Windows\\System32"),
    ],
)
async def test_a_valid_value_of_each_type_is_accepted(
    client: httpx.AsyncClient, type_key: str, value: str
) -> None:
    """OpenCases' own: the values each built-in type takes."""
    case = await create_case(client)

    updated = await add_observable(client, case["id"], observable(value, type_key))

    assert [(o["typeKey"], o["value"]) for o in updated["observables"]] == [(type_key, value)]


@pytest.mark.parametrize(
    ("type_key", "value"),
    [
        (IPV4, "256.0.0.1"),
        (IPV4, "2001:db8::1"),
        (IPV4, ""),
        ("observable-type-ipv6", "127.0.0.1"),
        ("observable-type-ipv6", "not an ip"),
        ("observable-type-url", "example.com"),
        ("observable-type-url", "https://"),
        ("observable-type-domain", "not a domain"),
        ("observable-type-domain", "localhost"),
        ("observable-type-email", "no-at-sign"),
        ("observable-type-email", "two@@example.com"),
        ("observable-type-hostname", "host name"),
        ("observable-type-file-hash", "abc$"),
        ("observable-type-file-path", "a path with spaces"),
    ],
)
async def test_an_invalid_value_of_each_type_is_refused(
    client: httpx.AsyncClient, db: Database, type_key: str, value: str
) -> None:
    """OpenCases' own: the values each built-in type refuses."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f'{ADD_PREFIX}Observable value "{value}" is not valid for selected observable type'
        f" {type_key}.",
        json={"observable": observable(value, type_key)},
    )


# --- custom types (the owner's configuration) -------------------------------------------


async def test_a_type_of_the_owners_configuration_is_accepted(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after getAvailableObservableTypesMap: the built-in types and the case
    owner's configured `observableTypes`, by key; any value of the generic characters."""
    case = await create_case(client)
    request = observable("some-value_1", "my-type")
    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f"{ADD_PREFIX}Invalid observable type, key does not exist: my-type",
        json={"observable": request},
    )
    await create_configuration(
        client, configuration_request(observableTypes=[{"key": "my-type", "label": "My type"}])
    )

    updated = await add_observable(client, case["id"], request)

    [added] = updated["observables"]
    assert updated["observables"] == [stored(request, added)]
    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f'{ADD_PREFIX}Observable value "a b" is not valid for selected observable type my-type.',
        json={"observable": observable("a b", "my-type")},
    )


async def test_a_type_of_another_owners_configuration_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own: the configuration read is the case owner's."""
    case = await create_case(client)
    await create_configuration(
        client,
        configuration_request(
            owner=OBSERVABILITY, observableTypes=[{"key": "my-type", "label": "My type"}]
        ),
    )

    await refused(
        client,
        db,
        "POST",
        observables_url(case["id"]),
        400,
        f"{ADD_PREFIX}Invalid observable type, key does not exist: my-type",
        json={"observable": observable("value", "my-type")},
    )


# --- update -------------------------------------------------------------------------------


async def test_an_observable_is_updated(client: httpx.AsyncClient) -> None:
    """observables.ts: it('updates an observable on a case')."""
    case = await create_case(client)
    created = (await add_observable(client, case["id"]))["observables"][0]

    updated = await update_observable(
        client, case["id"], created["id"], {"description": "", "value": "192.168.68.1"}
    )

    [changed] = updated["observables"]
    assert changed == {**created, "value": "192.168.68.1", "updatedAt": changed["updatedAt"]}
    assert changed["updatedAt"] >= created["createdAt"]
    assert updated == answered(case, version=updated["version"], observables=[changed])
    assert (await user_actions(client, case["id"]))[1:] == [
        observables_action(1, "add"),
        observables_action(1, "update"),
    ]


async def test_an_update_keeps_the_position_and_sets_the_description(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases' own: the observable stays where it was; the description may be null."""
    case = await create_case(client)
    await add_observable(client, case["id"], observable("10.0.0.1"))
    await add_observable(client, case["id"], observable("10.0.0.2"))
    before = (await add_observable(client, case["id"], observable("10.0.0.3")))["observables"]

    updated = await update_observable(
        client, case["id"], before[1]["id"], {"value": "10.0.0.9", "description": None}
    )

    after = updated["observables"]
    assert [o["value"] for o in after] == ["10.0.0.1", "10.0.0.9", "10.0.0.3"]
    assert after[1]["description"] is None
    assert (after[0], after[2]) == (before[0], before[2])


async def test_an_invalid_value_is_refused_on_update(
    client: httpx.AsyncClient, db: Database
) -> None:
    """observables.ts: it('returns bad request when observable value does not pass
    validation') (the existing type key's validator)."""
    case = await create_case(client)
    created = (await add_observable(client, case["id"]))["observables"][0]

    await refused(
        client,
        db,
        "PATCH",
        f"{observables_url(case['id'])}/{created['id']}",
        400,
        f'{UPDATE_PREFIX}Observable value "not ip" is not valid for selected observable type'
        f" {IPV4}.",
        json={"observable": {"description": "", "value": "not ip"}},
    )


async def test_an_update_to_a_duplicate_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after updateObservable's duplicate check."""
    case = await create_case(client)
    await add_observable(client, case["id"], observable("10.0.0.1"))
    second = (await add_observable(client, case["id"], observable("10.0.0.2")))["observables"][1]

    await refused(
        client,
        db,
        "PATCH",
        f"{observables_url(case['id'])}/{second['id']}",
        400,
        f"{UPDATE_PREFIX}Invalid duplicated observables in request.",
        json={"observable": {"description": "", "value": "10.0.0.1"}},
    )


async def test_an_unknown_observable_is_refused_on_update(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after updateObservable's not-found (a 404 re-thrown as a 400)."""
    case = await create_case(client)
    await add_observable(client, case["id"])

    await refused(
        client,
        db,
        "PATCH",
        f"{observables_url(case['id'])}/missing-id",
        400,
        f"{UPDATE_PREFIX}Failed to update observable: observable id missing-id not found",
        json={"observable": {"description": "", "value": "10.0.0.1"}},
    )


async def test_an_update_of_an_unknown_case_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after updateObservable."""
    await refused(
        client,
        db,
        "PATCH",
        f"{observables_url('fake-id')}/some-id",
        400,
        f"{UPDATE_PREFIX}Saved object [cases/fake-id] not found",
        json={"observable": {"description": "", "value": "10.0.0.1"}},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"observable": {"value": "10.0.0.1"}},
            'Invalid value "undefined" supplied to "observable,description"',
        ),
        (
            {"observable": {"value": "10.0.0.1", "description": "", "typeKey": IPV4}},
            'invalid keys "typeKey"',
        ),
    ],
    ids=["no description", "a type key"],
)
async def test_an_update_kibana_cannot_decode_is_refused(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """OpenCases' own, after UpdateObservableRequestRt: the type key cannot change."""
    case = await create_case(client)
    created = (await add_observable(client, case["id"]))["observables"][0]

    await refused(
        client,
        db,
        "PATCH",
        f"{observables_url(case['id'])}/{created['id']}",
        400,
        f"{UPDATE_PREFIX}{message}",
        json=body,
    )


# --- delete -------------------------------------------------------------------------------


async def test_an_observable_is_deleted(client: httpx.AsyncClient) -> None:
    """observables.ts: it('deletes an observable on a case')."""
    case = await create_case(client)
    created = (await add_observable(client, case["id"]))["observables"][0]

    response = await client.delete(f"{observables_url(case['id'])}/{created['id']}")

    assert (response.status_code, response.content) == (204, b"")
    assert (await get_case(client, case["id"]))["observables"] == []
    assert (await user_actions(client, case["id"]))[1:] == [
        observables_action(1, "add"),
        observables_action(1, "delete"),
    ]


async def test_only_the_deleted_observable_goes(client: httpx.AsyncClient) -> None:
    """OpenCases' own."""
    case = await create_case(client)
    await add_observable(client, case["id"], observable("10.0.0.1"))
    both = (await add_observable(client, case["id"], observable("10.0.0.2")))["observables"]

    response = await client.delete(f"{observables_url(case['id'])}/{both[0]['id']}")

    assert response.status_code == 204, response.text
    assert (await get_case(client, case["id"]))["observables"] == [both[1]]


async def test_an_unknown_observable_is_refused_on_delete(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after deleteObservable."""
    case = await create_case(client)
    await add_observable(client, case["id"])

    await refused(
        client,
        db,
        "DELETE",
        f"{observables_url(case['id'])}/missing-id",
        400,
        "Failed to delete observable id: missing-id: Error: Failed to delete observable:"
        " observable id missing-id not found",
    )


async def test_a_delete_in_an_unknown_case_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after deleteObservable."""
    await refused(
        client,
        db,
        "DELETE",
        f"{observables_url('fake-id')}/some-id",
        400,
        "Failed to delete observable id: some-id: Error: Saved object [cases/fake-id] not found",
    )


# --- _bulk_create -------------------------------------------------------------------------


async def test_observables_are_added_in_bulk(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after bulkAddObservables: one user action for them all."""
    case = await create_case(client)
    requests = [observable("10.0.0.1"), observable("example.com", "observable-type-domain")]

    updated = await bulk_add(client, case["id"], requests)

    added = updated["observables"]
    assert updated == answered(
        case,
        version=updated["version"],
        observables=[stored(r, a) for r, a in zip(requests, added, strict=True)],
    )
    assert (await user_actions(client, case["id"]))[1:] == [observables_action(2, "add")]


async def test_duplicates_are_dropped_from_a_bulk(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after applyObservablesToCase: those the case holds, and repeats in
    the request (the first wins), are left out silently."""
    case = await create_case(client)
    held = (await add_observable(client, case["id"], observable("10.0.0.1")))["observables"]

    updated = await bulk_add(
        client,
        case["id"],
        [
            observable("10.0.0.1", description="held"),
            observable("10.0.0.2", description="first"),
            observable("10.0.0.2", description="second"),
        ],
    )

    [kept, new] = updated["observables"]
    assert kept == held[0]
    assert new == stored(observable("10.0.0.2", description="first"), new)
    assert (await user_actions(client, case["id"]))[1:] == [
        observables_action(1, "add"),
        observables_action(1, "add"),
    ]


async def test_a_bulk_beyond_fifty_is_cut_silently(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after applyObservablesToCase: what does not fit under 50 is dropped."""
    case = await create_case(client)
    await bulk_add(client, case["id"], [observable(ipv4(n)) for n in range(10)])

    updated = await bulk_add(client, case["id"], [observable(ipv4(n)) for n in range(5, 60)])

    assert [o["value"] for o in updated["observables"]] == [ipv4(n) for n in range(MAX_OBSERVABLES)]
    assert (await user_actions(client, case["id"]))[1:] == [
        observables_action(10, "add"),
        observables_action(40, "add"),
    ]


@pytest.mark.parametrize(
    ("held", "requests"),
    [(1, []), (1, [observable(ipv4(0))]), (MAX_OBSERVABLES, [observable(ipv4(99))])],
    ids=["nothing", "only what the case holds", "more than a full case takes"],
)
async def test_a_bulk_adding_nothing_changes_nothing(
    client: httpx.AsyncClient, db: Database, held: int, requests: list[dict[str, Any]]
) -> None:
    """OpenCases' own, after applyObservablesToCase: nothing new, nothing written (no user
    action), the case answered as it is."""
    case = await create_case(client)
    full = await bulk_add(client, case["id"], [observable(ipv4(n)) for n in range(held)])

    async with unchanged(db):
        updated = await bulk_add(client, case["id"], requests)

    assert updated == full


async def test_a_bulk_checks_the_types_but_not_the_values(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after bulkAddObservables: each type key must exist (the first unknown
    one is named); the values are not validated."""
    case = await create_case(client)
    await refused(
        client,
        db,
        "POST",
        f"{observables_url(case['id'])}/_bulk_create",
        400,
        f"{ADD_PREFIX}Invalid observable type, key does not exist: first",
        json={"observables": [observable(), observable("a", "first"), observable("b", "next")]},
    )

    updated = await bulk_add(client, case["id"], [observable("not an ip")])

    assert [o["value"] for o in updated["observables"]] == ["not an ip"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'Invalid value "undefined" supplied to "observables"'),
        ({"observables": {}}, 'Invalid value "{}" supplied to "observables"'),
        (
            {"observables": [{"typeKey": IPV4, "value": "10.0.0.1"}]},
            'Invalid value "undefined" supplied to "observables,description"',
        ),
        ({"observables": [], "caseId": "x"}, 'invalid keys "caseId"'),
    ],
    ids=["no observables", "an object", "no description", "a case id"],
)
async def test_a_bulk_kibana_cannot_decode_is_refused(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], message: str
) -> None:
    """OpenCases' own: the route takes `observables` only (the case id is the path's)."""
    case = await create_case(client)

    await refused(
        client,
        db,
        "POST",
        f"{observables_url(case['id'])}/_bulk_create",
        400,
        f"{ADD_PREFIX}{message}",
        json=body,
    )


# --- rbac ---------------------------------------------------------------------------------


async def test_creating_without_permissions_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """observables.ts: rbac, it('should not allow creating observables without permissions')
    (sec_only in the default space)."""
    case = await create_case(client)

    await refused(
        await kibana_users("sec_only"),
        db,
        "POST",
        observables_url(case["id"]),
        403,
        f'Unauthorized to update case with owners: "{SECURITY}"',
        json={"observable": observable()},
    )


async def test_deleting_without_permissions_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """observables.ts: rbac, it('should not allow deleting an observable without
    permissions')."""
    case = await create_case(client)
    created = (await add_observable(client, case["id"]))["observables"][0]

    await refused(
        await kibana_users("sec_only"),
        db,
        "DELETE",
        f"{observables_url(case['id'])}/{created['id']}",
        403,
        f'Unauthorized to update case with owners: "{SECURITY}"',
    )


async def test_updating_without_permissions_is_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """observables.ts: rbac, it('should not allow updating an observable without
    premissions')."""
    case = await create_case(client)
    created = (await add_observable(client, case["id"]))["observables"][0]

    await refused(
        await kibana_users("sec_only"),
        db,
        "PATCH",
        f"{observables_url(case['id'])}/{created['id']}",
        403,
        f'Unauthorized to update case with owners: "{SECURITY}"',
        json={"observable": {"value": "10.0.0.9", "description": ""}},
    )


@pytest.mark.parametrize(
    ("username", "owner"),
    [("sec_only_read", SECURITY), ("global_read", SECURITY), ("obs_only", SECURITY)],
)
async def test_users_who_may_not_update_the_case_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, owner: str
) -> None:
    """OpenCases' own, after the newest main's bulk delete rbac (`secOnlyRead` in space1):
    the case's update privilege, in the case's space, for every route."""
    case = await create_case(client, case_request(owner=owner), space="space1")
    created = (await add_observable(client, case["id"], space="space1"))["observables"][0]
    user = await kibana_users(username)
    url = observables_url(case["id"], space="space1")
    message = f'Unauthorized to update case with owners: "{owner}"'

    await refused(user, db, "POST", url, 403, message, json={"observable": observable("1.1.1.1")})
    await refused(
        user,
        db,
        "POST",
        f"{url}/_bulk_create",
        403,
        message,
        json={"observables": [observable("1.1.1.1")]},
    )
    await refused(
        user,
        db,
        "PATCH",
        f"{url}/{created['id']}",
        403,
        message,
        json={"observable": {"value": "1.1.1.1", "description": ""}},
    )
    await refused(user, db, "DELETE", f"{url}/{created['id']}", 403, message)


async def test_a_user_with_the_owner_may_change_observables(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """OpenCases' own: sec_only in space1, the user actions by that user."""
    case = await create_case(client, space="space1")
    user = await kibana_users("sec_only")

    updated = await add_observable(user, case["id"], space="space1")

    assert [o["value"] for o in updated["observables"]] == ["127.0.0.1"]
    actions = await user_actions(client, case["id"], space="space1")
    assert actions[-1]["created_by"]["username"] == "sec_only"
    assert actions[-1]["payload"] == {"observables": {"count": 1, "actionType": "add"}}
