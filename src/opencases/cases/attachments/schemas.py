"""Wire types of case attachments (Kibana's cases-comments), files and observables."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, UnsetType

from opencases.cases.schemas import SortOrder, Status
from opencases.configure.schemas import UserRef
from opencases.kibana.validation import Items, RequestStruct, Text, Untagged

# Kibana's constants (x-pack/platform/plugins/shared/cases/common/constants/index.ts).
MAX_COMMENT_LENGTH = 30000
MAX_ALERTS_PER_CASE = 1000
MAX_PERSISTABLE_STATE_AND_EXTERNAL_REFERENCES = 100
MAX_BULK_CREATE_ATTACHMENTS = 100
MAX_BULK_GET_ATTACHMENTS = 100
MAX_COMMENTS_PER_PAGE = 100
MAX_FILES_PER_CASE = 100
MAX_DELETE_FILES = 10
MAX_FILENAME_LENGTH = 160
MAX_OBSERVABLES_PER_CASE = 50
MAX_FILES_PER_PAGE = 10000

Comment = Annotated[str, Text("comment", min=1, max=MAX_COMMENT_LENGTH)]
# A JSON object of any content (Kibana's jsonValue records).
JsonObject = dict[str, Any]


class UserCommentRequest(RequestStruct, tag_field="type", tag="user", kw_only=True):
    """A comment written by a user (Markdown)."""

    TAG_AFTER: ClassVar[str] = "comment"
    comment: Comment
    owner: str


class AlertRule(RequestStruct, kw_only=True):
    """The rule that raised an alert."""

    id: str | None
    name: str | None


class AlertRequest(RequestStruct, tag_field="type", tag="alert", kw_only=True):
    """Alerts attached by id and index (one each, or matching arrays)."""

    alertId: list[str] | str
    index: list[str] | str
    rule: AlertRule
    owner: str


class ActionsTarget(RequestStruct, kw_only=True):
    """A host an endpoint response action ran on."""

    hostname: str
    endpointId: str


class ActionsDetail(RequestStruct, kw_only=True):
    """An endpoint response action (isolate, unisolate, ...) and its hosts."""

    targets: list[ActionsTarget]
    type: str


class ActionsRequest(RequestStruct, tag_field="type", tag="actions", kw_only=True):
    """A comment recording an endpoint response action."""

    comment: Comment
    actions: ActionsDetail
    owner: str


class SavedObjectStorage(RequestStruct, tag_field="type", tag="savedObject", kw_only=True):
    """An external reference to a saved object (a file, ...)."""

    soType: str


class DocumentStorage(RequestStruct, tag_field="type", tag="elasticSearchDoc", kw_only=True):
    """An external reference to a document of another application."""


class ExternalReferenceRequest(
    RequestStruct, tag_field="type", tag="externalReference", kw_only=True
):
    """A reference to an object another application keeps (files are `.files`)."""

    TAG_AFTER: ClassVar[str] = "externalReferenceMetadata"
    externalReferenceAttachmentTypeId: str
    externalReferenceMetadata: JsonObject | None
    owner: str
    externalReferenceId: str
    # Kibana's two external reference members, to a document and to a saved object.
    externalReferenceStorage: Annotated[DocumentStorage | SavedObjectStorage, Untagged()]


class PersistableStateRequest(
    RequestStruct, tag_field="type", tag="persistableState", kw_only=True
):
    """State another application persists on the case (a Lens visualization, ...)."""

    owner: str
    persistableStateAttachmentTypeId: str
    persistableStateAttachmentState: JsonObject


# Kibana's AttachmentRequestRt is io-ts's plain union (two of its members, external
# references to saved objects and to documents, share a tag): a body that fits no member
# is answered with every member's errors, in this order.
AttachmentRequest = Annotated[
    UserCommentRequest
    | AlertRequest
    | ActionsRequest
    | ExternalReferenceRequest
    | PersistableStateRequest,
    Untagged(),
]
ATTACHMENT_TYPES = ("user", "alert", "actions", "externalReference", "persistableState")


class AttachmentPatchFields(RequestStruct, kw_only=True):
    """The `id` and `version` every PATCH /api/cases/{case_id}/comments body carries."""

    id: str
    version: str


BulkCreateRequest = Annotated[
    list[AttachmentRequest], Items("attachments", max=MAX_BULK_CREATE_ATTACHMENTS)
]


class Attachment(msgspec.Struct, kw_only=True):
    """An attachment as Kibana answers it: its type's fields, then who made and pushed it."""

    id: str
    version: str
    type: Literal["user", "alert", "actions", "externalReference", "persistableState"]
    owner: str
    created_at: str
    created_by: UserRef
    pushed_at: str | None
    pushed_by: UserRef | None
    updated_at: str | None
    updated_by: UserRef | None
    # The type's own fields (comment, alertId, index, rule, actions, externalReference*,
    # persistableState*): documented by the request types.
    comment: str | UnsetType = UNSET
    alertId: list[str] | str | UnsetType = UNSET
    index: list[str] | str | UnsetType = UNSET
    rule: AlertRule | UnsetType = UNSET
    actions: ActionsDetail | UnsetType = UNSET
    externalReferenceAttachmentTypeId: str | UnsetType = UNSET
    externalReferenceId: str | UnsetType = UNSET
    externalReferenceStorage: SavedObjectStorage | DocumentStorage | UnsetType = UNSET
    externalReferenceMetadata: JsonObject | UnsetType | None = UNSET
    persistableStateAttachmentTypeId: str | UnsetType = UNSET
    persistableStateAttachmentState: JsonObject | UnsetType = UNSET


