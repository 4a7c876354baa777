"""Kibana's sub-action framework: what IBM Resilient and TheHive are built on.

A sub-action connector is executed with `{subAction, subActionParams}`; the named sub-action
validates its own params and calls the external system through `SubActionService.request`,
which words failures as Kibana does (`Status code: 401. Message: ...`). Case connectors add
the `pushToService` sub-action (create or update an incident, then add comments).

Sub-action params and external responses are checked with the `@kbn/config-schema` types
Kibana declares for them (`config_schema`): their failure texts end up inside execute
results (`Request validation failed (Error: [incident.name]: ...)`), including
config-schema's `types that failed validation` for nullable values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from opencases.connectors.errors import ConnectorError, OutboundError, SchemaError
from opencases.connectors.outbound import Outbound, url_not_allowed
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    validate_schema,
)
from opencases.connectors.types.config_schema import ArrayOf, Nullable, Object, Schema, String
from opencases.connectors.types.javascript import axios_data, normalize_url, url_problem

# --- the service: one connector's calls to its external system -----------------


@dataclass(frozen=True, slots=True)
class SubAction:
    """A sub-action a service registers: its params schema and what runs it."""

    name: str
    schema: Schema
    run: Callable[[JsonObject], Awaitable[Any]]


class SubActionService:
    """One execution's view of an external system: Kibana's `SubActionConnector`."""

    def __init__(self, execution: Execution) -> None:
        self.config = execution.config
        self.secrets = execution.secrets
        self.http: Outbound = execution.http
        self.clock = execution.clock
        self.sub_actions: dict[str, SubAction] = {}

    def register(
        self, name: str, schema: Schema, run: Callable[[JsonObject], Awaitable[Any]]
    ) -> None:
        """Make `name` a sub-action of this connector."""
        self.sub_actions[name] = SubAction(name, schema, run)

    def response_error_message(self, error: OutboundError) -> str:
        """The type's words for a failed call (`getResponseErrorMessage`)."""
        raise NotImplementedError

    async def request(
        self,
        method: str,
        url: str,
        *,
        response_schema: Schema,
        data: JsonObject | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Call the external system; the validated response body, or ConnectorError."""
        problem = url_problem(url)
        if problem:
            raise ConnectorError(problem)
        if not self.http.is_url_allowed(url):
            raise ConnectorError(f"error configuring connector action: {url_not_allowed(url)}")
        try:
            # Kibana sends `{}` when there is nothing to send, GET requests included.
            response = await self.http.request(
                method,
                normalize_url(url),
                headers=headers,
                json_body=data or {},
                params=params,
            )
        except OutboundError as error:
            # Kibana keeps axios's error and rewrites its message.
            status = "undefined" if error.response is None else error.response.status
            message = self.response_error_message(error)
            raise ConnectorError(f"Status code: {status}. Message: {message}") from None
        try:
            return response_schema.validate(axios_data(response.content))
        except SchemaError as error:
            raise ConnectorError(f"Response validation failed (Error: {error})") from None


# --- case connectors: pushToService -------------------------------------------

COMMENTS = Nullable(ArrayOf(Object({"comment": String(), "commentId": String()})))


def push_schema(incident_fields: Mapping[str, Schema]) -> Object:
    """The params of `pushToService` for a case connector's incident fields."""
    incident = Object({**incident_fields, "externalId": Nullable(String())})
    return Object({"incident": incident, "comments": COMMENTS})


class CaseService(SubActionService):
    """A service that pushes cases as incidents: Kibana's `CaseConnector`."""

    incident_fields: ClassVar[Mapping[str, Schema]]

    def __init__(self, execution: Execution) -> None:
        super().__init__(execution)
        self.register("pushToService", push_schema(self.incident_fields), self.push_to_service)

    async def create_incident(self, incident: JsonObject) -> JsonObject:
        """Create an incident; `{id, title, url, pushedDate}`."""
        raise NotImplementedError

    async def update_incident(self, incident_id: str, incident: JsonObject) -> JsonObject:
        """Update an incident; `{id, title, url, pushedDate}`."""
        raise NotImplementedError

    async def add_comment(self, incident_id: str, comment: str) -> None:
        """Add a comment to an incident."""
        raise NotImplementedError

    async def push_to_service(self, params: JsonObject) -> JsonObject:
        """Create the incident (or update it when it has an external id), then comment."""
        incident = dict(params["incident"])
        external_id = incident.pop("externalId", None)
        if external_id is not None:
            pushed = await self.update_incident(external_id, incident)
        else:
            pushed = await self.create_incident(incident)
        comments = params.get("comments")
        if comments:
            pushed["comments"] = []
            for comment in comments:
                await self.add_comment(pushed["id"], comment["comment"])
                # Kibana reports the incident's push time for every comment.
                pushed["comments"].append(
                    {"commentId": comment["commentId"], "pushedDate": pushed["pushedDate"]}
                )
        return pushed


# --- the connector type ---------------------------------------------------------

# Kibana's params schema for every sub-action connector; each sub-action checks its own.
PARAMS = Object(
    {"subAction": String(), "subActionParams": Object({}, unknowns="allow")},
)


class SubActionConnectorType(ConnectorType):
    """A connector type run by the sub-action framework."""

    def service(self, execution: Execution) -> SubActionService:
        """The service that runs this execution's sub-actions."""
        raise NotImplementedError

    def validate_params(self, params: JsonObject) -> JsonObject:
        """`{subAction, subActionParams}`; the sub-action's own params are checked later."""
        return validate_schema(PARAMS, params)

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Run the named sub-action with its validated params."""
        service = self.service(execution)
        name = execution.params["subAction"]
        sub_action = service.sub_actions.get(name)
        if sub_action is None:
            raise ConnectorError(
                f'Sub action "{name}" is not registered. Connector id: {execution.connector_id}.'
                f" Connector name: {self.name}. Connector type: {self.id}"
            )
        try:
            params = sub_action.schema.validate(execution.params["subActionParams"])
        except SchemaError as error:
            raise ConnectorError(f"Request validation failed (Error: {error})", user=True) from None
        data = await sub_action.run(params)
        return ExecutorResult(data={} if data is None else data)
