"""The rules of roles: Elasticsearch's reserved roles and Kibana's privilege checks."""

from __future__ import annotations

import json

import msgspec
from msgspec import UNSET

from opencases.db import Database
from opencases.kibana.errors import BadRequest, Conflict, elasticsearch_error
from opencases.kibana.time import utc_now
from opencases.kibana.validation import given
from opencases.security.admin import RESERVED_METADATA, ensure_security_admin, es_not_found
from opencases.security.authentication import Principal
from opencases.security.authorization import BUILTIN_ROLES, KibanaPrivilege, RoleGrant
from opencases.security.features import FEATURES_BY_ID, feature_id
from opencases.security.roles import store
from opencases.security.roles.schemas import ElasticsearchPrivileges, Role, RoleRequest

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
        metadata=dict(RESERVED_METADATA),
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
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/role/put")
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
        if not await store.put_role(tx, record, now=utc_now(), create_only=create_only):
            raise Conflict(f"Role already exists and cannot be created: {name}")


async def list_roles(*, db: Database, principal: Principal) -> list[Role]:
    """Every role, built-in and stored, by name."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/role/get")
    roles = [_builtin_role(grant) for grant in BUILTIN_ROLES.values()]
    roles += [_role(record) for record in await store.list_roles(db)]
    return sorted(roles, key=lambda role: role.name)


async def get_role(*, db: Database, principal: Principal, name: str) -> Role:
    """One role, or Kibana's 404."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/role/get")
    if name in BUILTIN_ROLES:
        return _builtin_role(BUILTIN_ROLES[name])
    records = await store.get_roles(db, [name])
    if not records:
        raise es_not_found({})
    return _role(records[0])


async def delete_role(*, db: Database, principal: Principal, name: str) -> None:
    """Delete a stored role."""
    ensure_security_admin(principal=principal, action="cluster:admin/xpack/security/role/delete")
    if name in BUILTIN_ROLES:
        raise BadRequest(
            elasticsearch_error(
                "illegal_argument_exception", f"role [{name}] is reserved and cannot be deleted"
            )
        )
    async with db.transaction() as tx:
        if not await store.delete_role(tx, name):
            raise es_not_found({"found": False})
