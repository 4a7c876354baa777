"""TheHive (`.thehive`): cases pushed as TheHive cases, and alerts (sub-action framework)."""

from __future__ import annotations

import json
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
    RecordOf,
    Schema,
    String,
)
from opencases.connectors.types.javascript import (
    axios_data,
    js_date_now,
    js_iso_date,
    js_string_coercion,
)
from opencases.connectors.types.subactions import CaseService, SubActionConnectorType
from opencases.kibana.validation import UNDEFINED


class TheHiveConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connector's config: TheHive's URL and, optionally, the organisation to work in."""

    url: str
    organisation: str | None = None


class TheHiveSecrets(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The connector's secrets: an API key, sent as a Bearer token."""

    apiKey: str


INCIDENT_FIELDS: dict[str, Schema] = {
    "title": String(),
    "description": String(),
    "severity": Nullable(Number()),
    "tlp": Nullable(Number()),
    "tags": Nullable(ArrayOf(String())),
}
ALERT = Object(
    {
        "title": String(),
        "description": String(),
        "type": String(),
        "source": String(),
        "sourceRef": String(),
        # Kibana declares defaults (MEDIUM, AMBER) inside nullable(), where null wins.
        "severity": Nullable(Number()),
        "tlp": Nullable(Number()),
        "tags": Nullable(ArrayOf(String())),
        "template": Number(),
        "body": Nullable(String()),
    }
)

_STRING, _NUMBER = String(), Number()
_MAYBE_STRING, _MAYBE_NUMBER = Nullable(String()), Nullable(Number())
_EXTRA = Object({}, unknowns="allow")

CASE = Object(
    {
        "_id": _STRING,
        "_type": _STRING,
        "_createdBy": _STRING,
        "_updatedBy": _MAYBE_STRING,
        "_createdAt": _NUMBER,
        "_updatedAt": _MAYBE_NUMBER,
        "number": _NUMBER,
        "title": _STRING,
        "description": _STRING,
        "severity": _NUMBER,
        "severityLabel": _STRING,
        "startDate": _NUMBER,
        "endDate": _MAYBE_NUMBER,
        "tags": Nullable(ArrayOf(_STRING)),
        "flag": Boolean(),
        "tlp": _NUMBER,
        "tlpLabel": _STRING,
        "pap": _NUMBER,
        "papLabel": _STRING,
        "status": _STRING,
        "stage": _STRING,
        "summary": _MAYBE_STRING,
        "impactStatus": _MAYBE_STRING,
        "assignee": _MAYBE_STRING,
        "customFields": Nullable(ArrayOf(RecordOf(String(), AnyValue()))),
        "userPermissions": Nullable(ArrayOf(_STRING)),
        "extraData": _EXTRA,
        "newDate": _NUMBER,
        "inProgressDate": _MAYBE_NUMBER,
        "closedDate": _MAYBE_NUMBER,
        "alertDate": _MAYBE_NUMBER,
        "alertNewDate": _MAYBE_NUMBER,
        "alertInProgressDate": _MAYBE_NUMBER,
        "alertImportedDate": _MAYBE_NUMBER,
        "timeToDetect": _NUMBER,
        "timeToTriage": _MAYBE_NUMBER,
        "timeToQualify": _MAYBE_NUMBER,
        "timeToAcknowledge": _MAYBE_NUMBER,
        "timeToResolve": _MAYBE_NUMBER,
        "handlingDuration": _MAYBE_NUMBER,
    },
    unknowns="ignore",
)
COMMENT = Object(
    {
        "_id": _STRING,
        "_type": _STRING,
        "createdBy": _STRING,
        "createdAt": _NUMBER,
        "updatedAt": _MAYBE_NUMBER,
        "updatedBy": _MAYBE_STRING,
        "message": _STRING,
        "isEdited": Boolean(),
        "extraData": _EXTRA,
    },
    unknowns="ignore",
)
CREATED_ALERT = Object(
    {
        "_id": _STRING,
        "_type": _STRING,
        "_createdBy": _STRING,
        "_updatedBy": _MAYBE_STRING,
        "_createdAt": _NUMBER,
        "_updatedAt": _MAYBE_NUMBER,
        "type": _STRING,
        "source": _STRING,
        "sourceRef": _STRING,
        "externalLink": _MAYBE_STRING,
        "title": _STRING,
        "description": _STRING,
        "severity": _NUMBER,
        "severityLabel": _STRING,
        "date": _NUMBER,
        "tags": Nullable(ArrayOf(_STRING)),
        "tlp": _NUMBER,
        "tlpLabel": _STRING,
        "pap": _NUMBER,
        "papLabel": _STRING,
        "follow": Nullable(Boolean()),
        "customFields": Nullable(ArrayOf(_EXTRA)),
        "caseTemplate": _MAYBE_STRING,
        "observableCount": _NUMBER,
        "caseId": _MAYBE_STRING,
        "status": _STRING,
        "stage": _STRING,
        "assignee": _MAYBE_STRING,
        "summary": _MAYBE_STRING,
        "extraData": _EXTRA,
        "newDate": _NUMBER,
        "inProgressDate": _MAYBE_NUMBER,
        "closedDate": _MAYBE_NUMBER,
        "importedDate": _MAYBE_NUMBER,
        "timeToDetect": _NUMBER,
        "timeToTriage": _MAYBE_NUMBER,
        "timeToQualify": _MAYBE_NUMBER,
        "timeToAcknowledge": _MAYBE_NUMBER,
    },
    unknowns="ignore",
)


