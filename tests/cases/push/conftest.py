"""What the push tests share: a ServiceNow fake, the app whose network it is, `elastic`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.cases.conftest import ELASTIC, SECURITY
from tests.conftest import ELASTIC_PASSWORD, make_client
from tests.connectors.fakes import FakeService
from tests.connectors.helpers import connector_settings, started_app
from tests.connectors.types.test_servicenow import (
    STORED_INCIDENT,
    URL,
    VIEW_URL,
    serve_table_api,
)

SERVICENOW: dict[str, Any] = {
    "id": "servicenow",
    "name": "ServiceNow",
    "type": ".servicenow",
    "fields": {
        "severity": "1",
        "urgency": "2",
        "impact": "3",
        "category": "software",
        "subcategory": "os",
        "additionalFields": None,
    },
}


@pytest.fixture
def fake() -> FakeService:
    """ServiceNow, on its Table API."""
    service = FakeService()
    serve_table_api(service)
    return service


@pytest.fixture
async def app(database_url: str, elastic_hash: str, fake: FakeService) -> AsyncIterator[Starlette]:
    """The app with the shipped connector types, its network the fake."""
    settings = connector_settings(database_url)
    async with started_app(settings, elastic_hash, fake, connector_types=None) as application:
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """`elastic`, with a ServiceNow connector and close-by-pushing for securitySolution."""
    credentials = {"auth": ("elastic", ELASTIC_PASSWORD), "headers": {"kbn-xsrf": "true"}}
    async with make_client(app, **credentials) as http:
        created = await http.post(
            "/api/actions/connector/servicenow",
            json={
                "name": "ServiceNow",
                "connector_type_id": ".servicenow",
                "config": {"apiUrl": URL, "usesTableApi": True},
                "secrets": {"username": "admin", "password": "secret"},
            },
        )
        assert created.status_code == 200, created.text
        configured = await http.post(
            "/api/cases/configure",
            json={
                "connector": {**SERVICENOW, "fields": None},
                "closure_type": "close-by-pushing",
                "owner": SECURITY,
            },
        )
        assert configured.status_code == 200, configured.text
        yield http


def comment(text: str) -> dict[str, Any]:
    return {"type": "user", "comment": text, "owner": SECURITY}


ALERT = {
    "type": "alert",
    "alertId": ["alert-1", "alert-2"],
    "index": ["index", "index"],
    "rule": {"id": "rule", "name": "A rule"},
    "owner": SECURITY,
}


def incident(case: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What ServiceNow's Table API receives for the case: mapped fields, the connector's."""
    return {
        "short_description": case["title"],
        "description": f"{case['description']}\n\nAdded by elastic.",
        "severity": "1",
        "urgency": "2",
        "impact": "3",
        "category": "software",
        "subcategory": "os",
        "correlation_id": case["id"],
        "correlation_display": "Elastic Case",
        **extra,
    }


def writes(fake: FakeService) -> list[tuple[str, Any]]:
    """The incident writes ServiceNow received (its reads left out), and forgets them."""
    found = [(r.method, r.body) for r in fake.received if r.method != "GET"]
    fake.received.clear()
    return found


def external_service(pushed_at: str) -> dict[str, Any]:
    """The case's `external_service` after a push to the fake."""
    return {
        "connector_id": "servicenow",
        "connector_name": "ServiceNow",
        "external_id": "sys-1",
        "external_title": STORED_INCIDENT["number"],
        "external_url": VIEW_URL,
        "pushed_at": pushed_at,
        "pushed_by": ELASTIC,
    }
