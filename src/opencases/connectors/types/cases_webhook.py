"""Webhook - Case Management (`.cases-webhook`): pushes cases to any REST case system.

The user describes the external API with URLs and JSON bodies that are Mustache
templates. The version followed is Kibana 8.x's (config-schema messages, basic auth or an
SSL client certificate as for `.webhook`, no `getIncidentMethod`), with the later fix that
lets a 204 without a body through.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.connectors.errors import (
    ActionsError,
    ConnectorError,
    HostNotAllowed,
    OutboundError,
    ValidationFailed,
)
from opencases.connectors.outbound import Outbound, OutboundResponse, VerificationMode
from opencases.connectors.types.base import (
    ConnectorType,
    Execution,
    ExecutorResult,
    JsonObject,
    Null,
    PushComment,
    as_json,
    check,
    validate_push_params,
)
from opencases.connectors.types.javascript import (
    axios_data,
    encode_uri_component,
    is_empty,
    js_string_coercion,
    normalize_url,
    parses_as_url,
    url_problem,
)
from opencases.connectors.types.templates import render
from opencases.connectors.types.webhook import (
    BASIC_AUTH,
    SSL_AUTH,
    AuthTypeName,
    CertType,
    basic_auth,
    ssl_overrides,
    validate_webhook_secrets,
)
from opencases.kibana.time import Clock, format_time
from opencases.kibana.validation import is_ascii_digits, json_stringify

NAME = "Webhook - Case Management"
CONFIG_ERROR = "error configuring cases webhook action: "


class CasesWebhookConfig(msgspec.Struct, kw_only=True):
    """The connector's config: the external API's URLs, methods and body templates."""

    createIncidentUrl: str
    createIncidentMethod: Literal["post", "put"] = "post"
    createIncidentJson: str
    createIncidentResponseKey: str
    getIncidentUrl: str
    getIncidentResponseExternalTitleKey: str
    viewIncidentUrl: str
    updateIncidentUrl: str
    updateIncidentMethod: Literal["post", "patch", "put"] = "put"
    updateIncidentJson: str
    createCommentUrl: str | Null = None
    createCommentMethod: Literal["post", "put", "patch"] | Null = None
    createCommentJson: str | Null = None
    headers: dict[str, str] | Null = None
    hasAuth: bool = True
    authType: AuthTypeName | UnsetType = UNSET
    certType: CertType | UnsetType = UNSET
    ca: str | UnsetType = UNSET
    verificationMode: VerificationMode | UnsetType = UNSET


class CaseIncident(msgspec.Struct, kw_only=True):
    """The case a push sends."""

    title: str
    description: str | Null = None
    id: str | Null = None
    severity: str | Null = None
    status: str | Null = None
    externalId: str | Null = None
    tags: list[str] | Null = None


class PushParams(msgspec.Struct, kw_only=True):
    """`subActionParams` of pushToService."""

    incident: CaseIncident
    comments: list[PushComment] | Null = None


class CasesWebhookParams(msgspec.Struct, kw_only=True):
    """The execution params."""

    subAction: Literal["pushToService"]
    subActionParams: PushParams


class CasesWebhook(ConnectorType):
    """Kibana's `.cases-webhook` connector type."""

    id = ".cases-webhook"
    name = NAME
    minimum_license_required = "gold"
    supported_feature_ids = ("cases",)

    def validate_config(self, config: JsonObject, *, http: Outbound) -> JsonObject:
        """The config with its defaults; every URL must parse and be an allowed host."""
        validated = as_json(check(CasesWebhookConfig, config))
        for url in _urls(validated):
            if not parses_as_url(url):
                raise ValidationFailed(
                    f"{CONFIG_ERROR}unable to parse {url}: TypeError: Invalid URL"
                )
            if not http.is_url_allowed(url):
                raise ValidationFailed(
                    f'{CONFIG_ERROR}target url "{url}" is not added to the Kibana config '
                    "xpack.actions.allowedHosts"
                )
        return validated

    def validate_secrets(self, secrets: JsonObject, *, http: Outbound) -> JsonObject:
        """The secrets with their defaults."""
        return validate_webhook_secrets(secrets)

    def validate_params(self, params: JsonObject) -> JsonObject:
        """The params with config-schema's defaults (absent objects are `{}`)."""
        return validate_push_params(CasesWebhookParams, params)

    async def execute(self, execution: Execution) -> ExecutorResult:
        """Push a case: create or update it, then add its comments."""
        service = CasesWebhookService(
            execution.config, execution.secrets, execution.http, execution.clock
        )
        return ExecutorResult(data=await service.push(execution.params["subActionParams"]))


