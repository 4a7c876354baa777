"""The connectors' HTTP/1.1 transport against a loopback server that scripts its answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from opencases.connectors import http11
from opencases.connectors.errors import OutboundError
from opencases.connectors.http11 import Http11Transport
from opencases.connectors.outbound import Outbound

# An answer for the n-th request the server read (from 0): the bytes to write, then
# whether to close the connection; None closes it without answering.
Script = Callable[[int], tuple[bytes, bool] | None]


def ok(body: bytes) -> bytes:
    """A 200 answer with a content-length."""
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body


@dataclass
class Loopback:
    """What the server saw: its URL, the connections it accepted, the requests it read,
    and (a queue) the count of requests read each time one of its connections closed."""

    url: str
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    closed: asyncio.Queue[int] = field(default_factory=asyncio.Queue)


@asynccontextmanager
async def serving(
    script: Script, *, after_answer: Callable[[asyncio.StreamWriter], Awaitable[None]] | None = None
) -> AsyncIterator[Loopback]:
    """A loopback HTTP/1.1 server answering as `script` says (then `after_answer`)."""
    handlers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(writer)
        loopback.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.partition(b":")[2])
                loopback.requests.append(head + await reader.readexactly(length))
                answer = script(len(loopback.requests) - 1)
                if answer is None:
                    break
                data, close = answer
                writer.write(data)
                await writer.drain()
                if close:
                    break
                if after_answer is not None:
                    await after_answer(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            loopback.closed.put_nowait(len(loopback.requests))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    loopback = Loopback(url=f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    try:
        yield loopback
    finally:
        server.close()
        for writer in handlers:
            writer.close()
        await server.wait_closed()


def always(data: bytes, *, close: bool = False) -> Script:
    """The same answer to every request."""
    return lambda _: (data, close)


@pytest.fixture
async def transport() -> AsyncIterator[Http11Transport]:
    """The transport under test, closed at the end."""
    transport = Http11Transport()
    yield transport
    await transport.aclose()


@pytest.fixture
async def client(transport: Http11Transport) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the transport."""
    async with httpx.AsyncClient(transport=transport) as client:
        yield client


async def until_idle_ones_closed(transport: Http11Transport) -> None:
    """Let the event loop run until every idle connection is closed (a bound of 5 s).

    What the server did reaches the client's side of the connection a turn or more later.
    """
    async with asyncio.timeout(5):
        # No event says it: the loop is given turns until it shows.
        while any(not c.closed for idle in transport._idle.values() for c in idle):  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def until_requests(seen: list[int], count: int) -> None:
    """Let the event loop run until the server has read `count` requests (a bound of 5 s)."""
    async with asyncio.timeout(5):
        while len(seen) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_one_connection_carries_one_request_after_another(
    client: httpx.AsyncClient,
) -> None:
    async with serving(lambda n: (ok(b"answer %d" % n), False)) as server:
        bodies = [(await client.get(f"{server.url}/{n}")).content for n in range(3)]

    assert bodies == [b"answer 0", b"answer 1", b"answer 2"]
    assert server.connections == 1
    assert [request.split(b"\r\n")[0] for request in server.requests] == [
        b"GET /0 HTTP/1.1",
        b"GET /1 HTTP/1.1",
        b"GET /2 HTTP/1.1",
    ]


async def test_concurrent_requests_open_connections_that_later_requests_reuse(
    client: httpx.AsyncClient,
) -> None:
    async with serving(always(ok(b"ok"))) as server:
        first = await asyncio.gather(*(client.get(server.url) for _ in range(10)))
        opened = server.connections
        second = await asyncio.gather(*(client.get(server.url) for _ in range(10)))

    assert [r.status_code for r in first + second] == [200] * 20
    assert server.connections == opened


async def test_the_request_s_method_path_query_headers_and_body_are_sent(
    client: httpx.AsyncClient,
) -> None:
    async with serving(always(ok(b"{}"))) as server:
        response = await client.post(
            f"{server.url}/api/now/table/incident?sysparm_limit=1",
            json={"short_description": "x"},
            headers={"X-Custom": "Value"},
        )

    assert response.status_code == 200
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /api/now/table/incident?sysparm_limit=1 HTTP/1.1"
    assert b"X-Custom: Value" in lines
    assert b"Content-Length: 25" in lines
    assert body == b'{"short_description":"x"}'


async def test_the_answer_s_status_reason_headers_and_body_are_read(
    client: httpx.AsyncClient,
) -> None:
    answer = b"HTTP/1.1 404 Not There\r\nX-Trace: abc\r\ncontent-length: 4\r\n\r\ngone"
    async with serving(always(answer)) as server:
        response = await client.get(server.url)

    assert (response.status_code, response.reason_phrase) == (404, "Not There")
    assert response.headers["x-trace"] == "abc"
    assert response.content == b"gone"
    assert response.http_version == "HTTP/1.1"


async def test_a_chunked_answer_and_one_delimited_by_the_close_are_read_whole(
    client: httpx.AsyncClient,
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    until_close = b"HTTP/1.1 200 OK\r\n\r\nall of it"
    async with serving(always(chunked)) as server:
        assert (await client.get(server.url)).content == b"abcde"
    async with serving(always(until_close, close=True)) as server:
        assert (await client.get(server.url)).content == b"all of it"
        assert (await client.get(server.url)).content == b"all of it"

    assert server.connections == 2


async def test_an_informational_answer_before_the_answer_is_skipped(
    client: httpx.AsyncClient,
) -> None:
    async with serving(always(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"done"))) as server:
        response = await client.post(server.url, content=b"body")

    assert (response.status_code, response.content) == (200, b"done")


