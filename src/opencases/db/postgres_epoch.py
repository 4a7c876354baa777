"""PostgreSQL's security epoch, heard (LISTEN/NOTIFY) instead of asked at every request."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

import asyncpg

from opencases.db.database import BUMP_SECURITY_EPOCH, SELECT_SECURITY_EPOCH

log = logging.getLogger(__name__)

# --- the security epoch, heard instead of asked ---------------------------------------
#
# Every bump notifies SECURITY_EPOCH_CHANNEL with the new epoch, in its own transaction
# (PostgreSQL delivers it at the commit). Each process keeps one connection outside the
# pool that LISTENs for it, so a request learns whether what the process remembers of
# credentials and spaces still holds without a round trip. Why no bump is missed:
#
# 1. A listener LISTENs before it reads the epoch: a bump committed before the LISTEN took
#    effect is in what it reads; one committed after is notified to it.
# 2. Bumps take the epoch's row lock, so they commit one after another in epoch order, and
#    PostgreSQL delivers the notifications of different transactions in commit order: the
#    epochs a listener hears grow. One below the epoch it knows was already in its read (or
#    the row was reset behind OpenCases' back), one heard during a read may be past it:
#    either way it reads the epoch again, and requests ask PostgreSQL meanwhile.
# 3. Hearing is not enough: the writer's client may send its next request to another
#    process before that process's event loop has read the notification from its socket.
#    Granian queues a request with call_soon_threadsafe, so it runs before the handlers
#    of the sockets found readable in the same loop turn, and asyncpg hands a
#    notification to its listener one call_soon later still; and nothing bounds how late
#    the notification's bytes arrive. So every listener, once its process took an epoch
#    in, says so on SECURITY_EPOCH_SEEN_CHANNEL (the writer's own listener tells it
#    in memory); and the bumping transaction, after its commit and before it returns,
#    waits until every listener session that exists then (pg_stat_activity, by
#    application_name; its own process's included) has said so.
#    A session missing from that list connected after the commit, so what it reads (1)
#    includes the bump. When a writer answers its client, every process whose listener
#    is healthy therefore knows the new epoch already, whatever order its loop runs
#    things in: nothing on the reader's side waits or yields.
#
# Not guaranteed: a listener that does not answer within NOTIFY_WAIT_SECONDS (its loop
# stalled; a connection broken without a word, which TCP notices late) is logged and no
# longer waited for, and a writer whose own listener is down cannot hear the answers and
# does not wait. The caches' `ttl` (auth_cache_seconds) bounds both. A change to the
# epoch's row made with plain SQL notifies nobody: a listener sees it when it next reads.
# And epochs are taken to grow: once the row is reset behind OpenCases' back, a writer
# may stop waiting early (its listeners said a higher epoch before), until they read it.
SECURITY_EPOCH_CHANNEL = "opencases_security_epoch"
SECURITY_EPOCH_SEEN_CHANNEL = "opencases_security_epoch_seen"
# The listeners' application_name, by which writers find them in pg_stat_activity.
LISTENER_NAME = "opencases security epoch listener"
# How long a writer waits for the listeners, and for its own to start.
NOTIFY_WAIT_SECONDS = 2.0
# The first and the longest pause before a lost listener connects again.
RECONNECT_SECONDS = (0.05, 5.0)
# Listener sessions remembered at most (their backend pids change at each reconnection).
_SEEN_SIZE = 10_000
# The payload is the new epoch and the backend pid of the writer's own listener (0 if
# none): that listener tells its writer directly, with no NOTIFY of its own. Constants
# only reach this text.
BUMP_AND_NOTIFY = (
    f"WITH bumped AS ({BUMP_SECURITY_EPOCH} RETURNING epoch)"  # noqa: S608
    f" SELECT epoch, pg_notify('{SECURITY_EPOCH_CHANNEL}', epoch::text || ' ' || $1::text)"
    " FROM bumped"
)
LISTENER_SESSIONS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1"
)


class SecurityEpochListener:
    """A connection outside the pool that LISTENs for bumps: the epoch known without asking."""

    def __init__(self, url: str) -> None:
        self._url = url
        # The epoch while listening and up to date with every bump heard, else None.
        self.known: int | None = None
        self._known_event = asyncio.Event()
        # Changes whenever a connection starts or ends: answers to a writer that began
        # listening on one connection may have been missed by the next.
        self.generation = 0
        # The backend pid of the connection, while there is one (else 0).
        self.pid = 0
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._retrying = False
        self._delay = RECONNECT_SECONDS[0]
        # The connection's work, done one statement at a time: read the epoch again; say
        # which epoch this process took in.
        self._work = asyncio.Event()
        self._read_again = False
        self._to_confirm: int | None = None
        # The last epoch each listener session (by backend pid) said its process took in.
        self._seen: dict[int, int] = {}
        self._seen_event = asyncio.Event()

    def start(self) -> None:
        """Connect and listen in the background, unless it already does or was closed."""
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=LISTENER_NAME)

    async def listening(self) -> bool:
        """Whether it listens; when it is starting (not retrying), after waiting for it."""
        self.start()
        if self.known is None and not self._retrying:
            with suppress(TimeoutError):
                async with asyncio.timeout(NOTIFY_WAIT_SECONDS):
                    await self._known_event.wait()
        return self.known is not None

    async def wait_seen(self, *, epoch: int, sessions: list[int], generation: int) -> None:
        """Wait until every listener session in `sessions` said its process took `epoch` in."""
        waiting = set(sessions)
        with suppress(TimeoutError):
            async with asyncio.timeout(NOTIFY_WAIT_SECONDS):
                while True:
                    changed = self._seen_event
                    waiting = {pid for pid in waiting if self._seen.get(pid, -1) < epoch}
                    if not waiting or self.generation != generation:
                        break
                    await changed.wait()
        if waiting:
            log.warning(
                "security epoch %d: %d process(es) did not say they heard of it within %.0f s;"
                " they may accept ended credentials until their caches expire",
                epoch,
                len(waiting),
                NOTIFY_WAIT_SECONDS,
            )

    async def close(self) -> None:
        """Stop listening and close the connection."""
        self._closed = True
        self._set_known(None)
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])

    def _set_known(self, epoch: int | None) -> None:
        self.known = epoch
        if epoch is None:
            self._known_event.clear()
        else:
            self._known_event.set()

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except Exception as exc:  # whatever ends it, requests ask PostgreSQL meanwhile
                if not self._retrying:
                    log.warning(
                        "the security epoch listener stopped (%s: %s); every request asks"
                        " PostgreSQL for the epoch until it listens again",
                        type(exc).__name__,
                        exc,
                    )
            self._retrying = True
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, RECONNECT_SECONDS[1])

    async def _listen(self) -> None:
        connection = await asyncpg.connect(
            self._url, server_settings={"application_name": LISTENER_NAME}
        )
        self.generation += 1
        self.pid = connection.get_server_pid()
        try:
            connection.add_termination_listener(self._on_lost)
            await connection.add_listener(SECURITY_EPOCH_SEEN_CHANNEL, self._on_seen)
            # (1): the LISTEN has taken effect when this returns; the read comes after.
            await connection.add_listener(SECURITY_EPOCH_CHANNEL, self._on_bump)
            self._read_again = True
            while not connection.is_closed():
                self._work.clear()
                if self._to_confirm is not None:
                    # Before a read: while it reads, requests ask PostgreSQL, so this is
                    # already true, and the writer waiting for it need not wait longer.
                    confirmed, self._to_confirm = self._to_confirm, None
                    await connection.execute(
                        "SELECT pg_notify($1, $2)", SECURITY_EPOCH_SEEN_CHANNEL, str(confirmed)
                    )
                elif self._read_again:
                    self._read_again = False
                    epoch = await connection.fetchval(SELECT_SECURITY_EPOCH) or 0
                    if self._read_again:
                        continue  # (2): a bump heard meanwhile may be past the read
                    self._set_known(epoch)
                    # For writers that found this session listening before it had read.
                    self._confirm(epoch)
                    if self._retrying:
                        log.info("the security epoch listener listens again")
                    self._retrying = False
                    self._delay = RECONNECT_SECONDS[0]
                else:
                    await self._work.wait()
            raise ConnectionError("the connection was closed")
        finally:
            self._set_known(None)
            self.generation += 1
            self.pid = 0
            self._wake_waiters()
            connection.terminate()

    def _confirm(self, epoch: int) -> None:
        self._to_confirm = epoch if self._to_confirm is None else max(self._to_confirm, epoch)
        self._work.set()

    def _on_bump(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        number, _, writer = payload.partition(" ")
        try:
            epoch = int(number)
        except ValueError:
            # Not a bump's: something else changed the row, maybe; read it again.
            self._set_known(None)
            self._read_again = True
            self._work.set()
            return
        known = self.known
        if known is not None and epoch >= known:
            self._set_known(epoch)
        else:
            # (2): already in the last read, reset behind OpenCases' back, or heard during
            # a read: read again, and let requests ask PostgreSQL until then.
            self._set_known(None)
            self._read_again = True
            self._work.set()
        # Taken in, or asked for at every request until the read: either way this process
        # trusts nothing older from now on.
        if self.pid and writer == str(self.pid):
            # The writer is in this process and waits on this very listener: no NOTIFY.
            self._seen[self.pid] = epoch
            self._wake_waiters()
        else:
            self._confirm(epoch)

    def _on_seen(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        try:
            epoch = int(payload)
        except ValueError:
            return
        if len(self._seen) >= _SEEN_SIZE and pid not in self._seen:
            self._seen.clear()
        self._seen[pid] = epoch
        self._wake_waiters()

    def _on_lost(self, connection: Any) -> None:
        self._set_known(None)
        self._work.set()

    def _wake_waiters(self) -> None:
        self._seen_event.set()
        self._seen_event = asyncio.Event()
