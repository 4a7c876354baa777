"""Elasticsearch date math, as Kibana's `from` and `to` case filters use it (`now-1d/d`)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

_OPERATION = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")
_UNITS = {"y", "M", "w", "d", "h", "H", "m", "s"}


class InvalidDate(ValueError):
    """Not a date, nor date math."""


def _anchor(text: str, now: datetime) -> datetime:
    if text == "now":
        return now
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        if text.isdigit():  # epoch milliseconds
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        raise InvalidDate(text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _add(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in ("y", "M"):
        months = moment.month - 1 + amount * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    seconds = {"w": 604800, "d": 86400, "h": 3600, "H": 3600, "m": 60, "s": 1}[unit]
    return moment + timedelta(seconds=amount * seconds)


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
    """The moment `text` names; `/unit` rounds down, or up to the unit's last millisecond."""
    text = text.strip()
    if text.startswith("now"):
        anchor, math = "now", text[3:]
    elif "||" in text:
        anchor, math = text.split("||", 1)
    else:
        anchor, math = text, ""
    moment = _anchor(anchor, now)
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
