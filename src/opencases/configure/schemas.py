"""Wire types of /api/cases/configure, with Kibana's limits and io-ts messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import Items, RequestStruct, SafeInteger, Text
from opencases.security.features import OWNERS

# Kibana's constants (x-pack/platform/plugins/shared/cases/common/constants).
MAX_CUSTOM_FIELDS_PER_CASE = 10
MAX_CUSTOM_FIELD_KEY_LENGTH = 36
MAX_CUSTOM_FIELD_LABEL_LENGTH = 50
MAX_CUSTOM_FIELD_TEXT_VALUE_LENGTH = 160
MAX_TEMPLATES_LENGTH = 10
MAX_TEMPLATE_KEY_LENGTH = 36
MAX_TEMPLATE_NAME_LENGTH = 50
MAX_TEMPLATE_DESCRIPTION_LENGTH = 1000
MAX_TAGS_PER_TEMPLATE = 10
MAX_TEMPLATE_TAG_LENGTH = 50
MAX_CUSTOM_OBSERVABLE_TYPES = 10
MAX_OBSERVABLE_TYPE_KEY_LENGTH = 36
MAX_OBSERVABLE_TYPE_LABEL_LENGTH = 50
MAX_TITLE_LENGTH = 160
MAX_DESCRIPTION_LENGTH = 30000
MAX_LENGTH_PER_TAG = 256
MAX_TAGS_PER_CASE = 200
MAX_ASSIGNEES_PER_CASE = 10
MAX_CATEGORY_LENGTH = 50

KEY_PATTERN = r"[a-z0-9_-]+"
KEY_MESSAGE = "Key must be lower case, a-z, 0-9, '_', and '-' are allowed"

ClosureType = Literal["close-by-user", "close-by-pushing"]
# Kibana types `owner` as a string and answers any other owner 403 (no privilege grants
# it): the OpenAPI document names the owners, the checks stay Kibana's.
Owner = Annotated[str, msgspec.Meta(extra_json_schema={"enum": sorted(OWNERS)})]
Severity = Literal["low", "medium", "high", "critical"]


def _key(max_length: int) -> Any:
    return Annotated[
        str,
        Text("key", min=1, max=max_length, pattern=KEY_PATTERN, pattern_message=KEY_MESSAGE),
    ]


# --- the case connector (configuration `connector`, template `caseFields.connector`) ----
# Field order is io-ts's decoding order (`id`, then the type's `fields`, then `name`): it
# decides the order of the messages when several fields are wrong.


class JiraFields(RequestStruct, kw_only=True):
    """Jira issue fields."""

    issueType: str | None
    priority: str | None
    parent: str | None


class ResilientFields(RequestStruct, kw_only=True):
    """IBM Resilient incident fields."""

    incidentTypes: list[str] | None
    severityCode: str | None


class ServiceNowITSMFields(RequestStruct, kw_only=True):
    """ServiceNow ITSM incident fields."""

    impact: str | None
    severity: str | None
    urgency: str | None
    category: str | None
    subcategory: str | None
    additionalFields: str | UnsetType | None = UNSET


class ServiceNowSIRFields(RequestStruct, kw_only=True):
    """ServiceNow SecOps incident fields."""

    category: str | None
    destIp: bool | None
    malwareHash: bool | None
    malwareUrl: bool | None
    priority: str | None
    sourceIp: bool | None
    subcategory: str | None
    additionalFields: str | UnsetType | None = UNSET


class SwimlaneFields(RequestStruct, kw_only=True):
    """Swimlane case fields."""

    caseId: str | None


class TheHiveFields(RequestStruct, kw_only=True):
    """TheHive case fields."""

    tlp: int | float | None


class NoneConnector(RequestStruct, kw_only=True, tag_field="type", tag=".none"):
    """No external system."""

    id: str
    fields: None
    name: str


class CasesWebhookConnector(RequestStruct, kw_only=True, tag_field="type", tag=".cases-webhook"):
    """Kibana's Webhook - Case Management connector."""

    id: str
    fields: None
    name: str


class JiraConnector(RequestStruct, kw_only=True, tag_field="type", tag=".jira"):
    """Jira."""

    id: str
    fields: JiraFields | None
    name: str


class ResilientConnector(RequestStruct, kw_only=True, tag_field="type", tag=".resilient"):
    """IBM Resilient."""

    id: str
    fields: ResilientFields | None
    name: str


