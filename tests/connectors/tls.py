"""A test PKI made on the spot, and a local HTTPS server that requires a client certificate."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CLIENT_NAME = "opencases-client"
PFX_PASSWORD = "pfx-password-never-shown"


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate and its key, PEM-encoded."""

    cert: bytes
    key: bytes
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    def pfx(self, password: str | None) -> bytes:
        """The certificate and key as PKCS#12, encrypted when a password is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
            if password is None
            else serialization.BestAvailableEncryption(password.encode())
        )
        return pkcs12.serialize_key_and_certificates(
            b"client", self.private_key, self.certificate, None, encryption
        )


def b64(data: bytes) -> str:
    """Base64, as Kibana's UI stores a certificate file."""
    return base64.b64encode(data).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True, slots=True)
class Authority:
    """A test certificate authority that issues server and client certificates."""

    issued: Issued

    @classmethod
    def create(cls, name: str) -> Authority:
        """A self-signed CA called `name`."""
        key = ec.generate_private_key(ec.SECP256R1())
        builder = _builder(_name(name), key.public_key()).add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        )
        certificate = builder.issuer_name(_name(name)).sign(key, hashes.SHA256())
        return cls(_issued(certificate, key))

    def issue(self, common_name: str, *, ip: str | None = None) -> Issued:
        """A leaf certificate for `common_name`, naming the IP address `ip` when given."""
        key = ec.generate_private_key(ec.SECP256R1())
        builder = _builder(_name(common_name), key.public_key()).issuer_name(
            self.issued.certificate.subject
        )
        if ip is not None:
            alt_name = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))])
            builder = builder.add_extension(alt_name, critical=False)
        certificate = builder.sign(self.issued.private_key, hashes.SHA256())
        return _issued(certificate, key)


def _builder(subject: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )


def _issued(certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Issued:
    return Issued(
        cert=certificate.public_bytes(serialization.Encoding.PEM),
        key=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate=certificate,
        private_key=key,
    )


@dataclass(frozen=True, slots=True)
class Pki:
    """The CA, the server's certificate (for 127.0.0.1) and the client's certificate."""

    ca: Authority
    server: Issued
    client: Issued

    @classmethod
    def create(cls) -> Pki:
        """A fresh PKI."""
        ca = Authority.create("OpenCases Test CA")
        return cls(ca, ca.issue("127.0.0.1", ip="127.0.0.1"), ca.issue(CLIENT_NAME))


@dataclass(frozen=True, slots=True)
class Seen:
    """A request the server took: the client certificate's common name, and the request."""

    client: str
    method: str
    path: str
    body: Any


@dataclass(slots=True)
class TlsServer:
    """What the server saw, and its answers by `(METHOD, path)` (JSON; else 404)."""

    url: str
    answers: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)


@asynccontextmanager
async def tls_server(pki: Pki, tmp_path: Path) -> AsyncIterator[TlsServer]:
    """An HTTPS server on 127.0.0.1 that requires a client certificate from the test CA."""
    chain = tmp_path / "server.pem"
    chain.write_bytes(pki.server.cert + pki.server.key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    context.load_verify_locations(cadata=pki.ca.issued.cert.decode())
    context.verify_mode = ssl.CERT_REQUIRED
    server: TlsServer

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
        except (asyncio.IncompleteReadError, ssl.SSLError, ConnectionError):
            writer.close()
            return
        request_line, *header_lines = head.split("\r\n")
        method, path, _ = request_line.split(" ")
        headers = dict(line.lower().split(": ", 1) for line in header_lines if line)
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        peer = writer.get_extra_info("peercert")
        subject = dict(entry[0] for entry in peer["subject"])
        body = json.loads(raw) if raw.startswith(b"{") else raw.decode() or None
        server.seen.append(Seen(subject["commonName"], method, path, body))
        status, answer = server.answers.get((method, path), (404, {"message": "no route"}))
        content = json.dumps(answer).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"content-length: {len(content)}\r\nconnection: close\r\n\r\n".encode()
            + content
        )
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    server = TlsServer(f"https://127.0.0.1:{listener.sockets[0].getsockname()[1]}")
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()
