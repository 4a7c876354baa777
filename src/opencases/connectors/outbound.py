"""Outbound HTTP for connectors: Kibana's allowedHosts, timeout and response limit.

Kibana's connectors call external systems with axios and quote axios's error texts in
their results (`Request failed with status code 401`, `timeout of 60000ms exceeded`), so
the errors raised here carry the same words. A call may carry a connector's own TLS
settings (Kibana's `sslOverrides`: client certificate, trusted CAs, verification mode).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import ssl
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from opencases.connectors.errors import HostNotAllowed, OutboundError
from opencases.connectors.http11 import Http11Transport

# Kibana's xpack.actions.allowedHosts default: every host.
ANY_HOST = "*"


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


VerificationMode = Literal["none", "certificate", "full"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SslOverrides:
    """A connector's own TLS settings (Kibana's `sslOverrides`), already base64-decoded."""

    cert: bytes | None = field(default=None, repr=False)
    key: bytes | None = field(default=None, repr=False)
    pfx: bytes | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    ca: bytes | None = None
    verification_mode: VerificationMode | None = None


@dataclass(slots=True, kw_only=True)
class Outbound:
    """Makes connectors' HTTP calls within allowedHosts, a timeout and a response limit."""

    allowed_hosts: tuple[str, ...] = (ANY_HOST,)
    # Kibana's xpack.actions.responseTimeout (60s) and maxResponseContentLength (1mb).
    timeout_seconds: float = 60.0
    max_response_bytes: int = 1_048_576
    # Tests hand in httpx.MockTransport; servers use the network (Http11Transport).
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
        ssl_overrides: SslOverrides | None = None,
    ) -> OutboundResponse:
        """Call `url`; a 2xx answer, or OutboundError (HostNotAllowed for a refused host)."""
        self.ensure_url_allowed(url)
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            headers = {"content-type": "application/json", **(headers or {})}
        if ssl_overrides is None:
            return await self._send(
                self.client(),
                method,
                url,
                headers=headers,
                content=content,
                params=params,
                auth=auth,
            )
        # Kibana makes an https agent for each call that has sslOverrides; so does this.
        context = await asyncio.to_thread(ssl_context, overrides=ssl_overrides)
        async with self._new_client(ssl_context=context) as client:
            return await self._send(
                client, method, url, headers=headers, content=content, params=params, auth=auth
            )

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        content: bytes | str | None,
        params: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> OutboundResponse:
        timeout_ms = round(self.timeout_seconds * 1000)
        try:
            # httpx bounds each phase (connect, every read); this bounds the whole call,
            # so an answer that trickles in slowly cannot hold a run for ever.
            async with (
                asyncio.timeout(self.timeout_seconds),
                client.stream(
                    method, url, headers=headers, content=content, params=params, auth=auth
                ) as answer,
            ):
                body = await self._read(answer)
        except (httpx.TimeoutException, TimeoutError):
            message = f"timeout of {timeout_ms}ms exceeded"
            raise OutboundError(message, code="ECONNABORTED") from None
        except httpx.ConnectError as exc:
            refused = _certificate_refusal(exc)
            if refused is not None:
                raise refused from None
            raise OutboundError(_connect_message(url, exc), code="ECONNREFUSED") from None
        except httpx.TransportError as exc:
            raise OutboundError(str(exc) or type(exc).__name__, code="ERR_NETWORK") from None
        except httpx.InvalidURL:
            # Node's `new URL()` throws this before axios sends anything.
            raise OutboundError("Invalid URL", code="ERR_INVALID_URL") from None
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
            self._client = self._new_client(ssl_context=None)
        return self._client

    def _new_client(self, *, ssl_context: ssl.SSLContext | None) -> httpx.AsyncClient:
        # Redirects are not followed: a redirect could lead outside allowedHosts.
        return httpx.AsyncClient(
            transport=self.transport or Http11Transport(ssl_context=ssl_context),
            timeout=httpx.Timeout(self.timeout_seconds),
            follow_redirects=False,
        )

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


def ssl_context(*, overrides: SslOverrides) -> ssl.SSLContext:
    """The TLS context Node's https agent makes from `overrides`; OutboundError if unusable."""
    if overrides.ca is None:
        context = httpx.create_ssl_context()
    else:
        authorities = _certificates(overrides.ca, "the certificate authority (ca)")
        # Node's `ca` replaces the trusted roots instead of adding to them.
        context = ssl.create_default_context(cadata=_pem(authorities).decode())
    mode = overrides.verification_mode or "full"
    # Node's `certificate` mode verifies the chain but not the host name; `none` neither.
    if mode != "full":
        context.check_hostname = False
    if mode == "none":
        context.verify_mode = ssl.CERT_NONE
    if overrides.pfx is not None:
        chain, key = _from_pfx(overrides.pfx, overrides.passphrase)
        _load_client_certificate(context, chain=chain, key=key)
    elif overrides.cert is not None and overrides.key is not None:
        chain = _certificates(overrides.cert, "the client certificate (crt)")
        key = _private_key(overrides.key, overrides.passphrase)
        _load_client_certificate(context, chain=chain, key=key)
    return context


