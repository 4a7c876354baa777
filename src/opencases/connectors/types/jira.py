"""The Jira connector (`.jira`): issues in a Jira project through Jira's REST API v2.

Follows Kibana's `stack_connectors/server/connector_types/jira/` (schema.ts, service.ts,
api.ts, index.ts) and the response checks of `actions/server/lib/axios_utils.ts`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from opencases.connectors.outbound import Outbound, OutboundError
from opencases.connectors.types.base import (
    ConnectorError,
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
from opencases.connectors.types.javascript import (
    axios_data,
    check_response,
    encode_uri_component,
    js_iso_date,
    js_truthy,
)
from opencases.kibana.validation import JS_WHITESPACE, UNDEFINED, js_keys, js_string

NAME = "Jira"
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


# --- JavaScript semantics the service relies on -------------------------------------


class _Thrown(Exception):
    """An error Kibana's Jira service would throw.

    `data` and `status` are axios's response data and status for a refused call;
    `user` marks an error Kibana blames on the user.
    """

    def __init__(
        self,
        message: str,
        *,
        data: Any = UNDEFINED,
        status: int | None = None,
        user: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.data = data
        self.status = status
        self.user = user


def _iso(value: Any) -> str:
    """`new Date(value).toISOString()`, thrown inside the service when invalid."""
    try:
        return js_iso_date(value)
    except ConnectorError as error:
        raise _Thrown(error.message) from None


def _property(value: Any, name: str) -> Any:
    """`value.name`, with V8's TypeError for undefined or null."""
    if value is UNDEFINED or value is None:
        raise _Thrown(f"Cannot read properties of {js_string(value)} (reading '{name}')")
    return value.get(name, UNDEFINED) if isinstance(value, dict) else UNDEFINED


def _escape_jql(text: str) -> str:
    """Kibana's escapeJqlSpecialCharacters."""
    text = text.replace('"', "").replace("\\", "\\\\").replace("'", "\\\\")
    return "".join(f"\\\\{c}" if c in "-!^+&*()[]/{}|:?~" else c for c in text)


def _error_reason(data: Any) -> str:
    """Kibana's createErrorMessage: Jira's `errorMessages`, else its `errors` values."""
    if data is None or data is UNDEFINED:
        return "unknown: errorResponse was null"
    messages = data.get("errorMessages") if isinstance(data, dict) else None
    if isinstance(messages, list) and messages:
        return ", ".join("" if m is None else js_string(m) for m in messages)
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors is None:
        return "unknown: errorResponse.errors was null"
    values = errors.values() if isinstance(errors, dict) else errors
    reason = ""
    for value in values if isinstance(values, list) else list(values):
        reason = f"{reason} {js_string(value)}" if reason else js_string(value)
    return reason


# --- the service ------------------------------------------------------------------


