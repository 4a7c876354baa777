"""What the security admin APIs (users, roles, API keys) share: Elasticsearch's rules."""

from __future__ import annotations

import json
from collections.abc import Sequence

from opencases.kibana.errors import Forbidden, NotFound, elasticsearch_error
from opencases.security.authentication import Principal
from opencases.security.authorization import RoleGrant

# The built-in superuser Elasticsearch ships, created on first start.
ELASTIC = "elastic"
# The metadata Elasticsearch gives its built-in users and roles.
RESERVED_METADATA = {"_reserved": True}


def es_not_found(body: dict[str, object]) -> NotFound:
    """Kibana's 404 for an Elasticsearch 404 whose body has no error: `[<body>]: undefined`."""
    return NotFound(f"[{json.dumps(body, separators=(',', ':'))}]: undefined")


def ensure_security_admin(*, principal: Principal, action: str) -> None:
    """Only a superuser manages users, roles and other users' keys (Elasticsearch's rule)."""
    if "superuser" not in principal.roles:
        reason = (
            f"action [{action}] is unauthorized for {_caller(principal, None)},"
            f" this action is granted by the cluster privileges [{_granted_by(action)}]"
        )
        raise Forbidden(elasticsearch_error("security_exception", reason))


def _granted_by(action: str) -> str:
    """The cluster privileges Elasticsearch names as granting a security admin action."""
    if action.endswith("/get"):
        return "read_security,manage_security,all"
    if action.endswith("api_key/invalidate"):
        return "manage_api_key,manage_security,all"
    return "manage_security,all"


def action_denied(
    *,
    principal: Principal,
    action: str,
    grants: Sequence[RoleGrant],
    granted_by: Sequence[str],
) -> Forbidden:
    """Elasticsearch's 403 for a cluster action the caller's roles (`grants`) do not grant."""
    # Elasticsearch's AuthorizationDenialMessages: who, then the privileges that would do.
    reason = (
        f"action [{action}] is unauthorized for {_caller(principal, grants)},"
        f" this action is granted by the cluster privileges [{','.join(granted_by)}]"
    )
    return Forbidden(elasticsearch_error("security_exception", reason))


def _caller(principal: Principal, grants: Sequence[RoleGrant] | None) -> str:
    # Elasticsearch names no roles for an API key: it has privileges, not roles.
    if principal.api_key_id is not None:
        return f"API key id [{principal.api_key_id}] of user [{principal.username}]"
    if grants is None:
        roles = ",".join(sorted(principal.roles))
        return f"user [{principal.username}] with effective roles [{roles}]"
    effective = sorted({grant.name for grant in grants})
    caller = f"user [{principal.username}] with effective roles [{','.join(effective)}]"
    missing = sorted(set(principal.roles) - set(effective))
    if missing:
        caller += f" (assigned roles [{','.join(missing)}] were not found)"
    return caller
