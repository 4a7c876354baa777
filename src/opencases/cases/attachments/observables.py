"""A case's observables (IPs, hashes, URLs, ...), typed and checked as Kibana 9 does."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

import msgspec

from opencases.cases import service as cases_service
from opencases.cases import store as cases_store
from opencases.cases.attachments.schemas import (
    MAX_OBSERVABLES_PER_CASE,
    AddObservableRequest,
    BulkAddObservablesRequest,
    Observable,
    ObservableRequest,
    UpdateObservableRequest,
)
from opencases.cases.schemas import Case
from opencases.cases.store import CaseRecord, UserActionRecord
from opencases.configure import service as configure_service
from opencases.db import new_id
from opencases.kibana.errors import BadRequest, Conflict
from opencases.kibana.time import utc_now
from opencases.kibana.validation import validate
from opencases.security.context import RequestContext

# Kibana's OBSERVABLE_TYPES_BUILTIN (common/constants/observables.ts), in its order.
BUILTIN_TYPES = {
    "observable-type-ipv4": "IPv4",
    "observable-type-ipv6": "IPv6",
    "observable-type-url": "URL",
    "observable-type-hostname": "Hostname",
    "observable-type-file-hash": "File hash",
    "observable-type-file-path": "File path",
    "observable-type-email": "Email",
    "observable-type-domain": "Domain",
}

_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# WHATWG URL's special schemes: each needs a host (but file).
_HOST_SCHEMES = {"http", "https", "ftp", "ws", "wss"}
_DOMAIN = re.compile(
    r"(?=.{1,253}$)((?!.*--)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)\.)+[a-zA-Z]{2,63}\.?"
)
_EMAIL = re.compile(r"[^@\s\"<>(),;:\[\]]+@[^@\s\"<>(),;:\[\]]+")
_GENERIC = re.compile(r"[a-zA-Z0-9._:/\\\-]+")


def _ip(version: int) -> Callable[[str], bool]:
    def valid(value: str) -> bool:
        try:
            return ipaddress.ip_address(value).version == version
        except ValueError:
            return False

    return valid


def _url(value: str) -> bool:
    """Whether JavaScript's `new URL(value)` takes it: a scheme, and a host where one is due."""
    match = _URL_SCHEME.match(value)
    if match is None or any(c.isspace() for c in value.strip()):
        return False
    scheme = match.group()[:-1].lower()
    rest = value[match.end() :]
    if scheme in _HOST_SCHEMES:
        host = rest.lstrip("/\\").split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        return bool(host.rsplit("@", 1)[-1])
    return True


_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "observable-type-ipv4": _ip(4),
    "observable-type-ipv6": _ip(6),
    "observable-type-url": _url,
    "observable-type-domain": lambda value: _DOMAIN.fullmatch(value) is not None,
    "observable-type-email": lambda value: _EMAIL.fullmatch(value) is not None,
}


def _valid(type_key: str, value: str) -> bool:
    """Kibana's getValidatorForObservableType (common/observables/validators.ts)."""
    if not value:
        return False
    check = _VALIDATORS.get(type_key)
    return check(value) if check else _GENERIC.fullmatch(value) is not None


class _Failed(Exception):
    """A failure Kibana's observables client re-throws as a 400 under its own prefix."""


async def _apply(
    context: RequestContext,
    case_id: str,
    prefix: str,
    change: Callable[[CaseRecord, set[str]], tuple[list[dict[str, Any]], UserActionRecord | None]],
) -> CaseRecord:
    """Read the case, apply `change` to its observables, write them back with the activity."""
    try:
        for _ in range(3):
            record = await cases_store.get(context.db, space_id=context.space.id, case_id=case_id)
            if record is None:
                raise _Failed(
                    f"Saved object [{cases_service.SAVED_OBJECT_TYPE}/{case_id}] not found"
                )
            await context.ensure_authorized(cases_service.UPDATE, [record.owner])
            types = set(BUILTIN_TYPES) | {
                observable_type.key
                for observable_type in await configure_service.observable_types_of(
                    db=context.db, space_id=context.space.id, owner=record.owner
                )
            }
            observables, action = change(record, types)
            if action is None:
                return record
            if await _write(context, record, observables, action):
                return (
                    await cases_store.get(context.db, space_id=context.space.id, case_id=case_id)
                    or record
                )
        raise Conflict(
            f"These cases {case_id} has been updated. Please refresh before saving additional"
            " updates."
        )
    except _Failed as error:
        raise BadRequest(f"{prefix}: Error: {error}") from None


async def _write(
    context: RequestContext,
    record: CaseRecord,
    observables: list[dict[str, Any]],
    action: UserActionRecord,
) -> bool:
    """Store the case's observables if it is unchanged since it was read (Kibana's patchCase)."""
    after = msgspec.structs.replace(
        record,
        observables=observables,
        user_action_count=record.user_action_count + 1,
        revision=record.revision + 1,
    )
    now = utc_now()
    async with context.db.transaction() as tx:
        written = await cases_store.update(
            tx, after, fields=["observables", "user_action_count"], expected=record.revision
        )
        if written:
            await cases_service.record_actions(
                tx,
                record=after,
                new_actions=[action],
                now=now,
                user=cases_service.user_ref(context),
            )
    return written


