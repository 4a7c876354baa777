"""Kibana's time format: UTC, ISO 8601 with milliseconds and `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def format_time(moment: datetime) -> str:
    """`2022-04-02T01:09:02.303Z` for a datetime."""
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond // 1000:03d}Z"
    )


def utc_now() -> str:
    """The current time in Kibana's format."""
    return format_time(datetime.now(UTC))


def parse_time(value: str) -> datetime:
    """A datetime from an ISO 8601 string (with `Z` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
