"""The rules of the Actions API (Kibana's actions client): connectors, their secrets, runs."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import msgspec

from opencases.configure import service as configure_service
from opencases.connectors import store
from opencases.connectors.crypto import SecretBox, SecretsUnreadable, secret_box
from opencases.connectors.execution import execute as run_connector
from opencases.connectors.execution import validate_connector
from opencases.connectors.outbound import Outbound
from opencases.connectors.registry import (
    CASES_FEATURE_ID,
    ConnectorTypeRegistry,
    default_connector_types,
    is_deprecated,
)
from opencases.connectors.schemas import (
    CaseConnectorInfo,
    Connector,
    ConnectorTypeInfo,
    ConnectorWithCount,
)
from opencases.connectors.types.base import ConnectorType, JsonObject, ValidationFailed
from opencases.db import Database, UniqueViolation
from opencases.kibana.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InternalServerError,
    saved_object_not_found,
)
from opencases.kibana.time import format_time, parse_time, utc_now
from opencases.security.authorization import Level, Operation, ensure_feature
from opencases.security.context import RequestContext
from opencases.settings import Settings

log = logging.getLogger("opencases.connectors")

SAVED_OBJECT_TYPE = "action"
ACTIONS_FEATURE = "actions"
# Kibana's MAX_SUPPORTED_CONNECTORS_RETURNED (cases' connectors/_find).
MAX_CASE_CONNECTORS = 1000
# The cases privilege (an API tag of every cases feature's `read` and `all`) of connectors/_find.
CASES_GET_CONNECTORS = Operation(
    name="getConnectors", verb="get", doc_type="connectors", read_only=True
)

_MISSING_KEY = (
    "Unable to {verb} connector because the Encrypted Saved Objects plugin is missing"
    " encryption key. Please set encryption_key in the OpenCases config file or the"
    " OPENCASES_ENCRYPTION_KEY environment variable (Kibana's"
    " xpack.encryptedSavedObjects.encryptionKey)."
)


# --- the process's connector runtime -----------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PreconfiguredConnector:
    """A connector of the config file, validated at startup; in every space."""

    id: str
    name: str
    connector_type_id: str
    config: JsonObject = field(repr=False)
    secrets: JsonObject = field(repr=False)
    is_deprecated: bool


@dataclass(slots=True, kw_only=True)
class Connectors:
    """What the Actions API needs besides the database: types, outbound HTTP, the key."""

    registry: ConnectorTypeRegistry
    outbound: Outbound
    box: SecretBox | None
    preconfigured: dict[str, PreconfiguredConnector]

    async def close(self) -> None:
        """Release the outbound HTTP client."""
        await self.outbound.close()


def build(
    settings: Settings,
    connector_types: Iterable[ConnectorType] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connectors:
    """The runtime for `settings`; SystemExit if a preconfigured connector is invalid."""
    registry = ConnectorTypeRegistry(
        default_connector_types() if connector_types is None else connector_types
    )
    outbound = Outbound(
        allowed_hosts=tuple(settings.allowed_hosts),
        timeout_seconds=settings.connector_timeout_seconds,
        max_response_bytes=settings.connector_max_response_bytes,
        transport=transport,
    )
    preconfigured = {}
    for connector_id, entry in settings.preconfigured.items():
        where = f"invalid preconfigured connector [{connector_id}]"
        connector_type = registry.get(entry.actionTypeId)
        if connector_type is None:
            raise SystemExit(f'{where}: Action type "{entry.actionTypeId}" is not registered.')
        try:
            config, secrets = _validate(connector_type, entry.config, entry.secrets, outbound)
        except BadRequest as exc:
            raise SystemExit(f"{where}: {exc.message}") from None
        preconfigured[connector_id] = PreconfiguredConnector(
            id=connector_id,
            name=entry.name,
            connector_type_id=entry.actionTypeId,
            config=config,
            secrets=secrets,
            is_deprecated=is_deprecated(entry.actionTypeId, config),
        )
    return Connectors(
        registry=registry,
        outbound=outbound,
        box=secret_box(settings.encryption_key),
        preconfigured=preconfigured,
    )


# --- rules shared by the operations -------------------------------------------------


async def _authorize(context: RequestContext, operation: str, type_id: str | None = None) -> None:
    """Kibana's ActionsAuthorization.ensureAuthorized: read to get and run, all to change."""
    level = Level.READ if operation in ("get", "execute") else Level.ALL
    target = f'a "{type_id}" action' if type_id else "actions"
    ensure_feature(
        privileges=await context.privileges(),
        feature=ACTIONS_FEATURE,
        level=level,
        message=f"Unauthorized to {operation} {target}",
    )


