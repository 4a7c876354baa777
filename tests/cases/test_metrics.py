"""Case metrics: Kibana's get_cases_metrics.ts and get_case_metrics*.ts, ported.

(x-pack/platform/test/cases_api_integration/security_and_spaces/tests/common/internal/
metrics/.) GET /internal/cases/metrics answers the mean time to resolve and the status
counts of the cases the caller may read; GET /internal/cases/metrics/{case_id} a case's
metrics. OpenCases has no attachments yet: the alert and action metrics are those of a case
without alerts or host actions, so get_case_metrics_alerts.ts and the isolate-host counts of
get_case_metrics_actions.ts (which attach alerts and actions) have nothing to port.

Kibana loads saved-object archives for cases whose dates and durations the API cannot
produce (all_cases_metrics.json, 7.13.2 cases.json, 8.1.0 status_changes.json): the cases
are made through the API and then given the archive's dates, statuses and durations (and
status user actions) directly in the database, as `load_*` below say.
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
from tests.cases.conftest import (
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    refused,
    update_cases,
)
from tests.configure.conftest import KibanaUsers, space_prefix

CASES_METRICS_URL = "/internal/cases/metrics"


def metrics_url(case_id: str | None = None, *, space: str | None = None) -> str:
    """INTERNAL_CASE_METRICS_URL, or INTERNAL_CASE_METRICS_DETAILS_URL for a case."""
    suffix = "" if case_id is None else f"/{case_id}"
    return f"{space_prefix(space)}{CASES_METRICS_URL}{suffix}"


async def get_cases_metrics(
    client: httpx.AsyncClient,
    features: str | list[str],
    query: dict[str, Any] | None = None,
    *,
    space: str | None = None,
) -> dict[str, Any]:
    """Kibana's getCasesMetrics: GET ?features=...&<query>, 200, the body."""
    response = await client.get(
        metrics_url(space=space), params={"features": features, **(query or {})}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_case_metrics(
    client: httpx.AsyncClient, case_id: str, features: str | list[str], *, space: str | None = None
) -> dict[str, Any]:
    """Kibana's getCaseMetrics: GET /{case_id}?features=..., 200, the body."""
    response = await client.get(metrics_url(case_id, space=space), params={"features": features})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_case(db: Database, case_id: str, **columns: Any) -> None:
    """Give a case columns the API cannot set (dates, durations), as an archive would."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    await db.execute(f"UPDATE cases SET {assignments} WHERE id = :id", {**columns, "id": case_id})


# Kibana's all_cases_metrics.json: owner, status, created_at, closed_at, duration (seconds).
ALL_CASES_METRICS = [
    (SECURITY, "closed", "2022-04-28T13:24:24.011Z", "2022-04-29T13:24:44.448Z", 20),
    (SECURITY, "closed", "2022-04-30T13:24:00.011Z", "2022-04-30T13:32:00.448Z", 480),
    (OBSERVABILITY, "closed", "2022-04-29T13:24:00.011Z", "2022-04-29T13:32:00.448Z", 160),
    (SECURITY, "open", "2022-03-20T10:16:56.252Z", None, None),
]


async def load_all_cases_metrics(
    client: httpx.AsyncClient, db: Database, *, space: str | None = None
) -> None:
    """Kibana's kbn archive cases/8.3.0/all_cases_metrics.json, in `space`.

    Its durations are not the time between creation and closing (the first case was closed
    a day after it was made, its duration is 20 s): mttr averages the stored durations.
    """
    for owner, status, created_at, closed_at, duration in ALL_CASES_METRICS:
        case = await create_case(
            client, case_request(owner=owner, title="test mttr", description="stack"), space=space
        )
        await set_case(
            db,
            case["id"],
            status=status,
            created_at=created_at,
            closed_at=closed_at,
            duration=duration,
        )


# --- all cases: features ------------------------------------------------------------------


async def test_the_features_may_be_one_string(client: httpx.AsyncClient) -> None:
    """get_cases_metrics.ts: it('accepts the features as string')."""
    assert await get_cases_metrics(client, "mttr") == {"mttr": None}


async def test_a_feature_of_a_single_case_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's buildHandlers (client/metrics/utils.ts): only mttr and status are all-cases
    features."""
    await refused(
        client,
        db,
        "GET",
        CASES_METRICS_URL,
        400,
        "invalid features: [lifespan, connectors], please only provide valid features:"
        " [mttr, status]",
        params={"features": ["mttr", "lifespan", "connectors"]},
    )


async def test_an_unknown_feature_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """Kibana's CasesMetricsRequestRt (common/types/api/metrics/v1.ts): a union of the
    feature names."""
    await refused(
        client,
        db,
        "GET",
        CASES_METRICS_URL,
        400,
        'Invalid value "bananas" supplied to "features"',
        params={"features": ["bananas", "mttr"]},
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "[request query.features]: expected at least one defined value but got [undefined]"),
        (
            {"features": ""},
            "[request query.features]: types that failed validation:\n"
            "- [request query.features.0]: expected value of type [array] but got [string]\n"
            "- [request query.features.1]: value has length [0] but it must have a minimum"
            " length of [1].",
        ),
        (
            {"features": "mttr", "foo": "bar"},
            "[request query.foo]: definition for this key is missing",
        ),
    ],
)
async def test_the_route_query_is_validated_first(
    client: httpx.AsyncClient, db: Database, params: dict[str, Any], message: str
) -> None:
    """Kibana's get_cases_metrics route: its config-schema query (features required)."""
    await refused(client, db, "GET", CASES_METRICS_URL, 400, message, params=params)


