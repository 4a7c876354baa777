"""A case as each connector type's pushToService takes it (Kibana's server/connectors/<type>/).

Each type maps the case's title and description to its own fields (the connector type's
fixed mapping, which the configuration's `mappings` only display) and adds the fields of
the case's connector (`format`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from opencases.cases.store import CaseRecord

# Where each type puts the case's title and description (Kibana's getMapping()).
TITLE_AND_DESCRIPTION = {
    ".jira": ("summary", "description"),
    ".servicenow": ("short_description", "description"),
    ".servicenow-sir": ("short_description", "description"),
    ".resilient": ("name", "description"),
    ".swimlane": ("caseName", "description"),
    ".thehive": ("title", "description"),
}
_WHITESPACE = re.compile(r"\s+")


def _json_object(value: Any) -> Any:
    """A JSON object sent as text in a case's connector fields, parsed as Kibana parses it."""
    return json.loads(value) if isinstance(value, str) and value else value or None


def connector_fields(case: CaseRecord, kind: str) -> dict[str, Any]:
    """Kibana's `format(theCase)` of connector type `kind`: it reads the case's connector."""
    fields: dict[str, Any] = msgspec.to_builtins(case.connector.fields) or {}
    if kind == ".jira":
        return {
            "issueType": fields.get("issueType"),
            "priority": fields.get("priority"),
            "parent": fields.get("parent"),
            "labels": [_WHITESPACE.sub("-", tag) for tag in case.tags],
            "otherFields": _json_object(fields.get("otherFields")),
        }
    if kind == ".servicenow":
        return {
            "severity": fields.get("severity"),
            "urgency": fields.get("urgency"),
            "impact": fields.get("impact"),
            "category": fields.get("category"),
            "subcategory": fields.get("subcategory"),
            "correlation_id": case.id,
            "correlation_display": "Elastic Case",
            "additional_fields": _json_object(fields.get("additionalFields")),
        }
    if kind == ".servicenow-sir":
        # Its observables come from alert documents (destination.ip, ...): OpenCases keeps
        # none, so the lists stay empty.
        return {
            "dest_ip": [],
            "source_ip": [],
            "malware_hash": [],
            "malware_url": [],
            "category": fields.get("category"),
            "subcategory": fields.get("subcategory"),
            "priority": fields.get("priority"),
            "correlation_id": case.id,
            "correlation_display": "Elastic Case",
            "additional_fields": _json_object(fields.get("additionalFields")),
        }
    if kind == ".resilient":
        return {
            "incidentTypes": fields.get("incidentTypes"),
            "severityCode": fields.get("severityCode"),
            "additionalFields": _json_object(fields.get("additionalFields")),
        }
    if kind == ".swimlane":
        # Kibana's `{caseId = theCase.id} = fields ?? {}`: a null caseId stays null.
        return {"caseId": fields.get("caseId", case.id)}
    if kind == ".thehive":
        return {
            "tags": case.tags,
            "severity": _THEHIVE_SEVERITY[case.severity],
            "tlp": fields.get("tlp"),
        }
    if kind == ".cases-webhook":
        # Its mapping is empty: its templates place the case's fields, sent as they are.
        return {"title": case.title, "description": case.description, "tags": case.tags}
    return {}


# Kibana's case severity as TheHive numbers it (1 low ... 4 critical).
_THEHIVE_SEVERITY = {"low": 1, "medium": 2, "high": 3, "critical": 4}
