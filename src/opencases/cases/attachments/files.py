"""Case files: uploaded to a case, kept in the database, served as Kibana's Files service does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import msgspec
from starlette.requests import Request

from opencases.cases import service as cases_service
from opencases.cases.attachments import checks, service, store
from opencases.cases.attachments.mime_types import ALLOWED_MIME_TYPES, extension_of
from opencases.cases.attachments.schemas import (
    ExternalReferenceRequest,
    FileJSON,
    FileMeta,
    FilenameField,
    FilesListQuery,
    FilesListRequest,
    FilesListResponse,
)
from opencases.cases.attachments.store import AttachmentRecord, FileRecord
from opencases.cases.attachments.upload import name_without_extension, read_upload
from opencases.db import new_id
from opencases.kibana.errors import BadRequest, NotFound
from opencases.kibana.time import utc_now
from opencases.kibana.validation import given, validate
from opencases.security.authorization import api_unauthorized
from opencases.security.context import RequestContext
from opencases.security.features import OWNERS

MAX_IMAGE_FILE_SIZE = 10 * 1024 * 1024
MAX_FILE_SIZE = 100 * 1024 * 1024
# A file's bytes are stored, and read back, in pieces of at most this size.
CHUNK_BYTES = 1024 * 1024


def file_kind(owner: str) -> str:
    """Kibana's file kind of an owner's case files (`securitySolutionFilesCases`, ...)."""
    return f"{owner}FilesCases"


OWNER_OF_KIND = {file_kind(owner): owner for owner in OWNERS}


def max_size(setting: int | None, mime_type: str | None) -> int:
    """Kibana's createMaxCallback: the setting, else 10 MiB for an image, 100 MiB for the rest."""
    if setting is not None:
        return setting
    if mime_type in ALLOWED_MIME_TYPES and mime_type.startswith("image/"):
        return MAX_IMAGE_FILE_SIZE
    return MAX_FILE_SIZE


def _check_metadata(filename: str, mime_type: str | None) -> None:
    """Kibana's FileAttachmentMetadataPayloadRt: an allowed MIME type, then a name of 1 to 160."""
    messages = []
    if mime_type is None:
        messages.append('Invalid value "undefined" supplied to "mimeType"')
    elif mime_type not in ALLOWED_MIME_TYPES:
        messages.append(f"The mime type field value {mime_type} is not allowed.")
    try:
        validate(FilenameField, {"filename": filename})
    except BadRequest as error:
        messages.append(error.message)
    if messages:
        raise BadRequest(",".join(messages))


def _attachment_request(file: FileRecord) -> ExternalReferenceRequest:
    """The `.files` attachment Kibana records for an uploaded file."""
    return validate(
        ExternalReferenceRequest,
        {
            "type": "externalReference",
            "externalReferenceAttachmentTypeId": checks.FILES_TYPE_ID,
            "externalReferenceId": file.id,
            "externalReferenceStorage": {"type": "savedObject", "soType": "file"},
            "externalReferenceMetadata": {
                "files": [
                    {
                        "name": file.name,
                        "extension": file.extension,
                        "mimeType": file.mime_type,
                        "created": file.created,
                    }
                ]
            },
            "owner": file.owner,
        },
    )


async def upload(*, context: RequestContext, case_id: str, request: Request) -> msgspec.Raw:
    """POST /api/cases/{case_id}/files: store the file and attach it, in one transaction."""
    # A caller who may attach files to no case is refused before the body is read.
    await context.ensure_any_owner(service.CREATE)
    setting = context.settings.cases_files_max_size
    received = await read_upload(request, max_size=lambda mime: max_size(setting, mime))
    try:
        filename = received.filename_field
        if filename is None:
            filename = name_without_extension(received.part_filename or "")
        _check_metadata(filename, received.mime_type)
        assert received.mime_type is not None
        assert received.content is not None
        record = await cases_service.readable(context, case_id, cases_service.GET)
        checks.check_user_actions(record, case_id, 1)
        await context.ensure_authorized(service.CREATE, [record.owner])
        now = utc_now()
        user = cases_service.user_ref(context)
        file = FileRecord(
            id=new_id(),
            case_id=record.id,
            space_id=record.space_id,
            owner=record.owner,
            name=filename,
            extension=extension_of(received.mime_type),
            mime_type=received.mime_type,
            size=received.size,
            hashes={name: digest.hexdigest() for name, digest in received.hashes.items()},
            created=now,
            updated=now,
            created_by=user,
        )
        request_ = _attachment_request(file)
        await checks.check_create(context.db, record, [request_])
        attachment = service.new_record(
            checks.request_dict(request_), record=record, now=now, user=user
        )
        async with context.db.transaction() as tx:
            await store.insert_file(tx, file)
            position = 0
            while piece := received.content.read(CHUNK_BYTES):
                await store.insert_chunk(tx, file_id=file.id, position=position, data=piece)
                position += 1
            await store.insert(tx, [attachment])
            written = await service.write_changes(
                tx,
                case_id=record.id,
                actions=[service.comment_action("create", attachment)],
                now=now,
                user=user,
            )
            return await service.with_comments(tx, written)
    finally:
        received.close()


