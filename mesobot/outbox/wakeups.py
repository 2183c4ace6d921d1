"""Waking the dispatcher of another process: PostgreSQL's LISTEN/NOTIFY, in webhook mode.

A receiver's handlers queue their replies in the outbox; the dispatcher leader is usually
another process, which would otherwise find them only at its next safety interval (5 s).
After a transaction that wrote to the outbox commits, the receiver sends a NOTIFY (at most one
at a time, and one more if others committed meanwhile); every process listens, and the
leader's dispatcher wakes. A lost notification costs only the safety interval. A process
does not wake for its own notifications: its commits wake its dispatcher directly.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from mesobot.db import Database

logger = logging.getLogger(__name__)

CHANNEL = "mesobot_outbox"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :sender)")


class CrossProcessWakeups:
    """Sends and receives the outbox's NOTIFY on PostgreSQL; does nothing on SQLite."""

    def __init__(self, database: Database, wake: Callable[[], None]) -> None:
        self.database = database
        self.wake = wake
        self.enabled = database.engine.dialect.name == "postgresql"
        self._listening: Any = None
        self._notifying: asyncio.Task[None] | None = None
        self._again = False
        # Sent as the notification's payload, so that this process knows its own.
        self._sender = uuid.uuid4().hex

    async def start(self) -> None:
        """Listen on the channel, on a connection kept for it."""
        if not self.enabled:
            return
        try:
            connection = await self.database.engine.connect()
            raw = await connection.get_raw_connection()
            await raw.driver_connection.add_listener(CHANNEL, self._heard)  # type: ignore[union-attr]
        except Exception:
            logger.exception("Cannot listen for outbox wake-ups; the safety interval remains")
            return
        self._listening = (connection, raw)

    def _heard(self, _connection: object, _pid: int, _channel: str, sender: str) -> None:
        # Hearing its own would make the dispatcher look a second time, for nothing: in
        # bench/tap_latency on PostgreSQL that was one look in six (116 looks, now 97).
        if sender != self._sender:
            self.wake()

    def notify_soon(self) -> None:
        """Tell the other processes that the outbox has new rows (call on the event loop)."""
        if not self.enabled:
            return
        if self._notifying is not None and not self._notifying.done():
            self._again = True
            return
        self._notifying = asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        while True:
            self._again = False
            try:
                async with self.database.engine.connect() as connection:
                    await connection.execute(_NOTIFY, {"sender": self._sender})
                    await connection.commit()
            except Exception:
                logger.warning("Could not wake the other processes' dispatchers", exc_info=True)
            if not self._again:
                return

    async def stop(self) -> None:
        """Stop listening and give the connection back."""
        if self._notifying is not None:
            await asyncio.gather(self._notifying, return_exceptions=True)
        listening, self._listening = self._listening, None
        if listening is not None:
            connection, raw = listening
            try:
                await raw.driver_connection.remove_listener(CHANNEL, self._heard)
                await connection.close()
            except Exception:
                logger.debug("Closing the listening connection failed", exc_info=True)
