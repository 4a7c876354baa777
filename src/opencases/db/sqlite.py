"""SQLite: WAL; reads on the event loop, group commits and checkpoints on threads of their own."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import struct
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from opencases.db.database import (
    READ_CACHE_SIZE,
    SELECT_SECURITY_EPOCH,
    Executor,
    Params,
    Row,
    T,
    UniqueViolation,
)

log = logging.getLogger(__name__)


def sqlite_path(url: str) -> str:
    """The file path of a `sqlite:///path` URL."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url}")
    return url.removeprefix("sqlite:///")


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
    connection.execute("PRAGMA cache_size=-32768")
    # Each request of a group commit runs in a savepoint, for which SQLite keeps the pages it
    # changes as they were in a sub-journal: a temporary file past 64 KiB unless this says
    # memory (the file cost a sixth of the event loop's time under constant creates). The
    # price: each statement's end walks the in-memory sub-journal, so a savepoint of
    # thousands of statements slows down with its square; a request makes at most hundreds.
    connection.execute("PRAGMA temp_store=MEMORY")
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

    dialect = "sqlite"

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


# The WAL's length in pages (about 40 MiB) at which a write waits for the checkpointer to
# copy all of it: the WAL starts over only when a write begins with every page copied,
# which under constant writes a checkpointer on its own seldom sees.
WAL_RESTART_FRAMES = 10_000

# Where the wal-index (the "-shm" file) keeps mxFrame, the count of valid frames in the
# WAL, in native byte order: https://www.sqlite.org/walformat.html, "The WAL-Index Header".
_MX_FRAME = struct.Struct("=I")
_MX_FRAME_OFFSET = 16


def _checkpoint_passive(connection: sqlite3.Connection) -> tuple[int, int]:
    """Copy what the WAL holds into the database file, as far as readers let it (PASSIVE)."""
    _busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return frames, copied


