"""Case files: Kibana's post_file.ts and bulk_delete_file_attachments.ts, ported, and more.

x-pack/platform/test/cases_api_integration/security_and_spaces/tests/common/files/
post_file.ts (POST /api/cases/{case_id}/files) and tests/common/internal/
bulk_delete_file_attachments.ts (POST /internal/cases/{case_id}/attachments/files/
_bulk_delete); the downloads and metadata are Kibana's Files plugin routes
(GET /api/files/files/{fileKind}/{id}[/blob[/{fileName}]]). Kibana asserts only the
statuses of its 400s; the messages here are read against FileAttachmentMetadataPayloadRt,
the Files service and the cases client.

Skipped: the bulk-delete tests that create files through the Files plugin's own HTTP API
(files without a case attachment, other file kinds, malformed `meta`: OpenCases has no
such API, a file is always uploaded to a case), post_file_attachment.ts (the newest main's
unified attachments), and licensing. Kibana's superUser is our `elastic`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opencases.db import Database, connect
from opencases.settings import Settings
from tests.cases.conftest import (
    CASES_URL,
    ELASTIC,
    OBSERVABILITY,
    SECURITY,
    case_request,
    create_case,
    delete_cases,
    get_case,
    refusal,
    space_prefix,
    unchanged,
    user_actions,
)
from tests.configure.conftest import KibanaUsers
from tests.conftest import BACKENDS, fresh_database, snapshot, unused_port
from tests.server import OPENCASES, running

MiB = 1024 * 1024
BULK_DELETE = "attachments/files/_bulk_delete"
# Kibana's postFileReq (common/lib/mock.ts).
HELLO = b"Hello world"


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """The test settings; `cases_files_max_size` from an indirect parameter, if any."""
    return Settings(
        database_url=database_url,
        database_pool_size=4,
        cases_files_max_size=getattr(request, "param", None),
    )


def files_url(case_id: str, *, space: str | None = None) -> str:
    """A case's files route."""
    return f"{space_prefix(space)}{CASES_URL}/{case_id}/files"


def kind(owner: str = SECURITY) -> str:
    """Kibana's file kind of an owner's case files."""
    return f"{owner}FilesCases"


def file_url(file_id: str, owner: str = SECURITY, *, space: str | None = None) -> str:
    """The Files plugin's metadata route of a case file."""
    return f"{space_prefix(space)}/api/files/files/{kind(owner)}/{file_id}"


def blob_url(
    file_id: str, owner: str = SECURITY, name: str | None = None, *, space: str | None = None
) -> str:
    """The Files plugin's download route of a case file (optionally under a name)."""
    url = f"{file_url(file_id, owner, space=space)}/blob"
    return url if name is None else f"{url}/{name}"


def internal_url(case_id: str, path: str, *, space: str | None = None) -> str:
    """An internal route of a case."""
    return f"{space_prefix(space)}/internal/cases/{case_id}/{path}"


async def post_file(
    client: httpx.AsyncClient,
    case_id: str,
    name: str = "foobar.txt",
    content: bytes = HELLO,
    *,
    filename: str | None = None,
    space: str | None = None,
) -> httpx.Response:
    """Kibana's createFileAttachment: the `file` part (named `name`), a `filename` field if
    given."""
    data = None if filename is None else {"filename": filename}
    return await client.post(
        files_url(case_id, space=space),
        files={"file": (name, content, "application/octet-stream")},
        data=data,
    )


async def upload(
    client: httpx.AsyncClient,
    case_id: str,
    name: str = "foobar.txt",
    content: bytes = HELLO,
    *,
    filename: str | None = None,
    space: str | None = None,
) -> dict[str, Any]:
    """Upload a file, expect 200, return the case (with its comments)."""
    response = await post_file(client, case_id, name, content, filename=filename, space=space)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def upload_refused(
    client: httpx.AsyncClient,
    db: Database,
    case_id: str,
    status: int,
    message: str,
    name: str = "foobar.txt",
    content: bytes = HELLO,
    *,
    filename: str | None = None,
    space: str | None = None,
) -> None:
    """Upload a file OpenCases refuses with `status` and `message`; nothing is stored."""
    async with unchanged(db):
        response = await post_file(client, case_id, name, content, filename=filename, space=space)
    assert (response.status_code, response.json()) == (status, error_body(status, message))


def error_body(status: int, message: str) -> dict[str, Any]:
    """Kibana's error envelope, 413 included."""
    if status != 413:
        return refusal(status, message)
    return {"error": "Request Entity Too Large", "message": message, "statusCode": 413}


