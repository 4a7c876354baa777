"""Kibana's saved-object `version` token: base64 of JSON `[seq_no, primary_term]`."""

from __future__ import annotations

import base64
import binascii
import re

_TOKEN = re.compile(rb"\[(0|[1-9][0-9]{0,18}),1\]")


def encode_version(revision: int) -> str:
    """The version token for a stored revision, e.g. 177 -> `WzE3NywxXQ==`."""
    return base64.b64encode(f"[{revision},1]".encode()).decode()


def decode_version(token: str) -> int | None:
    """The revision a version token names, or None if it is not one of ours."""
    try:
        match = _TOKEN.fullmatch(base64.b64decode(token, validate=True))
    except (binascii.Error, ValueError):
        return None
    return int(match.group(1)) if match else None