def to_file_json(file: FileRecord) -> FileJSON:
    """A file as Kibana's Files service describes it."""
    return FileJSON(
        id=file.id,
        name=file.name,
        mimeType=file.mime_type,
        size=file.size,
        created=file.created,
        extension=file.extension,
        status="READY",
        meta=FileMeta(caseIds=[file.case_id], owner=[file.owner]),
        updated=file.updated,
        fileKind=file_kind(file.owner),
        hash=file.hashes,
    )


async def _readable_kind(context: RequestContext, kind: str, api: str) -> str:
    """The owner of a file kind the caller may read (Kibana's `<kind>Read` privilege)."""
    owner = OWNER_OF_KIND.get(kind)
    if owner is None:
        raise NotFound()  # the Files service registers routes for its kinds only
    if owner not in await context.authorized_owners(cases_service.GET):
        raise api_unauthorized(api, f"{kind}Read")
    return owner


async def readable_file(
    *, context: RequestContext, kind: str, file_id: str, api: str
) -> FileRecord:
    """A file of the kind the caller may read."""
    owner = await _readable_kind(context, kind, api)
    found = await store.get_files(context.db, space_id=context.space.id, ids=[file_id])
    if not found or found[0].owner != owner:
        raise NotFound("File not found")
    return found[0]


async def content(context: RequestContext, file: FileRecord) -> AsyncIterator[bytes]:
    """A file's bytes, piece by piece."""
    position = 0
    while (piece := await store.chunk(context.db, file_id=file.id, position=position)) is not None:
        yield piece
        position += 1


def download_name(file: FileRecord) -> str:
    """Kibana's getDownloadedFileName: the name with its extension."""
    return f"{file.name}.{file.extension}" if file.extension else file.name


async def bulk_delete(*, context: RequestContext, case_id: str, ids: Sequence[str]) -> None:
    """POST /internal/cases/{case_id}/attachments/files/_bulk_delete: files and attachments."""
    record = await cases_service.readable(context, case_id, cases_service.GET)
    files = await store.get_files(context.db, space_id=context.space.id, ids=ids)
    by_id = {file.id: file for file in files}
    invalid = [i for i in dict.fromkeys(ids) if i in by_id and by_id[i].case_id != record.id]
    if invalid:
        # Kibana's message (its typo included), the ids as JavaScript joins an array.
        raise BadRequest(
            f"Failed to delete files because filed ids were invalid: {','.join(invalid)}"
        )
    wanted = set(ids)
    attachments: list[AttachmentRecord] = [
        attachment
        for attachment in await store.of_case(
            context.db, case_id=record.id, types=["externalReference"]
        )
        if service.is_file(attachment)
        and attachment.attributes.get("externalReferenceId") in wanted
    ]
    owners = [file.owner for file in files] + [a.owner for a in attachments]
    if owners:
        await context.ensure_authorized(service.DELETE, list(dict.fromkeys(owners)))
    if not files and not attachments:
        return
    now = utc_now()
    user = cases_service.user_ref(context)
    async with context.db.transaction() as tx:
        await store.delete_files(tx, ids=[file.id for file in files])
        if attachments:
            await store.delete(tx, ids=[attachment.id for attachment in attachments])
            await service.write_changes(
                tx,
                case_id=record.id,
                actions=[service.comment_action("delete", a) for a in attachments],
                now=now,
                user=user,
            )


async def list_files(
    *,
    context: RequestContext,
    kind: str,
    query: FilesListQuery,
    request: FilesListRequest,
    api: str,
) -> FilesListResponse:
    """POST /api/files/files/{fileKind}/list: a page of the kind's files, newest first."""
    owner = await _readable_kind(context, kind, api)
    page, per_page = given(query.page, 1), given(query.perPage, 100)
    meta = given(request.meta, None)
    case_ids = None if meta is None else given(meta.caseIds, None)
    names = given(request.name, [])
    total, found = await store.files_of_owner(
        context.db,
        space_id=context.space.id,
        owner=owner,
        case_ids=case_ids,
        names=[names] if isinstance(names, str) else names,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return FilesListResponse(files=[to_file_json(file) for file in found], total=total)
