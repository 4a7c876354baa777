"""What a Jira project offers: its issue types, their fields, and issues found by title."""

from __future__ import annotations

from typing import Any

from opencases.connectors.types.base import JsonObject
from opencases.connectors.types.javascript import encode_uri_component, js_truthy
from opencases.connectors.types.jira._client import JiraClient, JiraFailure, pick, read
from opencases.kibana.validation import UNDEFINED, js_keys, js_string


async def get_issue_types(client: JiraClient) -> list[JsonObject]:
    """The project's issue types, as `{id, name}`."""
    try:
        data = await client.call("GET", client.issue_types_url)
        # Jira Cloud answers `issueTypes`, Jira Data Center `values`.
        types = _either(data, "issueTypes", "values", reading="map")
        return [pick(item, "id", "name") for item in types]
    except JiraFailure as error:
        raise client.failure(error, "Unable to get issue types") from None


async def get_fields_by_issue_type(client: JiraClient, issue_type_id: str) -> JsonObject:
    """The fields of an issue type, by field id."""
    try:
        data = await client.call("GET", f"{client.issue_types_url}/{issue_type_id}")
        # Jira Cloud answers `fields`, Jira Data Center `values`.
        listed = _either(data, "fields", "values", reading="reduce")
        by_id = {
            js_string(read(item, "fieldId")): item for item in listed if isinstance(item, dict)
        }
        return {key: _field(by_id[key]) for key in js_keys(by_id)}
    except JiraFailure as error:
        raise client.failure(error, "Unable to get fields") from None


async def get_fields(client: JiraClient) -> JsonObject:
    """The fields every issue type of the project has."""
    common: JsonObject = {}
    for issue_type in await get_issue_types(client):
        type_id = js_string(issue_type.get("id", UNDEFINED))
        fields = await get_fields_by_issue_type(client, type_id)
        # As Kibana's reduce: an empty intersection starts over from the next type.
        common = fields if not common else {k: v for k, v in common.items() if k in fields}
    return common


async def get_issues(client: JiraClient, title: str) -> list[JsonObject]:
    """The project's issues whose summary matches `title`."""
    jql = f'project="{client.project_key}" and summary ~"{_escape_jql(title)}"'
    url = (
        f"{client.base_url}/rest/api/2/search/jql"
        f"?jql={encode_uri_component(jql)}&fields=summary,key"
    )
    try:
        data = await client.call("GET", url)
        issues = data.get("issues") if isinstance(data, dict) else None
        return [_issue(issue) for issue in issues or []]
    except JiraFailure as error:
        raise client.failure(error, "Unable to get issues") from None


async def get_issue(client: JiraClient, issue_id: str) -> JsonObject:
    """One issue as `{id, key, title}`."""
    try:
        data = await client.call("GET", f"{client.issue_url}/{issue_id}")
        return _issue(data if data is not None else {})
    except JiraFailure as error:
        raise client.failure(error, f"Unable to get issue with id {issue_id}") from None


def _escape_jql(text: str) -> str:
    """Kibana's escapeJqlSpecialCharacters."""
    text = text.replace('"', "").replace("\\", "\\\\").replace("'", "\\\\")
    return "".join(f"\\\\{c}" if c in "-!^+&*()[]/{}|:?~" else c for c in text)


def _either(data: Any, first: str, second: str, *, reading: str) -> list[Any]:
    """`const {first, second} = res.data; (first || second).<reading>(...)` as a list."""
    if data is None:
        raise JiraFailure(f"Cannot destructure property '{first}' of 'res.data' as it is null.")
    found = read(data, first)
    if not js_truthy(found):
        found = read(data, second)
    if not isinstance(found, list):
        raise JiraFailure(f"Cannot read properties of {js_string(found)} (reading '{reading}')")
    return found


def _field(field: JsonObject) -> JsonObject:
    """Kibana's normalizeFields entry for one field."""
    normal: JsonObject = {}
    if "required" in field:
        normal["required"] = field["required"]
    normal["allowedValues"] = (
        field["allowedValues"] if field.get("allowedValues") is not None else []
    )
    normal["defaultValue"] = field["defaultValue"] if field.get("defaultValue") is not None else {}
    normal.update(pick(field, "schema", "name"))
    return normal


def _issue(issue: Any) -> JsonObject:
    """Kibana's normalizeIssue: `{id, key, title}`."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    summary = fields.get("summary") if isinstance(fields, dict) else None
    return {**pick(issue, "id", "key"), "title": summary}
