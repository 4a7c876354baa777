"""SQL for what authentication rests on: users and API keys; and the roles' Kibana privileges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from opencases.db import Executor, Row, bump_security_epoch, in_list, to_json
from opencases.security.authorization import KibanaPrivilege, RoleGrant, grants_nothing


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


class ApiKeyRecord(msgspec.Struct, kw_only=True):
    """A stored API key, with its hash."""

    id: str
    name: str
    key_hash: str
    username: str
    created_at: str
    expiration: str | None
    invalidated: bool
    # As the request gave them; None when it gave none.
    role_descriptors: dict[str, Any] | None = None

    @property
    def grants_nothing(self) -> bool:
        """Whether the key has no privileges at all (its role descriptors are all empty)."""
        return grants_nothing(self.role_descriptors)


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
        roles=msgspec.json.decode(row["roles"], type=list[str]),
        metadata=msgspec.json.decode(row["metadata"], type=dict[str, Any]),
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


async def get_user_for_update(db: Executor, username: str) -> UserRecord | None:
    """The user named `username` as it is now, kept from other writers until the commit."""
    # Every writer of a user takes the security epoch's row lock first (bump_security_epoch)
    # and then the user's: taken in the same order here, no two writers wait for each other.
    await bump_security_epoch(db)
    await db.execute(
        "UPDATE users SET revision = revision WHERE username = :username", {"username": username}
    )
    return await get_user(db, username)


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


async def update_user(
    db: Executor,
    username: str,
    *,
    now: str,
    password_hash: str | UnsetType = UNSET,
    full_name: str | UnsetType | None = UNSET,
    email: str | UnsetType | None = UNSET,
    roles: list[str] | UnsetType = UNSET,
    metadata: dict[str, Any] | UnsetType = UNSET,
    enabled: bool | UnsetType = UNSET,
    if_password_hash: str | None = None,
) -> int:
    """Set the given attributes of a user and no others (if its hash is `if_password_hash`)."""
    # Every process then checks the user's credentials again at its next request.
    await bump_security_epoch(db)
    columns: dict[str, Any] = {
        "password_hash": password_hash,
        "full_name": full_name,
        "email": email,
        "roles": roles if roles is UNSET else to_json(roles),
        "metadata": metadata if metadata is UNSET else to_json(metadata),
        "enabled": enabled,
    }
    values = {column: value for column, value in columns.items() if value is not UNSET}
    assignments = "".join(f"{column} = :{column}, " for column in values)
    condition = "" if if_password_hash is None else " AND password_hash = :if_password_hash"
    return await db.execute(
        f"UPDATE users SET {assignments}revision = revision + 1, updated_at = :now"
        f" WHERE username = :username{condition}",
        {**values, "username": username, "now": now, "if_password_hash": if_password_hash},
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
    await bump_security_epoch(db)
    return await db.execute("DELETE FROM users WHERE username = :username", {"username": username})


# --- API keys ---------------------------------------------------------------

_KEY_COLUMNS = "id, name, key_hash, username, created_at, expiration, invalidated, role_descriptors"


def _api_key(row: Row) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        name=row["name"],
        key_hash=row["key_hash"],
        username=row["username"],
        created_at=row["created_at"],
        expiration=row["expiration"],
        invalidated=bool(row["invalidated"]),
        role_descriptors=(
            None
            if row["role_descriptors"] is None
            else msgspec.json.decode(row["role_descriptors"], type=dict[str, Any])
        ),
    )


async def insert_api_key(db: Executor, key: ApiKeyRecord) -> None:
    """Store a new API key."""
    await db.execute(
        "INSERT INTO api_keys (id, name, key_hash, username, created_at, expiration,"
        " invalidated, role_descriptors) VALUES (:id, :name, :key_hash, :username,"
        " :created_at, :expiration, :invalidated, :role_descriptors)",
        {
            **msgspec.structs.asdict(key),
            "role_descriptors": (
                None if key.role_descriptors is None else to_json(key.role_descriptors)
            ),
        },
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


async def invalidate_api_key(db: Executor, key_id: str, *, owner: str | None, now: str) -> int:
    """Mark a valid API key invalidated (only if `owner`'s, when given); rows changed."""
    await bump_security_epoch(db)
    owned = "" if owner is None else " AND username = :owner"
    return await db.execute(
        "UPDATE api_keys SET invalidated = :invalidated, invalidated_at = :now"
        f" WHERE id = :id AND invalidated = :valid{owned}",
        {"id": key_id, "owner": owner, "now": now, "invalidated": True, "valid": False},
    )


# --- sessions ---------------------------------------------------------------


class SessionRecord(msgspec.Struct, kw_only=True):
    """A stored session (its id is a digest of the cookie's value)."""

    id: str
    username: str
    provider_type: str
    provider_name: str
    password_stamp: str
    idle_expires_at: int | None
    lifespan_expires_at: int | None
    created_at: int


async def insert_session(db: Executor, session: SessionRecord) -> None:
    """Store a new session."""
    await db.execute(
        "INSERT INTO sessions (id, username, provider_type, provider_name, password_stamp,"
        " idle_expires_at, lifespan_expires_at, created_at) VALUES (:id, :username,"
        " :provider_type, :provider_name, :password_stamp, :idle_expires_at,"
        " :lifespan_expires_at, :created_at)",
        msgspec.structs.asdict(session),
    )


async def get_session(db: Executor, session_id: str) -> tuple[SessionRecord, UserRecord] | None:
    """The session `session_id` and its user, or None."""
    row = await db.fetch_one(
        "SELECT s.id, s.provider_type, s.provider_name, s.password_stamp, s.idle_expires_at,"
        " s.lifespan_expires_at, s.created_at, u.username, u.password_hash, u.full_name,"
        " u.email, u.roles, u.metadata, u.enabled, u.profile_uid, u.revision"
        " FROM sessions s JOIN users u ON u.username = s.username WHERE s.id = :id",
        {"id": session_id},
    )
    if row is None:
        return None
    session = SessionRecord(
        id=row["id"],
        username=row["username"],
        provider_type=row["provider_type"],
        provider_name=row["provider_name"],
        password_stamp=row["password_stamp"],
        idle_expires_at=row["idle_expires_at"],
        lifespan_expires_at=row["lifespan_expires_at"],
        created_at=row["created_at"],
    )
    return session, _user(row)


async def extend_session(db: Executor, session_id: str, *, idle_expires_at: int) -> None:
    """Move a session's idle expiry later (never earlier: another process may have moved it)."""
    await db.execute(
        "UPDATE sessions SET idle_expires_at = :idle_expires_at"
        " WHERE id = :id AND idle_expires_at < :idle_expires_at",
        {"id": session_id, "idle_expires_at": idle_expires_at},
    )


async def restamp_session(db: Executor, session_id: str, *, password_stamp: str) -> None:
    """Keep a session through its own user's password change (Kibana logs it in again)."""
    await db.execute(
        "UPDATE sessions SET password_stamp = :password_stamp WHERE id = :id",
        {"id": session_id, "password_stamp": password_stamp},
    )


async def delete_session(db: Executor, session_id: str) -> int:
    """End a session on every process; rows deleted."""
    await bump_security_epoch(db)
    return await db.execute("DELETE FROM sessions WHERE id = :id", {"id": session_id})


async def delete_expired_sessions(db: Executor, *, now: int, idle_grace: int) -> int:
    """Delete the sessions past their lifespan, or idle beyond `idle_grace` ms; rows deleted."""
    # Kibana's cleanup keeps idle sessions three idle timeouts long; past their expiry no
    # request is answered with them anyway, so nothing need know they are gone.
    return await db.execute(
        "DELETE FROM sessions WHERE lifespan_expires_at <= :now OR idle_expires_at <= :idle_before",
        {"now": now, "idle_before": now - idle_grace},
    )


# --- role grants ------------------------------------------------------------


class _ClusterPrivileges(msgspec.Struct):
    cluster: tuple[str, ...] = ()


async def get_role_grants(db: Executor, names: Sequence[str]) -> list[RoleGrant]:
    """The privileges of the stored roles among `names` (the roles API owns the rest)."""
    if not names:
        return []
    placeholders, params = in_list("name", names)
    rows = await db.fetch_all(
        f"SELECT name, kibana, elasticsearch FROM roles WHERE name IN ({placeholders})", params
    )
    return [
        RoleGrant(
            name=row["name"],
            kibana=msgspec.json.decode(row["kibana"], type=tuple[KibanaPrivilege, ...]),
            cluster=msgspec.json.decode(row["elasticsearch"], type=_ClusterPrivileges).cluster,
        )
        for row in rows
    ]
