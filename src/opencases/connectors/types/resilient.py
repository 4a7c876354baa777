"""IBM Resilient (`.resilient`): cases pushed as Resilient incidents (sub-action framework)."""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from opencases.connectors.errors import ConnectorError, OutboundError
from opencases.connectors.types.base import ConnectorType, Execution, JsonObject
from opencases.connectors.types.config_schema import (
    AnyValue,
    ArrayOf,
    Boolean,
    Nullable,
    Number,
    Object,
    OneOf,
    RecordOf,
    Schema,
    String,
    keys_allowed,
    record_max_keys,
)
from opencases.connectors.types.javascript import (
    axios_data,
    is_number,
    js_date_now,
    js_iso_date,
    js_number_coercion,
    js_spread,
    js_string_coercion,
    js_truthy,
    json_indented,
    same_value,
)
from opencases.connectors.types.subactions import CaseService, SubActionConnectorType
from opencases.kibana.validation import UNDEFINED, js_keys

NAME = "IBM Resilient"


class ResilientConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connector's config."""

    apiUrl: str
    orgId: str


class ResilientSecrets(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connector's secrets: an API key, sent as Basic auth."""

    apiKeyId: str
    apiKeySecret: str


# The incident's own fields, which additionalFields may not redefine.
COMMON_INCIDENT_FIELDS = (
    "name",
    "description",
    "externalId",
    "incidentTypes",
    "severityCode",
    "additionalFields",
)
MAX_ADDITIONAL_FIELDS = 50
INCIDENT_FIELDS: dict[str, Schema] = {
    "name": String(),
    "description": Nullable(String()),
    "incidentTypes": Nullable(ArrayOf(Number())),
    "severityCode": Nullable(Number()),
    "additionalFields": Nullable(
        RecordOf(
            String(keys_allowed("additionalFields", COMMON_INCIDENT_FIELDS)),
            AnyValue(),
            record_max_keys("additionalFields", MAX_ADDITIONAL_FIELDS),
        )
    ),
}
NO_PARAMS = Object({})

CREATED = Object({"id": Number(), "create_date": Number()}, unknowns="allow")
UPDATED = Object({"success": Boolean(), "message": Nullable(String())}, unknowns="allow")
INCIDENT = Object({"id": Number(), "inc_last_modified_date": Number()}, unknowns="allow")
ANY_OBJECT = Object({}, unknowns="allow")
VALUES = Object(
    {"values": ArrayOf(Object({"value": Number(), "label": String()}, unknowns="allow"))},
    unknowns="allow",
)
FIELD_OPTION = Object(
    {
        "value": OneOf(Number(), String()),
        "label": String(),
        "enabled": Boolean(),
        "hidden": Boolean(),
        "default": Boolean(),
    },
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
            "prefix": Nullable(String()),
            "values": Nullable(ArrayOf(FIELD_OPTION)),
        },
        unknowns="allow",
    )
)
# What getFields keeps of each field (Kibana's `ResilientFieldMeta`).
FIELD_KEYS = ("name", "input_type", "read_only", "required", "text", "prefix", "values")

# Resilient's field names for the params' incident fields.
FIELD_NAMES = {"incidentTypes": "incident_type_ids", "severityCode": "severity_code"}

# The input types whose old value Kibana keeps as it is.
VALUE_INPUTS = (
    "multiselect",
    "select",
    "datetimepicker",
    "datepicker",
    "boolean",
    "number",
    "text",
)


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
        body = axios_data(error.response.content)
        if isinstance(body, dict) and "message" in body:
            return f"API Error: {js_string_coercion(body['message'])}"
        return f"API Error: {error.response.reason}"

    def pushed(self, incident_id: Any, pushed_date: Any) -> JsonObject:
        """The result of a push of incident `incident_id`."""
        key = js_string_coercion(incident_id)
        return {
            "title": key,
            "id": key,
            "pushedDate": js_iso_date(pushed_date),
            "url": f"{self.view_url}/{key}",
        }

    async def create_incident(self, incident: JsonObject) -> JsonObject:
        """POST the incident, discovered now, its additional fields where Resilient keeps them."""
        data: JsonObject = {"name": incident["name"], "discovered_date": js_date_now(self.clock)}
        # JavaScript truthiness, as Kibana tests the fields: an empty list is still sent.
        if incident.get("description"):
            data["description"] = {"format": "html", "content": incident["description"]}
        if incident.get("incidentTypes") is not None:
            data["incident_type_ids"] = [
                {"id": js_number_coercion(type_id)} for type_id in incident["incidentTypes"]
            ]
        if incident.get("severityCode"):
            data["severity_code"] = {"id": js_number_coercion(incident["severityCode"])}
        try:
            # An empty record is true to JavaScript too: the fields are fetched all the same.
            if incident.get("additionalFields") is not None:
                fields = await self.get_fields({})
                prepared = creation_fields(fields=fields, additional=incident["additionalFields"])
                properties = prepared.pop("properties", UNDEFINED)
                data.update(prepared)
                if js_truthy(properties):
                    data["properties"] = properties
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
            fields = await self.get_fields({})
            # Resilient would empty the fields sent as null, so they are not sent.
            changed = {key: value for key, value in incident.items() if value is not None}
            answer = await self.request(
                "PATCH",
                f"{self.incidents_url}/{incident_id}",
                data=update_request(old=latest, new=changed, fields=fields),
                headers=self.headers,
                response_schema=UPDATED,
            )
            if not answer["success"]:
                raise ConnectorError(
                    f"Error while updating incident: {js_string_coercion(answer['message'])}"
                )
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
        return [
            {"id": js_string_coercion(v["value"]), "name": v["label"]} for v in answer["values"]
        ]

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
        return [
            {"id": js_string_coercion(v["value"]), "name": v["label"]} for v in answer["values"]
        ]

    async def get_fields(self, params: JsonObject) -> list[JsonObject]:
        """The incident fields' metadata, with their prefix and options."""
        try:
            fields = await self.request(
                "GET", self.fields_url, headers=self.headers, response_schema=FIELDS
            )
        except ConnectorError as error:
            raise failure(f"Unable to get fields. Error: {error.message}.") from None
        return [{key: field[key] for key in FIELD_KEYS} for field in fields]


