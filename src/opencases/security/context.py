"""What every API handler receives besides the request: who, where, and the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from opencases.db import Database
from opencases.security.authentication import Principal
from opencases.security.authorization import (
    Operation,
    SpacePrivileges,
    SpaceScope,
    authorized_owners,
    ensure_any_owner,
    ensure_authorized,
    grants_global_base,
    space_privileges,
)
from opencases.security.grants import role_grants
from opencases.settings import Settings


@dataclass(slots=True, kw_only=True)
class PublicContext:
    """What a route without authentication receives: the request's id, database and settings."""

    request_id: str
    db: Database
    settings: Settings


@dataclass(slots=True, kw_only=True)
class RequestContext:
    """The authenticated caller and the space it acts in, for one request."""

    request_id: str
    db: Database
    settings: Settings
    principal: Principal
    space: SpaceScope
    _privileges: SpacePrivileges | None = field(default=None, repr=False)

    async def privileges(self) -> SpacePrivileges:
        """The caller's privileges in this request's space (read once per request)."""
        if self._privileges is None:
            grants = await role_grants(db=self.db, roles=self.principal.roles)
            self._privileges = space_privileges(grants, self.space.id)
        return self._privileges

    async def holds_global_base(self, base: str) -> bool:
        """Whether the caller holds Kibana's global base privilege `base` (on spaces `*`)."""
        return grants_global_base(await role_grants(db=self.db, roles=self.principal.roles), base)

    async def authorized_owners(self, operation: Operation) -> list[str]:
        """The owners the caller may run `operation` for in this space (maybe none)."""
        privileges = await self.privileges()
        return authorized_owners(privileges=privileges, space=self.space, operation=operation)

    async def ensure_any_owner(self, operation: Operation) -> list[str]:
        """The owners the caller may run `operation` for, or Kibana's `of any owner` 403."""
        privileges = await self.privileges()
        return ensure_any_owner(privileges=privileges, space=self.space, operation=operation)

    async def ensure_authorized(self, operation: Operation, owners: Sequence[str]) -> None:
        """Kibana's 403 unless the caller may run `operation` for every one of `owners`."""
        privileges = await self.privileges()
        ensure_authorized(
            privileges=privileges, space=self.space, operation=operation, owners=owners
        )
