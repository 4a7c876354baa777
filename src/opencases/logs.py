"""Logging: one line per request, as text or as ECS JSON."""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec

from opencases.kibana.time import utc_now

access_log = logging.getLogger("opencases.access")
log = logging.getLogger("opencases")

# The request fields a log line may carry, by their ECS names.
_ECS_FIELDS = {
    "method": "http.request.method",
    "path": "url.path",
    "status": "http.response.status_code",
    "duration_ns": "event.duration",
    "user": "user.name",
    "request_id": "http.request.id",
}


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
        for name, ecs_name in _ECS_FIELDS.items():
            if hasattr(record, name):
                line[ecs_name] = getattr(record, name)
        if record.exc_info:
            line["error.stack_trace"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line).decode()


class TextFormatter(logging.Formatter):
    """Plain lines with a UTC timestamp."""

    def format(self, record: logging.LogRecord) -> str:
        """One text line for a record."""
        line = f"{utc_now()} {record.levelname:<7} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(*, log_format: str, level: str) -> None:
    """Send OpenCases' logs to stdout in the chosen format."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(EcsFormatter() if log_format == "json" else TextFormatter())
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


def log_request(
    *, method: str, path: str, status: int, duration_ns: int, user: str | None, request_id: str
) -> None:
    """The one line logged for every request."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    access_log.info(
        "%s %s %d %.1fms user=%s request_id=%s",
        method,
        path,
        status,
        duration_ns / 1e6,
        user or "-",
        request_id,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ns": duration_ns,
            "user": user,
            "request_id": request_id,
        },
    )