def file_attachment(
    case: dict[str, Any],
    name: str = "foobar",
    extension: str = "txt",
    mime_type: str = "text/plain",
    owner: str = SECURITY,
) -> dict[str, Any]:
    """The last attachment of a case, checked to be the `.files` attachment of a file."""
    attachment: dict[str, Any] = case["comments"][-1]
    metadata = attachment["externalReferenceMetadata"]
    assert attachment == {
        "id": attachment["id"],
        "version": attachment["version"],
        "type": "externalReference",
        "owner": owner,
        "created_at": attachment["created_at"],
        "created_by": ELASTIC,
        "pushed_at": None,
        "pushed_by": None,
        "updated_at": None,
        "updated_by": None,
        "externalReferenceAttachmentTypeId": ".files",
        "externalReferenceId": attachment["externalReferenceId"],
        "externalReferenceStorage": {"type": "savedObject", "soType": "file"},
        "externalReferenceMetadata": {
            "files": [
                {
                    "name": name,
                    "extension": extension,
                    "mimeType": mime_type,
                    "created": metadata["files"][0]["created"],
                }
            ]
        },
    }
    return attachment


def file_id_of(case: dict[str, Any]) -> str:
    """The file id of a case's last attachment."""
    file_id: str = case["comments"][-1]["externalReferenceId"]
    return file_id


async def download(
    client: httpx.AsyncClient,
    file_id: str,
    owner: str = SECURITY,
    name: str | None = None,
    *,
    space: str | None = None,
) -> httpx.Response:
    """Kibana's downloadFile: GET the blob, expect 200."""
    response = await client.get(blob_url(file_id, owner, name, space=space))
    assert response.status_code == 200, response.text
    return response


async def bulk_delete(
    client: httpx.AsyncClient,
    case_id: str,
    ids: list[str],
    expected: int = 204,
    *,
    space: str | None = None,
) -> httpx.Response:
    """Kibana's bulkDeleteFileAttachments: POST {ids}, assert the status."""
    response = await client.post(internal_url(case_id, BULK_DELETE, space=space), json={"ids": ids})
    assert response.status_code == expected, response.text
    return response


async def file_gone(client: httpx.AsyncClient, file_id: str, owner: str = SECURITY) -> None:
    """The file is neither described nor downloadable: Kibana's `File not found`."""
    for url in (file_url(file_id, owner), blob_url(file_id, owner)):
        response = await client.get(url)
        assert (response.status_code, response.json()) == (404, refusal(404, "File not found"))


async def stored_files(db: Database) -> int:
    """How many files (and pieces of files) are stored."""
    row = await db.fetch_one("SELECT count(*) AS total FROM case_files")
    assert row is not None
    return int(row["total"])


# --- POST /api/cases/{case_id}/files: happy path ---------------------------------------


async def test_a_file_is_posted_in_space1(client: httpx.AsyncClient, space1: Any) -> None:
    """post_file.ts: happy path, it('should post a file in space1')."""
    case = await create_case(client, space="space1")

    patched = await upload(client, case["id"], space="space1")

    attachment = file_attachment(patched)
    assert (
        attachment["externalReferenceMetadata"]["files"][0]["created"] <= (attachment["created_at"])
    )
    assert patched == {
        **case,
        "version": patched["version"],
        "updated_at": attachment["created_at"],
        "updated_by": ELASTIC,
        "comments": [attachment],
        "totalComment": 1,
        "totalAlerts": 0,
    }
    actions = await user_actions(client, case["id"], space="space1")
    request = {k: v for k, v in attachment.items() if k.startswith("externalReference")}
    assert actions[1:] == [
        {
            "type": "comment",
            "action": "create",
            "created_by": ELASTIC,
            "owner": SECURITY,
            "payload": {"comment": {**request, "type": "externalReference", "owner": SECURITY}},
            "comment_id": attachment["id"],
        }
    ]


async def test_the_file_is_described_and_downloaded(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after Kibana's Files plugin getById and download routes (the
    helpers getFileById and downloadFile of common/lib/api/files.ts)."""
    case = await create_case(client)
    patched = await upload(client, case["id"])
    attachment = file_attachment(patched)
    file_id = attachment["externalReferenceId"]
    created = attachment["externalReferenceMetadata"]["files"][0]["created"]

    described = await client.get(file_url(file_id))
    downloaded = await download(client, file_id)

    assert (described.status_code, described.json()) == (
        200,
        {
            "file": {
                "id": file_id,
                "name": "foobar",
                "mimeType": "text/plain",
                "size": len(HELLO),
                "created": created,
                "extension": "txt",
                "status": "READY",
                "meta": {"caseIds": [case["id"]], "owner": [SECURITY]},
                "updated": created,
                "fileKind": kind(),
                "hash": {
                    "md5": hashlib.md5(HELLO).hexdigest(),
                    "sha1": hashlib.sha1(HELLO).hexdigest(),
                    "sha256": hashlib.sha256(HELLO).hexdigest(),
                },
            }
        },
    )
    assert downloaded.content == HELLO
    assert {
        name: downloaded.headers[name]
        for name in (
            "content-type",
            "content-length",
            "content-disposition",
            "cache-control",
            "x-content-type-options",
        )
    } == {
        "content-type": "text/plain; charset=utf-8",
        "content-length": str(len(HELLO)),
        "content-disposition": "attachment; filename=foobar.txt",
        "cache-control": "max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
    }


async def test_a_download_may_name_the_file(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after the download route's `{fileName?}`: the name of the
    content-disposition, URL-encoded (core's fileResponseFactory)."""
    case = await create_case(client)
    file_id = file_id_of(await upload(client, case["id"], "a b é.txt", b"z"))

    default = await download(client, file_id)
    named = await download(client, file_id, name="other%20name.txt")

    assert default.headers["content-disposition"] == "attachment; filename=a%20b%20%C3%A9.txt"
    assert named.headers["content-disposition"] == "attachment; filename=other%20name.txt"
    assert default.content == named.content == b"z"


