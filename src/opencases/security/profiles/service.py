"""The rules of user profiles: one per user, its uid the user's `profile_uid`.

Elasticsearch keeps a profile for each user who logged in; OpenCases has one for every
user it knows, made of the user itself. No profile holds data (avatars and settings are
not kept): `data` is always empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from msgspec import UNSET

from opencases.db import Database
from opencases.kibana.errors import NotFound
from opencases.security import store
from opencases.security.authentication import Principal
from opencases.security.authorization import (
    Level,
    Operation,
    SpaceScope,
    api_unauthorized,
    space_privileges,
)
from opencases.security.context import RequestContext
from opencases.security.features import OWNERS
from opencases.security.grants import role_grants
from opencases.security.profiles.schemas import (
    AuthenticationProvider,
    CurrentProfileUser,
    CurrentUserProfile,
    ProfileUser,
    UserProfile,
)

# The security plugin's DEFAULT_SUGGESTIONS_COUNT.
DEFAULT_SUGGESTIONS = 10
# Every Cases feature grants the profile APIs (the cases plugin's getApiTags, read and all).
_ANY_CASES = Operation(name="getCase", verb="access", doc_type="case", read_only=True)
# Letters and digits: `sec_only_no_delete` is the words `sec`, `only`, `no` and `delete`.
_WORD = re.compile(r"[^\W_]+")


def _profile(record: store.UserRecord) -> UserProfile:
    return UserProfile(
        uid=record.profile_uid,
        enabled=record.enabled,
        data={},
        user=ProfileUser(
            username=record.username,
            email=UNSET if record.email is None else record.email,
            full_name=UNSET if record.full_name is None else record.full_name,
        ),
    )


async def ensure_api_privilege(*, context: RequestContext, api: str, privilege: str) -> None:
    """Kibana's route-level API privilege check (`requiredPrivileges`) of the profile APIs."""
    if not await context.authorized_owners(_ANY_CASES):
        raise api_unauthorized(api, privilege)


async def by_uid(*, db: Database, uids: Iterable[str]) -> dict[str, UserProfile]:
    """The profiles of `uids` that exist, by uid."""
    wanted = set(uids)
    if not wanted:
        return {}
    return {
        record.profile_uid: _profile(record)
        for record in await store.list_users(db)
        if record.profile_uid in wanted
    }


async def bulk_get(*, db: Database, uids: Sequence[str]) -> list[UserProfile]:
    """The profiles of `uids`, in the order asked; unknown uids are left out."""
    found = await by_uid(db=db, uids=uids)
    return [found[uid] for uid in dict.fromkeys(uids) if uid in found]


async def current(*, db: Database, principal: Principal) -> CurrentUserProfile:
    """The caller's profile (an API key's is its owner's), or Kibana's bare 404."""
    record = await store.get_user(db, principal.username)
    if record is None:
        raise NotFound()
    profile = _profile(record)
    return CurrentUserProfile(
        uid=profile.uid,
        enabled=profile.enabled,
        data=profile.data,
        user=CurrentProfileUser(
            username=profile.user.username,
            email=profile.user.email,
            full_name=profile.user.full_name,
            roles=record.roles,
            realm_name="reserved" if record.metadata.get("_reserved") else "default_native",
            authentication_provider=AuthenticationProvider(
                type=principal.provider[0], name=principal.provider[1]
            ),
        ),
        labels={},
    )


def _words(*texts: str | None) -> list[str]:
    return [word for text in texts if text for word in _WORD.findall(text.lower())]


def _matches(record: store.UserRecord, terms: Sequence[str]) -> bool:
    """Whether a word of the user's username, full name or email starts with a term."""
    if not terms:
        return True
    words = _words(record.username, record.full_name, record.email)
    return any(word.startswith(term) for term in terms for word in words)


async def suggest(
    *, db: Database, space: SpaceScope, name: str, owners: Sequence[str], size: int
) -> list[UserProfile]:
    """Enabled users matching `name` who may read cases of every one of `owners` in `space`.

    By username: Elasticsearch ranks its suggestions by relevance, which OpenCases does
    not reproduce.
    """
    if not owners:
        return []
    terms = _words(name)
    found: list[UserProfile] = []
    for record in await store.list_users(db):
        if len(found) >= size:
            break
        if not record.enabled or not _matches(record, terms):
            continue
        privileges = space_privileges(await role_grants(db=db, roles=record.roles), space.id)
        # Elasticsearch's has_privileges: the superuser has every application privilege.
        if privileges.superuser or all(
            owner in OWNERS and privileges.level(OWNERS[owner].id) >= Level.READ for owner in owners
        ):
            found.append(_profile(record))
    return found
