"""The rules of case configuration (Kibana's cases configure client)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec
from msgspec import UNSET

from opencases.configure import store
from opencases.configure.mappings import mappings_for
from opencases.configure.schemas import (
    CaseConnector,
    CaseConnectorInfo,
    CaseFields,
    Configuration,
    ConfigurationPatchRequest,
    ConfigurationRequest,
    CustomField,
    CustomFieldValue,
    Mapping,
    NumberFieldValue,
    ObservableType,
    Template,
    TextFieldValue,
    ToggleCustomField,
    ToggleFieldValue,
    UserRef,
)
from opencases.connectors import service as connectors_service
from opencases.connectors.registry import CASES_FEATURE_ID
from opencases.connectors.runtime import Connectors
from opencases.db import Executor, new_id
from opencases.kibana.errors import BadRequest, Conflict, saved_object_not_found
from opencases.kibana.time import utc_now
from opencases.kibana.validation import given
from opencases.kibana.versions import decode_version, encode_version
from opencases.security.authentication import Principal
from opencases.security.authorization import Operation, api_unauthorized
from opencases.security.context import RequestContext

FIND = Operation(
    name="findConfigurations", verb="access", doc_type="case configurations", read_only=True
)
CREATE = Operation(
    name="createConfiguration", verb="create", doc_type="case configuration", read_only=False
)
UPDATE = Operation(
    name="updateConfiguration", verb="update", doc_type="case configuration", read_only=False
)

# The cases privilege (an API tag of every cases feature's `read` and `all`) of connectors/_find.
GET_CONNECTORS = Operation(name="getConnectors", verb="get", doc_type="connectors", read_only=True)
# Kibana's MAX_SUPPORTED_CONNECTORS_RETURNED.
MAX_CASE_CONNECTORS = 1000

SAVED_OBJECT_TYPE = "cases-configure"
CONFLICT_MESSAGE = (
    "This configuration has been updated. Please refresh before saving additional updates."
)

# Kibana's OBSERVABLE_TYPES_BUILTIN: custom types may not repeat their keys or labels.
BUILTIN_OBSERVABLE_TYPES = (
    ("observable-type-ipv4", "IPv4"),
    ("observable-type-ipv6", "IPv6"),
    ("observable-type-url", "URL"),
    ("observable-type-hostname", "Hostname"),
    ("observable-type-file-hash", "File hash"),
    ("observable-type-file-path", "File path"),
    ("observable-type-email", "Email"),
    ("observable-type-domain", "Domain"),
)

FIELD_VALUE_TYPES: dict[str, type[CustomFieldValue]] = {
    "text": TextFieldValue,
    "toggle": ToggleFieldValue,
    "number": NumberFieldValue,
}


def struct_type(item: msgspec.Struct) -> str:
    """The tag of a tagged Struct: a connector's or a custom field's `type`."""
    tag = item.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


def user_ref(principal: Principal) -> UserRef:
    """Who made a change, as Kibana records it."""
    return UserRef(
        email=principal.email,
        full_name=principal.full_name,
        username=principal.username,
        profile_uid=principal.profile_uid,
    )


# --- request checks (Kibana's validators.ts) -----------------------------------------


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for value in values:
        if value in seen:
            repeated[value] = None
        seen.add(value)
    return list(repeated)


def ensure_unique_keys(items: Sequence[CustomField | CustomFieldValue], field_name: str) -> None:
    """400 if two items share a key."""
    duplicated = _duplicates(item.key for item in items)
    if duplicated:
        raise BadRequest(f"Invalid duplicated {field_name} keys in request: {','.join(duplicated)}")


def ensure_unique_observable_types(types: Sequence[ObservableType]) -> None:
    """400 if an observable type repeats a key or label (case-insensitive, built-ins included)."""
    keys = {key.lower() for key, _ in BUILTIN_OBSERVABLE_TYPES}
    labels = {label.lower() for _, label in BUILTIN_OBSERVABLE_TYPES}
    duplicated: dict[str, None] = {}
    for item in types:
        key, label = item.key.lower(), item.label.lower()
        if key in keys or label in labels:
            duplicated[label] = None
        keys.add(key)
        labels.add(label)
    if duplicated:
        raise BadRequest(f"Invalid duplicated observable types in request: {','.join(duplicated)}")


def ensure_custom_field_types_kept(
    requested: Sequence[CustomField], stored: Sequence[CustomField]
) -> None:
    """400 if a PATCH changes the type of an existing custom field."""
    stored_types = {field.key: struct_type(field) for field in stored}
    changed = [
        f'"{field.label}"'
        for field in requested
        if field.key in stored_types and stored_types[field.key] != struct_type(field)
    ]
    if changed:
        raise BadRequest(
            "Invalid custom field types in request for the following labels: " + ", ".join(changed)
        )


def _template_values(template: Template) -> list[CustomFieldValue]:
    fields = template.caseFields
    if fields is None or fields.customFields is UNSET:
        return []
    return list(fields.customFields)


def ensure_valid_templates(
    templates: Sequence[Template], custom_fields: Sequence[CustomField] | None
) -> None:
    """Kibana's template checks against the configuration's custom fields (None: not sent)."""
    ensure_unique_keys_of_templates(templates)
    for index, template in enumerate(templates):
        values = _template_values(template)
        if custom_fields is None and values:
            raise BadRequest("No custom fields configured.")
        if not values and custom_fields:
            raise BadRequest("No custom fields added to template.")
        ensure_unique_keys(values, f"templates[{index}]'s customFields")
        if not values:
            continue
        configured = {field.key: field for field in custom_fields or ()}
        unknown = [value.key for value in values if value.key not in configured]
        if unknown:
            raise BadRequest(f"Invalid custom field keys: {','.join(unknown)}")
        wrong = [
            f'"{configured[value.key].label}"'
            for value in values
            if struct_type(configured[value.key]) != struct_type(value)
        ]
        if wrong:
            raise BadRequest(
                "The following custom fields have the wrong type in the request: "
                + ", ".join(wrong)
            )


def ensure_unique_keys_of_templates(templates: Sequence[Template]) -> None:
    """400 if two templates share a key."""
    duplicated = _duplicates(template.key for template in templates)
    if duplicated:
        raise BadRequest(f"Invalid duplicated templates keys in request: {','.join(duplicated)}")


def sync_template_custom_fields(
    templates: Sequence[Template], custom_fields: Sequence[CustomField]
) -> list[Template]:
    """Kibana's transformTemplateCustomFields: templates carry exactly the configured fields.

    Values for removed fields are dropped; a configured field a template lacks is added
    with the field's default value (or false for a toggle, null otherwise).
    """
    synced = []
    configured = {field.key for field in custom_fields}
    for template in templates:
        case_fields = template.caseFields or CaseFields()
        values: list[CustomFieldValue] = []
        if custom_fields:
            values = [v for v in _template_values(template) if v.key in configured]
            present = {value.key for value in values}
            for field in custom_fields:
                if field.key in present:
                    continue
                default = field.defaultValue
                if default is UNSET or default is None:
                    default = False if isinstance(field, ToggleCustomField) else None
                values.append(FIELD_VALUE_TYPES[struct_type(field)](key=field.key, value=default))  # type: ignore[arg-type]
        case_fields = msgspec.structs.replace(case_fields, customFields=values)
        synced.append(msgspec.structs.replace(template, caseFields=case_fields))
    return synced


# --- responses --------------------------------------------------------------------


def _response(
    configuration: store.ConfigurationRecord, mappings: dict[str, list[Mapping]]
) -> Configuration:
    return Configuration(
        id=configuration.id,
        version=encode_version(configuration.revision),
        owner=configuration.owner,
        closure_type=configuration.closure_type,  # type: ignore[arg-type]
        connector=configuration.connector,
        customFields=configuration.customFields,
        templates=configuration.templates,
        observableTypes=configuration.observableTypes,
        mappings=mappings.get(configuration.connector.id, []),
        created_at=configuration.created_at,
        created_by=configuration.created_by,
        updated_at=configuration.updated_at,
        updated_by=configuration.updated_by,
        error=None,
    )


# --- the three operations ---------------------------------------------------------


async def find(*, context: RequestContext, owners: Sequence[str] | None) -> msgspec.Raw:
    """The JSON of the space's configurations the caller may read, newest first.

    Of `owners` if given. The encoded answer is what is cached: a repeated GET (the
    common case) costs neither a query nor encoding until the next write.
    """
    authorized = await context.ensure_any_owner(FIND)
    # Kibana drops requested owners the caller may not read, without a 403.
    wanted = [owner for owner in authorized if owners is None or owner in owners]
    space_id = context.space.id

    async def load() -> msgspec.Raw:
        documents = await store.find_documents(context.db, space_id=space_id, owners=wanted)
        return msgspec.Raw(msgspec.json.encode(documents))

    return await context.db.read_cached(("configurations", space_id, tuple(wanted)), load)


async def create(*, context: RequestContext, request: ConfigurationRequest) -> Configuration:
    """Replace the owner's configuration in the space with a new one (a new id)."""
    custom_fields = given(request.customFields, None)
    ensure_unique_keys(custom_fields or [], "customFields")
    templates = given(request.templates, [])
    ensure_valid_templates(templates, custom_fields)
    observable_types = given(request.observableTypes, [])
    ensure_unique_observable_types(observable_types)
    await context.ensure_any_owner(CREATE)
    await context.ensure_authorized(CREATE, [request.owner])

    now = utc_now()
    configuration = store.ConfigurationRecord(
        id=new_id(),
        space_id=context.space.id,
        owner=request.owner,
        closure_type=request.closure_type,
        connector=request.connector,
        customFields=custom_fields or [],
        templates=templates,
        observableTypes=observable_types,
        revision=1,
        created_at=now,
        created_by=user_ref(context.principal),
        updated_at=None,
        updated_by=None,
    )
    mappings = mappings_for(struct_type(request.connector))
    async with context.db.transaction() as tx:
        await store.put_mappings(
            tx,
            space_id=context.space.id,
            connector_id=request.connector.id,
            owner=request.owner,
            mappings=mappings,
            now=now,
        )
        await store.replace(tx, configuration)
    return _response(configuration, {request.connector.id: mappings})


