"""Time: a clock to read it from, and Kibana's format (UTC, ISO 8601 with milliseconds and `Z`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol, final


class Clock(Protocol):
    """Where the current time comes from: the system's, or a fixed one in tests."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@final
class SystemClock:
    """The system's clock, in UTC."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


SYSTEM_CLOCK: Clock = SystemClock()


def format_time(moment: datetime) -> str:
    """`2022-04-02T01:09:02.303Z` for a datetime."""
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond // 1000:03d}Z"
    )


_second = -1
_second_text = ""


def utc_now() -> str:
    """The current time in Kibana's format (the seconds part is formatted once a second)."""
    global _second, _second_text
    now = time.time()
    second = int(now)
    if second != _second:
        _second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = second
    return f"{_second_text}.{int((now - second) * 1000):03d}Z"


def parse_time(value: str) -> datetime:
    """A datetime from an ISO 8601 string (with `Z` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