async def test_a_png_is_an_image(client: httpx.AsyncClient) -> None:
    """OpenCases' own: an image's bytes come back as sent, as image/png."""
    case = await create_case(client)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
    attachment = file_attachment(
        await upload(client, case["id"], "shot.png", png), "shot", "png", "image/png"
    )

    downloaded = await download(client, attachment["externalReferenceId"])

    assert downloaded.content == png
    assert downloaded.headers["content-type"] == "image/png"
    assert downloaded.headers["content-disposition"] == "attachment; filename=shot.png"


@pytest.mark.parametrize(
    ("name", "stored_name", "extension", "mime_type"),
    [
        ("x.JPG", "x", "jpeg", "image/jpeg"),
        ("a.b.tiff", "a.b", "tif", "image/tiff"),
        ("notes.log", "notes", "txt", "text/plain"),
        ("data.csv", "data", "csv", "text/csv"),
        ("data.json", "data", "json", "application/json"),
        ("report.pdf", "report", "pdf", "application/pdf"),
        ("archive.zip", "archive", "zip", "application/zip"),
        ("dir/in/path.txt", "path", "txt", "text/plain"),
    ],
)
async def test_the_mime_type_and_extension_follow_the_uploaded_name(
    client: httpx.AsyncClient, name: str, stored_name: str, extension: str, mime_type: str
) -> None:
    """OpenCases' own, after the route (path.parse of the part's filename, mime-types'
    lookup of its extension, any case) and the attachment (mime's extension of the type)."""
    case = await create_case(client)

    file_attachment(await upload(client, case["id"], name), stored_name, extension, mime_type)


