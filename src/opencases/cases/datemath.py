"""Elasticsearch date math, as Kibana's `from` and `to` case filters use it (`now-1d/d`).

Kibana puts `from` and `to` in a KQL range on `created_at` (`>=` and `<=`), which Elasticsearch
reads in the field's format, `strict_date_optional_time||epoch_millis`, in UTC. A `<=` bound
is parsed rounding up: a date that leaves out its smaller fields (`2022-03-21`) stands for
the last millisecond they could name, and `/d` rounds to the end of the day.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone

_OPERATION = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")
# strict_date_optional_time: yyyy[-MM[-dd[Thh[:mm[:ss[.f]]]]]] and a zone after the time.
_DATE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)
_EPOCH_MILLIS = re.compile(r"-?\d+(?:\.\d+)?")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "H": 3600, "m": 60, "s": 1}


class InvalidDate(ValueError):
    """Not a date, nor date math."""


def _zone(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) > 2 else 0)
    return timezone(sign * timedelta(minutes=minutes))


def _date(text: str, *, round_up: bool) -> datetime:
    """A strict_date_optional_time date; its missing fields are the smallest, or the largest."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise InvalidDate(text)
    parts = match.groupdict()
    year = int(parts["year"])
    month = int(parts["month"] or (12 if round_up else 1))
    last_day = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 31
    fraction = parts["fraction"]
    if fraction is not None:
        microsecond = int(fraction.ljust(6, "0")[:6])
    else:
        microsecond = 999999 if round_up else 0
    moment = datetime(
        year,
        month,
        int(parts["day"] or (last_day if round_up else 1)),
        int(parts["hour"] or (23 if round_up else 0)),
        int(parts["minute"] or (59 if round_up else 0)),
        int(parts["second"] or (59 if round_up else 0)),
        microsecond,
        tzinfo=_zone(parts["zone"]),
    )
    return moment.astimezone(UTC)


def _anchor(text: str, now: datetime, *, round_up: bool) -> datetime:
    if text == "now":
        return now
    if _EPOCH_MILLIS.fullmatch(text) and not _DATE.fullmatch(text):
        return datetime.fromtimestamp(float(text) / 1000, tz=UTC)
    return _date(text, round_up=round_up)


def _add(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in ("y", "M"):
        months = moment.month - 1 + amount * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    return moment + timedelta(seconds=amount * _UNIT_SECONDS[unit])


def _round_down(moment: datetime, unit: str) -> datetime:
    if unit == "y":
        return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "M":
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":
        start = moment - timedelta(days=moment.weekday())
        return start.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit in ("h", "H"):
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "m":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)


def parse(text: str, *, now: datetime, round_up: bool = False) -> datetime:
    """The moment `text` names; `round_up` for a `<=` bound (the unit's last millisecond)."""
    if text.startswith("now"):
        anchor, math = "now", text[3:]
    elif "||" in text:
        anchor, math = text.split("||", 1)
    else:
        anchor, math = text, ""
    moment = _anchor(anchor, now, round_up=round_up)
    position = 0
    while position < len(math):
        match = _OPERATION.match(math, position)
        if match is None:
            raise InvalidDate(text)
        sign, amount, unit, rounding = match.groups()
        if rounding:
            moment = _round_down(moment, rounding)
            if round_up:
                moment = _add(moment, 1, rounding) - timedelta(milliseconds=1)
        else:
            moment = _add(moment, int(amount) * (1 if sign == "+" else -1), unit)
        position = match.end()
    return moment
