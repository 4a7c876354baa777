"""A case's activity: Kibana's find_user_actions.ts and get_user_action_stats.ts, ported.

GET /api/cases/{case_id}/user_actions/_find, its internal twin (which adds the attachments
its comment actions name, `latestAttachments`) and GET /internal/cases/{case_id}/user_actions/
_stats. Kibana's tests are those of 9.x (x-pack/platform/test/cases_api_integration/
security_and_spaces/tests/common/user_actions/): the newest copies' extra test (comment
edits in the `action` filter) and stats fields are not 9.x.

OpenCases has no attachments yet: where Kibana's tests add comments (bulkCreateAttachments),
the `comment` user actions Kibana writes for them are stored directly (`add_attachments`),
with Kibana's payloads (`{comment: <attachment request>}`), so the type filters and the
counts are tried on the same histories.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec
import pytest

from opencases.cases import store as case_store
from opencases.configure.schemas import UserRef
from opencases.db import Database
from opencases.kibana.time import utc_now
from tests.cases.attachments.conftest import ALERT_COMMENT, USER_COMMENT
from tests.cases.conftest import (
    CASE_REQUEST,
    CASES_URL,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    refused,
    update_cases,
)
from tests.configure.conftest import (
    KibanaUsers,
    configuration_request,
    create_configuration,
    space_prefix,
)

# Kibana's attachment requests (common/lib/mock.ts), for our securitySolution owner.
ACTIONS_COMMENT = {
    "comment": "comment text",
    "actions": {
        "targets": [{"hostname": "host-name", "endpointId": "endpoint-id"}],
        "type": "isolate",
    },
    "type": "actions",
    "owner": SECURITY,
}
EXTERNAL_REFERENCE = {
    "type": "externalReference",
    "externalReferenceStorage": {"type": "elasticSearchDoc"},
    "externalReferenceId": "my-id",
    "externalReferenceAttachmentTypeId": ".test",
    "externalReferenceMetadata": None,
    "owner": SECURITY,
}
PERSISTABLE_STATE = {
    "type": "persistableState",
    "owner": SECURITY,
    "persistableStateAttachmentTypeId": ".test",
    "persistableStateAttachmentState": {"foo": "foo", "injectedId": "testRef"},
}


def find_url(case_id: str, *, space: str | None = None, internal: bool = False) -> str:
    """The public (or internal) user actions find URL of a case."""
    base = "/internal/cases" if internal else CASES_URL
    return f"{space_prefix(space)}{base}/{case_id}/user_actions/_find"


async def find_user_actions(
    client: httpx.AsyncClient,
    case_id: str,
    params: dict[str, Any] | None = None,
    *,
    space: str | None = None,
    internal: bool = False,
) -> dict[str, Any]:
    """Kibana's findCaseUserActions: GET _find with `params`, 200, the body."""
    response = await client.get(
        find_url(case_id, space=space, internal=internal), params=params or {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def without_server_fields(action: dict[str, Any]) -> dict[str, Any]:
    """Kibana's removeServerGeneratedPropertiesFromUserAction: drop id, created_at, version."""
    return {k: v for k, v in action.items() if k not in ("id", "created_at", "version")}


def kinds(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The (type, action) of each user action found, in order."""
    return [(action["type"], action["action"]) for action in body["userActions"]]


def change(type_: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A user action elastic wrote on a securitySolution case, without its server fields."""
    return {
        "type": type_,
        "action": action,
        "created_by": ELASTIC,
        "owner": SECURITY,
        "payload": payload,
        "comment_id": None,
    }


def create_case_action(request: dict[str, Any] = CASE_REQUEST) -> dict[str, Any]:
    """The `create_case` user action of a case created from `request` by elastic."""
    payload = {
        key: request[key]
        for key in ("title", "description", "tags", "connector", "settings", "owner")
    }
    payload.update(
        severity=request.get("severity", "low"),
        assignees=request.get("assignees", []),
        status="open",
        category=None,
        customFields=[],
    )
    return change("create_case", "create", payload)


async def add_attachments(db: Database, case_id: str, comments: list[dict[str, Any]]) -> list[str]:
    """The user actions of Kibana's bulkCreateAttachments, stored directly; their comment ids.

    OpenCases has no attachments yet: each comment gets the `comment`/`create` user action
    Kibana writes for it, by elastic, numbered after the case's others.
    """
    row = await db.fetch_one(
        "SELECT owner, user_action_count FROM cases WHERE id = :id", {"id": case_id}
    )
    assert row is not None
    count = int(row["user_action_count"])
    comment_ids = [str(uuid.uuid4()) for _ in comments]
    actions = [
        case_store.UserActionRecord(
            type="comment", action="create", payload={"comment": comment}, comment_id=comment_id
        )
        for comment, comment_id in zip(comments, comment_ids, strict=True)
    ]
    async with db.transaction() as tx:
        await case_store.insert_user_actions(
            tx,
            case_id=case_id,
            owner=row["owner"],
            first_position=count + 1,
            actions=actions,
            ids=[str(uuid.uuid4()) for _ in actions],
            created_at=utc_now(),
            created_by=msgspec.convert(ELASTIC, UserRef),
        )
        await tx.execute(
            "UPDATE cases SET user_action_count = :count WHERE id = :id",
            {"count": count + len(actions), "id": case_id},
        )
    return comment_ids


def comment_action(comment: dict[str, Any], comment_id: str) -> dict[str, Any]:
    """The `comment`/`create` user action of an attachment, without its server fields."""
    return {**change("comment", "create", {"comment": comment}), "comment_id": comment_id}


async def patch(client: httpx.AsyncClient, case: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """PATCH one case at its version; the updated case."""
    [updated] = await update_cases(
        client, [{"id": case["id"], "version": case["version"], **fields}]
    )
    return dict(updated)


# --- find ---------------------------------------------------------------------------------


async def test_a_user_action_has_an_id_and_a_version(client: httpx.AsyncClient) -> None:
    """find_user_actions.ts: it('returns the id and version fields')."""
    case = await create_case(client)

    body = await find_user_actions(client, case["id"])

    [action] = body["userActions"]
    assert action["id"]
    assert action["version"]
    assert action["created_at"] == case["created_at"]


async def test_with_no_query_the_oldest_come_first_twenty_a_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    """find_user_actions.ts: it('performs a search using the default parameters when no
    query params are sent')."""
    case = await create_case(client)
    [comment_id] = await add_attachments(db, case["id"], [USER_COMMENT])

    body = await find_user_actions(client, case["id"])

    assert {**body, "userActions": [without_server_fields(a) for a in body["userActions"]]} == {
        "userActions": [create_case_action(), comment_action(USER_COMMENT, comment_id)],
        "page": 1,
        "perPage": 20,
        "total": 2,
    }


async def test_sort_order_desc_finds_the_newest_first(
    client: httpx.AsyncClient, db: Database
) -> None:
    """find_user_actions.ts: it('sorts the results in descending order by the created_at
    field')."""
    case = await create_case(client)
    await add_attachments(db, case["id"], [USER_COMMENT])

    body = await find_user_actions(
        client, case["id"], {"sortOrder": "desc", "types": ["comment", "create_case"]}
    )

    assert kinds(body) == [("comment", "create"), ("create_case", "create")]
    assert body["total"] == 2


# --- paging (three user actions: the case and two user comments) ---------------------------


@pytest.fixture
async def three_actions(client: httpx.AsyncClient, db: Database) -> str:
    """find_user_actions.ts pagination's beforeEach: a case with two user comments."""
    case = await create_case(client)
    await add_attachments(db, case["id"], [USER_COMMENT, USER_COMMENT])
    return str(case["id"])


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [
        # it('retrieves only 1 user action when perPage is 1')
        (None, 1, [("create_case", "create")]),
        # it('retrieves 2 user action when perPage is 2 and there are 3 user actions')
        (None, 2, [("create_case", "create"), ("comment", "create")]),
        # it('retrieves the second page of results')
        (2, 1, [("comment", "create")]),
        # it('retrieves the third page of results')
        (3, 1, [("comment", "create")]),
        # it('retrieves all the results with a perPage larger than the total')
        (None, 10, [("create_case", "create"), ("comment", "create"), ("comment", "create")]),
    ],
)
async def test_pages_of_user_actions(
    client: httpx.AsyncClient,
    three_actions: str,
    page: int | None,
    per_page: int,
    expected: list[tuple[str, str]],
) -> None:
    """find_user_actions.ts pagination: it(...) as named beside each case."""
    params: dict[str, Any] = {
        "sortOrder": "asc",
        "types": ["comment", "create_case"],
        "perPage": per_page,
    }
    if page is not None:
        params["page"] = page

    body = await find_user_actions(client, three_actions, params)

    assert kinds(body) == expected
    assert (body["page"], body["perPage"], body["total"]) == (page or 1, per_page, 3)


async def test_more_than_100_a_page_is_refused(
    client: httpx.AsyncClient, db: Database, three_actions: str
) -> None:
    """find_user_actions.ts: it('400s when perPage > 100 supplied')."""
    await refused(
        client,
        db,
        "GET",
        find_url(three_actions),
        400,
        "The provided perPage value is too high. The maximum allowed perPage value is 100.",
        params={"perPage": 101},
    )


async def test_paging_beyond_10000_user_actions_is_refused(
    client: httpx.AsyncClient, db: Database, three_actions: str
) -> None:
    """find_user_actions.ts: it('400s when trying to fetch more than 10,000 documents')."""
    await refused(
        client,
        db,
        "GET",
        find_url(three_actions),
        400,
        "The number of documents is too high. Paginating through more than 10000 documents"
        " is not possible.",
        params={"page": 209, "perPage": 100},
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": 0}, "[from] parameter cannot be negative, found [-20]"),
        ({"page": -1, "perPage": 3}, "[from] parameter cannot be negative, found [-6]"),
        ({"perPage": -1}, "[size] parameter cannot be negative, found [-1]"),
    ],
)
async def test_a_page_before_the_first_is_refused_as_elasticsearch_refuses_it(
    client: httpx.AsyncClient,
    db: Database,
    three_actions: str,
    params: dict[str, int],
    message: str,
) -> None:
    """OpenCases: Kibana's paging checks let these through to the saved objects search,
    which Elasticsearch refuses (a 500 on PostgreSQL once); a missing case is still a 404."""
    for internal in (False, True):
        url = find_url(three_actions, internal=internal)
        await refused(client, db, "GET", url, 400, message, params=params)
        missing = find_url("123", internal=internal)
        not_found = "Saved object [cases/123] not found"
        await refused(client, db, "GET", missing, 404, not_found, params=params)


# --- the types filter ---------------------------------------------------------------------


async def test_an_invalid_type_is_refused_before_the_case_is_looked_up(
    client: httpx.AsyncClient, db: Database
) -> None:
    """find_user_actions.ts: it('returns a 400 when filtering for an invalid type')."""
    for internal in (False, True):
        await refused(
            client,
            db,
            "GET",
            find_url("123", internal=internal),
            400,
            'Invalid value "invalid-type" supplied to "types"',
            params={"types": ["invalid-type"]},
        )


async def test_a_type_without_user_actions_finds_none(client: httpx.AsyncClient) -> None:
    """find_user_actions.ts: it('returns an empty array when the user action type does not
    exist')."""
    case = await create_case(client)

    body = await find_user_actions(client, case["id"], {"types": ["comment"]})

    assert body == {"userActions": [], "page": 1, "perPage": 20, "total": 0}


async def test_the_comment_type_finds_the_comments(client: httpx.AsyncClient, db: Database) -> None:
    """find_user_actions.ts: it('retrieves only the comment user actions')."""
    case = await create_case(client)
    [comment_id] = await add_attachments(db, case["id"], [USER_COMMENT])

    body = await find_user_actions(client, case["id"], {"types": ["comment"]})

    assert [without_server_fields(a) for a in body["userActions"]] == [
        comment_action(USER_COMMENT, comment_id)
    ]
    assert body["userActions"][0]["payload"] == {"comment": USER_COMMENT}


# Each: the PATCH, the type asked for and the user actions it finds (find_user_actions.ts).
JIRA = {
    "id": "my-jira",
    "name": "jira",
    "type": ".jira",
    "fields": {"issueType": "task", "parent": None, "priority": None},
}
UPDATES: dict[str, tuple[dict[str, Any], str, list[tuple[str, dict[str, Any]]]]] = {
    # it('retrieves only the connector user actions')
    "connector": ({"connector": JIRA}, "connector", [("update", {"connector": JIRA})]),
    # it('retrieves only the description user actions')
    "description": (
        {"description": "Such a great description"},
        "description",
        [("update", {"description": "Such a great description"})],
    ),
    # it('retrieves only the tags user actions')
    "tags": (
        {"tags": ["cool", "neat"]},
        "tags",
        [("add", {"tags": ["cool", "neat"]}), ("delete", {"tags": ["defacement"]})],
    ),
    # it('retrieves only the title user actions')
    "title": (
        {"title": "Such a great title"},
        "title",
        [("update", {"title": "Such a great title"})],
    ),
    # it('retrieves only the status user actions')
    "status": ({"status": "closed"}, "status", [("update", {"status": "closed"})]),
    # it('retrieves only the settings user actions')
    "settings": (
        {"settings": {"syncAlerts": False}},
        "settings",
        [("update", {"settings": {"syncAlerts": False}})],
    ),
    # it('retrieves only the severity user actions')
    "severity": ({"severity": "high"}, "severity", [("update", {"severity": "high"})]),
    # Not in Kibana's file: the other types a PATCH writes, with Kibana's payloads.
    "category": ({"category": "malware"}, "category", [("update", {"category": "malware"})]),
    "assignees": (
        {"assignees": [{"uid": "u_1"}, {"uid": "u_2"}]},
        "assignees",
        [("add", {"assignees": [{"uid": "u_1"}, {"uid": "u_2"}]})],
    ),
}


@pytest.mark.parametrize("name", list(UPDATES))
async def test_a_type_finds_only_the_user_actions_of_that_type(
    client: httpx.AsyncClient, name: str
) -> None:
    """find_user_actions.ts: it('retrieves only the <type> user actions'), per UPDATES."""
    fields, type_, expected = UPDATES[name]
    case = await create_case(client)
    await patch(client, case, **fields)

    body = await find_user_actions(client, case["id"], {"types": [type_]})

    assert [without_server_fields(a) for a in body["userActions"]] == [
        change(type_, action, payload) for action, payload in expected
    ]
    assert body["total"] == len(expected)


async def test_an_assignee_removed_is_a_delete_of_what_was_removed(
    client: httpx.AsyncClient,
) -> None:
    """Kibana's UserActionPersister: assignees added, then removed, as for tags."""
    case = await create_case(client, case_request(assignees=[{"uid": "u_1"}, {"uid": "u_2"}]))
    await patch(client, case, assignees=[{"uid": "u_2"}, {"uid": "u_3"}])

    body = await find_user_actions(client, case["id"], {"types": "assignees"})

    assert [without_server_fields(a) for a in body["userActions"]] == [
        change("assignees", "add", {"assignees": [{"uid": "u_3"}]}),
        change("assignees", "delete", {"assignees": [{"uid": "u_1"}]}),
    ]


async def test_a_custom_field_changed_is_one_update_carrying_that_field(
    client: httpx.AsyncClient,
) -> None:
    """Kibana's CustomFieldsUserActionBuilder: one `customFields` update per field changed."""
    text = {"key": "text_1", "label": "text", "type": "text", "required": False}
    toggle = {"key": "toggle_1", "label": "toggle", "type": "toggle", "required": False}
    await create_configuration(client, configuration_request(customFields=[text, toggle]))
    case = await create_case(client)
    changed = [
        {"key": "text_1", "type": "text", "value": "a value"},
        {"key": "toggle_1", "type": "toggle", "value": None},
    ]
    await patch(client, case, customFields=changed)

    body = await find_user_actions(client, case["id"], {"types": "customFields"})

    assert [without_server_fields(a) for a in body["userActions"]] == [
        change("customFields", "update", {"customFields": [changed[0]]})
    ]


async def test_the_create_case_type_finds_the_creation(client: httpx.AsyncClient) -> None:
    """find_user_actions.ts: it('retrieves only the create_case user actions')."""
    case = await create_case(client)
    await patch(client, case, title="Such a great title")

    body = await find_user_actions(client, case["id"], {"types": ["create_case"]})

    assert [without_server_fields(a) for a in body["userActions"]] == [create_case_action()]


async def test_the_action_filter_finds_all_but_user_comments(
    client: httpx.AsyncClient, db: Database
) -> None:
    """find_user_actions.ts: it('retrieves any non user comment user actions using the
    action filter')."""
    case = await create_case(client)
    await add_attachments(
        db, case["id"], [USER_COMMENT, EXTERNAL_REFERENCE, PERSISTABLE_STATE, ACTIONS_COMMENT]
    )
    await patch(client, {**case, "version": case["version"]}, severity="high")

    body = await find_user_actions(client, case["id"], {"types": ["action"]})

    assert kinds(body) == [
        ("create_case", "create"),
        ("comment", "create"),
        ("comment", "create"),
        ("comment", "create"),
        ("severity", "update"),
    ]
    comment_types = [a["payload"]["comment"]["type"] for a in body["userActions"][1:4]]
    assert comment_types == ["externalReference", "persistableState", "actions"]


async def test_the_alert_filter_finds_alert_comments(
    client: httpx.AsyncClient, db: Database
) -> None:
    """find_user_actions.ts: it('retrieves only alert user actions')."""
    case = await create_case(client)
    [_, alert_id] = await add_attachments(db, case["id"], [USER_COMMENT, ALERT_COMMENT])

    body = await find_user_actions(client, case["id"], {"types": ["alert"]})

    assert [without_server_fields(a) for a in body["userActions"]] == [
        comment_action(ALERT_COMMENT, alert_id)
    ]


async def test_the_user_filter_finds_user_comments(client: httpx.AsyncClient, db: Database) -> None:
    """find_user_actions.ts: it('retrieves only user comment user actions')."""
    case = await create_case(client)
    [comment_id, _, _] = await add_attachments(
        db, case["id"], [USER_COMMENT, ACTIONS_COMMENT, ALERT_COMMENT]
    )

    body = await find_user_actions(client, case["id"], {"types": ["user"]})

    assert [without_server_fields(a) for a in body["userActions"]] == [
        comment_action(USER_COMMENT, comment_id)
    ]


async def test_the_attachment_filter_finds_external_references_and_persistable_state(
    client: httpx.AsyncClient, db: Database
) -> None:
    """find_user_actions.ts: it('retrieves attachment user actions') (9.x: the legacy
    `actions` attachment is not one)."""
    case = await create_case(client)
    await add_attachments(
        db,
        case["id"],
        [USER_COMMENT, EXTERNAL_REFERENCE, PERSISTABLE_STATE, ACTIONS_COMMENT, ALERT_COMMENT],
    )

    body = await find_user_actions(client, case["id"], {"types": ["attachment"]})

    assert [a["payload"]["comment"]["type"] for a in body["userActions"]] == [
        "externalReference",
        "persistableState",
    ]
    assert body["total"] == 2


async def test_several_types_find_either(client: httpx.AsyncClient, db: Database) -> None:
    """find_user_actions.ts: it('retrieves the create_case and comment user actions')."""
    case = await create_case(client)
    await add_attachments(db, case["id"], [USER_COMMENT])
    await patch(client, case, title="Such a great title")

    body = await find_user_actions(client, case["id"], {"types": ["create_case", "comment"]})

    assert kinds(body) == [("create_case", "create"), ("comment", "create")]


async def test_several_types_find_those_there_are(client: httpx.AsyncClient) -> None:
    """find_user_actions.ts: it('retrieves the create_case user action when there are not
    valid comment user actions')."""
    case = await create_case(client)

    body = await find_user_actions(client, case["id"], {"types": ["create_case", "comment"]})

    assert kinds(body) == [("create_case", "create")]


async def test_a_deleted_case_has_no_user_actions_to_find(
    client: httpx.AsyncClient, db: Database
) -> None:
    """delete_cases.ts: the user actions go with the case (find answers 404)."""
    case = await create_case(client)
    response = await client.delete(CASES_URL, params={"ids": f'["{case["id"]}"]'})
    assert response.status_code == 204, response.text

    await refused(
        client,
        db,
        "GET",
        find_url(case["id"]),
        404,
        f"Saved object [cases/{case['id']}] not found",
    )


# --- the internal find --------------------------------------------------------------------


async def test_the_internal_find_also_answers_the_attachments_it_names(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's internal find_user_actions route: the public answer and `latestAttachments`
    (empty: OpenCases has no attachments yet)."""
    case = await create_case(client)
    await add_attachments(db, case["id"], [USER_COMMENT])
    params = {"types": ["comment", "create_case"], "sortOrder": "desc", "perPage": 1}

    public = await find_user_actions(client, case["id"], params)
    internal = await find_user_actions(client, case["id"], params, internal=True)

    assert internal == {**public, "latestAttachments": []}
    assert kinds(internal) == [("comment", "create")]


# --- rbac ---------------------------------------------------------------------------------


@pytest.fixture
async def rbac_cases(client: httpx.AsyncClient, kibana_users: KibanaUsers) -> dict[str, str]:
    """find_user_actions.ts rbac's beforeEach: a sec and an obs case in space1, a sec case
    in space2."""
    sec = await create_case(await kibana_users("sec_only"), space="space1")
    obs = await create_case(
        await kibana_users("obs_only"), case_request(owner=OBSERVABILITY), space="space1"
    )
    sec_space2 = await create_case(client, space="space2")
    return {"sec": sec["id"], "obs": obs["id"], "sec_space2": sec_space2["id"]}


async def test_readers_of_the_owner_find_the_user_actions(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, rbac_cases: dict[str, str]
) -> None:
    """find_user_actions.ts: it('should return with the correct status code when executing
    with various users')."""
    scenarios = [
        (await kibana_users("global_read"), "sec"),
        (await kibana_users("global_read"), "obs"),
        (client, "sec"),
        (client, "obs"),
        (await kibana_users("sec_only_read"), "sec"),
        (await kibana_users("obs_only_read"), "obs"),
    ]
    for user, case in scenarios:
        for internal in (False, True):
            body = await find_user_actions(
                user,
                rbac_cases[case],
                {"types": ["create_case"]},
                space="space1",
                internal=internal,
            )
            assert kinds(body) == [("create_case", "create")]


@pytest.mark.parametrize(
    ("username", "case", "space", "message"),
    [
        (
            "sec_only_read",
            "obs",
            "space1",
            'Unauthorized to access case with owners: "observability"',
        ),
        (
            "obs_only_read",
            "sec",
            "space1",
            'Unauthorized to access case with owners: "securitySolution"',
        ),
        (
            "no_kibana_privileges",
            "sec",
            "space1",
            "Unauthorized to access user actions of any owner",
        ),
        (
            "sec_only_read",
            "sec_space2",
            "space2",
            "Unauthorized to access user actions of any owner",
        ),
    ],
)
async def test_a_user_who_may_not_read_the_case_cannot_find_its_user_actions(
    db: Database,
    kibana_users: KibanaUsers,
    rbac_cases: dict[str, str],
    username: str,
    case: str,
    space: str,
    message: str,
) -> None:
    """find_user_actions.ts: it('should fail to find user actions for a case that the user
    is not authorized for')."""
    user = await kibana_users(username)
    for internal in (False, True):
        url = find_url(rbac_cases[case], space=space, internal=internal)
        await refused(user, db, "GET", url, 403, message, params={"types": ["create_case"]})


# --- stats --------------------------------------------------------------------------------


def stats_url(case_id: str, *, space: str | None = None) -> str:
    """GET /internal/cases/{case_id}/user_actions/_stats."""
    return f"{space_prefix(space)}/internal/cases/{case_id}/user_actions/_stats"


async def user_action_stats(
    client: httpx.AsyncClient, case_id: str, *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's getCaseUserActionStats: GET _stats, 200, the body."""
    response = await client.get(stats_url(case_id, space=space))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Kibana's getCaseUpdateData (9.x): on an open case, seven user actions (status unchanged).
CASE_UPDATE = {
    "status": "open",
    "severity": "medium",
    "title": "new title",
    "description": "new desc",
    "settings": {"syncAlerts": False},
    "tags": ["one", "two"],
    "connector": {"id": "my-id", "name": "Jira", "type": ".jira", "fields": None},
}
ALL_ATTACHMENTS: list[dict[str, Any]] = [
    USER_COMMENT,
    EXTERNAL_REFERENCE,
    PERSISTABLE_STATE,
    ACTIONS_COMMENT,
    ALERT_COMMENT,
]


async def test_stats_count_user_comments_apart(client: httpx.AsyncClient, db: Database) -> None:
    """get_user_action_stats.ts: it('returns correct total for comments')."""
    case = await create_case(client)
    await add_attachments(db, case["id"], ALL_ATTACHMENTS)

    stats = await user_action_stats(client, case["id"])

    assert stats == {"total": 6, "total_comments": 1, "total_other_actions": 5}


async def test_stats_count_the_updates_of_a_case(client: httpx.AsyncClient, db: Database) -> None:
    """get_user_action_stats.ts: it('returns the correct stats when a case update occurs')."""
    case = await create_case(client)
    await patch(client, case, **CASE_UPDATE)
    await add_attachments(db, case["id"], ALL_ATTACHMENTS)

    stats = await user_action_stats(client, case["id"])

    assert stats == {"total": 13, "total_comments": 1, "total_other_actions": 12}


@pytest.fixture
async def updated_case(client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers) -> str:
    """get_user_action_stats.ts rbac's beforeEach: a case in space1, updated, with a comment."""
    case = await create_case(client, space="space1")
    await update_cases(
        client, [{"id": case["id"], "version": case["version"], **CASE_UPDATE}], space="space1"
    )
    await add_attachments(db, case["id"], [USER_COMMENT])
    return str(case["id"])


async def test_readers_of_the_owner_get_the_stats(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, updated_case: str
) -> None:
    """get_user_action_stats.ts: it('should get the user actions for a case when the user
    has the correct permissions')."""
    for user in [
        await kibana_users("global_read"),
        client,
        await kibana_users("sec_only"),
        await kibana_users("sec_only_read"),
        await kibana_users("obs_sec"),
        await kibana_users("obs_sec_read"),
    ]:
        stats = await user_action_stats(user, updated_case, space="space1")
        assert stats == {"total": 9, "total_comments": 1, "total_other_actions": 8}


@pytest.mark.parametrize(
    ("username", "space", "message"),
    [
        ("no_kibana_privileges", "space1", "Unauthorized to access user actions of any owner"),
        ("sec_only", "space2", "Unauthorized to access user actions of any owner"),
        ("obs_only", "space1", 'Unauthorized to access case with owners: "securitySolution"'),
        ("obs_only_read", "space1", 'Unauthorized to access case with owners: "securitySolution"'),
    ],
)
async def test_a_user_who_may_not_read_the_case_gets_no_stats(
    db: Database,
    kibana_users: KibanaUsers,
    updated_case: str,
    username: str,
    space: str,
    message: str,
) -> None:
    """get_user_action_stats.ts: it('should 403 when requesting the user action stats of a
    case with user ${username} with role(s) ${roles} and space ${space}')."""
    user = await kibana_users(username)
    await refused(user, db, "GET", stats_url(updated_case, space=space), 403, message)


async def test_stats_of_a_missing_case_are_a_404(client: httpx.AsyncClient, db: Database) -> None:
    """get_stats.ts (client): the case is resolved first, so an unknown id is Kibana's 404."""
    await refused(
        client,
        db,
        "GET",
        stats_url("no-such-case"),
        404,
        "Saved object [cases/no-such-case] not found",
    )
