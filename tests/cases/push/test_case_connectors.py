"""GET /internal/cases/{case_id}/_connectors: the connectors of a case and their push state
(Kibana's user_actions/connectors.ts: internal/get_connectors.ts)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cases.conftest import case_request
from tests.cases.push.conftest import SERVICENOW, comment
from tests.connectors.fakes import FakeService

INTERNAL = {"x-elastic-internal-origin": "Kibana"}


async def connectors_of(client: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    response = await client.get(f"/internal/cases/{case_id}/_connectors", headers=INTERNAL)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_connector_needs_a_push_until_pushed_and_again_after_a_change(
    client: httpx.AsyncClient, fake: FakeService
) -> None:
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    url = f"/api/cases/{case['id']}"
    never = await connectors_of(client, case["id"])

    pushed = (await client.post(f"{url}/connector/servicenow/_push")).json()
    after_push = await connectors_of(client, case["id"])
    assert (await client.post(f"{url}/comments", json=comment("Later"))).status_code == 200
    after_comment = await connectors_of(client, case["id"])

    assert never == {
        "servicenow": {
            "id": "servicenow",
            "name": "ServiceNow",
            "type": ".servicenow",
            "fields": SERVICENOW["fields"],
            "push": {"needsToBePushed": True, "hasBeenPushed": False},
        }
    }
    push_date = pushed["external_service"]["pushed_at"]
    details = {
        "latestUserActionPushDate": push_date,
        "oldestUserActionPushDate": push_date,
        "externalService": pushed["external_service"],
    }
    assert after_push["servicenow"]["push"] == {
        "needsToBePushed": False,
        "hasBeenPushed": True,
        "details": details,
    }
    assert after_comment["servicenow"]["push"] == {
        "needsToBePushed": True,
        "hasBeenPushed": True,
        "details": details,
    }


async def test_changed_connector_fields_need_a_push_and_none_is_never_listed(
    client: httpx.AsyncClient,
) -> None:
    case = (await client.post("/api/cases", json=case_request(connector=SERVICENOW))).json()
    pushed = (await client.post(f"/api/cases/{case['id']}/connector/servicenow/_push")).json()
    changed = {**SERVICENOW, "fields": {**SERVICENOW["fields"], "urgency": "1"}}
    patched = await client.patch(
        "/api/cases",
        json={"cases": [{"id": case["id"], "version": pushed["version"], "connector": changed}]},
    )
    assert patched.status_code == 200, patched.text
    none = (await client.post("/api/cases", json=case_request())).json()

    found = await connectors_of(client, case["id"])

    assert found["servicenow"]["fields"] == changed["fields"]
    assert found["servicenow"]["push"]["needsToBePushed"] is True
    assert await connectors_of(client, none["id"]) == {}
    assert await connectors_of(client, "no-such-case") == {}
