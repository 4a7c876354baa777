"""The rules of the Actions API (Kibana's actions client): connectors, their secrets, runs."""

from __future__ import annotations

import functools
import logging
from typing import Literal

import msgspec

from opencases.connectors import store
from opencases.connectors.errors import SecretsUnreadable, ValidationFailed
from opencases.connectors.execution import execute as run_connector
from opencases.connectors.execution import validate_connector
from opencases.connectors.outbound import Outbound
from opencases.connectors.registry import is_deprecated
from opencases.connectors.runtime import Connectors, PreconfiguredConnector
from opencases.connectors.schemas import Connector, ConnectorTypeInfo, ConnectorWithCount
from opencases.connectors.tokens import ConnectorTokens
from opencases.connectors.types.base import ConnectorType, JsonObject
from opencases.db import UniqueViolation, new_id
from opencases.kibana.errors import (
    BadRequest,
    Conflict,
    InternalServerError,
    saved_object_not_found,
)
from opencases.kibana.time import format_time
from opencases.security.authorization import Level, ensure_feature
from opencases.security.context import RequestContext

log = logging.getLogger("opencases.connectors")

SAVED_OBJECT_TYPE = "action"
ACTIONS_FEATURE = "actions"
# What Kibana's actions authorization checks: `get` and `execute` need read, the rest all.
ActionsOperation = Literal["create", "get", "update", "delete", "execute"]

_MISSING_KEY = (
    "Unable to {verb} connector because the Encrypted Saved Objects plugin is missing"
    " encryption key. Please set encryption_key in the OpenCases config file or the"
    " OPENCASES_ENCRYPTION_KEY environment variable (Kibana's"
    " xpack.encryptedSavedObjects.encryptionKey)."
)


# --- rules shared by the operations -------------------------------------------------


async def authorize(
    *, context: RequestContext, operation: ActionsOperation, type_id: str | None = None
) -> None:
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


def _unseal(connectors: Connectors, connector: store.ConnectorRecord) -> JsonObject:
    """The stored secrets in clear; SecretsUnreadable without the key they were sealed with."""
    if connector.secrets is None:
        return {}
    if connectors.box is None:
        raise SecretsUnreadable("no encryption key is configured")
    return connectors.box.decrypt(
        connector.secrets, space_id=connector.space_id, connector_id=connector.id
    )


def _missing_secrets(connectors: Connectors, connector: store.ConnectorRecord) -> bool:
    if connector.secrets is None:
        return False
    if connectors.box is None:
        return True
    return not connectors.box.opens(
        connector.secrets, space_id=connector.space_id, connector_id=connector.id
    )


def _response(connectors: Connectors, connector: store.ConnectorRecord) -> Connector:
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
    await authorize(context=context, operation="create", type_id=connector_type_id)
    if connector_id is not None and connector_id in connectors.preconfigured:
        raise BadRequest(f"This {connector_id} already exists in a preconfigured action.")
    connector_type = connectors.registry.require(connector_type_id)
    valid_config, valid_secrets = _validate(connector_type, config, secrets, connectors.outbound)
    connector_id = connector_id if connector_id is not None else new_id()
    space_id = context.space.id
    now = format_time(connectors.clock.now())
    connector = store.ConnectorRecord(
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
    await authorize(context=context, operation="get")
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
    # their type: each domain whose objects can name one registered a counter.
    ids = [connector.id for connector in found]
    counts: dict[str, int] = {}
    for counter in connectors.reference_counters:
        counted = await counter(db=context.db, space_id=context.space.id, connector_ids=ids)
        for connector_id, count in counted.items():
            counts[connector_id] = counts.get(connector_id, 0) + count
    return [(connector, counts.get(connector.id, 0)) for connector in found]


async def list_all(*, context: RequestContext, connectors: Connectors) -> list[ConnectorWithCount]:
    """Every connector of the space and every preconfigured one, by name."""
    await authorize(context=context, operation="get")
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
    await authorize(context=context, operation="update")
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
        updated_at=format_time(connectors.clock.now()),
    )
    async with context.db.transaction() as tx:
        if not await store.replace(tx, updated, expected=stored.revision):
            raise Conflict(f"Saved object [{SAVED_OBJECT_TYPE}/{connector_id}] conflict")
        # Kibana drops the kept token with the credentials that got it.
        await store.delete_token(tx, connector_id=connector_id)
    return msgspec.structs.replace(_response(connectors, updated), is_missing_secrets=False)


async def delete(*, context: RequestContext, connectors: Connectors, connector_id: str) -> None:
    """Delete a connector of the space (even one whose type is no longer known)."""
    await authorize(context=context, operation="delete")
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
    await authorize(context=context, operation="execute", type_id=type_id)
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
        clock=connectors.clock,
        tokens=None
        if connectors.box is None
        else ConnectorTokens(
            db=context.db,
            box=connectors.box,
            clock=connectors.clock,
            space_id=context.space.id,
            connector_id=connector_id,
        ),
    )


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
