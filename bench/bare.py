"""The floor: a bare ASGI app that answers every request with a small JSON body."""

from __future__ import annotations

from typing import Any

from starlette.types import Receive, Scope, Send

BODY = b'{"id":"default","name":"Default","disabledFeatures":[]}'
HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer 200 with BODY; accept the lifespan protocol."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown."""
    while True:
        message: dict[str, Any] = dict(await receive())
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
