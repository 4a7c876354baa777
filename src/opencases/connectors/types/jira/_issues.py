"""Pushing a case to Jira: the issue created or updated, then its comments."""

from __future__ import annotations

from typing import Any

from opencases.connectors.types.base import JsonObject
from opencases.connectors.types.javascript import js_truthy
from opencases.connectors.types.jira._client import (
    JiraClient,
    JiraFailure,
    defined,
    iso,
    read,
)
from opencases.connectors.types.jira._metadata import get_issue_types
from opencases.kibana.validation import JS_WHITESPACE, UNDEFINED, js_string


async def push(client: JiraClient, params: JsonObject) -> JsonObject:
    """Kibana's pushToServiceHandler: create or update, then add the comments."""
    incident = {key: value for key, value in params["incident"].items() if key != "externalId"}
    external_id = params["incident"].get("externalId")
    if external_id is not None:
        result = await update_incident(client, external_id, incident)
    else:
        result = await create_incident(client, incident)
    comments = params.get("comments")
    if comments:
        result["comments"] = []
        for comment in comments:
            # Kibana skips a comment with empty text.
            if not comment["comment"]:
                continue
            pushed = await create_comment(client, result["id"], comment)
            result["comments"].append(pushed)
    return result


async def get_incident(client: JiraClient, issue_id: Any) -> JsonObject:
    """An issue: its id, key, created and updated dates, then all its fields."""
    try:
        data = await client.call(
            "GET", f"{client.issue_url}/{js_string(issue_id)}", required=("id", "key")
        )
        fields = read(data, "fields")
        incident = {"id": read(data, "id"), "key": read(data, "key")}
        incident["created"] = read(fields, "created")
        incident["updated"] = read(fields, "updated")
        if isinstance(fields, dict):
            incident.update(fields)
        return defined(incident)
    except JiraFailure as error:
        raise client.failure(
            error, f"Unable to get incident with id {js_string(issue_id)}"
        ) from None


async def create_incident(client: JiraClient, incident: JsonObject) -> JsonObject:
    """Create an issue (with the project's first issue type when none is given)."""
    issue_type = incident.get("issueType")
    if not js_truthy(issue_type):
        issue_types = await get_issue_types(client)
        first = issue_types[0].get("id") if issue_types else None
        issue_type = "" if first is None else first
    fields = _fields(client, {**incident, "issueType": issue_type})
    try:
        created = await client.call(
            "POST", client.issue_url, body={"fields": fields}, required=("id",)
        )
        issue = await get_incident(client, read(created, "id"))
        return _pushed(client, issue, "created")
    except JiraFailure as error:
        raise client.failure(error, "Unable to create incident") from None


async def update_incident(client: JiraClient, issue_id: str, incident: JsonObject) -> JsonObject:
    """Update an issue with the incident's non-null fields."""
    given = {key: value for key, value in incident.items() if value is not None}
    try:
        await client.call(
            "PUT", f"{client.issue_url}/{issue_id}", body={"fields": _fields(client, given)}
        )
        issue = await get_incident(client, issue_id)
        return _pushed(client, issue, "updated")
    except JiraFailure as error:
        raise client.failure(error, f"Unable to update incident with id {issue_id}") from None


async def create_comment(client: JiraClient, issue_id: Any, comment: JsonObject) -> JsonObject:
    """Add a comment to an issue."""
    url = f"{client.issue_url}/{js_string(issue_id)}/comment"
    try:
        data = await client.call(
            "POST", url, body={"body": comment["comment"]}, required=("id", "created")
        )
        pushed = iso(read(data, "created"))
        return {"commentId": comment["commentId"], "pushedDate": pushed}
    except JiraFailure as error:
        action = f"Unable to create comment at incident with id {js_string(issue_id)}"
        raise client.failure(error, action) from None


def _pushed(client: JiraClient, issue: JsonObject, date_field: str) -> JsonObject:
    """The push result for an issue as Jira answered it after a create or update."""
    key = issue.get("key", UNDEFINED)
    result = {
        "title": key,
        "id": issue.get("id", UNDEFINED),
        "pushedDate": iso(issue.get(date_field, UNDEFINED)),
        "url": f"{client.base_url}/browse/{js_string(key)}",
    }
    return defined(result)


def _fields(client: JiraClient, incident: JsonObject) -> JsonObject:
    """Kibana's createFields: the issue fields a create or update sends."""
    fields: JsonObject = {
        "summary": _one_line(incident["summary"]),
        "project": {"key": client.project_key},
    }
    if js_truthy(incident.get("issueType")):
        fields["issuetype"] = {"id": incident["issueType"]}
    if js_truthy(incident.get("description")):
        fields["description"] = incident["description"]
    if js_truthy(incident.get("labels")):
        fields["labels"] = incident["labels"]
    if js_truthy(incident.get("priority")):
        fields["priority"] = {"name": incident["priority"]}
    if js_truthy(incident.get("parent")):
        fields["parent"] = {"key": incident["parent"]}
    if js_truthy(incident.get("otherFields")):
        fields.update(incident["otherFields"])
    return fields


def _one_line(summary: str) -> str:
    """Kibana's trimAndRemoveNewlines: each non-blank line trimmed, joined with `, `."""
    lines = summary.replace("\r", "\n").split("\n")
    return ", ".join(line.strip(JS_WHITESPACE) for line in lines if line.strip(JS_WHITESPACE))
