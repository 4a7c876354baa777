"""The connector types a server knows, in Kibana's registration order (its actionTypeRegistry)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from opencases.connectors.types import (
    cases_webhook,
    jira,
    resilient,
    servicenow,
    swimlane,
    thehive,
    webhook,
)
from opencases.connectors.types.base import ConnectorType
from opencases.kibana.errors import BadRequest

# Kibana's feature id of connectors that Cases can push to.
CASES_FEATURE_ID = "cases"


def default_connector_types() -> tuple[ConnectorType, ...]:
    """The connector types OpenCases ships, in the order Kibana registers them.

    Kibana's stack connectors (`stack_connectors/server/connector_types/index.ts`) register
    `.swimlane`, `.webhook`, `.cases-webhook`, `.servicenow`, `.servicenow-sir`, `.jira`,
    then the sub-action types `.resilient` and `.thehive`, in this order (among others).
    A module joins by adding `*module.CONNECTOR_TYPES` here.
    """
    return (
        *swimlane.CONNECTOR_TYPES,
        *webhook.CONNECTOR_TYPES,
        *cases_webhook.CONNECTOR_TYPES,
        *servicenow.CONNECTOR_TYPES,
        *jira.CONNECTOR_TYPES,
        *resilient.CONNECTOR_TYPES,
        *thehive.CONNECTOR_TYPES,
    )


class ConnectorTypeRegistry:
    """Connector types by id, kept in the order they were registered."""

    def __init__(self, connector_types: Iterable[ConnectorType] = ()) -> None:
        self._types: dict[str, ConnectorType] = {}
        for connector_type in connector_types:
            self.register(connector_type)

    def register(self, connector_type: ConnectorType) -> None:
        """Add a type; an id registered twice is a programming error."""
        if connector_type.id in self._types:
            raise ValueError(f'Action type "{connector_type.id}" is already registered.')
        self._types[connector_type.id] = connector_type

    def get(self, type_id: str) -> ConnectorType | None:
        """The type `type_id`, or None."""
        return self._types.get(type_id)

    def require(self, type_id: str) -> ConnectorType:
        """The type `type_id`, or Kibana's 400 for an unregistered one."""
        connector_type = self._types.get(type_id)
        if connector_type is None:
            raise BadRequest(f'Action type "{type_id}" is not registered.')
        return connector_type

    def supports(self, type_id: str, feature_id: str) -> bool:
        """Whether `type_id` is registered and supports `feature_id`."""
        connector_type = self._types.get(type_id)
        return connector_type is not None and feature_id in connector_type.supported_feature_ids

    def __iter__(self) -> Iterator[ConnectorType]:
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)


def is_deprecated(type_id: str, config: dict[str, Any] | None) -> bool:
    """Kibana's isConnectorDeprecated: a ServiceNow connector on the Table API is deprecated."""
    if type_id not in (".servicenow", ".servicenow-sir"):
        return False
    if not isinstance(config, dict):
        return False
    # Connectors made before `usesTableApi` existed (7.16) used the Table API.
    if "usesTableApi" not in config:
        return True
    return bool(config["usesTableApi"])
