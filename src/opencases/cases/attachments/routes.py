"""Routes of case attachments, alerts, files and observables."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from opencases.cases.attachments import alerts, files, observables, reads, service
from opencases.cases.attachments.schemas import (
    AddObservableRequest,
    AttachedAlert,
    Attachment,
    AttachmentRequest,
    BulkAddObservablesRequest,
    BulkCreateRequest,
    BulkDeleteFilesRequest,
    BulkGetAttachmentsRequest,
    BulkGetAttachmentsResponse,
    CasesByAlertQuery,
    CommentsFindResponse,
    FileResponse,
    FilesListQuery,
    FilesListRequest,
    FilesListResponse,
    FileUpload,
    FindCommentsQuery,
    RelatedCase,
    UpdateObservableRequest,
)
from opencases.cases.schemas import Case, CaseResolveResponse
from opencases.kibana.errors import BadRequest
from opencases.kibana.http import (
    ApiRoute,
    Requires,
    decode_body,
    decode_query,
    json_response,
    no_content,
    quoted_api,
    read_body,
)
from opencases.kibana.validation import js_type, parse_json_object, parse_json_value
from opencases.security.context import RequestContext

READ = Requires("cases", "read")
WRITE = Requires("cases", "all")


def _param(request: Request, name: str) -> str:
    return str(request.path_params[name])


async def _json(request: Request, context: RequestContext) -> object:
    return parse_json_value(await read_body(request, limit=context.settings.max_payload_bytes))


async def _object(request: Request, context: RequestContext) -> dict[str, object]:
    return parse_json_object(await read_body(request, limit=context.settings.max_payload_bytes))


async def resolve_case(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/{case_id}/resolve."""
    found = await service.resolve(context=context, case_id=_param(request, "case_id"))
    return json_response(found)


async def add_comment(request: Request, context: RequestContext) -> Response:
    """POST /api/cases/{case_id}/comments."""
    body = parse_json_object(await read_body(request, limit=context.settings.max_payload_bytes))
    case = await service.add(context=context, case_id=_param(request, "case_id"), body=body)
    return json_response(case)


async def update_comment(request: Request, context: RequestContext) -> Response:
    """PATCH /api/cases/{case_id}/comments."""
    body = parse_json_object(await read_body(request, limit=context.settings.max_payload_bytes))
    case = await service.update(context=context, case_id=_param(request, "case_id"), body=body)
    return json_response(case)


async def delete_comments(request: Request, context: RequestContext) -> Response:
    """DELETE /api/cases/{case_id}/comments."""
    await service.delete_all(context=context, case_id=_param(request, "case_id"))
    return no_content()


