"""Kibana's ALLOWED_MIME_TYPES for case files, and the names of file extensions.

From x-pack/platform/plugins/shared/cases/common/constants/mime_types.ts: images, then
text, compressed and PDF files, in Kibana's order.
"""

from __future__ import annotations

import mimetypes

IMAGE_MIME_TYPES = (
    "image/aces",
    "image/apng",
    "image/avci",
    "image/avcs",
    "image/avif",
    "image/bmp",
    "image/cgm",
    "image/dicom-rle",
    "image/dpx",
    "image/emf",
    "image/example",
    "image/fits",
    "image/g3fax",
    "image/heic",
    "image/heic-sequence",
    "image/heif",
    "image/heif-sequence",
    "image/hej2k",
    "image/hsj2",
    "image/jls",
    "image/jp2",
    "image/jpeg",
    "image/jph",
    "image/jphc",
    "image/jpm",
    "image/jpx",
    "image/jxr",
    "image/jxrA",
    "image/jxrS",
    "image/jxs",
    "image/jxsc",
    "image/jxsi",
    "image/jxss",
    "image/ktx",
    "image/ktx2",
    "image/naplps",
    "image/png",
    "image/prs.btif",
    "image/prs.pti",
    "image/pwg-raster",
    "image/svg+xml",
    "image/t38",
    "image/tiff",
    "image/tiff-fx",
    "image/vnd.adobe.photoshop",
    "image/vnd.airzip.accelerator.azv",
    "image/vnd.cns.inf2",
    "image/vnd.dece.graphic",
    "image/vnd.djvu",
    "image/vnd.dwg",
    "image/vnd.dxf",
    "image/vnd.dvb.subtitle",
    "image/vnd.fastbidsheet",
    "image/vnd.fpx",
    "image/vnd.fst",
    "image/vnd.fujixerox.edmics-mmr",
    "image/vnd.fujixerox.edmics-rlc",
    "image/vnd.globalgraphics.pgb",
    "image/vnd.microsoft.icon",
    "image/vnd.mix",
    "image/vnd.ms-modi",
    "image/vnd.mozilla.apng",
    "image/vnd.net-fpx",
    "image/vnd.pco.b16",
    "image/vnd.radiance",
    "image/vnd.sealed.png",
    "image/vnd.sealedmedia.softseal.gif",
    "image/vnd.sealedmedia.softseal.jpg",
    "image/vnd.svf",
    "image/vnd.tencent.tap",
    "image/vnd.valve.source.texture",
    "image/vnd.wap.wbmp",
    "image/vnd.xiff",
    "image/vnd.zbrush.pcx",
    "image/webp",
    "image/wmf",
)
TEXT_MIME_TYPES = ("text/plain", "text/csv", "text/json", "application/json")
COMPRESSION_MIME_TYPES = (
    "application/zip",
    "application/gzip",
    "application/x-bzip",
    "application/x-bzip2",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/x-zip-compressed",
)
PDF_MIME_TYPES = ("application/pdf",)
ALLOWED_MIME_TYPES = frozenset(
    (*IMAGE_MIME_TYPES, *TEXT_MIME_TYPES, *COMPRESSION_MIME_TYPES, *PDF_MIME_TYPES)
)

# mime-types' lookup (what Kibana's route uses), where Python's own table differs or lacks.
_BY_EXTENSION = {
    "7z": "application/x-7z-compressed",
    "apng": "image/apng",
    "avif": "image/avif",
    "bz": "application/x-bzip",
    "bz2": "application/x-bzip2",
    "exe": "application/x-msdownload",
    "gz": "application/gzip",
    "heic": "image/heic",
    "heif": "image/heif",
    "ico": "image/vnd.microsoft.icon",
    "jp2": "image/jp2",
    "log": "text/plain",
    "psd": "image/vnd.adobe.photoshop",
    "tgz": "application/gzip",
    "webp": "image/webp",
    "wmf": "image/wmf",
    "zip": "application/zip",
}
# The `mime` package's getExtension (what Kibana records), where it is not the subtype.
_EXTENSIONS = {
    "application/gzip": "gz",
    "application/x-7z-compressed": "7z",
    "application/x-bzip": "bz",
    "application/x-bzip2": "bz2",
    "application/x-tar": "tar",
    "application/x-zip-compressed": "zip",
    "image/jpeg": "jpeg",
    "image/svg+xml": "svg",
    "image/tiff": "tif",
    "image/vnd.microsoft.icon": "ico",
    "image/vnd.adobe.photoshop": "psd",
    "text/plain": "txt",
}
# Python's built-in table only: the machine's /etc/mime.types must not change answers.
_PYTHON_TYPES = mimetypes.MimeTypes()


def lookup(extension: str) -> str | None:
    """The MIME type of a file extension (`.png`, any case), or None if unknown."""
    key = extension.lower().lstrip(".")
    if not key:
        return None
    return _BY_EXTENSION.get(key) or _PYTHON_TYPES.types_map[True].get(f".{key}")


def extension_of(mime_type: str) -> str:
    """The extension Kibana's Files service records for a MIME type."""
    return _EXTENSIONS.get(mime_type, mime_type.split("/")[-1])
