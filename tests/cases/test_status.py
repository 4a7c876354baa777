"""A case's status changes: what each sets, and the user actions they leave.

Kibana 9.x (9.1+, PR elastic/kibana#219070) sets these in bulk_update.ts's
createPatchCasesPayload through client/cases/utils.ts (getClosedInfoForUpdate,
getDurationForUpdate, getInProgressInfoForUpdate, getTimingMetricsForUpdate): every figure
is whole seconds rounded down, `in_progress_at` is set on the first move to in-progress only,
and none of these keys exists before the first status change.

Kibana's API cannot date a case: the first tests assert the relations between the answered
timestamps; the last ones fix OpenCases' clock to check exact figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from opencases.cases import service
from tests.cases.conftest import (
    ELASTIC,
    SECURITY,
    case_request,
    case_response,
    create_case,
    get_case,
    seconds_between,
    update_cases,
    user_actions,
)


def status_action(status: str) -> dict[str, Any]:
    """The user action of a status change by `elastic`, without its id, version and time."""
    return {
        "type": "status",
        "action": "update",
        "created_by": ELASTIC,
        "payload": {"status": status},
        "comment_id": None,
        "owner": SECURITY,
    }


CREATE_ACTION = {
    "type": "create_case",
    "action": "create",
    "created_by": ELASTIC,
    "payload": {
        "title": "Super Bad Security Issue",
        "description": "This is a brand new case of a bad meanie defacing data",
        "tags": ["defacement"],
        "connector": {"id": "none", "name": "none", "type": ".none", "fields": None},
        "settings": {"syncAlerts": True},
        "owner": SECURITY,
        "severity": "low",
        "assignees": [],
        "status": "open",
        "category": None,
        "customFields": [],
    },
    "comment_id": None,
    "owner": SECURITY,
}


async def set_status(client: httpx.AsyncClient, case: dict[str, Any], status: str) -> Any:
    """PATCH the case's status; the case as answered, which GET answers too (sans comments)."""
    patched = await update_cases(
        client, [{"id": case["id"], "version": case["version"], "status": status}]
    )
    assert len(patched) == 1
    assert await get_case(client, case["id"]) == {
        key: value for key, value in patched[0].items() if key != "comments"
    }
    return patched[0]


def without_ids(case: dict[str, Any]) -> dict[str, Any]:
    """The case without what the server makes up: its id, version and number."""
    return {k: v for k, v in case.items() if k not in ("id", "version", "incremental_id")}


# --- relations, on the real clock -----------------------------------------------------------


async def test_a_new_case_has_no_status_figures_and_one_create_case_action(
    client: httpx.AsyncClient,
) -> None:
    """post_case.ts: it('should create a user action when creating a case'); the timing keys
    are absent until the first status change, `duration` null from creation (create.ts)."""
    case = await create_case(client)

    assert without_ids(case) == {
        **case_response(),
        "created_at": case["created_at"],
        "updated_at": None,
        "closed_at": None,
    }
    assert await user_actions(client, case["id"]) == [CREATE_ACTION]


async def test_open_to_in_progress_to_closed_to_open_sets_kibanas_figures(
    client: httpx.AsyncClient,
) -> None:
    """patch_cases.ts: it('should change the status of case to in-progress correctly'),
    it('should close the case correctly'), duration's it('updates the duration correctly when
    the case closes') and it('sets the duration to null when the case status changes to
    open'), with 9.x's timings (client/cases/utils.ts)."""
    case = await create_case(client)
    created_at = case["created_at"]

    in_progress = await set_status(client, case, "in-progress")
    started = in_progress["updated_at"]
    assert without_ids(in_progress) == {
        **case_response(status="in-progress", updated_by=ELASTIC),
        "created_at": created_at,
        "updated_at": started,
        "closed_at": None,
        "in_progress_at": started,
        "time_to_acknowledge": seconds_between(created_at, started),
        "time_to_investigate": None,
        "time_to_resolve": None,
    }
    assert await user_actions(client, case["id"]) == [CREATE_ACTION, status_action("in-progress")]

    closed = await set_status(client, in_progress, "closed")
    closed_at = closed["updated_at"]
    assert without_ids(closed) == {
        **case_response(status="closed", closed_by=ELASTIC, updated_by=ELASTIC),
        "created_at": created_at,
        "updated_at": closed_at,
        "closed_at": closed_at,
        "duration": seconds_between(created_at, closed_at),
        "in_progress_at": started,
        "time_to_acknowledge": seconds_between(created_at, started),
        "time_to_investigate": seconds_between(started, closed_at),
        "time_to_resolve": seconds_between(created_at, closed_at),
    }
    assert await user_actions(client, case["id"]) == [
        CREATE_ACTION,
        status_action("in-progress"),
        status_action("closed"),
    ]

    reopened = await set_status(client, closed, "open")
    assert without_ids(reopened) == {
        **case_response(updated_by=ELASTIC),
        "created_at": created_at,
        "updated_at": reopened["updated_at"],
        "closed_at": None,
        "in_progress_at": started,
        "time_to_acknowledge": None,
        "time_to_investigate": None,
        "time_to_resolve": None,
    }
    assert await user_actions(client, case["id"]) == [
        CREATE_ACTION,
        status_action("in-progress"),
        status_action("closed"),
        status_action("open"),
    ]


