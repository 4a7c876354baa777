"""Outbound calls: allowedHosts, the timeout, the response limit, and axios's error words."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from opencases.connectors.errors import HostNotAllowed, OutboundError
from opencases.connectors.outbound import Outbound, SslOverrides
from tests.conftest import unused_port
from tests.connectors.fakes import FakeService
from tests.connectors.tls import CLIENT_NAME, Pki, TlsServer

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def loopback(serve: Serve) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 answering with `serve`; its base URL."""
    writers: list[asyncio.StreamWriter] = []

    async def serve_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            await serve(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(serve_then_close, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        # The connections too (Python 3.11's wait_closed does not wait for them).
        for writer in writers:
            writer.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("allowed_hosts", "url", "allowed"),
    [
        (("*",), "https://anything.example.com/x", True),
        (("*",), "https://10.0.0.1:8443", True),
        (("*",), "not a url", False),
        (("jira.example.com",), "https://jira.example.com/rest", True),
        (("jira.example.com",), "https://jira.example.com.evil.test/rest", False),
        (("jira.example.com",), "https://other.example.com", False),
    ],
)
def test_allowed_hosts_admit_a_url_by_its_host_name(
    allowed_hosts: tuple[str, ...], url: str, allowed: bool
) -> None:
    assert Outbound(allowed_hosts=allowed_hosts).is_url_allowed(url) is allowed


async def test_a_call_to_a_host_not_allowed_is_refused_before_it_is_made(
    fake: FakeService,
) -> None:
    http = Outbound(allowed_hosts=("jira.example.com",), transport=fake.transport)

    with pytest.raises(HostNotAllowed) as refused:
        await http.request("GET", "https://external.example.com/api")

    assert str(refused.value) == (
        'target url "https://external.example.com/api" is not added to the Kibana config'
        " xpack.actions.allowedHosts"
    )
    assert fake.received == []


async def test_an_answer_outside_2xx_is_an_error_carrying_the_answer(fake: FakeService) -> None:
    fake.on("GET", "/api", httpx.Response(503, json={"message": "down"}))
    http = Outbound(transport=fake.transport)

    with pytest.raises(OutboundError) as failed:
        await http.request("GET", f"{fake.base_url}/api")

    assert failed.value.message == "Request failed with status code 503"
    assert failed.value.response is not None
    assert failed.value.response.json() == {"message": "down"}
    await http.close()


async def test_an_answer_over_the_size_limit_is_refused(fake: FakeService) -> None:
    fake.on("GET", "/big", httpx.Response(200, content=b"x" * 1025))
    http = Outbound(max_response_bytes=1024, transport=fake.transport)

    with pytest.raises(OutboundError) as failed:
        await http.request("GET", f"{fake.base_url}/big")

    assert failed.value.message == "maxContentLength size of 1024 exceeded"
    await http.close()


async def test_a_server_that_never_answers_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes

    async with loopback(silent) as url:
        http = Outbound(timeout_seconds=0.2)
        with pytest.raises(OutboundError) as failed:
            await http.request("GET", f"{url}/api")
        await http.close()

    assert failed.value.message == "timeout of 200ms exceeded"
    assert failed.value.code == "ECONNABORTED"


async def test_an_answer_that_trickles_in_times_out_as_a_whole() -> None:
    # Every byte comes well within the read timeout; the whole answer does not.
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        try:
            for _ in range(1000):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.02)
        except ConnectionError:
            pass

    async with loopback(trickle) as url:
        http = Outbound(timeout_seconds=0.3)
        with pytest.raises(OutboundError) as failed:
            await http.request("GET", f"{url}/api")
        await http.close()

    assert failed.value.message == "timeout of 300ms exceeded"


async def test_a_refused_connection_is_worded_as_node_words_it() -> None:
    port = unused_port()
    http = Outbound()

    with pytest.raises(OutboundError) as failed:
        await http.request("GET", f"http://127.0.0.1:{port}/api")
    await http.close()

    assert failed.value.message == f"connect ECONNREFUSED 127.0.0.1:{port}"


async def test_a_client_certificate_leaves_no_file_and_no_secret_in_a_repr(
    https: TlsServer, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    https.answers[("GET", "/api")] = (200, {"ok": True})
    overrides = SslOverrides(
        cert=pki.client.cert, key=pki.client.key, ca=pki.ca.issued.cert, passphrase="unused"
    )
    http = Outbound()

    answer = await http.request("GET", f"{https.url}/api", ssl_overrides=overrides)
    await http.close()

    assert answer.json() == {"ok": True}
    assert [seen.client for seen in https.seen] == [CLIENT_NAME]
    assert list((tmp_path / "tmp").iterdir()) == []
    assert repr(overrides) == (f"SslOverrides(ca={pki.ca.issued.cert!r}, verification_mode=None)")
