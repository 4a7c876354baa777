"""HTTP/1.1 for connectors' calls: h11 on asyncio, idle connections kept per origin.

httpx's default transport (httpcore) checks every idle connection of its pool, each with
a system call, whenever a request takes or gives one back: with the dozens of connections
a busy server keeps open to one external system, that was most of a push's time. Here the
event loop tells a connection when its server closes it or speaks out of turn, as it
happens, and a request takes the origin's most recently used idle connection in one step.

Phases are not bounded one by one (only the connect is): `Outbound` bounds the whole call.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

# How long an idle connection is kept: Node's agent and httpcore both keep one 5 s.
KEEPALIVE_SECONDS = 5.0
# Idle connections kept per origin; more are closed when given back.
MAX_IDLE_PER_ORIGIN = 64
# Exchanges in flight per origin (httpcore's pool allows 100): more wait for one to end,
# within the call's timeout, rather than open sockets until the process has none left.
MAX_EXCHANGES_PER_ORIGIN = 100

Origin = tuple[bytes, bytes, int]


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: h11's state, fed by the event loop."""

    def __init__(self) -> None:
        self.h11 = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        # Once the server closed it, reset it, or sent something while no request was
        # waiting (or it was closed here), it carries no further request.
        self.closed = False
        self.busy = True
        self.idle_since = 0.0
        self._lost: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Feed h11; an idle connection the server speaks on is done for."""
        if not self.busy:
            self.close()
            return
        self.h11.receive_data(data)
        self._wake()

    def eof_received(self) -> bool:
        """The server closed its side: the connection ends, and a waiting request hears of it."""
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Reset, or closed: a waiting request hears of it."""
        self.closed = True
        self._lost = exc
        self._wake()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        """The transport's buffer is full: writers wait."""
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        """The transport's buffer drained."""
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    # the request's side

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def send(self, event: h11.Event) -> None:
        """Write one h11 event, waiting while the transport's buffer is full."""
        assert self.transport is not None
        if self.closed:
            raise httpx.WriteError(self._lost_message("write"))
        try:
            data = self.h11.send(event)
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        if data:
            self.transport.write(data)
        if self._writable is not None:
            await self._writable

    async def next_event(self) -> Any:
        """The next h11 event from the server, waiting for its bytes."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            if self.closed:
                if self._lost is not None:
                    raise httpx.ReadError(self._lost_message("read")) from self._lost
                # httpcore's words: h11's own ("can't handle event type ConnectionClosed
                # when role=SERVER and state=SEND_RESPONSE") say less.
                if self.h11.their_state is h11.SEND_RESPONSE:
                    raise httpx.RemoteProtocolError(
                        "Server disconnected without sending a response."
                    )
                self.h11.receive_data(b"")
                continue
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def _lost_message(self, doing: str) -> str:
        return str(self._lost) if self._lost else f"the connection was closed before the {doing}"

    def close(self) -> None:
        """Close the connection (at once; TLS's close_notify goes out afterwards)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http11Transport(httpx.AsyncBaseTransport):
    """An httpx transport speaking HTTP/1.1, with a pool of idle connections per origin."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        # None: httpx's default context (system roots, verified), made at the first need.
        self._ssl_context = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._exchanges: dict[Origin, asyncio.Semaphore] = {}
        self._swept_at = time.monotonic()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` on an idle connection to its origin, or a new one."""
        url = request.url
        scheme = url.raw_scheme
        if scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url}'.")
        origin = (scheme, url.raw_host, url.port or (443 if scheme == b"https" else 80))
        exchanges = self._exchanges.get(origin)
        if exchanges is None:
            exchanges = self._exchanges[origin] = asyncio.Semaphore(MAX_EXCHANGES_PER_ORIGIN)
        await exchanges.acquire()
        try:
            connection = self._take_idle(origin) or await self._connect(origin, request)
        except BaseException:
            exchanges.release()
            raise
        try:
            await connection.send(
                h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw)
            )
            assert isinstance(request.stream, httpx.AsyncByteStream)
            async for chunk in request.stream:
                await connection.send(h11.Data(data=chunk))
            await connection.send(h11.EndOfMessage())
            event = await connection.next_event()
            while isinstance(event, h11.InformationalResponse):
                event = await connection.next_event()
        except BaseException:
            connection.close()
            exchanges.release()
            raise
        return httpx.Response(
            event.status_code,
            headers=event.headers.raw_items(),
            stream=_ResponseBody(self, origin, connection),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": event.reason},
        )

    def _take_idle(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if _fresh(connection, now):
                connection.busy = True
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin, request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        hostname = host.decode("ascii")
        context = None
        if scheme == b"https":
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
            context = self._ssl_context
        timeout = request.extensions.get("timeout", {}).get("connect")
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    _Connection,
                    hostname,
                    port,
                    ssl=context,
                    server_hostname=hostname if context is not None else None,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {hostname}:{port} timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return connection

    def _give_back(self, origin: Origin, connection: _Connection) -> None:
        """End an exchange: keep its connection if it ended cleanly, else close it."""
        self._exchanges[origin].release()
        state = connection.h11
        # Bytes after the answer (trailing_data) are nobody's answer: the connection is spoiled.
        if (
            connection.closed
            or state.our_state is not h11.DONE
            or state.their_state is not h11.DONE
            or state.trailing_data[0]
        ):
            connection.close()
            return
        state.start_next_cycle()
        connection.busy = False
        now = connection.idle_since = time.monotonic()
        idle = self._idle.setdefault(origin, [])
        idle.append(connection)
        if len(idle) > MAX_IDLE_PER_ORIGIN:
            idle.pop(0).close()
        if now - self._swept_at > KEEPALIVE_SECONDS:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Close the connections idle too long, of every origin (some are never asked again)."""
        self._swept_at = now
        for origin, idle in list(self._idle.items()):
            kept = []
            for connection in idle:
                if _fresh(connection, now):
                    kept.append(connection)
                else:
                    connection.close()
            if kept:
                self._idle[origin] = kept
            else:
                del self._idle[origin]

    async def aclose(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _fresh(connection: _Connection, now: float) -> bool:
    """Whether an idle connection may carry the next request: open, and idle briefly."""
    return not connection.closed and now - connection.idle_since < KEEPALIVE_SECONDS


class _ResponseBody(httpx.AsyncByteStream):
    """A response's body, read from its connection; the connection goes back when closed."""

    def __init__(self, transport: Http11Transport, origin: Origin, connection: _Connection):
        self._transport = transport
        self._origin = origin
        self._connection = connection
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive."""
        try:
            while True:
                event = await self._connection.next_event()
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    return
        except BaseException:
            self._connection.close()
            raise

    async def aclose(self) -> None:
        """Give the connection back (kept only when the whole answer was read)."""
        if not self._closed:
            self._closed = True
            self._transport._give_back(self._origin, self._connection)
