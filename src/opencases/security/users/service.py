"""The rules of users: Elasticsearch's user API, password changes, the `elastic` user."""

from __future__ import annotations

from msgspec import UNSET

from opencases.db import Database, Executor, UniqueViolation
from opencases.kibana.errors import BadRequest, Forbidden, NotFound, elasticsearch_error
from opencases.kibana.time import utc_now
from opencases.kibana.validation import given
from opencases.security import store
from opencases.security.admin import (
    ELASTIC,
    RESERVED_METADATA,
    ensure_security_admin,
    es_not_found,
)
from opencases.security.authentication import Principal
from opencases.security.secrets import (
    generate_password,
    hash_secret_async,
    profile_uid,
    verify_secret_async,
)
from opencases.security.sessions import password_stamp
from opencases.security.users.schemas import (
    AuthenticationProvider,
    CurrentUser,
    PasswordChangeRequest,
    Realm,
    User,
    UserRequest,
    UserSaved,
)

# Elasticsearch refuses shorter passwords.
MIN_PASSWORD_LENGTH = 6


def _user(record: store.UserRecord) -> User:
    return User(
        username=record.username,
        email=record.email,
        full_name=record.full_name,
        roles=record.roles,
        enabled=record.enabled,
        metadata=record.metadata,
    )


def _wrong_current_password(username: str) -> Forbidden:
    return Forbidden(
        elasticsearch_error(
            "security_exception",
            f"unable to authenticate user [{username}] for REST request"
            f" [/_security/user/{username}/_password]",
        )
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(
            elasticsearch_error(
                "action_request_validation_exception",
                f"Validation Failed: 1: passwords must be at least [{MIN_PASSWORD_LENGTH}]"
                " characters long;",
            )
        )


async def put_user(
    *,
    db: Database,
    principal: Principal,
    username: str,
    request: UserRequest,
) -> UserSaved:
    """Create or update a user; answers the request body as Kibana does, minus the password."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/user/put")
    if request.username != username:
        raise BadRequest(
            f"[request body.username]: username [{request.username}] does not match"
            f" the username in the path [{username}]"
        )
    if request.password is not UNSET:
        _check_password(request.password)
    new_hash = await hash_secret_async(request.password) if request.password is not UNSET else None
    try:
        async with db.transaction() as tx:
            await _put_user(tx, username=username, request=request, new_hash=new_hash)
    except UniqueViolation:
        # Created by another request since this one looked: now it is an update.
        async with db.transaction() as tx:
            await _put_user(tx, username=username, request=request, new_hash=new_hash)
    return UserSaved(
        username=request.username,
        roles=request.roles,
        full_name=request.full_name,
        email=request.email,
        metadata=request.metadata,
        enabled=request.enabled,
    )


async def _put_user(
    tx: Executor, *, username: str, request: UserRequest, new_hash: str | None
) -> None:
    existing = await store.get_user_for_update(tx, username)
    if existing is None:
        if new_hash is None:
            raise BadRequest(
                elasticsearch_error(
                    "action_request_validation_exception",
                    "Validation Failed: 1: passwords must be specified unless you are"
                    " updating an existing user;",
                )
            )
        record = store.UserRecord(
            username=username,
            password_hash=new_hash,
            full_name=given(request.full_name, None),
            email=given(request.email, None),
            roles=request.roles,
            metadata=given(request.metadata, {}),
            enabled=request.enabled,
            profile_uid=profile_uid(username),
            revision=1,
        )
        await store.insert_user(tx, record, now=utc_now())
        return
    if existing.metadata.get("_reserved"):
        raise BadRequest(
            elasticsearch_error(
                "illegal_argument_exception",
                f"user [{username}] is reserved and only the password can be changed",
            )
        )
    # Only what the request sets: a password changed meanwhile, or a name the body leaves
    # out, stays as it is now.
    await store.update_user(
        tx,
        username,
        now=utc_now(),
        password_hash=UNSET if new_hash is None else new_hash,
        full_name=request.full_name,
        email=request.email,
        roles=request.roles,
        metadata=request.metadata,
        enabled=request.enabled,
    )


async def list_users(*, db: Database, principal: Principal) -> list[User]:
    """Every user."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/user/get")
    return [_user(record) for record in await store.list_users(db)]


