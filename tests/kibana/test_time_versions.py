"""Kibana's time format and saved-object version tokens."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from opencases.kibana.time import format_time, parse_time, utc_now
from opencases.kibana.versions import decode_version, encode_version

KIBANA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def b64(text: str | bytes) -> str:
    """`text` in base64."""
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


@pytest.mark.parametrize(
    ("moment", "formatted"),
    [
        (datetime(2022, 4, 2, 1, 9, 2, 303_000, tzinfo=UTC), "2022-04-02T01:09:02.303Z"),
        # Milliseconds are truncated, as JavaScript's Date holds no more.
        (datetime(2022, 4, 2, 1, 9, 2, 303_999, tzinfo=UTC), "2022-04-02T01:09:02.303Z"),
        (datetime(2022, 4, 2, 1, 9, 2, tzinfo=UTC), "2022-04-02T01:09:02.000Z"),
        (datetime(2022, 4, 2, 1, 9, 2, 7_000, tzinfo=UTC), "2022-04-02T01:09:02.007Z"),
        # Other offsets are converted to UTC.
        (
            datetime(2022, 4, 2, 1, 9, 2, 303_000, tzinfo=timezone(timedelta(hours=2))),
            "2022-04-01T23:09:02.303Z",
        ),
        (
            datetime(2021, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))),
            "2022-01-01T00:30:00.000Z",
        ),
        pytest.param(datetime(999, 1, 2, tzinfo=UTC), "0999-01-02T00:00:00.000Z", id="year-999"),
    ],
)
def test_format_time(moment: datetime, formatted: str) -> None:
    assert format_time(moment) == formatted
    assert parse_time(formatted) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2022-04-02T01:09:02.303Z", datetime(2022, 4, 2, 1, 9, 2, 303_000, tzinfo=UTC)),
        ("2022-04-02T03:09:02.303+02:00", datetime(2022, 4, 2, 1, 9, 2, 303_000, tzinfo=UTC)),
        ("2022-04-02T01:09:02Z", datetime(2022, 4, 2, 1, 9, 2, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, moment: datetime) -> None:
    assert parse_time(text) == moment


def test_utc_now_is_in_kibana_format_and_current() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = utc_now()
    after = datetime.now(UTC)
    assert KIBANA_TIME.fullmatch(now)
    assert before <= parse_time(now) <= after


@pytest.mark.parametrize(
    ("revision", "token"),
    [(177, "WzE3NywxXQ=="), (1, "WzEsMV0="), (0, "WzAsMV0="), (2**53, b64("[9007199254740992,1]"))],
)
def test_version_token_round_trip(revision: int, token: str) -> None:
    assert encode_version(revision) == token
    assert decode_version(token) == revision


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("WzE3NywxXQ", id="missing-padding"),
        pytest.param("WzE3NyxxXQ==", id="not-json"),
        pytest.param("WzE3NywxXQ==\n", id="trailing-newline"),
        pytest.param("W zE3NywxXQ==", id="space"),
        pytest.param("WzE3NywxXQ==" + "WzE3NywxXQ==", id="two-tokens"),
        pytest.param("é", id="not-ascii"),
        pytest.param(b64(b"\xff\xfe"), id="not-utf8"),
        pytest.param(b64("[177,2]"), id="other-primary-term"),
        pytest.param(b64("[-1,1]"), id="negative"),
        pytest.param(b64("[1.5,1]"), id="fraction"),
        pytest.param(b64('["177",1]'), id="string-revision"),
        pytest.param(b64("[177]"), id="one-element"),
        pytest.param(b64("[177,1,1]"), id="three-elements"),
        pytest.param(b64('{"0":177,"1":1}'), id="object"),
        pytest.param(b64("177"), id="number"),
        pytest.param(b64("null"), id="null"),
        pytest.param(b64("[true,1]"), id="boolean-revision"),
        pytest.param(b64("[177,true]"), id="boolean-primary-term"),
    ],
)
def test_junk_version_token_is_refused(token: str) -> None:
    assert decode_version(token) is None


def test_deeply_nested_version_token_is_refused() -> None:
    assert decode_version(b64("[" * 100_000)) is None