def _validate(
    connector_type: ConnectorType, config: JsonObject, secrets: JsonObject, http: Outbound
) -> tuple[JsonObject, JsonObject]:
    """The config and secrets with their defaults, or Kibana's 400 naming what failed."""
    try:
        return validate_connector(connector_type, config, secrets, http)
    except ValidationFailed as exc:
        raise BadRequest(exc.message) from None


def _seal(
    connectors: Connectors,
    *,
    requested: JsonObject,
    secrets: JsonObject,
    space_id: str,
    connector_id: str,
    verb: str,
) -> str | None:
    """The envelope to store for the secrets; None when the request gave none."""
    if not requested:
        # Nothing secret was given: `{}` is validated again (defaults and all) at each run.
        return None
    if connectors.box is None:
        raise BadRequest(_MISSING_KEY.format(verb=verb))
    return connectors.box.encrypt(secrets, space_id=space_id, connector_id=connector_id)


def _unseal(connectors: Connectors, connector: store.StoredConnector) -> JsonObject:
    """The stored secrets in clear; SecretsUnreadable without the key they were sealed with."""
    if connector.secrets is None:
        return {}
    if connectors.box is None:
        raise SecretsUnreadable("no encryption key is configured")
    return connectors.box.decrypt(
        connector.secrets, space_id=connector.space_id, connector_id=connector.id
    )


def _missing_secrets(connectors: Connectors, connector: store.StoredConnector) -> bool:
    if connector.secrets is None:
        return False
    if connectors.box is None:
        return True
    return not connectors.box.opens(
        connector.secrets, space_id=connector.space_id, connector_id=connector.id
    )


def _response(connectors: Connectors, connector: store.StoredConnector) -> Connector:
    return Connector(
        id=connector.id,
        name=connector.name,
        config=connector.config,
        connector_type_id=connector.connector_type_id,
        is_preconfigured=False,
        is_deprecated=is_deprecated(connector.connector_type_id, connector.config),
        is_missing_secrets=_missing_secrets(connectors, connector),
    )


def _preconfigured_response(connector: PreconfiguredConnector) -> Connector:
    return Connector(
        id=connector.id,
        name=connector.name,
        connector_type_id=connector.connector_type_id,
        is_preconfigured=True,
        is_deprecated=connector.is_deprecated,
    )


@functools.lru_cache(maxsize=4096)
def _collation_key(name: str) -> tuple[tuple[int, str], ...]:
    """A sort key close to JavaScript's `localeCompare` (ICU root collation).

    Case is ignored first (`b` < `C`), punctuation sorts before digits and digits before
    letters; equal names then put lower case first.
    """

    def weight(char: str) -> tuple[int, str]:
        if char.isalpha():
            return (2, char.casefold())
        if char.isdigit():
            return (1, char)
        return (0, char)

    return (*(weight(char) for char in name), (3, name.swapcase()))


# --- the operations -----------------------------------------------------------------


async def create(
    *,
    context: RequestContext,
    connectors: Connectors,
    connector_id: str | None,
    name: str,
    connector_type_id: str,
    config: JsonObject,
    secrets: JsonObject,
) -> Connector:
    """Create a connector in the space (with the caller's id, or a new one)."""
    await _authorize(context, "create", connector_type_id)
    if connector_id is not None and connector_id in connectors.preconfigured:
        raise BadRequest(f"This {connector_id} already exists in a preconfigured action.")
    connector_type = connectors.registry.require(connector_type_id)
    valid_config, valid_secrets = _validate(connector_type, config, secrets, connectors.outbound)
    connector_id = connector_id if connector_id is not None else str(uuid.uuid4())
    space_id = context.space.id
    now = utc_now()
    connector = store.StoredConnector(
        id=connector_id,
        space_id=space_id,
        name=name,
        connector_type_id=connector_type_id,
        config=valid_config,
        secrets=_seal(
            connectors,
            requested=secrets,
            secrets=valid_secrets,
            space_id=space_id,
            connector_id=connector_id,
            verb="create",
        ),
        revision=1,
        created_at=now,
        updated_at=now,
    )
    try:
        async with context.db.transaction() as tx:
            await store.insert(tx, connector)
    except UniqueViolation:
        raise Conflict(f"Saved object [{SAVED_OBJECT_TYPE}/{connector_id}] conflict") from None
    return msgspec.structs.replace(_response(connectors, connector), is_missing_secrets=False)


