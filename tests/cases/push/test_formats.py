"""The incident each connector type receives for a case (Kibana's server/connectors/<type>/)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from opencases.cases.attachments.store import AttachmentRecord
from opencases.cases.push.service import actions_text, author_of, incident_of
from opencases.cases.store import CaseRecord
from opencases.configure.schemas import UserRef

ANNA = UserRef(username="anna", full_name="Anna Analyst", email=None, profile_uid="u_anna")
BOB = UserRef(username="bob", full_name=None, email=None, profile_uid="u_bob")
NOBODY = UserRef(username=None, full_name=None, email=None)


def case(connector: dict[str, Any], **overrides: Any) -> CaseRecord:
    """A stored case with `connector`, created by Anna."""
    values = {
        "id": "case-1",
        "space_id": "default",
        "owner": "securitySolution",
        "incremental_id": 1,
        "title": "Phishing",
        "description": "A mail with a link",
        "tags": ["phish", "needs  triage"],
        "status": "open",
        "severity": "high",
        "connector": connector,
        "settings": {"syncAlerts": False},
        "assignees": [],
        "category": None,
        "customFields": [],
        "observables": [],
        "external_service": None,
        "timing": {},
        "duration": None,
        "closed_at": None,
        "closed_by": None,
        "created_at": "2026-12-01T10:00:00.000Z",
        "created_by": msgspec.to_builtins(ANNA),
        "updated_at": None,
        "updated_by": None,
        "total_comments": 0,
        "total_alerts": 0,
        "user_action_count": 1,
        "revision": 1,
        **overrides,
    }
    return msgspec.convert(values, CaseRecord)


JIRA = {
    "id": "j",
    "name": "J",
    "type": ".jira",
    "fields": {"issueType": "10001", "priority": "High", "parent": None},
}


@pytest.mark.parametrize(
    ("connector", "kind", "expected"),
    [
        (
            JIRA,
            ".jira",
            {
                "summary": "Phishing",
                "description": "A mail with a link\n\nAdded by Anna Analyst.",
                "issueType": "10001",
                "priority": "High",
                "parent": None,
                "labels": ["phish", "needs-triage"],
                "otherFields": None,
                "externalId": None,
            },
        ),
        (
            {
                "id": "r",
                "name": "R",
                "type": ".resilient",
                "fields": {"incidentTypes": ["17"], "severityCode": "5"},
            },
            ".resilient",
            {
                "name": "Phishing",
                "description": "A mail with a link\n\nAdded by Anna Analyst.",
                "incidentTypes": ["17"],
                "severityCode": "5",
                "additionalFields": None,
                "externalId": None,
            },
        ),
        (
            {
                "id": "s",
                "name": "S",
                "type": ".servicenow-sir",
                "fields": {
                    "category": "c",
                    "destIp": True,
                    "malwareHash": False,
                    "malwareUrl": None,
                    "priority": "1",
                    "sourceIp": True,
                    "subcategory": None,
                },
            },
            ".servicenow-sir",
            {
                "short_description": "Phishing",
                "description": "A mail with a link\n\nAdded by Anna Analyst.",
                "dest_ip": [],
                "source_ip": [],
                "malware_hash": [],
                "malware_url": [],
                "category": "c",
                "subcategory": None,
                "priority": "1",
                "correlation_id": "case-1",
                "correlation_display": "Elastic Case",
                "additional_fields": None,
                "externalId": None,
            },
        ),
        (
            {"id": "w", "name": "W", "type": ".swimlane", "fields": None},
            ".swimlane",
            {
                "caseName": "Phishing",
                "description": "A mail with a link\n\nAdded by Anna Analyst.",
                "caseId": "case-1",
                "externalId": None,
            },
        ),
        (
            {"id": "h", "name": "H", "type": ".thehive", "fields": {"tlp": 2}},
            ".thehive",
            {
                "title": "Phishing",
                "description": "A mail with a link\n\nAdded by Anna Analyst.",
                "tags": ["phish", "needs  triage"],
                "tlp": 2,
                "severity": 3,
                "externalId": None,
            },
        ),
        (
            {"id": "c", "name": "C", "type": ".cases-webhook", "fields": None},
            ".cases-webhook",
            # No mapping: the templates place the fields, sent as the case holds them.
            {
                "title": "Phishing",
                "description": "A mail with a link",
                "tags": ["phish", "needs  triage"],
                "externalId": None,
            },
        ),
    ],
    ids=["jira", "resilient", "servicenow-sir", "swimlane", "thehive", "cases-webhook"],
)
def test_each_connector_type_gets_its_incident(
    connector: dict[str, Any], kind: str, expected: dict[str, Any]
) -> None:
    assert incident_of(case(connector), kind, None) == expected


def test_an_update_names_the_external_incident_and_the_updater() -> None:
    updated = case(JIRA, updated_by=msgspec.to_builtins(BOB), updated_at="2026-12-02T10:00:00.000Z")

    incident = incident_of(updated, ".jira", "PROJ-7")

    assert (incident["description"], incident["externalId"]) == (
        "A mail with a link\n\nAdded by bob.",
        "PROJ-7",
    )


def test_who_added_it_is_the_updater_then_the_creator_else_unknown() -> None:
    """Kibana's getEntity: an updater without a name is not passed over."""
    assert author_of(None, ANNA) == "Anna Analyst"
    assert author_of(BOB, ANNA) == "bob"
    assert author_of(NOBODY, ANNA) == "Unknown"
    assert author_of(None, None) == "Unknown"


def actions_comment(kind: str, hosts: list[str]) -> AttachmentRecord:
    """An endpoint response action on `hosts`."""
    return AttachmentRecord(
        id="a",
        case_id="case-1",
        space_id="default",
        owner="securitySolution",
        type="actions",
        attributes={
            "comment": "contained",
            "actions": {
                "targets": [{"hostname": host, "endpointId": host} for host in hosts],
                "type": kind,
            },
        },
        created_at="2026-12-01T10:00:00.000Z",
        created_by=ANNA,
        pushed_at=None,
        pushed_by=None,
        updated_at=None,
        updated_by=None,
        revision=1,
    )


def test_host_actions_are_sent_in_words() -> None:
    """Kibana's getCommentContent of `actions` attachments."""
    assert (
        actions_text(actions_comment("isolate", ["h1"]))
        == "Isolated host h1 with comment: contained"
    )
    assert (
        actions_text(actions_comment("unisolate", ["h1", "h2", "h3"]))
        == "Released host h1 and 2 more with comment: contained"
    )
    assert (
        actions_text(actions_comment("isolate", []))
        == "Isolated host unknown with comment: contained"
    )
    assert actions_text(actions_comment("kill-process", ["h1"])) == ""
