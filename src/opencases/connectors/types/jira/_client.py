"""One connector's connection to Jira: its calls, their checks and Kibana's words for failures.

Follows Kibana's Jira `service.ts` and the response checks of
`actions/server/lib/axios_utils.ts`.
"""

from __future__ import annotations

from typing import Any

from opencases.connectors.errors import ActionsError, ConnectorError, OutboundError
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import JsonObject
from opencases.connectors.types.javascript import axios_data, check_response, js_iso_date
from opencases.kibana.validation import UNDEFINED, js_string

NAME = "Jira"


class JiraFailure(ActionsError):
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
        self.data = data
        self.status = status
        self.user = user


class JiraClient:
    """Jira's REST API v2 for one connector: where it is, who calls, how failures read."""

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

    async def call(
        self, method: str, url: str, *, body: Any = None, required: tuple[str, ...] = ()
    ) -> Any:
        """The response data of a call, checked as Kibana's throwIfResponseIsNotValid does."""
        try:
            response = await self.http.request(method, url, json_body=body, auth=self.auth)
        except OutboundError as exc:
            data = UNDEFINED if exc.response is None else axios_data(exc.response.content)
            status = None if exc.response is None else exc.response.status
            raise JiraFailure(exc.message, data=data, status=status) from None
        data = axios_data(response.content)
        try:
            check_response(response, data, method=method.lower(), url=url, required=required)
        except ConnectorError as error:
            raise JiraFailure(error.message) from None
        return data

    def failure(self, error: JiraFailure, action: str) -> JiraFailure:
        """Kibana's wrapError: the action, axios's message and Jira's reason."""
        reason = _error_reason(error.data)
        message = f"[Action][{NAME}]: {action}. Error: {error.message}. Reason: {reason}"
        # Kibana blames the user for Jira's rate limit, and the framework for the rest.
        return JiraFailure(message, user=error.status == 429)


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


# --- JavaScript semantics the service relies on -------------------------------------


def iso(value: Any) -> str:
    """`new Date(value).toISOString()`, thrown inside the service when invalid."""
    try:
        return js_iso_date(value)
    except ConnectorError as error:
        raise JiraFailure(error.message) from None


def read(value: Any, name: str) -> Any:
    """`value.name`, with V8's TypeError for undefined or null."""
    if value is UNDEFINED or value is None:
        raise JiraFailure(f"Cannot read properties of {js_string(value)} (reading '{name}')")
    return value.get(name, UNDEFINED) if isinstance(value, dict) else UNDEFINED


def defined(value: JsonObject) -> JsonObject:
    """The object as JSON.stringify writes it: undefined members left out."""
    return {key: item for key, item in value.items() if item is not UNDEFINED}


def pick(item: Any, *names: str) -> JsonObject:
    """lodash's `pick` of an object's `names` (nothing from what is not an object)."""
    return {name: item[name] for name in names if isinstance(item, dict) and name in item}