class TheHiveService(CaseService):
    """Calls to one TheHive instance."""

    incident_fields = INCIDENT_FIELDS

    def __init__(self, execution: Execution) -> None:
        super().__init__(execution)
        self.register("createAlert", ALERT, self.create_alert)
        url = self.config["url"]
        self.api_url = f"{url}/api/v1"
        self.view_url = url.removesuffix("/")
        self.headers = {"Authorization": f"Bearer {self.secrets['apiKey']}"}
        # Kibana sets the header to the organisation, and axios drops it when that is null.
        if self.config.get("organisation") is not None:
            self.headers["X-Organisation"] = self.config["organisation"]

    def response_error_message(self, error: OutboundError) -> str:
        """TheHive's `getResponseErrorMessage`: the error body's type and message."""
        if error.response is None:
            return "Unknown API Error"
        body = axios_data(error.response.content)
        found = body if isinstance(body, dict) else {}
        kind, message = found.get("type", UNDEFINED), found.get("message", UNDEFINED)
        return f"API Error: {js_string_coercion(kind)} - {js_string_coercion(message)}"

    def case_url(self, case_id: str) -> str:
        """Where TheHive shows a case."""
        return f"{self.view_url}/cases/{case_id}/details"

    async def create_incident(self, incident: JsonObject) -> JsonObject:
        """POST the case as validated (fields left out are sent as null)."""
        case = await self.request(
            "POST",
            f"{self.api_url}/case",
            data=incident,
            headers=self.headers,
            response_schema=CASE,
        )
        return {
            "id": case["_id"],
            "title": case["title"],
            "url": self.case_url(case["_id"]),
            "pushedDate": js_iso_date(case["_createdAt"]),
        }

    async def update_incident(self, incident_id: str, incident: JsonObject) -> JsonObject:
        """PATCH the case; TheHive's answer is not read, so the push time is now."""
        await self.request(
            "PATCH",
            f"{self.api_url}/case/{incident_id}",
            data=incident,
            headers=self.headers,
            response_schema=AnyValue(),
        )
        return {
            "id": incident_id,
            "title": incident["title"],
            "url": self.case_url(incident_id),
            "pushedDate": js_iso_date(js_date_now(self.clock)),
        }

    async def add_comment(self, incident_id: str, comment: str) -> None:
        """POST a comment to the case."""
        await self.request(
            "POST",
            f"{self.api_url}/case/{incident_id}/comment",
            data={"message": comment},
            headers=self.headers,
            response_schema=COMMENT,
        )

    async def create_alert(self, params: JsonObject) -> None:
        """POST an alert: the params, with `body` (a JSON text) merged over them."""
        alert = {key: value for key, value in params.items() if key not in ("body", "template")}
        body = params.get("body")
        await self.request(
            "POST",
            f"{self.api_url}/alert",
            data={**alert, **spread(parse_json("{}" if body is None else body))},
            headers=self.headers,
            response_schema=CREATED_ALERT,
        )


def parse_json(text: str) -> Any:
    """`JSON.parse(text)`; ConnectorError worded as V8 words the common failures (roughly)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()):
            raise ConnectorError("Unexpected end of JSON input") from None
        token = text[error.pos]
        shown = text if len(text) <= 30 else f"{text[:10]}...{text[-10:]}"
        raise ConnectorError(f"Unexpected token '{token}', \"{shown}\" is not valid JSON") from None


def spread(value: Any) -> JsonObject:
    """What `{...value}` copies from a JSON value."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list | str):
        return {str(i): item for i, item in enumerate(value)}
    return {}


class TheHive(SubActionConnectorType):
    """The `.thehive` connector type."""

    id = ".thehive"
    name = "TheHive"
    minimum_license_required = "platinum"
    supported_feature_ids = ("alerting", "siem", "uptime", "cases")
    config_struct = TheHiveConfig
    secrets_struct = TheHiveSecrets
    url_field = "url"
    url_refused_prefix = "error validating url: "

    def service(self, execution: Execution) -> TheHiveService:
        """Calls to the configured instance."""
        return TheHiveService(execution)


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (TheHive(),)
