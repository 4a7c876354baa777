"""The rules of spaces."""

from __future__ import annotations

import time

import msgspec
from msgspec import UNSET, UnsetType

from opencases.db import Database, UniqueViolation
from opencases.kibana.errors import BadRequest, Conflict, Forbidden, NotFound
from opencases.kibana.time import utc_now
from opencases.kibana.validation import given, js_trim
from opencases.security.authentication import Principal
from opencases.security.authorization import (
    SAVED_OBJECTS_MANAGEMENT,
    Level,
    SpacePrivileges,
    space_privileges,
)
from opencases.security.features import FEATURES
from opencases.security.grants import role_grants
from opencases.spaces import store
from opencases.spaces.schemas import (
    DEFAULT_SPACE_ID,
    AuthorizedPurposes,
    Solution,
    Space,
    SpaceRequest,
    SpacesQuery,
    SpaceWithPurposes,
)

# The feature categories a solution view hides (Kibana's withSpaceSolutionDisabledFeatures).
_HIDDEN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "es": ("observability", "securitySolution", "chat"),
    "oblt": ("securitySolution", "chat"),
    "security": ("observability", "enterpriseSearch", "chat"),
}


def solution_disabled_features(solution: Solution | UnsetType) -> list[str] | None:
    """The features a solution view disables; None for classic, which keeps the stored list."""
    if solution is UNSET or solution not in _HIDDEN_CATEGORIES:
        return None
    hidden = _HIDDEN_CATEGORIES[solution]
    return [feature.id for feature in FEATURES if feature.category in hidden]


def shown(space: Space) -> Space:
    """The space as Kibana reads it: a solution view, not the stored list, disables features."""
    # Kibana applies this when it reads a space, so the answers of the Spaces API and the
    # owners that exist in the space for authorization both follow the solution.
    disabled = solution_disabled_features(space.solution)
    return space if disabled is None else msgspec.structs.replace(space, disabledFeatures=disabled)


class SpaceCache:
    """The spaces this process read, kept while the database's security epoch stands.

    Every request needs its space; reading it once instead of once per request is most of
    what a small GET costs. Changing or deleting a space bumps the security epoch in its
    transaction, so every process reads the space again at its next request. `ttl` bounds
    how long a space is kept even so: for changes made behind OpenCases' back. A missing
    space is never remembered.
    """

    def __init__(self, *, ttl: float) -> None:
        self._ttl = ttl
        # Each space with the epoch read before it and when it was read.
        self._spaces: dict[str, tuple[Space, int, float]] = {}

    def fresh(self, db: Database, space_id: str) -> Space | None:
        """The space `space_id` if known current without I/O, else None."""
        entry = self._spaces.get(space_id)
        if entry is None or entry[1] != db.known_security_epoch():
            return None
        return entry[0] if time.monotonic() - entry[2] < self._ttl else None

    async def get(self, db: Database, space_id: str) -> Space | None:
        """The space `space_id`, from memory when current, else from the database."""
        epoch = await db.security_epoch()
        entry = self._spaces.get(space_id)
        if entry is not None and entry[1] == epoch and time.monotonic() - entry[2] < self._ttl:
            return entry[0]
        space = await store.get_space(db, space_id)
        if space is None:
            self._spaces.pop(space_id, None)
            return None
        space = shown(space)
        self._spaces[space_id] = (space, epoch, time.monotonic())
        return space


async def active_space(*, db: Database, cache: SpaceCache, space_id: str) -> Space:
    """The space a request names (by its `/s/{id}` prefix), or 404 if there is none."""
    space = await cache.get(db, space_id)
    if space is None:
        raise NotFound()
    return space


def _ensure_manager(principal: Principal, verb: str) -> None:
    # Kibana lets whoever may manage spaces do this; OpenCases keeps it to superusers.
    if "superuser" not in principal.roles:
        raise Forbidden(f"Unauthorized to {verb} spaces")


