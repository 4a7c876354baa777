"""SQL for case configurations and connector mappings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.configure.schemas import (
    CaseConnector,
    CustomField,
    Mapping,
    ObservableType,
    Template,
    UserRef,
)
from opencases.db import Executor, Row, in_list, to_json
from opencases.kibana.versions import encode_version


class ConfigurationRecord(msgspec.Struct, kw_only=True):
    """A stored configuration, before mappings are joined in."""

    id: str
    space_id: str
    owner: str
    closure_type: str
    connector: CaseConnector
    customFields: list[CustomField]
    templates: list[Template]
    observableTypes: list[ObservableType]
    revision: int
    created_at: str
    created_by: UserRef
    updated_at: str | None
    updated_by: UserRef | None


_COLUMNS = (
    "id, space_id, owner, closure_type, connector, custom_fields, templates, observable_types,"
    " revision, created_at, created_by, updated_at, updated_by"
)

_decode_connector = msgspec.json.Decoder(CaseConnector).decode
_decode_custom_fields = msgspec.json.Decoder(list[CustomField]).decode
_decode_templates = msgspec.json.Decoder(list[Template]).decode
_decode_observable_types = msgspec.json.Decoder(list[ObservableType]).decode
_decode_user = msgspec.json.Decoder(UserRef).decode
_decode_mappings = msgspec.json.Decoder(list[Mapping]).decode


def _configuration(row: Row) -> ConfigurationRecord:
    updated_by = row["updated_by"]
    return ConfigurationRecord(
        id=row["id"],
        space_id=row["space_id"],
        owner=row["owner"],
        closure_type=row["closure_type"],
        connector=_decode_connector(row["connector"]),
        customFields=_decode_custom_fields(row["custom_fields"]),
        templates=_decode_templates(row["templates"]),
        observableTypes=_decode_observable_types(row["observable_types"]),
        revision=row["revision"],
        created_at=row["created_at"],
        created_by=_decode_user(row["created_by"]),
        updated_at=row["updated_at"],
        updated_by=_decode_user(updated_by) if updated_by is not None else None,
    )


def _params(configuration: ConfigurationRecord) -> dict[str, Any]:
    return {
        "id": configuration.id,
        "space_id": configuration.space_id,
        "owner": configuration.owner,
        "closure_type": configuration.closure_type,
        "connector": to_json(configuration.connector),
        "connector_id": configuration.connector.id,
        "custom_fields": to_json(configuration.customFields),
        "templates": to_json(configuration.templates),
        "observable_types": to_json(configuration.observableTypes),
        "revision": configuration.revision,
        "created_at": configuration.created_at,
        "created_by": to_json(configuration.created_by),
        "updated_at": configuration.updated_at,
        "updated_by": (
            to_json(configuration.updated_by) if configuration.updated_by is not None else None
        ),
    }


class ConfigurationDocument(msgspec.Struct, kw_only=True):
    """A configuration as GET answers it, its JSON columns passed through undecoded."""

    id: str
    version: str
    owner: str
    closure_type: str
    connector: msgspec.Raw
    customFields: msgspec.Raw
    templates: msgspec.Raw
    observableTypes: msgspec.Raw
    mappings: msgspec.Raw
    created_at: str
    created_by: msgspec.Raw
    updated_at: str | None
    updated_by: msgspec.Raw | None
    error: None = None


_NO_MAPPINGS = msgspec.Raw(b"[]")


async def find_documents(
    db: Executor, *, space_id: str, owners: Sequence[str]
) -> list[ConfigurationDocument]:
    """The configurations of `owners` in a space with their mappings, newest first."""
    if not owners:
        return []
    placeholders, owner_params = in_list("owner", owners)
    rows = await db.fetch_all(
        "SELECT c.id, c.owner, c.closure_type, c.connector, c.custom_fields, c.templates,"
        " c.observable_types, c.revision, c.created_at, c.created_by, c.updated_at,"
        " c.updated_by, m.mappings"
        " FROM case_configurations c LEFT JOIN connector_mappings m"
        " ON m.space_id = c.space_id AND m.connector_id = c.connector_id"
        f" WHERE c.space_id = :space_id AND c.owner IN ({placeholders})"
        " ORDER BY c.created_at DESC, c.id",
        {"space_id": space_id, **owner_params},
    )
    Raw = msgspec.Raw
    return [
        ConfigurationDocument(
            id=row["id"],
            version=encode_version(row["revision"]),
            owner=row["owner"],
            closure_type=row["closure_type"],
            connector=Raw(row["connector"]),
            customFields=Raw(row["custom_fields"]),
            templates=Raw(row["templates"]),
            observableTypes=Raw(row["observable_types"]),
            mappings=Raw(row["mappings"]) if row["mappings"] is not None else _NO_MAPPINGS,
            created_at=row["created_at"],
            created_by=Raw(row["created_by"]),
            updated_at=row["updated_at"],
            updated_by=Raw(row["updated_by"]) if row["updated_by"] is not None else None,
        )
        for row in rows
    ]


async def get(db: Executor, *, space_id: str, configuration_id: str) -> ConfigurationRecord | None:
    """One configuration of a space, or None."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM case_configurations WHERE space_id = :space_id AND id = :id",
        {"space_id": space_id, "id": configuration_id},
    )
    return _configuration(row) if row else None