async def update(
    *, context: RequestContext, configuration_id: str, request: ConfigurationPatchRequest
) -> Configuration:
    """Change a configuration; what the request leaves out stays as stored."""
    if request.customFields is not UNSET:
        ensure_unique_keys(request.customFields, "customFields")
    if request.observableTypes is not UNSET:
        ensure_unique_observable_types(request.observableTypes)
    stored = await store.get(
        context.db, space_id=context.space.id, configuration_id=configuration_id
    )
    if stored is None:
        raise saved_object_not_found(SAVED_OBJECT_TYPE, configuration_id)

    custom_fields = stored.customFields
    if request.customFields is not UNSET:
        ensure_custom_field_types_kept(request.customFields, stored.customFields)
        custom_fields = request.customFields
    templates = stored.templates
    if request.templates is not UNSET or request.customFields is not UNSET:
        requested = given(request.templates, stored.templates)
        templates = sync_template_custom_fields(requested, custom_fields)
        ensure_valid_templates(templates, custom_fields)
    await context.ensure_authorized(UPDATE, [stored.owner])
    if decode_version(request.version) != stored.revision:
        raise Conflict(CONFLICT_MESSAGE)

    connector: CaseConnector = stored.connector if request.connector is UNSET else request.connector
    now = utc_now()
    updated = msgspec.structs.replace(
        stored,
        closure_type=given(request.closure_type, stored.closure_type),
        connector=connector,
        customFields=custom_fields,
        templates=templates,
        observableTypes=given(request.observableTypes, stored.observableTypes),
        revision=stored.revision + 1,
        updated_at=now,
        updated_by=user_ref(context.principal),
    )
    async with context.db.transaction() as tx:
        if request.connector is not UNSET:
            await store.put_mappings(
                tx,
                space_id=context.space.id,
                connector_id=connector.id,
                owner=stored.owner,
                mappings=mappings_for(struct_type(connector)),
                now=now,
            )
        # The version check is atomic: another writer since our read means no row matches.
        if not await store.update(tx, updated, expected=stored.revision):
            raise Conflict(CONFLICT_MESSAGE)
        mappings = await store.mappings_by_connector(
            tx, space_id=context.space.id, connector_ids=[connector.id]
        )
    return _response(updated, mappings)