def check_values(*, field: JsonObject, given: list[Any]) -> None:
    """Kibana's `validateValues`: ConnectorError unless each value is one of the field's options."""
    options = field["values"]
    if options is None:
        return
    if not all(any(same_value(option["value"], item) for option in options) for item in given):
        accepted = ",".join(
            f'{js_string_coercion(option["value"])} (for "{option["label"]}")' for option in options
        )
        raise ConnectorError(
            f"Invalid values provided to {field['name']}: {json_indented(given)}. "
            f"Accepted values: {accepted}"
        )


def creation_fields(*, fields: list[JsonObject], additional: JsonObject) -> JsonObject:
    """The additional fields as a new incident holds them (`prepareAdditionalFieldsForCreation`)."""
    # Fields Resilient gives a prefix (its custom fields, under `properties`) go under it,
    # the others at the top level; a `properties` given by the user is flattened first.
    rest = dict(additional)
    merged = {**js_spread(rest.pop("properties", None)), **rest}
    metadata = {field["name"]: field for field in fields}
    data: JsonObject = {}
    for key in js_keys(merged):
        value = merged[key]
        field = metadata.get(key)
        if field is not None and field["input_type"] in ("select", "multiselect"):
            check_values(field=field, given=value if isinstance(value, list) else [value])
        prefix = field["prefix"] if field is not None else None
        if prefix:
            data.setdefault(prefix, {})[key] = value
        else:
            data[key] = value
    return data


def update_request(*, old: JsonObject, new: JsonObject, fields: list[JsonObject]) -> JsonObject:
    """Resilient's PATCH body: one change per field sent (Kibana's `formatUpdateRequest`)."""
    root = dict(new)
    # Resilient updates its own and its custom fields alike, so they are merged.
    updates = {**(root.pop("additionalFields", None) or {}), **root}
    metadata = {field["name"]: field for field in fields}
    changes = []
    for key in js_keys(updates):
        name = FIELD_NAMES.get(key, key)
        field = metadata.get(name)
        if field is None:
            raise ConnectorError(f"No metadata found for field {name}")
        found = old.get(name, UNDEFINED)
        old_value = found if js_truthy(found) else old.get(key, UNDEFINED)
        if field["prefix"]:
            holder = old.get(field["prefix"], UNDEFINED)
            old_value = None
            if js_truthy(holder):
                old_value = holder.get(key, UNDEFINED) if isinstance(holder, dict) else UNDEFINED
        given = updates.get(name, UNDEFINED)
        new_value = given if js_truthy(given) else updates.get(key, UNDEFINED)
        old_shape = value_shape(field=field, value=old_field_value(field=field, value=old_value))
        new_shape = value_shape(field=field, value=new_value, old_value=old_value)
        changes.append({"field": {"name": name}, "old_value": old_shape, "new_value": new_shape})
    return {"changes": changes}


def old_field_value(*, field: JsonObject, value: Any) -> Any:
    """The old value as Kibana shapes it (`getValueFromOldField`): null for unknown inputs."""
    kind = field["input_type"]
    if kind == "textarea":
        return None if value is UNDEFINED else value
    if kind in VALUE_INPUTS:
        return value
    return None


def value_shape(*, field: JsonObject, value: Any, old_value: Any = UNDEFINED) -> JsonObject:
    """A value in Resilient's change format for the field's input type (`getValueFieldShape`)."""
    kind = field["input_type"]
    missing = value is None or value is UNDEFINED
    if kind == "textarea":
        if missing:
            return {"textarea": None}
        if isinstance(value, dict) and "format" in value and "content" in value:
            return {"textarea": dict(value)}
        keeps_format = isinstance(old_value, dict) and "format" in old_value
        text_format = old_value["format"] if keeps_format else "text"
        return {"textarea": {"format": text_format, "content": value}}
    if kind == "multiselect":
        if missing:
            return {}
        ids = list(value) if isinstance(value, list) else [value]
        check_values(field=field, given=ids)
        return {"ids": ids}
    if kind == "select":
        if missing:
            return {}
        check_values(field=field, given=[value])
        return {"id": value}
    if kind in ("datetimepicker", "datepicker"):
        return {"date": value} if is_number(value) else {}
    if kind == "boolean":
        return {"boolean": value} if isinstance(value, bool) else {}
    if kind == "number":
        return {"object": value} if is_number(value) else {}
    if kind == "text":
        return {"text": value} if isinstance(value, str) else {}
    return {}


class Resilient(SubActionConnectorType):
    """The `.resilient` connector type."""

    id = ".resilient"
    name = NAME
    minimum_license_required = "platinum"
    supported_feature_ids = ("alerting", "cases", "siem")
    config_struct = ResilientConfig
    secrets_struct = ResilientSecrets
    url_refused_prefix = "error validating url: "

    def service(self, execution: Execution) -> ResilientService:
        """Calls to the configured organisation."""
        return ResilientService(execution)


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (Resilient(),)
