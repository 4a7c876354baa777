"""The thin async layer over sqlite3 and asyncpg that every store talks to."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg
import msgspec

Params = Mapping[str, Any]
T = TypeVar("T")


_encode_json = msgspec.json.Encoder().encode


def to_json(value: Any) -> str:
    """The text of a JSON column (text on SQLite, jsonb on PostgreSQL) for a value."""
    return _encode_json(value).decode()


def in_list(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """Placeholders and parameters for `IN (...)` over `values` (`:name0, :name1, ...`)."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{key}" for key in params), params


class Row(Protocol):
    """A result row: sqlite3.Row or asyncpg.Record, both read by column name or position."""

    def __getitem__(self, key: str | int, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def keys(self) -> Iterable[str]: ...


class DatabaseError(Exception):
    """Base of the errors the db layer raises for both drivers."""


class UniqueViolation(DatabaseError):
    """An insert or update broke a unique constraint."""


class Executor(Protocol):
    """What a store needs: run SQL with named (`:name`) parameters."""

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query, or None."""
        ...

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        """Every row of a query."""
        ...

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; the number of rows it changed."""
        ...


class Database(Executor, Protocol):
    """A connection to SQLite or PostgreSQL; writes go through `transaction()`."""

    dialect: str

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """One transaction: committed when the block ends, rolled back on an exception."""
        ...

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """`await load()`, remembered under `key` until the next write to the database."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...


# --- SQLite -----------------------------------------------------------------


def sqlite_path(url: str) -> str:
    """The file path of a `sqlite:///path` URL."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url}")
    return url.removeprefix("sqlite:///")


# Reads remembered at most between two writes.
READ_CACHE_SIZE = 1000
# How long a write waits for another process's write transaction.
BUSY_TIMEOUT_SECONDS = 10.0


def _sqlite_connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, cached_statements=256
    )
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    # A 200 means the write is on disk.
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
    return connection


def _sqlite_error(exc: sqlite3.Error) -> Exception:
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
        return UniqueViolation(str(exc))
    return exc


class _SQLiteWriter:
    """Statements of one transaction.

    They run on the event loop: inside a transaction SQLite only writes to memory and the
    page cache. The fsync comes at COMMIT, which runs on the writer thread.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def _run(self, sql: str, params: Params | None) -> sqlite3.Cursor:
        try:
            return self._connection.execute(sql, params or {})
        except sqlite3.Error as exc:
            raise _sqlite_error(exc) from exc

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        row: Row | None = self._run(sql, params).fetchone()
        return row

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        rows: Sequence[Row] = self._run(sql, params).fetchall()
        return rows

    async def execute(self, sql: str, params: Params | None = None) -> int:
        return self._run(sql, params).rowcount


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _retrieve(batch: asyncio.Future[None]) -> None:
    """Mark a failed batch's error as seen: each member also gets it (or rolled back)."""
    if not batch.cancelled():
        batch.exception()