class JiraService:
    """Jira's REST API v2 as Kibana's Jira service calls it."""

    def __init__(self, *, http: Outbound, config: JsonObject, secrets: JsonObject) -> None:
        url, project_key = config["apiUrl"], config["projectKey"]
        email, api_token = secrets["email"], secrets["apiToken"]
        if not (url and project_key and api_token and email):
            raise ConnectorError(f"[Action]{NAME}: Wrong configuration.")
        self.http = http
        self.base_url = url.removesuffix("/")
        self.project_key = project_key
        self.auth = (email, api_token)
        self.issue_url = f"{self.base_url}/rest/api/2/issue"
        self.issue_types_url = f"{self.issue_url}/createmeta/{project_key}/issuetypes"

    async def _call(
        self, method: str, url: str, *, body: Any = None, required: tuple[str, ...] = ()
    ) -> Any:
        """The response data of a call, checked as Kibana's throwIfResponseIsNotValid does."""
        try:
            response = await self.http.request(method, url, json_body=body, auth=self.auth)
        except OutboundError as exc:
            data = UNDEFINED if exc.response is None else axios_data(exc.response.content)
            status = None if exc.response is None else exc.response.status
            raise _Thrown(exc.message, data=data, status=status) from None
        data = axios_data(response.content)
        try:
            check_response(response, data, method=method.lower(), url=url, required=required)
        except ConnectorError as error:
            raise _Thrown(error.message) from None
        return data

    def _failure(self, error: _Thrown, action: str) -> _Thrown:
        """Kibana's wrapError: the action, axios's message and Jira's reason."""
        reason = _error_reason(error.data)
        message = f"[Action][{NAME}]: {action}. Error: {error.message}. Reason: {reason}"
        # Kibana blames the user for Jira's rate limit, and the framework for the rest.
        return _Thrown(message, user=error.status == 429)

    def _pushed(self, issue: JsonObject, date_field: str) -> JsonObject:
        """The push result for an issue as Jira answered it after a create or update."""
        key = issue.get("key", UNDEFINED)
        result = {
            "title": key,
            "id": issue.get("id", UNDEFINED),
            "pushedDate": _iso(issue.get(date_field, UNDEFINED)),
            "url": f"{self.base_url}/browse/{js_string(key)}",
        }
        return _defined(result)

    def _fields(self, incident: JsonObject) -> JsonObject:
        """Kibana's createFields: the issue fields a create or update sends."""
        fields: JsonObject = {
            "summary": _one_line(incident["summary"]),
            "project": {"key": self.project_key},
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

    async def get_incident(self, issue_id: Any) -> JsonObject:
        """An issue: its id, key, created and updated dates, then all its fields."""
        try:
            data = await self._call(
                "GET", f"{self.issue_url}/{js_string(issue_id)}", required=("id", "key")
            )
            fields = _property(data, "fields")
            incident = {"id": _property(data, "id"), "key": _property(data, "key")}
            incident["created"] = _property(fields, "created")
            incident["updated"] = _property(fields, "updated")
            if isinstance(fields, dict):
                incident.update(fields)
            return _defined(incident)
        except _Thrown as error:
            raise self._failure(
                error, f"Unable to get incident with id {js_string(issue_id)}"
            ) from None

    async def create_incident(self, incident: JsonObject) -> JsonObject:
        """Create an issue (with the project's first issue type when none is given)."""
        issue_type = incident.get("issueType")
        if not js_truthy(issue_type):
            issue_types = await self.get_issue_types()
            first = issue_types[0].get("id") if issue_types else None
            issue_type = "" if first is None else first
        fields = self._fields({**incident, "issueType": issue_type})
        try:
            created = await self._call(
                "POST", self.issue_url, body={"fields": fields}, required=("id",)
            )
            issue = await self.get_incident(_property(created, "id"))
            return self._pushed(issue, "created")
        except _Thrown as error:
            raise self._failure(error, "Unable to create incident") from None

    async def update_incident(self, issue_id: str, incident: JsonObject) -> JsonObject:
        """Update an issue with the incident's non-null fields."""
        given = {key: value for key, value in incident.items() if value is not None}
        try:
            await self._call(
                "PUT", f"{self.issue_url}/{issue_id}", body={"fields": self._fields(given)}
            )
            issue = await self.get_incident(issue_id)
            return self._pushed(issue, "updated")
        except _Thrown as error:
            raise self._failure(error, f"Unable to update incident with id {issue_id}") from None

    async def create_comment(self, issue_id: Any, comment: JsonObject) -> JsonObject:
        """Add a comment to an issue."""
        url = f"{self.issue_url}/{js_string(issue_id)}/comment"
        try:
            data = await self._call(
                "POST", url, body={"body": comment["comment"]}, required=("id", "created")
            )
            pushed = _iso(_property(data, "created"))
            return {"commentId": comment["commentId"], "pushedDate": pushed}
        except _Thrown as error:
            action = f"Unable to create comment at incident with id {js_string(issue_id)}"
            raise self._failure(error, action) from None

    async def get_issue_types(self) -> list[JsonObject]:
        """The project's issue types, as `{id, name}`."""
        try:
            data = await self._call("GET", self.issue_types_url)
            # Jira Cloud answers `issueTypes`, Jira Data Center `values`.
            types = _either(data, "issueTypes", "values", reading="map")
            return [_pick(item, "id", "name") for item in types]
        except _Thrown as error:
            raise self._failure(error, "Unable to get issue types") from None

    async def get_fields_by_issue_type(self, issue_type_id: str) -> JsonObject:
        """The fields of an issue type, by field id."""
        try:
            data = await self._call("GET", f"{self.issue_types_url}/{issue_type_id}")
            # Jira Cloud answers `fields`, Jira Data Center `values`.
            listed = _either(data, "fields", "values", reading="reduce")
            by_id = {
                js_string(_property(item, "fieldId")): item
                for item in listed
                if isinstance(item, dict)
            }
            return {key: _field(by_id[key]) for key in js_keys(by_id)}
        except _Thrown as error:
            raise self._failure(error, "Unable to get fields") from None

    async def get_fields(self) -> JsonObject:
        """The fields every issue type of the project has."""
        common: JsonObject = {}
        for issue_type in await self.get_issue_types():
            fields = await self.get_fields_by_issue_type(js_string(issue_type.get("id", UNDEFINED)))
            # As Kibana's reduce: an empty intersection starts over from the next type.
            common = fields if not common else {k: v for k, v in common.items() if k in fields}
        return common

    async def get_issues(self, title: str) -> list[JsonObject]:
        """The project's issues whose summary matches `title`."""
        jql = f'project="{self.project_key}" and summary ~"{_escape_jql(title)}"'
        url = (
            f"{self.base_url}/rest/api/2/search/jql"
            f"?jql={encode_uri_component(jql)}&fields=summary,key"
        )
        try:
            data = await self._call("GET", url)
            issues = data.get("issues") if isinstance(data, dict) else None
            return [_issue(issue) for issue in issues or []]
        except _Thrown as error:
            raise self._failure(error, "Unable to get issues") from None

    async def get_issue(self, issue_id: str) -> JsonObject:
        """One issue as `{id, key, title}`."""
        try:
            data = await self._call("GET", f"{self.issue_url}/{issue_id}")
            return _issue(data if data is not None else {})
        except _Thrown as error:
            raise self._failure(error, f"Unable to get issue with id {issue_id}") from None


def _one_line(summary: str) -> str:
    """Kibana's trimAndRemoveNewlines: each non-blank line trimmed, joined with `, `."""
    lines = summary.replace("\r", "\n").split("\n")
    return ", ".join(line.strip(JS_WHITESPACE) for line in lines if line.strip(JS_WHITESPACE))


def _either(data: Any, first: str, second: str, *, reading: str) -> list[Any]:
    """`const {first, second} = res.data; (first || second).<reading>(...)` as a list."""
    if data is None:
        raise _Thrown(f"Cannot destructure property '{first}' of 'res.data' as it is null.")
    found = _property(data, first)
    if not js_truthy(found):
        found = _property(data, second)
    if not isinstance(found, list):
        raise _Thrown(f"Cannot read properties of {js_string(found)} (reading '{reading}')")
    return found


def _defined(value: JsonObject) -> JsonObject:
    """The object as JSON.stringify writes it: undefined members left out."""
    return {key: item for key, item in value.items() if item is not UNDEFINED}


def _pick(item: Any, *names: str) -> JsonObject:
    return {name: item[name] for name in names if isinstance(item, dict) and name in item}


def _field(field: JsonObject) -> JsonObject:
    """Kibana's normalizeFields entry for one field."""
    normal: JsonObject = {}
    if "required" in field:
        normal["required"] = field["required"]
    normal["allowedValues"] = (
        field["allowedValues"] if field.get("allowedValues") is not None else []
    )
    normal["defaultValue"] = field["defaultValue"] if field.get("defaultValue") is not None else {}
    normal.update(_pick(field, "schema", "name"))
    return normal


def _issue(issue: Any) -> JsonObject:
    """Kibana's normalizeIssue: `{id, key, title}`."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    summary = fields.get("summary") if isinstance(fields, dict) else None
    return {**_pick(issue, "id", "key"), "title": summary}


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
        service = JiraService(
            http=execution.http, config=execution.config, secrets=execution.secrets
        )
        if sub_action == "handshake":
            # Kibana's Jira api has a handshake handler but leaves it out of the
            # sub-actions its executor supports.
            raise ConnectorError(
                f"[Action][ExternalService] subAction {sub_action} not implemented."
            )
        try:
            data = await _SUB_ACTION_RUNNERS[sub_action](service, params)
        except _Thrown as error:
            raise ConnectorError(error.message, user=error.user) from None
        return ExecutorResult(data=data if data is not None else {})


async def _push(service: JiraService, params: JsonObject) -> JsonObject:
    """Kibana's pushToServiceHandler: create or update, then add the comments."""
    incident = {key: value for key, value in params["incident"].items() if key != "externalId"}
    external_id = params["incident"].get("externalId")
    if external_id is not None:
        result = await service.update_incident(external_id, incident)
    else:
        result = await service.create_incident(incident)
    comments = params.get("comments")
    if comments:
        result["comments"] = []
        for comment in comments:
            # Kibana skips a comment with empty text.
            if not comment["comment"]:
                continue
            pushed = await service.create_comment(result["id"], comment)
            result["comments"].append(pushed)
    return result


async def _get_incident(service: JiraService, params: JsonObject) -> Any:
    return await service.get_incident(params["externalId"])


async def _issue_types(service: JiraService, params: JsonObject) -> Any:
    return await service.get_issue_types()


async def _fields_by_issue_type(service: JiraService, params: JsonObject) -> Any:
    return await service.get_fields_by_issue_type(params["id"])


async def _get_fields(service: JiraService, params: JsonObject) -> Any:
    return await service.get_fields()


async def _issues(service: JiraService, params: JsonObject) -> Any:
    return await service.get_issues(params["title"])


async def _issue_by_id(service: JiraService, params: JsonObject) -> Any:
    return await service.get_issue(params["id"])


_SUB_ACTION_RUNNERS = {
    "pushToService": _push,
    "getIncident": _get_incident,
    "issueTypes": _issue_types,
    "fieldsByIssueType": _fields_by_issue_type,
    "getFields": _get_fields,
    "issues": _issues,
    "issue": _issue_by_id,
}

CONNECTOR_TYPES: tuple[ConnectorType, ...] = (Jira(),)