# --- all cases: mttr ----------------------------------------------------------------------


async def test_mttr_is_null_without_cases(client: httpx.AsyncClient) -> None:
    """get_cases_metrics.ts mttr: it('responses with null if there are no cases')."""
    assert await get_cases_metrics(client, ["mttr"]) == {"mttr": None}


async def test_mttr_is_null_without_closed_cases(client: httpx.AsyncClient) -> None:
    """get_cases_metrics.ts mttr: it('responses with null if there are only open case and
    in-progress cases')."""
    await create_case(client)
    case = await create_case(client)
    await update_cases(
        client, [{"id": case["id"], "version": case["version"], "status": "in-progress"}]
    )

    assert await get_cases_metrics(client, ["mttr"]) == {"mttr": None}


async def test_mttr_averages_the_durations_of_closed_cases(
    client: httpx.AsyncClient, db: Database
) -> None:
    """get_cases_metrics.ts mttr, closed and open cases from kbn archive: it('should
    calculate the mttr correctly across all cases')."""
    await load_all_cases_metrics(client, db)

    assert await get_cases_metrics(client, ["mttr"]) == {"mttr": 220}


async def test_mttr_keeps_to_the_cases_created_in_the_range(
    client: httpx.AsyncClient, db: Database
) -> None:
    """get_cases_metrics.ts mttr, closed and open cases from kbn archive: it('should
    respects the range parameters') (a date-only `to` takes in the whole day)."""
    await load_all_cases_metrics(client, db)

    metrics = await get_cases_metrics(client, ["mttr"], {"from": "2022-04-28", "to": "2022-04-29"})

    assert metrics == {"mttr": 90}


async def test_mttr_of_a_closed_case_is_its_duration(client: httpx.AsyncClient) -> None:
    """Kibana's AverageDuration: a case closed through PATCH counts its `duration`."""
    case = await create_case(client)
    [closed] = await update_cases(
        client, [{"id": case["id"], "version": case["version"], "status": "closed"}]
    )

    assert await get_cases_metrics(client, "mttr") == {"mttr": closed["duration"]}


async def test_mttr_is_not_rounded(client: httpx.AsyncClient, db: Database) -> None:
    """Kibana's AverageDuration answers Elasticsearch's avg as it is."""
    for duration in (1, 2):
        case = await create_case(client)
        await set_case(db, case["id"], status="closed", duration=duration)

    assert await get_cases_metrics(client, "mttr") == {"mttr": 1.5}


# --- all cases: status --------------------------------------------------------------------


async def test_status_counts_are_zero_without_cases(client: httpx.AsyncClient) -> None:
    """get_cases_metrics.ts status: it('responses with zeros if there are no cases')."""
    metrics = await get_cases_metrics(client, ["status"])

    assert metrics == {"status": {"closed": 0, "inProgress": 0, "open": 0}}


async def test_status_counts_count_each_status(client: httpx.AsyncClient) -> None:
    """get_cases_metrics.ts status: it('should return case statuses')."""
    await create_case(client)
    in_progress = await create_case(client)
    closed = await create_case(client)
    await update_cases(
        client,
        [
            {"id": in_progress["id"], "version": in_progress["version"], "status": "in-progress"},
            {"id": closed["id"], "version": closed["version"], "status": "closed"},
        ],
    )

    metrics = await get_cases_metrics(client, ["status"])

    assert metrics == {"status": {"open": 1, "inProgress": 1, "closed": 1}}


# --- all cases: rbac (the archive in space1) -----------------------------------------------

EVERY_CASE = {"mttr": 220, "status": {"closed": 3, "inProgress": 0, "open": 1}}
SECURITY_CASES = {"mttr": 250, "status": {"closed": 2, "inProgress": 0, "open": 1}}