async def get(*, context: RequestContext, connectors: Connectors, connector_id: str) -> Connector:
    """One connector of the space, or a preconfigured one."""
    await _authorize(context, "get")
    preconfigured = connectors.preconfigured.get(connector_id)
    if preconfigured is not None:
        return _preconfigured_response(preconfigured)
    connector = await store.get(context.db, space_id=context.space.id, connector_id=connector_id)
    if connector is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, connector_id)
    return _response(connectors, connector)


async def _all(context: RequestContext, connectors: Connectors) -> list[tuple[Connector, int]]:
    """Every connector the space sees, by name, with its reference count."""
    stored = await store.list_in_space(context.db, space_id=context.space.id)
    found = [_response(connectors, connector) for connector in stored]
    found += [_preconfigured_response(c) for c in connectors.preconfigured.values()]
    found.sort(key=lambda connector: (_collation_key(connector.name), connector.id))
    # Kibana counts the saved objects whose `references` name the connector, whatever
    # their type; the objects that can name one here are the case configurations.
    counts = await configure_service.connector_references(context=context)
    return [(connector, counts.get(connector.id, 0)) for connector in found]


async def list_all(*, context: RequestContext, connectors: Connectors) -> list[ConnectorWithCount]:
    """Every connector of the space and every preconfigured one, by name."""
    await _authorize(context, "get")
    return [
        ConnectorWithCount(
            id=connector.id,
            name=connector.name,
            config=connector.config,
            connector_type_id=connector.connector_type_id,
            is_preconfigured=connector.is_preconfigured,
            is_deprecated=connector.is_deprecated,
            referenced_by_count=count,
            is_missing_secrets=connector.is_missing_secrets,
            is_system_action=connector.is_system_action,
        )
        for connector, count in await _all(context, connectors)
    ]


async def update(
    *,
    context: RequestContext,
    connectors: Connectors,
    connector_id: str,
    name: str,
    config: JsonObject,
    secrets: JsonObject,
) -> Connector:
    """Replace a connector's name, config and secrets (what is left out becomes `{}`)."""
    await _authorize(context, "update")
    if connector_id in connectors.preconfigured:
        raise BadRequest(f"Preconfigured action {connector_id} is not allowed to update.")
    space_id = context.space.id
    stored = await store.get(context.db, space_id=space_id, connector_id=connector_id)
    if stored is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, connector_id)
    connector_type = connectors.registry.require(stored.connector_type_id)
    valid_config, valid_secrets = _validate(connector_type, config, secrets, connectors.outbound)
    updated = msgspec.structs.replace(
        stored,
        name=name,
        config=valid_config,
        secrets=_seal(
            connectors,
            requested=secrets,
            secrets=valid_secrets,
            space_id=space_id,
            connector_id=connector_id,
            verb="update",
        ),
        revision=stored.revision + 1,
        updated_at=utc_now(),
    )
    async with context.db.transaction() as tx:
        if not await store.replace(tx, updated, expected=stored.revision):
            raise Conflict(f"Saved object [{SAVED_OBJECT_TYPE}/{connector_id}] conflict")
        # Kibana drops the kept token with the credentials that got it.
        await store.delete_token(tx, connector_id=connector_id)
    return msgspec.structs.replace(_response(connectors, updated), is_missing_secrets=False)


async def delete(*, context: RequestContext, connectors: Connectors, connector_id: str) -> None:
    """Delete a connector of the space (even one whose type is no longer known)."""
    await _authorize(context, "delete")
    if connector_id in connectors.preconfigured:
        raise BadRequest(f"Preconfigured action {connector_id} is not allowed to delete.")
    async with context.db.transaction() as tx:
        if not await store.delete(tx, space_id=context.space.id, connector_id=connector_id):
            raise saved_object_not_found(SAVED_OBJECT_TYPE, connector_id)
        await store.delete_token(tx, connector_id=connector_id)


