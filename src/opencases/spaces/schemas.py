"""Wire types of the Spaces API (Kibana's space schema, config-schema messages)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.kibana.validation import Check, Items, RequestStruct, Text

DEFAULT_SPACE_ID = "default"
# Kibana's MAX_SPACE_INITIALS.
MAX_INITIALS = 2
Solution = Literal["es", "oblt", "security", "classic"]


_SPACE_ID = r"[a-z0-9_\-]+"
_COLOR = r"#[a-zA-Z0-9]{6}"
# Kibana's /^data:image.*$/: `.` stops at a line terminator.
_IMAGE_URL = r"data:image[^\n\r\u2028\u2029]*"


def _documented(pattern: str) -> msgspec.Meta:
    """A Check's pattern, for the OpenAPI document (the Check is what validates)."""
    return msgspec.Meta(extra_json_schema={"pattern": f"^(?:{pattern})$"})


def _space_id(value: Any) -> str | None:
    if re.fullmatch(_SPACE_ID, value):
        return None
    return "must be lower case, a-z, 0-9, '_', and '-' are allowed"


def _color(value: Any) -> str | None:
    if re.fullmatch(_COLOR, value):
        return None
    return "must be a 6 digit hex color, starting with a #"


def _image_url(value: Any) -> str | None:
    if value == "" or re.fullmatch(_IMAGE_URL, value):
        return None
    return "must start with 'data:image'"


class SpaceRequest(RequestStruct, kw_only=True):
    """Body of POST /api/spaces/space and PUT /api/spaces/space/{id}."""

    id: Annotated[str, Check(_space_id), _documented(_SPACE_ID)]
    name: Annotated[str, Text("name", min=1, trim=False)]
    description: str | UnsetType = UNSET
    initials: Annotated[str, Text("initials", max=MAX_INITIALS, trim=False)] | UnsetType = UNSET
    color: Annotated[str, Check(_color), _documented(_COLOR)] | UnsetType = UNSET
    disabledFeatures: Annotated[list[str], Items("disabledFeatures", max=100)] = msgspec.field(
        default_factory=list
    )
    reserved: bool | UnsetType = msgspec.field(default=UNSET, name="_reserved")
    imageUrl: Annotated[str, Check(_image_url), _documented(f"|{_IMAGE_URL}")] | UnsetType = UNSET
    solution: Solution | UnsetType = UNSET


class Space(msgspec.Struct, kw_only=True):
    """A space, as the Spaces API answers it (absent attributes are left out)."""

    id: str
    name: str
    description: str | UnsetType = UNSET
    color: str | UnsetType = UNSET
    initials: str | UnsetType = UNSET
    imageUrl: str | UnsetType = UNSET
    disabledFeatures: list[str] = msgspec.field(default_factory=list)
    reserved: bool | UnsetType = msgspec.field(default=UNSET, name="_reserved")
    solution: Solution | UnsetType = UNSET


class SpacesQuery(RequestStruct, kw_only=True):
    """Query of GET /api/spaces/space."""

    purpose: (
        Literal["any", "copySavedObjectsIntoSpace", "shareSavedObjectsIntoSpace"] | UnsetType
    ) = UNSET
    include_authorized_purposes: bool | UnsetType = UNSET


class AuthorizedPurposes(msgspec.Struct, kw_only=True):
    """What the caller may do in a space (Kibana's PURPOSE_PRIVILEGE_MAP, in its order)."""

    any: bool
    copySavedObjectsIntoSpace: bool
    findSavedObjects: bool
    shareSavedObjectsIntoSpace: bool


class SpaceWithPurposes(Space, kw_only=True):
    """A space of the list asked for with `include_authorized_purposes=true`."""

    authorizedPurposes: AuthorizedPurposes