@pytest.fixture
async def archive_in_space1(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers
) -> None:
    """get_cases_metrics.ts rbac's before: the archive loaded into space1."""
    await load_all_cases_metrics(client, db, space="space1")


@pytest.mark.usefixtures("archive_in_space1")
async def test_metrics_keep_to_the_cases_the_user_may_read(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_cases_metrics.ts rbac: it('should calculate the mttr correctly only for the cases
    the user has access to')."""
    scenarios = [
        (await kibana_users("global_read"), EVERY_CASE),
        (client, EVERY_CASE),
        (await kibana_users("sec_only_read"), SECURITY_CASES),
        (
            await kibana_users("obs_only_read"),
            {"mttr": 160, "status": {"closed": 1, "inProgress": 0, "open": 0}},
        ),
        (await kibana_users("obs_sec_read"), EVERY_CASE),
    ]
    for user, expected in scenarios:
        assert await get_cases_metrics(user, ["mttr", "status"], space="space1") == expected


@pytest.mark.usefixtures("archive_in_space1")
@pytest.mark.parametrize(
    ("username", "space"), [("no_kibana_privileges", "space1"), ("sec_only", "space2")]
)
async def test_a_user_without_privileges_in_the_space_gets_no_metrics(
    db: Database, kibana_users: KibanaUsers, username: str, space: str
) -> None:
    """get_cases_metrics.ts rbac: it('User no_kibana_privileges with role(s)
    no_kibana_privileges and space space1 - should NOT read a case') and it('User sec_only
    with role(s) sec_only_all and space space2 - should NOT read a case')."""
    user = await kibana_users(username)

    await refused(
        user,
        db,
        "GET",
        metrics_url(space=space),
        403,
        "Unauthorized to access cases of any owner",
        params={"features": ["mttr", "status"]},
    )


@pytest.mark.usefixtures("archive_in_space1")
async def test_the_owner_filter_narrows_the_metrics(kibana_users: KibanaUsers) -> None:
    """get_cases_metrics.ts rbac: it('should respect the owner filter when having
    permissions')."""
    user = await kibana_users("obs_sec")

    metrics = await get_cases_metrics(user, ["mttr", "status"], {"owner": SECURITY}, space="space1")

    assert metrics == SECURITY_CASES


@pytest.mark.usefixtures("archive_in_space1")
async def test_an_owner_the_user_may_not_read_is_ignored(kibana_users: KibanaUsers) -> None:
    """get_cases_metrics.ts rbac: it('should return the correct cases when trying to exploit
    RBAC through the owner query parameter')."""
    user = await kibana_users("sec_only")

    metrics = await get_cases_metrics(
        user, ["mttr", "status"], {"owner": [SECURITY, OBSERVABILITY]}, space="space1"
    )

    assert metrics == SECURITY_CASES


@pytest.mark.usefixtures("archive_in_space1")
async def test_the_range_and_the_rights_both_narrow_the_metrics(kibana_users: KibanaUsers) -> None:
    """get_cases_metrics.ts rbac: it('should respect the owner filter when using range
    queries')."""
    user = await kibana_users("sec_only")

    metrics = await get_cases_metrics(
        user, ["mttr", "status"], {"from": "2022-04-20", "to": "2022-04-30"}, space="space1"
    )

    assert metrics == {"mttr": 250, "status": {"closed": 2, "inProgress": 0, "open": 0}}


async def test_an_invalid_date_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """Kibana's buildRangeFilter: `from` and `to` must be dates."""
    await refused(
        client,
        db,
        "GET",
        CASES_METRICS_URL,
        400,
        'Invalid "from" and/or "to" query parameters',
        params={"features": "mttr", "from": "yesterday"},
    )


# --- one case -----------------------------------------------------------------------------

NO_ALERTS = {"count": 0, "hosts": {"total": 0, "values": []}, "users": {"total": 0, "values": []}}


async def test_a_case_feature_may_be_one_string(client: httpx.AsyncClient) -> None:
    """get_case_metrics.ts: it('accepts the features as string')."""
    case = await create_case(client)

    assert await get_case_metrics(client, case["id"], "connectors") == {"connectors": {"total": 0}}


async def test_the_lifespan_of_a_closed_case(client: httpx.AsyncClient, db: Database) -> None:
    """get_case_metrics.ts closed case from kbn archive: it('returns the lifespan of the
    case') (the 7.13.2 archive's case, given its dates in the database)."""
    case = await create_case(client)
    await set_case(
        db,
        case["id"],
        status="closed",
        created_at="2021-06-17T18:57:41.682Z",
        closed_at="2021-06-17T18:57:42.682Z",
    )

    metrics = await get_case_metrics(client, case["id"], ["lifespan"])

    assert metrics["lifespan"]["creationDate"] == "2021-06-17T18:57:41.682Z"
    assert metrics["lifespan"]["closeDate"] == "2021-06-17T18:57:42.682Z"


async def test_an_invalid_case_feature_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """get_case_metrics.ts: it('returns an error when passing invalid features') (9.x's
    io-ts message; the all-cases features are no case's)."""
    case = await create_case(client)
    for feature in ("bananas", "mttr"):
        await refused(
            client,
            db,
            "GET",
            metrics_url(case["id"]),
            400,
            f'Invalid value "{feature}" supplied to "features"',
            params={"features": [feature]},
        )


async def add_status_changes(db: Database, case_id: str, changes: list[tuple[str, str]]) -> None:
    """Store `status` user actions (new status, time), as the 8.1.0 archive holds them."""
    row = await db.fetch_one(
        "SELECT owner, user_action_count FROM cases WHERE id = :id", {"id": case_id}
    )
    assert row is not None
    position = int(row["user_action_count"])
    async with db.transaction() as tx:
        for status, moment in changes:
            position += 1
            await case_store.insert_user_actions(
                tx,
                case_id=case_id,
                owner=row["owner"],
                first_position=position,
                actions=[
                    case_store.UserActionRecord(
                        type="status", action="update", payload={"status": status}
                    )
                ],
                ids=[str(uuid.uuid4())],
                created_at=moment,
                created_by=msgspec.convert(ELASTIC, UserRef),
            )
        await tx.execute(
            "UPDATE cases SET user_action_count = :count WHERE id = :id",
            {"count": position, "id": case_id},
        )


async def test_the_lifespan_sums_the_time_in_each_status(
    client: httpx.AsyncClient, db: Database
) -> None:
    """get_case_metrics.ts status changes: it('returns the lifespan of the case for status
    changes') (the 8.1.0 status_changes.json archive: one change every 10 minutes)."""
    case = await create_case(client)
    await set_case(db, case["id"], created_at="2022-01-05T15:00:00.000Z")
    await add_status_changes(
        db,
        case["id"],
        [
            ("in-progress", "2022-01-05T15:10:00.000Z"),
            ("closed", "2022-01-05T15:20:00.000Z"),
            ("open", "2022-01-05T15:30:00.000Z"),
            ("closed", "2022-01-05T15:40:00.000Z"),
            ("open", "2022-01-05T15:50:00.000Z"),
            ("closed", "2022-01-05T16:00:00.000Z"),
        ],
    )

    metrics = await get_case_metrics(client, case["id"], ["lifespan"])

    assert metrics == {
        "lifespan": {
            "creationDate": "2022-01-05T15:00:00.000Z",
            "closeDate": None,
            "statusInfo": {
                "openDuration": 30 * 60 * 1000,
                "inProgressDuration": 10 * 60 * 1000,
                "reopenDates": ["2022-01-05T15:30:00.000Z", "2022-01-05T15:50:00.000Z"],
            },
        }
    }


async def test_the_lifespan_follows_the_status_changes_of_patch(client: httpx.AsyncClient) -> None:
    """Kibana's getStatusInfo over the `status` user actions a PATCH writes."""
    case = await create_case(client)
    [closed] = await update_cases(
        client, [{"id": case["id"], "version": case["version"], "status": "closed"}]
    )
    [reopened] = await update_cases(
        client, [{"id": case["id"], "version": closed["version"], "status": "open"}]
    )

    metrics = await get_case_metrics(client, case["id"], "lifespan")

    info = metrics["lifespan"]["statusInfo"]
    assert metrics["lifespan"]["creationDate"] == case["created_at"]
    assert metrics["lifespan"]["closeDate"] is None
    assert info["inProgressDuration"] == 0
    assert info["openDuration"] >= 0
    assert info["reopenDates"] == [reopened["updated_at"]]


async def test_a_case_without_attachments_has_no_alerts_nor_host_actions(
    client: httpx.AsyncClient,
) -> None:
    """get_case_metrics_actions.ts: it('responds with zero values if no actions attached to a
    case'), and the alert metrics of a case without alerts (get_case_metrics_alerts.ts)."""
    case = await create_case(client)

    metrics = await get_case_metrics(
        client, case["id"], ["actions.isolateHost", "alerts.count", "alerts.hosts", "alerts.users"]
    )

    assert metrics == {
        "actions": {"isolateHost": {"isolate": {"total": 0}, "unisolate": {"total": 0}}},
        "alerts": NO_ALERTS,
    }
    assert await get_case_metrics(client, case["id"], "alerts.count") == {"alerts": {"count": 0}}


# get_case_metrics_connectors.ts's connectors.
JIRA: dict[str, Any] = {
    "id": "jira",
    "name": "Jira",
    "type": ".jira",
    "fields": {"issueType": "Task", "priority": "High", "parent": None},
}
SERVICENOW = {
    "id": "sn",
    "name": "SN",
    "type": ".servicenow",
    "fields": {
        "urgency": "2",
        "impact": "2",
        "severity": "2",
        "category": "software",
        "subcategory": "os",
    },
}


async def test_a_case_without_connectors_has_none(client: httpx.AsyncClient) -> None:
    """get_case_metrics_connectors.ts: it('returns zero total connectors for a case with no
    connectors attached')."""
    case = await create_case(client)

    assert await get_case_metrics(client, case["id"], ["connectors"]) == {
        "connectors": {"total": 0}
    }


async def test_the_connector_of_the_creation_counts(client: httpx.AsyncClient) -> None:
    """get_case_metrics_connectors.ts: it('takes into account the connector from the
    create_case user action')."""
    case = await create_case(client, case_request(connector=JIRA))

    assert await get_case_metrics(client, case["id"], ["connectors"]) == {
        "connectors": {"total": 1}
    }


async def test_each_connector_counts_once(client: httpx.AsyncClient) -> None:
    """get_case_metrics_connectors.ts: it('returns the correct total number of connectors')."""
    case = await create_case(client)
    version = case["version"]
    for connector in (JIRA, SERVICENOW, {**JIRA, "fields": {**JIRA["fields"], "issueType": "Bug"}}):
        [updated] = await update_cases(
            client, [{"id": case["id"], "version": version, "connector": connector}]
        )
        version = updated["version"]

    assert await get_case_metrics(client, case["id"], ["connectors"]) == {
        "connectors": {"total": 2}
    }


async def test_the_metrics_of_a_missing_case_are_a_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Kibana's getCaseMetrics checks the case (caseService.getCase) before the handlers."""
    await refused(
        client,
        db,
        "GET",
        metrics_url("no-such-case"),
        404,
        "Saved object [cases/no-such-case] not found",
        params={"features": "connectors"},
    )


# --- one case: rbac -----------------------------------------------------------------------

EVERY_CASE_FEATURE = ["lifespan", "alerts.count", "alerts.hosts", "alerts.users", "connectors"]


async def test_readers_of_the_owner_get_the_case_metrics(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """get_case_metrics.ts rbac: it('should retrieve the metrics without getting an
    authorization error')."""
    case = await create_case(client, space="space1")
    readers = [client]
    for username in ["global_read", "sec_only", "sec_only_read", "obs_sec", "obs_sec_read"]:
        readers.append(await kibana_users(username))
    for user in readers:
        metrics = await get_case_metrics(user, case["id"], EVERY_CASE_FEATURE, space="space1")
        assert metrics["alerts"] == NO_ALERTS
        assert metrics["connectors"] == {"total": 0}
        assert metrics["lifespan"]["creationDate"] == case["created_at"]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("no_kibana_privileges", "Unauthorized to access case of any owner"),
        ("obs_only", 'Unauthorized to access case with owners: "securitySolution"'),
        ("obs_only_read", 'Unauthorized to access case with owners: "securitySolution"'),
    ],
)
async def test_a_user_without_access_to_the_owner_gets_no_case_metrics(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers, username: str, message: str
) -> None:
    """get_case_metrics.ts rbac: it('should receive a 403 when attempting to retrieve the
    metrics when the user does not have access to the owner')."""
    case = await create_case(client, space="space1")
    user = await kibana_users(username)

    await refused(
        user,
        db,
        "GET",
        metrics_url(case["id"], space="space1"),
        403,
        message,
        params={"features": EVERY_CASE_FEATURE},
    )


async def test_a_user_without_privileges_in_the_space_gets_no_case_metrics(
    client: httpx.AsyncClient, db: Database, kibana_users: KibanaUsers
) -> None:
    """get_case_metrics.ts rbac: it('should receive a 403 when attempting to retrieve the
    metrics when the user does not have permissions in the space')."""
    case = await create_case(client, space="space2")
    user = await kibana_users("sec_only")

    await refused(
        user,
        db,
        "GET",
        metrics_url(case["id"], space="space2"),
        403,
        "Unauthorized to access case of any owner",
        params={"features": EVERY_CASE_FEATURE},
    )