class FindCommentsQuery(RequestStruct, kw_only=True):
    """Query of GET /api/cases/{case_id}/comments/_find."""

    sortOrder: SortOrder | UnsetType = UNSET
    page: int | UnsetType = UNSET
    perPage: int | UnsetType = UNSET


class CommentsFindResponse(msgspec.Struct, kw_only=True):
    """A page of a case's user comments."""

    comments: list[Attachment]
    page: int
    per_page: int
    total: int


class BulkGetAttachmentsRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/cases/{case_id}/attachments/_bulk_get."""

    ids: Annotated[list[str], Items("ids", min=1, max=MAX_BULK_GET_ATTACHMENTS)]


class BulkGetAttachmentError(msgspec.Struct, kw_only=True):
    """An attachment _bulk_get could not answer."""

    error: str
    message: str
    status: int | UnsetType = UNSET
    attachmentId: str


class BulkGetAttachmentsResponse(msgspec.Struct, kw_only=True):
    """The answer of the attachments' _bulk_get."""

    attachments: list[Attachment]
    errors: list[BulkGetAttachmentError]


# --- alerts -------------------------------------------------------------------------------


class AttachedAlert(msgspec.Struct, kw_only=True):
    """An alert attached to a case, as GET /api/cases/{case_id}/alerts lists it."""

    id: str
    index: str
    attached_at: str


class RelatedCaseTotals(msgspec.Struct, kw_only=True):
    """A related case's counts (Kibana's stats aggregation)."""

    alerts: int
    userComments: int


class RelatedCase(msgspec.Struct, kw_only=True):
    """A case an alert is attached to (Kibana's RelatedCaseRt)."""

    id: str
    title: str
    description: str
    status: Status
    createdAt: str
    totals: RelatedCaseTotals


class CasesByAlertQuery(RequestStruct, kw_only=True):
    """Query of GET /api/cases/alerts/{alert_id}."""

    owner: list[str] | str | UnsetType = UNSET


# --- files --------------------------------------------------------------------------------


class BulkDeleteFilesRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/cases/{case_id}/attachments/files/_bulk_delete."""

    ids: Annotated[
        list[Annotated[str, Text("ids", min=1)]], Items("ids", min=1, max=MAX_DELETE_FILES)
    ]


# --- observables --------------------------------------------------------------------------


class ObservableRequest(RequestStruct, kw_only=True):
    """An observable to add: its type's key, its value and a description."""

    typeKey: str
    value: str
    description: str | None


class ObservablePatch(RequestStruct, kw_only=True):
    """An observable's new value and description (its type cannot change)."""

    value: str
    description: str | None


class AddObservableRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/cases/{case_id}/observables."""

    observable: ObservableRequest


class UpdateObservableRequest(RequestStruct, kw_only=True):
    """Body of PATCH /internal/cases/{case_id}/observables/{observable_id}."""

    observable: ObservablePatch


class BulkAddObservablesRequest(RequestStruct, kw_only=True):
    """Body of POST /internal/cases/{case_id}/observables/_bulk_create."""

    observables: list[ObservableRequest]


class Observable(msgspec.Struct, kw_only=True):
    """An observable of a case."""

    typeKey: str
    value: str
    description: str | None
    id: str
    createdAt: str
    updatedAt: str | None


class FilenameField(RequestStruct, kw_only=True):
    """The name a case file is recorded under (Kibana's FileAttachmentMetadataPayloadRt)."""

    filename: Annotated[str, Text("filename", min=1, max=MAX_FILENAME_LENGTH)]


class FileUpload(msgspec.Struct, kw_only=True):
    """Body of POST /api/cases/{case_id}/files (multipart/form-data)."""

    file: Annotated[str, msgspec.Meta(extra_json_schema={"format": "binary"})]
    filename: str | UnsetType = UNSET


class FileMeta(msgspec.Struct, kw_only=True):
    """The cases a file belongs to, and their owner."""

    caseIds: list[str]
    owner: list[str]


class FileJSON(msgspec.Struct, kw_only=True):
    """A file as Kibana's Files service describes it."""

    id: str
    name: str
    mimeType: str
    size: int
    created: str
    extension: str
    status: Literal["READY"]
    meta: FileMeta
    updated: str
    fileKind: str
    hash: dict[str, str]


class FileResponse(msgspec.Struct, kw_only=True):
    """GET /api/files/files/{fileKind}/{id}."""

    file: FileJSON


class FilesListMeta(RequestStruct, kw_only=True):
    """The metadata a file list is filtered by: the cases the files belong to."""

    caseIds: list[str] | UnsetType = UNSET


class FilesListRequest(RequestStruct, kw_only=True):
    """Body of POST /api/files/files/{fileKind}/list (Kibana's UI lists a case's files)."""

    meta: FilesListMeta | UnsetType = UNSET
    # A name, or `*`-wildcard patterns of one (`*report*`), any of which matches.
    name: list[str] | str | UnsetType = UNSET


class FilesListQuery(RequestStruct, kw_only=True):
    """Query of the file list: 1-based pages of `perPage` files (100 unless said)."""

    page: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    perPage: Annotated[int, msgspec.Meta(ge=1, le=MAX_FILES_PER_PAGE)] | UnsetType = UNSET


class FilesListResponse(msgspec.Struct, kw_only=True):
    """A page of files, newest first, and how many match."""

    files: list[FileJSON]
    total: int
