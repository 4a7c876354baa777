"""The `.jira` connector type: its config, secrets and params, and its sub-actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from opencases.connectors.errors import ConnectorError
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    validate_schema,
)
from opencases.connectors.types.config_schema import (
    AnyValue,
    ArrayOf,
    Nullable,
    Object,
    RecordOf,
    Schema,
    String,
    keys_allowed,
    record_max_keys,
    sub_action_params,
)
from opencases.connectors.types.jira import _issues, _metadata
from opencases.connectors.types.jira._client import NAME, JiraClient, JiraFailure
from opencases.kibana.validation import JS_WHITESPACE

# Kibana's MAX_OTHER_FIELDS_LENGTH (common/jira/constants.ts).
MAX_OTHER_FIELDS = 20


# --- config and secrets -------------------------------------------------------


class JiraConfig(msgspec.Struct, forbid_unknown_fields=True):
    """A Jira connector's config."""

    apiUrl: str
    projectKey: str


class JiraSecrets(msgspec.Struct, forbid_unknown_fields=True):
    """A Jira connector's secrets: an Atlassian account and its API token."""

    email: str
    apiToken: str


# --- params ------------------------------------------------------------------


def _label(label: str) -> str | None:
    # Kibana tests the label against /\s/: JavaScript's white space and line terminators.
    if any(character in JS_WHITESPACE for character in label):
        return f"The label {label} cannot contain spaces"
    return None


INCIDENT_FIELDS = (
    "summary",
    "description",
    "externalId",
    "issueType",
    "priority",
    "labels",
    "parent",
    "otherFields",
)


INCIDENT = Object(
    {
        "summary": String(),
        "description": Nullable(String()),
        "externalId": Nullable(String()),
        "issueType": Nullable(String()),
        "priority": Nullable(String()),
        "labels": Nullable(ArrayOf(String(_label), from_json=True)),
        "parent": Nullable(String()),
        "otherFields": Nullable(
            RecordOf(
                String(keys_allowed("otherFields", INCIDENT_FIELDS)),
                AnyValue(),
                record_max_keys("otherFields", MAX_OTHER_FIELDS),
            )
        ),
    }
)
COMMENTS = Nullable(ArrayOf(Object({"comment": String(), "commentId": String()}), from_json=True))
# Kibana's order, which is the order of the alternatives in a refusal.
SUB_ACTIONS: dict[str, Schema] = {
    "getFields": Object({}),
    "getIncident": Object({"externalId": String()}),
    "handshake": Object({}),
    "pushToService": Object({"incident": INCIDENT, "comments": COMMENTS}),
    "issueTypes": Object({}),
    "fieldsByIssueType": Object({"id": String()}),
    "issues": Object({"title": String()}),
    "issue": Object({"id": String()}),
}
PARAMS = sub_action_params(SUB_ACTIONS)


# --- the connector type -------------------------------------------------------------


class Jira(ConnectorType):
    """Kibana's `.jira` connector type."""

    id = ".jira"
    name = NAME
    minimum_license_required = "gold"
    supported_feature_ids = ("alerting", "cases", "uptime", "siem")
    config_struct = JiraConfig
    secrets_struct = JiraSecrets

    def validate_params(self, params: JsonObject) -> JsonObject:
        """The params of one of Jira's sub-actions, nullable fields defaulting to null."""
        return validate_schema(PARAMS, params)

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Run one sub-action against Jira."""
        sub_action = execution.params["subAction"]
        params = execution.params["subActionParams"]
        client = JiraClient(http=execution.http, config=execution.config, secrets=execution.secrets)
        if sub_action == "handshake":
            # Kibana's Jira api has a handshake handler but leaves it out of the
            # sub-actions its executor supports.
            raise ConnectorError(
                f"[Action][ExternalService] subAction {sub_action} not implemented."
            )
        try:
            data = await _SUB_ACTION_RUNNERS[sub_action](client, params)
        except JiraFailure as error:
            raise ConnectorError(error.message, user=error.user) from None
        return ExecutorResult(data=data if data is not None else {})


async def _get_incident(client: JiraClient, params: JsonObject) -> Any:
    return await _issues.get_incident(client, params["externalId"])


async def _issue_types(client: JiraClient, params: JsonObject) -> Any:
    return await _metadata.get_issue_types(client)


async def _fields_by_issue_type(client: JiraClient, params: JsonObject) -> Any:
    return await _metadata.get_fields_by_issue_type(client, params["id"])


async def _get_fields(client: JiraClient, params: JsonObject) -> Any:
    return await _metadata.get_fields(client)


async def _issues_by_title(client: JiraClient, params: JsonObject) -> Any:
    return await _metadata.get_issues(client, params["title"])


async def _issue_by_id(client: JiraClient, params: JsonObject) -> Any:
    return await _metadata.get_issue(client, params["id"])


_SUB_ACTION_RUNNERS: dict[str, Callable[[JiraClient, JsonObject], Awaitable[Any]]] = {
    "pushToService": _issues.push,
    "getIncident": _get_incident,
    "issueTypes": _issue_types,
    "fieldsByIssueType": _fields_by_issue_type,
    "getFields": _get_fields,
    "issues": _issues_by_title,
    "issue": _issue_by_id,
}

CONNECTOR_TYPES: tuple[ConnectorType, ...] = (Jira(),)
