"""The rules of users, roles and API keys."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from msgspec import UNSET

from opencases.db import Database, UniqueViolation
from opencases.kibana.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    elasticsearch_error,
)
from opencases.kibana.time import format_time, parse_time, utc_now
from opencases.kibana.validation import given
from opencases.security import store
from opencases.security.authentication import Authenticator, Principal
from opencases.security.authorization import BUILTIN_ROLES, KibanaPrivilege, RoleGrant
from opencases.security.features import FEATURES_BY_ID, feature_id
from opencases.security.schemas import (
    ApiKey,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyReference,
    ApiKeyRequest,
    AuthenticationProvider,
    CurrentUser,
    ElasticsearchPrivileges,
    InvalidateError,
    InvalidateRequest,
    InvalidateResult,
    PasswordChangeRequest,
    Realm,
    Role,
    RoleRequest,
    User,
    UserRequest,
)
from opencases.security.secrets import (
    generate_api_key,
    generate_password,
    hash_secret_async,
    profile_uid,
    verify_secret_async,
)

ELASTIC = "elastic"
# Elasticsearch refuses shorter passwords.
MIN_PASSWORD_LENGTH = 6

_RESERVED_METADATA = {"_reserved": True}


def es_not_found(body: dict[str, Any]) -> NotFound:
    """Kibana's 404 for an Elasticsearch 404 whose body has no error: `[<body>]: undefined`."""
    return NotFound(f"[{json.dumps(body, separators=(',', ':'))}]: undefined")


def ensure_security_admin(principal: Principal, action: str) -> None:
    """Only a superuser manages users, roles and other users' keys (Elasticsearch's rule)."""
    if "superuser" not in principal.roles:
        reason = (
            f"action [{action}] is unauthorized for user [{principal.username}]"
            f" with effective roles [{','.join(principal.roles)}]"
        )
        raise Forbidden(elasticsearch_error("security_exception", reason))


async def role_grants(*, db: Database, roles: Sequence[str]) -> list[RoleGrant]:
    """What authorization needs of the named roles (unknown names grant nothing)."""
    grants = [BUILTIN_ROLES[name] for name in roles if name in BUILTIN_ROLES]
    stored = tuple(name for name in roles if name not in BUILTIN_ROLES)
    if stored:
        # Kept until the next commit anywhere: a changed role counts from the next request.
        grants += await db.read_cached(
            ("role grants", stored), lambda: _stored_role_grants(db, stored)
        )
    return grants


async def _stored_role_grants(db: Database, names: Sequence[str]) -> list[RoleGrant]:
    records = await store.get_roles(db, names)
    return [RoleGrant(name=record.name, kibana=tuple(record.kibana)) for record in records]


# --- users ------------------------------------------------------------------


def _user(record: store.UserRecord) -> User:
    return User(
        username=record.username,
        email=record.email,
        full_name=record.full_name,
        roles=record.roles,
        enabled=record.enabled,
        metadata=record.metadata,
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
    authenticator: Authenticator,
    principal: Principal,
    username: str,
    request: UserRequest,
) -> dict[str, Any]:
    """Create or update a user; answers the request body as Kibana does, minus the password."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/user/put")
    if request.username != username:
        raise BadRequest(
            f"[request body.username]: username [{request.username}] does not match"
            f" the username in the path [{username}]"
        )
    if request.password is not UNSET:
        _check_password(request.password)
    new_hash = await hash_secret_async(request.password) if request.password is not UNSET else None
    async with db.transaction() as tx:
        existing = await store.get_user(tx, username)
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
        else:
            if existing.metadata.get("_reserved"):
                raise BadRequest(
                    elasticsearch_error(
                        "illegal_argument_exception",
                        f"user [{username}] is reserved and only the password can be changed",
                    )
                )
            record = msgspec.structs.replace(
                existing,
                password_hash=new_hash or existing.password_hash,
                full_name=given(request.full_name, existing.full_name),
                email=given(request.email, existing.email),
                roles=request.roles,
                metadata=given(request.metadata, existing.metadata),
                enabled=request.enabled,
            )
            await store.update_user(tx, record, now=utc_now())
    authenticator.forget_user(username)
    answer: dict[str, Any] = msgspec.to_builtins(request)
    answer.pop("password", None)
    return answer


async def list_users(*, db: Database, principal: Principal) -> list[User]:
    """Every user."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/user/get")
    return [_user(record) for record in await store.list_users(db)]


async def get_user(*, db: Database, principal: Principal, username: str) -> User:
    """One user, or Kibana's 404."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/user/get")
    record = await store.get_user(db, username)
    if record is None:
        raise es_not_found({})
    return _user(record)


async def delete_user(
    *, db: Database, authenticator: Authenticator, principal: Principal, username: str
) -> None:
    """Delete a user and its API keys; its credentials stop working at once."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/user/delete")
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
    authenticator.forget_user(username)


