"""Outbound HTTP for connectors: Kibana's allowedHosts, timeout and response limit.

Kibana's connectors call external systems with axios and quote axios's error texts in
their results (`Request failed with status code 401`, `timeout of 60000ms exceeded`), so
the errors raised here carry the same words.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

# Kibana's xpack.actions.allowedHosts default: every host.
ANY_HOST = "*"


class HostNotAllowed(Exception):
    """A URL or host name outside xpack.actions.allowedHosts."""


def url_not_allowed(url: str) -> HostNotAllowed:
    """Kibana's allowedHosts refusal of a URL."""
    return HostNotAllowed(
        f'target url "{url}" is not added to the Kibana config xpack.actions.allowedHosts'
    )


@dataclass(frozen=True, slots=True)
class OutboundResponse:
    """What an external system answered."""

    status: int
    reason: str
    headers: httpx.Headers
    content: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON."""
        return json.loads(self.content)

    def json_or_none(self) -> Any:
        """The body as JSON, or None when it is not JSON (axios leaves such data a string)."""
        try:
            return self.json()
        except ValueError:
            return None


class OutboundError(Exception):
    """A failed outbound call, worded as axios words it."""

    def __init__(
        self, message: str, *, response: OutboundResponse | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.response = response
        self.code = code


@dataclass(slots=True, kw_only=True)
class Outbound:
    """Makes connectors' HTTP calls within allowedHosts, a timeout and a response limit."""

    allowed_hosts: tuple[str, ...] = (ANY_HOST,)
    # Kibana's xpack.actions.responseTimeout (60s) and maxResponseContentLength (1mb).
    timeout_seconds: float = 60.0
    max_response_bytes: int = 1_048_576
    # Tests hand in httpx.MockTransport; servers use the network.
    transport: httpx.AsyncBaseTransport | None = None
    _client: httpx.AsyncClient | None = field(default=None, repr=False)

    def is_hostname_allowed(self, hostname: str) -> bool:
        """Whether allowedHosts admits `hostname`."""
        return ANY_HOST in self.allowed_hosts or hostname in self.allowed_hosts

    def is_url_allowed(self, url: str) -> bool:
        """Whether `url` parses and allowedHosts admits its host (any URL under `*`)."""
        try:
            parts = urlsplit(url)
            hostname = parts.hostname or ""
        except ValueError:
            return False
        return bool(parts.scheme) and self.is_hostname_allowed(hostname)

    def ensure_url_allowed(self, url: str) -> None:
        """Raise HostNotAllowed unless allowedHosts admits `url`."""
        if not self.is_url_allowed(url):
            raise url_not_allowed(url)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
        params: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> OutboundResponse:
        """Call `url`; a 2xx answer, or OutboundError (HostNotAllowed for a refused host)."""
        self.ensure_url_allowed(url)
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            headers = {"content-type": "application/json", **(headers or {})}
        timeout_ms = round(self.timeout_seconds * 1000)
        try:
            # httpx bounds each phase (connect, every read); this bounds the whole call,
            # so an answer that trickles in slowly cannot hold a run for ever.
            async with (
                asyncio.timeout(self.timeout_seconds),
                self.client().stream(
                    method, url, headers=headers, content=content, params=params, auth=auth
                ) as answer,
            ):
                body = await self._read(answer)
        except (httpx.TimeoutException, TimeoutError):
            message = f"timeout of {timeout_ms}ms exceeded"
            raise OutboundError(message, code="ECONNABORTED") from None
        except httpx.ConnectError as exc:
            raise OutboundError(_connect_message(url, exc), code="ECONNREFUSED") from None
        except httpx.TransportError as exc:
            raise OutboundError(str(exc) or type(exc).__name__, code="ERR_NETWORK") from None
        response = OutboundResponse(
            status=answer.status_code,
            reason=answer.reason_phrase,
            headers=answer.headers,
            content=body,
        )
        if not 200 <= response.status < 300:
            raise OutboundError(
                f"Request failed with status code {response.status}",
                response=response,
                code="ERR_BAD_RESPONSE" if response.status >= 500 else "ERR_BAD_REQUEST",
            )
        return response

    async def _read(self, answer: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise OutboundError(
                    f"maxContentLength size of {self.max_response_bytes} exceeded",
                    code="ERR_BAD_RESPONSE",
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def client(self) -> httpx.AsyncClient:
        """The shared client (made on first use)."""
        if self._client is None:
            # Redirects are not followed: a redirect could lead outside allowedHosts.
            self._client = httpx.AsyncClient(
                transport=self.transport,
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
            )
        return self._client

    async def close(self) -> None:
        """Close the shared client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _connect_message(url: str, exc: httpx.ConnectError) -> str:
    """Node's words for a refused connection: `connect ECONNREFUSED host:port`."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"connect ECONNREFUSED {parts.hostname}:{port}"