async def test_a_filename_field_names_the_file(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after the route: the `filename` field is the name, verbatim (an
    extension and all); the MIME type still comes from the uploaded file's extension."""
    case = await create_case(client)

    patched = await upload(client, case["id"], "upload.png", b"png", filename="my name.txt")

    attachment = file_attachment(patched, "my name.txt", "png", "image/png")
    downloaded = await download(client, attachment["externalReferenceId"])
    assert downloaded.headers["content-disposition"] == ("attachment; filename=my%20name.txt.png")


async def test_a_name_of_160_characters_is_accepted(client: httpx.AsyncClient) -> None:
    """OpenCases' own, after MAX_FILENAME_LENGTH (160)."""
    case = await create_case(client)

    file_attachment(await upload(client, case["id"], "a" * 160 + ".txt"), "a" * 160)


async def test_an_empty_file_is_stored_and_downloads_as_no_content(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases' own, after the Files plugin's download route: size 0 answers 204."""
    case = await create_case(client)
    file_id = file_id_of(await upload(client, case["id"], "empty.txt", b""))

    response = await client.get(blob_url(file_id))

    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(file_url(file_id))).json()["file"]["size"] == 0


async def test_files_of_a_case_are_counted_among_its_comments(client: httpx.AsyncClient) -> None:
    """post_file.ts: `patchedCase.totalComment === comments.length`, over two files and a
    user comment."""
    case = await create_case(client)
    await upload(client, case["id"], "one.txt")
    response = await client.post(
        f"{CASES_URL}/{case['id']}/comments",
        json={"type": "user", "comment": "a comment", "owner": SECURITY},
    )
    assert response.status_code == 200, response.text

    patched = await upload(client, case["id"], "two.txt")

    assert patched["totalComment"] == len(patched["comments"]) == 3
    types = [comment["type"] for comment in patched["comments"]]
    assert types == ["externalReference", "user", "externalReference"]


# --- POST /api/cases/{case_id}/files: unhappy path --------------------------------------


async def test_a_file_without_a_filename_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_file.ts: unhappy path, it('should return a 400 when posting a file without a
    filename') (no extension either: both errors, joined)."""
    case = await create_case(client)

    await upload_refused(
        client,
        db,
        case["id"],
        400,
        'Invalid value "undefined" supplied to "mimeType",'
        "The filename field cannot be an empty string.",
        name="",
    )


async def test_a_blank_name_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own: the name is checked trimmed (limitedStringSchema)."""
    case = await create_case(client)

    await upload_refused(
        client, db, case["id"], 400, "The filename field cannot be an empty string.", "  .txt"
    )


async def test_a_filename_that_is_too_long_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    """post_file.ts: unhappy path, it('should return a 400 when posting a file with a
    filename that is too long') (Kibana's `Array(161).fill('a').toString()`, 321
    characters without an extension: both errors, joined)."""
    case = await create_case(client)

    await upload_refused(
        client,
        db,
        case["id"],
        400,
        'Invalid value "undefined" supplied to "mimeType",'
        "The length of the filename is too long. The maximum length is 160.",
        ",".join(["a"] * 161),
    )


async def test_a_name_of_161_characters_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own: one character over MAX_FILENAME_LENGTH."""
    case = await create_case(client)

    await upload_refused(
        client,
        db,
        case["id"],
        400,
        "The length of the filename is too long. The maximum length is 160.",
        "a" * 161 + ".txt",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("foobar.124zas", 'Invalid value "undefined" supplied to "mimeType"'),
        ("foobar", 'Invalid value "undefined" supplied to "mimeType"'),
        (".txt", 'Invalid value "undefined" supplied to "mimeType"'),
        ("setup.exe", "The mime type field value application/x-msdownload is not allowed."),
        ("page.htm", "The mime type field value text/html is not allowed."),
    ],
)
async def test_a_file_with_an_invalid_mime_type_is_refused(
    client: httpx.AsyncClient, db: Database, name: str, message: str
) -> None:
    """post_file.ts: unhappy path, it('should return a 400 when posting a file with an
    invalid mime type') (`foobar.124zas`), and the other names of no allowed type."""
    case = await create_case(client)

    await upload_refused(client, db, case["id"], 400, message, name)


async def test_a_file_for_an_unknown_case_is_404(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after addFile: the name is checked first, then the case."""
    await upload_refused(client, db, "fake-id", 404, "Saved object [cases/fake-id] not found")
    await upload_refused(
        client,
        db,
        "fake-id",
        400,
        "The mime type field value application/x-msdownload is not allowed.",
        "setup.exe",
    )


async def test_a_body_that_is_not_multipart_is_415(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after the route's `accepts: 'multipart/form-data'` (hapi's 415)."""
    case = await create_case(client)

    async with unchanged(db):
        response = await client.post(files_url(case["id"]), json={"file": "Hello world"})

    assert (response.status_code, response.json()) == (
        415,
        {"statusCode": 415, "error": "Unsupported Media Type", "message": "Unsupported Media Type"},
    )


@pytest.mark.parametrize("settings", [5], indirect=True)
async def test_the_size_setting_limits_every_file(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after xpack.cases.files.maxSize (`cases_files_max_size`): one byte
    over is 413 `Maximum of <n> bytes exceeded`, and nothing is stored."""
    case = await create_case(client)

    await upload_refused(
        client, db, case["id"], 413, "Maximum of 5 bytes exceeded", "six.png", b"123456"
    )

    patched = await upload(client, case["id"], "five.txt", b"12345")
    assert (await download(client, file_id_of(patched))).content == b"12345"


async def test_an_image_over_10_mib_is_refused_by_default(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after createMaxCallback: 10 MiB for an image when nothing is set."""
    case = await create_case(client)

    await upload_refused(
        client,
        db,
        case["id"],
        413,
        f"Maximum of {10 * MiB} bytes exceeded",
        "big.png",
        b"\0" * (10 * MiB + 1),
    )

    file_attachment(
        await upload(client, case["id"], "ok.png", b"\0" * (10 * MiB)), "ok", "png", "image/png"
    )


async def test_a_50_mib_file_uploads_and_downloads_identically(
    client: httpx.AsyncClient,
) -> None:
    """OpenCases' own: a 50 MiB zip (under the 100 MiB default of a non-image) comes back
    byte for byte, with its hashes."""
    case = await create_case(client)
    content = random.Random(50).randbytes(50 * MiB)

    patched = await upload(client, case["id"], "big.zip", content)

    file_id = file_attachment(patched, "big", "zip", "application/zip")["externalReferenceId"]
    downloaded = await download(client, file_id)
    assert downloaded.headers["content-length"] == str(50 * MiB)
    assert downloaded.content == content
    described = (await client.get(file_url(file_id))).json()["file"]
    assert (described["size"], described["hash"]["sha256"]) == (
        50 * MiB,
        hashlib.sha256(content).hexdigest(),
    )


BOUNDARY = "opencases-test-boundary"
PART_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n'
    "Content-Type: text/plain\r\n\r\n"
).encode()
PART_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


async def test_an_upload_cut_off_before_its_closing_boundary_stores_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own: a body that ends inside the file part (hapi/subtext's 400 `Invalid
    multipart payload format`) stores no file, no attachment, no user action."""
    case = await create_case(client)

    async def cut_body() -> AsyncIterator[bytes]:
        yield PART_HEAD
        yield b"x" * 100_000

    async with unchanged(db):
        response = await client.post(files_url(case["id"]), content=cut_body(), headers=MULTIPART)

    assert (response.status_code, response.json()) == (
        400,
        refusal(400, "Invalid multipart payload format"),
    )


async def test_an_upload_whose_stream_fails_stores_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own: the client's body fails mid-file; whatever the answer, nothing is
    stored."""
    case = await create_case(client)

    async def failing_body() -> AsyncIterator[bytes]:
        yield PART_HEAD
        yield b"x" * 100_000
        raise ConnectionResetError("the client went away")

    async with unchanged(db):
        try:
            response = await client.post(
                files_url(case["id"]), content=failing_body(), headers=MULTIPART
            )
        except ConnectionResetError:
            pass
        else:
            assert 400 <= response.status_code < 500, response.text


# --- POST /api/cases/{case_id}/files: rbac ----------------------------------------------


async def test_a_file_is_not_posted_for_an_owner_the_user_lacks(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """post_file.ts: rbac, it('should not post a file when the user does not have
    permissions for that owner') (obs_only, a securitySolution case in space1)."""
    case = await create_case(client, space="space1")

    user = await kibana_users("obs_only")

    await upload_refused(
        user,
        db,
        case["id"],
        403,
        f'Unauthorized to access case with owners: "{SECURITY}"',
        space="space1",
    )


@pytest.mark.parametrize(
    "username",
    ["global_read", "sec_only_read", "obs_only_read", "obs_sec_read", "no_kibana_privileges"],
)
async def test_users_who_may_not_create_comments_do_not_post_files(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """post_file.ts: rbac, `User ${username} with role(s) ${roles.join()} - should not post
    a file`. OpenCases refuses a caller who may create comments of no owner before it
    reads the body (Kibana reads the body, then refuses with the case's owner)."""
    case = await create_case(client, space="space1")

    user = await kibana_users(username)

    await upload_refused(
        user,
        db,
        case["id"],
        403,
        "Unauthorized to create comments of any owner",
        space="space1",
    )


async def test_a_file_is_not_posted_in_a_space_without_permissions(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """post_file.ts: rbac, it('should not post a file in a space the user does not have
    permissions for') (sec_only in space2)."""
    case = await create_case(client, space="space2")

    user = await kibana_users("sec_only")

    await upload_refused(
        user,
        db,
        case["id"],
        403,
        "Unauthorized to create comments of any owner",
        space="space2",
    )


async def test_a_user_with_the_owner_posts_a_file(
    client: httpx.AsyncClient, kibana_users: KibanaUsers
) -> None:
    """OpenCases' own: sec_only in space1 posts, and reads back, a file."""
    case = await create_case(client, space="space1")
    user = await kibana_users("sec_only")

    patched = await upload(user, case["id"], space="space1")

    assert patched["comments"][-1]["created_by"]["username"] == "sec_only"
    downloaded = await download(user, file_id_of(patched), space="space1")
    assert downloaded.content == HELLO


# --- GET /api/files/files/...: readers --------------------------------------------------


async def test_an_unknown_file_is_not_found(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after the Files plugin's getById helper: `File not found`; a file
    under another owner's kind is not found either."""
    case = await create_case(client)
    file_id = file_id_of(await upload(client, case["id"]))

    async with unchanged(db):
        await file_gone(client, "fake-id")
        await file_gone(client, file_id, OBSERVABILITY)


async def test_a_file_of_another_space_is_not_found(client: httpx.AsyncClient, space2: Any) -> None:
    """OpenCases' own: a file lives in its case's space."""
    case = await create_case(client, space="space2")
    file_id = file_id_of(await upload(client, case["id"], space="space2"))

    await file_gone(client, file_id)
    assert (await download(client, file_id, space="space2")).content == HELLO


@pytest.mark.parametrize(
    "username", ["global_read", "sec_only", "sec_only_read", "obs_sec", "obs_sec_read"]
)
async def test_readers_of_the_owner_download_its_files(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, username: str
) -> None:
    """OpenCases' own, after the cases file kinds' `<owner>FilesCasesRead` privilege."""
    case = await create_case(client, space="space1")
    file_id = file_id_of(await upload(client, case["id"], space="space1"))
    user = await kibana_users(username)

    assert (await download(user, file_id, space="space1")).content == HELLO
    response = await user.get(file_url(file_id, space="space1"))
    assert (response.status_code, response.json()["file"]["id"]) == (200, file_id)


@pytest.mark.parametrize("username", ["obs_only", "obs_only_read", "no_kibana_privileges"])
async def test_users_without_the_owners_read_privilege_are_refused(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str
) -> None:
    """OpenCases' own, after Kibana's route privilege check (`requiredPrivileges` of the
    file kind): 403 naming the API and the privilege."""
    case = await create_case(client, space="space1")
    file_id = file_id_of(await upload(client, case["id"], space="space1"))
    user = await kibana_users(username)

    async with unchanged(db):
        for path in (
            f"/api/files/files/{kind()}/{file_id}",
            f"/api/files/files/{kind()}/{file_id}/blob",
            f"/api/files/files/{kind()}/{file_id}/blob/x.txt",
        ):
            response = await user.get(f"/s/space1{path}")
            assert (response.status_code, response.json()) == (
                403,
                refusal(
                    403,
                    f"API [GET {path}] is unauthorized for user, this action is granted by"
                    f" the Kibana privileges [{kind()}Read]",
                ),
            )


# --- what deletes a file ------------------------------------------------------------------


async def test_deleting_the_case_deletes_its_files(client: httpx.AsyncClient, db: Database) -> None:
    """OpenCases' own, after deleteCases (`getFileEntities` then `deleteFiles`): the files
    of a deleted case go; another case's stay."""
    gone = await create_case(client)
    kept = await create_case(client)
    gone_ids = [file_id_of(await upload(client, gone["id"], f"{n}.txt")) for n in range(2)]
    kept_id = file_id_of(await upload(client, kept["id"]))

    await delete_cases(client, [gone["id"]])

    for file_id in gone_ids:
        await file_gone(client, file_id)
    assert (await download(client, kept_id)).content == HELLO
    assert await stored_files(db) == 1


async def test_deleting_the_files_attachment_deletes_the_file(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own choice: Kibana's DELETE of a comment leaves the file behind, orphaned
    (downloadable, listed by no case); OpenCases deletes a case file with its `.files`
    attachment, one way or the other (one comment, or all of them)."""
    case = await create_case(client)
    first = file_attachment(await upload(client, case["id"], "one.txt"), "one")
    second = file_attachment(await upload(client, case["id"], "two.txt"), "two")

    response = await client.delete(f"{CASES_URL}/{case['id']}/comments/{first['id']}")
    assert response.status_code == 204, response.text
    await file_gone(client, first["externalReferenceId"])
    assert (await download(client, second["externalReferenceId"])).content == HELLO

    response = await client.delete(f"{CASES_URL}/{case['id']}/comments")
    assert response.status_code == 204, response.text
    await file_gone(client, second["externalReferenceId"])
    assert await stored_files(db) == 0


# --- POST /internal/cases/{case_id}/attachments/files/_bulk_delete ----------------------


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "The length of the field ids is too short. Array must be of length >= 1."),
        (["abc", ""], "The ids field cannot be an empty string."),
        (
            [f"id-{n}" for n in range(11)],
            "The length of the field ids is too long. Array must be of length <= 10.",
        ),
    ],
    ids=["no ids", "an empty id", "11 ids"],
)
async def test_a_bulk_delete_of_bad_ids_is_refused(
    client: httpx.AsyncClient, db: Database, ids: list[str], message: str
) -> None:
    """bulk_delete_file_attachments.ts: failures, it('returns a 400 when the fileIds is an
    empty array'), it('returns a 400 when the a fileId is an empty string'),
    it('returns a 400 when there are 11 ids being deleted')."""
    case = await create_case(client)
    await upload(client, case["id"])

    async with unchanged(db):
        response = await bulk_delete(client, case["id"], ids, 400)

    assert response.json() == refusal(400, message)


async def test_a_file_of_another_case_is_refused(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_delete_file_attachments.ts: failures, it('fails to delete a file when the case
    id does not match the id in the request'): the invalid ids, in the request's order,
    joined as JavaScript joins an array."""
    case = await create_case(client)
    other = await create_case(client)
    own = file_id_of(await upload(client, case["id"]))
    foreign = [file_id_of(await upload(client, other["id"], f"{n}.txt")) for n in range(2)]

    async with unchanged(db):
        one = await bulk_delete(client, case["id"], [own, foreign[1]], 400)
        two = await bulk_delete(client, case["id"], [foreign[1], own, foreign[0]], 400)

    assert one.json() == refusal(
        400, f"Failed to delete files because filed ids were invalid: {foreign[1]}"
    )
    assert two.json() == refusal(
        400, f"Failed to delete files because filed ids were invalid: {foreign[1]},{foreign[0]}"
    )


async def test_a_bulk_delete_in_an_unknown_case_is_404(
    client: httpx.AsyncClient, db: Database
) -> None:
    """OpenCases' own, after bulkDeleteFileAttachments (`cases.resolve` of the case)."""
    async with unchanged(db):
        response = await bulk_delete(client, "fake-id", ["abc"], 404)

    assert response.json() == refusal(404, "Saved object [cases/fake-id] not found")


async def test_an_unknown_file_is_ignored(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_delete_file_attachments.ts: it('returns a 204 when the file does not exist')."""
    case = await create_case(client)
    await upload(client, case["id"])

    async with unchanged(db):
        response = await bulk_delete(client, case["id"], ["abc"])

    assert response.content == b""


async def test_a_single_file_is_deleted_with_its_attachment(
    client: httpx.AsyncClient, db: Database
) -> None:
    """bulk_delete_file_attachments.ts: when there are case attachments, it('deletes a
    single file'): the file and its attachment go, with a `comment` `delete` user action."""
    case = await create_case(client)
    patched = await upload(client, case["id"])
    attachment = file_attachment(patched)

    await bulk_delete(client, case["id"], [attachment["externalReferenceId"], "abc"])

    await file_gone(client, attachment["externalReferenceId"])
    response = await client.get(f"{CASES_URL}/{case['id']}/comments/{attachment['id']}")
    assert (response.status_code, response.json()) == (
        404,
        refusal(404, f"Saved object [cases-comments/{attachment['id']}] not found"),
    )
    after = await get_case(client, case["id"])
    assert (after["totalComment"], after["updated_by"]) == (0, ELASTIC)
    request = {k: v for k, v in attachment.items() if k.startswith("externalReference")}
    assert (await user_actions(client, case["id"]))[-1] == {
        "type": "comment",
        "action": "delete",
        "created_by": ELASTIC,
        "owner": SECURITY,
        "payload": {"comment": {**request, "type": "externalReference", "owner": SECURITY}},
        "comment_id": attachment["id"],
    }
    assert await stored_files(db) == 0


async def test_multiple_files_are_deleted(client: httpx.AsyncClient, db: Database) -> None:
    """bulk_delete_file_attachments.ts: when there are case attachments, it('deletes
    multiple files') (`_bulk_get` then finds neither attachment)."""
    case = await create_case(client)
    first = file_attachment(await upload(client, case["id"], "one.txt"), "one")
    second = file_attachment(await upload(client, case["id"], "two.txt"), "two")
    kept = file_attachment(await upload(client, case["id"], "three.txt"), "three")

    await bulk_delete(
        client, case["id"], [first["externalReferenceId"], second["externalReferenceId"]]
    )

    response = await client.post(
        internal_url(case["id"], "attachments/_bulk_get"),
        json={"ids": [first["id"], second["id"], kept["id"]]},
    )
    assert response.status_code == 200, response.text
    found = response.json()
    assert [a["id"] for a in found["attachments"]] == [kept["id"]]
    assert [e["status"] for e in found["errors"]] == [404, 404]
    actions = await user_actions(client, case["id"])
    assert [(a["action"], a["comment_id"]) for a in actions[-2:]] == [
        ("delete", first["id"]),
        ("delete", second["id"]),
    ]
    assert await stored_files(db) == 1
    assert (await download(client, kept["externalReferenceId"])).content == HELLO


@pytest.mark.parametrize(
    ("username", "owner"),
    [
        ("obs_only", OBSERVABILITY),
        ("sec_only", SECURITY),
        ("obs_sec", SECURITY),
        ("obs_sec", OBSERVABILITY),
    ],
)
async def test_users_with_the_owner_delete_files(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, owner: str
) -> None:
    """bulk_delete_file_attachments.ts: rbac, `returns a 204 when the user is ${user} and
    the owner is ${owner} when an attachment exists`."""
    case = await create_case(client, case_request(owner=owner), space="space1")
    file_id = file_id_of(await upload(client, case["id"], space="space1"))

    await bulk_delete(await kibana_users(username), case["id"], [file_id], space="space1")

    assert await stored_files(db) == 0


@pytest.mark.parametrize(
    ("username", "owner"),
    [
        ("obs_only", SECURITY),
        ("global_read", SECURITY),
        ("sec_only_read", SECURITY),
        ("obs_only_read", SECURITY),
        ("obs_sec_read", SECURITY),
        ("no_kibana_privileges", SECURITY),
        ("sec_only", OBSERVABILITY),
    ],
)
async def test_users_without_the_owner_do_not_delete_files(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database, username: str, owner: str
) -> None:
    """bulk_delete_file_attachments.ts: rbac, `returns a 403 for user ${user} when
    attempting to delete a file with owner ${owner}` (readers of the case are refused
    the deletion; others the case itself)."""
    case = await create_case(client, case_request(owner=owner), space="space1")
    file_id = file_id_of(await upload(client, case["id"], space="space1"))
    readers = {"global_read", "sec_only_read", "obs_sec_read"}
    message = (
        f'Unauthorized to delete comments with owners: "{owner}"'
        if username in readers
        else f'Unauthorized to access case with owners: "{owner}"'
    )

    user = await kibana_users(username)

    async with unchanged(db):
        response = await bulk_delete(user, case["id"], [file_id], 403, space="space1")

    assert response.json() == refusal(403, message)


async def test_files_are_not_deleted_in_a_space_without_permissions(
    client: httpx.AsyncClient, kibana_users: KibanaUsers, db: Database
) -> None:
    """bulk_delete_file_attachments.ts: rbac, it('returns a 403 when attempting to delete
    files from a space the user does not have permissions to')."""
    case = await create_case(client, space="space2")
    file_id = file_id_of(await upload(client, case["id"], space="space2"))

    user = await kibana_users("sec_only")

    async with unchanged(db):
        response = await bulk_delete(user, case["id"], [file_id], 403, space="space2")

    assert response.json() == refusal(403, f'Unauthorized to access case with owners: "{SECURITY}"')


# --- a real server: memory, and a client that goes away ---------------------------------

PASSWORD = "files-e2e-elastic-password"
BIG = 50 * MiB


def descendants(pid: int) -> list[int]:
    """A process and every process under it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def memory_kib(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory field (VmRSS, VmHWM), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def reset_peaks(pids: list[int]) -> dict[int, int]:
    """Reset each process's peak resident memory (VmHWM) to its current; the current RSS."""
    for pid in pids:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    return {pid: memory_kib(pid, "VmRSS") for pid in pids}


def peak_growth_bytes(before: dict[int, int]) -> int:
    """How far the processes' resident memory rose, at its peak, over `before` (summed)."""
    return sum(max(0, memory_kib(pid, "VmHWM") - rss) for pid, rss in before.items()) * 1024


def big_body(digest: Any) -> Iterator[bytes]:
    """A multipart body of one 50 MiB `big.zip`, made as it is sent; `digest` sees the file."""
    yield PART_HEAD.replace(b"cut.txt", b"big.zip").replace(b"text/plain", b"application/zip")
    for n in range(BIG // MiB):
        piece = random.Random(n).randbytes(MiB)
        digest.update(piece)
        yield piece
    yield PART_TAIL


class E2EServer:
    """A running `opencases serve` and what a test needs of it."""

    def __init__(self, base_url: str, port: int, pid: int, database_url: str) -> None:
        self.base_url = base_url
        self.port = port
        self.pid = pid
        self.database_url = database_url

    def client(self) -> httpx.Client:
        """A client as elastic, with Kibana's headers."""
        return httpx.Client(
            base_url=self.base_url,
            auth=("elastic", PASSWORD),
            headers={"kbn-xsrf": "true", "x-elastic-internal-origin": "Kibana"},
            timeout=120,
        )

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row, read beside the server."""
        db = await connect(self.database_url, pool_size=1)
        try:
            return await snapshot(db)
        finally:
            await db.close()


@pytest.fixture(scope="module", params=BACKENDS)
def e2e_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[E2EServer]:
    """`opencases serve` (one worker) on a fresh database of each backend."""
    directory: Path = tmp_path_factory.mktemp("files-e2e")
    port = unused_port()
    with fresh_database(request.param, directory) as database_url:
        env = {"OPENCASES_DATABASE_URL": database_url, "OPENCASES_ELASTIC_PASSWORD": PASSWORD}
        with running(
            [str(OPENCASES), "serve"], port=port, env=env, log_file=directory / "server.log"
        ) as process:
            yield E2EServer(f"http://127.0.0.1:{port}", port, process.pid, database_url)


@pytest.mark.e2e
def test_a_50_mib_upload_grows_the_server_by_less_than_twice_its_size(
    e2e_server: E2EServer,
) -> None:
    """OpenCases' own: an upload streams to the database (a spooled file, then pieces of a
    MiB), a download streams back; neither holds the file twice in the server's memory."""
    with e2e_server.client() as client:
        case = client.post(CASES_URL, json=case_request()).json()
        # Warm up: the upload and download code paths, loaded before measuring.
        warm = client.post(files_url(case["id"]), files={"file": ("warm.zip", b"PK")})
        assert warm.status_code == 200, warm.text
        assert client.get(blob_url(file_id_of(warm.json()))).status_code == 200
        pids = descendants(e2e_server.pid)
        digest = hashlib.sha256()

        before = reset_peaks(pids)
        response = client.post(
            files_url(case["id"]),
            content=big_body(digest),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        upload_growth = peak_growth_bytes(before)

        assert response.status_code == 200, response.text
        file_id = file_id_of(response.json())
        before = reset_peaks(pids)
        downloaded = hashlib.sha256()
        size = 0
        with client.stream("GET", blob_url(file_id)) as streamed:
            assert streamed.status_code == 200
            for piece in streamed.iter_bytes():
                downloaded.update(piece)
                size += len(piece)
        download_growth = peak_growth_bytes(before)

    assert (size, downloaded.hexdigest()) == (BIG, digest.hexdigest())
    assert upload_growth < 2 * BIG, f"upload grew the server by {upload_growth / MiB:.1f} MiB"
    assert download_growth < 2 * BIG, f"download grew it by {download_growth / MiB:.1f} MiB"


@pytest.mark.e2e
async def test_a_client_gone_mid_upload_leaves_nothing_stored(e2e_server: E2EServer) -> None:
    """OpenCases' own: the client declares a 2 MiB body, sends half, and closes the
    connection; the server stores nothing of it."""
    with e2e_server.client() as client:
        case = client.post(CASES_URL, json=case_request()).json()
    before = await e2e_server.snapshot()
    body = PART_HEAD + b"x" * MiB
    head = (
        f"POST {files_url(case['id'])} HTTP/1.1\r\nHost: opencases\r\n"
        f"Authorization: Basic {base64.b64encode(f'elastic:{PASSWORD}'.encode()).decode()}\r\n"
        f"kbn-xsrf: true\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body) + MiB + len(PART_TAIL)}\r\n\r\n"
    ).encode()

    with socket.create_connection(("127.0.0.1", e2e_server.port), timeout=30) as connection:
        connection.sendall(head + body)
        await asyncio.sleep(0.5)

    # The server notices the end of the connection; give it time to finish with the request.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        assert await e2e_server.snapshot() == before
    os.kill(e2e_server.pid, 0)  # and the server still runs
