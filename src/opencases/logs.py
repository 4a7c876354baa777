"""Logging: one line per request, as text or as ECS JSON."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, TextIO

import msgspec

from opencases.kibana.time import utc_now

log = logging.getLogger("opencases")

# Request lines are written in batches: at most this long after the request ends.
FLUSH_SECONDS = 0.05
_encode = msgspec.json.Encoder().encode

# Control characters (C0, DEL, C1) and Unicode's line and paragraph separators, written
# as escapes: a text line must end where the log writer ends it, whatever a client sent
# (a percent-decoded path, a username, an external system's error text).
_ESCAPES = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
}


def printable(text: str) -> str:
    """`text` with its control characters escaped, so it stays on one log line."""
    return text if text.isprintable() else text.translate(_ESCAPES)


class EcsFormatter(logging.Formatter):
    """ECS-style JSON lines."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object for a record."""
        line: dict[str, Any] = {
            "@timestamp": utc_now(),
            "log.level": record.levelname.lower(),
            "log.logger": record.name,
            "message": record.getMessage(),
            "ecs.version": "8.11.0",
        }
        if record.exc_info:
            line["error.stack_trace"] = self.formatException(record.exc_info)
        return _encode(line).decode()


class TextFormatter(logging.Formatter):
    """Plain lines with a UTC timestamp."""

    def format(self, record: logging.LogRecord) -> str:
        """One text line for a record."""
        line = f"{utc_now()} {record.levelname:<7} {printable(record.getMessage())}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class AccessLog:
    """The one line per request, written straight to the stream in batches.

    Python's logging machinery costs as much as the rest of a small request, and so does a
    write to the stream per request: a request formats its line (the cost stays spread
    out, so no request waits behind a burst of formatting), and the lines pending are
    written together, at most FLUSH_SECONDS later.
    """

    def __init__(self, *, stream: TextIO, json: bool, enabled: bool) -> None:
        self.stream = stream
        self.json = json
        self.enabled = enabled
        self._pending: list[str] = []

    def write(
        self,
        *,
        method: str,
        path: str,
        status: int,
        duration_ns: int,
        user: str | None,
        request_id: str,
    ) -> None:
        """Log one request."""
        if not self.enabled:
            return
        if not self._pending:
            self._schedule_flush()
        if self.json:
            line = _encode(
                {
                    "@timestamp": utc_now(),
                    "log.level": "info",
                    "log.logger": "opencases.access",
                    "message": f"{method} {path} {status}",
                    "ecs.version": "8.11.0",
                    "http.request.method": method,
                    "url.path": path,
                    "http.response.status_code": status,
                    "event.duration": duration_ns,
                    "user.name": user,
                    "http.request.id": request_id,
                }
            ).decode()
        else:
            line = (
                f"{utc_now()} INFO    {printable(method)} {printable(path)} {status}"
                f" {duration_ns / 1e6:.1f}ms user={printable(user or '-')} request_id={request_id}"
            )
        self._pending.append(line + "\n")

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # written by the next flush(), e.g. at shutdown
        loop.call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        """Write out what is pending."""
        pending, self._pending = self._pending, []
        if pending:
            self.stream.write("".join(pending))
        self.stream.flush()


access_log = AccessLog(stream=sys.stdout, json=False, enabled=True)


def configure_logging(*, log_format: str, level: str) -> None:
    """Send OpenCases' logs to stdout in the chosen format."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(EcsFormatter() if log_format == "json" else TextFormatter())
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False
    access_log.stream = sys.stdout
    access_log.json = log_format == "json"
    access_log.enabled = log.isEnabledFor(logging.INFO)