async def get_comment(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/{case_id}/comments/{comment_id}."""
    found = await reads.get(
        context=context,
        case_id=_param(request, "case_id"),
        comment_id=_param(request, "comment_id"),
    )
    return json_response(found)


async def delete_comment(request: Request, context: RequestContext) -> Response:
    """DELETE /api/cases/{case_id}/comments/{comment_id}."""
    await service.delete(
        context=context,
        case_id=_param(request, "case_id"),
        comment_id=_param(request, "comment_id"),
    )
    return no_content()


async def find_comments(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/{case_id}/comments/_find."""
    query = decode_query(request, FindCommentsQuery)
    found = await reads.find(context=context, case_id=_param(request, "case_id"), query=query)
    return json_response(found)


async def bulk_create(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/{case_id}/attachments/_bulk_create."""
    body = await _json(request, context)
    if not isinstance(body, list):
        # The route's config-schema arrayOf, before the client decodes the items.
        kind = "Object" if isinstance(body, dict) else js_type(body)
        raise BadRequest(f"[request body]: expected value of type [array] but got [{kind}]")
    case = await service.bulk_create(context=context, case_id=_param(request, "case_id"), body=body)
    return json_response(case)


async def bulk_get(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/{case_id}/attachments/_bulk_get."""
    body = await decode_body(
        request, BulkGetAttachmentsRequest, limit=context.settings.max_payload_bytes
    )
    found = await reads.bulk_get(context=context, case_id=_param(request, "case_id"), ids=body.ids)
    return json_response(found)


async def alerts_of_case(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/{case_id}/alerts."""
    found = await alerts.alerts_of_case(context=context, case_id=_param(request, "case_id"))
    return json_response(found)


async def cases_of_alert(request: Request, context: RequestContext) -> Response:
    """GET /api/cases/alerts/{alert_id}."""
    query = decode_query(request, CasesByAlertQuery)
    found = await alerts.cases_of_alert(
        context=context, alert_id=_param(request, "alert_id"), query=query
    )
    return json_response(found)


async def upload_file(request: Request, context: RequestContext) -> Response:
    """POST /api/cases/{case_id}/files."""
    case = await files.upload(context=context, case_id=_param(request, "case_id"), request=request)
    return json_response(case)


async def file_metadata(request: Request, context: RequestContext) -> Response:
    """GET /api/files/files/{fileKind}/{id}."""
    file = await files.readable_file(
        context=context,
        kind=_param(request, "file_kind"),
        file_id=_param(request, "file_id"),
        api=quoted_api(request),
    )
    return json_response(FileResponse(file=files.to_file_json(file)))


async def download_file(request: Request, context: RequestContext) -> Response:
    """GET /api/files/files/{fileKind}/{id}/blob[/{fileName}]."""
    file = await files.readable_file(
        context=context,
        kind=_param(request, "file_kind"),
        file_id=_param(request, "file_id"),
        api=quoted_api(request),
    )
    if file.size == 0:
        return no_content()
    name = request.path_params.get("file_name") or files.download_name(file)
    return StreamingResponse(
        files.content(context, file),
        media_type=file.mime_type,
        headers={
            "content-length": str(file.size),
            "content-disposition": f"attachment; filename={quote(name, safe='')}",
            "cache-control": "max-age=31536000, immutable",
            "x-content-type-options": "nosniff",
        },
    )


async def list_files(request: Request, context: RequestContext) -> Response:
    """POST /api/files/files/{fileKind}/list."""
    query = decode_query(request, FilesListQuery, style="config-schema")
    body = await decode_body(
        request, FilesListRequest, limit=context.settings.max_payload_bytes, style="config-schema"
    )
    found = await files.list_files(
        context=context,
        kind=_param(request, "file_kind"),
        query=query,
        request=body,
        api=quoted_api(request),
    )
    return json_response(found)


async def bulk_delete_files(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/{case_id}/attachments/files/_bulk_delete."""
    body = await decode_body(
        request, BulkDeleteFilesRequest, limit=context.settings.max_payload_bytes
    )
    await files.bulk_delete(context=context, case_id=_param(request, "case_id"), ids=body.ids)
    return no_content()


async def add_observable(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/{case_id}/observables."""
    case = await observables.add(
        context=context, case_id=_param(request, "case_id"), body=await _object(request, context)
    )
    return json_response(case)


async def bulk_add_observables(request: Request, context: RequestContext) -> Response:
    """POST /internal/cases/{case_id}/observables/_bulk_create."""
    case = await observables.bulk_add(
        context=context, case_id=_param(request, "case_id"), body=await _object(request, context)
    )
    return json_response(case)


async def update_observable(request: Request, context: RequestContext) -> Response:
    """PATCH /internal/cases/{case_id}/observables/{observable_id}."""
    case = await observables.update(
        context=context,
        case_id=_param(request, "case_id"),
        observable_id=_param(request, "observable_id"),
        body=await _object(request, context),
    )
    return json_response(case)


async def delete_observable(request: Request, context: RequestContext) -> Response:
    """DELETE /internal/cases/{case_id}/observables/{observable_id}."""
    await observables.delete(
        context=context,
        case_id=_param(request, "case_id"),
        observable_id=_param(request, "observable_id"),
    )
    return no_content()


def routes() -> list[ApiRoute]:
    """The routes of attachments, alerts, files and observables."""
    case = "/api/cases/{case_id}"
    internal = "/internal/cases/{case_id}"
    files_path = "/api/files/files/{file_kind}/{file_id}"
    return [
        ApiRoute(
            method="GET",
            path=f"{case}/resolve",
            handler=resolve_case,
            summary="Resolve a case",
            tag="cases",
            authz=READ,
            access="internal",
            response=CaseResolveResponse,
        ),
        ApiRoute(
            method="POST",
            path=f"{case}/comments",
            handler=add_comment,
            summary="Add a case comment or alert",
            tag="cases",
            authz=WRITE,
            body=AttachmentRequest,
            response=Case,
        ),
        ApiRoute(
            method="PATCH",
            path=f"{case}/comments",
            handler=update_comment,
            summary="Update a case comment or alert",
            tag="cases",
            authz=WRITE,
            body=AttachmentRequest,
            response=Case,
        ),
        ApiRoute(
            method="DELETE",
            path=f"{case}/comments",
            handler=delete_comments,
            summary="Delete all case comments and alerts",
            tag="cases",
            authz=WRITE,
            status=204,
        ),
        # Before `{comment_id}`: a literal segment wins, as in hapi.
        ApiRoute(
            method="GET",
            path=f"{case}/comments/_find",
            handler=find_comments,
            summary="Find case comments",
            tag="cases",
            authz=READ,
            query=FindCommentsQuery,
            response=CommentsFindResponse,
        ),
        ApiRoute(
            method="GET",
            path=f"{case}/comments/{{comment_id}}",
            handler=get_comment,
            summary="Get a case comment or alert",
            tag="cases",
            authz=READ,
            response=Attachment,
        ),
        ApiRoute(
            method="DELETE",
            path=f"{case}/comments/{{comment_id}}",
            handler=delete_comment,
            summary="Delete a case comment or alert",
            tag="cases",
            authz=WRITE,
            status=204,
        ),
        ApiRoute(
            method="POST",
            path=f"{internal}/attachments/_bulk_create",
            handler=bulk_create,
            summary="Add attachments to a case",
            tag="cases",
            authz=WRITE,
            access="internal",
            body=BulkCreateRequest,
            response=Case,
        ),
        ApiRoute(
            method="POST",
            path=f"{internal}/attachments/_bulk_get",
            handler=bulk_get,
            summary="Get attachments of a case",
            tag="cases",
            authz=READ,
            access="internal",
            body=BulkGetAttachmentsRequest,
            response=BulkGetAttachmentsResponse,
        ),
        ApiRoute(
            method="POST",
            path=f"{internal}/attachments/files/_bulk_delete",
            handler=bulk_delete_files,
            summary="Delete files of a case",
            tag="cases",
            authz=WRITE,
            access="internal",
            body=BulkDeleteFilesRequest,
            status=204,
        ),
        # Before `{case_id}/alerts`: a literal segment wins, as in hapi.
        ApiRoute(
            method="GET",
            path="/api/cases/alerts/{alert_id}",
            handler=cases_of_alert,
            summary="Get the cases an alert is attached to",
            tag="cases",
            authz=READ,
            query=CasesByAlertQuery,
            response=list[RelatedCase],
        ),
        ApiRoute(
            method="GET",
            path=f"{case}/alerts",
            handler=alerts_of_case,
            summary="Get the alerts attached to a case",
            tag="cases",
            authz=READ,
            response=list[AttachedAlert],
        ),
        ApiRoute(
            method="POST",
            path=f"{case}/files",
            handler=upload_file,
            summary="Attach a file to a case",
            tag="cases",
            authz=WRITE,
            body=FileUpload,
            body_media_type="multipart/form-data",
            response=Case,
        ),
        ApiRoute(
            method="POST",
            path="/api/files/files/{file_kind}/list",
            handler=list_files,
            summary="List case files",
            tag="files",
            authz=READ,
            query=FilesListQuery,
            body=FilesListRequest,
            response=FilesListResponse,
        ),
        ApiRoute(
            method="GET",
            path=files_path,
            handler=file_metadata,
            summary="Get a case file's metadata",
            tag="files",
            authz=READ,
            response=FileResponse,
        ),
        ApiRoute(
            method="GET",
            path=f"{files_path}/blob",
            handler=download_file,
            summary="Download a case file",
            tag="files",
            authz=READ,
            response_media_type="application/octet-stream",
        ),
        ApiRoute(
            method="GET",
            path=f"{files_path}/blob/{{file_name}}",
            handler=download_file,
            summary="Download a case file under a name",
            tag="files",
            authz=READ,
            response_media_type="application/octet-stream",
        ),
        ApiRoute(
            method="POST",
            path=f"{internal}/observables",
            handler=add_observable,
            summary="Add an observable to a case",
            tag="cases",
            authz=WRITE,
            access="internal",
            body=AddObservableRequest,
            response=Case,
        ),
        ApiRoute(
            method="POST",
            path=f"{internal}/observables/_bulk_create",
            handler=bulk_add_observables,
            summary="Add observables to a case",
            tag="cases",
            authz=WRITE,
            access="internal",
            body=BulkAddObservablesRequest,
            response=Case,
        ),
        ApiRoute(
            method="PATCH",
            path=f"{internal}/observables/{{observable_id}}",
            handler=update_observable,
            summary="Update an observable of a case",
            tag="cases",
            authz=WRITE,
            access="internal",
            body=UpdateObservableRequest,
            response=Case,
        ),
        ApiRoute(
            method="DELETE",
            path=f"{internal}/observables/{{observable_id}}",
            handler=delete_observable,
            summary="Delete an observable of a case",
            tag="cases",
            authz=WRITE,
            access="internal",
            status=204,
        ),
    ]
