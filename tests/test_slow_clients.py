"""Clients that send slowly, never finish, or leave: a 408 or a closed socket, never a 500."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import socket
from pathlib import Path
from typing import Any

import msgspec
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from opencases.app import create_app
from opencases.logs import access_log
from opencases.settings import Settings
from tests.conftest import ELASTIC_PASSWORD, reset, snapshot
from tests.server import OPENCASES, running

CREDENTIALS = base64.b64encode(f"elastic:{ELASTIC_PASSWORD}".encode()).decode()
SPACE = b'{"id":"slow","name":"Slow","disabledFeatures":[]}'


def post_scope() -> dict[str, Any]:
    """An ASGI scope for POST /api/spaces/space as `elastic`, with kbn-xsrf."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/spaces/space",
        "raw_path": b"/api/spaces/space",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", f"Basic {CREDENTIALS}".encode()),
            (b"kbn-xsrf", b"true"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(SPACE)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def call(app: Starlette, receive_messages: list[Message], *, then: str) -> list[Message]:
    """Run one request whose body arrives as `receive_messages`, then stalls or disconnects."""
    pending = list(receive_messages)
    sent: list[Message] = []

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then == "disconnect":
            return {"type": "http.disconnect"}
        await asyncio.Event().wait()  # the rest of the body never comes
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(post_scope(), receive, send)
    return sent


@pytest.fixture
def access_lines(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The access log, as text lines in a buffer."""
    stream = io.StringIO()
    monkeypatch.setattr(access_log, "stream", stream)
    monkeypatch.setattr(access_log, "json", False)
    monkeypatch.setattr(access_log, "enabled", True)
    return stream


async def test_a_body_that_stops_coming_is_a_408_and_changes_nothing(
    settings: Settings, elastic_hash: str
) -> None:
    app = create_app(msgspec.structs.replace(settings, body_read_timeout_seconds=0.05))
    async with app.router.lifespan_context(app):
        db = app.state.opencases.db
        await reset(db, elastic_hash)
        before = await snapshot(db)
        sent = await call(
            app, [{"type": "http.request", "body": SPACE[:10], "more_body": True}], then="stall"
        )
        assert sent[0]["status"] == 408
        assert msgspec.json.decode(sent[1]["body"]) == {
            "statusCode": 408,
            "error": "Request Timeout",
            "message": "Request Timeout",
        }
        assert await snapshot(db) == before


async def test_a_client_leaving_mid_body_is_logged_at_debug_as_499_and_changes_nothing(
    app: Starlette, access_lines: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    db = app.state.opencases.db
    before = await snapshot(db)
    logger = logging.getLogger("opencases")
    # configure_logging (run by other tests) stops propagation to caplog's root handler.
    propagate, logger.propagate = logger.propagate, True
    try:
        with caplog.at_level(logging.DEBUG, logger="opencases"):
            sent = await call(
                app,
                [{"type": "http.request", "body": SPACE[:10], "more_body": True}],
                then="disconnect",
            )
    finally:
        logger.propagate = propagate
    # A client that left reads nothing; one whose body granian could not read gets a 400.
    assert [sent[0]["status"], msgspec.json.decode(sent[1]["body"])] == [
        400,
        {"statusCode": 400, "error": "Bad Request", "message": "Bad Request"},
    ]
    assert [(r.levelname, r.getMessage().split(" request_id=")[0]) for r in caplog.records] == [
        ("DEBUG", "client disconnected: POST /api/spaces/space")
    ]
    assert all(record.exc_info is None for record in caplog.records)
    access_log.flush()
    (line,) = access_lines.getvalue().splitlines()
    assert " POST /api/spaces/space 499 " in line
    assert await snapshot(db) == before


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@pytest.mark.e2e
def test_slow_clients_cannot_hold_connections_past_the_timeouts(
    tmp_path: Path, free_port: int
) -> None:
    env = {
        "OPENCASES_DATABASE_URL": f"sqlite:///{tmp_path / 'slow.db'}",
        "OPENCASES_ELASTIC_PASSWORD": ELASTIC_PASSWORD,
        "OPENCASES_HEADER_READ_TIMEOUT_SECONDS": "0.5",
        "OPENCASES_BODY_READ_TIMEOUT_SECONDS": "0.5",
    }
    with running(
        [str(OPENCASES), "serve"], port=free_port, env=env, log_file=tmp_path / "server.log"
    ):
        # A bound for a stuck test, not a speed assertion: the server closes long before.
        timeout = 20.0
        headers_never_end = socket.create_connection(("127.0.0.1", free_port), timeout=timeout)
        body_never_ends = socket.create_connection(("127.0.0.1", free_port), timeout=timeout)
        with headers_never_end, body_never_ends:
            headers_never_end.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n")
            body_never_ends.sendall(
                b"POST /api/spaces/space HTTP/1.1\r\nHost: x\r\n"
                + f"Authorization: Basic {CREDENTIALS}\r\n".encode()
                + b"kbn-xsrf: true\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(SPACE)}\r\nConnection: close\r\n\r\n".encode()
                + SPACE[:10]
            )
            assert read_until_closed(headers_never_end) == b""
            answer = read_until_closed(body_never_ends)
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 408 Request Timeout"
        assert rest.endswith(
            b'{"statusCode":408,"error":"Request Timeout","message":"Request Timeout"}'
        )
