"""The metrics of a case that come from its attachments (get_case_metrics_alerts.ts and
get_case_metrics_actions.ts): distinct alert ids, and isolate / unisolate host actions.

Hosts and users come from alert documents in Kibana: OpenCases keeps none, so their totals
stay 0 (tests/cases/test_metrics.py covers a case without attachments).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import SECURITY, create_case
from tests.cases.test_metrics import get_case_metrics


def alert(ids: list[str]) -> dict[str, Any]:
    """An alert attachment of `ids`, each in its own index."""
    return {
        "type": "alert",
        "alertId": ids,
        "index": [f"index-{alert_id}" for alert_id in ids],
        "rule": {"id": "rule", "name": "A rule"},
        "owner": SECURITY,
    }


def host_action(kind: str) -> dict[str, Any]:
    """An endpoint response action of `kind` (isolate, unisolate) on one host."""
    return {
        "type": "actions",
        "comment": f"{kind} the host",
        "actions": {"targets": [{"hostname": "host", "endpointId": "endpoint"}], "type": kind},
        "owner": SECURITY,
    }


async def test_a_case_counts_its_distinct_alerts_and_its_host_actions(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases' own, after get_case_metrics_alerts.ts and get_case_metrics_actions.ts."""
    case = await create_case(client)
    for body in (
        alert(["a1", "a2"]),
        alert(["a2", "a3"]),  # a2 is attached already: only a3 is added
        host_action("isolate"),
        host_action("isolate"),
        host_action("unisolate"),
        {"type": "user", "comment": "not an action", "owner": SECURITY},
    ):
        response = await client.post(f"/api/cases/{case['id']}/comments", json=body)
        assert response.status_code == 200, response.text

    metrics = await get_case_metrics(
        client, case["id"], ["actions.isolateHost", "alerts.count", "alerts.hosts", "alerts.users"]
    )

    assert metrics == {
        "actions": {"isolateHost": {"isolate": {"total": 2}, "unisolate": {"total": 1}}},
        "alerts": {
            "count": 3,
            "hosts": {"total": 0, "values": []},
            "users": {"total": 0, "values": []},
        },
    }


async def test_deleting_an_alert_attachment_takes_its_alerts_out_of_the_count(
    client: httpx.AsyncClient,
) -> None:
    case = await create_case(client)
    posted = await client.post(f"/api/cases/{case['id']}/comments", json=alert(["a1", "a2"]))
    await client.post(f"/api/cases/{case['id']}/comments", json=alert(["a3"]))
    first = posted.json()["comments"][0]["id"]

    response = await client.delete(f"/api/cases/{case['id']}/comments/{first}")

    assert response.status_code == 204
    assert await get_case_metrics(client, case["id"], "alerts.count") == {"alerts": {"count": 1}}
