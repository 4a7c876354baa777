"""ServiceNow ITSM (`.servicenow`) and ServiceNow SecOps (`.servicenow-sir`).

Kibana's classic ServiceNow connectors (`stack_connectors/.../lib/servicenow/` with
`servicenow_itsm/` and `servicenow_sir/`, the 8.x config-schema generation): one params
schema per sub-action tried in turn, pushes through the Table API or the Elastic
application's Import Set API, and OAuth with a JWT assertion.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import msgspec

from opencases.connectors.errors import ConnectorError, ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    License,
    as_json,
    check,
    ensure_url_allowed,
    validate_schema,
)
from opencases.connectors.types.config_schema import (
    AnyValue,
    ArrayOf,
    Nullable,
    Object,
    OneOf,
    RecordOf,
    Schema,
    String,
    keys_allowed,
    record_max_keys,
    sub_action_params,
)
from opencases.connectors.types.servicenow_api import (
    ITSM,
    SIR,
    Credentials,
    Product,
    ServiceNow,
    ServiceNowFailure,
)
from opencases.kibana.validation import UNDEFINED

# --- config and secrets -------------------------------------------------------


class ServiceNowConfig(msgspec.Struct, kw_only=True):
    """A ServiceNow connector's config (Kibana's ExternalIncidentServiceConfiguration)."""

    apiUrl: str
    isOAuth: bool = False
    # The three below are required when isOAuth is true.
    userIdentifierValue: str | None = None
    clientId: str | None = None
    jwtKeyId: str | None = None
    usesTableApi: bool = True


class ServiceNowSecrets(msgspec.Struct, kw_only=True):
    """A ServiceNow connector's secrets: Basic credentials or OAuth JWT material."""

    password: str | None = None
    username: str | None = None
    clientSecret: str | None = None
    privateKey: str | None = None
    privateKeyPassword: str | None = None


def _missing_when(field: str, is_oauth: bool) -> ValidationFailed:
    flag = "true" if is_oauth else "false"
    return ValidationFailed(f"{field} must be provided when isOAuth = {flag}")


def _not_allowed_when(fields: str, is_oauth: bool) -> ValidationFailed:
    return ValidationFailed(
        f"{fields} should not be provided with isOAuth = {str(is_oauth).lower()}"
    )


# --- params -------------------------------------------------------------------

COMMENTS = Nullable(ArrayOf(Object({"comment": String(), "commentId": String()})))
# Kibana's MAX_ADDITIONAL_FIELDS_LENGTH (the Resilient connector's of the same release is 50 too).
MAX_ADDITIONAL_FIELDS = 50
COMMON_FIELDS = (
    "short_description",
    "description",
    "externalId",
    "category",
    "subcategory",
    "correlation_id",
    "correlation_display",
    "additional_fields",
)


INCIDENT_FIELDS: dict[str, Schema] = {
    "short_description": String(),
    "description": Nullable(String()),
    "externalId": Nullable(String()),
    "category": Nullable(String()),
    "subcategory": Nullable(String()),
    "correlation_id": Nullable(String()),
    "correlation_display": Nullable(String()),
    # Fields of the ServiceNow table the Elastic application does not know, sent as they
    # are through the Import Set API (a JSON string is read as the object).
    "additional_fields": Nullable(
        RecordOf(
            String(keys_allowed("additional_fields", COMMON_FIELDS)),
            AnyValue(),
            record_max_keys("additional_fields", MAX_ADDITIONAL_FIELDS),
        )
    ),
}
ITSM_INCIDENT = Object(
    {
        **INCIDENT_FIELDS,
        "severity": Nullable(String()),
        "urgency": Nullable(String()),
        "impact": Nullable(String()),
    }
)
# An observable kind: one string (ServiceNow splits it) or a list of them.
OBSERVABLES = OneOf(Nullable(String()), Nullable(ArrayOf(String())))
SIR_INCIDENT = Object(
    {
        **INCIDENT_FIELDS,
        "dest_ip": OBSERVABLES,
        "malware_hash": OBSERVABLES,
        "malware_url": OBSERVABLES,
        "source_ip": OBSERVABLES,
        "priority": Nullable(String()),
    }
)
# Kibana's order, which is the order of the alternatives in a refusal.
COMMON_SUB_ACTIONS: dict[str, Schema] = {
    "getFields": Object({}),
    "getIncident": Object({"externalId": String()}),
    "handshake": Object({}),
}
GET_CHOICES = Object({"fields": ArrayOf(String())})
CLOSE_INCIDENT = Object(
    {"incident": Object({"externalId": Nullable(String()), "correlation_id": Nullable(String())})}
)


