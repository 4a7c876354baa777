"""SQL for push locks: one push of a case to a connector at a time, across processes."""

from __future__ import annotations

from opencases.db import Executor


async def acquire(
    tx: Executor, *, case_id: str, connector_id: str, holder: str, now: str, expires_at: str
) -> bool:
    """Take the case's push lock for the connector, unless another holder has it."""
    key = {"case_id": case_id, "connector_id": connector_id}
    await tx.execute(
        "DELETE FROM case_push_locks WHERE case_id = :case_id AND connector_id = :connector_id"
        " AND expires_at < :now",
        {**key, "now": now},
    )
    taken = await tx.execute(
        "INSERT INTO case_push_locks (case_id, connector_id, holder, expires_at)"
        " VALUES (:case_id, :connector_id, :holder, :expires_at)"
        " ON CONFLICT (case_id, connector_id) DO NOTHING",
        {**key, "holder": holder, "expires_at": expires_at},
    )
    return taken == 1


async def release(tx: Executor, *, case_id: str, connector_id: str, holder: str) -> None:
    """Give the lock back (if this holder still has it)."""
    await tx.execute(
        "DELETE FROM case_push_locks WHERE case_id = :case_id AND connector_id = :connector_id"
        " AND holder = :holder",
        {"case_id": case_id, "connector_id": connector_id, "holder": holder},
    )
