"""The process's connector runtime: types, outbound HTTP, the key, preconfigured connectors.

Built once at start-up. Higher layers register with it what the Actions API must know of
them without importing them: who refers to a connector (its `referenced_by_count`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from opencases.connectors.crypto import SecretBox, secret_box
from opencases.connectors.errors import ValidationFailed
from opencases.connectors.execution import validate_connector
from opencases.connectors.outbound import Outbound
from opencases.connectors.registry import (
    ConnectorTypeRegistry,
    default_connector_types,
    is_deprecated,
)
from opencases.connectors.types.base import ConnectorType, JsonObject
from opencases.db import Executor
from opencases.kibana.time import SYSTEM_CLOCK, Clock
from opencases.settings import Settings, encryption_key_of


class ReferenceCounter(Protocol):
    """Counts, of some connectors of a space, the objects that refer to each (Kibana's references).

    A connector no object refers to may be left out of the answer.
    """

    async def __call__(
        self, *, db: Executor, space_id: str, connector_ids: Sequence[str]
    ) -> Mapping[str, int]:
        """How many objects of the space refer to each of `connector_ids`."""
        ...


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
    """What the Actions API needs besides the database: types, outbound HTTP, the key, a clock."""

    registry: ConnectorTypeRegistry
    outbound: Outbound
    box: SecretBox | None
    preconfigured: dict[str, PreconfiguredConnector]
    clock: Clock
    reference_counters: list[ReferenceCounter] = field(default_factory=list)

    def register_reference_counter(self, counter: ReferenceCounter) -> None:
        """Count, from now on, the objects `counter` knows among a connector's references."""
        self.reference_counters.append(counter)

    async def close(self) -> None:
        """Release the outbound HTTP client."""
        await self.outbound.close()


def build(
    settings: Settings,
    connector_types: Iterable[ConnectorType] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = SYSTEM_CLOCK,
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
            config, secrets = validate_connector(
                connector_type, entry.config, entry.secrets, outbound
            )
        except ValidationFailed as exc:
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
        box=secret_box(encryption_key_of(settings), settings.decryption_only_keys),
        preconfigured=preconfigured,
        clock=clock,
    )
