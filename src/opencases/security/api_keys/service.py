"""The rules of API keys: made by their user, listed without secrets, invalidated."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

from msgspec import UNSET

from opencases.db import Database
from opencases.kibana.errors import BadRequest, elasticsearch_error
from opencases.kibana.time import format_time, parse_time
from opencases.kibana.validation import given
from opencases.security import store
from opencases.security.admin import ELASTIC, action_denied, ensure_security_admin
from opencases.security.api_keys.schemas import (
    ApiKey,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyReference,
    ApiKeyRequest,
    InvalidateError,
    InvalidateRequest,
    InvalidateResult,
)
from opencases.security.authentication import Principal
from opencases.security.authorization import grants_cluster_action, grants_nothing
from opencases.security.grants import role_grants
from opencases.security.secrets import generate_api_key, hash_secret_async

CREATE_ACTION = "cluster:admin/xpack/security/api_key/create"
# The cluster privileges that let a user create its own keys, in the order Elasticsearch
# names them (ClusterPrivilegeResolver.findPrivilegesThatGrant: least privileged first).
CREATE_PRIVILEGES = ("manage_own_api_key", "manage_api_key", "manage_security", "all")

_LONG_MAX = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The latest time the store holds, 9999-12-31T23:59:59.999Z (its timestamps are ISO 8601
# text, years 0001-9999), in epoch milliseconds.
_LATEST_MS = 253_402_300_799_999
# Java's String.trim() drops every character up to U+0020.
_JAVA_SPACE = "".join(map(chr, range(0x21)))
_JAVA_LONG = re.compile(r"[+-]?\d+")
# What Java's Double.parseDouble reads of a lower-cased text ("NaN" needs its capitals).
_JAVA_DOUBLE = re.compile(
    r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?[fd]?"
    r"|[+-]?0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)p[+-]?[0-9]+[fd]?"
)
# Each unit Elasticsearch reads, in the order it tries them, as (seconds per unit, units
# per second): Java's TimeUnit.toSeconds truncates what is below a second.
_TIME_UNITS = {
    "nanos": (1, 10**9),
    "micros": (1, 10**6),
    "ms": (1, 1000),
    "s": (1, 1),
    "m": (60, 1),
    "h": (3600, 1),
    "d": (86400, 1),
}


def _invalid_expiration(reason: str) -> BadRequest:
    return BadRequest(elasticsearch_error("illegal_argument_exception", reason))


def _expiration_seconds(value: str) -> int:
    """Elasticsearch's reading of `expiration` (TimeValue.parseTimeValue), in whole seconds."""
    normalized = value.lower().strip(_JAVA_SPACE)
    for unit, (seconds, per_second) in _TIME_UNITS.items():
        # Minutes are read from the value as given: `5M` is not five minutes.
        if (value if unit == "m" else normalized).endswith(unit):
            amount = _time_amount(value, normalized[: -len(unit)].strip(_JAVA_SPACE))
            if per_second > 1:
                return amount // per_second if amount >= 0 else -(-amount // per_second)
            return min(amount * seconds, _LONG_MAX)
    # `-1` and `0` need no unit: -1 ms and no time, both less than a second.
    if re.fullmatch(r"-0*1|0+", normalized):
        return 0
    raise _invalid_expiration(
        f"failed to parse setting [expiration] with value [{value}] as a time value:"
        " unit is missing or unrecognized"
    )


def _time_amount(value: str, number: str) -> int:
    if _JAVA_LONG.fullmatch(number) and -_LONG_MAX - 1 <= int(number) <= _LONG_MAX:
        if int(number) < -1:
            raise _invalid_expiration(
                f"failed to parse setting [expiration] with value [{value}] as a time value:"
                " negative durations are not supported"
            )
        return int(number)
    # Elasticsearch says this of any number a Java double reads, a too large integer too.
    if _JAVA_DOUBLE.fullmatch(number):
        raise _invalid_expiration(
            f"failed to parse [{value}], fractional time values are not supported"
        )
    raise _invalid_expiration(f"failed to parse [{value}]")


def _epoch_ms(moment: str) -> int:
    return int(parse_time(moment).timestamp() * 1000)