async def test_a_connection_the_server_closed_while_idle_is_not_used_again(
    client: httpx.AsyncClient, transport: Http11Transport
) -> None:
    # The first answer says nothing of closing, and the server closes all the same.
    async with serving(lambda n: (ok(b"answer %d" % n), n == 0)) as server:
        first = await client.get(server.url)
        await server.closed.get()
        await until_idle_ones_closed(transport)
        second = await client.get(server.url)

    assert (first.content, second.content) == (b"answer 0", b"answer 1")
    assert server.connections == 2


async def test_a_connection_the_server_speaks_on_while_idle_is_closed(
    client: httpx.AsyncClient, transport: Http11Transport
) -> None:
    idle = asyncio.Event()

    async def speak_out_of_turn(writer: asyncio.StreamWriter) -> None:
        await idle.wait()
        idle.clear()
        writer.write(ok(b"nobody asked"))

    script = lambda n: (ok(b"answer %d" % n), False)  # noqa: E731
    async with serving(script, after_answer=speak_out_of_turn) as server:
        first = await client.get(server.url)
        idle.set()
        await until_idle_ones_closed(transport)
        second = await client.get(server.url)
        idle.set()

    assert (first.content, second.content) == (b"answer 0", b"answer 1")
    assert server.connections == 2


async def test_bytes_after_an_answer_spoil_its_connection(client: httpx.AsyncClient) -> None:
    # A second answer nobody asked for arrives with the first: it must not answer the next.
    async with serving(lambda n: (ok(b"answer %d" % n) + ok(b"stale") * (n == 0), False)) as server:
        first = await client.get(server.url)
        second = await client.get(server.url)

    assert (first.content, second.content) == (b"answer 0", b"answer 1")
    assert server.connections == 2


async def test_an_answer_not_read_whole_closes_its_connection(
    client: httpx.AsyncClient,
) -> None:
    async with serving(always(ok(b"x" * 100_000))) as server:
        async with client.stream("GET", server.url) as response:
            assert response.status_code == 200
        assert (await server.closed.get()) == 1
        again = await client.get(server.url)

    assert len(again.content) == 100_000
    assert server.connections == 2


async def test_a_connection_idle_longer_than_the_keepalive_is_not_used(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(always(ok(b"ok"))) as server:
        await client.get(server.url)
        monkeypatch.setattr(http11, "KEEPALIVE_SECONDS", 0.0)
        await client.get(server.url)
        # The expired connection was closed, not only passed over.
        assert (await server.closed.get()) == 1

    assert server.connections == 2


async def test_closing_the_transport_closes_its_idle_connections(
    transport: Http11Transport,
) -> None:
    async with serving(always(ok(b"ok"))) as server:
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(server.url)
        assert (await server.closed.get()) == 1

    assert transport._idle == {}


async def test_a_server_gone_without_an_answer_is_httpcore_s_error(
    client: httpx.AsyncClient,
) -> None:
    async with serving(lambda _: None) as server:
        with pytest.raises(httpx.RemoteProtocolError) as failed:
            await client.get(server.url)

    assert str(failed.value) == "Server disconnected without sending a response."


async def test_an_answer_that_is_not_http_is_a_protocol_error(
    client: httpx.AsyncClient,
) -> None:
    async with serving(always(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(server.url)


async def test_a_body_cut_short_by_the_server_is_a_protocol_error(
    client: httpx.AsyncClient,
) -> None:
    cut = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort"
    async with serving(always(cut, close=True)) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(server.url)


async def test_only_http_and_https_are_spoken(transport: Http11Transport) -> None:
    with pytest.raises(httpx.UnsupportedProtocol):
        await transport.handle_async_request(httpx.Request("GET", "ftp://127.0.0.1/file"))


async def test_a_connector_call_to_a_server_gone_without_an_answer_fails_as_a_network_error() -> (
    None
):
    async with serving(lambda _: None) as server:
        http = Outbound()
        with pytest.raises(OutboundError) as failed:
            await http.request("GET", f"{server.url}/api")
        await http.close()

    assert (failed.value.message, failed.value.code) == (
        "Server disconnected without sending a response.",
        "ERR_NETWORK",
    )


async def test_exchanges_beyond_the_origin_s_limit_wait_for_one_to_end(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http11, "MAX_EXCHANGES_PER_ORIGIN", 2)
    gate = asyncio.Event()
    in_flight: list[int] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                in_flight.append(len(in_flight) + 1)
                await gate.wait()
                writer.write(ok(b"ok"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        calls = asyncio.gather(*(client.get(url) for _ in range(6)))
        await until_requests(in_flight, 2)
        await asyncio.sleep(0.05)  # room for a third request, were one let through
        held = (len(in_flight), connections)
        gate.set()
        answers = await calls
        await client.aclose()

    assert held == (2, 2)
    assert [answer.status_code for answer in answers] == [200] * 6
    assert connections == 2
