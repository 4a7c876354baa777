"""A ServiceNow that answers at once: the Table API's incident create, update and read.

The push scenario's external system, run on granian beside the server under load.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from bench.bare import lifespan

_numbers = itertools.count(1)


def _incident(sys_id: str) -> bytes:
    return json.dumps(
        {
            "result": {
                "sys_id": sys_id,
                "number": f"INC{sys_id}",
                "sys_created_on": "2026-12-02 10:00:00",
                "sys_updated_on": "2026-12-02 10:00:00",
            }
        }
    ).encode()


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Create (POST) a new incident; update (PATCH) or read (GET) the one the path names."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    more = True
    while more:  # the body is not read: it is drained
        more = (await receive()).get("more_body", False)
    if scope["method"] == "POST":
        status, body = 201, _incident(str(next(_numbers)))
    else:
        status, body = 200, _incident(scope["path"].rsplit("/", 1)[-1])
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_started: dict[str, Any] = {}


def url() -> str:
    """The fake's base URL, started on first use (stopped when the bench exits)."""
    if "url" in _started:
        return str(_started["url"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "granian"),
            "--interface=asgi",
            "--loop=asyncio",
            "--workers=1",
            "--no-ws",
            "--host=127.0.0.1",
            f"--port={port}",
            "bench.servicenow:app",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    atexit.register(lambda: os.killpg(process.pid, signal.SIGTERM))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/api/now/v2/table/incident/1", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    _started["url"] = base
    return base