async def list_spaces(
    *, db: Database, principal: Principal, query: SpacesQuery
) -> list[Space] | list[SpaceWithPurposes]:
    """The spaces the caller may use for the query's purpose, by name (403 if there is none)."""
    if query.purpose is not UNSET and query.include_authorized_purposes not in (UNSET, False):
        raise BadRequest(
            "[request query]: include_authorized_purposes can only be false when purpose"
            " is specified"
        )
    grants = await role_grants(db=db, roles=principal.roles)
    listed = [
        (shown(space), authorized_purposes(space_privileges(grants, space.id)))
        for space in await store.list_spaces(db)
    ]
    spaces: list[Space] | list[SpaceWithPurposes]
    if query.include_authorized_purposes is True:
        spaces = [
            SpaceWithPurposes(**msgspec.structs.asdict(space), authorizedPurposes=purposes)
            for space, purposes in listed
            if any(msgspec.structs.astuple(purposes))
        ]
    else:
        purpose = "any" if query.purpose is UNSET else query.purpose
        spaces = [space for space, purposes in listed if getattr(purposes, purpose)]
    if not spaces:
        # Kibana's secure spaces client answers a bare Boom.forbidden() here.
        raise Forbidden()
    return spaces


def authorized_purposes(privileges: SpacePrivileges) -> AuthorizedPurposes:
    """What the privileges in a space allow, as the Spaces API names it."""
    # Any feature privilege includes Kibana's login and the `config` reads that finding
    # saved objects needs; copying and sharing need saved objects management at `all`.
    manages = privileges.level(SAVED_OBJECTS_MANAGEMENT) >= Level.ALL
    return AuthorizedPurposes(
        any=privileges.any,
        copySavedObjectsIntoSpace=manages,
        findSavedObjects=privileges.any,
        shareSavedObjectsIntoSpace=manages,
    )


async def get_space(
    *, db: Database, cache: SpaceCache, principal: Principal, space_id: str
) -> Space:
    """One space the caller has a privilege in."""
    # Kibana checks the privilege at the space before it reads it: no privilege is 403
    # whether or not the space exists.
    grants = await role_grants(db=db, roles=principal.roles)
    if not space_privileges(grants, space_id).any:
        raise Forbidden(f"Unauthorized to get {space_id} space")
    space = await cache.get(db, space_id)
    if space is None:
        raise NotFound()
    return space


async def create_space(*, db: Database, principal: Principal, request: SpaceRequest) -> Space:
    """A new space (409 if the id is taken)."""
    _ensure_manager(principal, "create")
    space = Space(
        id=request.id,
        name=js_trim(request.name),
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
    return shown(space)


async def update_space(
    *, db: Database, principal: Principal, space_id: str, request: SpaceRequest
) -> Space:
    """Update a space's attributes; the id in the path wins over the body's."""
    _ensure_manager(principal, "update")
    async with db.transaction() as tx:
        stored = await store.get_space_for_update(tx, space_id)
        if stored is None:
            raise NotFound()
        # Kibana writes the body as a partial saved-object update: an attribute the
        # body leaves out keeps its stored value, and only the body's are written.
        solution = stored.solution if request.solution is UNSET else request.solution
        name = request.name if request.name == stored.name else js_trim(request.name)
        disabled_features = _disabled_features_to_store(stored, request, solution)
        await store.update_space(
            tx,
            space_id,
            now=utc_now(),
            name=name,
            description=request.description,
            color=request.color,
            initials=request.initials,
            image_url=request.imageUrl,
            disabled_features=disabled_features,
            solution=request.solution,
        )
        space = msgspec.structs.replace(
            stored,
            name=name,
            description=given(request.description, stored.description),
            color=given(request.color, stored.color),
            initials=given(request.initials, stored.initials),
            imageUrl=given(request.imageUrl, stored.imageUrl),
            disabledFeatures=given(disabled_features, stored.disabledFeatures),
            solution=solution,
        )
    return shown(space)


def _disabled_features_to_store(
    stored: Space, request: SpaceRequest, solution: Solution | UnsetType
) -> list[str] | UnsetType:
    """The disabled features an update stores, or UNSET to keep the stored ones."""
    # Kibana's shouldPreserveStoredDisabledFeatures.
    # Under a solution view the stored list is not what the space shows, so the body's
    # (what the client saw) must not replace it; it counts again once back to classic.
    if solution_disabled_features(solution) is not None:
        return UNSET
    # Switching back to classic with the list the solution showed keeps the stored one.
    shown_before = solution_disabled_features(stored.solution)
    if shown_before is not None and set(request.disabledFeatures) == set(shown_before):
        return UNSET
    return request.disabledFeatures


async def delete_space(*, db: Database, principal: Principal, space_id: str) -> None:
    """Delete a space and everything stored in it; the default space cannot go."""
    _ensure_manager(principal, "delete")
    if space_id == DEFAULT_SPACE_ID:
        raise BadRequest(f"The {space_id} space cannot be deleted because it is reserved.")
    async with db.transaction() as tx:
        if not await store.delete_space(tx, space_id):
            raise NotFound()