class _Checkpointer:
    """Copies the WAL into the database file on a thread of its own.

    SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 pages, where
    its writes and the database file's fsync hold back every write queued behind it
    (100-900 ms on the development machine's disk, several times a second under load).
    """

    def __init__(self, path: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._connection = self._executor.submit(_sqlite_connect, path).result()
        # Connecting in WAL mode made the wal-index file.
        self._wal_index = os.open(f"{path}-shm", os.O_RDONLY)
        self._task: asyncio.Task[None] | None = None
        self._again = False
        # The WAL's length at which a write waits for a checkpoint (raised past what the last
        # checkpoint had to leave behind).
        self._wait_at = WAL_RESTART_FRAMES

    def start(self) -> None:
        """Checkpoint soon: now, or once the checkpoint under way is done."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self._again:
            self._again = False
            await self._checkpoint()

    async def catch_up(self) -> None:
        """Before a write begins: when the WAL is long, copy all of it, so it starts over."""
        # The WAL's length now, read from the wal-index: what the last checkpoint saw can
        # be many commits old when checkpoints are slower than commits (a busy disk).
        if self._frames() >= self._wait_at:
            await self._checkpoint()

    def _frames(self) -> int:
        """The count of valid frames in the WAL."""
        data = os.pread(self._wal_index, _MX_FRAME.size, _MX_FRAME_OFFSET)
        return int(_MX_FRAME.unpack(data)[0])

    async def _checkpoint(self) -> None:
        """Checkpoint on the checkpointer's thread."""
        loop = asyncio.get_running_loop()
        try:
            frames, copied = await loop.run_in_executor(
                self._executor, _checkpoint_passive, self._connection
            )
        except sqlite3.Error as exc:
            log.warning("SQLite checkpoint failed (the WAL keeps every write): %s", exc)
            return
        # A reader meanwhile (of any process) can leave frames behind: wait for more first.
        self._wait_at = WAL_RESTART_FRAMES if copied == frames else frames + WAL_RESTART_FRAMES

    async def close(self) -> None:
        """Wait for the checkpoint under way; close the connection."""
        if self._task is not None:
            await asyncio.wait([self._task])
        os.close(self._wal_index)
        self._executor.submit(self._connection.close).result()
        self._executor.shutdown()


# The full-text index's changes, queued by the triggers of migration 0012, applied by each
# commit after the transaction's last savepoint: FTS5 writes a new segment of its index
# whenever a savepoint begins, so written at once, each case was a segment of its own.
_FULL_TEXT_QUEUE = "cases_fts_queue"
_APPLY_FULL_TEXT_QUEUE = (
    "INSERT INTO cases_fts (cases_fts, rowid, title, description)"
    " SELECT command, seq, title, description FROM cases_fts_queue ORDER BY id",
    "DELETE FROM cases_fts_queue",
)


def _commit_writes(connection: sqlite3.Connection, *, full_text_queue: bool) -> None:
    """Apply the full-text queue (where the schema has one), then COMMIT."""
    if full_text_queue:
        for statement in _APPLY_FULL_TEXT_QUEUE:
            connection.execute(statement)
    connection.execute("COMMIT")


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
        self._writer.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = _Checkpointer(path)
        self._write_lock = asyncio.Lock()
        # The open transaction's outcome, while it gathers requests to commit together.
        self._batch: asyncio.Future[None] | None = None
        self._committing: asyncio.Future[None] | None = None
        self._reads: dict[Hashable, Any] = {}
        self._reads_version = -1
        self._reads_checked = False
        self._security_epoch = 0
        # Until the migrations made it (then for good): a database is only ever migrated up.
        self._full_text_queue = False

    async def on_writer(self, work: Any) -> Any:
        """Run `work(connection)` on the writer thread."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, work, self._writer)
        except sqlite3.Error as exc:
            raise _sqlite_error(exc) from exc

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of a query (on the reader connection, on the event loop), or None."""
        row: Row | None = self._reader.execute(sql, params or {}).fetchone()
        return row

    async def fetch_all(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        """Every row of a query (on the reader connection, on the event loop)."""
        rows: Sequence[Row] = self._reader.execute(sql, params or {}).fetchall()
        return rows

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a statement in a transaction of its own; the number of rows it changed."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """`await load()`, remembered under `key` until SQLite's data_version moves."""
        if not self._reads_checked:
            self._check_reads()
        if key in self._reads:
            cached: T = self._reads[key]
            return cached
        if len(self._reads) >= READ_CACHE_SIZE:
            self._reads.clear()
        value = await load()
        self._reads[key] = value
        return value

    async def security_epoch(self) -> int:
        """The security epoch, read again whenever data_version moved."""
        if not self._reads_checked:
            self._check_reads()
        return self._security_epoch

    def known_security_epoch(self) -> int | None:
        """The security epoch: on SQLite always known without waiting."""
        # Asked twice by every request (credentials, space): the common case is one test.
        if not self._reads_checked:
            self._check_reads()
        return self._security_epoch

    def request_scope(self) -> SQLiteDatabase:
        """This database itself: its check for commits costs no wait, so each turn asks."""
        return self

    def _check_reads(self) -> None:
        # SQLite's data_version changes whenever another connection (our writer, or
        # another process) commits: while it stands still, nothing read can have changed.
        # It is asked once per turn of the event loop: a request that comes after a
        # commit elsewhere (its client saw that commit answered) is queued after it, so
        # the turn that serves it asks anew.
        version = self._reader.execute("PRAGMA data_version").fetchone()[0]
        if version != self._reads_version:
            self._reads.clear()
            self._reads_version = version
            row = self._reader.execute(SELECT_SECURITY_EPOCH).fetchone()
            self._security_epoch = row[0] if row else 0
        self._reads_checked = True
        asyncio.get_running_loop().call_soon(self._expire_reads_check)

    def _expire_reads_check(self) -> None:
        self._reads_checked = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One transaction, committed with those queued beside it (group commit)."""
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
        await self._checkpointer.catch_up()
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
                if not self._full_text_queue:
                    self._full_text_queue = self._has_table(_FULL_TEXT_QUEUE)
                queue = self._full_text_queue
                await self.on_writer(lambda c: _commit_writes(c, full_text_queue=queue))
            except BaseException as exc:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                batch.set_exception(exc)
            else:
                batch.set_result(None)
                self._checkpointer.start()
            # What this process just wrote is read back at once, in this same turn.
            self._reads_checked = False

    def _has_table(self, name: str) -> bool:
        row = self._writer.execute(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    async def close(self) -> None:
        """Wait for the last commit, then close both connections."""
        if self._committing is not None:
            await asyncio.wait([self._committing])
        await self._checkpointer.close()
        self._reader.close()
        self._executor.submit(self._writer.close).result()
        self._executor.shutdown()
