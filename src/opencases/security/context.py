"""What every API handler receives besides the request: who, where, and the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from opencases.db import Database
from opencases.security.authentication import Authenticator, Principal
from opencases.security.authorization import SpacePrivileges, SpaceScope, space_privileges
from opencases.security.service import role_grants
from opencases.settings import Settings


@dataclass(slots=True, kw_only=True)
class RequestContext:
    """The authenticated caller and the space it acts in, for one request."""

    request_id: str
    db: Database
    settings: Settings
    authenticator: Authenticator
    principal: Principal
    space: SpaceScope
    _privileges: SpacePrivileges | None = field(default=None, repr=False)

    async def privileges(self) -> SpacePrivileges:
        """The caller's privileges in this request's space (read once per request)."""
        if self._privileges is None:
            grants = await role_grants(db=self.db, roles=self.principal.roles)
            self._privileges = space_privileges(grants, self.space.id)
        return self._privileges
