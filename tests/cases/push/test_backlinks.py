"""With Kibana's server.publicBaseUrl set, a push links the incident to the case and alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.cases.conftest import SECURITY, case_request
from tests.cases.push.conftest import ALERT, SERVICENOW, comment, incident, writes
from tests.conftest import ELASTIC_PASSWORD, make_client
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import connector_settings, started_app
from tests.connectors.types.test_servicenow import URL, serve_table_api

BASE = "https://localhost:5601"
# A connector id names one connector in every space: each space has its own.
CONNECTORS = {"": "servicenow", "/s/space1": "servicenow-1"}


@pytest.fixture
def fake() -> FakeService:
    """ServiceNow, on its Table API."""
    service = FakeService()
    serve_table_api(service)
    return service


@pytest.fixture
async def app(database_url: str, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with a public base URL, its network the fake."""
    settings = connector_settings(database_url, public_base_url=BASE)
    async with started_app(settings, elastic_hash, fake, connector_types=None) as application:
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """`elastic`, with a ServiceNow connector in the default space and in space1."""
    credentials = {"auth": ("elastic", ELASTIC_PASSWORD), "headers": {"kbn-xsrf": "true"}}
    async with make_client(app, **credentials) as http:
        assert (await http.post("/api/spaces/space", json={"id": "space1", "name": "1"})).is_success
        for prefix in CONNECTORS:
            created = await http.post(
                f"{prefix}/api/actions/connector/{CONNECTORS[prefix]}",
                json={
                    "name": "ServiceNow",
                    "connector_type_id": ".servicenow",
                    "config": {"apiUrl": URL, "usesTableApi": True},
                    "secrets": {"username": "admin", "password": "secret"},
                },
            )
            assert created.status_code == 200, created.text
        yield http


@pytest.mark.parametrize(
    ("prefix", "owner", "path"),
    [
        ("", SECURITY, "/app/security/cases"),
        ("/s/space1", SECURITY, "/s/space1/app/security/cases"),
        ("", "observability", "/app/observability/cases"),
    ],
    ids=["default space", "space1", "observability"],
)
async def test_the_description_and_the_alert_count_link_to_the_case(
    client: httpx.AsyncClient, fake: FakeService, prefix: str, owner: str, path: str
) -> None:
    """push_case.ts: it('should map the fields and add the backlink to Kibana correctly'),
    it('should map the fields and add the backlink with spaceId to Kibana correctly') and
    it('should format the totalAlerts with spaceId correctly'): the case's page in its
    owner's application (Kibana's getCaseViewPath)."""
    case = (
        await client.post(
            f"{prefix}/api/cases", json=case_request(connector=SERVICENOW, owner=owner)
        )
    ).json()
    for body in (comment("A look"), ALERT):
        posted = await client.post(
            f"{prefix}/api/cases/{case['id']}/comments", json={**body, "owner": owner}
        )
        assert posted.status_code == 200, posted.text
    fake.received.clear()

    connector = CONNECTORS[prefix]
    response = await client.post(f"{prefix}/api/cases/{case['id']}/connector/{connector}/_push")

    assert response.status_code == 200, response.text
    url = f"{BASE}{path}/{case['id']}"
    description = (
        f"{case['description']}\n\nAdded by elastic.\n"
        f"For more details, view this case in Kibana.\nCase URL: {url}"
    )
    assert writes(fake) == [
        (
            "POST",
            {
                **incident(case),
                "description": description,
                "caller_id": "admin",
                "opened_by": "admin",
            },
        ),
        (
            "PATCH",
            incident(case, description=description, work_notes="A look\n\nAdded by elastic."),
        ),
        (
            "PATCH",
            incident(
                case,
                description=description,
                work_notes="Elastic Alerts attached to the case: 2\n\nFor more details, view the"
                f" alerts in Kibana\nAlerts URL: {url}/?tabId=alerts",
            ),
        ),
    ]
