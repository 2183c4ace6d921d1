"""SQLite for the async engine, on the event loop's own thread.

aiosqlite runs every call (a cursor, a statement, a fetch, a close) on a thread of its own and
wakes the event loop with its answer: about eight such round trips for a read of one row, and
each cost more CPU than the statement itself (a read transaction of one query: 1.0 ms, against
0.3 ms on the loop's thread; issue 13). The bot's statements are small and indexed, and SQLite
in WAL mode answers them in microseconds, so they run on the loop's thread here.

What could block the loop is waiting for a lock that another process holds: a connection here
never lets SQLite wait (`busy_timeout=0`), and a statement that finds the database locked is
tried again after an asyncio sleep, for as long as SQLite's own busy handler would have waited
(`WRITE_LOCK_TIMEOUT`). SQLite runs a statement that returned "locked" again from the start.
This process's writers never meet each other here: they queue first (`mesobot.db`).

The connection is aiosqlite's, with its call path replaced; SQLAlchemy's aiosqlite dialect
drives it as it drives aiosqlite (its thread still starts, and sets up the connection).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import aiosqlite

FIRST_RETRY = 0.001  # seconds; doubled up to LAST_RETRY, as SQLite's own busy handler does
LAST_RETRY = 0.05


class LoopThreadConnection(aiosqlite.Connection):
    """aiosqlite's connection, whose calls run on the caller's thread."""

    lock_timeout = 30.0  # seconds; `connector` sets each connection's

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        deadline = time.monotonic() + self.lock_timeout
        pause = FIRST_RETRY
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not _locked(error) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LAST_RETRY)


def _locked(error: sqlite3.OperationalError) -> bool:
    # SQLITE_BUSY ("database is locked") and SQLITE_LOCKED, with their extended codes (such as
    # SQLITE_BUSY_RECOVERY while another process recovers the write-ahead log): the primary
    # code is the low byte.
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def connector(database: str, *, lock_timeout: float) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for `database` (a path, or ":memory:")."""

    async def connect() -> LoopThreadConnection:
        def open_database() -> sqlite3.Connection:
            # Opened on aiosqlite's thread, used on the loop's: never from two at once.
            return sqlite3.connect(database, check_same_thread=False)

        connection = LoopThreadConnection(open_database, iter_chunk_size=64)
        connection.lock_timeout = lock_timeout
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's
        await connection  # opens the database
        return connection

    return connect