# --- the connectors cases can use ----------------------------------------------------


async def find_connectors(
    *, context: RequestContext, connectors: Connectors, api: str
) -> msgspec.Raw:
    """Kibana's cases getConnectors: the JSON of the connectors whose type can take cases.

    At most 1000. `api` is the request as Kibana's API privilege check quotes it
    (`GET <path><query>`). The encoded answer is cached until the next write.
    """
    if not await context.authorized_owners(GET_CONNECTORS):
        raise api_unauthorized(api, "casesGetConnectorsConfigure")
    # The actions client checks its own privilege on every call: the cache must not skip it.
    await connectors_service.authorize(context=context, operation="get")

    async def load() -> msgspec.Raw:
        found = await _case_connectors(context, connectors)
        return msgspec.Raw(msgspec.json.encode(found))

    return await context.db.read_cached(("case connectors", context.space.id), load)


async def _case_connectors(
    context: RequestContext, connectors: Connectors
) -> list[CaseConnectorInfo]:
    case_types = {
        connector_type.id
        for connector_type in connectors_service.list_types(
            connectors=connectors, feature_id=CASES_FEATURE_ID
        )
    }
    listed = await connectors_service.list_all(context=context, connectors=connectors)
    return [
        CaseConnectorInfo(
            id=connector.id,
            actionTypeId=connector.connector_type_id,
            name=connector.name,
            config=connector.config,
            isPreconfigured=connector.is_preconfigured,
            isSystemAction=connector.is_system_action,
            isDeprecated=connector.is_deprecated,
            isMissingSecrets=connector.is_missing_secrets,
            referencedByCount=connector.referenced_by_count,
        )
        for connector in listed
        if connector.connector_type_id in case_types
    ][:MAX_CASE_CONNECTORS]


async def count_connector_references(
    *, db: Executor, space_id: str, connector_ids: Sequence[str]
) -> dict[str, int]:
    """How many configurations of the space refer to each of `connector_ids` (absent: none)."""
    counts = await store.connector_counts(db, space_id=space_id)
    return {key: counts[key] for key in connector_ids if key in counts}


# --- what cases read of their configuration --------------------------------------------


async def custom_fields_of(*, db: Executor, space_id: str, owner: str) -> list[CustomField] | None:
    """The custom fields the owner's configuration in the space defines (None: no configuration)."""
    configuration = await store.get_by_owner(db, space_id=space_id, owner=owner)
    return None if configuration is None else configuration.customFields


async def observable_types_of(*, db: Executor, space_id: str, owner: str) -> list[ObservableType]:
    """The observable types the owner's configuration in the space adds to the built-in ones."""
    configuration = await store.get_by_owner(db, space_id=space_id, owner=owner)
    return [] if configuration is None else configuration.observableTypes


async def closure_type_of(*, db: Executor, space_id: str, owner: str) -> str | None:
    """How the owner's cases close in the space (None: the owner has no configuration)."""
    configuration = await store.get_by_owner(db, space_id=space_id, owner=owner)
    return None if configuration is None else configuration.closure_type