def _begin_waiting(connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write transaction to end."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    delay = 0.0005
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


class SQLiteDatabase:
    """SQLite in WAL mode: reads on the event loop, commits on one writer thread."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        # Short reads run on the event loop: a WAL reader never waits for the writer.
        self._reader = _sqlite_connect(path)
        # Commits fsync, so they run on their own thread and never block the loop.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._writer = self._executor.submit(_sqlite_connect, path).result()
        # The writer never waits inside SQLite: waiting for the lock is _begin_waiting's
        # job, on the writer thread, so the loop cannot stall behind another process.
        self._writer.execute("PRAGMA busy_timeout=0")
        self._write_lock = asyncio.Lock()
        # The open transaction's outcome, while it gathers requests to commit together.
        self._batch: asyncio.Future[None] | None = None
        self._committing: asyncio.Future[None] | None = None
        self._reads: dict[Hashable, Any] = {}
        self._reads_version = -1
        self._reads_checked = False

    async def on_writer(self, work: Any) -> Any:
        """Run `work(connection)` on the writer thread."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, work, self._writer)
        except sqlite3.Error as exc:
            raise _sqlite_error(exc) from exc

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        row: Row | None = self._reader.execute(sql, params or {}).fetchone()
        return row

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        rows: Sequence[Row] = self._reader.execute(sql, params or {}).fetchall()
        return rows

    async def execute(self, sql: str, params: Params | None = None) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        # SQLite's data_version changes whenever another connection (our writer, or
        # another process) commits: while it stands still, nothing read can have changed.
        # It is asked once per turn of the event loop: a request that comes after a
        # commit elsewhere (its client saw that commit answered) is queued after it, so
        # the turn that serves it asks anew.
        if not self._reads_checked:
            version = self._reader.execute("PRAGMA data_version").fetchone()[0]
            if version != self._reads_version:
                self._reads.clear()
                self._reads_version = version
            self._reads_checked = True
            asyncio.get_running_loop().call_soon(self._expire_reads_check)
        if key in self._reads:
            cached: T = self._reads[key]
            return cached
        if len(self._reads) >= READ_CACHE_SIZE:
            self._reads.clear()
        value = await load()
        self._reads[key] = value
        return value

    def _expire_reads_check(self) -> None:
        self._reads_checked = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        # Group commit: the transactions that queue up while a COMMIT is on disk run
        # next, each in its own savepoint of one SQLite transaction, and share its COMMIT.
        # Every one still answers only after that COMMIT (its fsync) is done.
        async with self._write_lock:
            batch = self._batch
            if batch is None:
                await self._begin()
                batch = self._batch = asyncio.get_running_loop().create_future()
                batch.add_done_callback(_retrieve)
                self._committing = asyncio.ensure_future(self._commit(batch))
            self._writer.execute("SAVEPOINT request")
            try:
                yield _SQLiteWriter(self._writer)
            except BaseException:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK TO request")
                    self._writer.execute("RELEASE request")
                raise
            self._writer.execute("RELEASE request")
        await asyncio.shield(batch)

    async def _begin(self) -> None:
        # IMMEDIATE takes the write lock now, so a conflict shows here, not at commit.
        # It is usually free: try on the loop; if another process holds it, wait for it
        # on the writer thread.
        try:
            self._writer.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            await self.on_writer(_begin_waiting)

    async def _commit(self, batch: asyncio.Future[None]) -> None:
        # Queued behind the transactions already waiting, which so join this batch.
        async with self._write_lock:
            self._batch = None
            try:
                await self.on_writer(lambda c: c.execute("COMMIT"))
            except BaseException as exc:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                batch.set_exception(exc)
            else:
                batch.set_result(None)
            # What this process just wrote is read back at once, in this same turn.
            self._reads_checked = False

    async def close(self) -> None:
        if self._committing is not None:
            await asyncio.wait([self._committing])
        self._reader.close()
        self._executor.submit(self._writer.close).result()
        self._executor.shutdown()


# --- PostgreSQL -------------------------------------------------------------

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


class _PostgresConnection:
    """Statements on one asyncpg connection (a transaction's)."""

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

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._pooled = _PostgresConnection(pool)
        self._reads: dict[Hashable, tuple[str, Any]] = {}
        self._snapshot: asyncio.Future[str] | None = None

    @classmethod
    async def connect(cls, url: str, *, pool_size: int = 10) -> PostgresDatabase:
        """Open a pool of connections to `url`."""
        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=pool_size, connection_class=_PooledConnection
        )
        return cls(pool)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        return await self._pooled.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        return await self._pooled.fetch_all(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> int:
        return await self._pooled.execute(sql, params)

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        # Every commit of a writing transaction, from any process, changes the server's
        # snapshot: its xid leaves the in-progress list, or xmax moves past it. While the
        # snapshot taken before a load stands unchanged, nothing that load read has changed.
        snapshot = await self._current_snapshot()
        cached = self._reads.get(key)
        if cached is not None and cached[0] == snapshot:
            value: T = cached[1]
            return value
        if len(self._reads) >= READ_CACHE_SIZE:
            self._reads.clear()
        value = await load()
        self._reads[key] = (snapshot, value)
        return value

    def _current_snapshot(self) -> asyncio.Future[str]:
        # One query serves the reads of one event-loop turn: it is sent on the next turn,
        # after every request that shares it arrived (their clients' earlier writes
        # included), as SQLite's data_version is asked once per turn.
        if self._snapshot is None:
            self._snapshot = asyncio.ensure_future(self._ask_snapshot())
            asyncio.get_running_loop().call_soon(self._forget_snapshot)
        return self._snapshot

    async def _ask_snapshot(self) -> str:
        row = await self._pooled.fetch_one("SELECT pg_current_snapshot()::text AS snapshot")
        assert row is not None
        snapshot: str = row["snapshot"]
        return snapshot

    def _forget_snapshot(self) -> None:
        self._snapshot = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self._pool.acquire() as connection, connection.transaction():
            yield _PostgresConnection(connection)

    async def close(self) -> None:
        await self._pool.close()


async def connect(url: str, *, pool_size: int = 10) -> Database:
    """A Database for a `sqlite:///...` or `postgresql://...` URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return await PostgresDatabase.connect(url, pool_size=pool_size)
    return SQLiteDatabase(sqlite_path(url))