async def get_user(*, db: Database, principal: Principal, username: str) -> User:
    """One user, or Kibana's 404."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/user/get")
    record = await store.get_user(db, username)
    if record is None:
        raise es_not_found({})
    return _user(record)


async def delete_user(*, db: Database, principal: Principal, username: str) -> None:
    """Delete a user and its API keys; its credentials stop working at once."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/user/delete")
    async with db.transaction() as tx:
        record = await store.get_user(tx, username)
        if record is None:
            raise es_not_found({"found": False})
        if record.metadata.get("_reserved"):
            raise BadRequest(
                elasticsearch_error(
                    "illegal_argument_exception",
                    f"user [{username}] is reserved and cannot be deleted",
                )
            )
        await store.delete_user(tx, username)


async def change_password(
    *,
    db: Database,
    principal: Principal,
    username: str,
    request: PasswordChangeRequest,
) -> None:
    """Change a password: one's own with the current one, anyone's as a superuser."""
    own = principal.username == username
    if not own:
        ensure_security_admin(
            principal=principal, action="cluster:admin/xpack/security/user/change_password"
        )
    _check_password(request.newPassword)
    record = await store.get_user(db, username)
    if record is None:
        raise es_not_found({})
    verified_hash = None
    if own:
        if not await verify_secret_async(record.password_hash, given(request.password, "")):
            raise _wrong_current_password(username)
        verified_hash = record.password_hash
    new_hash = await hash_secret_async(request.newPassword)
    # The hashing takes a while: the write sets the password alone, against the row as it
    # is by then, so an admin's change made meanwhile (roles, disabling) stands.
    async with db.transaction() as tx:
        changed = await store.update_user(
            tx, username, now=utc_now(), password_hash=new_hash, if_password_hash=verified_hash
        )
        if changed and own and principal.session_id is not None:
            # Kibana signs the user in again with the new password: the session goes on.
            await store.restamp_session(
                tx, principal.session_id, password_stamp=password_stamp(new_hash)
            )
        if not changed:
            if await store.get_user(tx, username) is None:
                raise es_not_found({})
            # Changed meanwhile: the current password given is not verified any more.
            raise _wrong_current_password(username)


def current_user(*, principal: Principal) -> CurrentUser:
    """GET /internal/security/me: the caller, as Elasticsearch's _authenticate describes it."""
    if principal.authentication_type == "api_key":
        realm = Realm(name="_es_api_key", type="_es_api_key")
    elif principal.metadata.get("_reserved"):
        realm = Realm(name="reserved", type="reserved")
    else:
        realm = Realm(name="default_native", type="native")
    return CurrentUser(
        username=principal.username,
        roles=list(principal.roles),
        full_name=principal.full_name,
        email=principal.email,
        enabled=principal.enabled,
        metadata=principal.metadata,
        authentication_realm=realm,
        lookup_realm=realm,
        authentication_provider=AuthenticationProvider(
            type=principal.provider[0], name=principal.provider[1]
        ),
        authentication_type="api_key" if principal.authentication_type == "api_key" else "realm",
        elastic_cloud_user=False,
        profile_uid=principal.profile_uid,
    )


async def ensure_elastic_user(*, db: Database, password: str | None) -> str | None:
    """Create the built-in `elastic` superuser if missing; the generated password, if any."""
    if await store.get_user(db, ELASTIC) is not None:
        return None
    generated = None if password else generate_password()
    record = store.UserRecord(
        username=ELASTIC,
        password_hash=await hash_secret_async(password or generated or ""),
        full_name=None,
        email=None,
        roles=["superuser"],
        metadata=dict(RESERVED_METADATA),
        enabled=True,
        profile_uid=profile_uid(ELASTIC),
        revision=1,
    )
    try:
        async with db.transaction() as tx:
            await store.insert_user(tx, record, now=utc_now())
    except UniqueViolation:
        return None  # another process created it first
    return generated


async def reset_password(*, db: Database, username: str) -> str:
    """Give a user a new random password and return it."""
    password = generate_password()
    if await store.get_user(db, username) is None:
        raise NotFound(f"user [{username}] not found")
    # Hashed before the transaction: a write holds no lock while argon2 runs.
    new_hash = await hash_secret_async(password)
    async with db.transaction() as tx:
        if not await store.update_user(tx, username, now=utc_now(), password_hash=new_hash):
            raise NotFound(f"user [{username}] not found")
    return password