async def change_password(
    *,
    db: Database,
    authenticator: Authenticator,
    principal: Principal,
    username: str,
    request: PasswordChangeRequest,
) -> None:
    """Change a password: one's own with the current one, anyone's as a superuser."""
    own = principal.username == username
    if not own:
        ensure_security_admin(principal, "cluster:admin/xpack/security/user/change_password")
    _check_password(request.newPassword)
    record = await store.get_user(db, username)
    if record is None:
        raise es_not_found({})
    if own:
        current = given(request.password, "")
        if not await verify_secret_async(record.password_hash, current):
            raise Forbidden(
                elasticsearch_error(
                    "security_exception",
                    f"unable to authenticate user [{username}] for REST request"
                    f" [/_security/user/{username}/_password]",
                )
            )
    new_hash = await hash_secret_async(request.newPassword)
    async with db.transaction() as tx:
        await store.update_user(
            tx, msgspec.structs.replace(record, password_hash=new_hash), now=utc_now()
        )
    authenticator.forget_user(username)


def current_user(principal: Principal) -> CurrentUser:
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
        authentication_provider=AuthenticationProvider(type="http", name="__http__"),
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
        metadata=dict(_RESERVED_METADATA),
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
    async with db.transaction() as tx:
        record = await store.get_user(tx, username)
        if record is None:
            raise NotFound(f"user [{username}] not found")
        record = msgspec.structs.replace(record, password_hash=await hash_secret_async(password))
        await store.update_user(tx, record, now=utc_now())
    return password


# --- roles ------------------------------------------------------------------

_BUILTIN_ELASTICSEARCH = {
    "superuser": ElasticsearchPrivileges(
        cluster=["all"],
        indices=[{"names": ["*"], "privileges": ["all"], "allow_restricted_indices": True}],
        run_as=["*"],
    ),
    "viewer": ElasticsearchPrivileges(
        indices=[{"names": ["*"], "privileges": ["read", "view_index_metadata"]}],
    ),
    "kibana_admin": ElasticsearchPrivileges(),
}


def _builtin_role(grant: RoleGrant) -> Role:
    kibana = (
        [KibanaPrivilege(base=["all"], feature={}, spaces=["*"])]
        if grant.superuser
        else [
            KibanaPrivilege(base=e.base, feature=e.feature, spaces=e.spaces) for e in grant.kibana
        ]
    )
    return Role(
        name=grant.name,
        metadata=dict(_RESERVED_METADATA),
        elasticsearch=_BUILTIN_ELASTICSEARCH[grant.name],
        kibana=kibana,
    )


def _role(record: store.RoleRecord) -> Role:
    return Role(
        name=record.name,
        description=record.description or UNSET,
        metadata=record.metadata,
        elasticsearch=record.elasticsearch,
        kibana=record.kibana,
    )


def _privilege_errors(entries: list[KibanaPrivilege]) -> list[str]:
    errors = []
    for entry in entries:
        for name, privileges in entry.feature.items():
            if feature_id(name) not in FEATURES_BY_ID:
                continue  # Kibana skips features it does not know
            for privilege in privileges:
                if privilege not in ("all", "read", "minimal_all", "minimal_read"):
                    errors.append(f"Feature [{name}] does not support privilege [{privilege}].")
    return errors


async def put_role(
    *, db: Database, principal: Principal, name: str, request: RoleRequest, create_only: bool
) -> None:
    """Create or replace a role."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/role/put")
    if not 1 <= len(name) <= 1024:
        raise BadRequest(
            f"[request params.name]: value has length [{len(name)}] but it must have a"
            f" {'minimum length of [1]' if not name else 'maximum length of [1024]'}."
        )
    if name in BUILTIN_ROLES:
        raise BadRequest(
            elasticsearch_error(
                "illegal_argument_exception",
                f"role [{name}] is reserved and cannot be modified",
            )
        )
    kibana = [
        KibanaPrivilege(
            base=given(entry.base, []),
            feature=given(entry.feature, {}),
            spaces=list(entry.spaces),
        )
        for entry in request.kibana
    ]
    errors = _privilege_errors(kibana)
    if errors:
        raise BadRequest(
            "Role cannot be updated due to validation errors: "
            + json.dumps(errors, separators=(",", ":"))
        )
    elasticsearch = msgspec.convert(
        msgspec.to_builtins(request.elasticsearch), ElasticsearchPrivileges
    )
    record = store.RoleRecord(
        name=name,
        description=given(request.description, None),
        elasticsearch=elasticsearch,
        kibana=kibana,
        metadata=given(request.metadata, {}),
    )
    async with db.transaction() as tx:
        if create_only and await store.get_roles(tx, [name]):
            raise Conflict(f"Role already exists and cannot be created: {name}")
        await store.put_role(tx, record, now=utc_now())


async def list_roles(*, db: Database, principal: Principal) -> list[Role]:
    """Every role, built-in and stored, by name."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/role/get")
    roles = [_builtin_role(grant) for grant in BUILTIN_ROLES.values()]
    roles += [_role(record) for record in await store.list_roles(db)]
    return sorted(roles, key=lambda role: role.name)