class CasesWebhookService:
    """The external case system as the config describes it."""

    def __init__(
        self, config: JsonObject, secrets: JsonObject, http: Outbound, clock: Clock
    ) -> None:
        self.auth = basic_auth(config, secrets)
        self.ssl_overrides = ssl_overrides(config, secrets)
        wants_basic = config["hasAuth"] and config.get("authType") in (BASIC_AUTH, None)
        if (wants_basic and (self.auth is None or not all(self.auth))) or (
            config.get("authType") == SSL_AUTH and self.ssl_overrides is None
        ):
            raise ConnectorError(f"[Action]{NAME}: Wrong configuration.")
        self.config = config
        self.headers = _merged_headers({"content-type": "application/json"}, config["headers"])
        self.http = http
        self.clock = clock

    async def push(self, params: JsonObject) -> JsonObject:
        """Create or update the case, then add the comments; Kibana's push result."""
        incident = dict(params["incident"])
        external_id = incident.pop("externalId")
        if external_id is not None:
            result = await self.update_case(external_id, incident)
        else:
            result = await self.create_case(incident)
        comments = params["comments"]
        if comments:
            result["comments"] = []
            for comment in comments:
                # Kibana skips empty comments without a word.
                if not comment["comment"]:
                    continue
                await self.create_comment(result["id"], comment["comment"])
                result["comments"].append(
                    {"commentId": comment["commentId"], "pushedDate": result["pushedDate"]}
                )
        return result

    async def create_case(self, incident: JsonObject) -> JsonObject:
        """Send the create request, then read the new case back."""
        try:
            url = _checked_url(
                self.config["createIncidentUrl"].removesuffix("/"), "Create case URL"
            )
            body = render(self.config["createIncidentJson"], _case_variables(incident))
            _check_json(body, "Create case JSON body")
            response = await self._request(self.config["createIncidentMethod"], url, body)
            key = self.config["createIncidentResponseKey"]
            data = _valid_data(response, self.config["createIncidentMethod"], url, key)
            external_id = _value_as_string(data, key)
            return await self._pushed(external_id)
        except _FAILURES as exc:
            raise _service_error(exc, "Unable to create case") from None

    async def update_case(self, external_id: str, incident: JsonObject) -> JsonObject:
        """Send the update request, then read the case back."""
        try:
            url = _checked_url(
                render(
                    self.config["updateIncidentUrl"], _external(encode_uri_component(external_id))
                ),
                "Update case URL",
            )
            variables = {**_case_variables(incident), **_external(json_stringify(external_id))}
            body = render(self.config["updateIncidentJson"], variables)
            _check_json(body, "Update case JSON body")
            response = await self._request(self.config["updateIncidentMethod"], url, body)
            _valid_data(response, self.config["updateIncidentMethod"], url)
            return await self._pushed(external_id)
        except _FAILURES as exc:
            raise _service_error(exc, f"Unable to update case with id {external_id}") from None

    async def get_case_title(self, external_id: str) -> str:
        """The external case's title."""
        try:
            url = _checked_url(
                render(self.config["getIncidentUrl"], _external(encode_uri_component(external_id))),
                "Get case URL",
            )
            response = await self._request("get", url, None)
            key = self.config["getIncidentResponseExternalTitleKey"]
            return _value_as_string(_valid_data(response, "get", url, key), key)
        except _FAILURES as exc:
            raise _service_error(exc, f"Unable to get case with id {external_id}") from None

    async def create_comment(self, external_id: str, comment: str) -> None:
        """Add a comment, when the config says how."""
        url_template = self.config["createCommentUrl"]
        json_template = self.config["createCommentJson"]
        method = self.config["createCommentMethod"]
        if not url_template or not json_template or not method:
            return
        try:
            url = _checked_url(
                render(url_template, _external(encode_uri_component(external_id))),
                "Create comment URL",
            )
            variables = {"case": {"comment": json_stringify(comment)}}
            body = render(json_template, {**variables, **_external(json_stringify(external_id))})
            _check_json(body, "Create comment JSON body")
            response = await self._request(method, url, body)
            _valid_data(response, method, url)
        except _FAILURES as exc:
            raise _service_error(
                exc, f"Unable to create comment at case with id {external_id}"
            ) from None

    async def _pushed(self, external_id: str) -> JsonObject:
        """Kibana's push result for a case just written: its title and view URL."""
        title = await self.get_case_title(external_id)
        view = render(
            self.config["viewIncidentUrl"],
            {
                "external": {
                    "system": {
                        "id": encode_uri_component(external_id),
                        "title": encode_uri_component(title),
                    }
                }
            },
        )
        return {
            "id": external_id,
            "title": title,
            "url": _checked_url(view, "View case URL"),
            "pushedDate": format_time(self.clock.now()),
        }

    async def _request(self, method: str, url: str, body: str | None) -> OutboundResponse:
        # axios sends no content type when there is no body.
        headers = self.headers if body is not None else _merged_headers({}, self.config["headers"])
        return await self.http.request(
            method.upper(),
            url,
            headers=headers,
            content=body,
            auth=self.auth,
            ssl_overrides=self.ssl_overrides,
        )


