"""Connectors' OAuth access tokens, kept sealed between runs (Kibana's connector_token)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from opencases.connectors import store
from opencases.connectors.crypto import SecretBox
from opencases.connectors.errors import SecretsUnreadable
from opencases.db import Database
from opencases.kibana.time import Clock, format_time, parse_time

log = logging.getLogger("opencases.connectors")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorTokens:
    """A connector's OAuth access token, kept sealed in the database between runs."""

    db: Database
    box: SecretBox
    clock: Clock
    space_id: str
    connector_id: str

    async def get(self) -> str | None:
        """The kept token, unless there is none, it has expired or cannot be opened."""
        kept = await store.get_token(self.db, connector_id=self.connector_id)
        if kept is None or parse_time(kept.expires_at) <= self.clock.now():
            return None
        try:
            opened = self.box.decrypt(
                kept.token, space_id=kept.space_id, connector_id=self.connector_id
            )
        except SecretsUnreadable:
            return None  # sealed under another key: a new one is asked for
        token: str = opened["token"]
        return token

    async def put(self, token: str, *, expires_at: datetime) -> None:
        """Keep a token just received; a failure to keep it does not fail the run."""
        sealed = self.box.encrypt(
            {"token": token}, space_id=self.space_id, connector_id=self.connector_id
        )
        kept = store.ConnectorTokenRecord(
            space_id=self.space_id, token=sealed, expires_at=format_time(expires_at)
        )
        now = format_time(self.clock.now())
        try:
            async with self.db.transaction() as tx:
                await store.put_token(tx, connector_id=self.connector_id, token=kept, now=now)
        except Exception as exc:
            # Kibana catches any failure here, logs it and goes on with the token it has.
            log.warning(
                "Not able to update connector token for connectorId: %s due to error: %s",
                self.connector_id,
                exc,
            )

    async def delete(self) -> None:
        """Forget the kept token."""
        async with self.db.transaction() as tx:
            await store.delete_token(tx, connector_id=self.connector_id)