async def replace(db: Executor, configuration: ConfigurationRecord) -> None:
    """Store the owner's configuration in the space, replacing any it had (new id and all)."""
    await db.execute(
        "INSERT INTO case_configurations"
        " (id, space_id, owner, closure_type, connector, connector_id, custom_fields, templates,"
        " observable_types, revision, created_at, created_by, updated_at, updated_by)"
        " VALUES (:id, :space_id, :owner, :closure_type, :connector, :connector_id,"
        " :custom_fields,"
        " :templates, :observable_types, :revision, :created_at, :created_by, :updated_at,"
        " :updated_by)"
        " ON CONFLICT (space_id, owner) DO UPDATE SET id = excluded.id,"
        " closure_type = excluded.closure_type, connector = excluded.connector,"
        " connector_id = excluded.connector_id, custom_fields = excluded.custom_fields,"
        " templates = excluded.templates,"
        " observable_types = excluded.observable_types,"
        " revision = excluded.revision, created_at = excluded.created_at,"
        " created_by = excluded.created_by, updated_at = excluded.updated_at,"
        " updated_by = excluded.updated_by",
        _params(configuration),
    )


async def update(db: Executor, configuration: ConfigurationRecord, *, expected: int) -> bool:
    """Write a configuration if it is still at revision `expected`; whether it was."""
    changed = await db.execute(
        "UPDATE case_configurations SET closure_type = :closure_type, connector = :connector,"
        " connector_id = :connector_id,"
        " custom_fields = :custom_fields, templates = :templates,"
        " observable_types = :observable_types, revision = :revision,"
        " updated_at = :updated_at, updated_by = :updated_by"
        " WHERE id = :id AND space_id = :space_id AND revision = :expected",
        {**_params(configuration), "expected": expected},
    )
    return changed == 1


async def mappings_by_connector(
    db: Executor, *, space_id: str, connector_ids: Sequence[str]
) -> dict[str, list[Mapping]]:
    """The stored mappings of each connector (by id) in a space."""
    if not connector_ids:
        return {}
    placeholders, connector_params = in_list("connector", connector_ids)
    rows = await db.fetch_all(
        "SELECT connector_id, mappings FROM connector_mappings"
        f" WHERE space_id = :space_id AND connector_id IN ({placeholders})",
        {"space_id": space_id, **connector_params},
    )
    return {row["connector_id"]: _decode_mappings(row["mappings"]) for row in rows}


async def put_mappings(
    db: Executor,
    *,
    space_id: str,
    connector_id: str,
    owner: str,
    mappings: list[Mapping],
    now: str,
) -> None:
    """Create or overwrite the mappings of a connector in a space."""
    await db.execute(
        "INSERT INTO connector_mappings"
        " (space_id, connector_id, owner, mappings, revision, created_at, updated_at)"
        " VALUES (:space_id, :connector_id, :owner, :mappings, 1, :now, :now)"
        " ON CONFLICT (space_id, connector_id) DO UPDATE SET mappings = excluded.mappings,"
        " revision = connector_mappings.revision + 1, updated_at = excluded.updated_at",
        {
            "space_id": space_id,
            "connector_id": connector_id,
            "owner": owner,
            "mappings": to_json(mappings),
            "now": now,
        },
    )


async def connector_counts(db: Executor, *, space_id: str) -> dict[str, int]:
    """How many configurations of the space use each connector id (absent: none)."""
    rows = await db.fetch_all(
        "SELECT connector_id, COUNT(*) AS uses FROM case_configurations"
        " WHERE space_id = :space_id GROUP BY connector_id",
        {"space_id": space_id},
    )
    return {row["connector_id"]: int(row["uses"]) for row in rows}


async def get_by_owner(db: Executor, *, space_id: str, owner: str) -> ConfigurationRecord | None:
    """The owner's configuration in a space, or None."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM case_configurations WHERE space_id = :space_id AND owner = :owner",
        {"space_id": space_id, "owner": owner},
    )
    return _configuration(row) if row else None
