"""Swimlane (`.swimlane`): pushes cases to a Swimlane application as records."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from opencases.connectors.errors import ConnectorError, HostNotAllowed, OutboundError
from opencases.connectors.outbound import Outbound, OutboundResponse
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    Null,
    PushComment,
    validate_push_params,
)
from opencases.connectors.types.javascript import (
    axios_data,
    check_response,
    js_iso_date,
    js_string_coercion,
)
from opencases.kibana.time import Clock, format_time
from opencases.kibana.validation import js_number

NAME = "Swimlane"


class FieldMapping(msgspec.Struct, kw_only=True):
    """A Swimlane field a case value is written to."""

    id: str
    key: str
    name: str
    fieldType: str


class Mappings(msgspec.Struct, kw_only=True):
    """Which Swimlane field receives each value Kibana sends."""

    ruleNameConfig: FieldMapping | Null = None
    alertIdConfig: FieldMapping | Null = None
    caseIdConfig: FieldMapping | Null = None
    caseNameConfig: FieldMapping | Null = None
    commentsConfig: FieldMapping | Null = None
    severityConfig: FieldMapping | Null = None
    descriptionConfig: FieldMapping | Null = None


class SwimlaneConfig(msgspec.Struct, kw_only=True):
    """The connector's config."""

    apiUrl: str
    appId: str
    connectorType: Literal["all", "alerts", "cases"]
    mappings: Mappings


class SwimlaneSecrets(msgspec.Struct, kw_only=True):
    """The connector's secrets."""

    apiToken: str


class SwimlaneIncident(msgspec.Struct, kw_only=True):
    """The record values a push sends."""

    alertId: str | Null = None
    ruleName: str | Null = None
    caseId: str | Null = None
    caseName: str | Null = None
    severity: str | Null = None
    description: str | Null = None
    externalId: str | Null = None


class PushParams(msgspec.Struct, kw_only=True):
    """`subActionParams` of pushToService."""

    incident: SwimlaneIncident
    comments: list[PushComment] | Null = None


class SwimlaneParams(msgspec.Struct, kw_only=True):
    """The execution params."""

    subAction: Literal["pushToService"]
    subActionParams: PushParams


# Which incident value each mapping carries (the comments mapping is used for comments).
_MAPPED_VALUES = (
    ("ruleNameConfig", "ruleName"),
    ("alertIdConfig", "alertId"),
    ("caseIdConfig", "caseId"),
    ("caseNameConfig", "caseName"),
    ("severityConfig", "severity"),
    ("descriptionConfig", "description"),
)


