"""A case's custom field values, checked against its owner's configuration (validators.ts)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from opencases.configure.schemas import (
    CustomField,
    CustomFieldValue,
)
from opencases.configure.service import FIELD_VALUE_TYPES, ensure_unique_keys, struct_type
from opencases.kibana.errors import BadRequest


def validate(
    requested: Sequence[CustomFieldValue] | None, configured: Sequence[CustomField] | None
) -> None:
    """Kibana's validateCustomFields: duplicates, unknown keys, required values, then types."""
    requested = requested or []
    ensure_unique_keys(requested, "customFields")
    if requested and configured is None:
        raise BadRequest("No custom fields configured.")
    if configured is None:
        return
    keys = {field.key for field in configured}
    unknown = [value.key for value in requested if value.key not in keys]
    if unknown:
        raise BadRequest(f"Invalid custom field keys: {','.join(unknown)}")
    sent = {value.key: value for value in requested}
    required = [field for field in configured if field.required]
    missing = [
        f'"{field.label}"'
        for field in required
        if field.key not in sent and field.defaultValue in (msgspec.UNSET, None)
    ]
    if missing:
        raise BadRequest(
            "Missing required custom fields without default value configured: " + ", ".join(missing)
        )
    nulls = [
        f'"{field.label}"'
        for field in required
        if field.key in sent and sent[field.key].value is None
    ]
    if nulls:
        raise BadRequest(
            'Invalid value "null" supplied for the following required custom fields: '
            + ", ".join(nulls)
        )
    wrong = [
        f'"{field.label or "Unknown"}"'
        for field in configured
        if field.key in sent and struct_type(sent[field.key]) != struct_type(field)
    ]
    if wrong:
        raise BadRequest(
            "The following custom fields have the wrong type in the request: " + ", ".join(wrong)
        )


def fill_missing(
    requested: Sequence[CustomFieldValue], configured: Sequence[CustomField] | None
) -> list[CustomFieldValue]:
    """Kibana's fillMissingCustomFields: the configured fields left out, at their default."""
    present = {value.key for value in requested}
    filled = list(requested)
    for field in configured or ():
        if field.key in present:
            continue
        default = None if field.defaultValue is msgspec.UNSET else field.defaultValue
        filled.append(FIELD_VALUE_TYPES[struct_type(field)](key=field.key, value=default))  # type: ignore[arg-type]
    return filled