async def execute(
    *, context: RequestContext, connectors: Connectors, connector_id: str, params: JsonObject
) -> JsonObject:
    """Run a connector with `params`: Kibana's execute result (failures included)."""
    preconfigured = connectors.preconfigured.get(connector_id)
    stored = None
    if preconfigured is not None:
        type_id: str | None = preconfigured.connector_type_id
    else:
        stored = await store.get(context.db, space_id=context.space.id, connector_id=connector_id)
        type_id = stored.connector_type_id if stored is not None else None
    # Kibana names the type in the 403 only when it found the connector.
    await _authorize(context, "execute", type_id)
    if preconfigured is not None:
        name, config, secrets = preconfigured.name, preconfigured.config, preconfigured.secrets
    elif stored is not None:
        try:
            secrets = _unseal(connectors, stored)
        except SecretsUnreadable as exc:
            # Kibana's executor throws its decryption error: a 500. The reason goes to the log.
            log.error(
                "connector %s in space %s cannot run: its secrets are unreadable (%s);"
                " set the encryption key they were stored with, or update the connector",
                stored.id,
                stored.space_id,
                exc,
            )
            raise InternalServerError() from None
        name, config = stored.name, stored.config
    else:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, connector_id)
    assert type_id is not None
    return await run_connector(
        connector_type=connectors.registry.require(type_id),
        connector_id=connector_id,
        connector_name=name,
        config=config,
        secrets=secrets,
        params=params,
        http=connectors.outbound,
        tokens=None
        if connectors.box is None
        else ConnectorTokens(
            db=context.db, box=connectors.box, space_id=context.space.id, connector_id=connector_id
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorTokens:
    """A connector's OAuth access token, kept sealed in the database between runs."""

    db: Database
    box: SecretBox
    space_id: str
    connector_id: str

    async def get(self) -> str | None:
        """The kept token, unless there is none, it has expired or cannot be opened."""
        kept = await store.get_token(self.db, connector_id=self.connector_id)
        if kept is None or parse_time(kept.expires_at) <= datetime.now(UTC):
            return None
        try:
            opened = self.box.decrypt(
                kept.token, space_id=kept.space_id, connector_id=self.connector_id
            )
        except SecretsUnreadable:
            return None  # sealed under another key: a new one is asked for
        token: str = opened["token"]
        return token

    async def put(self, token: str, *, expires_at: datetime) -> None:
        """Keep a token just received; a failure to keep it does not fail the run."""
        sealed = self.box.encrypt(
            {"token": token}, space_id=self.space_id, connector_id=self.connector_id
        )
        kept = store.StoredToken(
            space_id=self.space_id, token=sealed, expires_at=format_time(expires_at)
        )
        try:
            async with self.db.transaction() as tx:
                await store.put_token(tx, connector_id=self.connector_id, token=kept, now=utc_now())
        except Exception as exc:
            # Kibana catches any failure here, logs it and goes on with the token it has.
            log.warning(
                "Not able to update connector token for connectorId: %s due to error: %s",
                self.connector_id,
                exc,
            )

    async def delete(self) -> None:
        """Forget the kept token."""
        async with self.db.transaction() as tx:
            await store.delete_token(tx, connector_id=self.connector_id)


def list_types(*, connectors: Connectors, feature_id: str | None) -> list[ConnectorTypeInfo]:
    """The registered connector types (those supporting `feature_id` if given)."""
    return [
        ConnectorTypeInfo(
            id=connector_type.id,
            name=connector_type.name,
            enabled=True,
            enabled_in_config=True,
            # OpenCases has no licence tiers: every type is available.
            enabled_in_license=True,
            minimum_license_required=connector_type.minimum_license_required,
            supported_feature_ids=list(connector_type.supported_feature_ids),
        )
        for connector_type in connectors.registry
        if feature_id is None or feature_id in connector_type.supported_feature_ids
    ]


async def find_case_connectors(
    *, context: RequestContext, connectors: Connectors, api: str
) -> msgspec.Raw:
    """Cases' connectors/_find: the JSON of the connectors whose type can take cases.

    At most 1000. `api` is the request as Kibana's API privilege check quotes it
    (`GET <path><query>`). The encoded answer is cached until the next write.
    """
    if not await context.authorized_owners(CASES_GET_CONNECTORS):
        raise Forbidden(
            f"API [{api}] is unauthorized for user, this action is granted by the Kibana"
            " privileges [casesGetConnectorsConfigure]"
        )
    await _authorize(context, "get")

    async def load() -> msgspec.Raw:
        found = await _case_connectors(context, connectors)
        return msgspec.Raw(msgspec.json.encode(found))

    return await context.db.read_cached(("case connectors", context.space.id), load)


async def _case_connectors(
    context: RequestContext, connectors: Connectors
) -> list[CaseConnectorInfo]:
    found = [
        (connector, count)
        for connector, count in await _all(context, connectors)
        if connectors.registry.supports(connector.connector_type_id, CASES_FEATURE_ID)
    ]
    return [
        CaseConnectorInfo(
            id=connector.id,
            actionTypeId=connector.connector_type_id,
            name=connector.name,
            config=connector.config,
            isPreconfigured=connector.is_preconfigured,
            isSystemAction=connector.is_system_action,
            isDeprecated=connector.is_deprecated,
            isMissingSecrets=connector.is_missing_secrets,
            referencedByCount=count,
        )
        for connector, count in found[:MAX_CASE_CONNECTORS]
    ]
