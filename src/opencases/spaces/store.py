"""SQL for spaces."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from opencases.db import Executor, Row, to_json
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


async def update_space(db: Executor, space: Space, *, now: str) -> int:
    """Replace a space's attributes; rows changed."""
    return await db.execute(
        "UPDATE spaces SET name = :name, description = :description, color = :color,"
        " initials = :initials, image_url = :image_url, disabled_features = :disabled_features,"
        " solution = :solution, revision = revision + 1, updated_at = :now WHERE id = :id",
        _params(space, now),
    )


async def delete_space(db: Executor, space_id: str) -> int:
    """Delete a space and, by cascade, everything stored in it; rows deleted."""
    return await db.execute("DELETE FROM spaces WHERE id = :id", {"id": space_id})
