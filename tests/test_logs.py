"""The logs: one line per request and per record, whatever a client or a remote system sends."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest

from opencases.logs import EcsFormatter, TextFormatter, access_log

FORGED = "\n2099-01-01T00:00:00.000Z INFO    POST /api/security/role/admin 204 1.0ms user=elastic"


@pytest.fixture
def access_lines(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The access log written to a buffer, as text lines."""
    stream = io.StringIO()
    monkeypatch.setattr(access_log, "stream", stream)
    monkeypatch.setattr(access_log, "json", False)
    monkeypatch.setattr(access_log, "enabled", True)
    return stream


async def test_a_path_cannot_write_a_line_of_its_own(
    anonymous: httpx.AsyncClient, access_lines: io.StringIO
) -> None:
    response = await anonymous.get("/api/x%0A2099-01-01%1b[31m%E2%80%A8end")
    assert response.status_code == 404
    access_log.flush()
    lines = access_lines.getvalue().splitlines()
    assert len(lines) == 1
    assert " GET /api/x\\x0a2099-01-01\\x1b[31m\\u2028end 404 " in lines[0]


async def test_a_forged_line_in_the_path_stays_on_the_request_line(
    anonymous: httpx.AsyncClient, access_lines: io.StringIO
) -> None:
    await anonymous.get("/api/spaces/space/x" + FORGED.replace(" ", "%20").replace("\n", "%0A"))
    access_log.flush()
    (line,) = access_lines.getvalue().splitlines()
    assert "/api/spaces/space/x\\x0a2099-01-01T00:00:00.000Z INFO " in line
    assert line.endswith(f"request_id={line.rsplit('=', 1)[1]}")


def record(message: str) -> logging.LogRecord:
    """A log record of `message`, as a connector failure writes it."""
    return logging.LogRecord("opencases", logging.WARNING, __file__, 1, message, None, None)


def test_text_records_escape_control_characters() -> None:
    line = TextFormatter().format(record(f"connector x failed: refused{FORGED}\r\x00"))
    assert "\n" not in line
    assert line.endswith(
        "connector x failed: refused\\x0a2099-01-01T00:00:00.000Z INFO    POST"
        " /api/security/role/admin 204 1.0ms user=elastic\\x0d\\x00"
    )


def test_json_records_keep_the_message_as_sent_in_one_line() -> None:
    line = EcsFormatter().format(record(f"refused{FORGED}"))
    assert "\n" not in line
    assert json.loads(line)["message"] == f"refused{FORGED}"