async def test_closing_an_open_case_acknowledges_and_resolves_it_at_once(
    client: httpx.AsyncClient,
) -> None:
    """Kibana's getTimingMetricsForUpdate: closed without in_progress_at, time to acknowledge
    is time to resolve and time to investigate 0; getInProgressInfoForUpdate sets nothing."""
    case = await create_case(client)

    closed = await set_status(client, case, "closed")

    duration = seconds_between(case["created_at"], closed["closed_at"])
    assert without_ids(closed) == {
        **case_response(status="closed", closed_by=ELASTIC, updated_by=ELASTIC),
        "created_at": case["created_at"],
        "updated_at": closed["closed_at"],
        "closed_at": closed["closed_at"],
        "duration": duration,
        "time_to_acknowledge": duration,
        "time_to_investigate": 0,
        "time_to_resolve": duration,
    }


async def test_a_change_that_keeps_the_status_keeps_the_figures(
    client: httpx.AsyncClient,
) -> None:
    """Kibana's bulk_update.ts passes the status to the timing functions only when it
    changes (getCaseToUpdate drops an equal one): a title change leaves them as they were."""
    case = await create_case(client)
    closed = await set_status(client, case, "closed")

    retitled = await update_cases(
        client,
        [{"id": case["id"], "version": closed["version"], "title": "new", "status": "closed"}],
    )

    assert {**retitled[0], "title": closed["title"]} == {
        **closed,
        "version": retitled[0]["version"],
        "updated_at": retitled[0]["updated_at"],
    }
    assert (await user_actions(client, case["id"]))[2:] == [
        {
            "type": "title",
            "action": "update",
            "created_by": ELASTIC,
            "payload": {"title": "new"},
            "comment_id": None,
            "owner": SECURITY,
        }
    ]


# --- exact figures, on a fixed clock ----------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Fix the time the cases service reads (its `utc_now`); call it to move the clock."""
    moment = ["2026-03-01T10:00:00.000Z"]
    monkeypatch.setattr(service, "utc_now", lambda: moment[0])

    def move(to: str) -> None:
        moment[0] = to

    return move


async def test_each_status_change_sets_exact_figures(
    client: httpx.AsyncClient, clock: Callable[[str], None]
) -> None:
    """client/cases/utils.ts, step by step: in_progress_at set once, time to acknowledge measured at
    each move to in-progress and, on closing, from in_progress_at; reopening nulls them."""
    clock("2026-03-01T10:00:00.000Z")
    case = await create_case(client)

    clock("2026-03-01T10:01:01.500Z")
    case = await set_status(client, case, "in-progress")
    assert (case["in_progress_at"], case["time_to_acknowledge"]) == (
        "2026-03-01T10:01:01.500Z",
        61,
    )

    clock("2026-03-01T11:02:03.250Z")
    case = await set_status(client, case, "closed")
    figures = ("duration", "time_to_acknowledge", "time_to_investigate", "time_to_resolve")
    assert [case[key] for key in figures] == [3723, 61, 3661, 3723]

    clock("2026-03-02T00:00:00.000Z")
    case = await set_status(client, case, "open")
    assert [case[key] for key in figures] == [None, None, None, None]
    assert case["in_progress_at"] == "2026-03-01T10:01:01.500Z"

    clock("2026-03-02T00:00:10.999Z")
    case = await set_status(client, case, "in-progress")
    assert [case[key] for key in figures] == [None, 50410, None, None]
    assert case["in_progress_at"] == "2026-03-01T10:01:01.500Z"

    clock("2026-03-02T01:00:00.000Z")
    case = await set_status(client, case, "closed")
    assert [case[key] for key in figures] == [54000, 61, 53938, 54000]
    assert (case["closed_at"], case["closed_by"], case["updated_at"]) == (
        "2026-03-02T01:00:00.000Z",
        ELASTIC,
        "2026-03-02T01:00:00.000Z",
    )
    assert await user_actions(client, case["id"]) == [
        CREATE_ACTION,
        status_action("in-progress"),
        status_action("closed"),
        status_action("open"),
        status_action("in-progress"),
        status_action("closed"),
    ]


async def test_a_closed_case_moved_to_in_progress_loses_its_closing(
    client: httpx.AsyncClient, clock: Callable[[str], None]
) -> None:
    """Kibana's getClosedInfoForUpdate and getDurationForUpdate: closed → in-progress nulls
    closed_at, closed_by and duration; in_progress_at is set then, as it was never set."""
    clock("2026-03-01T10:00:00.000Z")
    case = await create_case(client, case_request(title="quick"))
    clock("2026-03-01T10:00:30.000Z")
    case = await set_status(client, case, "closed")

    clock("2026-03-01T10:02:00.999Z")
    case = await set_status(client, case, "in-progress")

    assert without_ids(case) == {
        **case_response(case_request(title="quick"), status="in-progress", updated_by=ELASTIC),
        "created_at": "2026-03-01T10:00:00.000Z",
        "updated_at": "2026-03-01T10:02:00.999Z",
        "closed_at": None,
        "in_progress_at": "2026-03-01T10:02:00.999Z",
        "time_to_acknowledge": 120,
        "time_to_investigate": None,
        "time_to_resolve": None,
    }
