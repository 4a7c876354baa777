"""The protocols every store talks to, and what both drivers share."""

from __future__ import annotations

from collections.abc import (
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar, runtime_checkable

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

    def keys(self) -> Iterable[str]:
        """The column names."""
        ...


class DatabaseError(Exception):
    """Base of the errors the db layer raises for both drivers."""


class UniqueViolation(DatabaseError):
    """An insert or update broke a unique constraint."""


class Executor(Protocol):
    """What a store needs: run SQL with named (`:name`) parameters."""

    # `sqlite` or `postgresql`, for the few statements that differ between them.
    dialect: str

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

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """One transaction: committed when the block ends, rolled back on an exception."""
        ...

    async def read_cached(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """`await load()`, remembered under `key` until the next write to the database."""
        ...

    async def security_epoch(self) -> int:
        """The security epoch, with every bump whose transaction ended before the request came."""
        ...

    def known_security_epoch(self) -> int | None:
        """The security epoch when it is known current without I/O, else None."""
        ...

    def request_scope(self) -> Database:
        """This database as one request uses it: its checks for commits share one answer.

        A request may use the first answer to its end (nothing it must see can commit
        after it arrived), so it waits for that answer once; after a commit of its own, the
        next check asks again. For one request only: never keep it beyond.
        """
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...


# --- the security epoch -------------------------------------------------------

# Every change that must end what a process remembers of credentials or spaces (a
# password, a user's roles or state, an invalidated API key, a changed or deleted space)
# bumps one counter in its own transaction. On SQLite the check for commits that
# `read_cached` makes (once per event-loop turn) reads it too; on PostgreSQL each process
# LISTENs for the bumps, and a bumping transaction returns once every listening process
# heard of it (see postgres.py). Either way each process learns of such a change at its
# next request and keeps everything else it verified.
SELECT_SECURITY_EPOCH = "SELECT epoch FROM security_epoch WHERE id = 1"
BUMP_SECURITY_EPOCH = (
    "INSERT INTO security_epoch (id, epoch) VALUES (1, 1)"
    " ON CONFLICT (id) DO UPDATE SET epoch = security_epoch.epoch + 1"
)
# Reads remembered at most between two writes.
READ_CACHE_SIZE = 1000


@runtime_checkable
class _BumpsSecurityEpoch(Protocol):
    """An executor that bumps the epoch its own way (PostgreSQL's notify the listeners)."""

    async def bump_security_epoch(self) -> None:
        """Bump the security epoch in this executor's transaction."""
        ...


async def bump_security_epoch(tx: Executor) -> None:
    """Bump the security epoch in `tx`: at its commit every process forgets what it verified.

    Call it before the transaction's other writes: on PostgreSQL the counter's row lock then
    comes first in every transaction that takes it, so two of them never deadlock.
    """
    if isinstance(tx, _BumpsSecurityEpoch):
        await tx.bump_security_epoch()
    else:
        await tx.execute(BUMP_SECURITY_EPOCH)