async def create_api_key(
    *, db: Database, principal: Principal, request: ApiKeyRequest
) -> ApiKeyCreated:
    """A new API key acting as the caller; its secret is shown this once."""
    # Elasticsearch's order: the body is read, then the caller authorized, then the action run.
    seconds = None if request.expiration is UNSET else _expiration_seconds(request.expiration)
    grants = await role_grants(db=db, roles=principal.roles)
    if not grants_cluster_action(grants, action=CREATE_ACTION, privileges=CREATE_PRIVILEGES):
        raise action_denied(
            principal=principal, action=CREATE_ACTION, grants=grants, granted_by=CREATE_PRIVILEGES
        )
    role_descriptors = given(request.role_descriptors, None)
    if principal.authentication_type == "api_key" and not grants_nothing(role_descriptors):
        # Elasticsearch's TransportCreateApiKeyAction (the fix of CVE-2020-7009): a key made
        # with a key must be asked for with empty role descriptors, and so has no privileges.
        raise BadRequest(
            elasticsearch_error(
                "illegal_argument_exception",
                "creating derived api keys requires an explicit role descriptor that is empty"
                " (has no privileges)",
            )
        )
    now = datetime.now(UTC)
    expiration_ms = None
    expiration = None
    if seconds is not None:
        # Elasticsearch: now.plusSeconds(seconds).toEpochMilli(), which fails (its 500)
        # past what a long holds in milliseconds.
        expiration_ms = (now - _EPOCH) // timedelta(milliseconds=1) + seconds * 1000
        if expiration_ms > _LONG_MAX:
            raise _invalid_expiration(f"failed to parse [{request.expiration}]")
        # A key that expires after the year 9999 is kept as one that never does.
        if expiration_ms <= _LATEST_MS:
            expiration = format_time(_EPOCH + timedelta(milliseconds=expiration_ms))
    key_id, secret = generate_api_key()
    record = store.ApiKeyRecord(
        id=key_id,
        name=request.name,
        key_hash=await hash_secret_async(secret),
        username=principal.username,
        created_at=format_time(now),
        expiration=expiration,
        invalidated=False,
        role_descriptors=role_descriptors,
    )
    async with db.transaction() as tx:
        await store.insert_api_key(tx, record)
    return ApiKeyCreated(
        id=key_id,
        name=request.name,
        api_key=secret,
        encoded=base64.b64encode(f"{key_id}:{secret}".encode()).decode(),
        expiration=UNSET if expiration_ms is None else expiration_ms,
    )


async def list_api_keys(*, db: Database, principal: Principal) -> ApiKeyList:
    """The caller's valid API keys (never their secrets)."""
    admin = "superuser" in principal.roles
    grants = await role_grants(db=db, roles=principal.roles)
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
        canManageOwnApiKeys=grants_cluster_action(
            grants, action=CREATE_ACTION, privileges=CREATE_PRIVILEGES
        ),
    )


async def invalidate_api_keys(
    *,
    db: Database,
    principal: Principal,
    request: InvalidateRequest,
) -> InvalidateResult:
    """Invalidate keys: one's own, or anyone's as a superuser with `isAdmin`."""
    if request.isAdmin:
        ensure_security_admin(
            principal=principal, action="cluster:admin/xpack/security/api_key/invalidate"
        )
    owner = None if request.isAdmin else principal.username
    invalidated: list[ApiKeyReference] = []
    errors: list[InvalidateError] = []
    now = format_time(datetime.now(UTC))
    async with db.transaction() as tx:
        for reference in request.apiKeys:
            # The owner is checked by the write itself, against the row as it is then.
            if await store.invalidate_api_key(tx, reference.id, owner=owner, now=now):
                invalidated.append(reference)
                continue
            record = await store.get_api_key(tx, reference.id)
            if record is not None and owner in (None, record.username):
                # Invalidated before: Elasticsearch answers it as such, not as an error.
                invalidated.append(reference)
                continue
            reason = f"api key [{reference.id}] not found"
            errors.append(
                InvalidateError(
                    id=reference.id,
                    name=reference.name,
                    error={"statusCode": 404, "error": "Not Found", "message": reason},
                )
            )
    return InvalidateResult(itemsInvalidated=invalidated, errors=errors)
