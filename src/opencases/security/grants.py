"""Role grants: what authorization needs of the roles a caller has, built-in or stored."""

from __future__ import annotations

from collections.abc import Sequence

from opencases.db import Database
from opencases.security import store
from opencases.security.authorization import BUILTIN_ROLES, RoleGrant


async def role_grants(*, db: Database, roles: Sequence[str]) -> list[RoleGrant]:
    """What authorization needs of the named roles (unknown names grant nothing)."""
    grants = [BUILTIN_ROLES[name] for name in roles if name in BUILTIN_ROLES]
    stored = tuple(name for name in roles if name not in BUILTIN_ROLES)
    if stored:
        # Kept until the next commit anywhere: a changed role counts from the next request.
        grants += await db.read_cached(
            ("role grants", stored), lambda: store.get_role_grants(db, stored)
        )
    return grants