def _certificates(data: bytes, description: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise OutboundError(f"{description} is not a PEM certificate") from None


def _private_key(data: bytes, passphrase: str | None) -> PrivateKeyTypes:
    password = None if passphrase is None else passphrase.encode()
    try:
        return serialization.load_pem_private_key(data, password=password)
    except TypeError:
        # Node ignores a passphrase given for a key that is not encrypted.
        if password is not None:
            return _private_key(data, None)
        raise OutboundError("the client key (key) is encrypted and no password is given") from None
    except ValueError:
        raise OutboundError(
            "the client key (key) is not a PEM private key, or its password is wrong"
        ) from None


def _from_pfx(
    data: bytes, passphrase: str | None
) -> tuple[list[x509.Certificate], PrivateKeyTypes]:
    password = None if passphrase is None else passphrase.encode()
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise OutboundError(
            "the client certificate (pfx) is not a PKCS#12 file, or its password is wrong"
        ) from None
    if key is None or certificate is None:
        raise OutboundError("the client certificate (pfx) holds no certificate and key")
    return [certificate, *extra], key


def _load_client_certificate(
    context: ssl.SSLContext, *, chain: Sequence[x509.Certificate], key: PrivateKeyTypes
) -> None:
    """Give `context` the client certificate; Python's ssl reads it only from a file."""
    if chain[0].public_key().public_bytes(*_PUBLIC_KEY) != key.public_key().public_bytes(
        *_PUBLIC_KEY
    ):
        raise OutboundError("the client key does not belong to the client certificate")
    # The key goes to disk only encrypted, under a password that lives in memory alone,
    # in a file only this user may read (mkstemp) and removed as soon as it is read.
    password = secrets.token_urlsafe(32).encode()
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    with tempfile.NamedTemporaryFile(prefix="opencases-", suffix=".pem") as file:
        file.write(_pem(chain) + encrypted)
        file.flush()
        try:
            context.load_cert_chain(file.name, password=password)
        except ssl.SSLError as exc:
            raise OutboundError(f"the client certificate cannot be used: {exc}") from None


_PUBLIC_KEY = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _pem(certificates: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


# Node names a refused server certificate by OpenSSL's X509_V_ERR_* constant, without
# the prefix, and words it as OpenSSL does (X509_verify_cert_error_string).
_VERIFY_CODES = {
    2: "UNABLE_TO_GET_ISSUER_CERT",
    3: "UNABLE_TO_GET_CRL",
    4: "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
    5: "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
    6: "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
    7: "CERT_SIGNATURE_FAILURE",
    8: "CRL_SIGNATURE_FAILURE",
    9: "CERT_NOT_YET_VALID",
    10: "CERT_HAS_EXPIRED",
    11: "CRL_NOT_YET_VALID",
    12: "CRL_HAS_EXPIRED",
    13: "ERROR_IN_CERT_NOT_BEFORE_FIELD",
    14: "ERROR_IN_CERT_NOT_AFTER_FIELD",
    15: "ERROR_IN_CRL_LAST_UPDATE_FIELD",
    16: "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
    17: "OUT_OF_MEM",
    18: "DEPTH_ZERO_SELF_SIGNED_CERT",
    19: "SELF_SIGNED_CERT_IN_CHAIN",
    20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    22: "CERT_CHAIN_TOO_LONG",
    23: "CERT_REVOKED",
    24: "INVALID_CA",
    25: "PATH_LENGTH_EXCEEDED",
    26: "INVALID_PURPOSE",
    27: "CERT_UNTRUSTED",
    28: "CERT_REJECTED",
}
_NAME_MISMATCH = (62, 64)  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


def _certificate_refusal(exc: BaseException) -> OutboundError | None:
    """Node's code and words for a server certificate refused, when that ended the call."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        if cause.verify_code in _NAME_MISMATCH:
            # Node checks the name itself and lists the certificate's names; OpenSSL's
            # words stand in for that list.
            message = f"Hostname/IP does not match certificate's altnames: {cause.verify_message}"
            return OutboundError(message, code="ERR_TLS_CERT_ALTNAME_INVALID")
        code = _VERIFY_CODES.get(cause.verify_code, "UNSPECIFIED")
        return OutboundError(cause.verify_message, code=code)
    if cause is not None:
        return OutboundError(str(cause), code="EPROTO")
    return None