class _Failure(ActionsError):
    """A failure of a step, with Kibana's words, before it is named for its operation."""


_FAILURES = (OutboundError, HostNotAllowed, ConnectorError, _Failure)


def _service_error(exc: Exception, action: str) -> ConnectorError:
    """Kibana's `createServiceError`: the operation, the error, the answer and its reason."""
    message = getattr(exc, "message", str(exc))
    response = exc.response if isinstance(exc, OutboundError) else None
    answer = reason = ""
    if response is not None:
        data = axios_data(response.content)
        if data:
            answer = json_stringify(data)
        reason = f"Reason: {response.reason}"
    return ConnectorError(f"[Action][{NAME}]: {action}. Error: {message}. {answer} {reason}")


def _case_variables(incident: JsonObject) -> JsonObject:
    """The case's values for the templates, each JSON-stringified (quotes included)."""
    values = {
        "description": incident["description"] or "",
        "id": incident["id"] or "",
        "severity": incident["severity"] or "",
        "status": incident["status"] or "",
        "tags": incident["tags"] or [],
        "title": incident["title"],
    }
    return {"case": {key: json_stringify(value) for key, value in values.items()}}


def _external(external_id: str) -> JsonObject:
    return {"external": {"system": {"id": external_id}}}


def _checked_url(url: str, description: str) -> str:
    """The URL normalised, or `Invalid <description>: Error: <why>`."""
    problem = url_problem(url)
    if problem is None:
        return normalize_url(url)
    raise _Failure(f"Invalid {description}: Error: {problem}")


def _check_json(text: str, description: str) -> None:
    """`JSON Error: <description> must be valid JSON` unless JSON.parse reads `text`."""

    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError:
        raise _Failure(f"JSON Error: {description} must be valid JSON") from None


def _valid_data(response: OutboundResponse, method: str, url: str, *required: str) -> Any:
    """The response data, after Kibana's `throwDescriptiveErrorIfResponseIsNotValid` checks."""
    data = axios_data(response.content)
    if response.status == 204 and is_empty(data) and not required:
        return data
    content_type = response.headers.get("content-type")
    if content_type is None:
        raise _Failure(
            f"Missing content type header in {method} {url}. "
            "Supported content types: application/json"
        )
    if "application/json" not in content_type:
        raise _Failure(
            f"Unsupported content type: {content_type} in {method} {url}. "
            "Supported content types: application/json"
        )
    if not is_empty(data) and not isinstance(data, dict | list):
        raise _Failure("Response is not a valid JSON")
    missing = [key for key in required if _lodash_get(data, key) is _MISSING]
    if missing:
        noun = "fields" if len(missing) > 1 else "field"
        raise _Failure(f"Response is missing the expected {noun}: {', '.join(missing)}")
    return data


_MISSING: Any = object()
_PATH_PART = re.compile(r"[^.[\]]+|\[(?:(\d+)|([\"'])(.*?)\2)\]")


def _lodash_get(data: Any, path: str) -> Any:
    """lodash's `get(data, path)`: `a.b[0].c`, or a key that holds the dots itself."""
    if isinstance(data, dict) and path in data:
        return data[path]
    value = data
    for match in _PATH_PART.finditer(path):
        key = match.group(3) if match.group(2) else (match.group(1) or match.group(0))
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and is_ascii_digits(key) and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _value_as_string(data: Any, key: str) -> str:
    """`${get(data, key)}` (the key is known to be there)."""
    return js_string_coercion(_lodash_get(data, key))


def _merged_headers(base: dict[str, str], extra: dict[str, str] | None) -> dict[str, str]:
    """`base` then `extra`, a later name replacing an earlier one whatever its case."""
    merged: dict[str, str] = {}
    for name, value in (*base.items(), *(extra or {}).items()):
        for existing in [key for key in merged if key.lower() == name.lower()]:
            del merged[existing]
        merged[name] = value
    return merged


def _urls(config: JsonObject) -> list[str]:
    """The configured URLs (templates, checked as Kibana checks them)."""
    keys = (
        "createIncidentUrl",
        "createCommentUrl",
        "viewIncidentUrl",
        "getIncidentUrl",
        "updateIncidentUrl",
    )
    return [config[key] for key in keys if config.get(key)]


CONNECTOR_TYPES: tuple[ConnectorType, ...] = (CasesWebhook(),)
