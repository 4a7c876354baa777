"""SQL for connectors."""

from __future__ import annotations

from typing import Any

import msgspec

from opencases.db import Executor, Row, to_json


class ConnectorRecord(msgspec.Struct, kw_only=True):
    """A connector row: its secrets still sealed (an envelope, or None for no secrets)."""

    id: str
    space_id: str
    name: str
    connector_type_id: str
    config: dict[str, Any]
    secrets: str | None
    revision: int
    created_at: str
    updated_at: str


_COLUMNS = (
    "id, space_id, name, connector_type_id, config, secrets, revision, created_at, updated_at"
)
_decode_config = msgspec.json.Decoder(dict[str, Any]).decode


def _connector(row: Row) -> ConnectorRecord:
    return ConnectorRecord(
        id=row["id"],
        space_id=row["space_id"],
        name=row["name"],
        connector_type_id=row["connector_type_id"],
        config=_decode_config(row["config"]),
        secrets=row["secrets"],
        revision=row["revision"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _params(connector: ConnectorRecord) -> dict[str, Any]:
    return {
        "id": connector.id,
        "space_id": connector.space_id,
        "name": connector.name,
        "connector_type_id": connector.connector_type_id,
        "config": to_json(connector.config),
        "secrets": connector.secrets,
        "revision": connector.revision,
        "created_at": connector.created_at,
        "updated_at": connector.updated_at,
    }


async def get(db: Executor, *, space_id: str, connector_id: str) -> ConnectorRecord | None:
    """The connector `connector_id` of the space, or None."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM connectors WHERE id = :id AND space_id = :space_id",
        {"id": connector_id, "space_id": space_id},
    )
    return _connector(row) if row else None


async def list_in_space(db: Executor, *, space_id: str) -> list[ConnectorRecord]:
    """Every connector of the space (unordered)."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM connectors WHERE space_id = :space_id", {"space_id": space_id}
    )
    return [_connector(row) for row in rows]


async def insert(db: Executor, connector: ConnectorRecord) -> None:
    """Store a new connector (UniqueViolation if its id is taken in any space)."""
    await db.execute(
        f"INSERT INTO connectors ({_COLUMNS}) VALUES (:id, :space_id, :name,"
        " :connector_type_id, :config, :secrets, :revision, :created_at, :updated_at)",
        _params(connector),
    )


async def replace(db: Executor, connector: ConnectorRecord, *, expected: int) -> bool:
    """Overwrite a connector stored at revision `expected`; False if it changed or is gone."""
    changed = await db.execute(
        "UPDATE connectors SET name = :name, config = :config, secrets = :secrets,"
        " revision = :revision, updated_at = :updated_at"
        " WHERE id = :id AND space_id = :space_id AND revision = :expected",
        {**_params(connector), "expected": expected},
    )
    return changed == 1


async def delete(db: Executor, *, space_id: str, connector_id: str) -> bool:
    """Delete a connector; False if the space has none by that id."""
    deleted = await db.execute(
        "DELETE FROM connectors WHERE id = :id AND space_id = :space_id",
        {"id": connector_id, "space_id": space_id},
    )
    return deleted == 1


class ConnectorTokenRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A connector's kept access token, still sealed, and when it expires."""

    space_id: str
    token: str
    expires_at: str


async def get_token(db: Executor, *, connector_id: str) -> ConnectorTokenRecord | None:
    """The access token kept for a connector, or None."""
    row = await db.fetch_one(
        "SELECT space_id, token, expires_at FROM connector_tokens"
        " WHERE connector_id = :connector_id",
        {"connector_id": connector_id},
    )
    if row is None:
        return None
    return ConnectorTokenRecord(
        space_id=row["space_id"], token=row["token"], expires_at=row["expires_at"]
    )


async def put_token(
    db: Executor, *, connector_id: str, token: ConnectorTokenRecord, now: str
) -> None:
    """Keep a connector's access token, replacing the one it had."""
    await db.execute(
        "INSERT INTO connector_tokens"
        " (connector_id, space_id, token, expires_at, created_at, updated_at)"
        " VALUES (:connector_id, :space_id, :token, :expires_at, :now, :now)"
        " ON CONFLICT (connector_id) DO UPDATE SET space_id = excluded.space_id,"
        " token = excluded.token, expires_at = excluded.expires_at,"
        " updated_at = excluded.updated_at",
        {
            "connector_id": connector_id,
            "space_id": token.space_id,
            "token": token.token,
            "expires_at": token.expires_at,
            "now": now,
        },
    )


async def delete_token(db: Executor, *, connector_id: str) -> None:
    """Forget a connector's access token."""
    await db.execute(
        "DELETE FROM connector_tokens WHERE connector_id = :connector_id",
        {"connector_id": connector_id},
    )


async def sealed_secrets(db: Executor) -> list[tuple[str, str, str]]:
    """(space id, connector id, envelope) of every stored connector with secrets."""
    rows = await db.fetch_all(
        "SELECT space_id, id, secrets FROM connectors WHERE secrets IS NOT NULL ORDER BY id"
    )
    return [(row["space_id"], row["id"], row["secrets"]) for row in rows]


async def reseal_secrets(db: Executor, *, space_id: str, connector_id: str, secrets: str) -> None:
    """Store a connector's secrets sealed anew (its revision stays: nothing else changed)."""
    await db.execute(
        "UPDATE connectors SET secrets = :secrets WHERE id = :id AND space_id = :space_id",
        {"secrets": secrets, "id": connector_id, "space_id": space_id},
    )


async def delete_tokens(db: Executor) -> int:
    """Forget every kept access token (each connector asks for a new one)."""
    return await db.execute("DELETE FROM connector_tokens")
