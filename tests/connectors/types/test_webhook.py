"""Webhook: validation and Kibana's own ok and error results against a fake endpoint."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from opencases.connectors.errors import OutboundError, ValidationFailed
from opencases.connectors.outbound import Outbound
from opencases.connectors.types import webhook
from opencases.connectors.types.webhook import Webhook
from opencases.db import Database
from opencases.kibana.time import Clock
from tests.conftest import snapshot
from tests.connectors.conftest import RunConnector
from tests.connectors.fakes import FakeService, timeout
from tests.connectors.helpers import FixedClock
from tests.connectors.tls import CLIENT_NAME, PFX_PASSWORD, Pki, Seen, TlsServer, b64

URL = "https://external.example.com/hooks/alert"
NOW = datetime(2024, 5, 6, 7, 8, 9, 10_000, UTC)
SECRETS = {"user": "elastic", "password": "changeme"}


@pytest.fixture
def clock() -> Clock:
    """The time a 429's Retry-After counts from."""
    return FixedClock(NOW)


def hook_config(**overrides: Any) -> dict[str, Any]:
    return {"url": URL, "headers": {"Content-Type": "text/plain"}, **overrides}


async def run(
    run_connector: RunConnector, fake: FakeService, answer: Any, **config: Any
) -> dict[str, Any]:
    fake.on("POST", "/hooks/alert", answer)
    return await run_connector(
        Webhook(),
        fake=fake,
        config=hook_config(**config),
        secrets=SECRETS,
        params={"body": "alert fired"},
    )