# --- SecOps observables ---------------------------------------------------------

# ServiceNow reads observables separated by commas, new lines, tabs, pipes or spaces.
_OBSERVABLE_SEPARATORS = re.compile(r"[ ,|\r\n\t]+")


def _as_list(observables: str | list[str]) -> list[str]:
    if not observables:
        return []
    if isinstance(observables, str):
        return _OBSERVABLE_SEPARATORS.split(observables)
    return observables


def format_observables(values: list[str], kind: str) -> list[dict[str, str]]:
    """Distinct, non-empty observables as the Elastic SIR application takes them."""
    return [{"value": value, "type": kind} for value in dict.fromkeys(values) if value]


def _observables_text(observables: str | list[str] | None) -> str | None:
    return ",".join(observables) if isinstance(observables, list) else observables


# --- the connector types ------------------------------------------------------------


class ServiceNowConnectorType(ConnectorType):
    """What ITSM and SecOps share: schemas, validators and the executor."""

    minimum_license_required: ClassVar[License] = "platinum"
    product: ClassVar[Product]
    params: ClassVar[OneOf]
    # Kibana's executor refuses the others even though their params validate.
    implemented: ClassVar[frozenset[str]]

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        """The config with defaults; allowedHosts first, then what OAuth requires."""
        checked = check(ServiceNowConfig, config)
        ensure_url_allowed(http, checked.apiUrl, prefix="error configuring connector action: ")
        if checked.isOAuth:
            for field in ("userIdentifierValue", "clientId", "jwtKeyId"):
                if getattr(checked, field) is None:
                    raise _missing_when(field, True)
        return as_json(checked)

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        """The secrets with defaults; one complete set of credentials required."""
        checked = check(ServiceNowSecrets, secrets)
        username, password = checked.username, checked.password
        client_secret, private_key = checked.clientSecret, checked.privateKey
        if not (username or password or client_secret or private_key):
            raise ValidationFailed("Either basic auth or OAuth credentials must be specified")
        if username or password:
            if not (username and password):
                raise ValidationFailed("username and password must both be specified")
        elif not (client_secret and private_key):
            raise ValidationFailed("clientSecret and privateKey must both be specified")
        return as_json(checked)

    def validate_connector(self, config: JsonObject, secrets: JsonObject) -> None:
        """Config and secrets must both be of the kind `isOAuth` says."""
        if config.get("isOAuth"):
            for field, source in (
                ("userIdentifierValue", config),
                ("clientId", config),
                ("jwtKeyId", config),
                ("clientSecret", secrets),
                ("privateKey", secrets),
            ):
                if source.get(field) is None:
                    raise _missing_when(field, True)
            if secrets.get("username") or secrets.get("password"):
                raise _not_allowed_when("Username and password", True)
            return
        for field in ("username", "password"):
            if secrets.get(field) is None:
                raise _missing_when(field, False)
        oauth_values = (
            secrets.get("clientSecret"),
            config.get("clientId"),
            config.get("userIdentifierValue"),
            config.get("jwtKeyId"),
            secrets.get("privateKey"),
        )
        if any(oauth_values):
            raise _not_allowed_when(
                "clientId, clientSecret, userIdentifierValue, jwtKeyId and privateKey", False
            )

    def validate_params(self, params: JsonObject) -> JsonObject:
        """The params of one sub-action, with defaults."""
        return validate_schema(self.params, params)

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Run the sub-action against the ServiceNow instance."""
        service = self._service(execution)
        sub_action = execution.params["subAction"]
        params = execution.params["subActionParams"]
        if sub_action not in self.implemented:
            raise ConnectorError(
                f"[Action][ExternalService] subAction {sub_action} not implemented."
            )
        try:
            data = await self._run(service, sub_action, params, execution.secrets)
        except ServiceNowFailure as failure:
            raise ConnectorError(failure.message) from None
        return ExecutorResult(data={} if data is None else data)

    def _service(self, execution: Execution) -> ServiceNow:
        config, secrets = execution.config, execution.secrets
        credentials = Credentials(
            is_oauth=bool(config.get("isOAuth")),
            username=secrets.get("username"),
            password=secrets.get("password"),
            client_id=config.get("clientId"),
            user_identifier=config.get("userIdentifierValue"),
            jwt_key_id=config.get("jwtKeyId"),
            client_secret=secrets.get("clientSecret"),
            private_key=secrets.get("privateKey"),
            private_key_password=secrets.get("privateKeyPassword"),
        )
        oauth_complete = all(
            (
                credentials.client_secret,
                credentials.private_key,
                credentials.client_id,
                credentials.jwt_key_id,
                credentials.user_identifier,
            )
        )
        basic_complete = credentials.username and credentials.password
        if not config.get("apiUrl") or not (
            oauth_complete if credentials.is_oauth else basic_complete
        ):
            # Kibana's text has no brackets around the name here.
            raise ConnectorError("[Action]ServiceNow: Wrong configuration.")
        return ServiceNow(
            http=execution.http,
            api_url=config["apiUrl"],
            uses_table_api=bool(config.get("usesTableApi")),
            credentials=credentials,
            tokens=execution.tokens,
            clock=execution.clock,
            product=self.product,
        )

    async def _run(
        self, service: ServiceNow, sub_action: str, params: JsonObject, secrets: JsonObject
    ) -> Any:
        if sub_action == "pushToService":
            return await self.push(service, params, secrets)
        if sub_action == "getFields":
            return await service.get_fields()
        if sub_action == "getChoices":
            return await service.get_choices(params["fields"])
        if sub_action == "closeIncident":
            incident = params["incident"]
            return await service.close_incident(
                incident_id=incident["externalId"], correlation_id=incident["correlation_id"]
            )
        # SecOps lists getIncident as supported but its executor does nothing for it.
        return None

    async def push(
        self, service: ServiceNow, params: JsonObject, secrets: JsonObject
    ) -> dict[str, Any]:
        """Create or update the incident, then send each comment as its own update."""
        incident = dict(params["incident"])
        external_id = incident.pop("externalId")
        if external_id is not None:
            pushed = await service.update_incident(external_id, incident)
        else:
            username = secrets.get("username")
            pushed = await service.create_incident(
                {**incident, "caller_id": username, "opened_by": username}
            )
        comments = params["comments"]
        if comments:
            pushed["comments"] = []
            for comment in comments:
                await service.update_incident(
                    pushed.get("id", UNDEFINED),
                    {**incident, service.product.comment_field: comment["comment"]},
                )
                pushed["comments"].append(
                    {"commentId": comment["commentId"], "pushedDate": pushed["pushedDate"]}
                )
        return pushed


class ServiceNowITSM(ServiceNowConnectorType):
    """ServiceNow IT Service Management: incidents in the `incident` table."""

    id = ".servicenow"
    name = "ServiceNow ITSM"
    supported_feature_ids = ("alerting", "cases", "uptime", "siem")
    product = ITSM
    params = sub_action_params(
        {
            **COMMON_SUB_ACTIONS,
            "pushToService": Object({"incident": ITSM_INCIDENT, "comments": COMMENTS}),
            "getChoices": GET_CHOICES,
            "closeIncident": CLOSE_INCIDENT,
        }
    )
    # Kibana's ITSM executor lists neither getIncident nor handshake.
    implemented = frozenset(("getFields", "pushToService", "getChoices", "closeIncident"))


class ServiceNowSecOps(ServiceNowConnectorType):
    """ServiceNow Security Incident Response: security incidents and their observables."""

    id = ".servicenow-sir"
    name = "ServiceNow SecOps"
    supported_feature_ids = ("alerting", "cases", "siem")
    product = SIR
    params = sub_action_params(
        {
            **COMMON_SUB_ACTIONS,
            "pushToService": Object({"incident": SIR_INCIDENT, "comments": COMMENTS}),
            "getChoices": GET_CHOICES,
        }
    )
    implemented = frozenset(("getFields", "pushToService", "getChoices", "getIncident"))

    async def push(
        self, service: ServiceNow, params: JsonObject, secrets: JsonObject
    ) -> dict[str, Any]:
        """Push the security incident; with the Import Set API, its observables afterwards."""
        incident = params["incident"]
        observable_fields = ("dest_ip", "malware_hash", "malware_url", "source_ip")
        if service.use_table_api:
            # The Table API takes each kind of observable as one comma-separated string.
            sent = {field: _observables_text(incident[field]) for field in observable_fields}
        else:
            # The Elastic application takes them in a call of their own, below.
            sent = dict.fromkeys(observable_fields)
        pushed = await super().push(service, {**params, "incident": {**incident, **sent}}, secrets)
        if not service.use_table_api:
            observables = [
                *format_observables(
                    _as_list(incident["dest_ip"] or []) + _as_list(incident["source_ip"] or []),
                    "ipv4-addr",
                ),
                *format_observables(_as_list(incident["malware_hash"] or []), "SHA256"),
                *format_observables(_as_list(incident["malware_url"] or []), "URL"),
            ]
            if observables:
                await service.bulk_add_observables(observables, pushed.get("id", UNDEFINED))
        return pushed


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (ServiceNowITSM(), ServiceNowSecOps())
