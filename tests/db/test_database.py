"""The db layer: read_cached and the security epoch see every write; each transaction commits
or fails on its own."""

from __future__ import annotations

import asyncio

import pytest

from opencases.db import Database, bump_security_epoch, connect
from opencases.db.postgres import PostgresDatabase


async def count_spaces(db: Database) -> int:
    """How many spaces are stored."""
    row = await db.fetch_one("SELECT count(*) AS n FROM spaces")
    assert row is not None
    return int(row["n"])


async def insert_space(db: Database, space_id: str) -> None:
    """Store a bare space."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO spaces (id, name, disabled_features, revision, created_at, updated_at)"
            " VALUES (:id, :id, '[]', 1, 'now', 'now')",
            {"id": space_id},
        )


async def test_read_cached_sees_writes_of_this_and_other_connections(
    db: Database, database_url: str
) -> None:
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        return await count_spaces(db)

    first = await db.read_cached("spaces", load)
    assert await db.read_cached("spaces", load) == first
    cached_loads = loads

    await insert_space(db, "written_here")
    assert await db.read_cached("spaces", load) == first + 1

    # Another connection to the same database stands for another process.
    other = await connect(database_url, pool_size=1)
    try:
        await insert_space(other, "written_elsewhere")
    finally:
        await other.close()
    assert await db.read_cached("spaces", load) == first + 2
    assert cached_loads == 1  # the second read came from memory


class Refused(Exception):
    """A transaction's own failure, after its statements ran."""


async def write_or_fail(db: Database, space_id: str, *, fail: bool) -> None:
    """Insert a space in a transaction that then fails when `fail`."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO spaces (id, name, disabled_features, revision, created_at, updated_at)"
            " VALUES (:id, :id, '[]', 1, 'now', 'now')",
            {"id": space_id},
        )
        if fail:
            raise Refused(space_id)


async def test_concurrent_transactions_commit_or_roll_back_each_on_its_own(
    db: Database, database_url: str
) -> None:
    # On SQLite these share one COMMIT (group commit): a failed one must not take the
    # others with it, nor leave its own writes behind.
    outcomes = await asyncio.gather(
        *(write_or_fail(db, f"s{index}", fail=index % 3 == 0) for index in range(12)),
        return_exceptions=True,
    )

    assert [type(outcome).__name__ for outcome in outcomes] == [
        "Refused" if index % 3 == 0 else "NoneType" for index in range(12)
    ]
    # Committed when the block ended: another connection (another process) sees them.
    other = await connect(database_url, pool_size=1)
    try:
        rows = await other.fetch_all("SELECT id FROM spaces WHERE id LIKE 's%' ORDER BY id")
    finally:
        await other.close()
    assert sorted(row["id"] for row in rows) == sorted(
        f"s{index}" for index in range(12) if index % 3 != 0
    )


async def bump_then_fail(db: Database) -> None:
    """Bump the security epoch in a transaction that then fails."""
    async with db.transaction() as tx:
        await bump_security_epoch(tx)
        raise Refused("rolled back")


async def test_the_security_epoch_moves_with_each_committed_bump_from_any_connection(
    db: Database, database_url: str
) -> None:
    before = await db.security_epoch()

    async with db.transaction() as tx:
        await bump_security_epoch(tx)
    assert await db.security_epoch() == before + 1

    with pytest.raises(Refused):
        await bump_then_fail(db)
    assert await db.security_epoch() == before + 1

    other = await connect(database_url, pool_size=1)
    try:
        async with other.transaction() as tx:
            await bump_security_epoch(tx)
    finally:
        await other.close()
    assert await db.security_epoch() == before + 2


async def test_a_request_scope_knows_the_epoch_without_io_once_it_asked(db: Database) -> None:
    scope = db.request_scope()
    epoch = await scope.security_epoch()

    assert scope.known_security_epoch() == epoch
    async with scope.transaction() as tx:
        await bump_security_epoch(tx)
    # Its own commit: the next answer comes from after it.
    assert await scope.security_epoch() == epoch + 1


async def test_a_request_scope_reads_back_what_it_committed(db: Database) -> None:
    scope = db.request_scope()

    async def load() -> int:
        return await count_spaces(scope)

    first = await scope.read_cached("spaces", load)
    await insert_space(scope, "written_in_the_request")
    assert await scope.read_cached("spaces", load) == first + 1


async def test_a_request_on_postgresql_waits_for_one_snapshot(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not isinstance(db, PostgresDatabase):
        pytest.skip("SQLite's check for commits is a call on the event loop, not a round trip")
    asked = 0
    ask = db._ask_snapshot

    async def counting() -> object:
        nonlocal asked
        asked += 1
        return await ask()

    monkeypatch.setattr(db, "_ask_snapshot", counting)
    scope = db.request_scope()

    await scope.security_epoch()
    await scope.read_cached("spaces", lambda: count_spaces(scope))
    await scope.read_cached("spaces", lambda: count_spaces(scope))

    assert asked == 1
