"""multipart/form-data case file uploads, read as they stream in: never whole in memory."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from opencases.cases.attachments.mime_types import lookup
from opencases.kibana.errors import BadRequest, KibanaError, PayloadTooLarge

# Bytes of an upload kept in memory before it spills to a temporary file.
SPOOL_BYTES = 1024 * 1024
# The most a text field (`filename`) or a part's headers may hold, and parts in a body.
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 16


class UnsupportedMediaType(KibanaError):
    """415: hapi's answer to a body of a type the route does not accept."""

    status_code = 415


class Upload:
    """The `file` part of an upload (spooled), its name and hashes, and the `filename` field."""

    def __init__(self) -> None:
        self.content: IO[bytes] | None = None
        self.part_filename: str | None = None
        self.mime_type: str | None = None
        self.size = 0
        self.hashes = {
            "md5": hashlib.md5(usedforsecurity=False),
            "sha1": hashlib.sha1(usedforsecurity=False),
            "sha256": hashlib.sha256(),
        }
        self.filename_field: str | None = None

    def close(self) -> None:
        """Drop the spooled content."""
        if self.content is not None:
            self.content.close()


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.field = b""
        self.value = b""
        self.name: str | None = None
        self.text = bytearray()
        self.is_file = False


def _disposition(headers: dict[bytes, bytes]) -> tuple[str | None, str | None]:
    _, options = parse_options_header(headers.get(b"content-disposition", b""))
    name = options.get(b"name")
    filename = options.get(b"filename")
    return (
        None if name is None else name.decode("utf-8", "replace"),
        None if filename is None else filename.decode("utf-8", "replace"),
    )


class _Reader:
    """python-multipart's callbacks: the `file` part to a spooled file, `filename` to text."""

    def __init__(self, upload: Upload, max_size: Callable[[str | None], int]) -> None:
        self.upload = upload
        self.max_size = max_size
        self.limit = 0
        self.parts: list[_Part] = []
        self.ended = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def begin(self) -> None:
        if len(self.parts) >= MAX_PARTS:
            raise BadRequest("Invalid multipart payload format")
        self.parts.append(_Part())

    def header_field(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        part.field += data[start:end]
        _check_field(part.field)

    def header_value(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        part.value += data[start:end]
        _check_field(part.value)

    def header_end(self) -> None:
        part = self.parts[-1]
        part.headers[part.field.lower()] = part.value
        part.field = part.value = b""

    def headers_finished(self) -> None:
        part, upload = self.parts[-1], self.upload
        part.name, filename = _disposition(part.headers)
        if part.name == "file" and filename is not None and upload.content is None:
            part.is_file = True
            upload.part_filename = filename
            upload.mime_type = lookup(_extension(filename))
            self.limit = self.max_size(upload.mime_type)
            upload.content = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115

    def data(self, chunk: bytes, start: int, end: int) -> None:
        part, upload = self.parts[-1], self.upload
        if part.is_file:
            assert upload.content is not None
            upload.size += end - start
            if upload.size > self.limit:
                raise PayloadTooLarge(f"Maximum of {self.limit} bytes exceeded")
            piece = chunk[start:end]
            upload.content.write(piece)
            for digest in upload.hashes.values():
                digest.update(piece)
        elif part.name == "filename":
            part.text += chunk[start:end]
            _check_field(part.text)

    def end(self) -> None:
        self.ended = True

    def part_end(self) -> None:
        part = self.parts[-1]
        if part.name == "filename" and not part.is_file and self.upload.filename_field is None:
            self.upload.filename_field = part.text.decode("utf-8", "replace")


async def read_upload(request: Request, *, max_size: Callable[[str | None], int]) -> Upload:
    """The upload of a POST .../files body; 413 as soon as the file passes `max_size(mime)`."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType("Unsupported Media Type")
    upload = Upload()
    reader = _Reader(upload, max_size)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        if not reader.ended:
            # A body cut off before its closing boundary is refused (hapi's answer), not
            # stored as a truncated file.
            raise BadRequest("Invalid multipart payload format")
    except KibanaError:
        upload.close()
        raise
    except Exception as error:
        upload.close()
        # python-multipart's errors name what is wrong with the body, not with the server.
        raise BadRequest("Invalid multipart payload format") from error
    except BaseException:
        upload.close()
        raise
    if upload.content is not None:
        upload.content.seek(0)
    return upload


def _check_field(value: bytes | bytearray) -> None:
    if len(value) > MAX_FIELD_BYTES:
        raise BadRequest("Invalid multipart payload format")


def _extension(filename: str) -> str:
    """Node's path.parse(filename).ext: from the last dot of the base name (not a leading one)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return "" if dot <= 0 else base[dot:]


def name_without_extension(filename: str) -> str:
    """Node's path.parse(filename).name."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    extension = _extension(filename)
    return base[: len(base) - len(extension)] if extension else base