class Swimlane(ConnectorType):
    """Kibana's `.swimlane` connector type."""

    id = ".swimlane"
    name = NAME
    minimum_license_required = "gold"
    supported_feature_ids = ("alerting", "cases", "siem")
    config_struct = SwimlaneConfig
    secrets_struct = SwimlaneSecrets

    def validate_params(self, params: JsonObject) -> JsonObject:
        """The params with config-schema's defaults (absent objects are `{}`)."""
        return validate_push_params(SwimlaneParams, params)

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Push a case (create or update a record, then add its comments)."""
        service = SwimlaneService(
            execution.config, execution.secrets, execution.http, execution.clock
        )
        sub_action = execution.params["subAction"]
        if sub_action != "pushToService":
            raise ConnectorError(
                f"[Action][ExternalService] -> [Swimlane] Unsupported subAction type {sub_action}."
            )
        return ExecutorResult(data=await service.push(execution.params["subActionParams"]))


class SwimlaneService:
    """Swimlane's record API for one connector."""

    def __init__(
        self, config: JsonObject, secrets: JsonObject, http: Outbound, clock: Clock
    ) -> None:
        self.app_id: str = config["appId"]
        self.mappings: JsonObject = config["mappings"]
        token: str = secrets["apiToken"]
        if not config["apiUrl"] or not self.app_id or not token:
            raise ConnectorError(f"[Action]{NAME}: Wrong configuration.")
        # Outbound adds `content-type: application/json` to JSON bodies.
        self.headers = {"Private-Token": token}
        self.url = config["apiUrl"].removesuffix("/")
        # Swimlane serves its API under /api; Kibana accepts the URL with or without it.
        self.api_url = self.url if self.url.endswith("api") else f"{self.url}/api"
        self.http = http
        self.clock = clock

    async def push(self, params: JsonObject) -> JsonObject:
        """Create or update the record, then add the comments; Kibana's push result."""
        incident = dict(params["incident"])
        external_id = incident.pop("externalId")
        if external_id is not None:
            result = await self.update_record(external_id, incident)
        else:
            result = await self.create_record(incident)
        comments = params["comments"]
        if comments:
            created_date = format_time(self.clock.now())
            result["comments"] = [
                await self.create_comment(result["id"], comment, created_date)
                for comment in comments
            ]
        return result

    async def create_record(self, incident: JsonObject) -> JsonObject:
        """POST a new record."""
        try:
            url = f"{self.api_url}/app/{self.app_id}/record"
            response = await self._request("post", url, self._record(incident))
            data = _valid_response(response, "post", url, ("id", "name", "createdDate"))
            return {
                "id": data.get("id"),
                "title": data.get("name"),
                "url": self._record_url(js_string_coercion(data.get("id"))),
                "pushedDate": js_iso_date(data.get("createdDate")),
            }
        except (OutboundError, HostNotAllowed, ConnectorError) as exc:
            raise self._error("Unable to create record", exc) from None

    async def update_record(self, record_id: str, incident: JsonObject) -> JsonObject:
        """PATCH an existing record."""
        try:
            url = f"{self.api_url}/app/{self.app_id}/record/{record_id}"
            response = await self._request("patch", url, self._record(incident, record_id))
            data = _valid_response(response, "patch", url, ("id", "name", "modifiedDate"))
            return {
                "id": data.get("id"),
                "title": data.get("name"),
                "url": self._record_url(record_id),
                "pushedDate": js_iso_date(data.get("modifiedDate")),
            }
        except (OutboundError, HostNotAllowed, ConnectorError) as exc:
            raise self._error("Unable to update record", exc) from None

    async def create_comment(
        self, record_id: Any, comment: JsonObject, created_date: str
    ) -> JsonObject:
        """POST a comment to the record's comments field."""
        try:
            field = self.mappings.get("commentsConfig")
            field_id = field["id"] if field else None
            if not field_id:
                raise ConnectorError(f"No comment field mapped in {NAME} connector")
            await self._request(
                "post",
                f"{self.api_url}/app/{self.app_id}/record/{js_string_coercion(record_id)}/{field_id}/comment",
                {
                    "createdDate": created_date,
                    "fieldId": field_id,
                    "isRichText": True,
                    "message": comment["comment"],
                },
            )
            # Swimlane answers without the comment's id, so Kibana reports the case's.
            return {"commentId": comment["commentId"], "pushedDate": created_date}
        except (OutboundError, HostNotAllowed, ConnectorError) as exc:
            raise self._error("Unable to create comment", exc) from None

    def _record(self, incident: JsonObject, record_id: str | None = None) -> JsonObject:
        """The record body: each mapped, non-empty value under its field id."""
        values: JsonObject = {}
        for mapping_key, incident_key in _MAPPED_VALUES:
            field = self.mappings.get(mapping_key)
            value = incident.get(incident_key)
            if not field or not value:
                continue
            if field["fieldType"] == "numeric":
                number = js_number(value)
                values[field["id"]] = 0 if number is None else number
            else:
                values[field["id"]] = value
        record: JsonObject = {"applicationId": self.app_id}
        if record_id:
            record["id"] = record_id
        record["values"] = values
        return record

    def _record_url(self, record_id: str) -> str:
        return f"{self.url}/record/{self.app_id}/{record_id}"

    async def _request(self, method: str, url: str, body: JsonObject) -> OutboundResponse:
        return await self.http.request(method.upper(), url, headers=self.headers, json_body=body)

    def _error(self, action: str, exc: Exception) -> ConnectorError:
        response = exc.response if isinstance(exc, OutboundError) else None
        status = response.status if response is not None else 500
        reason = _reason(axios_data(response.content) if response is not None else None)
        message = exc.message if isinstance(exc, OutboundError | ConnectorError) else str(exc)
        return ConnectorError(
            f"[Action][{NAME}]: {action} in application with id {self.app_id}. "
            f"Status: {status}. Error: {message}. Reason: {reason}"
        )


def _valid_response(
    response: OutboundResponse, method: str, url: str, required: tuple[str, ...]
) -> JsonObject:
    """The response data, after Kibana's `throwIfResponseIsNotValid` checks."""
    data = axios_data(response.content)
    check_response(response, data, method=method, url=url, required=required)
    return data if isinstance(data, dict) else {}


def _reason(data: Any) -> str:
    """Swimlane's error body as `Argument (ErrorCode)`, or `unknown`."""
    if isinstance(data, dict):
        code, argument = data.get("ErrorCode"), data.get("Argument")
        if code is not None and argument is not None:
            return f"{js_string_coercion(argument)} ({js_string_coercion(code)})"
    return "unknown"


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (Swimlane(),)
