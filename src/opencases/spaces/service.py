"""The rules of spaces."""

from __future__ import annotations

import msgspec
from msgspec import UNSET

from opencases.db import Database, Executor, UniqueViolation
from opencases.kibana.errors import BadRequest, Conflict, Forbidden, NotFound
from opencases.kibana.time import utc_now
from opencases.security.authentication import Principal
from opencases.security.authorization import space_privileges
from opencases.security.service import role_grants
from opencases.spaces import store
from opencases.spaces.schemas import DEFAULT_SPACE_ID, Space, SpaceRequest


async def active_space(*, db: Executor, space_id: str) -> Space:
    """The space a request names (by its `/s/{id}` prefix), or 404 if there is none."""
    space = await store.get_space(db, space_id)
    if space is None:
        raise NotFound()
    return space


def _ensure_manager(principal: Principal, verb: str) -> None:
    # Kibana lets whoever may manage spaces do this; OpenCases keeps it to superusers.
    if "superuser" not in principal.roles:
        raise Forbidden(f"Unauthorized to {verb} spaces")


async def list_spaces(*, db: Database, principal: Principal) -> list[Space]:
    """The spaces where the caller has any privilege, by name."""
    grants = await role_grants(db=db, roles=principal.roles)
    return [
        space for space in await store.list_spaces(db) if space_privileges(grants, space.id).any
    ]


async def get_space(*, db: Database, principal: Principal, space_id: str) -> Space:
    """One space the caller has a privilege in."""
    space = await store.get_space(db, space_id)
    if space is None:
        raise NotFound()
    grants = await role_grants(db=db, roles=principal.roles)
    if not space_privileges(grants, space.id).any:
        raise Forbidden(f"Unauthorized to get {space_id} space")
    return space


async def create_space(*, db: Database, principal: Principal, request: SpaceRequest) -> Space:
    """A new space (409 if the id is taken)."""
    _ensure_manager(principal, "create")
    space = Space(
        id=request.id,
        name=request.name.strip(),
        description=request.description,
        color=request.color,
        initials=request.initials,
        imageUrl=request.imageUrl,
        disabledFeatures=request.disabledFeatures,
        solution=request.solution,
    )
    try:
        async with db.transaction() as tx:
            await store.insert_space(tx, space, now=utc_now())
    except UniqueViolation:
        raise Conflict(f"A space with the identifier {request.id} already exists.") from None
    return space


async def update_space(
    *, db: Database, principal: Principal, space_id: str, request: SpaceRequest
) -> Space:
    """Replace a space's attributes; the id in the path wins over the body's."""
    _ensure_manager(principal, "update")
    async with db.transaction() as tx:
        stored = await store.get_space(tx, space_id)
        if stored is None:
            raise NotFound()
        space = msgspec.structs.replace(
            stored,
            name=request.name if request.name == stored.name else request.name.strip(),
            description=request.description,
            color=request.color,
            initials=request.initials,
            imageUrl=request.imageUrl,
            disabledFeatures=request.disabledFeatures,
            solution=request.solution if request.solution is not UNSET else stored.solution,
        )
        await store.update_space(tx, space, now=utc_now())
    return space


async def delete_space(*, db: Database, principal: Principal, space_id: str) -> None:
    """Delete a space and everything stored in it; the default space cannot go."""
    _ensure_manager(principal, "delete")
    if space_id == DEFAULT_SPACE_ID:
        raise BadRequest(f"The {space_id} space cannot be deleted because it is reserved.")
    async with db.transaction() as tx:
        if not await store.delete_space(tx, space_id):
            raise NotFound()
