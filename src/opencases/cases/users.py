"""The users of a case (participants, assignees, reporter) and the users it may be assigned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import UNSET

from opencases.cases import store
from opencases.cases.activity import readable_activity
from opencases.cases.schemas import (
    MAX_SUGGESTED_PROFILES,
    CaseUser,
    CaseUsersResponse,
    SuggestUserProfilesRequest,
    UserAction,
    UserInfo,
)
from opencases.configure.schemas import UserRef
from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import given, validate
from opencases.security.authorization import Operation
from opencases.security.context import RequestContext
from opencases.security.profiles import service as profiles
from opencases.security.profiles.schemas import UserProfile

GET_USERS = Operation(
    name="getUserActionUsers", verb="access", doc_type="user actions", read_only=True
)
SUGGEST_PATH = "/internal/cases/_suggest_user_profiles"
# Elasticsearch's participants aggregation puts a user action without a username here.
_NO_USERNAME = "Unknown"


def _case_user(
    found: Mapping[str, UserProfile], uid: str | None, stored: UserRef | None = None
) -> CaseUser:
    """Kibana's getUserInformation: the profile's values, else the stored ones, else null."""
    profile = None if uid is None else found.get(uid)
    values: dict[str, Any] = {}
    for field in ("email", "full_name", "username"):
        own = UNSET if profile is None else getattr(profile.user, field)
        values[field] = (
            (None if stored is None else getattr(stored, field)) if own is UNSET else own
        )
    return CaseUser(user=UserInfo(**values), uid=UNSET if uid is None else uid)


def _participants(history: Iterable[UserAction]) -> list[UserAction]:
    """Each username's latest user action, by username (Kibana's participants aggregation)."""
    latest: dict[str, UserAction] = {}
    for action in history:
        key = action.created_by.username
        latest[_NO_USERNAME if key is None else key] = action
    return [latest[key] for key in sorted(latest)]


def _ever_assigned(history: Iterable[UserAction]) -> list[str]:
    """Every uid an `assignees` payload ever held, sorted (Kibana's assignees aggregation)."""
    uids: set[str] = set()
    for action in history:
        assignees = action.payload.get("assignees")
        if isinstance(assignees, list):
            uids.update(a["uid"] for a in assignees if isinstance(a, dict) and "uid" in a)
    return sorted(uids)


def _uid(user: UserRef) -> str | None:
    return None if user.profile_uid is UNSET else user.profile_uid


async def case_users(*, context: RequestContext, case_id: str) -> CaseUsersResponse:
    """Who took part in a case, who is and was assigned to it, and who reported it."""
    record = await readable_activity(context, case_id, GET_USERS)
    # Oldest first: a username's last action is its latest.
    history = await store.all_user_actions(context.db, case_id=record.id)
    participants = _participants(history)
    if participants:
        owners = list(dict.fromkeys(action.owner for action in participants))
        await context.ensure_authorized(GET_USERS, owners)
    participant_uids = [uid for a in participants if (uid := _uid(a.created_by)) is not None]
    assignee_uids = [assignee.uid for assignee in record.assignees]
    reporter_uid = _uid(record.created_by)
    known = {*participant_uids, *assignee_uids, *([] if reporter_uid is None else [reporter_uid])}
    unassigned = [uid for uid in _ever_assigned(history) if uid not in known]
    found = await profiles.by_uid(db=context.db, uids=[*known, *unassigned])
    return CaseUsersResponse(
        participants=[_case_user(found, _uid(a.created_by), a.created_by) for a in participants],
        assignees=[_case_user(found, uid) for uid in assignee_uids],
        unassignedUsers=[_case_user(found, uid) for uid in unassigned],
        reporter=_case_user(found, reporter_uid, record.created_by),
    )


async def suggest_user_profiles(
    *, context: RequestContext, body: dict[str, Any]
) -> list[UserProfile]:
    """The users matching a name who may read cases of the owners asked, in this space."""
    await profiles.ensure_api_privilege(
        context=context, api=f"POST {SUGGEST_PATH}", privilege="casesSuggestUserProfiles"
    )
    request = validate(SuggestUserProfilesRequest, body)
    size = given(request.size, profiles.DEFAULT_SUGGESTIONS)
    # Kibana's limitedNumberSchema on `size`.
    if size < 1:
        raise BadRequest("The size field cannot be less than 1.")
    if size > MAX_SUGGESTED_PROFILES:
        raise BadRequest(f"The size field cannot be more than {MAX_SUGGESTED_PROFILES}.")
    return await profiles.suggest(
        db=context.db, space=context.space, name=request.name, owners=request.owners, size=size
    )
