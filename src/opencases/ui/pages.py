"""The web UI's pages and files, under Kibana's application paths.

The pages are one shell (`app.html`) whose scripts call the same API as every other
client, with the session cookie: what the UI does, the API does, and the other way round.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from opencases.kibana.errors import NotFound
from opencases.kibana.http import space_prefix

# Kibana's application paths of the cases of each owner, and the owner each shows.
CASES_APPS = {
    "/app/management/insightsAndAlerting/cases": "cases",
    "/app/security/cases": "securitySolution",
    "/app/observability/cases": "observability",
}
# Where `/` leads: the cases of Kibana's management application (owner `cases`).
DEFAULT_APP = next(iter(CASES_APPS))
CONNECTORS_APP = "/app/management/insightsAndAlerting/triggersActionsConnectors/connectors"
# What a browser may load and run on a page: this server's files, nothing inline, no
# frames at all; images also as data: URLs (avatars, pasted screenshots).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
    " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
_STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class Page:
    """A path of the web UI: for signed-in users only (others go to the login page), or not."""

    path: str
    render: Callable[[Request], Response]
    signed_in: bool = True


@dataclass(frozen=True, slots=True)
class _File:
    content: bytes
    # Compressed once, when read: most browsers accept it.
    gzipped: bytes
    media_type: str
    etag: str


# Each file as last read, by name, with the modification time it was read at: a file
# changed on disk (a new release, an edit while developing) is read again.
_files: dict[str, tuple[int, _File]] = {}


def _file(name: str) -> _File | None:
    """A file of the UI, or None when there is no such file."""
    if not name or name.startswith(".") or "/" in name.removeprefix("vendor/"):
        return None
    path = _STATIC.joinpath(*name.split("/"))
    try:
        status = path.stat()
    except OSError:
        return None
    cached = _files.get(name)
    if cached is not None and cached[0] == status.st_mtime_ns:
        return cached[1]
    if not stat.S_ISREG(status.st_mode):
        return None
    content = path.read_bytes()
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith((".js", ".mjs")):
        media_type = "text/javascript"
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    file = _File(content, gzip.compress(content, mtime=0), media_type, etag)
    _files[name] = (status.st_mtime_ns, file)
    return file


def _send(request: Request, name: str, *, cache_control: str) -> Response:
    file = _file(name)
    if file is None:
        raise NotFound()
    headers = {**_PAGE_HEADERS, "cache-control": cache_control, "vary": "accept-encoding"}
    content, etag = file.content, file.etag
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Another representation, so another entity tag.
        content, etag = file.gzipped, file.etag[:-1] + '-gzip"'
        headers["content-encoding"] = "gzip"
    headers["etag"] = etag
    # Revalidated on every load: a new release is seen at once, an unchanged file costs a 304.
    if request.headers.get("if-none-match") == etag:
        headers.pop("content-encoding", None)
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=file.media_type, headers=headers)


def _html(name: str) -> Callable[[Request], Response]:
    def render(request: Request) -> Response:
        return _send(request, name, cache_control="no-store")

    return render


def _asset(request: Request) -> Response:
    name = request.path_params["name"]
    folder = request.path_params.get("folder")
    return _send(request, f"{folder}/{name}" if folder else name, cache_control="no-cache")


def pages() -> list[Page]:
    """Every page and file of the web UI."""
    shell = _html("app.html")
    app_paths = [CONNECTORS_APP]
    for base in CASES_APPS:
        app_paths += [base, f"{base}/create", f"{base}/configure", f"{base}/{{case_id}}"]
    return [
        Page(path="/login", render=_html("login.html"), signed_in=False),
        Page(path="/ui/{name}", render=_asset, signed_in=False),
        Page(path="/ui/{folder}/{name}", render=_asset, signed_in=False),
        Page(path="/", render=_redirect(DEFAULT_APP)),
        Page(path="/app/cases", render=_redirect(DEFAULT_APP)),
        *(Page(path=path, render=shell) for path in app_paths),
    ]


def _redirect(path: str) -> Callable[[Request], Response]:
    def render(request: Request) -> Response:
        return Response(status_code=302, headers={"location": space_prefix(request) + path})

    return render
