"""SQL for roles (authorization reads their Kibana privileges through `security.store`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.db import Executor, Row, in_list, to_json
from opencases.security.authorization import KibanaPrivilege
from opencases.security.roles.schemas import ElasticsearchPrivileges


class RoleRecord(msgspec.Struct, kw_only=True):
    """A stored role."""

    name: str
    description: str | None
    elasticsearch: ElasticsearchPrivileges
    kibana: list[KibanaPrivilege]
    metadata: dict[str, Any]


_ROLE_COLUMNS = "name, description, elasticsearch, kibana, metadata"


def _role(row: Row) -> RoleRecord:
    return RoleRecord(
        name=row["name"],
        description=row["description"],
        elasticsearch=msgspec.json.decode(row["elasticsearch"], type=ElasticsearchPrivileges),
        kibana=msgspec.json.decode(row["kibana"], type=list[KibanaPrivilege]),
        metadata=msgspec.json.decode(row["metadata"], type=dict[str, Any]),
    )


async def get_roles(db: Executor, names: Sequence[str]) -> list[RoleRecord]:
    """The stored roles among `names`."""
    if not names:
        return []
    placeholders, params = in_list("name", names)
    rows = await db.fetch_all(
        f"SELECT {_ROLE_COLUMNS} FROM roles WHERE name IN ({placeholders})",
        params,
    )
    return [_role(row) for row in rows]


async def list_roles(db: Executor) -> list[RoleRecord]:
    """Every stored role, by name."""
    rows = await db.fetch_all(f"SELECT {_ROLE_COLUMNS} FROM roles ORDER BY name")
    return [_role(row) for row in rows]


async def put_role(db: Executor, role: RoleRecord, *, now: str, create_only: bool) -> int:
    """Create a role, or replace the one of that name unless `create_only`; rows written."""
    # Decided by the write itself: a role created meanwhile is never replaced by mistake.
    on_conflict = (
        "DO NOTHING"
        if create_only
        else "DO UPDATE SET description = excluded.description,"
        " elasticsearch = excluded.elasticsearch, kibana = excluded.kibana,"
        " metadata = excluded.metadata, revision = roles.revision + 1,"
        " updated_at = excluded.updated_at"
    )
    return await db.execute(
        "INSERT INTO roles (name, description, elasticsearch, kibana, metadata, revision,"
        " created_at, updated_at)"
        " VALUES (:name, :description, :elasticsearch, :kibana, :metadata, 1, :now, :now)"
        f" ON CONFLICT (name) {on_conflict}",
        {
            "name": role.name,
            "description": role.description,
            "elasticsearch": to_json(role.elasticsearch),
            "kibana": to_json(role.kibana),
            "metadata": to_json(role.metadata),
            "now": now,
        },
    )


async def delete_role(db: Executor, name: str) -> int:
    """Delete a role; rows deleted."""
    return await db.execute("DELETE FROM roles WHERE name = :name", {"name": name})
