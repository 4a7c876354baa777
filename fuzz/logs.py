"""What the server wrote during a run: its failures, and the statuses it answered per operation."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

_PARAMETER = re.compile(r"\{(\w+)\}")
# Lines of granian or Python itself (not OpenCases' JSON) that mean something went wrong.
_PLAIN_FAILURE = re.compile(r"Traceback \(most recent call last\)|\[(ERROR|CRITICAL)\]")
# Lines kept after a plain failure line: enough for a traceback's frames and message.
_CONTEXT_LINES = 40
OTHER = "(methods and paths the API does not have)"


@dataclass(slots=True)
class ServerLog:
    """The failures in a server log and the statuses answered, per operation of the OAS."""

    failures: list[str] = field(default_factory=list)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)


def _matchers(oas: Mapping[str, Any]) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, `METHOD /path`) per operation, as the router matches paths."""
    matchers = []
    for path, item in oas.get("paths", {}).items():
        parts = _PARAMETER.split(path)
        pattern = re.compile(
            "".join("[^/]+" if i % 2 else re.escape(part) for i, part in enumerate(parts))
        )
        for method in item:
            matchers.append((method.upper(), pattern, f"{method.upper()} {path}"))
    return matchers


def operation(method: str, path: str, matchers: Iterable[tuple[str, re.Pattern[str], str]]) -> str:
    """The `METHOD /path` of the OAS that a request names, or OTHER."""
    # The spaces prefix serves every operation in another space.
    path = re.sub(r"^/s/[a-z0-9_\-]+(?=/)", "", path)
    for wanted, pattern, label in matchers:
        if method == wanted and pattern.fullmatch(path):
            return label
    return OTHER


def read(log_file: Path, oas: Mapping[str, Any]) -> ServerLog:
    """Scan a server log of ECS JSON lines (and granian's plain ones)."""
    matchers = _matchers(oas)
    result = ServerLog()
    lines = log_file.read_text(errors="replace").splitlines()
    skip_until = 0
    for number, line in enumerate(lines):
        try:
            record = msgspec.json.decode(line)
        except msgspec.DecodeError:
            record = None
        if not isinstance(record, dict):
            if number >= skip_until and _PLAIN_FAILURE.search(line):
                skip_until = number + _CONTEXT_LINES
                result.failures.append("\n".join(lines[number:skip_until]))
            continue
        status = record.get("http.response.status_code")
        if isinstance(status, int):
            method = str(record.get("http.request.method"))
            label = operation(method, str(record.get("url.path")), matchers)
            result.statuses.setdefault(label, Counter())[status] += 1
            if status >= 500:
                result.failures.append(
                    f"{method} {record.get('url.path')!r} answered {status}"
                    f" (request id {record.get('http.request.id')})"
                )
        if record.get("log.level") in ("error", "critical"):
            trace = record.get("error.stack_trace")
            result.failures.append(
                f"{record.get('message')}" + (f"\n{trace}" if isinstance(trace, str) else "")
            )
    return result


def coverage_table(statuses: Mapping[str, Counter[int]]) -> str:
    """One line per operation: requests, then how many got each status (200x3 400x27)."""
    width = max((len(label) for label in statuses), default=0)
    rows = []
    for label in sorted(statuses, key=lambda text: (text == OTHER, text.split(" ")[::-1])):
        counts = statuses[label]
        answered = " ".join(f"{status}x{counts[status]}" for status in sorted(counts))
        flag = "" if label == OTHER or any(s < 300 for s in counts) else "  <- no success"
        rows.append(f"  {label:<{width}}  {sum(counts.values()):>5}  {answered}{flag}")
    return "\n".join(rows)
