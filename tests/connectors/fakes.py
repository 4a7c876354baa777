"""A fake external system: records every request and answers from a table of routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True, slots=True)
class Received:
    """One request the fake received, as a test asserts it."""

    method: str
    path: str
    query: dict[str, str]
    headers: httpx.Headers
    body: Any  # the decoded JSON body, or the raw text when it is not JSON, or None

    def summary(self) -> dict[str, Any]:
        """Method, path, query and body: the parts a test compares whole."""
        return {"method": self.method, "path": self.path, "query": self.query, "body": self.body}


Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass(slots=True)
class FakeService:
    """An external system on an httpx.MockTransport: `(METHOD, path) -> answers, in turn`."""

    base_url: str = "https://external.example.com"
    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        """Answer `method path` with `answers` one after the other (the last one repeats)."""
        self.routes[(method, path)] = list(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        raw = request.content
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode()
        self.received.append(
            Received(
                method=request.method,
                path=request.url.path,
                query=dict(request.url.params),
                headers=request.headers,
                body=body,
            )
        )
        answers = self.routes.get((request.method, request.url.path))
        if not answers:
            return httpx.Response(404, json={"message": "no such route in the fake"})
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request) if callable(answer) else answer

    @property
    def transport(self) -> httpx.MockTransport:
        """The transport to hand to Outbound."""
        return httpx.MockTransport(self.handle)

    def summaries(self) -> list[dict[str, Any]]:
        """Every received request's summary, in order."""
        return [request.summary() for request in self.received]


def timeout(request: httpx.Request) -> httpx.Response:
    """An answer that never comes: httpx's read timeout."""
    raise httpx.ReadTimeout("timed out", request=request)
