"""Re-sealing connector secrets under the current key (`opencases encryption rotate`)."""

from __future__ import annotations

from opencases.connectors import store
from opencases.connectors.crypto import SecretBox
from opencases.connectors.errors import SecretsUnreadable
from opencases.db import Database


class RotationFailed(Exception):
    """Some stored secrets open with none of the keys: nothing was re-sealed."""


async def rotate(*, db: Database, box: SecretBox) -> int:
    """Re-seal every connector's secrets under the box's key, in one transaction; how many.

    The kept OAuth tokens are dropped rather than re-sealed: each connector asks for a new
    one at its next run, as when a token expires.
    """
    async with db.transaction() as tx:
        sealed = await store.sealed_secrets(tx)
        for space_id, connector_id, envelope in sealed:
            try:
                secrets = box.decrypt(envelope, space_id=space_id, connector_id=connector_id)
            except SecretsUnreadable:
                raise RotationFailed(
                    f"the secrets of connector {connector_id} (space {space_id}) open with"
                    " neither the encryption key nor a decryption-only key"
                ) from None
            await store.reseal_secrets(
                tx,
                space_id=space_id,
                connector_id=connector_id,
                secrets=box.encrypt(secrets, space_id=space_id, connector_id=connector_id),
            )
        await store.delete_tokens(tx)
    return len(sealed)
