"""ServiceNow's Table and Import Set APIs as Kibana's connectors call them (`service.ts`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from opencases.connectors.errors import HostNotAllowed, OutboundError
from opencases.connectors.outbound import Outbound
from opencases.connectors.types.base import AccessTokens
from opencases.connectors.types.javascript import axios_data, js_string_coercion
from opencases.connectors.types.servicenow_api._auth import Credentials, new_access_token
from opencases.connectors.types.servicenow_api._failures import (
    Answer,
    ServiceNowFailure,
    prop,
    service_error,
)
from opencases.kibana.time import Clock, format_time
from opencases.kibana.validation import UNDEFINED

# Kibana prefixes every incident field with this for the Import Set API.
FIELD_PREFIX = "u_"


@dataclass(frozen=True, slots=True)
class Product:
    """Where one ServiceNow product keeps its incidents (Kibana's snExternalServiceConfig)."""

    table: str
    import_set_table: str
    app_scope: str
    comment_field: str = "work_notes"


ITSM = Product(
    table="incident",
    import_set_table="x_elas2_inc_int_elastic_incident",
    app_scope="x_elas2_inc_int",
)
SIR = Product(
    table="sn_si_incident",
    import_set_table="x_elas2_sir_int_elastic_si_incident",
    app_scope="x_elas2_sir_int",
)


_SERVICENOW_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?")


def pushed_date(timestamp: Any) -> str:
    """Kibana's getPushedDate of a date ServiceNow gave: its `YYYY-MM-DD HH:MM:SS` (UTC) as ISO."""
    match = _SERVICENOW_TIME.fullmatch(timestamp) if isinstance(timestamp, str) else None
    try:
        if match is None:
            raise ValueError(timestamp)
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        # `new Date("<garbage> GMT").toISOString()` throws.
        raise ServiceNowFailure("Invalid time value") from None
    return format_time(moment)


def prepare_incident(use_table_api: bool, incident: dict[str, Any]) -> dict[str, Any]:
    """The incident as sent: as is to the Table API, `u_`-prefixed to Import Set."""
    # Kibana puts the additional fields (Import Set only) first and unprefixed, so an
    # incident field of the same name wins.
    fields = dict(incident)
    additional_fields = fields.pop("additional_fields", None)
    if use_table_api:
        return fields
    prefixed = {f"{FIELD_PREFIX}{key}": value for key, value in fields.items()}
    return {**(additional_fields or {}), **prefixed}


def refuse_additional_fields(use_table_api: bool, incident: dict[str, Any]) -> None:
    """Kibana's throwIfAdditionalFieldsNotSupported: the Table API has no additional fields."""
    # An empty object counts: JavaScript's `{}` is truthy.
    if use_table_api and incident.get("additional_fields") is not None:
        raise ServiceNowFailure(
            "ServiceNow additional fields are not supported for deprecated connectors."
        )


class ServiceNow:
    """One connector's view of a ServiceNow instance (Kibana's createExternalService)."""

    def __init__(
        self,
        *,
        http: Outbound,
        api_url: str,
        uses_table_api: bool,
        credentials: Credentials,
        product: Product,
        clock: Clock,
        tokens: AccessTokens | None = None,
    ) -> None:
        self.http = http
        self.clock = clock
        # Kibana drops one trailing slash.
        self.url = api_url[:-1] if api_url.endswith("/") else api_url
        self.use_table_api = uses_table_api
        self.credentials = credentials
        self.product = product
        self.tokens = tokens
        self._authorization: str | None = None

    # --- URLs -----------------------------------------------------------

    @property
    def table_url(self) -> str:
        """The Table API address of the product's incidents."""
        return f"{self.url}/api/now/v2/table/{self.product.table}"

    @property
    def import_set_url(self) -> str:
        """The Import Set API address of the Elastic application's staging table."""
        return f"{self.url}/api/now/import/{self.product.import_set_table}"

    def incident_view_url(self, sys_id: Any) -> str:
        """Where a person sees the incident in ServiceNow's UI."""
        return (
            f"{self.url}/nav_to.do?uri={self.product.table}.do?sys_id={js_string_coercion(sys_id)}"
        )

    # --- transport ------------------------------------------------------

    async def _authorization_header(self) -> str:
        basic = self.credentials.basic_authorization()
        if basic is not None:
            return basic
        if self._authorization is None and self.tokens is not None:
            self._authorization = await self.tokens.get()
        if self._authorization is None:
            self._authorization = await new_access_token(
                http=self.http,
                instance_url=self.url,
                credentials=self.credentials,
                clock=self.clock,
                tokens=self.tokens,
            )
        return self._authorization

    async def call(self, method: str, url: str, body: Any = None) -> Any:
        """Send one request and return its data, checked as Kibana's checkInstance does."""
        headers = {"authorization": await self._authorization_header()}
        try:
            response = await self.http.request(method, url, headers=headers, json_body=body)
        except OutboundError as exc:
            status = 0 if exc.response is None else exc.response.status
            if self.tokens is not None and self.credentials.is_oauth and 400 <= status < 500:
                # Kibana's response interceptor: a 4xx may mean the token is no good.
                await self.tokens.delete()
            answer = None if exc.response is None else Answer(axios_data(exc.response.content))
            raise ServiceNowFailure(exc.message, answer=answer) from None
        except HostNotAllowed as exc:
            raise ServiceNowFailure(str(exc)) from None
        data = axios_data(response.content)
        result = prop(data, "result")
        if result is None or result is UNDEFINED:
            # Kibana names the host the TLS handshake named (SNI), so plain HTTP names none.
            host = (urlsplit(url).hostname or "") if url.startswith("https:") else ""
            raise ServiceNowFailure(
                f"There is an issue with your Service Now Instance. Please check {host}."
            )
        return data

    # --- Elastic application ------------------------------------------------

    async def get_application_information(self) -> Any:
        """The Elastic application's health record (its version and scope)."""
        try:
            data = await self.call(
                "GET", f"{self.url}/api/{self.product.app_scope}/elastic_api/health"
            )
        except ServiceNowFailure as failure:
            raise service_error(failure, "Unable to get application version") from None
        return data["result"]

    async def check_if_application_is_installed(self) -> None:
        """With the Import Set API, fail unless the Elastic application answers."""
        if not self.use_table_api:
            await self.get_application_information()

    # --- incidents --------------------------------------------------------

    async def get_incident(self, incident_id: Any) -> Any:
        """One incident, read through the Table API."""
        try:
            data = await self.call("GET", f"{self.table_url}/{js_string_coercion(incident_id)}")
        except ServiceNowFailure as failure:
            raise service_error(
                failure, f"Unable to get incident with id {js_string_coercion(incident_id)}"
            ) from None
        return data["result"]

    def _check_import_set_answer(self, data: Any) -> None:
        """Kibana's throwIfImportSetApiResponseIsAnError."""
        result = prop(data, "result")
        if isinstance(result, list) and not result:
            raise ServiceNowFailure("Unexpected result")
        first = result[0] if isinstance(result, list) else UNDEFINED
        if prop(first, "status") == "error":
            raise ServiceNowFailure(js_string_coercion(prop(first, "error_message")))

    def _written_id(self, data: Any) -> Any:
        result = data["result"]
        return prop(result if self.use_table_api else prop(result, 0), "sys_id")

    def _pushed(self, incident: Any, date_field: str) -> dict[str, Any]:
        sys_id = prop(incident, "sys_id")
        date = prop(incident, date_field)
        pushed = {
            "title": prop(incident, "number"),
            "id": sys_id,
            # Kibana's getPushedDate: now, when ServiceNow gave no date.
            "pushedDate": format_time(self.clock.now())
            if date is None or date is UNDEFINED
            else pushed_date(date),
            "url": self.incident_view_url(sys_id),
        }
        # JSON leaves out what JavaScript reads as undefined.
        return {key: value for key, value in pushed.items() if value is not UNDEFINED}

    async def create_incident(self, incident: dict[str, Any]) -> dict[str, Any]:
        """Create an incident; its `{title, id, pushedDate, url}`."""
        try:
            refuse_additional_fields(self.use_table_api, incident)
            await self.check_if_application_is_installed()
            url = self.table_url if self.use_table_api else self.import_set_url
            data = await self.call("POST", url, prepare_incident(self.use_table_api, incident))
            if not self.use_table_api:
                self._check_import_set_answer(data)
            created = await self.get_incident(self._written_id(data))
            return self._pushed(created, "sys_created_on")
        except ServiceNowFailure as failure:
            raise service_error(failure, "Unable to create incident") from None

    async def update_incident(self, incident_id: Any, incident: dict[str, Any]) -> dict[str, Any]:
        """Update an incident; its `{title, id, pushedDate, url}`."""
        try:
            refuse_additional_fields(self.use_table_api, incident)
            await self.check_if_application_is_installed()
            body = prepare_incident(self.use_table_api, incident)
            if self.use_table_api:
                data = await self.call(
                    "PATCH", f"{self.table_url}/{js_string_coercion(incident_id)}", body
                )
            else:
                # The Import Set API only takes POST; this field makes the row an update.
                body["elastic_incident_id"] = incident_id
                data = await self.call("POST", self.import_set_url, body)
                self._check_import_set_answer(data)
            updated = await self.get_incident(self._written_id(data))
            return self._pushed(updated, "sys_updated_on")
        except ServiceNowFailure as failure:
            raise service_error(
                failure, f"Unable to update incident with id {js_string_coercion(incident_id)}"
            ) from None

    async def get_incident_by_correlation_id(self, correlation_id: str) -> Any:
        """The newest incident with `correlation_id`, or None."""
        # Kibana puts the id in the query unencoded.
        url = (
            f"{self.table_url}?sysparm_query=ORDERBYDESCsys_created_on^"
            f"correlation_id={correlation_id}"
        )
        try:
            data = await self.call("GET", url)
            found = prop(data["result"], 0)
        except ServiceNowFailure as failure:
            raise service_error(
                failure, f"Unable to get incident by correlation ID {correlation_id}"
            ) from None
        return None if found is UNDEFINED else found

    async def close_incident(
        self, *, incident_id: str | None, correlation_id: str | None
    ) -> dict[str, Any] | None:
        """Close an incident (state 7); None when there is none to close."""
        try:
            if correlation_id is None and incident_id is None:
                raise ServiceNowFailure("No correlationId or incidentId found.")
            if incident_id:
                found = await self.get_incident(incident_id)
            elif correlation_id:
                found = await self.get_incident_by_correlation_id(correlation_id)
            else:
                found = None
            if found is None:
                return None
            if prop(found, "state") == "7":
                return self._pushed(found, "sys_updated_on")
            return await self.update_incident(
                prop(found, "sys_id"),
                {
                    "state": "7",
                    "close_code": "Closed/Resolved by Caller",
                    "close_notes": "Closed by Caller",
                },
            )
        except ServiceNowFailure as failure:
            # Kibana returns null on a 404 here, but the 404 arrives already wrapped
            # (without its response), so that branch never runs; neither does it here.
            raise service_error(failure, "Unable to close incident") from None

    # --- fields and choices -----------------------------------------------

    async def get_fields(self) -> Any:
        """The incident's string fields (sys_dictionary)."""
        table = self.product.table
        url = (
            f"{self.url}/api/now/table/sys_dictionary?sysparm_query=name=task^ORname={table}"
            "^internal_type=string&active=true&array=false&read_only=false"
            "&sysparm_fields=max_length,element,column_label,mandatory"
        )
        try:
            data = await self.call("GET", url)
        except ServiceNowFailure as failure:
            raise service_error(failure, "Unable to get fields") from None
        result = data["result"]
        return result if isinstance(result, list) and result else []

    async def get_choices(self, fields: list[str]) -> Any:
        """The choices of `fields` (sys_choice)."""
        first = fields[0] if fields else "undefined"
        elements = f"element={first}" + "".join(f"^ORelement={field}" for field in fields[1:])
        url = (
            f"{self.url}/api/now/table/sys_choice?sysparm_query=name=task^ORname="
            f"{self.product.table}^{elements}^language=en"
            "&sysparm_fields=label,value,dependent_value,element"
        )
        try:
            data = await self.call("GET", url)
        except ServiceNowFailure as failure:
            raise service_error(failure, "Unable to get choices") from None
        return data["result"]

    # --- SecOps observables -------------------------------------------------

    async def bulk_add_observables(
        self, observables: list[dict[str, str]], incident_id: Any
    ) -> None:
        """Attach observables to a security incident (the Elastic SIR application's API)."""
        shown_id = js_string_coercion(incident_id)
        url = f"{self.url}/api/x_elas2_sir_int/elastic_api/incident/{shown_id}/observables/bulk"
        try:
            await self.check_if_application_is_installed()
            await self.call("POST", url, observables)
        except ServiceNowFailure as failure:
            raise service_error(
                failure, f"Unable to add observables to security incident with id {shown_id}"
            ) from None
