"""SQL for spaces."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from opencases.db import Executor, Row, bump_security_epoch, to_json
from opencases.spaces.schemas import DEFAULT_SPACE_ID, Space

_COLUMNS = "id, name, description, color, initials, image_url, disabled_features, solution"


def _space(row: Row) -> Space:
    def attribute(name: str) -> Any:
        value = row[name]
        return UNSET if value is None else value

    return Space(
        id=row["id"],
        name=row["name"],
        description=attribute("description"),
        color=attribute("color"),
        initials=attribute("initials"),
        imageUrl=attribute("image_url"),
        disabledFeatures=msgspec.json.decode(row["disabled_features"], type=list[str]),
        # Kibana marks its default space reserved; it is the only one.
        reserved=True if row["id"] == DEFAULT_SPACE_ID else UNSET,
        solution=attribute("solution"),
    )


def _params(space: Space, now: str) -> dict[str, Any]:
    def column(value: Any) -> Any:
        return None if value is UNSET else value

    return {
        "id": space.id,
        "name": space.name,
        "description": column(space.description),
        "color": column(space.color),
        "initials": column(space.initials),
        "image_url": column(space.imageUrl),
        "disabled_features": to_json(space.disabledFeatures),
        "solution": column(space.solution),
        "now": now,
    }


async def get_space(db: Executor, space_id: str) -> Space | None:
    """The space `space_id`, or None."""
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM spaces WHERE id = :id", {"id": space_id})
    return _space(row) if row else None


async def list_spaces(db: Executor) -> list[Space]:
    """Every space, by name (then id)."""
    rows = await db.fetch_all(f"SELECT {_COLUMNS} FROM spaces")
    # Kibana sorts on `name.keyword`, byte for byte; a PostgreSQL collation would not.
    return sorted((_space(row) for row in rows), key=lambda space: (space.name, space.id))


async def insert_space(db: Executor, space: Space, *, now: str) -> None:
    """Store a new space (UniqueViolation if the id is taken)."""
    await db.execute(
        "INSERT INTO spaces (id, name, description, color, initials, image_url,"
        " disabled_features, solution, revision, created_at, updated_at)"
        " VALUES (:id, :name, :description, :color, :initials, :image_url,"
        " :disabled_features, :solution, 1, :now, :now)",
        _params(space, now),
    )


async def get_space_for_update(db: Executor, space_id: str) -> Space | None:
    """The space `space_id` as it is now, kept from other writers until the commit."""
    # Every writer of a space takes the security epoch's row lock first (bump_security_epoch)
    # and then the space's: taken in the same order here, no two writers wait for each other.
    await bump_security_epoch(db)
    await db.execute("UPDATE spaces SET revision = revision WHERE id = :id", {"id": space_id})
    return await get_space(db, space_id)


async def update_space(
    db: Executor,
    space_id: str,
    *,
    now: str,
    name: str,
    description: str | UnsetType = UNSET,
    color: str | UnsetType = UNSET,
    initials: str | UnsetType = UNSET,
    image_url: str | UnsetType = UNSET,
    disabled_features: list[str] | UnsetType = UNSET,
    solution: str | UnsetType = UNSET,
) -> int:
    """Set the given attributes of a space and no others; rows changed."""
    # Every process then reads the space again at its next request.
    await bump_security_epoch(db)
    columns: dict[str, Any] = {
        "name": name,
        "description": description,
        "color": color,
        "initials": initials,
        "image_url": image_url,
        "disabled_features": (
            disabled_features if disabled_features is UNSET else to_json(disabled_features)
        ),
        "solution": solution,
    }
    values = {column: value for column, value in columns.items() if value is not UNSET}
    assignments = "".join(f"{column} = :{column}, " for column in values)
    return await db.execute(
        f"UPDATE spaces SET {assignments}revision = revision + 1, updated_at = :now WHERE id = :id",
        {**values, "id": space_id, "now": now},
    )


async def delete_space(db: Executor, space_id: str) -> int:
    """Delete a space and, by cascade, everything stored in it; rows deleted."""
    await bump_security_epoch(db)
    return await db.execute("DELETE FROM spaces WHERE id = :id", {"id": space_id})
