"""One active dispatcher at a time: a PostgreSQL advisory lock, or a file lock beside SQLite.

Either lock belongs to a connection or an open file of the holder, so the operating system
or the server frees it when the holder dies, and a standby takes over at its next retry.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from mesobot.db import Database

logger = logging.getLogger(__name__)

# Any fixed number, the same in every process, different from the migration lock's.
DISPATCHER_LOCK_KEY = 0x6F757462  # "outb"


class Leadership(Protocol):
    """Whether this process is the active dispatcher; standbys retry now and then."""

    async def ensure(self) -> bool: ...

    async def release(self) -> None: ...


class _RetryingLeadership:
    """Shared timing: retry a lost or refused lock every `retry_every` seconds at most."""

    def __init__(
        self, *, retry_every: float, on_acquired: Callable[[], Awaitable[None]] | None
    ) -> None:
        self.retry_every = retry_every
        self.on_acquired = on_acquired
        self.held = False
        self._last_try = float("-inf")

    async def ensure(self) -> bool:
        """True when this process holds the lock, taking it if it is free and time to retry."""
        if self.held:
            if await self._still_held():
                return True
            logger.warning("Lost the outbox dispatcher lock; standing by")
            self.held = False
        now = time.monotonic()
        if now - self._last_try < self.retry_every:
            return False
        self._last_try = now
        try:
            self.held = await self._try_acquire()
        except Exception:
            logger.exception("Could not try the outbox dispatcher lock")
            self.held = False
        if self.held:
            logger.info("This process is now the active outbox dispatcher")
            if self.on_acquired is not None:
                await self.on_acquired()
        return self.held

    async def _try_acquire(self) -> bool:
        raise NotImplementedError

    async def _still_held(self) -> bool:
        return True


class PostgresLeadership(_RetryingLeadership):
    """A session-level advisory lock held on a connection kept for nothing else."""

    def __init__(
        self,
        database: Database,
        *,
        retry_every: float = 2.0,
        check_every: float = 5.0,
        on_acquired: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(retry_every=retry_every, on_acquired=on_acquired)
        self.database = database
        self.check_every = check_every
        self._connection: AsyncConnection | None = None
        self._last_check = 0.0

    async def _try_acquire(self) -> bool:
        if self._connection is None:
            self._connection = await self.database.engine.connect()
        result = await self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": DISPATCHER_LOCK_KEY}
        )
        acquired = bool(result.scalar())
        # Session-level: the lock outlives this transaction; ending it keeps no snapshot open.
        await self._connection.commit()
        self._last_check = time.monotonic()
        return acquired

    async def _still_held(self) -> bool:
        if time.monotonic() - self._last_check < self.check_every:
            return True
        self._last_check = time.monotonic()
        try:
            assert self._connection is not None
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
            return True
        except Exception:
            await self._drop_connection()
            return False

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
                await connection.close()
            except Exception:
                logger.debug("Closing a broken lock connection failed", exc_info=True)

    async def release(self) -> None:
        """Give the lock up (closing the connection frees it on the server)."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                await self._connection.commit()
                await self._connection.close()
            except Exception:
                logger.debug("Releasing the dispatcher lock failed", exc_info=True)
            self._connection = None
        self.held = False


class FileLeadership(_RetryingLeadership):
    """An exclusive lock on a file beside the SQLite database, for processes on one host."""

    def __init__(
        self,
        path: Path,
        *,
        retry_every: float = 2.0,
        on_acquired: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(retry_every=retry_every, on_acquired=on_acquired)
        self.path = path
        self._fd: int | None = None

    async def _try_acquire(self) -> bool:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def release(self) -> None:
        """Unlock and close the file."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self.held = False


class AlwaysLeader(_RetryingLeadership):
    """For an in-memory database, which no other process can share."""

    def __init__(self, *, on_acquired: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__(retry_every=0.0, on_acquired=on_acquired)

    async def _try_acquire(self) -> bool:
        return True

    async def release(self) -> None:
        self.held = False


def leadership_for(
    database: Database, *, on_acquired: Callable[[], Awaitable[None]] | None = None
) -> Leadership:
    """The lock that suits the database's backend."""
    url = make_url(database.url)
    if url.get_backend_name() == "postgresql":
        return PostgresLeadership(database, on_acquired=on_acquired)
    if url.database in (None, "", ":memory:"):
        return AlwaysLeader(on_acquired=on_acquired)
    return FileLeadership(Path(f"{url.database}.dispatcher-lock"), on_acquired=on_acquired)
