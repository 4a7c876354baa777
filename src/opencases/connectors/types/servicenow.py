"""ServiceNow ITSM (`.servicenow`) and ServiceNow SecOps (`.servicenow-sir`).

Kibana's classic ServiceNow connectors (`stack_connectors/.../lib/servicenow/` with
`servicenow_itsm/` and `servicenow_sir/`, the 8.x config-schema generation): one params
schema per sub-action tried in turn, pushes through the Table API or the Elastic
application's Import Set API, and OAuth with a JWT assertion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import msgspec

from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import (
    ConnectorError,
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    License,
    ValidationFailed,
    check,
    ensure_url_allowed,
)
from opencases.connectors.types.servicenow_api import (
    ITSM,
    MISSING,
    SIR,
    Credentials,
    Product,
    ServiceNow,
    ServiceNowFailure,
)
from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import Check, validate

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


class Comment(msgspec.Struct, kw_only=True):
    """A comment to push: it becomes one `work_notes` update."""

    comment: str
    commentId: str


_COMMENT_PATH = "subActionParams.comments.0.#"


def _comment_items(comments: list[Any]) -> str | None:
    """Each comment checked as config-schema's `nullable(arrayOf(object))` reports it."""
    for index, item in enumerate(comments):
        try:
            # One `where` for every index: validation compiles a node per `where`.
            validate(Comment, item, style="config-schema", where=_COMMENT_PATH)
        except BadRequest as exc:
            failure = exc.message.replace(_COMMENT_PATH, f"{_COMMENT_PATH[:-1]}{index}", 1)
            # `nullable` is a oneOf of the array and null; Kibana prints both failures,
            # with paths that start at subActionParams whatever the outer member was.
            return (
                "types that failed validation:\n"
                f" - {failure}\n"
                " - [subActionParams.comments.1]: expected value to equal [null]"
            )
    return None


Comments = Annotated[list[Any], Check(_comment_items)] | None
Observables = str | list[str] | None


class ITSMIncident(msgspec.Struct, kw_only=True):
    """The incident fields an ITSM push takes."""

    short_description: str
    description: str | None = None
    externalId: str | None = None
    category: str | None = None
    subcategory: str | None = None
    correlation_id: str | None = None
    correlation_display: str | None = None
    severity: str | None = None
    urgency: str | None = None
    impact: str | None = None


class SIRIncident(msgspec.Struct, kw_only=True):
    """The security incident fields a SecOps push takes."""

    short_description: str
    description: str | None = None
    externalId: str | None = None
    category: str | None = None
    subcategory: str | None = None
    correlation_id: str | None = None
    correlation_display: str | None = None
    dest_ip: Observables = None
    malware_hash: Observables = None
    malware_url: Observables = None
    source_ip: Observables = None
    priority: str | None = None


class ITSMPushParams(msgspec.Struct, kw_only=True):
    """`pushToService` params of ITSM."""

    incident: ITSMIncident
    comments: Comments = None


class SIRPushParams(msgspec.Struct, kw_only=True):
    """`pushToService` params of SecOps."""

    incident: SIRIncident
    comments: Comments = None


class NoParams(msgspec.Struct, kw_only=True):
    """Params of a sub-action that takes none (`getFields`, `handshake`)."""


class GetIncidentParams(msgspec.Struct, kw_only=True):
    """`getIncident` params."""

    externalId: str


class GetChoicesParams(msgspec.Struct, kw_only=True):
    """`getChoices` params: the fields whose choices to read."""

    fields: list[str]


class IncidentToClose(msgspec.Struct, kw_only=True):
    """Which incident `closeIncident` closes: by id, else by correlation id."""

    externalId: str | None = None
    correlation_id: str | None = None


class CloseIncidentParams(msgspec.Struct, kw_only=True):
    """`closeIncident` params."""

    incident: IncidentToClose


@dataclass(frozen=True, slots=True)
class SubAction:
    """One member of Kibana's `oneOf` params schema: a sub-action name and its params."""

    name: str
    params: type[msgspec.Struct]
    # config-schema turns an absent object into `{}` and then checks its keys.
    objects: tuple[str, ...] = ()

    def validate(self, params: JsonObject, index: int) -> JsonObject:
        """The params with defaults, or ValidationFailed worded for member `index`."""
        if params.get("subAction", MISSING) != self.name:
            raise ValidationFailed(f"[{index}.subAction]: expected value to equal [{self.name}]")
        sub_params = params.get("subActionParams", {})
        if isinstance(sub_params, dict):
            sub_params = {**{key: {} for key in self.objects}, **sub_params}
        try:
            checked = validate(
                self.params,
                sub_params,
                style="config-schema",
                where=f"{index}.subActionParams",
            )
        except BadRequest as exc:
            raise ValidationFailed(exc.message) from None
        for key in params:
            if key not in ("subAction", "subActionParams"):
                raise ValidationFailed(f"[{index}.{key}]: definition for this key is missing")
        return {"subAction": self.name, "subActionParams": msgspec.to_builtins(checked)}


def validate_sub_action(sub_actions: tuple[SubAction, ...], params: JsonObject) -> JsonObject:
    """The first member that accepts `params`, else every member's failure, as config-schema."""
    failures: list[str] = []
    for index, sub_action in enumerate(sub_actions):
        try:
            return sub_action.validate(params, index)
        except ValidationFailed as exc:
            failures.append(exc.message)
    raise ValidationFailed(
        "types that failed validation:" + "".join(f"\n- {failure}" for failure in failures)
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


def _observables_text(observables: Observables) -> str | None:
    return ",".join(observables) if isinstance(observables, list) else observables


# --- the connector types ------------------------------------------------------------


class ServiceNowConnectorType(ConnectorType):
    """What ITSM and SecOps share: schemas, validators and the executor."""

    minimum_license_required: ClassVar[License] = "platinum"
    product: ClassVar[Product]
    sub_actions: ClassVar[tuple[SubAction, ...]]
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
        return msgspec.to_builtins(checked)  # type: ignore[no-any-return]

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
        return msgspec.to_builtins(checked)  # type: ignore[no-any-return]

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
        return validate_sub_action(self.sub_actions, params)

    def urls(self, config: JsonObject) -> list[str]:
        """The instance's URL."""
        return [config["apiUrl"]]

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
                    pushed.get("id", MISSING),
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
    sub_actions = (
        SubAction("getFields", NoParams),
        SubAction("getIncident", GetIncidentParams),
        SubAction("handshake", NoParams),
        SubAction("pushToService", ITSMPushParams, objects=("incident",)),
        SubAction("getChoices", GetChoicesParams),
        SubAction("closeIncident", CloseIncidentParams, objects=("incident",)),
    )
    # Kibana's ITSM executor lists neither getIncident nor handshake.
    implemented = frozenset(("getFields", "pushToService", "getChoices", "closeIncident"))


class ServiceNowSecOps(ServiceNowConnectorType):
    """ServiceNow Security Incident Response: security incidents and their observables."""

    id = ".servicenow-sir"
    name = "ServiceNow SecOps"
    supported_feature_ids = ("alerting", "cases", "siem")
    product = SIR
    sub_actions = (
        SubAction("getFields", NoParams),
        SubAction("getIncident", GetIncidentParams),
        SubAction("handshake", NoParams),
        SubAction("pushToService", SIRPushParams, objects=("incident",)),
        SubAction("getChoices", GetChoicesParams),
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
                await service.bulk_add_observables(observables, pushed.get("id", MISSING))
        return pushed


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (ServiceNowITSM(), ServiceNowSecOps())
