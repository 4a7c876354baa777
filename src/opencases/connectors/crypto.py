"""Connector secrets at rest: AES-256-GCM under the configured encryption key.

Kibana encrypts a connector's `secrets` with xpack.encryptedSavedObjects.encryptionKey and
binds the ciphertext to the saved object, so it cannot be copied onto another one. Here the
key is derived from `encryption_key` with HKDF-SHA256, every write takes a fresh 96-bit
nonce, and the associated data names the connector's space and id.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from opencases.connectors.errors import SecretsUnreadable

# The format of a stored envelope: `v1:` + base64(nonce || ciphertext || tag).
_VERSION = "v1:"
_NONCE_BYTES = 12
_INFO = b"opencases connector secrets v1"
_OPENS_CACHE_SIZE = 10_000


def _aead(encryption_key: str) -> AESGCM:
    """The cipher of a configured key (derived with HKDF-SHA256)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        encryption_key.encode()
    )
    return AESGCM(key)


def _associated_data(space_id: str, connector_id: str) -> bytes:
    # Length-prefixed, so no (space, id) pair can be spelled as another.
    space, connector = space_id.encode(), connector_id.encode()
    return len(space).to_bytes(4, "big") + space + connector


class SecretBox:
    """Encrypts connector secrets with one key; decrypts with it or an older one."""

    __slots__ = ("_aead", "_older", "_opens")

    def __init__(self, encryption_key: str, decryption_only_keys: Sequence[str] = ()) -> None:
        self._aead = _aead(encryption_key)
        # Kibana's keyRotation.decryptionOnlyKeys: what was sealed before a key changed.
        self._older = [_aead(key) for key in decryption_only_keys]
        # Whether an envelope opens, by envelope: lists ask it of every connector.
        self._opens: dict[tuple[str, str, str], bool] = {}

    def __repr__(self) -> str:
        return "SecretBox(<key>)"

    def encrypt(self, secrets: dict[str, Any], *, space_id: str, connector_id: str) -> str:
        """The envelope of `secrets` for the connector (space, id)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(
            nonce, msgspec.json.encode(secrets), _associated_data(space_id, connector_id)
        )
        return _VERSION + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, envelope: str, *, space_id: str, connector_id: str) -> dict[str, Any]:
        """The secrets in `envelope`, or SecretsUnreadable."""
        if not envelope.startswith(_VERSION):
            raise SecretsUnreadable("unknown envelope format")
        try:
            raw = base64.b64decode(envelope[len(_VERSION) :], validate=True)
        except ValueError:
            raise SecretsUnreadable("the secrets do not decrypt with this key") from None
        data = _associated_data(space_id, connector_id)
        for aead in (self._aead, *self._older):
            try:
                plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], data)
                break
            except (InvalidTag, ValueError):
                continue
        else:
            raise SecretsUnreadable("the secrets do not decrypt with this key")
        secrets = msgspec.json.decode(plain)
        if not isinstance(secrets, dict):
            raise SecretsUnreadable("the secrets are not an object")
        return secrets

    def opens(self, envelope: str, *, space_id: str, connector_id: str) -> bool:
        """Whether `envelope` decrypts for the connector (the answer is remembered)."""
        key = (envelope, space_id, connector_id)
        opens = self._opens.get(key)
        if opens is None:
            try:
                self.decrypt(envelope, space_id=space_id, connector_id=connector_id)
                opens = True
            except SecretsUnreadable:
                opens = False
            if len(self._opens) >= _OPENS_CACHE_SIZE:
                self._opens.clear()
            self._opens[key] = opens
        return opens


def secret_box(
    encryption_key: str | None, decryption_only_keys: Sequence[str] = ()
) -> SecretBox | None:
    """The box for a configured key, or None when no key is configured."""
    return SecretBox(encryption_key, decryption_only_keys) if encryption_key else None