class ServiceNowITSMConnector(RequestStruct, kw_only=True, tag_field="type", tag=".servicenow"):
    """ServiceNow ITSM."""

    id: str
    fields: ServiceNowITSMFields | None
    name: str


class ServiceNowSIRConnector(RequestStruct, kw_only=True, tag_field="type", tag=".servicenow-sir"):
    """ServiceNow SecOps."""

    id: str
    fields: ServiceNowSIRFields | None
    name: str


class SwimlaneConnector(RequestStruct, kw_only=True, tag_field="type", tag=".swimlane"):
    """Swimlane."""

    id: str
    fields: SwimlaneFields | None
    name: str


class TheHiveConnector(RequestStruct, kw_only=True, tag_field="type", tag=".thehive"):
    """TheHive."""

    id: str
    fields: TheHiveFields | None
    name: str


CaseConnector = (
    JiraConnector
    | NoneConnector
    | ResilientConnector
    | ServiceNowITSMConnector
    | ServiceNowSIRConnector
    | SwimlaneConnector
    | CasesWebhookConnector
    | TheHiveConnector
)

# --- custom fields --------------------------------------------------------------------

_Label = Annotated[str, Text("label", min=1, max=MAX_CUSTOM_FIELD_LABEL_LENGTH)]


class TextCustomField(RequestStruct, kw_only=True, tag_field="type", tag="text"):
    """A text custom field of the configuration."""

    key: _key(MAX_CUSTOM_FIELD_KEY_LENGTH)  # type: ignore[valid-type]
    label: _Label
    required: bool
    defaultValue: (
        Annotated[str, Text("defaultValue", min=1, max=MAX_CUSTOM_FIELD_TEXT_VALUE_LENGTH)]
        | UnsetType
        | None
    ) = UNSET


class ToggleCustomField(RequestStruct, kw_only=True, tag_field="type", tag="toggle"):
    """A toggle custom field of the configuration."""

    key: _key(MAX_CUSTOM_FIELD_KEY_LENGTH)  # type: ignore[valid-type]
    label: _Label
    required: bool
    defaultValue: bool | UnsetType | None = UNSET


class NumberCustomField(RequestStruct, kw_only=True, tag_field="type", tag="number"):
    """A number custom field of the configuration."""

    key: _key(MAX_CUSTOM_FIELD_KEY_LENGTH)  # type: ignore[valid-type]
    label: _Label
    required: bool
    defaultValue: Annotated[int, SafeInteger("defaultValue")] | UnsetType | None = UNSET


CustomField = TextCustomField | ToggleCustomField | NumberCustomField
CustomFields = Annotated[list[CustomField], Items("customFields", max=MAX_CUSTOM_FIELDS_PER_CASE)]

# --- templates ------------------------------------------------------------------------


class TextFieldValue(RequestStruct, kw_only=True, tag_field="type", tag="text"):
    """A template's value for a text custom field."""

    key: str
    value: Annotated[str, Text("value", min=1, max=MAX_CUSTOM_FIELD_TEXT_VALUE_LENGTH)] | None


class ToggleFieldValue(RequestStruct, kw_only=True, tag_field="type", tag="toggle"):
    """A template's value for a toggle custom field."""

    key: str
    value: bool | None


class NumberFieldValue(RequestStruct, kw_only=True, tag_field="type", tag="number"):
    """A template's value for a number custom field."""

    key: str
    value: Annotated[int, SafeInteger("value")] | None


CustomFieldValue = TextFieldValue | ToggleFieldValue | NumberFieldValue


class Assignee(RequestStruct, kw_only=True):
    """A user profile a case is assigned to."""

    uid: str


class CaseSettings(RequestStruct, kw_only=True):
    """A case's alert sync settings."""

    syncAlerts: bool


class CaseFields(RequestStruct, kw_only=True):
    """The case fields a template fills in (all optional)."""

    description: (
        Annotated[str, Text("description", min=1, max=MAX_DESCRIPTION_LENGTH)] | UnsetType
    ) = UNSET
    tags: (
        Annotated[
            list[Annotated[str, Text("tag", min=1, max=MAX_LENGTH_PER_TAG)]],
            Items("tags", max=MAX_TAGS_PER_CASE),
        ]
        | UnsetType
    ) = UNSET
    title: Annotated[str, Text("title", min=1, max=MAX_TITLE_LENGTH)] | UnsetType = UNSET
    connector: CaseConnector | UnsetType = UNSET
    severity: Severity | UnsetType = UNSET
    assignees: (
        Annotated[list[Assignee], Items("assignees", max=MAX_ASSIGNEES_PER_CASE)] | UnsetType
    ) = UNSET
    category: (
        Annotated[str, Text("category", min=1, max=MAX_CATEGORY_LENGTH)] | UnsetType | None
    ) = UNSET
    customFields: (
        Annotated[list[CustomFieldValue], Items("customFields", max=MAX_CUSTOM_FIELDS_PER_CASE)]
        | UnsetType
    ) = UNSET
    settings: CaseSettings | UnsetType = UNSET