def _action(count: int, action_type: str) -> UserActionRecord:
    # Kibana's observables builder records every change as a `create` action.
    return UserActionRecord(
        type="observables",
        action="create",
        payload={"observables": {"count": count, "actionType": action_type}},
    )


def _new(request: ObservableRequest, now: str) -> dict[str, Any]:
    observable = Observable(
        typeKey=request.typeKey,
        value=request.value,
        description=request.description,
        id=new_id(),
        createdAt=now,
        updatedAt=now,
    )
    return dict(msgspec.to_builtins(observable))


def _check_unique(observables: list[dict[str, Any]]) -> None:
    pairs = [(observable["typeKey"], observable["value"]) for observable in observables]
    if len(set(pairs)) != len(pairs):
        raise _Failed("Invalid duplicated observables in request.")


def _check_type(type_key: str, types: set[str]) -> None:
    if type_key not in types:
        raise _Failed(f"Invalid observable type, key does not exist: {type_key}")


def _check_value(type_key: str, value: str) -> None:
    if not _valid(type_key, value):
        raise _Failed(
            f'Observable value "{value}" is not valid for selected observable type {type_key}.'
        )


def _response(record: CaseRecord) -> Case:
    """The case as Kibana's observables routes answer it (flattenCaseSavedObject's defaults)."""
    case = cases_service.to_case(record)
    case.totalComment = 0
    case.totalAlerts = 0
    return case


def _decoded(tp: type[Any], body: Any, prefix: str) -> Any:
    try:
        return validate(tp, body)
    except BadRequest as error:
        raise BadRequest(f"{prefix}: Error: {error.message}") from None


async def add(*, context: RequestContext, case_id: str, body: Any) -> Case:
    """POST /internal/cases/{case_id}/observables."""
    prefix = "Failed to add observable"
    request: AddObservableRequest = _decoded(AddObservableRequest, body, prefix)
    observable = request.observable

    def change(
        record: CaseRecord, types: set[str]
    ) -> tuple[list[dict[str, Any]], UserActionRecord]:
        _check_type(observable.typeKey, types)
        _check_value(observable.typeKey, observable.value)
        if len(record.observables) >= MAX_OBSERVABLES_PER_CASE:
            raise _Failed(f"Max {MAX_OBSERVABLES_PER_CASE} observables per case is allowed.")
        observables = [*record.observables, _new(observable, utc_now())]
        _check_unique(observables)
        return observables, _action(1, "add")

    return _response(await _apply(context, case_id, prefix, change))


async def bulk_add(*, context: RequestContext, case_id: str, body: Any) -> Case:
    """POST /internal/cases/{case_id}/observables/_bulk_create: the new ones, up to 50 in all."""
    prefix = "Failed to add observable"
    request: BulkAddObservablesRequest = _decoded(BulkAddObservablesRequest, body, prefix)

    def change(
        record: CaseRecord, types: set[str]
    ) -> tuple[list[dict[str, Any]], UserActionRecord | None]:
        for observable in request.observables:
            _check_type(observable.typeKey, types)
        seen = {(o["typeKey"], o["value"]) for o in record.observables}
        now = utc_now()
        new = []
        for observable in request.observables:
            pair = (observable.typeKey, observable.value)
            if pair not in seen:
                seen.add(pair)
                new.append(_new(observable, now))
        # Kibana's applyObservablesToCase: what does not fit under the limit is left out.
        new = new[: max(0, MAX_OBSERVABLES_PER_CASE - len(record.observables))]
        if not new:
            return record.observables, None
        return [*record.observables, *new], _action(len(new), "add")

    return _response(await _apply(context, case_id, prefix, change))


async def update(*, context: RequestContext, case_id: str, observable_id: str, body: Any) -> Case:
    """PATCH /internal/cases/{case_id}/observables/{observable_id}: value and description."""
    prefix = "Failed to update observable"
    request: UpdateObservableRequest = _decoded(UpdateObservableRequest, body, prefix)

    def change(
        record: CaseRecord, types: set[str]
    ) -> tuple[list[dict[str, Any]], UserActionRecord]:
        observables = [dict(o) for o in record.observables]
        found = next((o for o in observables if o.get("id") == observable_id), None)
        if found is None:
            raise _Failed(f"{prefix}: observable id {observable_id} not found")
        _check_value(found["typeKey"], request.observable.value)
        found.update(
            value=request.observable.value,
            description=request.observable.description,
            updatedAt=utc_now(),
        )
        _check_unique(observables)
        return observables, _action(1, "update")

    return _response(await _apply(context, case_id, prefix, change))


async def delete(*, context: RequestContext, case_id: str, observable_id: str) -> None:
    """DELETE /internal/cases/{case_id}/observables/{observable_id}."""
    prefix = f"Failed to delete observable id: {observable_id}"

    def change(
        record: CaseRecord, types: set[str]
    ) -> tuple[list[dict[str, Any]], UserActionRecord]:
        kept = [o for o in record.observables if o.get("id") != observable_id]
        if len(kept) == len(record.observables):
            raise _Failed(f"Failed to delete observable: observable id {observable_id} not found")
        return kept, _action(1, "delete")

    await _apply(context, case_id, prefix, change)