async def test_ok_result_carries_the_body_sent(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run(run_connector, fake, httpx.Response(200, json={"ignored": True}))

    assert result == {"connector_id": "connector-1", "status": "ok", "data": "alert fired"}
    [request] = fake.received
    assert request.summary() == {
        "method": "POST",
        "path": "/hooks/alert",
        "query": {},
        "body": "alert fired",
    }
    assert request.headers["content-type"] == "text/plain"
    assert request.headers["authorization"] == (
        "Basic " + base64.b64encode(b"elastic:changeme").decode()
    )


async def test_put_without_body_and_without_auth(
    run_connector: RunConnector, fake: FakeService
) -> None:
    fake.on("PUT", "/hooks/alert", httpx.Response(204))

    result = await run_connector(
        Webhook(),
        fake=fake,
        config={"url": URL, "method": "put", "hasAuth": False},
        secrets={},
        params={},
    )

    assert result == {"connector_id": "connector-1", "status": "ok"}
    [request] = fake.received
    assert (request.method, request.body) == ("PUT", None)
    assert "authorization" not in request.headers


def error(message: str, service_message: str, **extra: Any) -> dict[str, Any]:
    return {
        "connector_id": "connector-1",
        "status": "error",
        "message": message,
        "service_message": service_message,
        "errorSource": "user",
        **extra,
    }


async def test_5xx_asks_to_retry_later(run_connector: RunConnector, fake: FakeService) -> None:
    answer = httpx.Response(503, json={"message": "down for maintenance"})

    result = await run(run_connector, fake, answer)

    assert result == error(
        "error calling webhook, retry later",
        "[503] Service Unavailable: down for maintenance",
        retry=True,
    )


async def test_429_with_retry_after_asks_to_retry_at_a_time(
    run_connector: RunConnector, fake: FakeService
) -> None:
    answer = httpx.Response(429, headers={"Retry-After": "30"}, text="slow down")

    result = await run(run_connector, fake, answer)

    assert result == error(
        "error calling webhook, retry at 2024-05-06T07:08:39.010Z",
        "[429] Too Many Requests",
        retry="2024-05-06T07:08:39.010Z",
    )


async def test_429_without_retry_after_asks_to_retry_later(
    run_connector: RunConnector, fake: FakeService
) -> None:
    result = await run(run_connector, fake, httpx.Response(429, headers={"Retry-After": "soon"}))

    assert result == error(
        "error calling webhook, retry later", "[429] Too Many Requests", retry=True
    )


async def test_4xx_is_an_invalid_response(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run(run_connector, fake, httpx.Response(400, json={"message": "bad body"}))

    assert result == error("error calling webhook, invalid response", "[400] Bad Request: bad body")


async def test_timeout_is_a_failed_request(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run(run_connector, fake, timeout)

    assert result == error(
        "error calling webhook, request failed", "[ECONNABORTED] timeout of 60000ms exceeded"
    )


HTTP = Outbound(allowed_hosts=("external.example.com",))


def config_error(config: dict[str, Any]) -> str:
    with pytest.raises(ValidationFailed) as caught:
        Webhook().validate_config(config, http=HTTP)
    return caught.value.message


def test_config_defaults_and_messages() -> None:
    assert Webhook().validate_config({"url": URL}, http=HTTP) == {
        "url": URL,
        "method": "post",
        "headers": None,
        "hasAuth": True,
    }
    assert config_error({}) == "[url]: expected value of type [string] but got [undefined]"
    assert config_error({"url": "example.com/do-something"}) == (
        "error configuring webhook action: unable to parse url: TypeError: Invalid URL"
    )
    # A port of digits Python knows but the URL standard does not (ASCII digits only).
    for port in ("\u00b2", "\u0663"):
        assert config_error({"url": f"http://external.example.com:{port}/"}) == (
            "error configuring webhook action: unable to parse url: TypeError: Invalid URL"
        )
    assert config_error({"url": "http://elsewhere.example.com"}) == (
        'error configuring webhook action: target url "http://elsewhere.example.com" '
        "is not added to the Kibana config xpack.actions.allowedHosts"
    )
    assert config_error(
        {"url": URL, "hasAuth": False, "authType": "webhook-authentication-basic"}
    ) == (
        "error configuring webhook action: authType must be null or undefined if hasAuth is false"
    )
    assert config_error({"url": URL, "method": "delete"}) == (
        "[method]: types that failed validation:\n"
        "- [method.0]: expected value to equal [post] but got [delete]\n"
        "- [method.1]: expected value to equal [put] but got [delete]"
    )


def test_secrets_need_user_and_password_together() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Webhook().validate_secrets({"password": "changeme"}, http=HTTP)

    assert caught.value.message == (
        "must specify one of the following schemas: user and password; crt and key "
        "(with optional password); or pfx (with optional password)"
    )


async def test_params_body_must_be_a_string(run_connector: RunConnector, fake: FakeService) -> None:
    result = await run_connector(
        Webhook(), fake=fake, config=hook_config(), secrets=SECRETS, params={"body": {"a": 1}}
    )

    assert result == {
        "connector_id": "connector-1",
        "status": "error",
        "message": "error validating action params: "
        "[body]: expected value of type [string] but got [Object]",
        "retry": False,
        "errorSource": "user",
    }
    assert fake.received == []


def test_base64_is_read_as_node_reads_it() -> None:
    assert webhook.node_base64("aGVs\nbG8=") == b"hello"
    assert webhook.node_base64("aGVsbG8") == b"hello"
    assert webhook.node_base64("-_8=") == b"\xfb\xff"
    assert webhook.node_base64("YQ==YQ==") == b"a"


def ssl_config(server: TlsServer, pki: Pki, **overrides: Any) -> dict[str, Any]:
    """A client-certificate config that trusts the test CA."""
    return {
        "url": f"{server.url}/hooks/alert",
        "hasAuth": True,
        "authType": "webhook-authentication-ssl",
        "certType": "ssl-crt-key",
        "ca": b64(pki.ca.issued.cert),
        **overrides,
    }


def crt_key(pki: Pki) -> dict[str, Any]:
    return {"crt": b64(pki.client.cert), "key": b64(pki.client.key)}


async def run_tls(
    run_connector: RunConnector, config: dict[str, Any], secrets: dict[str, Any]
) -> dict[str, Any]:
    return await run_connector(
        Webhook(), fake=None, config=config, secrets=secrets, params={"body": "alert fired"}
    )


OK = {"connector_id": "connector-1", "status": "ok", "data": "alert fired"}


async def test_a_client_certificate_and_key_reach_a_server_that_requires_one(
    run_connector: RunConnector, https: TlsServer, pki: Pki
) -> None:
    https.answers[("POST", "/hooks/alert")] = (200, {})

    result = await run_tls(run_connector, ssl_config(https, pki), crt_key(pki))

    assert result == OK
    assert https.seen == [Seen(CLIENT_NAME, "POST", "/hooks/alert", "alert fired")]


@pytest.mark.parametrize("password", [None, PFX_PASSWORD])
async def test_a_pfx_reaches_a_server_that_requires_a_client_certificate(
    run_connector: RunConnector, https: TlsServer, pki: Pki, password: str | None
) -> None:
    https.answers[("POST", "/hooks/alert")] = (200, {})
    secrets = {"pfx": b64(pki.client.pfx(password)), "password": password}

    result = await run_tls(run_connector, ssl_config(https, pki, certType="ssl-pfx"), secrets)

    assert result == OK
    assert https.seen == [Seen(CLIENT_NAME, "POST", "/hooks/alert", "alert fired")]


async def test_verification_none_accepts_a_server_certificate_nobody_trusts(
    run_connector: RunConnector, https: TlsServer, pki: Pki
) -> None:
    https.answers[("POST", "/hooks/alert")] = (200, {})
    config = ssl_config(https, pki, verificationMode="none")
    del config["ca"]

    result = await run_tls(run_connector, config, crt_key(pki))

    assert result == OK
    assert [seen.client for seen in https.seen] == [CLIENT_NAME]


async def test_full_verification_refuses_a_server_certificate_nobody_trusts(
    run_connector: RunConnector, https: TlsServer, pki: Pki
) -> None:
    config = ssl_config(https, pki, verificationMode="full")
    del config["ca"]

    result = await run_tls(run_connector, config, crt_key(pki))

    # The server sends its CA along (OpenSSL builds the chain from its store).
    assert result == error(
        "error calling webhook, request failed",
        "[SELF_SIGNED_CERT_IN_CHAIN] self-signed certificate in certificate chain",
    )
    assert https.seen == []


async def test_certificate_verification_checks_the_chain_but_not_the_host_name(
    run_connector: RunConnector, https: TlsServer, pki: Pki
) -> None:
    # The server's certificate names 127.0.0.1, not localhost.
    https.answers[("POST", "/hooks/alert")] = (200, {})
    url = https.url.replace("127.0.0.1", "localhost") + "/hooks/alert"

    certificate = await run_tls(
        run_connector, ssl_config(https, pki, url=url, verificationMode="certificate"), crt_key(pki)
    )
    full = await run_tls(run_connector, ssl_config(https, pki, url=url), crt_key(pki))

    assert certificate == OK
    assert full == error(
        "error calling webhook, request failed",
        "[ERR_TLS_CERT_ALTNAME_INVALID] Hostname/IP does not match certificate's altnames: "
        "Hostname mismatch, certificate is not valid for 'localhost'.",
    )
    assert [seen.client for seen in https.seen] == [CLIENT_NAME]


@pytest.mark.parametrize(
    ("secrets", "service_message"),
    [
        (
            {"crt": b64(b"not a certificate"), "key": "a2V5"},
            "the client certificate (crt) is not a PEM certificate",
        ),
        (
            "another key",
            "the client key does not belong to the client certificate",
        ),
        (
            "garbled key",
            "the client key (key) is not a PEM private key, or its password is wrong",
        ),
        (
            "wrong pfx password",
            "the client certificate (pfx) is not a PKCS#12 file, or its password is wrong",
        ),
    ],
)
async def test_an_unusable_client_certificate_is_an_error_result(
    run_connector: RunConnector,
    https: TlsServer,
    pki: Pki,
    secrets: dict[str, Any] | str,
    service_message: str,
) -> None:
    cases = {
        "another key": {**crt_key(pki), "key": b64(pki.server.key)},
        "garbled key": {**crt_key(pki), "key": b64(pki.client.key[:-80])},
        "wrong pfx password": {"pfx": b64(pki.client.pfx(PFX_PASSWORD)), "password": "nope"},
    }

    result = await run_tls(
        run_connector,
        ssl_config(https, pki),
        cases[secrets] if isinstance(secrets, str) else secrets,
    )

    assert result == error("error calling webhook, request failed", service_message)
    assert https.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "https://external.example.com/hooks/alert\r\nX-Injected: 1",
        "https://external.example.com/hooks\n/alert",
        "https://external.example.com/hooks/alert?a=\tb",
        "https://external.example.com/hooks/\x7falert",
    ],
)
async def test_a_url_holding_control_characters_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, db: Database, url: str
) -> None:
    before = await snapshot(db)
    body = {"name": "hook", "connector_type_id": ".webhook", "config": {"url": url}}
    response = await client.post("/api/actions/connector", json=body)
    assert (response.status_code, response.json()) == (
        400,
        {
            "statusCode": 400,
            "error": "Bad Request",
            "message": "error validating action type config: error configuring webhook action:"
            " unable to parse url: TypeError: Invalid URL",
        },
    )
    assert await snapshot(db) == before


async def test_an_invalid_url_reaching_the_network_layer_is_an_error_result() -> None:
    with pytest.raises(OutboundError) as failed:
        await Outbound().request("POST", "http://external.example.com/a\r\nb", content=b"")
    assert (str(failed.value), failed.value.code) == ("Invalid URL", "ERR_INVALID_URL")