async def get_role(*, db: Database, principal: Principal, name: str) -> Role:
    """One role, or Kibana's 404."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/role/get")
    if name in BUILTIN_ROLES:
        return _builtin_role(BUILTIN_ROLES[name])
    records = await store.get_roles(db, [name])
    if not records:
        raise es_not_found({})
    return _role(records[0])


async def delete_role(*, db: Database, principal: Principal, name: str) -> None:
    """Delete a stored role."""
    ensure_security_admin(principal, "cluster:admin/xpack/security/role/delete")
    if name in BUILTIN_ROLES:
        raise BadRequest(
            elasticsearch_error(
                "illegal_argument_exception", f"role [{name}] is reserved and cannot be deleted"
            )
        )
    async with db.transaction() as tx:
        if not await store.delete_role(tx, name):
            raise es_not_found({"found": False})


# --- API keys ---------------------------------------------------------------

_DURATION = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _epoch_ms(moment: str) -> int:
    return int(parse_time(moment).timestamp() * 1000)


async def create_api_key(
    *, db: Database, principal: Principal, request: ApiKeyRequest
) -> ApiKeyCreated:
    """A new API key acting as the caller; its secret is shown this once."""
    expiration = None
    if request.expiration is not UNSET:
        match = _DURATION.fullmatch(request.expiration)
        if match is None:
            raise BadRequest(
                elasticsearch_error(
                    "illegal_argument_exception",
                    f"failed to parse setting [expiration] with value [{request.expiration}]"
                    " as a time value: unit is missing or unrecognized",
                )
            )
        delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        expiration = format_time(datetime.now(UTC) + delta)
    key_id, secret = generate_api_key()
    record = store.ApiKeyRecord(
        id=key_id,
        name=request.name,
        key_hash=await hash_secret_async(secret),
        username=principal.username,
        created_at=utc_now(),
        expiration=expiration,
        invalidated=False,
    )
    async with db.transaction() as tx:
        await store.insert_api_key(tx, record)
    return ApiKeyCreated(
        id=key_id,
        name=request.name,
        api_key=secret,
        encoded=base64.b64encode(f"{key_id}:{secret}".encode()).decode(),
        expiration=_epoch_ms(expiration) if expiration else UNSET,
    )


async def list_api_keys(*, db: Database, principal: Principal) -> ApiKeyList:
    """The caller's valid API keys (never their secrets)."""
    admin = "superuser" in principal.roles
    keys = [
        ApiKey(
            id=record.id,
            name=record.name,
            type="rest",
            creation=_epoch_ms(record.created_at),
            invalidated=record.invalidated,
            username=record.username,
            realm="reserved" if record.username == ELASTIC else "default_native",
            metadata={},
            expiration=_epoch_ms(record.expiration) if record.expiration else UNSET,
        )
        for record in await store.list_api_keys(db, username=principal.username)
        if not record.invalidated
    ]
    return ApiKeyList(
        apiKeys=keys,
        canManageCrossClusterApiKeys=admin,
        canManageApiKeys=admin,
        canManageOwnApiKeys=True,
    )


async def invalidate_api_keys(
    *,
    db: Database,
    authenticator: Authenticator,
    principal: Principal,
    request: InvalidateRequest,
) -> InvalidateResult:
    """Invalidate keys: one's own, or anyone's as a superuser with `isAdmin`."""
    if request.isAdmin:
        ensure_security_admin(principal, "cluster:admin/xpack/security/api_key/invalidate")
    invalidated: list[ApiKeyReference] = []
    errors: list[InvalidateError] = []
    async with db.transaction() as tx:
        for reference in request.apiKeys:
            record = await store.get_api_key(tx, reference.id)
            if record is not None and (request.isAdmin or record.username == principal.username):
                await store.invalidate_api_key(tx, record.id, now=utc_now())
                invalidated.append(reference)
            else:
                reason = f"api key [{reference.id}] not found"
                errors.append(
                    InvalidateError(
                        id=reference.id,
                        name=reference.name,
                        error={"statusCode": 404, "error": "Not Found", "message": reason},
                    )
                )
    for reference in invalidated:
        authenticator.forget_api_key(reference.id)
    return InvalidateResult(itemsInvalidated=invalidated, errors=errors)
