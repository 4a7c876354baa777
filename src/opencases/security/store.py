"""SQL for users, roles and API keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.db import Executor, Row, in_list, to_json
from opencases.security.authorization import KibanaPrivilege
from opencases.security.schemas import ElasticsearchPrivileges


class UserRecord(msgspec.Struct, kw_only=True):
    """A stored user, with its password hash."""

    username: str
    password_hash: str
    full_name: str | None
    email: str | None
    roles: list[str]
    metadata: dict[str, Any]
    enabled: bool
    profile_uid: str
    revision: int


class RoleRecord(msgspec.Struct, kw_only=True):
    """A stored role."""

    name: str
    description: str | None
    elasticsearch: ElasticsearchPrivileges
    kibana: list[KibanaPrivilege]
    metadata: dict[str, Any]


class ApiKeyRecord(msgspec.Struct, kw_only=True):
    """A stored API key, with its hash."""

    id: str
    name: str
    key_hash: str
    username: str
    created_at: str
    expiration: str | None
    invalidated: bool


def _from_json(value: str, tp: Any = Any) -> Any:
    return msgspec.json.decode(value, type=tp)


# --- users ------------------------------------------------------------------

_USER_COLUMNS = (
    "username, password_hash, full_name, email, roles, metadata, enabled, profile_uid, revision"
)


def _user(row: Row) -> UserRecord:
    return UserRecord(
        username=row["username"],
        password_hash=row["password_hash"],
        full_name=row["full_name"],
        email=row["email"],
        roles=_from_json(row["roles"], list[str]),
        metadata=_from_json(row["metadata"], dict[str, Any]),
        enabled=bool(row["enabled"]),
        profile_uid=row["profile_uid"],
        revision=row["revision"],
    )


async def get_user(db: Executor, username: str) -> UserRecord | None:
    """The user named `username`, or None."""
    row = await db.fetch_one(
        f"SELECT {_USER_COLUMNS} FROM users WHERE username = :username", {"username": username}
    )
    return _user(row) if row else None


async def list_users(db: Executor) -> list[UserRecord]:
    """Every user, by username."""
    rows = await db.fetch_all(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username")
    return [_user(row) for row in rows]


async def insert_user(db: Executor, user: UserRecord, *, now: str) -> None:
    """Store a new user."""
    await db.execute(
        "INSERT INTO users (username, password_hash, full_name, email, roles, metadata,"
        " enabled, profile_uid, revision, created_at, updated_at)"
        " VALUES (:username, :password_hash, :full_name, :email, :roles, :metadata,"
        " :enabled, :profile_uid, 1, :now, :now)",
        _user_params(user, now),
    )


async def update_user(db: Executor, user: UserRecord, *, now: str) -> int:
    """Replace a user's attributes (its password hash included); rows changed."""
    return await db.execute(
        "UPDATE users SET password_hash = :password_hash, full_name = :full_name,"
        " email = :email, roles = :roles, metadata = :metadata, enabled = :enabled,"
        " revision = revision + 1, updated_at = :now WHERE username = :username",
        _user_params(user, now),
    )


def _user_params(user: UserRecord, now: str) -> dict[str, Any]:
    return {
        "username": user.username,
        "password_hash": user.password_hash,
        "full_name": user.full_name,
        "email": user.email,
        "roles": to_json(user.roles),
        "metadata": to_json(user.metadata),
        "enabled": user.enabled,
        "profile_uid": user.profile_uid,
        "now": now,
    }


async def delete_user(db: Executor, username: str) -> int:
    """Delete a user (and, by cascade, its API keys); rows deleted."""
    return await db.execute("DELETE FROM users WHERE username = :username", {"username": username})


# --- roles ------------------------------------------------------------------

_ROLE_COLUMNS = "name, description, elasticsearch, kibana, metadata"


def _role(row: Row) -> RoleRecord:
    return RoleRecord(
        name=row["name"],
        description=row["description"],
        elasticsearch=_from_json(row["elasticsearch"], ElasticsearchPrivileges),
        kibana=_from_json(row["kibana"], list[KibanaPrivilege]),
        metadata=_from_json(row["metadata"], dict[str, Any]),
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


async def put_role(db: Executor, role: RoleRecord, *, now: str) -> None:
    """Create or replace a role."""
    await db.execute(
        "INSERT INTO roles (name, description, elasticsearch, kibana, metadata, revision,"
        " created_at, updated_at)"
        " VALUES (:name, :description, :elasticsearch, :kibana, :metadata, 1, :now, :now)"
        " ON CONFLICT (name) DO UPDATE SET description = excluded.description,"
        " elasticsearch = excluded.elasticsearch, kibana = excluded.kibana,"
        " metadata = excluded.metadata, revision = roles.revision + 1,"
        " updated_at = excluded.updated_at",
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


# --- API keys ---------------------------------------------------------------

_KEY_COLUMNS = "id, name, key_hash, username, created_at, expiration, invalidated"


def _api_key(row: Row) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        name=row["name"],
        key_hash=row["key_hash"],
        username=row["username"],
        created_at=row["created_at"],
        expiration=row["expiration"],
        invalidated=bool(row["invalidated"]),
    )


async def insert_api_key(db: Executor, key: ApiKeyRecord) -> None:
    """Store a new API key."""
    await db.execute(
        "INSERT INTO api_keys (id, name, key_hash, username, created_at, expiration, invalidated)"
        " VALUES (:id, :name, :key_hash, :username, :created_at, :expiration, :invalidated)",
        msgspec.structs.asdict(key),
    )


async def get_api_key(db: Executor, key_id: str) -> ApiKeyRecord | None:
    """The API key `key_id`, or None."""
    row = await db.fetch_one(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE id = :id", {"id": key_id})
    return _api_key(row) if row else None


async def list_api_keys(db: Executor, *, username: str | None) -> list[ApiKeyRecord]:
    """The API keys of `username` (of everyone when None), oldest first."""
    where = "WHERE username = :username" if username is not None else ""
    rows = await db.fetch_all(
        f"SELECT {_KEY_COLUMNS} FROM api_keys {where} ORDER BY created_at, id",
        {"username": username} if username is not None else None,
    )
    return [_api_key(row) for row in rows]


async def invalidate_api_key(db: Executor, key_id: str, *, now: str) -> int:
    """Mark an API key invalidated; rows changed."""
    return await db.execute(
        "UPDATE api_keys SET invalidated = :invalidated, invalidated_at = :now"
        " WHERE id = :id AND invalidated = :valid",
        {"id": key_id, "now": now, "invalidated": True, "valid": False},
    )