class Template(RequestStruct, kw_only=True):
    """A case template."""

    key: _key(MAX_TEMPLATE_KEY_LENGTH)  # type: ignore[valid-type]
    name: Annotated[str, Text("name", min=1, max=MAX_TEMPLATE_NAME_LENGTH)]
    # Kibana: rt.union([rt.null, CaseBaseOptionalFieldsRequestRt]); the order shows in messages.
    caseFields: None | CaseFields  # noqa: RUF036
    description: (
        Annotated[str, Text("description", max=MAX_TEMPLATE_DESCRIPTION_LENGTH)] | UnsetType
    ) = UNSET
    tags: (
        Annotated[
            list[Annotated[str, Text("template's tag", min=1, max=MAX_TEMPLATE_TAG_LENGTH)]],
            Items("template's tags", max=MAX_TAGS_PER_TEMPLATE),
        ]
        | UnsetType
    ) = UNSET


Templates = Annotated[list[Template], Items("templates", max=MAX_TEMPLATES_LENGTH)]

# --- observable types -----------------------------------------------------------------


class ObservableType(RequestStruct, kw_only=True):
    """A custom observable type."""

    key: _key(MAX_OBSERVABLE_TYPE_KEY_LENGTH)  # type: ignore[valid-type]
    label: Annotated[str, Text("label", min=1, max=MAX_OBSERVABLE_TYPE_LABEL_LENGTH)]


ObservableTypes = Annotated[
    list[ObservableType], Items("observableTypes", max=MAX_CUSTOM_OBSERVABLE_TYPES)
]

# --- requests and responses -----------------------------------------------------------


class ConfigurationRequest(RequestStruct, kw_only=True):
    """Body of POST /api/cases/configure."""

    connector: CaseConnector
    closure_type: ClosureType
    owner: Owner
    customFields: CustomFields | UnsetType = UNSET
    templates: Templates | UnsetType = UNSET
    observableTypes: ObservableTypes | UnsetType = UNSET


class ConfigurationPatchRequest(RequestStruct, kw_only=True):
    """Body of PATCH /api/cases/configure/{configuration_id}."""

    closure_type: ClosureType | UnsetType = UNSET
    connector: CaseConnector | UnsetType = UNSET
    customFields: CustomFields | UnsetType = UNSET
    templates: Templates | UnsetType = UNSET
    observableTypes: ObservableTypes | UnsetType = UNSET
    version: str


class FindQuery(RequestStruct, kw_only=True):
    """Query of GET /api/cases/configure."""

    owner: list[str] | str | UnsetType = UNSET


class Mapping(msgspec.Struct, kw_only=True):
    """How a case field is sent to the external system."""

    source: Literal["title", "description", "comments", "tags"]
    target: str
    action_type: Literal["append", "nothing", "overwrite"]


class UserRef(msgspec.Struct, kw_only=True):
    """Who created or updated a configuration."""

    email: str | None
    full_name: str | None
    username: str | None
    profile_uid: str | UnsetType = UNSET


class Configuration(msgspec.Struct, kw_only=True):
    """A case configuration, as Kibana answers it."""

    id: str
    version: str
    owner: Owner
    closure_type: ClosureType
    connector: CaseConnector
    customFields: list[CustomField]
    templates: list[Template]
    observableTypes: list[ObservableType]
    mappings: list[Mapping]
    created_at: str
    created_by: UserRef
    updated_at: str | None
    updated_by: UserRef | None
    error: str | None


class CaseConnectorInfo(msgspec.Struct, kw_only=True):
    """An item of GET /api/cases/configure/connectors/_find (the actions client's camelCase)."""

    id: str
    actionTypeId: str
    name: str
    config: dict[str, Any] | UnsetType = UNSET
    isPreconfigured: bool
    isSystemAction: bool = False
    isDeprecated: bool
    isMissingSecrets: bool | UnsetType = UNSET
    referencedByCount: int
