"""IBM Resilient (`.resilient`): cases pushed as Resilient incidents (sub-action framework)."""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from opencases.connectors.outbound import Outbound, OutboundError
from opencases.connectors.types.base import (
    ConnectorError,
    ConnectorType,
    Execution,
    JsonObject,
    as_json,
    check,
    ensure_url_allowed,
)
from opencases.connectors.types.config_schema import (
    ArrayOf,
    Boolean,
    Nullable,
    Number,
    Object,
    Schema,
    String,
)
from opencases.connectors.types.javascript import js_iso_date, js_text, js_to_number, now_millis
from opencases.connectors.types.subactions import CaseService, SubActionConnectorType
from opencases.kibana.validation import UNDEFINED

NAME = "IBM Resilient"


class ResilientConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connector's config."""

    apiUrl: str
    orgId: str


class ResilientSecrets(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connector's secrets: an API key, sent as Basic auth."""

    apiKeyId: str
    apiKeySecret: str


INCIDENT_FIELDS: dict[str, Schema] = {
    "name": String(),
    "description": Nullable(String()),
    "incidentTypes": Nullable(ArrayOf(Number())),
    "severityCode": Nullable(Number()),
}
NO_PARAMS = Object({})

CREATED = Object({"id": Number(), "create_date": Number()}, unknowns="allow")
UPDATED = Object({"success": Boolean()}, unknowns="allow")
INCIDENT = Object({"id": Number(), "inc_last_modified_date": Number()}, unknowns="allow")
ANY_OBJECT = Object({}, unknowns="allow")
VALUES = Object(
    {"values": ArrayOf(Object({"value": Number(), "label": String()}, unknowns="allow"))},
    unknowns="allow",
)
FIELDS = ArrayOf(
    Object(
        {
            "input_type": String(),
            "name": String(),
            "read_only": Boolean(),
            "required": Nullable(String()),
            "text": String(),
        },
        unknowns="allow",
    )
)

# Resilient's field names for the params' incident fields.
FIELD_NAMES = {"incidentTypes": "incident_type_ids", "severityCode": "severity_code"}


def failure(message: str) -> ConnectorError:
    """Resilient's wording of a failed call (`getErrorMessage`)."""
    return ConnectorError(f"[Action][{NAME}]: {message}")


class ResilientService(CaseService):
    """Calls to one Resilient organisation."""

    incident_fields = INCIDENT_FIELDS

    def __init__(self, execution: Execution) -> None:
        super().__init__(execution)
        self.register("incidentTypes", NO_PARAMS, self.get_incident_types)
        self.register("severity", NO_PARAMS, self.get_severity)
        self.register("getFields", NO_PARAMS, self.get_fields)
        api_url = self.config["apiUrl"]
        self.org_url = f"{api_url}/rest/orgs/{self.config['orgId']}"
        self.incidents_url = f"{self.org_url}/incidents"
        self.fields_url = f"{self.org_url}/types/incident/fields"
        self.view_url = f"{api_url.removesuffix('/')}/#incidents"
        credentials = f"{self.secrets['apiKeyId']}:{self.secrets['apiKeySecret']}"
        self.headers = {"Authorization": f"Basic {base64.b64encode(credentials.encode()).decode()}"}

    def response_error_message(self, error: OutboundError) -> str:
        """Resilient's `getResponseErrorMessage`."""
        if error.response is None:
            return "Unknown API Error"
        if error.response.status == 401:
            return "Unauthorized API Error"
        return f"API Error: {error.response.reason}"

    def pushed(self, incident_id: Any, pushed_date: Any) -> JsonObject:
        """The result of a push of incident `incident_id`."""
        key = js_text(incident_id)
        return {
            "title": key,
            "id": key,
            "pushedDate": js_iso_date(pushed_date),
            "url": f"{self.view_url}/{key}",
        }

    async def create_incident(self, incident: JsonObject) -> JsonObject:
        """POST the incident, discovered now."""
        data: JsonObject = {"name": incident["name"], "discovered_date": now_millis()}
        # JavaScript truthiness, as Kibana tests the fields: an empty list is still sent.
        if incident.get("description"):
            data["description"] = {"format": "html", "content": incident["description"]}
        if incident.get("incidentTypes") is not None:
            data["incident_type_ids"] = [
                {"id": js_to_number(type_id)} for type_id in incident["incidentTypes"]
            ]
        if incident.get("severityCode"):
            data["severity_code"] = {"id": js_to_number(incident["severityCode"])}
        try:
            created = await self.request(
                "POST",
                f"{self.incidents_url}?text_content_output_format=objects_convert",
                data=data,
                headers=self.headers,
                response_schema=CREATED,
            )
        except ConnectorError as error:
            raise failure(f"Unable to create incident. Error: {error.message}.") from None
        return self.pushed(created["id"], created["create_date"])

    async def update_incident(self, incident_id: str, incident: JsonObject) -> JsonObject:
        """PATCH the changes from the incident as Resilient has it now, then read it back."""
        try:
            latest = await self.get_incident(incident_id)
            # Resilient would empty the fields sent as null, so they are not sent.
            changed = {key: value for key, value in incident.items() if value is not None}
            answer = await self.request(
                "PATCH",
                f"{self.incidents_url}/{incident_id}",
                data=update_request(latest, changed),
                headers=self.headers,
                response_schema=UPDATED,
            )
            if not answer["success"]:
                raise ConnectorError("Error while updating incident")
            updated = await self.get_incident(incident_id)
        except ConnectorError as error:
            raise failure(
                f"Unable to update incident with id {incident_id}. Error: {error.message}."
            ) from None
        return self.pushed(updated["id"], updated["inc_last_modified_date"])

    async def add_comment(self, incident_id: str, comment: str) -> None:
        """POST a plain-text comment."""
        try:
            await self.request(
                "POST",
                f"{self.incidents_url}/{incident_id}/comments",
                data={"text": {"format": "text", "content": comment}},
                headers=self.headers,
                response_schema=ANY_OBJECT,
            )
        except ConnectorError as error:
            raise failure(
                f"Unable to create comment at incident with id {incident_id}. "
                f"Error: {error.message}."
            ) from None

    async def get_incident(self, incident_id: str) -> JsonObject:
        """The incident as Resilient has it."""
        try:
            incident: JsonObject = await self.request(
                "GET",
                f"{self.incidents_url}/{incident_id}",
                params={"text_content_output_format": "objects_convert"},
                headers=self.headers,
                response_schema=INCIDENT,
            )
        except ConnectorError as error:
            raise failure(
                f"Unable to get incident with id {incident_id}. Error: {error.message}."
            ) from None
        return incident

    async def get_incident_types(self, params: JsonObject) -> list[JsonObject]:
        """The organisation's incident types, as `{id, name}`."""
        try:
            answer = await self.request(
                "GET",
                f"{self.fields_url}/incident_type_ids",
                headers=self.headers,
                response_schema=VALUES,
            )
        except ConnectorError as error:
            raise failure(f"Unable to get incident types. Error: {error.message}.") from None
        return [{"id": js_text(v["value"]), "name": v["label"]} for v in answer["values"]]

    async def get_severity(self, params: JsonObject) -> list[JsonObject]:
        """The organisation's severities, as `{id, name}`."""
        try:
            answer = await self.request(
                "GET",
                f"{self.fields_url}/severity_code",
                headers=self.headers,
                response_schema=VALUES,
            )
        except ConnectorError as error:
            raise failure(f"Unable to get severity. Error: {error.message}.") from None
        return [{"id": js_text(v["value"]), "name": v["label"]} for v in answer["values"]]

    async def get_fields(self, params: JsonObject) -> list[JsonObject]:
        """The incident fields' metadata."""
        try:
            fields = await self.request(
                "GET", self.fields_url, headers=self.headers, response_schema=FIELDS
            )
        except ConnectorError as error:
            raise failure(f"Unable to get fields. Error: {error.message}.") from None
        keys = ("name", "input_type", "read_only", "required", "text")
        return [{key: field[key] for key in keys} for field in fields]


def update_request(old: JsonObject, new: JsonObject) -> JsonObject:
    """Resilient's PATCH body: one change per field sent (Kibana's `formatUpdateRequest`)."""
    changes = []
    for key, value in new.items():
        name = FIELD_NAMES.get(key, key)
        if name == "description":
            description = old.get("description", UNDEFINED)
            if description is None or description is UNDEFINED:
                # Kibana reads `oldIncident.description.content` unguarded and fails so.
                missing = "null" if description is None else "undefined"
                raise ConnectorError(f"Cannot read properties of {missing} (reading 'content')")
            old_value = description.get("content") if isinstance(description, dict) else None
        else:
            old_value = old.get(name)
        changes.append(
            {
                "field": {"name": name},
                "old_value": value_content(key, old_value),
                "new_value": value_content(key, value),
            }
        )
    return {"changes": changes}


def value_content(field: str, value: Any) -> JsonObject:
    """A field's value as Resilient's change format holds it (`getValueTextContent`)."""
    if value is None or value is UNDEFINED:
        return {"text": ""}
    if field == "description":
        return {"textarea": {"format": "html", "content": js_text(value)}}
    if field == "incidentTypes":
        ids = value if isinstance(value, list) else [value]
        return {"ids": [js_to_number(type_id) for type_id in ids]}
    if field == "severityCode":
        return {"id": js_to_number(value)}
    return {"text": js_text(value)}


class Resilient(SubActionConnectorType):
    """The `.resilient` connector type."""

    id = ".resilient"
    name = NAME
    minimum_license_required = "platinum"
    supported_feature_ids = ("alerting", "cases", "siem")

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        """`{apiUrl, orgId}`, the URL within allowedHosts."""
        validated = check(ResilientConfig, config)
        ensure_url_allowed(http, validated.apiUrl, prefix="error validating url: ")
        return as_json(validated)

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        """`{apiKeyId, apiKeySecret}`."""
        return as_json(check(ResilientSecrets, secrets))

    def service(self, execution: Execution) -> ResilientService:
        """Calls to the configured organisation."""
        return ResilientService(execution)


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (Resilient(),)
