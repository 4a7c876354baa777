"""PostgreSQL: an asyncpg pool, with reads cached per snapshot; bumps heard by LISTEN."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Sequence,
)
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, NamedTuple

import asyncpg

from opencases.db.database import (
    READ_CACHE_SIZE,
    SELECT_SECURITY_EPOCH,
    Executor,
    Params,
    Row,
    T,
    UniqueViolation,
    bump_security_epoch,
)
from opencases.db.postgres_epoch import (
    BUMP_AND_NOTIFY,
    LISTENER_NAME,
    LISTENER_SESSIONS,
    SecurityEpochListener,
)

log = logging.getLogger(__name__)

_NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def postgres_sql(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters rewritten as asyncpg's `$n`, with the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _NAMED_PARAMETER.sub(number, sql), tuple(names)


def _postgres_args(sql: str, params: Params | None) -> tuple[str, list[Any]]:
    query, names = postgres_sql(sql)
    return query, [params[name] for name in names] if params else []


class Snapshot(NamedTuple):
    """What PostgreSQL answers once per event-loop turn: its snapshot, and the epoch in it."""

    text: str
    security_epoch: int


class _PostgresConnection:
    """Statements on one asyncpg connection (a transaction's)."""

    dialect = "postgresql"

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        query, args = _postgres_args(sql, params)
        try:
            row: Row | None = await self._connection.fetchrow(query, *args)
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        return row

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        query, args = _postgres_args(sql, params)
        rows: Sequence[Row] = await self._connection.fetch(query, *args)
        return rows

    async def execute(self, sql: str, params: Params | None = None) -> int:
        query, args = _postgres_args(sql, params)
        try:
            status: str = await self._connection.execute(query, *args)
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        # asyncpg answers a status tag such as "UPDATE 1" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0


class _PostgresTransaction(_PostgresConnection):
    """Statements of one transaction; a bump in it notifies the listeners at its commit."""

    def __init__(self, connection: Any, *, listener: SecurityEpochListener | None) -> None:
        super().__init__(connection)
        self._listener = listener
        # The epoch this transaction bumped to last, if it did.
        self.bumped: int | None = None
        # The listener's generation when the transaction first bumped, if it listened:
        # the answers to this bump come to that connection (None: it will not wait).
        self.heard_by: int | None = None

    async def bump_security_epoch(self) -> None:
        """Bump the security epoch; the listeners hear of it at the commit."""
        listener = self._listener
        if listener is not None and self.bumped is None and await listener.listening():
            self.heard_by = listener.generation
        writer = 0 if listener is None or self.heard_by is None else listener.pid
        row = await self._connection.fetchrow(BUMP_AND_NOTIFY, str(writer))
        self.bumped = row["epoch"]


class _PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pool connection returned without a reset query.

    asyncpg's default reset (unlock advisory locks, CLOSE ALL, UNLISTEN, RESET ALL) costs a
    round trip per statement; OpenCases keeps no session state, and an open transaction
    is still rolled back on release.
    """

    def get_reset_query(self) -> str:
        """No reset query."""
        return ""


class PostgresDatabase:
    """PostgreSQL through an asyncpg pool."""

    dialect = "postgresql"

    def __init__(self, pool: Any, *, listen_url: str | None = None) -> None:
        self._pool = pool
        self._pooled = _PostgresConnection(pool)
        self._reads: dict[Hashable, tuple[str, Any]] = {}
        self._loading: dict[tuple[str, Hashable], asyncio.Future[Any]] = {}
        self._snapshot: asyncio.Future[Snapshot] | None = None
        # Started at the first need: a short-lived command that asks nothing opens none.
        self._listener = None if listen_url is None else SecurityEpochListener(listen_url)

    @classmethod
    async def connect(cls, url: str, *, pool_size: int = 10) -> PostgresDatabase:
        """Open a pool of connections to `url` (and, once needed, a listener of bumps)."""
        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=pool_size, connection_class=_PooledConnection
        )
        return cls(pool, listen_url=url)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, on a pooled connection, or None."""
        return await self._pooled.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        """Every row of a query, on a pooled connection."""
        return await self._pooled.fetch_all(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a statement on a pooled connection; the number of rows it changed."""
        return await self._pooled.execute(sql, params)

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """`await load()`, remembered under `key` while the server's snapshot stands."""
        snapshot = await self.current_snapshot()
        return await self.read_cached_at(snapshot, key, load)

    async def read_cached_at(
        self, snapshot: Snapshot, key: Hashable, load: Callable[[], Awaitable[T]]
    ) -> T:
        """read_cached, for a snapshot taken after the reader arrived."""
        # Every commit of a writing transaction, from any process, changes the server's
        # snapshot: its xid leaves the in-progress list, or xmax moves past it. While the
        # snapshot taken before a load stands unchanged, nothing that load read has changed.
        cached = self._reads.get(key)
        if cached is not None and cached[0] == snapshot.text:
            value: T = cached[1]
            return value
        # Readers of one key at one snapshot share one load: after a commit, the requests
        # in flight would otherwise each run the same queries (on SQLite a load runs on the
        # loop at once; here each waits for its round trips).
        loading_key = (snapshot.text, key)
        loading = self._loading.get(loading_key)
        if loading is None:
            loading = asyncio.ensure_future(self._load(snapshot.text, key, load))
            self._loading[loading_key] = loading
            loading.add_done_callback(lambda _: self._loading.pop(loading_key, None))
        # A reader that goes away (its client did) does not cancel the others' load.
        shared: T = await asyncio.shield(loading)
        return shared

    async def _load(self, snapshot: str, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        value = await load()
        if len(self._reads) >= READ_CACHE_SIZE:
            self._reads.clear()
        self._reads[key] = (snapshot, value)
        return value

    async def security_epoch(self) -> int:
        """The epoch the listener knows, else the one in this turn's snapshot."""
        known = self.known_security_epoch()
        if known is not None:
            return known
        return (await self.current_snapshot()).security_epoch

    def known_security_epoch(self) -> int | None:
        """The epoch the listener knows, or None while it does not listen (then starts it)."""
        listener = self._listener
        if listener is None:
            return None
        known = listener.known
        if known is None:
            listener.start()
        return known

    async def bump_security_epoch(self) -> None:
        """Bump the security epoch in a transaction of its own."""
        async with self.transaction() as tx:
            await bump_security_epoch(tx)

    def request_scope(self) -> PostgresRequest:
        """A view for one request, whose reads share one snapshot."""
        return PostgresRequest(self)

    def current_snapshot(self) -> asyncio.Future[Snapshot]:
        """The server's snapshot, asked after everything that arrived before this call."""
        # One query serves the reads of one event-loop turn: it is sent on the next turn,
        # after every request that shares it arrived (their clients' earlier writes
        # included), as SQLite's data_version is asked once per turn.
        if self._snapshot is None:
            self._snapshot = asyncio.ensure_future(self._ask_snapshot())
            asyncio.get_running_loop().call_soon(self._forget_snapshot)
        return self._snapshot

    async def _ask_snapshot(self) -> Snapshot:
        # One statement, one MVCC snapshot: the epoch read is the one of that snapshot.
        row = await self._pooled.fetch_one(
            "SELECT pg_current_snapshot()::text AS snapshot,"
            f" ({SELECT_SECURITY_EPOCH}) AS security_epoch"
        )
        assert row is not None
        return Snapshot(text=row["snapshot"], security_epoch=row["security_epoch"] or 0)

    def _forget_snapshot(self) -> None:
        self._snapshot = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One transaction on a pooled connection; after a bump, it ends once all heard of it."""
        listener = self._listener
        async with self._pool.acquire() as connection:
            tx = _PostgresTransaction(connection, listener=listener)
            async with connection.transaction():
                yield tx
            if listener is None or tx.bumped is None or tx.heard_by is None:
                return
            # (3): the sessions listening after the commit; a later one reads the bump.
            try:
                rows = await connection.fetch(LISTENER_SESSIONS, LISTENER_NAME)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # Committed all the same: the caches' ttl bounds what this leaves open.
                log.warning("security epoch %d: listeners not found (%s)", tx.bumped, exc)
                return
        sessions = [row["pid"] for row in rows]
        await listener.wait_seen(epoch=tx.bumped, sessions=sessions, generation=tx.heard_by)

    async def close(self) -> None:
        """Stop listening, then close the pool."""
        if self._listener is not None:
            await self._listener.close()
        await self._pool.close()


class PostgresRequest:
    """A PostgresDatabase as one request uses it: its reads share one snapshot.

    The first check for commits waits for a snapshot taken after the request arrived; the
    request's later reads keep it, so it waits for one round trip, not one per read. A
    commit of its own drops it: what the request wrote, it reads back.
    """

    dialect = "postgresql"

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        self._snapshot: Snapshot | None = None

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, or None."""
        return await self._database.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        """Every row of a query."""
        return await self._database.fetch_all(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; the request's next read asks for a new snapshot."""
        try:
            return await self._database.execute(sql, params)
        finally:
            self._snapshot = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One transaction; after it, the request's next read asks for a new snapshot."""
        try:
            async with self._database.transaction() as tx:
                yield tx
        finally:
            self._snapshot = None

    async def _current_snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self._snapshot = await self._database.current_snapshot()
        return self._snapshot

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """`await load()`, remembered while the request's snapshot stands."""
        snapshot = await self._current_snapshot()
        return await self._database.read_cached_at(snapshot, key, load)

    async def security_epoch(self) -> int:
        """The epoch the listener knows, else the one in the request's snapshot."""
        known = self._database.known_security_epoch()
        if known is not None:
            return known
        return (await self._current_snapshot()).security_epoch

    def known_security_epoch(self) -> int | None:
        """The epoch the listener knows, else the request's snapshot's once it has one."""
        known = self._database.known_security_epoch()
        if known is None and self._snapshot is not None:
            return self._snapshot.security_epoch
        return known

    async def bump_security_epoch(self) -> None:
        """Bump the security epoch in a transaction of its own."""
        async with self.transaction() as tx:
            await bump_security_epoch(tx)

    def request_scope(self) -> PostgresRequest:
        """A new view for another request."""
        return PostgresRequest(self._database)

    async def close(self) -> None:
        """Nothing to release: the database outlives its requests."""
