"""Kibana's checks of attachment requests (decodeCommentRequest, CaseCommentModel's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from opencases.cases.attachments import store
from opencases.cases.attachments.schemas import (
    MAX_ALERTS_PER_CASE,
    MAX_FILES_PER_CASE,
    MAX_PERSISTABLE_STATE_AND_EXTERNAL_REFERENCES,
    ActionsRequest,
    AlertRequest,
    AttachmentRequest,
    ExternalReferenceRequest,
    PersistableStateRequest,
    UserCommentRequest,
)
from opencases.cases.schemas import MAX_USER_ACTIONS_PER_CASE
from opencases.cases.store import CaseRecord
from opencases.db import Executor
from opencases.kibana.errors import BadRequest
from opencases.kibana.validation import validate

FILES_TYPE_ID = ".files"
# The attachment types a Kibana with its default plugins registers, by kind: Cases' files
# and Lens visualizations. Another id is refused, as Kibana refuses an unregistered one.
REGISTERED_TYPES = {"externalReference": {FILES_TYPE_ID}, "persistableState": {".lens"}}


def check_user_actions(record: CaseRecord | None, case_id: str, adding: int) -> None:
    """Kibana's validateMaxUserActions (a case that does not exist has none)."""
    if record is not None and record.user_action_count + adding > MAX_USER_ACTIONS_PER_CASE:
        raise BadRequest(
            f"The case with id {case_id} has reached the limit of"
            f" {MAX_USER_ACTIONS_PER_CASE} user actions."
        )


def check_request(request: AttachmentRequest) -> None:
    """Kibana's decodeCommentRequest: matching alert arrays, the files metadata."""
    if isinstance(request, AlertRequest):
        ids, indices = store.as_list(request.alertId), store.as_list(request.index)
        if len(ids) != len(indices):
            raise BadRequest(
                "Received an alert comment with ids and indices arrays of different lengths"
                f" ids: {_js_json(ids)} indices: {_js_json(indices)}"
            )
    if (
        isinstance(request, ExternalReferenceRequest)
        and request.externalReferenceAttachmentTypeId == FILES_TYPE_ID
    ):
        _check_files_metadata(request.externalReferenceMetadata)


def type_of(request: Any) -> str:
    """The `type` of a tagged request struct (an attachment, an external reference's storage)."""
    tag: str = type(request).__struct_config__.tag
    return tag


def request_dict(request: AttachmentRequest) -> dict[str, Any]:
    """An attachment request as plain JSON values, its `type` included."""
    fields: dict[str, Any] = msgspec.to_builtins(request)
    return fields


def _js_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class _FileMetadata(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    extension: str
    mimeType: str
    created: str


class _FilesMetadata(msgspec.Struct, forbid_unknown_fields=True):
    files: list[_FileMetadata]


def _check_files_metadata(metadata: dict[str, Any] | None) -> None:
    """Kibana's `.files` schema: metadata naming at most one file."""
    files = validate(_FilesMetadata, metadata)
    if len(files.files) > 1:
        raise BadRequest("Only a single file can be stored in an attachment")


def check_registered(requests: Sequence[AttachmentRequest]) -> None:
    """Kibana's validateRegisteredAttachments: only registered type ids."""
    for request in requests:
        type_id = None
        if isinstance(request, ExternalReferenceRequest):
            type_id = request.externalReferenceAttachmentTypeId
        elif isinstance(request, PersistableStateRequest):
            type_id = request.persistableStateAttachmentTypeId
        if type_id is not None and type_id not in REGISTERED_TYPES[type_of(request)]:
            raise BadRequest(f"Attachment type {type_id} is not registered.")


def _is_file(request: AttachmentRequest) -> bool:
    return (
        isinstance(request, ExternalReferenceRequest)
        and request.externalReferenceAttachmentTypeId == FILES_TYPE_ID
    )


async def check_create(
    db: Executor, record: CaseRecord, requests: Sequence[AttachmentRequest]
) -> None:
    """Kibana's validateCreateCommentRequest: closed cases, owners, per-case limits."""
    if record.status == "closed" and any(isinstance(r, AlertRequest) for r in requests):
        raise BadRequest("Alert cannot be attached to a closed case")
    if any(request.owner != record.owner for request in requests):
        raise BadRequest("The owner field of the comment must match the case")
    if all(isinstance(r, UserCommentRequest | ActionsRequest) for r in requests):
        return  # no per-case limit counts them
    held = await store.counts(db, case_id=record.id)
    limits = [
        (
            sum(len(store.as_list(r.alertId)) for r in requests if isinstance(r, AlertRequest)),
            held.alerts,
            MAX_ALERTS_PER_CASE,
            "alerts",
        ),
        (
            sum(
                1
                for r in requests
                if isinstance(r, ExternalReferenceRequest | PersistableStateRequest)
                and not _is_file(r)
            ),
            held.external,
            MAX_PERSISTABLE_STATE_AND_EXTERNAL_REFERENCES,
            "persistable state and external reference attachments",
        ),
        (
            sum(_file_count(r) for r in requests if _is_file(r)),
            held.files,
            MAX_FILES_PER_CASE,
            "files",
        ),
    ]
    for requested, attached, limit, noun in limits:
        if requested and (requested > limit or requested + attached > limit):
            raise BadRequest(
                f"Case has reached the maximum allowed number ({limit}) of attached {noun}."
            )


def _file_count(request: AttachmentRequest) -> int:
    """How many files a `.files` attachment names (Kibana's FileLimiter)."""
    assert isinstance(request, ExternalReferenceRequest)
    metadata = request.externalReferenceMetadata or {}
    return len(metadata.get("files") or [])
