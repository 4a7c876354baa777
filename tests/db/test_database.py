"""The db layer: read_cached and the security epoch see every write; each transaction commits
or fails on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from opencases.db import Database, bump_security_epoch, connect, sqlite
from opencases.db.postgres import PostgresDatabase
from opencases.db.postgres_epoch import LISTENER_NAME


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
    # A read with nothing committed since comes from memory. On PostgreSQL "nothing" is
    # server-wide (pg_current_snapshot): a commit in another database (another test
    # worker's) counts, so a few tries find a quiet moment.
    for _ in range(50):
        loaded = loads
        assert await db.read_cached("spaces", load) == first
        if loads == loaded:
            break
        await asyncio.sleep(0.01)
    assert loads == loaded, "no read came from memory"

    await insert_space(db, "written_here")
    assert await db.read_cached("spaces", load) == first + 1

    # Another connection to the same database stands for another process.
    other = await connect(database_url, pool_size=1)
    try:
        await insert_space(other, "written_elsewhere")
    finally:
        await other.close()
    assert await db.read_cached("spaces", load) == first + 2


async def test_readers_of_one_key_at_one_snapshot_share_one_load(db: Database) -> None:
    if db.dialect == "sqlite":
        pytest.skip("SQLite's reads run on the event loop: a load ends before the next reader")
    loads = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        return await count_spaces(db)

    readers = [asyncio.ensure_future(db.read_cached("shared", load)) for _ in range(10)]
    await asyncio.sleep(0.05)
    # One reader going away does not end the load the others wait for.
    readers[0].cancel()
    release.set()
    answers = await asyncio.gather(*readers[1:])
    assert answers == [answers[0]] * 9
    assert loads == 1


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


async def test_on_sqlite_no_commit_checkpoints_and_the_wal_starts_over_under_constant_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checkpoints run on a thread of their own; a write waits for one only when the WAL
    # holds WAL_RESTART_FRAMES pages, so that it can start over (else it grows for ever).
    monkeypatch.setattr(sqlite, "WAL_RESTART_FRAMES", 50)
    path = tmp_path / "wal.db"
    db = sqlite.SQLiteDatabase(str(path))
    try:
        await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)")
        writer_setting = await db.on_writer(
            lambda connection: connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        )
        wal = path.with_name("wal.db-wal")
        largest = 0

        async def write_forty() -> None:
            nonlocal largest
            for _ in range(40):
                await db.execute("INSERT INTO notes (body) VALUES (:body)", {"body": b"x" * 8000})
                largest = max(largest, wal.stat().st_size)

        # 32 writers at once: each COMMIT has the next transactions waiting behind it.
        # Two pages of body each: a WAL that never started over would pass 2,560 pages;
        # here it stays below the threshold and one batch of 32 writes (about 120 pages),
        # however slow the checkpoints are.
        await asyncio.gather(*(write_forty() for _ in range(32)))
        row = await db.fetch_one("SELECT count(*) AS n FROM notes")
    finally:
        await db.close()

    assert (writer_setting, row["n"] if row else None) == (0, 1280)
    pages = largest // 4096
    assert 50 <= pages < 200, pages


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


# --- PostgreSQL: the security epoch heard, not asked --------------------------------


def postgres(db: Database) -> PostgresDatabase:
    """The database, when it is PostgreSQL's (else skip: SQLite's epoch costs no round trip)."""
    if not isinstance(db, PostgresDatabase):
        pytest.skip("SQLite knows the epoch from data_version, asked on the event loop")
    return db


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds (10 s at most)."""
    async with asyncio.timeout(10):
        # The listener's state changes in the background, with no event to wait for.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def listening(db: Database) -> int:
    """The epoch `db` knows without a round trip, once its listener listens."""
    await eventually(lambda: db.known_security_epoch() is not None)
    known = db.known_security_epoch()
    assert known is not None
    return known


def count_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that grows by one at each use of an asyncpg pool from now on."""
    # Every statement sent through a pool (its own fetchrow, fetch, execute, or a
    # transaction's) takes one of its connections first: none taken, no round trip made.
    uses: list[str] = []
    acquire = asyncpg.Pool.acquire

    def counting(pool: asyncpg.Pool, *args: Any, **kwargs: Any) -> Any:
        uses.append("acquire")
        return acquire(pool, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Pool, "acquire", counting)
    return uses


async def test_on_postgresql_a_listened_epoch_costs_no_round_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    epoch = await listening(postgres(db))
    round_trips = count_round_trips(monkeypatch)
    scope = db.request_scope()

    assert scope.known_security_epoch() == epoch
    assert await scope.security_epoch() == epoch
    assert await db.security_epoch() == epoch
    assert round_trips == []


async def test_on_postgresql_a_bump_through_another_database_is_known_when_it_returns(
    db: Database, database_url: str
) -> None:
    epoch = await listening(postgres(db))
    # Another PostgresDatabase stands for another process, with a listener of its own.
    other = await connect(database_url, pool_size=1)
    try:
        async with other.transaction() as tx:
            await bump_security_epoch(tx)
        # Known here, with no await in between: the writer returned only once every
        # listening process (this one too) said it took the bump in.
        assert db.known_security_epoch() == epoch + 1

        with pytest.raises(Refused):
            await bump_then_fail(other)
        async with db.transaction() as tx:
            await bump_security_epoch(tx)
        assert db.known_security_epoch() == other.known_security_epoch() == epoch + 2
    finally:
        await other.close()


async def test_on_postgresql_a_lost_listener_falls_back_to_round_trips_and_recovers(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    epoch = await listening(postgres(db))
    # Reconnections wait for the test's word, so it sees the listener down.
    reconnect = asyncio.Event()
    connect_listener = asyncpg.connect

    async def held(*args: Any, **kwargs: Any) -> Any:
        await reconnect.wait()
        return await connect_listener(*args, **kwargs)

    monkeypatch.setattr(asyncpg, "connect", held)
    ended = await db.fetch_one(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = :name",
        {"name": LISTENER_NAME},
    )
    assert ended is not None
    assert ended["n"] == 1
    await eventually(lambda: db.known_security_epoch() is None)

    round_trips = count_round_trips(monkeypatch)
    assert await db.request_scope().security_epoch() == epoch
    assert len(round_trips) == 1  # the snapshot
    # A bump the listener cannot hear (the writer, not listening, does not wait for it).
    async with db.transaction() as tx:
        await bump_security_epoch(tx)
    assert await db.request_scope().security_epoch() == epoch + 1

    reconnect.set()
    # Back, it reads what it missed.
    assert await listening(db) == epoch + 1
    round_trips.clear()
    assert await db.request_scope().security_epoch() == epoch + 1
    assert round_trips == []


async def test_on_postgresql_an_epoch_reset_behind_the_listeners_back_is_read_again(
    db: Database,
) -> None:
    await listening(postgres(db))
    for _ in range(3):
        async with db.transaction() as tx:
            await bump_security_epoch(tx)
    assert (db.known_security_epoch() or 0) >= 3

    # Not notified: the listener still knows the old epoch.
    await db.execute("DELETE FROM security_epoch")
    async with db.transaction() as tx:
        await bump_security_epoch(tx)
    # The bump it hears (1) is below what it knows: it reads the row again. (The writer
    # may return before: what its listener said before the reset is past 1.)
    await eventually(lambda: db.known_security_epoch() == 1)
