"""POST /api/core/capabilities: what a user's pages may offer, per space and owner."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Users

ALL_CASES = {
    "read_cases": True,
    "create_cases": True,
    "update_cases": True,
    "delete_cases": True,
    "push_cases": True,
    "cases_connectors": True,
    "cases_settings": True,
    "create_comment": True,
    "case_reopen": True,
    "cases_assign": True,
}
READ_CASES = {name: name in ("read_cases", "cases_connectors") for name in ALL_CASES}
NO_CASES = dict.fromkeys(ALL_CASES, False)
CONNECTORS = {"show": True, "execute": True, "save": True, "delete": True}


async def capabilities(client: httpx.AsyncClient, prefix: str = "") -> dict[str, Any]:
    """The caller's capabilities in a space."""
    response = await client.post(f"{prefix}/api/core/capabilities", json={"applications": []})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_superuser_may_do_everything(client: httpx.AsyncClient) -> None:
    assert await capabilities(client) == {
        "navLinks": {},
        "catalogue": {},
        "generalCasesV3": ALL_CASES,
        "observabilityCasesV3": ALL_CASES,
        "securitySolutionCasesV3": ALL_CASES,
        "actions": CONNECTORS,
        "management": {
            "insightsAndAlerting": {"triggersActionsConnectors": True, "cases": True},
            "kibana": {"spaces": True},
        },
    }


async def test_a_role_s_feature_levels_and_spaces_decide(
    client: httpx.AsyncClient, users: Users
) -> None:
    await client.post("/api/spaces/space", json={"id": "space1", "name": "Space 1"})
    await users.role(
        "analyst",
        [
            {
                "feature": {"securitySolutionCasesV3": ["all"], "generalCases": ["read"]},
                "spaces": ["space1"],
            },
            {"feature": {"actions": ["read"]}, "spaces": ["*"]},
        ],
    )
    async with await users.user("analyst", ["analyst"]) as analyst:
        in_space1 = await capabilities(analyst, "/s/space1")
        in_default = await capabilities(analyst)
    assert in_space1["securitySolutionCasesV3"] == ALL_CASES
    assert in_space1["generalCasesV3"] == READ_CASES
    assert in_space1["observabilityCasesV3"] == NO_CASES
    assert in_space1["actions"] == {"show": True, "execute": True, "save": False, "delete": False}
    assert in_space1["management"] == {
        "insightsAndAlerting": {"triggersActionsConnectors": True, "cases": True},
        "kibana": {"spaces": False},
    }
    assert in_default["securitySolutionCasesV3"] == NO_CASES
    assert in_default["generalCasesV3"] == NO_CASES


async def test_a_feature_disabled_in_the_space_is_offered_to_nobody(
    client: httpx.AsyncClient,
) -> None:
    body = {"id": "quiet", "name": "Quiet", "disabledFeatures": ["observabilityCasesV3"]}
    assert (await client.post("/api/spaces/space", json=body)).status_code == 200
    found = await capabilities(client, "/s/quiet")
    assert found["observabilityCasesV3"] == NO_CASES
    assert found["generalCasesV3"] == ALL_CASES


async def test_the_body_is_checked_as_kibana_checks_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/core/capabilities", json={"applications": "cases"})
    assert (response.status_code, response.json()) == (
        400,
        {
            "statusCode": 400,
            "error": "Bad Request",
            "message": (
                "[request body.applications]: expected value of type [array] but got [string]"
            ),
        },
    )
